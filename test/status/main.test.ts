import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { main } from "../../components/pipelines/status/main";
import type { Notes, Status } from "../../components/pipelines/status/schema";
import { UsageError, UserError } from "../../scripts/cli";
import { requireTool } from "../scripts/harness";
import { recordJson, write } from "./records";

/** `npm run status -- <args>` in this process: its exit code and what it printed. */
function run(args: string[]): { code: number; out: string } {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void lines.push(a.join(" "));
    try {
        return { code: main(args), out: lines.join("\n") };
    } finally {
        console.log = log;
    }
}

const fails = (args: string[], type: typeof UsageError | typeof UserError, message: string | RegExp) =>
    assert.throws(
        () => run(args),
        (err: Error) =>
            err instanceof type && (typeof message === "string" ? err.message === message : message.test(err.message)),
        `${args.join(" ")}: ${String(message)}`,
    );

const readJson = <T>(file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as T;

/** The status renderer's command line (`npm run status`, and the bundle the pipelines run), in-process. */
describe("status main: the renderer's command line", () => {
    const p1 = "4.15.0-0.okd-2025-01-01-000000";
    const p2 = "4.15.0-0.okd-2025-01-02-000000";
    const p3 = "4.15.0-0.okd-2025-01-03-000000";
    const r1 = "4.14.0-0.okd-2024-12-01-000000";
    const gh = "https://github.com/openshift/installer";
    let work: string;
    let bucket: string;
    const dir = (name: string) => path.join(work, name);

    before(() => {
        requireTool("rclone");
        work = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-status-main-"));
        bucket = dir("bucket");
        const sources = (commit: string) => ({ installer: { image: `r/okd@sha256:${commit}`, source: gh, commit } });
        write(bucket, `releases/4.14/${r1}.json`, recordJson("4.14", r1, { sources: sources("1111111") }));
        write(bucket, `releases/4.15/${p1}.json`, recordJson("4.15", p1, { sources: sources("2222222") }));
        write(
            bucket,
            `releases/4.15/${p2}.json`,
            recordJson("4.15", p2, {
                sources: sources("3333333"),
                gates: [{ gate: "aws", blocking: true, outcome: "passed" }],
            }),
        );
        write(bucket, `releases/4.15/${p3}.json`, recordJson("4.15", p3, { verdict: "pending" }));
        const promoted = (name: string, day: string, targets: object[]) =>
            write(
                bucket,
                `promoted/${name.slice(0, 4)}/${name}.json`,
                JSON.stringify({ name, digest: `sha256:${day}`, promotion: { at: "2025-01-05T00:00:00Z", targets } }),
            );
        promoted(r1, "01", [
            { release: `quay.io/openshift/okd:${r1}@sha256:aa`, pullSpec: "quay.io/openshift/okd@sha256:aa" },
        ]);
        promoted(p1, "01", [
            { release: `quay.io/openshift/okd-mirror:${p1}@sha256:cc` },
            { release: `quay.io/openshift/okd:${p1}@sha256:bb` },
        ]);
        promoted(p2, "02", [{ release: "quay.io/openshift/okd@sha256:dd" }]);
        write(bucket, `logs/4.15/${p2}/aws/install-outcome`, "passed");
        write(bucket, `logs/4.15/${p2}/aws/artifacts/e2e.log`, "log");
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("refuses what it is not given or cannot use, naming the option", () => {
        const empty = dir("empty");
        fs.mkdirSync(empty, { recursive: true });
        const streams = (content: string) => {
            const f = dir(`streams-${content.length}.json`);
            fs.writeFileSync(f, content);
            return f;
        };
        fails([], UsageError, "--from is required: a directory holding releases/, or an rclone remote");
        fails(["--from", bucket], UsageError, "--out is required: the directory to write the site to");
        for (const limit of ["0", "1.5", "x"]) {
            fails(
                ["--from", bucket, "--out", "x", "--limit", limit],
                UsageError,
                `--limit ${limit} is not a whole number of at least 1`,
            );
        }
        for (const now of ["yesterday", "2025-13-40T00:00:00Z", "2025-01-02", " 2025-01-02T00:00:00Z"]) {
            fails(
                ["--from", bucket, "--out", "x", "--now", now],
                UsageError,
                `--now ${now} is not an RFC 3339 time such as 2025-01-02T03:04:05Z`,
            );
        }
        for (const content of ['{"minor": "4.15"}', '[{"minor": "4.x"}]', '[{"minor": 4.15}]', "[null]", '["4.15"]']) {
            const f = streams(content);
            fails(
                ["--from", bucket, "--out", "x", "--streams", f],
                UserError,
                `--streams file ${f} must be a JSON list of {"minor": "4.15", ...}`,
            );
        }
        for (const only of ["promoted-repo", "changelog", "changelog-error"]) {
            fails(["--from", bucket, "--out", "x", `--${only}`, "v"], UsageError, `--${only} goes with --notes`);
        }
        fails(
            ["--from", bucket, "--out", "x", "--logs"],
            UsageError,
            "--logs copies logs from a remote; --from is a directory",
        );
        fails(
            ["--from", "/nonexistent/records", "--out", "x"],
            UserError,
            "--from /nonexistent/records does not exist",
        );
        fails(
            ["--from", empty, "--out", "x"],
            UserError,
            `no release records under ${empty} (expected releases/<minor>/<name>.json)`,
        );
        fails(
            ["--from", `:local:${dir("absent")}`, "--out", "x"],
            UserError,
            `no release records under :local:${dir("absent")}/releases (expected releases/<minor>/<name>.json)`,
        );
        const saved = process.env.PATH;
        process.env.PATH = dir("no-bin");
        try {
            fails(
                ["--from", "myremote:bucket", "--out", "x"],
                UserError,
                "rclone is not on PATH; it reads the records from a remote",
            );
            fails(
                ["--from", "myremote:bucket", "--out", "x", "--logs"],
                UserError,
                "rclone is not on PATH; it reads the records from a remote",
            );
        } finally {
            process.env.PATH = saved;
        }
        assert.equal(fs.existsSync(path.resolve("x")), false, "nothing is written on a mistake");
    });

    it("renders the site from a copy of the bucket, as of --now, linking logs in that copy", () => {
        const out = dir("site");
        const streams = dir("streams.json");
        fs.writeFileSync(streams, JSON.stringify([{ minor: "4.16", variant: "okd-scos" }, { minor: "4.15" }]));
        const r = run(["--from", bucket, "--out", out, "--now", "2025-01-03T12:00:00Z", "--streams", streams]);
        assert.equal(r.code, 0);
        assert.equal(r.out, `status: 3 stream(s), 4 payload page(s) in ${out}; STALE: 4.16, 4.14`);
        const status = readJson<Status>(path.join(out, "status.json"));
        assert.equal(status.generated, "2025-01-03T12:00:00Z");
        assert.deepEqual(
            status.streams.map((s) => [s.stream, s.configured, s.counts.shown]),
            [
                ["4.16", true, 0],
                ["4.15", true, 3],
                ["4.14", false, 1],
            ],
        );
        const s15 = status.streams[1];
        assert.deepEqual(
            s15.payloads.map((p) => [p.name, p.promoted]),
            [
                [p3, false],
                [p2, true],
                [p1, true],
            ],
        );
        assert.deepEqual(fs.readdirSync(path.join(out, "4.15")).sort(), [
            `${p1}.html`,
            `${p2}.html`,
            `${p3}.html`,
            "index.html",
            "status.json",
        ]);
        for (const f of ["index.html", "schema.json", "4.16/index.html", "4.14/index.html", `4.14/${r1}.html`]) {
            assert.ok(fs.existsSync(path.join(out, f)), f);
        }
        assert.equal(fs.existsSync(path.join(out, "throttle.json")), false);
        // The site is beside the bucket: the pages link the logs in it.
        const page = fs.readFileSync(path.join(out, "4.15", `${p2}.html`), "utf8");
        assert.ok(page.includes(`href="../../bucket/logs/4.15/${p2}/aws/artifacts/e2e.log"`));

        // At the bucket's root (the site published at <bucket>/status/ links ../), and in the bucket itself.
        const inside = path.join(bucket, "status");
        assert.equal(run(["--from", bucket, "--out", inside, "--limit", "1", "--now", "2025-01-03T12:00:00Z"]).code, 0);
        assert.ok(
            fs
                .readFileSync(path.join(inside, "4.15", `${p2}.html`), "utf8")
                .includes(`href="../../logs/4.15/${p2}/aws/artifacts/e2e.log"`),
        );
        assert.deepEqual(
            readJson<Status>(path.join(inside, "status.json")).streams.map((s) => s.payloads.map((p) => p.name)),
            [[p3, p2, p1], [r1]],
            "the newest one and every promoted one",
        );
        fs.rmSync(inside, { recursive: true });
        const copy = dir("copy");
        fs.cpSync(bucket, copy, { recursive: true });
        assert.equal(run(["--from", copy, "--out", copy, "--now", "2025-01-03T12:00:00Z"]).code, 0);
        assert.ok(
            fs
                .readFileSync(path.join(copy, "4.15", `${p2}.html`), "utf8")
                .includes(`href="../logs/4.15/${p2}/aws/artifacts/e2e.log"`),
        );
        const linked = dir("linked");
        assert.equal(
            run([
                "--from",
                bucket,
                "--out",
                linked,
                "--artifacts-href",
                "https://b.example/",
                "--now",
                "2025-01-03T12:00:00Z",
            ]).code,
            0,
        );
        assert.ok(
            fs
                .readFileSync(path.join(linked, "4.15", `${p2}.html`), "utf8")
                .includes(`href="https://b.example/logs/4.15/${p2}/aws/artifacts/e2e.log"`),
        );
    });

    it("renders as of now by default, and counts the records it could not read", () => {
        const broken = dir("broken");
        fs.cpSync(bucket, broken, { recursive: true });
        write(broken, "releases/4.15/bad.json", "{");
        const out = dir("broken-site");
        const before = Date.now();
        const r = run(["--from", broken, "--out", out]);
        assert.equal(r.code, 0);
        assert.equal(
            r.out,
            `status: 2 stream(s), 4 payload page(s) in ${out}; STALE: 4.15, 4.14; 1 unreadable record(s), listed on the overview`,
        );
        const generated = Date.parse(readJson<Status>(path.join(out, "status.json")).generated);
        assert.ok(generated >= Math.floor(before / 1000) * 1000 && generated <= Date.now(), "rendered now");
    });

    it("says nothing is stale when nothing is", () => {
        const fresh = dir("fresh");
        write(fresh, `releases/4.15/${p2}.json`, recordJson("4.15", p2, { verdict: "accepted" }));
        const out = dir("fresh-site");
        const r = run(["--from", fresh, "--out", out, "--now", "2025-01-02T12:00:00Z"]);
        assert.equal(r.code, 0);
        assert.equal(r.out, `status: 1 stream(s), 1 payload page(s) in ${out}`);
    });

    describe("the throttle's state", () => {
        const state = {
            observed: "2025-01-03T12:00:00Z",
            dispatchSchedule: "*/10 * * * *",
            streams: [
                {
                    stream: "4.15",
                    pending: [{ repository: "openshift/oc", revision: "b".repeat(40), since: "2025-01-03T11:00:00Z" }],
                    unfinished: 1,
                    lastStarted: "2025-01-03T10:00:00Z",
                },
            ],
        };
        const pushes = (out: string) =>
            readJson<Status>(path.join(out, "status.json")).streams.find((s) => s.stream === "4.15")?.pushes;

        it("shows the state given with --throttle and carries it in the site", () => {
            const file = dir("throttle.json");
            fs.writeFileSync(file, JSON.stringify(state));
            const out = dir("throttled");
            assert.equal(run(["--from", bucket, "--out", out, "--throttle", file]).code, 0);
            assert.equal(pushes(out)?.pending[0].repository, "openshift/oc");
            assert.equal(pushes(out)?.next, "1 push waits; the stream's throttle settings are not known here");
            assert.deepEqual(readJson(path.join(out, "throttle.json")), state);
        });

        it("refuses a state given that is not the starter's", () => {
            const file = dir("bad-throttle.json");
            fs.writeFileSync(file, JSON.stringify({ ...state, observed: "soon" }));
            fails(
                ["--from", bucket, "--out", dir("x"), "--throttle", file],
                UserError,
                `--throttle file ${file} is not the throttle's state ({observed, dispatchSchedule, streams: [{stream, pending, unfinished, lastStarted}]}): Invalid ISO datetime`,
            );
            fails(
                ["--from", bucket, "--out", dir("x"), "--throttle", dir("no-such.json")],
                UserError,
                `--throttle file ${dir("no-such.json")} does not exist`,
            );
        });

        it("reads the state the last site carried, and lists one it cannot read as a problem", () => {
            const carried = dir("carried");
            fs.cpSync(bucket, carried, { recursive: true });
            write(carried, "status/throttle.json", JSON.stringify(state));
            const out = dir("carried-site");
            assert.equal(run(["--from", carried, "--out", out]).code, 0);
            assert.equal(pushes(out)?.unfinished, 1);
            assert.deepEqual(readJson(path.join(out, "throttle.json")), state);
            assert.deepEqual(readJson<Status>(path.join(out, "status.json")).problems, []);
            for (const bad of ["{", JSON.stringify({ ...state, streams: [{ stream: "x" }] })]) {
                write(carried, "status/throttle.json", bad);
                const r = run(["--from", carried, "--out", out]);
                assert.match(r.out, /; 1 unreadable record\(s\), listed on the overview$/);
                assert.deepEqual(readJson<Status>(path.join(out, "status.json")).problems, [
                    "status/throttle.json is not the throttle's state; pushes waiting are not shown",
                ]);
            }
        });
    });

    it("reads an rclone remote, and copies the shown payloads' logs with --logs", () => {
        const remote = `:local:${bucket}`;
        const named = dir("remote-site");
        const r = run(["--from", remote, "--out", named, "--now", "2025-01-03T12:00:00Z"]);
        assert.equal(r.out, `status: 2 stream(s), 4 payload page(s) in ${named}; STALE: 4.14`);
        const page = (out: string) => fs.readFileSync(path.join(out, "4.15", `${p2}.html`), "utf8");
        assert.ok(page(named).includes(`<span class="mono">logs/4.15/${p2}/aws/artifacts/e2e.log</span>`));
        assert.equal(fs.existsSync(path.join(named, "logs")), false);
        const copied = dir("remote-logs");
        assert.equal(run(["--from", remote, "--out", copied, "--logs", "--now", "2025-01-03T12:00:00Z"]).code, 0);
        assert.ok(page(copied).includes(`href="../logs/4.15/${p2}/aws/artifacts/e2e.log"`));
        assert.equal(
            fs.readFileSync(path.join(copied, "logs", "4.15", p2, "aws", "artifacts", "e2e.log"), "utf8"),
            "log",
        );
        // The logs cannot be copied into the site (a file where their directory goes): rclone's error, as a user error.
        const blocked = dir("remote-blocked");
        write(blocked, "logs", "not a directory");
        fails(
            ["--from", remote, "--out", blocked, "--logs", "--now", "2025-01-03T12:00:00Z"],
            UserError,
            new RegExp(
                `^reading logs/ failed \\(rclone exit 1\\): .*Failed to create file system for "${blocked}/logs": is a file not a directory$`,
            ),
        );
        const elsewhere = dir("remote-href");
        run(["--from", remote, "--out", elsewhere, "--logs", "--artifacts-href", "https://b.example/"]);
        assert.ok(page(elsewhere).includes(`href="https://b.example/logs/4.15/${p2}/aws/artifacts/e2e.log"`));
        assert.deepEqual(
            fs
                .readdirSync(os.tmpdir())
                .filter(
                    (d) =>
                        d.startsWith("okd-status-") &&
                        fs.existsSync(path.join(os.tmpdir(), d, "releases", "4.15", `${p2}.json`)),
                ),
            [],
            "the staging copy is removed",
        );
    });

    describe("--notes: the release notes of one payload", () => {
        it("writes the notes since the previous promoted release, with the promoted copies and oc's changelog", () => {
            const out = dir("notes");
            const changelog = dir("changelog.json");
            fs.writeFileSync(
                changelog,
                JSON.stringify({
                    updatedImages: [
                        { name: "installer", commits: [{ subject: "Fix", pullID: 1, pullURL: `${gh}/pull/1` }] },
                    ],
                }),
            );
            const r = run([
                "--from",
                bucket,
                "--out",
                out,
                "--notes",
                `4.15/${p2}`,
                "--promoted-repo",
                "quay.io/openshift/okd",
                "--changelog",
                changelog,
                "--changelog-error",
                "",
            ]);
            assert.equal(r.code, 0);
            assert.equal(r.out, `status: notes of ${p2} since ${p1} in ${out}`);
            assert.deepEqual(fs.readdirSync(out).sort(), [`${p2}.json`, `${p2}.md`]);
            const notes = readJson<Notes>(path.join(out, `${p2}.json`));
            assert.deepEqual(notes, {
                schemaVersion: 1,
                stream: "4.15",
                name: p2,
                from: { name: p1, stream: "4.15" },
                basePayload: {},
                components: [
                    {
                        component: "installer",
                        change: "updated",
                        source: gh,
                        fromCommit: "2222222",
                        toCommit: "3333333",
                        fromImage: "r/okd@sha256:2222222",
                        toImage: "r/okd@sha256:3333333",
                        compare: `${gh}/compare/2222222...3333333`,
                    },
                ],
                // A target without a pull spec: its release, the tag dropped.
                fromPullSpec: "quay.io/openshift/okd@sha256:bb",
                toPullSpec: "quay.io/openshift/okd@sha256:dd",
                commits: { installer: [{ subject: "Fix", url: `${gh}/pull/1`, id: "#1" }] },
            });
            assert.match(fs.readFileSync(path.join(out, `${p2}.md`), "utf8"), /^# 4\.15\.0-0\.okd-2025-01-02-000000\n/);
            assert.match(fs.readFileSync(path.join(out, `${p2}.md`), "utf8"), /^- Fix \(\[#1\]\(.+\/pull\/1\)\)$/m);
        });

        it("starts the stream's first release at the previous minor's, and says why pull requests are missing", () => {
            const out = dir("notes-first");
            const r = run([
                "--from",
                bucket,
                "--out",
                out,
                "--notes",
                `4.15/${p1}`,
                "--promoted-repo",
                "quay.io/openshift/okd",
                "--changelog-error",
                "oc failed",
            ]);
            assert.equal(r.out, `status: notes of ${p1} since ${r1} in ${out}`);
            const notes = readJson<Notes>(path.join(out, `${p1}.json`));
            assert.equal(notes.fromPullSpec, "quay.io/openshift/okd@sha256:aa");
            assert.equal(notes.toPullSpec, "quay.io/openshift/okd@sha256:bb");
            assert.equal(notes.changelogError, "oc failed");
            assert.equal(notes.commits, undefined);
            // Another repository: no promoted copy there to name.
            const other = dir("notes-other");
            run(["--from", bucket, "--out", other, "--notes", `4.15/${p1}`, "--promoted-repo", "quay.io/openshift"]);
            const n = readJson<Notes>(path.join(other, `${p1}.json`));
            assert.equal("fromPullSpec" in n || "toPullSpec" in n, false);
            // Not promoted: no promoted copy of it to name.
            const candidate = dir("notes-p3");
            run([
                "--from",
                bucket,
                "--out",
                candidate,
                "--notes",
                `4.15/${p3}`,
                "--promoted-repo",
                "quay.io/openshift/okd",
            ]);
            const c = readJson<Notes>(path.join(candidate, `${p3}.json`));
            assert.equal(c.fromPullSpec, "quay.io/openshift/okd@sha256:dd");
            assert.equal("toPullSpec" in c, false);
            const first = dir("notes-r1");
            assert.equal(
                run(["--from", bucket, "--out", first, "--notes", `4.14/${r1}`]).out,
                `status: notes of ${r1} since nothing (first promoted release) in ${first}`,
            );
            const plain = readJson<Notes>(path.join(first, `${r1}.json`));
            assert.equal(plain.from, null);
            assert.equal("changelogError" in plain || "fromPullSpec" in plain, false);
        });

        it("refuses a payload it cannot name or find", () => {
            fails(
                ["--from", bucket, "--out", dir("x"), "--notes", p1],
                UsageError,
                `--notes ${p1} is not <minor>/<name>, e.g. 4.15/4.15.0-0.okd-2025-01-02-020000`,
            );
            fails(
                ["--from", bucket, "--out", dir("x"), "--notes", `4.15/${p1}/x`],
                UsageError,
                /^--notes 4\.15\/.+\/x is not <minor>\/<name>/,
            );
            fails(
                ["--from", bucket, "--out", dir("x"), "--notes", `4.14/${p1}`],
                UserError,
                `no record of ${p1} in releases/4.14/`,
            );
            // The minor starts the spec, and may have more than one digit.
            fails(
                ["--from", bucket, "--out", dir("x"), "--notes", `v4.15/${p1}`],
                UsageError,
                `--notes v4.15/${p1} is not <minor>/<name>, e.g. 4.15/4.15.0-0.okd-2025-01-02-020000`,
            );
            fails(
                ["--from", bucket, "--out", dir("x"), "--notes", "10.0/10.0.0-0.okd-2030-01-01-000000"],
                UserError,
                "no record of 10.0.0-0.okd-2030-01-01-000000 in releases/10.0/",
            );
            const notJson = dir("changelog-bad.json");
            fs.writeFileSync(notJson, "{");
            fails(
                ["--from", bucket, "--out", dir("x"), "--notes", `4.15/${p2}`, "--changelog", notJson],
                UserError,
                new RegExp(`^--changelog file ${notJson} is not JSON: `),
            );
        });
    });
});
