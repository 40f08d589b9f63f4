/**
 * Copies what the page needs from an rclone remote (the bucket, e.g. `artifacts:<bucket>` in a pipeline step, or
 * `:s3,env_auth=true:<bucket>` on a laptop) into a local directory of the bucket's layout: every release record and
 * promotion, stored notes, the `install-outcome` of each gate, and the names (not the content) of every gate log. Logs
 * themselves are copied only on request (`copyLogs`), as they are large.
 *
 * rclone's exit code for a missing directory differs by backend (3 on the local backend; bucket backends list an
 * absent prefix as empty and exit 0), so 3 counts as "nothing there" for the optional parts.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** A mistake in the source the user named (missing rclone, unreadable remote): one line, no stack trace. */
export class SourceError extends Error {}

/**
 * rclone's own reading of a path: `name:path` or `:backend[,opts]:path` is a remote (names are letters, digits and
 * `_ - . + @` and space); anything else is local. An existing local directory always wins.
 */
export function isRemote(location: string): boolean {
    if (fs.existsSync(location)) return false;
    return /^:?[\w.+@ -]+(,[^:]*)?:/.test(location);
}

/** `artifacts:bucket` + `releases` → `artifacts:bucket/releases`; `remote:` + `releases` → `remote:releases`. */
export function joinRemote(remote: string, sub: string): string {
    return remote.endsWith(":") ? `${remote}${sub}` : `${remote.replace(/\/+$/, "")}/${sub}`;
}

interface Run {
    status: number;
    stdout: string;
    stderr: string;
}

function rclone(args: string[]): Run {
    const r = spawnSync("rclone", args, { encoding: "utf8", maxBuffer: 256 << 20 });
    if (r.error) {
        const code = (r.error as NodeJS.ErrnoException).code;
        throw new SourceError(
            code === "ENOENT"
                ? "rclone is not on PATH; it reads the records from a remote"
                : `rclone: ${r.error.message}`,
        );
    }
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

const firstError = (r: Run) =>
    r.stderr
        .split("\n")
        .map((l) => l.trim())
        .find((l) => /ERROR|Failed|error/i.test(l)) ?? `exit ${r.status}`;

/** Runs rclone; exit 3 (directory not found) is fine when `optional`. */
function must(args: string[], what: string, optional: boolean): Run {
    const r = rclone(["--quiet", ...args]);
    if (r.status === 0 || (optional && r.status === 3)) return r;
    throw new SourceError(`reading ${what} failed (rclone exit ${r.status}): ${firstError(r)}`);
}

export interface Fetched {
    /** The local copy, in the bucket's layout. */
    dir: string;
    /** Every object under logs/, relative to logs/. */
    logListing: string[];
}

/** Copies the records, notes, install outcomes, the log listing and status/throttle.json of `remote` into `dir`. */
export function fetchRemote(remote: string, dir: string): Fetched {
    const releases = joinRemote(remote, "releases");
    const r = must(["copy", releases, path.join(dir, "releases"), "--include", "/*/*.json"], releases, true);
    if (r.status === 3 || !fs.existsSync(path.join(dir, "releases"))) {
        throw new SourceError(`no release records under ${releases} (expected releases/<minor>/<name>.json)`);
    }
    // Promotions (promoted/<minor>/<name>.json; not the name claims under claims/).
    must(
        ["copy", joinRemote(remote, "promoted"), path.join(dir, "promoted"), "--include", "/*/*.json"],
        "promoted/",
        true,
    );
    must(["copy", joinRemote(remote, "notes"), path.join(dir, "notes"), "--include", "/*/*.json"], "notes/", true);
    const logs = joinRemote(remote, "logs");
    const listing = must(["lsf", "-R", "--files-only", logs], "logs/", true);
    must(["copy", logs, path.join(dir, "logs"), "--include", "/*/*/*/install-outcome"], "logs/", true);
    // The throttle's state the last published site carried (throttle.ts), if any.
    must(
        ["copy", joinRemote(remote, "status"), path.join(dir, "status"), "--include", "/throttle.json"],
        "status/",
        true,
    );
    return { dir, logListing: listing.stdout.split("\n").filter((l) => l !== "") };
}

/** Copies the logs of the given payloads (`<minor>/<name>`) into `<out>/logs/`. */
export function copyLogs(remote: string, payloads: string[], out: string): void {
    if (payloads.length === 0) return;
    const filters = path.join(out, ".logs-filter");
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(filters, payloads.map((p) => `/${p}/**`).join("\n") + "\n");
    try {
        must(["copy", joinRemote(remote, "logs"), path.join(out, "logs"), "--include-from", filters], "logs/", true);
    } finally {
        fs.rmSync(filters, { force: true });
    }
}
