import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

import { scriptsDir } from "../../../components/tekton/jobs";

const run = promisify(execFile);

/** One command a stub recorded: its name, its arguments and the environment the script gave it. */
interface Call {
    command: string;
    args: string[];
}

/**
 * A PATH directory of recording stubs: each records its arguments (one per line, in a file per call) and answers
 * with the canned output and exit code of `STUB_<NAME>_OUT` / `STUB_<NAME>_RC` files, if any.
 */
function stubDir(commands: string[]): {
    dir: string;
    calls(): Call[];
    answer(command: string, out: string, rc?: number): void;
} {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-stubs-"));
    fs.mkdirSync(path.join(dir, "calls"));
    for (const command of commands) {
        const stub = [
            "#!/usr/bin/env bash",
            'stub_dir="$(dirname "$0")"',
            'n="$(find "$stub_dir/calls" -type f | wc -l)"',
            'file="$stub_dir/calls/$(printf %04d "$n")"',
            `printf '%s\\n' "${command}" > "$file"`,
            'for a in "$@"; do printf \'%s\\n\' "$a" >> "$file"; done',
            `[ -f "$stub_dir/${command}.out" ] && cat "$stub_dir/${command}.out"`,
            `exit "$(cat "$stub_dir/${command}.rc" 2>/dev/null || echo 0)"`,
            "",
        ].join("\n");
        fs.writeFileSync(path.join(dir, command), stub, { mode: 0o755 });
    }
    return {
        dir,
        calls: () =>
            fs
                .readdirSync(path.join(dir, "calls"))
                .sort()
                .map((f) => {
                    const [command, ...args] = fs
                        .readFileSync(path.join(dir, "calls", f), "utf8")
                        .split("\n")
                        .slice(0, -1);
                    return { command, args };
                }),
        answer: (command, out, rc = 0) => {
            fs.writeFileSync(path.join(dir, `${command}.out`), out);
            fs.writeFileSync(path.join(dir, `${command}.rc`), String(rc));
        },
    };
}

/** Runs a script with the stubs first on PATH and only `env` (plus PATH) in its environment. */
async function runScript(
    script: string,
    stubs: { dir: string },
    env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
        const { stdout, stderr } = await run("bash", [path.join(scriptsDir, script)], {
            env: { PATH: `${stubs.dir}:${process.env.PATH ?? "/usr/bin:/bin"}`, ...env },
        });
        return { code: 0, stdout, stderr };
    } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
}

describe("Tekton layer scripts", () => {
    const scripts = fs.readdirSync(scriptsDir).filter((f) => f.endsWith(".sh"));

    it("are all shellcheck-clean", () => {
        assert.deepEqual(scripts.sort(), [
            "dispatch-nightly.sh",
            "fire-trigger.sh",
            "mark-scheduled-nightly.sh",
            "prune-runs.sh",
            "start-reaper.sh",
            "start-status-render.sh",
        ]);
        try {
            execFileSync("shellcheck", ["--version"], { stdio: "ignore" });
        } catch {
            assert.fail(
                "shellcheck is not installed: run `bash scripts/ensure-test-tools.sh` or `apt-get install shellcheck`",
            );
        }
        for (const s of scripts) {
            try {
                // -x with SCRIPTDIR: it follows a script's lib/ include, as test/scripts/shellcheck.test.ts does.
                execFileSync(
                    "shellcheck",
                    ["--severity=style", "--shell=bash", "-x", "--source-path=SCRIPTDIR", path.join(scriptsDir, s)],
                    {
                        encoding: "utf8",
                    },
                );
            } catch (err) {
                assert.fail(`${s} has shellcheck findings:\n${(err as { stdout?: string }).stdout ?? String(err)}`);
            }
        }
    });

    it("start with a bash shebang, strict mode and a header naming their environment", () => {
        for (const s of scripts) {
            const text = fs.readFileSync(path.join(scriptsDir, s), "utf8");
            assert.match(text, /^#!\/usr\/bin\/env bash\n/, s);
            assert.match(text, /\nset -euo pipefail\n/, s);
            assert.match(text, /# Environment:\n/, s);
        }
    });

    describe("prune-runs.sh", () => {
        const env = { NAMESPACE: "okd-builds", KEEP: "2" };
        const listArgs = [
            "get",
            "pipelineruns.tekton.dev",
            "--namespace",
            "okd-builds",
            "--sort-by=.metadata.creationTimestamp",
            "--output",
            'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.status.completionTime}{"\\n"}{end}',
        ];

        it("deletes the finished runs beyond the newest KEEP, oldest first, in the background", async () => {
            const stubs = stubDir(["kubectl"]);
            stubs.answer(
                "kubectl",
                [
                    "okd-nightly-4-15-a\t2026-11-01T03:00:00Z",
                    "okd-nightly-4-15-b\t",
                    "okd-nightly-4-15-c\t2026-11-03T03:00:00Z",
                    "okd-nightly-4-15-d\t2026-11-04T03:00:00Z",
                    "okd-nightly-4-15-e\t",
                    "",
                ].join("\n"),
            );
            const r = await runScript("prune-runs.sh", stubs, env);
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(stubs.calls(), [
                { command: "kubectl", args: listArgs },
                {
                    command: "kubectl",
                    args: [
                        "delete",
                        "pipelineruns.tekton.dev",
                        "--namespace",
                        "okd-builds",
                        "--cascade=background",
                        "--wait=false",
                        "--",
                        "okd-nightly-4-15-a",
                        "okd-nightly-4-15-c",
                    ],
                },
            ]);
            assert.match(r.stdout, /keeping okd-nightly-4-15-b, still running/);
        });

        it("deletes nothing when no more than KEEP runs exist", async () => {
            const stubs = stubDir(["kubectl"]);
            stubs.answer("kubectl", "okd-nightly-4-15-a\t2026-11-01T03:00:00Z\n");
            const r = await runScript("prune-runs.sh", stubs, env);
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(stubs.calls(), [{ command: "kubectl", args: listArgs }]);
            assert.match(r.stdout, /1 PipelineRuns in okd-builds, keeping up to 2: nothing to prune/);
        });

        it("deletes nothing when every run beyond KEEP still runs", async () => {
            const stubs = stubDir(["kubectl"]);
            stubs.answer("kubectl", "a\t\nb\t2026-11-02T03:00:00Z\nc\t2026-11-03T03:00:00Z\n");
            const r = await runScript("prune-runs.sh", stubs, env);
            assert.equal(r.code, 0, r.stderr);
            assert.equal(stubs.calls().length, 1);
        });

        it("fails, deleting nothing, when listing the runs fails", async () => {
            const stubs = stubDir(["kubectl"]);
            stubs.answer("kubectl", "", 1);
            const r = await runScript("prune-runs.sh", stubs, env);
            assert.notEqual(r.code, 0);
            assert.equal(stubs.calls().length, 1);
        });

        it("refuses a KEEP that is not a positive whole number before calling kubectl", async () => {
            const stubs = stubDir(["kubectl"]);
            const r = await runScript("prune-runs.sh", stubs, { ...env, KEEP: "0" });
            assert.equal(r.code, 2);
            assert.match(r.stderr, /KEEP must be a whole number of at least 1, got '0'/);
            assert.deepEqual(stubs.calls(), []);
        });
    });

    describe("fire-trigger.sh", () => {
        const url = "http://el-okd-schedule.okd-builds.svc.cluster.local:8080";
        const env = { LISTENER_URL: url, STREAM: "4.15", PIPELINE: "release", BRANCH: "release-4.15" };
        const at = (iso: string) => String(Date.parse(iso) / 1000);
        const fire = async (now: string, extra: Record<string, string> = {}) => {
            const stubs = stubDir(["curl", "date"]);
            stubs.answer("date", `${now}\n`);
            stubs.answer("curl", '{"eventListener":"okd-schedule"}');
            const r = await runScript("fire-trigger.sh", stubs, { ...env, ...extra });
            return {
                r,
                curls: stubs.calls().filter((c) => c.command === "curl"),
                dates: stubs.calls().filter((c) => c.command === "date"),
            };
        };

        it("posts the stream, run and branch to the listener with retries and a deadline", async () => {
            const { r, curls, dates } = await fire(at("2026-11-23T05:00:00Z"));
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(dates, [{ command: "date", args: ["-u", "+%s"] }]);
            assert.deepEqual(curls, [
                {
                    command: "curl",
                    args: [
                        "--fail-with-body",
                        "--silent",
                        "--show-error",
                        "--retry",
                        "5",
                        "--retry-connrefused",
                        "--retry-delay",
                        "10",
                        "--max-time",
                        "30",
                        "--header",
                        "Content-Type: application/json",
                        "--data",
                        '{"stream":"4.15","pipeline":"release","branch":"release-4.15","repository":"","revisions":"","week":2969}',
                        url,
                    ],
                },
            ]);
        });

        it("fires every other week with EVERY_WEEKS=2, alternating across a 53-week ISO year", async () => {
            // ISO weeks 52, 53 and 1 (2026-12-21, 2026-12-28, 2027-01-04): ISO parity would skip two in a row.
            const mondays = ["2026-12-14", "2026-12-21", "2026-12-28", "2027-01-04", "2027-01-11"];
            const fired: boolean[] = [];
            for (const day of mondays) {
                const { r, curls } = await fire(at(`${day}T05:00:00Z`), { EVERY_WEEKS: "2" });
                assert.equal(r.code, 0, r.stderr);
                fired.push(curls.length === 1);
            }
            assert.deepEqual(fired, [true, false, true, false, true]);
        });

        it("says why it did not fire in an off week", async () => {
            const { r, curls } = await fire(at("2026-12-21T05:00:00Z"), { EVERY_WEEKS: "2" });
            assert.equal(r.code, 0);
            assert.deepEqual(curls, []);
            assert.match(r.stdout, /week 2973 is not one of every 2 weeks: release of 4.15 not fired/);
        });

        it("fails when the listener refuses the request", async () => {
            const stubs = stubDir(["curl", "date"]);
            stubs.answer("date", `${at("2026-11-23T05:00:00Z")}\n`);
            stubs.answer("curl", "", 22);
            const r = await runScript("fire-trigger.sh", stubs, env);
            assert.equal(r.code, 22);
        });

        it("refuses an unknown pipeline and a malformed stream before calling anything", async () => {
            const bads: Record<string, string>[] = [{ PIPELINE: "weekly" }, { STREAM: '4.15","x' }];
            for (const bad of bads) {
                const { r, curls, dates } = await fire(at("2026-11-23T05:00:00Z"), bad);
                assert.equal(r.code, 2, JSON.stringify(bad));
                assert.deepEqual([...curls, ...dates], []);
            }
        });
    });
});
