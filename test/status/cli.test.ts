import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

import { requireTool, tempDir } from "../scripts/harness";
import { root } from "../synth/run";
import { type Fixture, makeFixture, payloadName, recordPayload } from "./fixture";

const exec = promisify(execFile);

interface Result {
    code: number;
    stdout: string;
    stderr: string;
}

/** `npm run status -- <args>` as npm runs it: tsx scripts/status.ts in a child process. */
async function status(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
    try {
        const { stdout, stderr } = await exec(process.execPath, ["--import", "tsx", "scripts/status.ts", ...args], {
            cwd: root,
            env,
            maxBuffer: 16 << 20,
        });
        return { code: 0, stdout, stderr };
    } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
}

/** `npm run status` on any copy of the records: a directory, or an rclone remote (real rclone, local backend). */
describe("npm run status", () => {
    let f: Fixture;
    let work: string;
    const out = (name: string) => path.join(work, name);
    const json = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, "status.json"), "utf8"));

    before(function () {
        this.timeout(120_000);
        requireTool("rclone");
        requireTool("jq");
        f = makeFixture();
        work = tempDir("status-cli");
    });
    after(() => {
        fs.rmSync(path.dirname(f.bucket), { recursive: true, force: true });
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("renders from a copy of the bucket and links the logs in that copy", async () => {
        const r = await status(["--from", f.bucket, "--out", out("dir")]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^status: 2 stream\(s\), 7 payload page\(s\) in .*; STALE: 4\.14\n$/);
        const page = fs.readFileSync(path.join(out("dir"), "4.15", `${f.names.P3}.html`), "utf8");
        const href = /href="([^"]*junit_e2e\.xml)"/.exec(page)?.[1];
        assert.ok(href, "JUnit is linked");
        assert.ok(fs.existsSync(path.resolve(out("dir"), "4.15", href)), `${href} resolves from the page`);
    });

    it("renders from a copy of releases/ alone, naming the logs it cannot link", async () => {
        const copy = out("releases-only");
        fs.cpSync(path.join(f.bucket, "releases"), copy, { recursive: true });
        const r = await status(["--from", copy, "--out", out("releases-only-site")]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(json(out("releases-only-site")).streams.length, 2);
    });

    it("reads an rclone remote, copies only the shown payloads' logs with --logs and links them", async () => {
        const remote = `:local:${f.bucket}`;
        const plain = await status(["--from", remote, "--out", out("remote")]);
        assert.equal(plain.code, 0, plain.stderr);
        const without = fs.readFileSync(path.join(out("remote"), "4.15", `${f.names.P3}.html`), "utf8");
        assert.doesNotMatch(without, /href="[^"]*junit_e2e\.xml"/, "nothing to link without --logs");
        assert.match(without, new RegExp(`logs/4\\.15/${f.names.P3.replace(/\./g, "\\.")}/gcp/junit/junit_e2e\\.xml`));
        // The install outcomes came along: why a gate failed needs them.
        assert.equal(
            json(out("remote")).streams[0].payloads.find((p: { name: string }) => p.name === f.names.P2).gates[0].why,
            "the cluster did not install",
        );

        const r = await status(["--from", remote, "--out", out("remote-logs"), "--logs", "--limit", "1"]);
        assert.equal(r.code, 0, r.stderr);
        // --limit 1: the newest payload of each stream and every promoted one; only theirs are copied.
        const copied = fs.readdirSync(path.join(out("remote-logs"), "logs", "4.15")).sort();
        assert.deepEqual(copied, [f.names.P1]);
        const page = fs.readFileSync(path.join(out("remote-logs"), "4.15", `${f.names.P1}.html`), "utf8");
        const href = /href="([^"]*junit_e2e\.xml)"/.exec(page)?.[1] as string;
        assert.ok(fs.existsSync(path.resolve(out("remote-logs"), "4.15", href)), href);
    });

    it("lists a record it cannot read as a problem and renders the rest", async () => {
        const copy = out("broken");
        fs.cpSync(f.bucket, copy, { recursive: true });
        fs.writeFileSync(path.join(copy, "releases", "4.15", "4.15.0-0.okd-2025-01-01-000000.json"), "{ half");
        const r = await status(["--from", copy, "--out", out("broken-site")]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /1 unreadable record\(s\), listed on the overview/);
        const s = json(out("broken-site"));
        assert.deepEqual(s.problems.length, 1);
        assert.match(s.problems[0], /^releases\/4\.15\/4\.15\.0-0\.okd-2025-01-01-000000\.json is not JSON/);
        assert.equal(s.streams.find((x: { stream: string }) => x.stream === "4.15").counts.total, 5);
        assert.match(
            fs.readFileSync(path.join(out("broken-site"), "index.html"), "utf8"),
            /Records that could not be read/,
        );
    });

    it("shows what later pipelines record: fallbacks, upgrade gates and stream throttling", async () => {
        fs.mkdirSync(out("future"), { recursive: true });
        const bucket = path.join(out("future"), "bucket");
        fs.mkdirSync(bucket);
        const name = payloadName("4.17", new Date(f.now.getTime() - 3600_000));
        recordPayload(bucket, out("future"), {
            minor: "4.17",
            name,
            sources: {
                installer: {
                    image: "r/c@sha256:1",
                    source: "https://github.com/openshift/installer",
                    commit: "abc1234",
                },
            },
            verdict: "rejected",
            finish: "Succeeded",
        });
        // The fields a later release-record.sh adds, on the record the current one wrote.
        const file = path.join(bucket, "releases", "4.17", `${name}.json`);
        const record = JSON.parse(fs.readFileSync(file, "utf8"));
        record.fallbacks = [
            { component: "ironic", reason: "the build failed", image: "quay.io/openshift/okd-content@sha256:9" },
        ];
        record.gates = [
            { gate: "aws", blocking: true, outcome: "passed" },
            {
                gate: "aws-upgrade",
                kind: "upgrade",
                from: "4.16.0-0.okd-2025-01-01-000000",
                blocking: true,
                outcome: "failed",
            },
        ];
        fs.writeFileSync(file, JSON.stringify(record));
        const streams = path.join(work, "streams.json");
        fs.writeFileSync(
            streams,
            JSON.stringify([{ minor: "4.17", throttle: { minIntervalMinutes: 360, maxUnfinished: 1 } }]),
        );
        const r = await status(["--from", bucket, "--out", out("future-site"), "--streams", streams]);
        assert.equal(r.code, 0, r.stderr);
        const s = json(out("future-site")).streams[0];
        assert.deepEqual(s.throttle, { minIntervalMinutes: 360, maxUnfinished: 1 });
        const p = s.payloads[0];
        assert.deepEqual(p.fallbacks, [
            { component: "ironic", reason: "the build failed", image: "quay.io/openshift/okd-content@sha256:9" },
        ]);
        assert.equal(p.why, "rejected: blocking gate aws-upgrade failed");
        assert.deepEqual(
            [p.gates[1].kind, p.gates[1].from, p.gates[1].why],
            ["upgrade", "4.16.0-0.okd-2025-01-01-000000", "the upgrade from 4.16.0-0.okd-2025-01-01-000000 failed"],
        );
        const page = fs.readFileSync(path.join(out("future-site"), "4.17", `${name}.html`), "utf8");
        assert.match(page, /Components that kept the base payload's image/);
        assert.match(page, /<td>ironic<\/td><td>the build failed<\/td>/);
        assert.match(
            fs.readFileSync(path.join(out("future-site"), "4.17", "index.html"), "utf8"),
            /<dt>Throttle<\/dt><dd>minIntervalMinutes: 360, maxUnfinished: 1<\/dd>/,
        );
    });

    // A directory without records (made at collection time, as the table below names it).
    const empty = tempDir("status-empty");
    after(() => fs.rmSync(empty, { recursive: true, force: true }));
    const mistakes: { args: string[]; code: number; stderr: RegExp }[] = [
        { args: ["--out", "x"], code: 2, stderr: /^status: --from is required: .*\nusage: npm run status/ },
        {
            args: ["--from", "/nonexistent/records", "--out", "x"],
            code: 1,
            stderr: /^status: --from \/nonexistent\/records does not exist\n$/,
        },
        {
            args: ["--from", empty, "--out", "x"],
            code: 1,
            stderr: new RegExp(
                `^status: no release records under ${empty} \\(expected releases/<minor>/<name>\\.json\\)\n$`,
            ),
        },
        {
            args: ["--from", empty, "--out", "x", "--now", "yesterday"],
            code: 2,
            stderr: /^status: --now yesterday is not an RFC 3339 time/,
        },
        {
            args: ["--from", empty, "--out", "x", "--limit", "0"],
            code: 2,
            stderr: /^status: --limit 0 is not a whole number of at least 1\n/,
        },
        {
            args: ["--from", empty, "--out", "x", "--logs"],
            code: 2,
            stderr: /^status: --logs copies logs from a remote; --from is a directory\n/,
        },
        {
            args: ["--from", empty, "--out", "x", "--changelog", "c.json"],
            code: 2,
            stderr: /^status: --changelog goes with --notes\n/,
        },
        {
            args: ["--from", ":local:/nonexistent/bucket", "--out", "x"],
            code: 1,
            stderr: /^status: no release records under :local:\/nonexistent\/bucket\/releases /,
        },
    ];
    for (const m of mistakes) {
        it(`exits ${m.code} with one line for ${m.args.join(" ")}`, async () => {
            const r = await status(m.args);
            assert.equal(r.code, m.code, r.stderr);
            assert.match(r.stderr, m.stderr);
            assert.doesNotMatch(r.stderr, /^\s+at .+[:(]\d+:\d+\)?$/m, "no stack trace");
        });
    }

    it("shows a throttle snapshot given with --throttle, carries it in the site, and refuses one that is not", async () => {
        const file = out("throttle.json");
        const state = {
            observed: "2030-01-01T00:00:00Z",
            dispatchSchedule: "*/10 * * * *",
            streams: [
                {
                    stream: "4.15",
                    pending: [{ repository: "openshift/oc", revision: "b".repeat(40), since: "2029-12-31T23:00:00Z" }],
                    unfinished: 1,
                    lastStarted: "2029-12-31T22:00:00Z",
                },
            ],
        };
        fs.writeFileSync(file, JSON.stringify(state));
        const r = await status(["--from", f.bucket, "--out", out("throttled"), "--throttle", file]);
        assert.equal(r.code, 0, r.stderr);
        const s415 = json(out("throttled")).streams.find((s: { stream: string }) => s.stream === "4.15");
        assert.equal(s415.pushes.pending[0].repository, "openshift/oc");
        assert.equal(s415.pushes.unfinished, 1);
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out("throttled"), "throttle.json"), "utf8")), state);
        fs.writeFileSync(file, '{"observed":"soon"}');
        const bad = await status(["--from", f.bucket, "--out", out("throttled"), "--throttle", file]);
        assert.equal(bad.code, 1, bad.stderr);
        assert.match(bad.stderr, /^status: --throttle file .* is not the throttle's state /);
        assert.doesNotMatch(bad.stderr, /^\s+at .+[:(]\d+:\d+\)?$/m, "no stack trace");
    });

    it("names rclone when a remote is given and rclone is missing", async () => {
        const bin = path.join(work, "bin");
        fs.mkdirSync(bin, { recursive: true });
        const r = await status(["--from", "myremote:bucket", "--out", out("x")], { ...process.env, PATH: bin });
        assert.equal(r.code, 1, r.stderr);
        assert.equal(r.stderr, "status: rclone is not on PATH; it reads the records from a remote\n");
    });
});
