/**
 * The status renderer's command line: the same program for `npm run status` (scripts/status.ts) and the pipeline
 * steps (publish-status.sh, release-notes.sh run it with node, bundled by bundle.ts into the okd-status-renderer
 * ConfigMap). See docs/status.md.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { type Cli, UsageError, UserError, parseCli, readUserJson } from "../../../scripts/cli";
import { SourceError, copyLogs, fetchRemote, isRemote } from "./fetch";
import { type StreamConfig, buildStatus } from "./model";
import { type OcChangeLog, notesFromRecords, notesMarkdown, previousPromoted, withChangelog } from "./notes";
import { type RecordTree, readTree } from "./records";
import type { Notes } from "./schema";
import { renderSite, throttleFile, writeFiles } from "./site";
import { type ThrottleState, throttleStateSchema } from "./throttle";

export const cli: Cli = {
    name: "status",
    usage: `usage: npm run status -- --from <dir or rclone remote> --out <dir> [options]

Renders the release status site (an overview, a page per stream and per payload, status.json and its schema) from a
copy of the release records: a directory holding releases/<minor>/<name>.json (a copy of the artifact bucket, or of
its releases/ alone), or an rclone remote such as :s3,env_auth=true:<bucket> or myremote:<bucket>. Open
<out>/index.html in a browser; see docs/status.md.

  --from <dir|remote>      where the records are (required)
  --out <dir>              where to write the site (required; files are overwritten, nothing else is removed)
  --streams <file>         JSON list of the configured streams ({minor, variant, promote, gates, throttle}); a
                           configured stream without records is shown, and stale
  --throttle <file>        what the throttle's dispatcher will find (push records and nightlies, as
                           start-status-render.sh writes it): pushes waiting and the next dispatch are shown, and
                           the file goes into the site as throttle.json (default: the status/throttle.json of --from,
                           which the last published site carried, if any)
  --limit <n>              payloads shown per stream: the newest n and every promoted one (default 50)
  --now <time>             render as of this RFC 3339 time (default: now)
  --artifacts-href <url>   where pages link logs and JUnit: a URL or a path relative to --out (default: the --from
                           directory; for a remote, nothing is linked unless --logs)
  --logs                   with a remote: also copy the shown payloads' logs into <out>/logs/ and link them there
  --notes <minor>/<name>   instead of the site, write the release notes of one payload to <out>/<name>.json and .md
  --promoted-repo <repo>   with --notes: name the two promoted copies in this repository (fromPullSpec, toPullSpec)
  --changelog <file>       with --notes: oc adm release info --changelog --output=json of those two copies
  --changelog-error <text> with --notes: why there is no changelog
  -h, --help               this text`,
};

const options = {
    from: { type: "string" },
    out: { type: "string" },
    streams: { type: "string" },
    throttle: { type: "string" },
    limit: { type: "string", default: "50" },
    now: { type: "string" },
    "artifacts-href": { type: "string" },
    logs: { type: "boolean", default: false },
    notes: { type: "string" },
    "promoted-repo": { type: "string" },
    changelog: { type: "string" },
    "changelog-error": { type: "string" },
} as const;

function parseNow(value: string | undefined): Date {
    if (value === undefined) return new Date();
    const t = new Date(value);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t.getTime())) {
        throw new UsageError(`--now ${value} is not an RFC 3339 time such as 2025-01-02T03:04:05Z`);
    }
    return t;
}

function parseStreams(file: string | undefined): StreamConfig[] | undefined {
    if (file === undefined) return undefined;
    const raw = readUserJson<unknown>(file, "--streams file");
    const ok =
        Array.isArray(raw) &&
        raw.every(
            (s) =>
                typeof s === "object" &&
                s !== null &&
                typeof (s as StreamConfig).minor === "string" &&
                /^\d+\.\d+$/.test((s as StreamConfig).minor),
        );
    if (!ok) throw new UserError(`--streams file ${file} must be a JSON list of {"minor": "4.15", ...}`);
    return raw as StreamConfig[];
}

/** The promoted copy of a record in `repo` (its pull spec), when promotion recorded one there. */
function promotedIn(targets: { release: string; pullSpec?: string }[] | undefined, repo: string): string | undefined {
    const t = (targets ?? []).find((x) => x.release.startsWith(`${repo}:`) || x.release.startsWith(`${repo}@`));
    if (!t) return undefined;
    return t.pullSpec ?? t.release.replace(/:[^:/@]+@/, "@");
}

function writeNotes(tree: RecordTree, spec: string, out: string, args: Record<string, string | boolean | undefined>) {
    const m = /^(\d+\.\d+)\/([^/]+)$/.exec(spec);
    if (!m) throw new UsageError(`--notes ${spec} is not <minor>/<name>, e.g. 4.15/4.15.0-0.okd-2025-01-02-020000`);
    const [, stream, name] = m;
    const all = [...tree.records.values()].flat();
    const record = all.find((r) => r.stream === stream && r.name === name);
    if (!record) throw new UserError(`no record of ${name} in releases/${stream}/`);
    const from = previousPromoted(record, all);
    let notes: Notes = notesFromRecords(record, from);
    const repo = args["promoted-repo"];
    if (typeof repo === "string") {
        const fromPullSpec = from ? promotedIn(from.promotion?.targets, repo) : undefined;
        const toPullSpec = promotedIn(record.promotion?.targets, repo);
        notes = { ...notes, ...(fromPullSpec ? { fromPullSpec } : {}), ...(toPullSpec ? { toPullSpec } : {}) };
    }
    if (typeof args.changelog === "string") {
        notes = withChangelog(notes, readUserJson<OcChangeLog>(args.changelog, "--changelog file"));
    }
    if (typeof args["changelog-error"] === "string" && args["changelog-error"] !== "") {
        notes = { ...notes, changelogError: args["changelog-error"] };
    }
    writeFiles(
        out,
        new Map([
            [`${name}.json`, `${JSON.stringify(notes, null, 2)}\n`],
            [`${name}.md`, notesMarkdown(notes)],
        ]),
    );
    console.log(`status: notes of ${name} since ${from?.name ?? "nothing (first promoted release)"} in ${out}`);
}

export function main(argv = process.argv.slice(2)): number {
    const args = parseCli(cli, { args: argv, options }).values;
    if (!args.from) throw new UsageError("--from is required: a directory holding releases/, or an rclone remote");
    if (!args.out) throw new UsageError("--out is required: the directory to write the site to");
    const limit = Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1) {
        throw new UsageError(`--limit ${args.limit} is not a whole number of at least 1`);
    }
    const now = parseNow(args.now);
    const streams = parseStreams(args.streams);
    if (args.notes === undefined) {
        for (const only of ["promoted-repo", "changelog", "changelog-error"] as const) {
            if (args[only] !== undefined) throw new UsageError(`--${only} goes with --notes`);
        }
    }
    const remote = isRemote(args.from);
    if (args.logs && !remote) throw new UsageError("--logs copies logs from a remote; --from is a directory");
    if (!remote && !fs.existsSync(args.from)) throw new UserError(`--from ${args.from} does not exist`);
    const out = path.resolve(args.out);

    const staging = remote ? fs.mkdtempSync(path.join(os.tmpdir(), "okd-status-")) : undefined;
    try {
        let tree: RecordTree;
        try {
            if (staging !== undefined) {
                const fetched = fetchRemote(args.from, staging);
                tree = readTree(fetched.dir, fetched.logListing);
            } else {
                tree = readTree(args.from);
            }
        } catch (err) {
            if (err instanceof SourceError) throw new UserError(err.message);
            if (err instanceof Error && /^no release records under/.test(err.message)) throw new UserError(err.message);
            throw err;
        }

        if (args.notes !== undefined) {
            writeNotes(tree, args.notes, out, args);
            return 0;
        }

        // Given: it must be right. Carried from the last site: a bad one is a problem on the page, not a failure.
        let throttle: ThrottleState | undefined;
        const carried = path.join(staging ?? args.from, "status", throttleFile);
        if (args.throttle !== undefined) {
            const parsed = throttleStateSchema.safeParse(readUserJson<unknown>(args.throttle, "--throttle file"));
            if (!parsed.success) {
                throw new UserError(
                    `--throttle file ${args.throttle} is not the throttle's state ({observed, dispatchSchedule, streams: [{stream, pending, unfinished, lastStarted}]}): ${parsed.error.issues[0]?.message ?? "invalid"}`,
                );
            }
            throttle = parsed.data;
        } else if (fs.existsSync(carried)) {
            let raw: unknown;
            try {
                raw = JSON.parse(fs.readFileSync(carried, "utf8"));
            } catch {
                raw = undefined;
            }
            const parsed = throttleStateSchema.safeParse(raw);
            if (parsed.success) throttle = parsed.data;
            else tree.problems.push(`status/${throttleFile} is not the throttle's state; pushes waiting are not shown`);
        }

        const status = buildStatus(tree, { now, limit, streams, throttle });
        let artifactsHref = args["artifacts-href"];
        if (artifactsHref === undefined && !remote) {
            const rel = path.relative(out, path.resolve(args.from));
            artifactsHref = rel === "" ? "" : `${rel.split(path.sep).join("/")}/`;
        }
        if (remote && args.logs) {
            try {
                copyLogs(
                    args.from,
                    status.streams.flatMap((s) => s.payloads.map((p) => `${p.stream}/${p.name}`)),
                    out,
                );
            } catch (err) {
                if (err instanceof SourceError) throw new UserError(err.message);
                throw err;
            }
            artifactsHref ??= "";
        }
        const files = renderSite(status, artifactsHref === undefined ? {} : { artifactsHref }, throttle);
        writeFiles(out, files);
        const stale = status.streams.filter((s) => s.staleness.accepted.stale).map((s) => s.stream);
        console.log(
            `status: ${status.streams.length} stream(s), ${status.streams.reduce((n, s) => n + s.payloads.length, 0)} payload page(s) in ${out}${stale.length > 0 ? `; STALE: ${stale.join(", ")}` : ""}${status.problems.length > 0 ? `; ${status.problems.length} unreadable record(s), listed on the overview` : ""}`,
        );
        return 0;
    } finally {
        if (staging !== undefined) fs.rmSync(staging, { recursive: true, force: true });
    }
}
