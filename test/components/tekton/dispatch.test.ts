/**
 * dispatch-nightly.sh: its decision from the records and runs the API would list (JSON, as `kubectl get -o json`
 * prints them), the real curl posting to a listener on 127.0.0.1, and every kubectl call it makes replayed through the
 * real kubectl (there is no cluster here: the replay reaches a closed port, so kubectl must get as far as the
 * connection, which it does only when it accepts the command line).
 */
import * as assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

import { scriptsDir } from "../../../components/tekton/jobs";

const run = promisify(execFile);
const script = path.join(scriptsDir, "dispatch-nightly.sh");
const sha = (c: string) => c.repeat(40);
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString().replace(/\.\d+Z$/, "Z");

interface RecordSpec {
    name: string;
    minutesAgo: number;
    repository: string;
    revision: string;
    /** Minutes ago GitHub says the push happened (`pushedAt`); default: when the record was made. */
    pushedMinutesAgo?: number;
    /** Leave `pushedAt` out, as a record of the template before it had one. */
    noPushedAt?: boolean;
}
interface RunSpec {
    name: string;
    minutesAgo: number;
    finished: boolean;
    revisions?: string;
}
const configMaps = (records: RecordSpec[]) => ({
    apiVersion: "v1",
    kind: "List",
    items: records.map((r) => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: r.name, creationTimestamp: ago(r.minutesAgo), labels: { "okd-ci/push-record": "nightly" } },
        data: {
            stream: "4.15",
            repository: r.repository,
            revision: r.revision,
            ...(r.noPushedAt
                ? {}
                : {
                      pushedAt: String(Math.floor((Date.now() - (r.pushedMinutesAgo ?? r.minutesAgo) * 60_000) / 1000)),
                  }),
        },
    })),
});
const pipelineRuns = (runs: RunSpec[]) => ({
    apiVersion: "v1",
    kind: "List",
    items: runs.map((r) => ({
        apiVersion: "tekton.dev/v1",
        kind: "PipelineRun",
        metadata: { name: r.name, creationTimestamp: ago(r.minutesAgo) },
        spec: {
            pipelineRef: { name: "okd-nightly-4-15" },
            params: r.revisions === undefined ? [] : [{ name: "revisions", value: r.revisions }],
        },
        status: r.finished ? { completionTime: ago(Math.max(0, r.minutesAgo - 30)) } : {},
    })),
});

/** A kubectl on PATH that answers `get` with the given lists and records every call; and the listener. */
class World {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-dispatch-"));
    readonly bodies: string[] = [];
    status = 202;
    answer = '{"eventListener":"okd-schedule","eventID":"e1"}';
    private server?: http.Server;
    url = "";

    constructor(records: RecordSpec[], runs: RunSpec[]) {
        fs.mkdirSync(path.join(this.dir, "bin"));
        fs.writeFileSync(path.join(this.dir, "records.json"), JSON.stringify(configMaps(records)));
        fs.writeFileSync(path.join(this.dir, "runs.json"), JSON.stringify(pipelineRuns(runs)));
        const started = pipelineRuns([{ name: "okd-nightly-4-15-x1", minutesAgo: 0, finished: false }]);
        Object.assign(started.items[0].metadata, { labels: { "triggers.tekton.dev/triggers-eventid": "e1" } });
        fs.writeFileSync(path.join(this.dir, "started.json"), JSON.stringify(started));
        this.creates = true;
        fs.writeFileSync(
            path.join(this.dir, "bin", "kubectl"),
            [
                "#!/usr/bin/env bash",
                `d=${JSON.stringify(this.dir)}`,
                'printf "%s\\0" "$@" >>"$d/kubectl.calls"; printf "\\n" >>"$d/kubectl.calls"',
                'case "$1 $2" in',
                '  "get configmaps") cat "$d/records.json" ;;',
                // The confirmation lists by the listener's event id: the run exists only when the listener created it.
                '  "get pipelineruns.tekton.dev")',
                '    case "$*" in',
                "      *triggers.tekton.dev/triggers-eventid=e1,*)",
                '        if [ -e "$d/creates" ]; then cat "$d/started.json"; else echo \'{"apiVersion":"v1","kind":"List","items":[]}\'; fi ;;',
                '      *) cat "$d/runs.json" ;;',
                "    esac ;;",
                // kubectl prints a missing object's NotFound and exits 1, unless --ignore-not-found: then nothing, 0
                // (kubernetes/kubectl pkg/cmd/get/get.go printGeneric).
                '  "get cronjobs.batch")',
                '    if [ -e "$d/schedule.json" ]; then cat "$d/schedule.json"',
                '    elif [[ " $* " == *" --ignore-not-found "* ]]; then :',
                '    else echo "Error from server (NotFound): cronjobs.batch \\"$5\\" not found" >&2; exit 1; fi ;;',
                '  "delete configmaps") ;;',
                '  *) echo "error: the test stub has no answer for: $*" >&2; exit 1 ;;',
                "esac",
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
    }

    async start(): Promise<void> {
        this.server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                this.bodies.push(body);
                res.writeHead(this.status, { "Content-Type": "application/json" });
                res.end(this.status === 202 ? this.answer : '{"error":"boom"}');
            });
        });
        await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }

    /** The stream's scheduled-nightly CronJob as the API returns it, last fired `minutesAgo` (undefined: never). */
    scheduled(minutesAgo: number | undefined): void {
        fs.writeFileSync(
            path.join(this.dir, "schedule.json"),
            JSON.stringify({
                apiVersion: "batch/v1",
                kind: "CronJob",
                metadata: { name: "okd-nightly-4-15" },
                spec: { schedule: "0 2 * * *" },
                status: minutesAgo === undefined ? {} : { lastScheduleTime: ago(minutesAgo) },
            }),
        );
    }

    /** Whether the listener's 202 is followed by the PipelineRun (false: the API refused it, as a quota would). */
    set creates(yes: boolean) {
        const file = path.join(this.dir, "creates");
        if (yes) fs.writeFileSync(file, "");
        else fs.rmSync(file, { force: true });
    }

    calls(): string[][] {
        const file = path.join(this.dir, "kubectl.calls");
        if (!fs.existsSync(file)) return [];
        return fs
            .readFileSync(file, "utf8")
            .split("\n")
            .filter((l) => l.length > 0)
            .map((l) => l.split("\0").slice(0, -1));
    }

    deleted(): string[] {
        return this.calls()
            .filter((c) => c[0] === "delete")
            .flatMap((c) => c.slice(c.indexOf("--") + 1));
    }

    async dispatch(env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
        try {
            const r = await run("bash", [script], {
                env: {
                    PATH: `${path.join(this.dir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
                    RECORDS_NAMESPACE: "okd-release",
                    RUNS_NAMESPACE: "okd-builds",
                    STREAM: "4.15",
                    BRANCH: "release-4.15",
                    LISTENER_URL: this.url,
                    MIN_INTERVAL_MINUTES: "240",
                    MAX_UNFINISHED: "1",
                    CONFIRM_TIMEOUT_SECONDS: "3",
                    ...env,
                },
            });
            return { code: 0, ...r };
        } catch (err) {
            const e = err as { code?: number; stdout?: string; stderr?: string };
            return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
        }
    }
}

describe("dispatch-nightly.sh", function () {
    this.timeout(60_000);
    let world: World;
    afterEach(() => world?.stop());

    const start = async (records: RecordSpec[], runs: RunSpec[]) => {
        world = new World(records, runs);
        await world.start();
        return world;
    };

    it("starts one nightly for every waiting push, newest commit per repository, then deletes those records", async () => {
        const w = await start(
            [
                { name: "p1", minutesAgo: 50, repository: "openshift/installer", revision: sha("a") },
                { name: "p2", minutesAgo: 20, repository: "openshift/Installer", revision: sha("b") },
                { name: "p3", minutesAgo: 10, repository: "openshift/okd-machine-os", revision: sha("c") },
                { name: "junk", minutesAgo: 5, repository: "not a repo", revision: "main" },
            ],
            [{ name: "n1", minutesAgo: 600, finished: true, revisions: "" }],
        );
        const r = await w.dispatch();
        assert.equal(r.code, 0, r.stderr);
        assert.equal(w.bodies.length, 1);
        assert.deepEqual(JSON.parse(w.bodies[0]), {
            stream: "4.15",
            pipeline: "nightly",
            branch: "release-4.15",
            repository: "",
            revisions: `openshift/Installer=${sha("b")} openshift/okd-machine-os=${sha("c")}`,
        });
        assert.match(r.stdout, /4\.15: dispatch: 3 push\(es\) of 2 repositor/);
        assert.match(r.stdout, /started the nightly okd-nightly-4-15-x1 building/);
        assert.match(r.stdout, /discarding push records that name no repository and commit: junk/);
        assert.deepEqual(w.deleted().sort(), ["junk", "p1", "p2", "p3"]);
        // It lists only the stream's records and nightlies.
        const gets = w.calls().filter((c) => c[0] === "get");
        assert.deepEqual(gets, [
            [
                "get",
                "configmaps",
                "--namespace",
                "okd-release",
                "--selector",
                "okd-ci/push-record=nightly,okd-ci/stream=4.15",
                "--output",
                "json",
            ],
            [
                "get",
                "pipelineruns.tekton.dev",
                "--namespace",
                "okd-builds",
                "--selector",
                "okd-ci/run=nightly,okd-ci/stream=4.15",
                "--output",
                "json",
            ],
            // The run the listener's event created, found by the eventID of its 202 answer.
            [
                "get",
                "pipelineruns.tekton.dev",
                "--namespace",
                "okd-builds",
                "--selector",
                "triggers.tekton.dev/triggers-eventid=e1,okd-ci/run=nightly,okd-ci/stream=4.15",
                "--output",
                "json",
            ],
        ]);
    });

    it("never builds a replayed delivery: a record made over PUSH_MAX_AGE_SECONDS after its push is discarded", async () => {
        const w = await start(
            [
                // A delivery of a push made 30 days ago, replayed (valid HMAC) 2 minutes ago: an old installer commit.
                {
                    name: "replay",
                    minutesAgo: 2,
                    pushedMinutesAgo: 30 * 24 * 60,
                    repository: "openshift/installer",
                    revision: sha("0"),
                },
                // A genuine push of another repository, delivered within seconds.
                { name: "p1", minutesAgo: 5, repository: "openshift/oc", revision: sha("a") },
                // A record of the template before pushedAt: no push time, so it cannot be checked.
                {
                    name: "old-format",
                    minutesAgo: 5,
                    repository: "openshift/api",
                    revision: sha("b"),
                    noPushedAt: true,
                },
            ],
            [{ name: "n1", minutesAgo: 600, finished: true, revisions: "" }],
        );
        const r = await w.dispatch();
        assert.equal(r.code, 0, r.stderr);
        assert.equal(w.bodies.length, 1);
        assert.equal(JSON.parse(w.bodies[0]).revisions, `openshift/oc=${sha("a")}`);
        assert.match(
            r.stdout,
            /discarding push records made more than 3600s after their push \(replayed deliveries\?\): replay \(openshift\/installer@0{40}, pushed /,
        );
        assert.match(r.stdout, /discarding push records that name no repository and commit: old-format/);
        assert.deepEqual(w.deleted().sort(), ["old-format", "p1", "replay"]);
        // Control: the same record within the window (a slow delivery) is built.
        await w.stop();
        const again = await start(
            [
                {
                    name: "slow",
                    minutesAgo: 2,
                    pushedMinutesAgo: 50,
                    repository: "openshift/installer",
                    revision: sha("0"),
                },
            ],
            [{ name: "n1", minutesAgo: 600, finished: true, revisions: "" }],
        );
        const r2 = await again.dispatch();
        assert.equal(r2.code, 0, r2.stderr);
        assert.equal(JSON.parse(again.bodies[0]).revisions, `openshift/installer=${sha("0")}`);
        assert.match(
            (await again.dispatch({ PUSH_MAX_AGE_SECONDS: "x" })).stderr,
            /PUSH_MAX_AGE_SECONDS must be a whole number/,
        );
    });

    it("takes the newest push of a repository by GitHub's push time, not by when its record arrived", async () => {
        const w = await start(
            [
                { name: "new", minutesAgo: 20, repository: "openshift/installer", revision: sha("b") },
                // An earlier push whose delivery arrived (or was replayed) after the newer one's, within the window.
                {
                    name: "older",
                    minutesAgo: 3,
                    pushedMinutesAgo: 40,
                    repository: "openshift/installer",
                    revision: sha("a"),
                },
            ],
            [{ name: "n1", minutesAgo: 600, finished: true, revisions: "" }],
        );
        const r = await w.dispatch();
        assert.equal(r.code, 0, r.stderr);
        assert.equal(JSON.parse(w.bodies[0]).revisions, `openshift/installer=${sha("b")}`);
    });

    it("waits while maxUnfinished nightlies are unfinished, keeping the records", async () => {
        const w = await start(
            [{ name: "p1", minutesAgo: 5, repository: "openshift/installer", revision: sha("a") }],
            [
                { name: "n1", minutesAgo: 900, finished: true, revisions: "" },
                { name: "n2", minutesAgo: 300, finished: false, revisions: `openshift/installer=${sha("9")}` },
            ],
        );
        const r = await w.dispatch();
        assert.equal(r.code, 0, r.stderr);
        assert.equal(w.bodies.length, 0);
        assert.match(r.stdout, /wait: 1 push\(es\) wait: 1 nightly run\(s\) unfinished, at most 1/);
        assert.deepEqual(w.deleted(), []);
        // Control: with room for two unfinished runs, it starts one.
        const again = await w.dispatch({ MAX_UNFINISHED: "2" });
        assert.equal(again.code, 0, again.stderr);
        assert.equal(w.bodies.length, 1);
    });

    it("waits until minIntervalMinutes after the last nightly started, whatever started it", async () => {
        const w = await start(
            [{ name: "p1", minutesAgo: 5, repository: "openshift/installer", revision: sha("a") }],
            [{ name: "n1", minutesAgo: 60, finished: true, revisions: `openshift/oc=${sha("1")}` }],
        );
        const r = await w.dispatch();
        assert.equal(r.code, 0, r.stderr);
        assert.equal(w.bodies.length, 0);
        assert.match(r.stdout, /the last nightly started at .*Z, the next may start at .*Z/);
        assert.deepEqual(w.deleted(), []);
        const sooner = await w.dispatch({ MIN_INTERVAL_MINUTES: "59" });
        assert.equal(sooner.code, 0, sooner.stderr);
        assert.equal(w.bodies.length, 1, "control: past the interval it starts the nightly");
    });

    it("drops pushes a later branch-head nightly already built, but not those a pinned run did not name", async () => {
        const w = await start(
            [
                { name: "old", minutesAgo: 200, repository: "openshift/installer", revision: sha("a") },
                { name: "new", minutesAgo: 30, repository: "openshift/installer", revision: sha("b") },
            ],
            // The scheduled (branch-head) run started after "old" was pushed; the pinned one after "new".
            [
                { name: "scheduled", minutesAgo: 120, finished: true, revisions: "" },
                { name: "pinned", minutesAgo: 10, finished: true, revisions: `openshift/oc=${sha("1")}` },
            ],
        );
        const r = await w.dispatch({ MIN_INTERVAL_MINUTES: "5" });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /1 push\(es\) already built by a later branch-head nightly/);
        assert.equal(w.bodies.length, 1);
        assert.equal(JSON.parse(w.bodies[0]).revisions, `openshift/installer=${sha("b")}`);
        assert.deepEqual(w.deleted().sort(), ["new", "old"]);
    });

    describe("the scheduled nightly, throttled as pushes are", () => {
        const scheduled = { SCHEDULE_CRONJOB: "okd-nightly-4-15" };

        it("still dispatches pushes when the schedule's CronJob was deleted, and says the scheduled nightly is not due", async () => {
            const w = await start(
                [{ name: "p1", minutesAgo: 5, repository: "openshift/installer", revision: sha("a") }],
                [],
            );
            // No w.scheduled(): the API answers NotFound for okd-nightly-4-15.
            const r = await w.dispatch(scheduled);
            assert.equal(r.code, 0, r.stderr);
            assert.match(
                r.stderr,
                /WARNING: CronJob okd-release\/okd-nightly-4-15 does not exist, so no scheduled nightly of 4\.15 is due; pushes are still dispatched/,
            );
            assert.equal(w.bodies.length, 1);
            assert.equal(JSON.parse(w.bodies[0]).revisions, `openshift/installer=${sha("a")}`);
        });

        it("waits while maxUnfinished nightlies are unfinished, then builds every branch head, consuming the pushes", async () => {
            const w = await start(
                [{ name: "p1", minutesAgo: 5, repository: "openshift/installer", revision: sha("a") }],
                [{ name: "n1", minutesAgo: 300, finished: false, revisions: `openshift/oc=${sha("1")}` }],
            );
            w.scheduled(3);
            const r = await w.dispatch(scheduled);
            assert.equal(r.code, 0, r.stderr);
            assert.equal(w.bodies.length, 0, "the cron's firing must not start a run past maxUnfinished");
            assert.match(
                r.stdout,
                /wait: the scheduled nightly \(due since .*Z\) and 1 push\(es\) wait: 1 nightly run\(s\) unfinished, at most 1/,
            );
            assert.deepEqual(w.deleted(), []);
            // Once the unfinished run is done (here: room for two), the scheduled nightly starts: branch heads.
            const again = await w.dispatch({ ...scheduled, MAX_UNFINISHED: "2" });
            assert.equal(again.code, 0, again.stderr);
            assert.equal(w.bodies.length, 1);
            assert.deepEqual(JSON.parse(w.bodies[0]), {
                stream: "4.15",
                pipeline: "nightly",
                branch: "release-4.15",
                repository: "",
                revisions: "",
            });
            assert.match(again.stdout, /started the nightly okd-nightly-4-15-x1 building every branch head/);
            assert.deepEqual(w.deleted(), ["p1"]);
            assert.deepEqual(
                w.calls().find((c) => c[1] === "cronjobs.batch"),
                [
                    "get",
                    "cronjobs.batch",
                    "--namespace",
                    "okd-release",
                    "okd-nightly-4-15",
                    "--ignore-not-found",
                    "--output",
                    "json",
                ],
            );
        });

        it("waits minIntervalMinutes after the last nightly, without pushes too", async () => {
            const w = await start(
                [],
                [{ name: "n1", minutesAgo: 60, finished: true, revisions: `openshift/oc=${sha("1")}` }],
            );
            w.scheduled(1);
            const r = await w.dispatch(scheduled);
            assert.equal(r.code, 0, r.stderr);
            assert.equal(w.bodies.length, 0);
            assert.match(r.stdout, /the scheduled nightly \(due since .*\) wait: the last nightly started at/);
            const later = await w.dispatch({ ...scheduled, MIN_INTERVAL_MINUTES: "30" });
            assert.equal(later.code, 0, later.stderr);
            assert.equal(JSON.parse(w.bodies[0]).revisions, "");
        });

        it("is not due once a branch-head nightly started after the firing, nor before the CronJob ever fired", async () => {
            const w = await start([], [{ name: "n1", minutesAgo: 20, finished: true, revisions: "" }]);
            w.scheduled(25);
            const r = await w.dispatch(scheduled);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /4\.15: idle: no pushes waiting/);
            w.scheduled(undefined);
            assert.match((await w.dispatch(scheduled)).stdout, /idle/);
            assert.equal(w.bodies.length, 0);
            // Control: fired after that run, it is due.
            w.scheduled(10);
            assert.equal((await w.dispatch({ ...scheduled, MIN_INTERVAL_MINUTES: "0" })).code, 0);
            assert.equal(w.bodies.length, 1);
        });

        it("refuses a SCHEDULE_CRONJOB that is no object name", async () => {
            const w = await start([], []);
            const r = await w.dispatch({ SCHEDULE_CRONJOB: "x --all-namespaces" });
            assert.equal(r.code, 2);
            assert.match(r.stderr, /SCHEDULE_CRONJOB must be a CronJob name/);
        });
    });

    it("does nothing without pushes", async () => {
        const w = await start([], [{ name: "n1", minutesAgo: 900, finished: true }]);
        const r = await w.dispatch();
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /4\.15: idle: no pushes waiting/);
        assert.equal(w.bodies.length, 0);
        assert.deepEqual(w.deleted(), []);
    });

    it("keeps the records when the listener refuses the run, and fails", async () => {
        const w = await start(
            [{ name: "p1", minutesAgo: 5, repository: "openshift/installer", revision: sha("a") }],
            [],
        );
        // 400, which curl does not retry (its --retry covers 408, 429, 500, 502, 503 and 504, with a delay).
        w.status = 400;
        const r = await w.dispatch();
        assert.notEqual(r.code, 0);
        assert.ok(w.bodies.length >= 1, "control: it did try");
        assert.match(r.stderr, /the listener refused the run: \{"error":"boom"\}; keeping the push records/);
        assert.deepEqual(w.deleted(), []);
    });

    it("keeps the records and fails when the listener answers 202 but no PipelineRun appears", async () => {
        const w = await start(
            [{ name: "p1", minutesAgo: 5, repository: "openshift/installer", revision: sha("a") }],
            [],
        );
        // Triggers answers 202 before creating anything; a quota or admission refusal is only in its log.
        w.creates = false;
        const r = await w.dispatch();
        assert.equal(r.code, 2, r.stderr);
        assert.equal(w.bodies.length, 1);
        assert.match(
            r.stderr,
            /accepted event e1 but no nightly PipelineRun labelled with it appeared in okd-builds within 3s/,
        );
        assert.match(r.stderr, /keeping the push records/);
        assert.deepEqual(w.deleted(), []);
        const polls = w.calls().filter((c) => c.some((a) => a.startsWith("triggers.tekton.dev/triggers-eventid=e1,")));
        assert.ok(polls.length >= 2, `it polled, within the bound (${polls.length} polls)`);
        // Control: once the run exists, the next firing starts one again and consumes the records.
        w.creates = true;
        const again = await w.dispatch();
        assert.equal(again.code, 0, again.stderr);
        assert.equal(w.bodies.length, 2);
        assert.deepEqual(w.deleted(), ["p1"]);
    });

    it("deletes the records once the PipelineRun of the accepted event exists", async () => {
        const w = await start(
            [{ name: "p1", minutesAgo: 5, repository: "openshift/installer", revision: sha("a") }],
            [],
        );
        const r = await w.dispatch();
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /accepted event e1; waiting up to 3s for its PipelineRun/);
        assert.match(r.stdout, /started the nightly okd-nightly-4-15-x1 building openshift\/installer=a{40}/);
        assert.deepEqual(w.deleted(), ["p1"]);
    });

    it("keeps the records when the listener's answer names no event", async () => {
        const w = await start(
            [{ name: "p1", minutesAgo: 5, repository: "openshift/installer", revision: sha("a") }],
            [],
        );
        w.answer = '{"eventListener":"okd-schedule"}';
        const r = await w.dispatch();
        assert.equal(r.code, 2);
        assert.match(r.stderr, /answered without a usable eventID/);
        assert.deepEqual(w.deleted(), []);
    });

    it("refuses bad settings before calling anything", async () => {
        const w = await start([], []);
        for (const [env, message] of [
            [{ MAX_UNFINISHED: "0" }, /MAX_UNFINISHED must be a whole number of at least 1, got '0'/],
            [{ MIN_INTERVAL_MINUTES: "4h" }, /MIN_INTERVAL_MINUTES must be a whole number of minutes, got '4h'/],
            [{ CONFIRM_TIMEOUT_SECONDS: "2m" }, /CONFIRM_TIMEOUT_SECONDS must be a whole number of seconds, got '2m'/],
            [{ STREAM: '4.15","x' }, /STREAM must look like 4.15/],
        ] as const) {
            const r = await w.dispatch(env);
            assert.equal(r.code, 2);
            assert.match(r.stderr, message);
        }
        assert.deepEqual(w.calls(), []);
    });

    it("makes only calls the real kubectl accepts, and fails when the API cannot be reached", async () => {
        const w = await start(
            [{ name: "p1", minutesAgo: 5, repository: "openshift/installer", revision: sha("a") }],
            [{ name: "n1", minutesAgo: 900, finished: true }],
        );
        w.scheduled(1);
        assert.equal((await w.dispatch({ SCHEDULE_CRONJOB: "okd-nightly-4-15", MIN_INTERVAL_MINUTES: "0" })).code, 0);
        const kubectl = spawnSync("sh", ["-c", "PATH=/usr/bin:/bin command -v kubectl"], { encoding: "utf8" });
        assert.ok(kubectl.stdout.trim(), "kubectl is not installed: apt-get install kubectl (or ensure-test-tools)");
        const real = kubectl.stdout.trim();
        const kubeconfig = path.join(w.dir, "kubeconfig");
        execFileSync(real, ["config", "set-cluster", "none", "--server=https://127.0.0.1:1"], {
            env: { ...process.env, KUBECONFIG: kubeconfig },
        });
        // A token, so that kubectl does not ask for a user name on the terminal.
        execFileSync(real, ["config", "set-credentials", "none", "--token=test"], {
            env: { ...process.env, KUBECONFIG: kubeconfig },
        });
        execFileSync(real, ["config", "set-context", "none", "--cluster=none", "--user=none"], {
            env: { ...process.env, KUBECONFIG: kubeconfig },
        });
        execFileSync(real, ["config", "use-context", "none"], { env: { ...process.env, KUBECONFIG: kubeconfig } });
        const calls = w.calls();
        assert.deepEqual(
            calls.map((c) => `${c[0]} ${c[1]}`),
            [
                "get configmaps",
                "get pipelineruns.tekton.dev",
                "get cronjobs.batch",
                "get pipelineruns.tekton.dev",
                "delete configmaps",
            ],
        );
        const replay = (args: string[]) =>
            spawnSync(real, ["--request-timeout=5s", ...args], {
                encoding: "utf8",
                env: { ...process.env, KUBECONFIG: kubeconfig },
            });
        for (const args of calls) {
            const r = replay(args);
            assert.notEqual(r.status, 0);
            assert.match(
                r.stderr,
                /connection to the server 127\.0\.0\.1:1 was refused/,
                `${args.join(" ")}: ${r.stderr}`,
            );
            assert.doesNotMatch(r.stderr, /unknown flag|unknown shorthand|invalid argument|required flag/);
        }
        // Control: a command line kubectl refuses fails before any connection.
        const bogus = replay(["delete", "configmaps", "--namespace", "okd-release", "--bogus", "--", "p1"]);
        assert.match(bogus.stderr, /unknown flag: --bogus/);
        assert.doesNotMatch(bogus.stderr, /was refused/);
        // And the script itself, with the real kubectl and no API: it fails, starting nothing.
        const wReal = new World([], []);
        fs.symlinkSync(real, path.join(wReal.dir, "bin", "kubectl-real"));
        fs.renameSync(path.join(wReal.dir, "bin", "kubectl-real"), path.join(wReal.dir, "bin", "kubectl"));
        await wReal.start();
        try {
            const r = await wReal.dispatch({ KUBECONFIG: kubeconfig });
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /connection to the server 127\.0\.0\.1:1 was refused/);
            assert.equal(wReal.bodies.length, 0);
        } finally {
            await wReal.stop();
        }
    });
});
