import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import * as YAML from "yaml";

import { listStacks } from "../../src/synth/stackfile";
import { root, synthInProcess } from "../synth/run";
import { requireTool, tempDir } from "./harness";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered YAML

async function renderedObjects(stack: string): Promise<Json[]> {
    const { manifests } = await synthInProcess(stack);
    return manifests.flatMap((m) => YAML.parseAllDocuments(m.content).map((d) => d.toJSON() as Json)).filter(Boolean);
}

/** Tekton duration (`1h15m`, `45m`, `30s`) in seconds. */
function seconds(duration: string): number {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
    if (m === null || duration === "") throw new Error(`not a duration: ${duration}`);
    return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

describe("the nightly's finally: destroys, then the record", () => {
    describe("time budget", () => {
        for (const stack of listStacks(root)) {
            it(`${stack}: every attempt of every finally task fits the run's finally timeout`, async () => {
                const objects = await renderedObjects(stack);
                const templates = objects.filter((o) => o.kind === "TriggerTemplate");
                let checked = 0;
                for (const run of templates
                    .flatMap((t) => t.spec.resourcetemplates as Json[])
                    .filter((r) => r.kind === "PipelineRun")) {
                    const pipeline = objects.find(
                        (o) => o.kind === "Pipeline" && o.metadata.name === run.spec.pipelineRef.name,
                    );
                    assert.ok(pipeline, run.spec.pipelineRef.name);
                    const budget = seconds(run.spec.timeouts.finally ?? "0s");
                    for (const t of (pipeline.spec.finally ?? []) as Json[]) {
                        assert.ok(t.timeout, `${pipeline.metadata.name}: finally task ${t.name} states no timeout`);
                        const worst = ((t.retries as number | undefined) ?? 0) + 1;
                        assert.ok(
                            worst * seconds(t.timeout) <= budget,
                            `${pipeline.metadata.name}: ${t.name} may take ${worst} × ${t.timeout}, the finally budget is ${run.spec.timeouts.finally}`,
                        );
                        checked++;
                    }
                }
                assert.ok(checked > 0);
            });
        }
    });

    describe("finalize-record and destroy-<gate> running at once, as Tekton starts them", () => {
        let tmp: string;
        let finalize: Json;
        let destroy: Json;
        let objects: Json[];
        before(async () => {
            requireTool("rclone");
            requireTool("jq");
            objects = await renderedObjects("aws");
            finalize = objects.find((o) => o.kind === "Task" && o.metadata.name === "okd-finalize-record")!;
            destroy = objects.find((o) => o.kind === "Task" && o.metadata.name === "okd-e2e-destroy-aws")!;
            assert.ok(finalize && destroy);
        });
        beforeEach(() => {
            tmp = tempDir("finally");
        });
        afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

        /** Runs a rendered step's script with `env` (its inputs, as the step's env would give them). */
        function stepRun(step: Json, env: Record<string, string>) {
            const file = path.join(tmp, `${step.name}.sh`);
            fs.writeFileSync(file, step.script);
            return { file, env: { PATH: process.env.PATH ?? "", HOME: tmp, ...env } };
        }

        it("uploads the gate's destroy.log, written while finalize-record was already running", async () => {
            const e2e = path.join(tmp, "e2e");
            const gate = path.join(e2e, "aws");
            fs.mkdirSync(path.join(gate, "install"), { recursive: true });
            fs.mkdirSync(path.join(gate, "bin"), { recursive: true });
            fs.writeFileSync(path.join(gate, "install", "metadata.json"), '{"infraID":"okd-e2e-x1"}');
            // openshift-install is not available here; this stand-in only appends to the installer's log in --dir,
            // as `destroy cluster` does, after a while.
            fs.writeFileSync(
                path.join(gate, "bin", "openshift-install"),
                '#!/usr/bin/env bash\nset -eu\ndir="${1#--dir=}"\nsleep 2\necho "level=info msg=Uninstallation complete!" >>"${dir}/.openshift_install.log"\n',
                { mode: 0o755 },
            );
            const bucket = path.join(tmp, "bucket");
            fs.mkdirSync(bucket);

            // The gate's credentials, as the step's Secret mount would give them (e2e-destroy.sh refuses to run without).
            const credentials = path.join(tmp, "awscred");
            fs.writeFileSync(credentials, "[default]\naws_access_key_id = A\naws_secret_access_key = B\n");
            const destroyStep = stepRun(
                (destroy.spec.steps as Json[]).find((s) => s.name === "destroy")!,
                {
                    STATE_DIR: gate,
                    CREDENTIALS_ENV: "AWS_SHARED_CREDENTIALS_FILE",
                    AWS_SHARED_CREDENTIALS_FILE: credentials,
                },
            );
            const destroying = new Promise<number>((resolve) =>
                spawn("bash", [destroyStep.file], { env: destroyStep.env, stdio: "ignore" }).on("exit", (c) =>
                    resolve(c ?? -1),
                ),
            );

            // finalize-record's steps in their order after the verdict, up to the record (both need a payload record).
            const env = {
                E2E_DIR: e2e,
                GATE_STATUSES: "aws=Failed",
                WAIT_SECONDS: "30",
                POLL_SECONDS: "1",
                ARTIFACTS_BUCKET: bucket,
                LOGS_PREFIX: "logs/4.15/4.15.0-0.okd-x/",
                RCLONE_CONFIG_ARTIFACTS_TYPE: "local",
                PIPELINE_RUN: "okd-nightly-4-15-x1",
            };
            for (const step of finalize.spec.steps as Json[]) {
                if (step.name === "decide" || step.name === "record-verdict") continue;
                if (step.name === "record") break;
                const run = stepRun(step, env);
                const r = spawnSync("bash", [run.file], { env: run.env, encoding: "utf8", timeout: 60_000 });
                assert.equal(r.status, 0, `${step.name}: ${r.stderr}`);
            }
            assert.equal(await destroying, 0);

            const uploaded = path.join(bucket, "logs", "4.15", "4.15.0-0.okd-x", "aws", "destroy.log");
            assert.ok(fs.existsSync(uploaded), "destroy.log was not uploaded");
            assert.match(fs.readFileSync(uploaded, "utf8"), /Uninstallation complete/);
        });

        it("removes the registration of each gate destroyed in this run, and keeps a failed destroy's for the reaper", async () => {
            const objects = await renderedObjects("aws");
            const register = objects.find((o) => o.kind === "Task" && o.metadata.name === "okd-register-cluster")!;
            const unregister = (finalize.spec.steps as Json[]).find((s) => s.name === "unregister-clusters")!;
            assert.ok(register && unregister);
            assert.equal(unregister.onError, "continue");
            const bucket = path.join(tmp, "bucket");
            fs.mkdirSync(bucket);
            const e2e = path.join(tmp, "e2e");
            const store = {
                ARTIFACTS_BUCKET: bucket,
                RCLONE_CONFIG_ARTIFACTS_TYPE: "local",
                CLUSTERS_PREFIX: "clusters/",
            };
            const run = "okd-nightly-4-15-x1";
            // Registrations as register-cluster.sh writes them: this run's aws and gcp gates and aws upgrade gate, and
            // another run's aws gate.
            for (const [gate, pipelineRun] of [
                ["aws", run],
                ["gcp", run],
                ["aws-upgrade", run],
                ["aws", "okd-nightly-4-15-other"],
            ]) {
                const dir = path.join(e2e, gate);
                fs.mkdirSync(path.join(dir, "install"), { recursive: true });
                fs.writeFileSync(
                    path.join(dir, "install", "metadata.json"),
                    JSON.stringify({ clusterName: `okd-e2e-${gate}`, infraID: `okd-e2e-${gate}-x1` }),
                );
                const step = stepRun((register.spec.steps as Json[])[0], {
                    ...store,
                    STATE_DIR: dir,
                    GATE: gate,
                    PIPELINE_RUN: pipelineRun,
                    RELEASE_IMAGE: "registry.example/okd/release:4.15.0-0.okd-x",
                });
                const r = spawnSync("bash", [step.file], { env: step.env, encoding: "utf8" });
                assert.equal(r.status, 0, r.stderr);
            }
            const registered = (gate: string, pipelineRun: string) =>
                fs.existsSync(path.join(bucket, "clusters", gate, pipelineRun, "metadata.json"));
            assert.ok(registered("aws", run) && registered("gcp", run) && registered("aws", "okd-nightly-4-15-other"));
            assert.ok(registered("aws-upgrade", run));
            // The destroys' outcomes, as e2e-destroy.sh leaves them: aws and aws-upgrade destroyed, gcp failed.
            fs.writeFileSync(path.join(e2e, "aws", "destroy.done"), "destroyed\n");
            fs.writeFileSync(path.join(e2e, "aws-upgrade", "destroy.done"), "destroyed\n");
            fs.writeFileSync(path.join(e2e, "gcp", "destroy.done"), "failed\n");

            const step = stepRun(unregister, {
                ...store,
                E2E_DIR: e2e,
                GATE_STATUSES: "aws=Succeeded gcp=Failed aws-upgrade=Succeeded gcp-upgrade=Failed",
                PIPELINE_RUN: run,
            });
            const r = spawnSync("bash", [step.file], { env: step.env, encoding: "utf8", timeout: 60_000 });
            assert.equal(r.status, 0, r.stderr);
            assert.ok(
                !fs.existsSync(path.join(bucket, "clusters", "aws", run)),
                "the destroyed gate is still registered",
            );
            assert.ok(registered("gcp", run), "the failed destroy's registration was removed");
            assert.ok(registered("aws", "okd-nightly-4-15-other"), "another run's registration was removed");
            assert.match(r.stdout, /aws: destroyed; registration clusters\/aws\/okd-nightly-4-15-x1\/ removed/);
            assert.match(r.stdout, /gcp: destroy failed; registration \(if any\) kept for the reaper/);
            // The upgrade gate's cluster is unregistered like the install gates' once its destroy succeeded.
            assert.ok(!registered("aws-upgrade", run), "the destroyed upgrade cluster is still registered");
            assert.match(
                r.stdout,
                /aws-upgrade: destroyed; registration clusters\/aws-upgrade\/okd-nightly-4-15-x1\/ removed/,
            );
            assert.match(r.stdout, /gcp-upgrade: destroy not ended; registration \(if any\) kept for the reaper/);

            // Run again (the task's retry): nothing left to remove for aws, and that is no failure.
            const again = spawnSync("bash", [step.file], { env: step.env, encoding: "utf8", timeout: 60_000 });
            assert.equal(again.status, 0, again.stderr);
            assert.match(again.stdout, /aws: destroyed; no registration/);
            assert.ok(registered("gcp", run));
        });

        /**
         * A Task's steps in order, as Tekton's entrypoint runs them (at v1.15: tektoncd/pipeline
         * pkg/entrypoint/entrypointer.go; tektoncd/pipeline docs/tasks.md on onError): a step that fails stops the
         * task and every later step is skipped, unless it has `onError: continue`; each step that ends writes its exit
         * code to <steps dir>/step-<name>/exitCode, and `$(steps.step-<name>.exitCode.path)` in a step's env names
         * that file (tektoncd/pipeline pkg/reconciler/taskrun/resources/apply.go ApplyStepExitCodePath). `env` stands
         * for everything else the step's environment holds.
         */
        /** Runs steps in order as Tekton's entrypoint does; `only` overrides env for one named step. */
        function runSteps(
            steps: Json[],
            env: Record<string, string>,
            only: Record<string, Record<string, string>> = {},
        ): Map<string, number | "skipped"> {
            const stepsDir = path.join(tmp, "tekton-steps");
            const outcome = new Map<string, number | "skipped">();
            let failed = false;
            for (const step of steps) {
                if (failed) {
                    outcome.set(step.name, "skipped");
                    continue;
                }
                const own: Record<string, string> = {};
                for (const e of (step.env ?? []) as Json[]) {
                    // A step's literal values (RECORD_ACTION, the verdict's files under the pod's /workspace), which
                    // `env` may override; anything Tekton substitutes comes from `env`.
                    if (typeof e.value === "string" && !e.value.includes("$(")) {
                        own[e.name] = e.value.replace(/^\/workspace\//, `${path.join(tmp, "pod-workspace")}/`);
                        fs.mkdirSync(path.join(tmp, "pod-workspace"), { recursive: true });
                    }
                    const m = /^\$\(steps\.(step-[a-z0-9-]+)\.exitCode\.path\)$/.exec(e.value ?? "");
                    if (m) own[e.name] = path.join(stepsDir, m[1], "exitCode");
                }
                const exitCodes = Object.fromEntries(
                    Object.entries(own).filter(([, v]) => v.startsWith(path.join(stepsDir, "step-"))),
                );
                const run = stepRun(step, { ...own, ...env, ...exitCodes, ...(only[step.name] ?? {}) });
                const r = spawnSync("bash", [run.file], { env: run.env, encoding: "utf8", timeout: 120_000 });
                const code = r.status ?? -1;
                outcome.set(step.name, code);
                if (code === 0 || step.onError === "continue") {
                    fs.mkdirSync(path.join(stepsDir, `step-${step.name}`), { recursive: true });
                    fs.writeFileSync(path.join(stepsDir, `step-${step.name}`, "exitCode"), String(code));
                } else {
                    failed = true;
                }
            }
            return outcome;
        }

        it("closes the record when the log upload fails, and notes the failure in it", () => {
            const bucket = path.join(tmp, "bucket");
            fs.mkdirSync(bucket);
            const name = "4.15.0-0.okd-2025-01-01-020000";
            const store = { ARTIFACTS_BUCKET: bucket, MINOR: "4.15", RCLONE_CONFIG_ARTIFACTS_TYPE: "local" };
            const release = path.join(tmp, "release.json");
            fs.writeFileSync(
                release,
                JSON.stringify({
                    name,
                    pullSpec: `registry.example/okd/release:${name}`,
                    digest: "sha256:11",
                    basePayload: null,
                    sources: {},
                    previous: [],
                }),
            );
            const record = (finalize.spec.steps as Json[]).find((s) => s.name === "record")!;
            const create = stepRun(record, {
                ...store,
                RECORD_ACTION: "create",
                RELEASE_FILE: release,
                PIPELINE_RUN: "x1",
            });
            const created = spawnSync("bash", [create.file], { env: create.env, encoding: "utf8" });
            assert.equal(created.status, 0, created.stderr);

            // A gate's logs, and a store where nothing can be written under logs/ (it is a file, not a directory).
            const gate = path.join(tmp, "e2e", "aws", "artifacts");
            fs.mkdirSync(gate, { recursive: true });
            fs.writeFileSync(path.join(gate, "e2e.log"), "ran\n");
            fs.writeFileSync(path.join(bucket, "logs"), "not a directory");

            const outcome = runSteps(
                (finalize.spec.steps as Json[]).filter(
                    (s) => !["publish-status", "decide", "record-verdict"].includes(s.name),
                ),
                {
                    ...store,
                    NAME: name,
                    E2E_DIR: path.join(tmp, "e2e"),
                    GATE_STATUSES: "aws=None",
                    WAIT_SECONDS: "1",
                    LOGS_PREFIX: `logs/4.15/${name}/`,
                    RECORD_ACTION: "finalize",
                    PIPELINE_STATUS: "Failed",
                    LOGS_URL: `file://${bucket}/logs/4.15/${name}/`,
                },
            );
            assert.notEqual(outcome.get("upload-logs"), 0, "the upload was meant to fail");
            assert.equal(outcome.get("record"), 0, `the record step did not close the record: ${[...outcome]}`);
            const closed = JSON.parse(fs.readFileSync(path.join(bucket, "releases", "4.15", `${name}.json`), "utf8"));
            assert.equal(closed.verdict, "unfinished");
            assert.equal(closed.pipelineStatus, "Failed");
            assert.equal(closed.logsUpload.status, "failed");
            assert.equal(closed.logsUpload.exitCode, String(outcome.get("upload-logs")));
            assert.equal(closed.logs, null, "a failed upload must not be named as the run's logs");
        });

        /**
         * The verdict is decided in finally from the `gates` param the nightly passes finalize-record, Tekton's
         * `$(tasks.<t>.status)` of each gate chain substituted (Succeeded, Failed or None), and the outcome each gate
         * left in the e2e workspace: an optional gate whose Tekton task failed counts as failed instead of skipping
         * the verdict (which left the payload `unfinished`).
         */
        describe("the verdict, decided in finally from the gate chains' task statuses", () => {
            /** The aws stack's OKD/SCOS 4.16 nightly: a blocking aws gate and an optional aws-upgrade gate. */
            const gatesParam = (): string => {
                const nightly = objects.find(
                    (o) =>
                        o.kind === "Pipeline" &&
                        ((o.spec.finally ?? []) as Json[]).some((t) =>
                            ((t.params ?? []) as Json[]).some(
                                (p) => p.name === "gates" && p.value.includes("aws-upgrade"),
                            ),
                        ),
                );
                assert.ok(nightly, "no nightly whose finalize-record is given an upgrade gate");
                assert.equal(
                    ((nightly.spec.tasks ?? []) as Json[]).some((t) => t.name === "verdict"),
                    false,
                    "the verdict must not be a task after the gates: a failed gate task would skip it",
                );
                const fin = (nightly.spec.finally as Json[]).find((t) => t.name === "finalize-record")!;
                const value = (fin.params as Json[]).find((p) => p.name === "gates")!.value as string;
                assert.doesNotMatch(value, /\$\(tasks\.(?!assemble\.)[a-z0-9-]+\.results\./, "a gate task's result");
                return value;
            };
            const substitute = (value: string, statuses: Record<string, string>) =>
                value
                    .replace(/\$\(tasks\.assemble\.results\.upgrade-from-name\)/g, "4.15.0-0.okd-2024-03-10-010116")
                    .replace(/\$\(tasks\.([a-z0-9-]+)\.status\)/g, (_, t: string) => statuses[t] ?? "Succeeded");

            const run = (
                name: string,
                statuses: Record<string, string>,
                outcomes: Record<string, string>,
                only: Record<string, Record<string, string>> = {},
                expect: Record<string, number> = { "record-verdict": 0 },
            ) => {
                const bucket = path.join(tmp, "bucket");
                fs.mkdirSync(bucket, { recursive: true });
                const store = { ARTIFACTS_BUCKET: bucket, MINOR: "4.16", RCLONE_CONFIG_ARTIFACTS_TYPE: "local" };
                const release = path.join(tmp, "release.json");
                fs.writeFileSync(
                    release,
                    JSON.stringify({ name, pullSpec: `r/okd:${name}`, digest: "sha256:33", sources: {}, previous: [] }),
                );
                const record = (finalize.spec.steps as Json[]).find((s) => s.name === "record")!;
                const create = stepRun(record, {
                    ...store,
                    RECORD_ACTION: "create",
                    RELEASE_FILE: release,
                    PIPELINE_RUN: "x3",
                });
                assert.equal(spawnSync("bash", [create.file], { env: create.env, encoding: "utf8" }).status, 0);
                for (const [gate, outcome] of Object.entries(outcomes)) {
                    fs.mkdirSync(path.join(tmp, "e2e", gate), { recursive: true });
                    fs.writeFileSync(path.join(tmp, "e2e", gate, "gate-outcome"), outcome);
                    fs.writeFileSync(path.join(tmp, "e2e", gate, "gate-reason"), outcome === "passed" ? "" : "suite");
                }
                const outcome = runSteps(
                    (finalize.spec.steps as Json[]).filter((s) => s.name !== "publish-status"),
                    {
                        ...store,
                        NAME: name,
                        GATES: substitute(gatesParam(), statuses),
                        E2E_DIR: path.join(tmp, "e2e"),
                        GATE_STATUSES: "aws=None aws-upgrade=None",
                        WAIT_SECONDS: "1",
                        LOGS_PREFIX: `logs/4.16/${name}/`,
                        PIPELINE_STATUS: "Failed",
                        LOGS_URL: `file://${bucket}/logs/4.16/${name}/`,
                    },
                    only,
                );
                assert.equal(outcome.get("decide"), 0, `decide: ${[...outcome]}`);
                for (const [step, code] of Object.entries(expect)) {
                    assert.equal(outcome.get(step), code, `${step}: ${[...outcome]}`);
                }
                assert.equal(outcome.get("record"), 0, `record: ${[...outcome]}`);
                return JSON.parse(fs.readFileSync(path.join(bucket, "releases", "4.16", `${name}.json`), "utf8"));
            };

            it("accepts a payload whose optional upgrade gate's install task failed, recording why the gate failed", () => {
                const closed = run(
                    "4.16.0-0.okd-scos-2025-01-03-020000",
                    { "install-upgrade-aws": "Failed", "pull-secret-upgrade-aws": "None", "e2e-upgrade-aws": "None" },
                    { aws: "passed" },
                );
                assert.equal(closed.verdict, "accepted");
                assert.equal(closed.pipelineStatus, "Failed");
                const upgrade = (closed.gates as Json[]).find((g) => g.gate === "aws-upgrade")!;
                assert.equal(upgrade.outcome, "failed");
                assert.equal(upgrade.blocking, false);
                assert.match(upgrade.reason, /task install-upgrade-aws failed/);
                assert.equal(upgrade.tasks, undefined);
                assert.deepEqual((closed.gates as Json[])[0], { gate: "aws", blocking: true, outcome: "passed" });
            });

            it("rejects a payload whose blocking gate's task failed, naming the task", () => {
                const closed = run(
                    "4.16.0-0.okd-scos-2025-01-04-020000",
                    { "e2e-aws": "Failed" },
                    { "aws-upgrade": "passed" },
                );
                assert.equal(closed.verdict, "rejected");
                const aws = (closed.gates as Json[]).find((g) => g.gate === "aws")!;
                assert.equal(aws.outcome, "failed");
                assert.match(aws.reason, /task e2e-aws failed \(a timeout, an evicted pod, or out of retries\)/);
            });

            it("records the verdict with the record's closing when writing it failed, instead of unfinished", () => {
                // record-verdict's store fails (here: a bucket that is not there); the step runs with onError:
                // continue, so the record step must write the decided verdict, not close the payload unfinished.
                const closed = run(
                    "4.16.0-0.okd-scos-2025-01-06-020000",
                    {},
                    { aws: "passed", "aws-upgrade": "passed" },
                    { "record-verdict": { ARTIFACTS_BUCKET: path.join(tmp, "no-such-bucket") } },
                    { "record-verdict": 1 },
                );
                assert.equal(closed.verdict, "accepted");
                assert.ok(closed.decided, "the record names no decision time");
                assert.deepEqual(
                    (closed.gates as Json[]).map((g) => [g.gate, g.outcome]),
                    [
                        ["aws", "passed"],
                        ["aws-upgrade", "passed"],
                    ],
                );
            });

            it("takes each gate's outcome from the e2e workspace when its chain succeeded", () => {
                const closed = run(
                    "4.16.0-0.okd-scos-2025-01-05-020000",
                    {},
                    { aws: "failed", "aws-upgrade": "passed" },
                );
                assert.equal(closed.verdict, "rejected");
                assert.equal((closed.gates as Json[])[0].reason, "suite");
            });
        });

        it("names the logs in the record when the upload succeeds", () => {
            const bucket = path.join(tmp, "bucket");
            fs.mkdirSync(bucket);
            const name = "4.15.0-0.okd-2025-01-02-020000";
            const store = { ARTIFACTS_BUCKET: bucket, MINOR: "4.15", RCLONE_CONFIG_ARTIFACTS_TYPE: "local" };
            const release = path.join(tmp, "release.json");
            fs.writeFileSync(
                release,
                JSON.stringify({ name, pullSpec: `r/okd:${name}`, digest: "sha256:22", sources: {}, previous: [] }),
            );
            const record = (finalize.spec.steps as Json[]).find((s) => s.name === "record")!;
            const create = stepRun(record, {
                ...store,
                RECORD_ACTION: "create",
                RELEASE_FILE: release,
                PIPELINE_RUN: "x2",
            });
            assert.equal(spawnSync("bash", [create.file], { env: create.env, encoding: "utf8" }).status, 0);
            const gate = path.join(tmp, "e2e", "aws", "artifacts");
            fs.mkdirSync(gate, { recursive: true });
            fs.writeFileSync(path.join(gate, "e2e.log"), "ran\n");

            const logsUrl = `file://${bucket}/logs/4.15/${name}/`;
            const outcome = runSteps(
                (finalize.spec.steps as Json[]).filter(
                    (s) => !["publish-status", "decide", "record-verdict"].includes(s.name),
                ),
                {
                    ...store,
                    NAME: name,
                    E2E_DIR: path.join(tmp, "e2e"),
                    GATE_STATUSES: "aws=None",
                    WAIT_SECONDS: "1",
                    LOGS_PREFIX: `logs/4.15/${name}/`,
                    RECORD_ACTION: "finalize",
                    PIPELINE_STATUS: "Succeeded",
                    LOGS_URL: logsUrl,
                },
            );
            assert.deepEqual([...outcome.values()], [0, 0, 0, 0]);
            const closed = JSON.parse(fs.readFileSync(path.join(bucket, "releases", "4.15", `${name}.json`), "utf8"));
            assert.deepEqual(closed.logsUpload, { status: "uploaded", exitCode: "0" });
            assert.equal(closed.logs, logsUrl);
            assert.ok(fs.existsSync(path.join(bucket, "logs", "4.15", name, "aws", "e2e.log")));
        });

        it("does not wait for a gate that never started, whose destroy is skipped", () => {
            const step = (finalize.spec.steps as Json[]).find((s) => s.name === "await-destroys");
            assert.ok(step, "finalize-record has no await-destroys step");
            const run = stepRun(step, {
                E2E_DIR: path.join(tmp, "e2e"),
                GATE_STATUSES: "aws=None",
                WAIT_SECONDS: "600",
            });
            const started = Date.now();
            const r = spawnSync("bash", [run.file], { env: run.env, encoding: "utf8", timeout: 30_000 });
            assert.equal(r.status, 0, r.stderr);
            assert.ok(Date.now() - started < 5_000);
            assert.match(r.stdout, /gate aws never started/);
        });

        it("never prints a destroy.done a gate replaced by a symlink to the records pod's secrets", () => {
            const step = (finalize.spec.steps as Json[]).find((s) => s.name === "await-destroys")!;
            const e2e = path.join(tmp, "e2e-planted");
            fs.mkdirSync(path.join(e2e, "aws"), { recursive: true });
            const token = path.join(tmp, "azure-identity-token");
            fs.writeFileSync(token, "eyJ-RECORDS-TOKEN");
            fs.symlinkSync(token, path.join(e2e, "aws", "destroy.done"));
            const run = stepRun(step, { E2E_DIR: e2e, GATE_STATUSES: "aws=Failed", WAIT_SECONDS: "5" });
            const r = spawnSync("bash", [run.file], { env: run.env, encoding: "utf8", timeout: 30_000 });
            assert.equal(r.status, 0, r.stderr);
            assert.match(
                r.stdout,
                /destroy of gate aws ended \(its destroy.done is not a regular file inside the workspace/,
            );
            assert.ok(!r.stdout.includes("RECORDS-TOKEN") && !r.stderr.includes("RECORDS-TOKEN"), r.stdout);
        });

        it("closes the record anyway when a destroy outlives the wait, naming the gate", () => {
            const step = (finalize.spec.steps as Json[]).find((s) => s.name === "await-destroys")!;
            const run = stepRun(step, {
                E2E_DIR: path.join(tmp, "e2e"),
                GATE_STATUSES: "aws=Failed",
                WAIT_SECONDS: "1",
                POLL_SECONDS: "1",
            });
            const r = spawnSync("bash", [run.file], { env: run.env, encoding: "utf8", timeout: 30_000 });
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stderr, /gate\(s\) aws had not ended after 1s/);
        });
    });
});
