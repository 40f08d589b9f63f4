import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { SourceError, copyLogs, fetchRemote, isRemote, joinRemote } from "../../components/pipelines/status/fetch";
import { requireTool } from "../scripts/harness";
import { recordJson, write } from "./records";

/** Every file under `dir`, relative to it, sorted. */
function files(dir: string, prefix = ""): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) =>
            e.isDirectory() ? files(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
        )
        .sort();
}

/** The records read from an rclone remote: real rclone, on its local backend (`:local:<dir>`). */
describe("status fetch: the records from an rclone remote", () => {
    const name = "4.15.0-0.okd-2025-01-01-000000";
    let work: string;
    let bucket: string;
    const dirs: string[] = [];
    const temp = (what: string) => {
        const d = path.join(work, what);
        dirs.push(d);
        return d;
    };

    before(() => {
        requireTool("rclone");
        work = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-status-fetch-"));
        bucket = path.join(work, "bucket");
        write(bucket, `releases/4.15/${name}.json`, recordJson("4.15", name));
        write(bucket, "releases/4.15/index.json", "[]");
        write(bucket, "releases/README", "not a record");
        write(bucket, `promoted/4.15/${name}.json`, "{}");
        // A promotion's claim on a published name (release-record.sh): not a promotion, not copied.
        write(bucket, "promoted/4.15/claims/4.15.0-okd-scos.0.json", "{}");
        write(bucket, `notes/4.15/${name}.json`, "{}");
        write(bucket, `notes/4.15/${name}.md`, "# notes");
        write(bucket, `logs/4.15/${name}/aws/install-outcome`, "passed");
        write(bucket, `logs/4.15/${name}/aws/artifacts/e2e.log`, "log");
        write(bucket, `logs/4.15/other/aws/e2e.log`, "log");
        write(bucket, "status/throttle.json", "{}");
        write(bucket, "status/index.html", "<html>");
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("tells an rclone remote from a local path as rclone reads it", () => {
        for (const remote of [
            "myremote:bucket",
            "artifacts:",
            ":s3,env_auth=true:bucket",
            ":local:/x",
            "my remote.1+@:b",
        ]) {
            assert.equal(isRemote(remote), true, remote);
        }
        for (const local of ["/tmp/none:x", "./releases", "bucket", "re/mote:x", ",s3:x", work]) {
            assert.equal(isRemote(local), false, local);
        }
        // An existing directory is read as one, whatever its name.
        const colon = path.join(work, "a:b");
        fs.mkdirSync(colon, { recursive: true });
        const cwd = process.cwd();
        process.chdir(work);
        try {
            assert.equal(isRemote("a:b"), false);
            assert.equal(isRemote("c:d"), true);
        } finally {
            process.chdir(cwd);
        }
    });

    it("joins a path to a remote as rclone names it", () => {
        assert.equal(joinRemote("artifacts:bucket", "releases"), "artifacts:bucket/releases");
        assert.equal(joinRemote("artifacts:bucket//", "releases"), "artifacts:bucket/releases");
        assert.equal(joinRemote("remote:", "releases"), "remote:releases");
        assert.equal(joinRemote(":local:/b/", "logs"), ":local:/b/logs");
    });

    it("copies the records, promotions, notes, install outcomes and the throttle's state, and lists the logs", () => {
        const dir = temp("copy");
        const fetched = fetchRemote(`:local:${bucket}`, dir);
        assert.equal(fetched.dir, dir);
        assert.deepEqual(fetched.logListing.sort(), [
            `4.15/${name}/aws/artifacts/e2e.log`,
            `4.15/${name}/aws/install-outcome`,
            "4.15/other/aws/e2e.log",
        ]);
        assert.deepEqual(files(dir), [
            `logs/4.15/${name}/aws/install-outcome`,
            `notes/4.15/${name}.json`,
            `promoted/4.15/${name}.json`,
            `releases/4.15/${name}.json`,
            "releases/4.15/index.json",
            "status/throttle.json",
        ]);
    });

    it("reads a bucket with nothing but records", () => {
        const only = path.join(work, "only");
        write(only, `releases/4.15/${name}.json`, recordJson("4.15", name));
        const dir = temp("only-copy");
        assert.deepEqual(fetchRemote(`:local:${only}`, dir).logListing, []);
        assert.deepEqual(files(dir), [`releases/4.15/${name}.json`]);
    });

    it("says there are no records where the remote has none, and what rclone said when it failed", () => {
        const none = path.join(work, "none");
        assert.throws(
            () => fetchRemote(`:local:${none}`, temp("none-copy")),
            (err: Error) =>
                err instanceof SourceError &&
                err.message ===
                    `no release records under :local:${none}/releases (expected releases/<minor>/<name>.json)`,
        );
        fs.mkdirSync(path.join(work, "empty", "releases"), { recursive: true });
        assert.throws(
            () => fetchRemote(`:local:${path.join(work, "empty")}`, temp("empty-copy")),
            (err: Error) => err instanceof SourceError && /^no release records under /.test(err.message),
        );
        assert.throws(
            () => fetchRemote("nosuchremote:bucket", temp("bad-copy")),
            (err: Error) =>
                err instanceof SourceError &&
                /^reading nosuchremote:bucket\/releases failed \(rclone exit 1\): .*CRITICAL: Failed to create file system for "nosuchremote:bucket\/releases": didn't find section in config file$/.test(
                    err.message,
                ),
        );
    });

    it("names the part of the bucket rclone failed to copy, with rclone's error", () => {
        // The local copy cannot take the part (a file where its directory goes): rclone exits 1 before copying.
        for (const part of ["promoted", "notes", "logs", "status"]) {
            const dir = temp(`blocked-${part}`);
            write(dir, part, "not a directory");
            assert.throws(
                () => fetchRemote(`:local:${bucket}`, dir),
                (err: Error) =>
                    err instanceof SourceError &&
                    new RegExp(
                        `^reading ${part}/ failed \\(rclone exit 1\\): \\S+ \\S+ CRITICAL: Failed to create file system for "${dir}/${part}": is a file not a directory$`,
                    ).test(err.message),
                part,
            );
        }
    });

    it("finds no records where the remote has none, whatever the local copy already holds", () => {
        const none = path.join(work, "none");
        // rclone exits 3 (directory not found) on the local backend; a releases/ left in the copy changes nothing.
        const stale = temp("stale-copy");
        fs.mkdirSync(path.join(stale, "releases"), { recursive: true });
        assert.throws(
            () => fetchRemote(`:local:${none}`, stale),
            (err: Error) =>
                err instanceof SourceError &&
                err.message.startsWith(`no release records under :local:${none}/releases `),
        );
        // An empty releases/ (exit 0, as bucket backends answer for an absent prefix) into an existing copy directory.
        const existing = temp("existing-copy");
        fs.mkdirSync(existing, { recursive: true });
        fs.mkdirSync(path.join(work, "empty", "releases"), { recursive: true });
        assert.throws(
            () => fetchRemote(`:local:${path.join(work, "empty")}`, existing),
            (err: Error) => err instanceof SourceError && /^no release records under /.test(err.message),
        );
    });

    it("names rclone when it cannot be run", () => {
        const bin = path.join(work, "bad-bin");
        write(bin, "rclone", "not executable");
        fs.chmodSync(path.join(bin, "rclone"), 0o644);
        const saved = process.env.PATH;
        process.env.PATH = bin;
        try {
            assert.throws(
                () => fetchRemote(`:local:${bucket}`, temp("bad-rclone")),
                (err: Error) => err instanceof SourceError && err.message === "rclone: spawnSync rclone EACCES",
            );
        } finally {
            process.env.PATH = saved;
        }
    });

    it("names rclone when it is not on PATH", () => {
        const saved = process.env.PATH;
        process.env.PATH = path.join(work, "no-bin");
        try {
            assert.throws(
                () => fetchRemote(`:local:${bucket}`, temp("no-rclone")),
                (err: Error) =>
                    err instanceof SourceError &&
                    err.message === "rclone is not on PATH; it reads the records from a remote",
            );
        } finally {
            process.env.PATH = saved;
        }
    });

    it("copies the logs of the payloads named, and nothing for none", () => {
        const out = temp("logs-out");
        copyLogs(`:local:${bucket}`, [`4.15/${name}`], out);
        assert.deepEqual(files(out), [
            `logs/4.15/${name}/aws/artifacts/e2e.log`,
            `logs/4.15/${name}/aws/install-outcome`,
        ]);
        // Into a directory not made yet, with its parents.
        const nested = path.join(temp("logs-nested"), "site", "out");
        copyLogs(`:local:${bucket}`, [`4.15/${name}`], nested);
        assert.deepEqual(files(nested), [
            `logs/4.15/${name}/aws/artifacts/e2e.log`,
            `logs/4.15/${name}/aws/install-outcome`,
        ]);
        const nothing = temp("logs-none");
        copyLogs(`:local:${bucket}`, [], nothing);
        assert.equal(fs.existsSync(nothing), false);
        // A remote without logs/ is no error: nothing to copy.
        const bare = temp("logs-bare");
        copyLogs(`:local:${path.join(work, "only")}`, [`4.15/${name}`], bare);
        assert.deepEqual(files(bare), []);
        const blocked = temp("logs-blocked");
        write(blocked, "logs", "not a directory");
        assert.throws(
            () => copyLogs(`:local:${bucket}`, [`4.15/${name}`], blocked),
            (err: Error) =>
                err instanceof SourceError &&
                err.message.startsWith("reading logs/ failed (rclone exit 1): ") &&
                err.message.endsWith(
                    `CRITICAL: Failed to create file system for "${blocked}/logs": is a file not a directory`,
                ),
        );
        assert.equal(fs.existsSync(path.join(blocked, ".logs-filter")), false, "the filter file is removed");
        assert.throws(
            () => copyLogs("nosuchremote:bucket", [`4.15/${name}`], temp("logs-bad")),
            (err: Error) =>
                err instanceof SourceError && /^reading logs\/ failed \(rclone exit 1\): /.test(err.message),
        );
    });
});
