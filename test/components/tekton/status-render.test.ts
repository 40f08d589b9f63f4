/**
 * start-status-render.sh, the scheduled status render's starter: what it hands the render of the nightly throttle
 * (the push records the dispatcher will build, by dispatch-nightly.sh's rules, and the nightlies), the run it creates,
 * and the pruning of its own runs; from the lists the API would give (test/support/status-render-world.ts), and every
 * kubectl call replayed through the real kubectl against a closed port (it must get as far as the connection, which
 * it does only when it accepts the command line), as dispatch.test.ts does.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { StatusRenderWorld, ago, sha } from "../../support/status-render-world";

describe("start-status-render.sh", function () {
    this.timeout(60_000);
    const worlds: StatusRenderWorld[] = [];
    const world = (...args: ConstructorParameters<typeof StatusRenderWorld>) => {
        const w = new StatusRenderWorld(...args);
        worlds.push(w);
        return w;
    };
    after(() => worlds.forEach((w) => w.remove()));

    it("hands the render the pushes the dispatcher will build, the unfinished nightlies and the last start", () => {
        const w = world(
            [
                { name: "p-new", stream: "4.15", minutesAgo: 5, repository: "openshift/oc", revision: sha("b") },
                {
                    name: "p-old",
                    stream: "4.15",
                    minutesAgo: 20,
                    repository: "openshift/installer",
                    revision: sha("a"),
                },
                // Older than the last branch-head nightly: it cloned after this push; the dispatcher discards it.
                { name: "p-built", stream: "4.15", minutesAgo: 400, repository: "openshift/oc", revision: sha("c") },
                // Names no commit: discarded, never built.
                { name: "p-bad", stream: "4.15", minutesAgo: 3, repository: "openshift/oc", revision: "main" },
                { name: "p-other", stream: "4.14", minutesAgo: 3, repository: "openshift/oc", revision: sha("d") },
                // Made 2h after its push (a replayed delivery) and with no push time: the dispatcher discards both.
                {
                    name: "p-late",
                    stream: "4.15",
                    minutesAgo: 4,
                    pushedMinutesAgo: 124,
                    repository: "openshift/api",
                    revision: sha("f"),
                },
                {
                    name: "p-untimed",
                    stream: "4.15",
                    minutesAgo: 4,
                    pushedMinutesAgo: "",
                    repository: "openshift/api",
                    revision: sha("9"),
                },
            ],
            [
                { name: "n-heads", stream: "4.15", minutesAgo: 300, finished: true },
                {
                    name: "n-pushed",
                    stream: "4.15",
                    minutesAgo: 30,
                    finished: false,
                    revisions: `openshift/oc=${sha("e")}`,
                },
            ],
        );
        const r = w.start();
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /4\.15: 2 push\(es\) waiting, 1 nightly run\(s\) unfinished/);
        assert.match(r.stdout, /4\.16: 0 push\(es\) waiting, 0 nightly run\(s\) unfinished/);
        const state = JSON.parse(w.throttle());
        assert.match(state.observed, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        assert.ok(Math.abs(Date.parse(state.observed) - Date.now()) < 120_000);
        assert.equal(state.dispatchSchedule, "*/10 * * * *");
        assert.deepEqual(
            state.streams[0].pending.map((p: { repository: string }) => p.repository),
            ["openshift/installer", "openshift/oc"],
        );
        assert.equal(state.streams[0].pending[1].revision, sha("b"));
        assert.equal(state.streams[0].unfinished, 1);
        // Within the minute the world was made in: the newest nightly's creationTimestamp.
        assert.ok(Math.abs(Date.parse(state.streams[0].lastStarted) - Date.parse(ago(30))) < 120_000);
        assert.deepEqual(state.streams[1], {
            stream: "4.16",
            pending: [],
            unfinished: 0,
            lastStarted: null,
            scheduled: null,
        });
        assert.equal(state.streams.length, 2, "configured streams only");
        const created = w.created();
        assert.deepEqual(created?.metadata, {
            generateName: "okd-render-status-",
            labels: { "okd-ci/run": "status" },
        });
        assert.deepEqual(
            created?.spec.params.map((p) => p.name),
            ["throttle"],
        );
    });

    it("shows a stream's scheduled nightly as due exactly when dispatch-nightly.sh would start it", () => {
        const w = world(
            [],
            [
                // 4.15: the CronJob fired after its newest branch-head nightly: due (a pushed run does not cover it).
                { name: "n-heads", stream: "4.15", minutesAgo: 300, finished: true },
                {
                    name: "n-pushed",
                    stream: "4.15",
                    minutesAgo: 5,
                    finished: true,
                    revisions: `openshift/oc=${sha("e")}`,
                },
                // 4.16: the branch-head nightly it started came after the firing: not due.
                { name: "n-16", stream: "4.16", minutesAgo: 50, finished: false },
            ],
        )
            .cronJob("okd-nightly-4-15", 60)
            .cronJob("okd-nightly-4-16", 55)
            // 4.17: never fired; 4.18: its CronJob does not exist (NotFound): neither is due.
            .cronJob("okd-nightly-4-17", null);
        const r = w.start({
            STREAMS: "4.15 4.16 4.17 4.18",
            SCHEDULE_CRONJOBS:
                "4.15=okd-nightly-4-15 4.16=okd-nightly-4-16 4.17=okd-nightly-4-17 4.18=okd-nightly-4-18",
        });
        assert.equal(r.code, 0, r.stderr);
        const state = JSON.parse(w.throttle());
        const due = Object.fromEntries(
            state.streams.map((s: { stream: string; scheduled: string | null }) => [s.stream, s.scheduled]),
        );
        assert.ok(due["4.15"], "4.15 is due");
        assert.ok(Math.abs(Date.parse(due["4.15"]) - Date.parse(ago(60))) < 120_000);
        assert.deepEqual({ ...due, "4.15": "due" }, { "4.15": "due", "4.16": null, "4.17": null, "4.18": null });
        assert.match(r.stdout, /4\.15: 0 push\(es\) waiting and the scheduled nightly \(due since [0-9T:-]+Z\)/);
        assert.deepEqual(
            w
                .calls()
                .filter((c) => c[1] === "cronjobs.batch")
                .map((c) => c[4]),
            ["okd-nightly-4-15", "okd-nightly-4-16", "okd-nightly-4-17", "okd-nightly-4-18"],
        );
        // Without SCHEDULE_CRONJOBS it reads none, and none is due.
        const plain = world([], []).cronJob("okd-nightly-4-15", 1);
        assert.equal(plain.start().code, 0);
        assert.equal(plain.calls().filter((c) => c[1] === "cronjobs.batch").length, 0);
        assert.deepEqual(
            JSON.parse(plain.throttle()).streams.map((s: { scheduled: unknown }) => s.scheduled),
            [null, null],
        );
    });

    it("refuses a malformed SCHEDULE_CRONJOBS before calling the API", () => {
        const w = world([], []);
        const r = w.start({ SCHEDULE_CRONJOBS: "4.15:okd-nightly-4-15" });
        assert.equal(r.code, 2);
        assert.match(r.stderr, /SCHEDULE_CRONJOBS holds '4\.15:okd-nightly-4-15'/);
        assert.deepEqual(w.calls(), []);
    });

    it("deletes its own finished runs beyond the newest KEEP_RUNS, never a running one", () => {
        const w = world(
            [],
            [],
            [
                { name: "r1", minutesAgo: 300, finished: true },
                { name: "r2", minutesAgo: 240, finished: true },
                { name: "r3", minutesAgo: 180, finished: true },
                { name: "r4", minutesAgo: 120, finished: false },
                { name: "r5", minutesAgo: 60, finished: true },
            ],
        );
        const r = w.start({ KEEP_RUNS: "2" });
        assert.equal(r.code, 0, r.stderr);
        const deletes = w.calls().filter((c) => c[0] === "delete");
        assert.deepEqual(deletes, [["delete", "pipelineruns.tekton.dev", "--namespace", "okd-release", "r1", "r2"]]);
        assert.match(r.stdout, /2 finished render run\(s\) deleted, up to 2 kept/);
        const none = world([], [], [{ name: "r1", minutesAgo: 60, finished: true }]);
        assert.equal(none.start().code, 0);
        assert.deepEqual(
            none.calls().filter((c) => c[0] === "delete"),
            [],
        );
    });

    it("refuses bad settings before calling the API", () => {
        const w = world([], []);
        for (const [env, message] of [
            [{ STREAMS: "4.15 next" }, /STREAMS holds 'next'/],
            [{ KEEP_RUNS: "0" }, /KEEP_RUNS must be a whole number of at least 1, got '0'/],
            [{ DISPATCH_SCHEDULE: "" }, /DISPATCH_SCHEDULE is required/],
            [
                { PIPELINERUN_JSON: '{"kind":"PipelineRun","metadata":{"generateName":"x-"}}' },
                /labelled okd-ci\/run=status/,
            ],
        ] as const) {
            const r = w.start(env);
            assert.equal(r.code, 2, JSON.stringify(env));
            assert.match(r.stderr, message);
        }
        assert.deepEqual(w.calls(), []);
    });

    it("makes only calls the real kubectl accepts, and fails when the API cannot be reached", () => {
        const w = world(
            [{ name: "p1", stream: "4.15", minutesAgo: 5, repository: "openshift/oc", revision: sha("a") }],
            [],
            [
                { name: "r1", minutesAgo: 300, finished: true },
                { name: "r2", minutesAgo: 200, finished: true },
                { name: "r3", minutesAgo: 100, finished: true },
                { name: "r4", minutesAgo: 50, finished: true },
            ],
        );
        w.cronJob("okd-nightly-4-15", 10);
        assert.equal(w.start({ SCHEDULE_CRONJOBS: "4.15=okd-nightly-4-15 4.16=okd-nightly-4-16" }).code, 0);
        const which = spawnSync("sh", ["-c", "command -v kubectl"], { encoding: "utf8" });
        assert.ok(which.stdout.trim(), "kubectl is not installed: apt-get install kubectl (or ensure-test-tools)");
        const real = which.stdout.trim();
        const kubeconfig = path.join(w.dir, "kubeconfig");
        const env = { ...process.env, KUBECONFIG: kubeconfig };
        execFileSync(real, ["config", "set-cluster", "none", "--server=https://127.0.0.1:1"], { env });
        execFileSync(real, ["config", "set-credentials", "none", "--token=test"], { env });
        execFileSync(real, ["config", "set-context", "none", "--cluster=none", "--user=none"], { env });
        execFileSync(real, ["config", "use-context", "none"], { env });
        const calls = w.calls();
        assert.deepEqual(
            calls.map((c) => `${c[0]} ${c[1]}`),
            [
                "get configmaps",
                "get pipelineruns.tekton.dev",
                "get cronjobs.batch",
                "get cronjobs.batch",
                "create --namespace",
                "get pipelineruns.tekton.dev",
                "delete pipelineruns.tekton.dev",
            ],
        );
        for (const args of calls) {
            // The created run's file is gone with the script's work directory; the stub kept a copy.
            const replayed = args.map((a, i) =>
                args[0] === "create" && i === 4 ? path.join(w.dir, "created.json") : a,
            );
            const r = spawnSync(real, ["--request-timeout=5s", ...replayed], { encoding: "utf8", env });
            assert.notEqual(r.status, 0);
            // create first downloads the OpenAPI schema to validate the file: refused there, after parsing its flags.
            assert.match(
                r.stderr,
                /connection to the server 127\.0\.0\.1:1 was refused|127\.0\.0\.1:1\/openapi\/v2.*connection refused/,
                `${args.join(" ")}: ${r.stderr}`,
            );
            assert.doesNotMatch(r.stderr, /unknown flag|unknown shorthand|invalid argument|required flag/);
        }
        // And the script itself with the real kubectl and no API: it fails, creating nothing.
        const bare = world([], []);
        fs.rmSync(path.join(bare.dir, "bin", "kubectl"));
        fs.symlinkSync(real, path.join(bare.dir, "bin", "kubectl"));
        const r = bare.start({ KUBECONFIG: kubeconfig });
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /connection to the server 127\.0\.0\.1:1 was refused/);
        assert.equal(bare.created(), undefined);
    });
});
