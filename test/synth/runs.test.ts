/**
 * Hand-run PipelineRuns (`out/<stack>/runs/<pipeline>.yaml`) come from the same TriggerTemplates the schedules and
 * webhooks use: one per Pipeline a trigger starts, the same spec, every privileged task on the build pool.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as YAML from "yaml";

import { handRuns } from "../../src/synth/runs";
import { listStacks, readStackConfig } from "../../src/synth/stackfile";
import { root, synthCli, synthInProcess } from "./run";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML
type Doc = Record<string, any>;

describe("hand-run PipelineRuns", () => {
    for (const stack of listStacks(root)) {
        describe(`stack ${stack}`, () => {
            let runs: Doc[];
            let manifests: Map<string, Doc>;
            before(async () => {
                const out = await synthInProcess(stack);
                runs = handRuns(out.plan).map((f) => YAML.parse(f.content) as Doc);
                manifests = new Map(out.manifests.map((m) => [m.file, YAML.parse(m.content) as Doc]));
            });

            it("writes one PipelineRun per TriggerTemplate, with the trigger's spec, in the namespace it names", () => {
                // Push records (ConfigMaps, the throttle's) start no Pipeline.
                const templates = [...manifests.values()].filter(
                    (m) => m.kind === "TriggerTemplate" && m.spec.resourcetemplates[0].kind === "PipelineRun",
                );
                assert.ok(templates.length > 0);
                assert.equal(runs.length, templates.length);
                for (const tt of templates) {
                    const fromTrigger = tt.spec.resourcetemplates[0];
                    const run = runs.find((r) => r.spec.pipelineRef.name === fromTrigger.spec.pipelineRef.name);
                    assert.ok(run, `a run for ${fromTrigger.spec.pipelineRef.name}`);
                    // The template's params at their defaults (the nightly's revisions: none, every branch head).
                    const defaults = new Map<string, string>(
                        (tt.spec.params ?? []).map((p: Doc) => [p.name as string, p.default as string]),
                    );
                    const filled = JSON.parse(
                        JSON.stringify(fromTrigger.spec).replace(
                            /\$\(tt\.params\.([\w-]+)\)/g,
                            (_: string, n: string) => defaults.get(n) ?? `unfilled ${n}`,
                        ),
                    );
                    assert.deepEqual(run.spec, filled);
                    assert.equal(run.metadata.namespace, fromTrigger.metadata.namespace ?? tt.metadata.namespace);
                    assert.equal(run.metadata.generateName, fromTrigger.metadata.generateName);
                    assert.ok(!JSON.stringify(run).includes("$(tt.params."), "every template param is filled");
                }
            });

            it("puts every build batch, the machine-os build and the tools image (a build: no identity) on the build pool, and no release task", () => {
                // The local site has no dedicated pool: its placement is empty, and so must the run's be.
                const local = readStackConfig(root, stack).config["okd-ci:platform"] === "local";
                for (const run of runs.filter((r) => r.metadata.namespace === "okd-release")) {
                    // A release builds nothing: its tools image is resolved, and no task asks for the build pool.
                    for (const spec of run.spec.taskRunSpecs as Doc[]) assert.equal(spec.podTemplate, undefined);
                }
                for (const run of runs.filter((r) => r.metadata.namespace === "okd-builds")) {
                    const pipeline = manifests.get(`pipeline_okd-builds_${run.spec.pipelineRef.name}.yaml`);
                    assert.ok(pipeline, run.spec.pipelineRef.name);
                    const privileged = (pipeline.spec.tasks as { name: string }[])
                        .map((t) => t.name)
                        .filter((n) => /^(build-components-\d+|machine-os)$/.test(n));
                    assert.ok(privileged.some((n) => n.startsWith("build-components-")));
                    // The tools image is built as a build: its RUN steps share the pod's network, so no identity.
                    const tools = (run.spec.taskRunSpecs as Doc[]).find((s) => s.pipelineTaskName === "tools-image");
                    assert.equal(tools?.serviceAccountName, undefined);
                    assert.equal(tools?.metadata, undefined);
                    for (const task of [...privileged, "tools-image"]) {
                        const spec = (run.spec.taskRunSpecs as Doc[]).find((s) => s.pipelineTaskName === task);
                        assert.deepEqual(
                            spec?.podTemplate?.nodeSelector,
                            local ? {} : { "okd-ci/pool": "builds" },
                            `${run.spec.pipelineRef.name}: ${task} is not placed on the build pool`,
                        );
                    }
                }
            });

            it("runs every task that executes the payload's own code (installers, tests) as the e2e ServiceAccount", () => {
                // The installer and openshift-tests come from the payload under test (or an earlier release): such a
                // task must never run as the run's default ServiceAccount, which holds the pipeline's identity.
                for (const run of runs) {
                    const pipeline = manifests.get(
                        `pipeline_${run.metadata.namespace}_${run.spec.pipelineRef.name}.yaml`,
                    );
                    assert.ok(pipeline, run.spec.pipelineRef.name);
                    const payloadCode = [...(pipeline.spec.tasks as Doc[]), ...((pipeline.spec.finally ?? []) as Doc[])]
                        .map((t) => t.name as string)
                        .filter((n) => /^(prepare-|e2e-(?!pull-secret)|destroy-)/.test(n));
                    for (const task of payloadCode) {
                        const spec = (run.spec.taskRunSpecs as Doc[]).find((s) => s.pipelineTaskName === task);
                        assert.equal(spec?.serviceAccountName, "okd-e2e", `${run.spec.pipelineRef.name}: ${task}`);
                    }
                }
            });
        });
    }

    it("are written by npm run synth to out/<stack>/runs/<pipeline>.yaml", async () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-runs-"));
        try {
            const r = await synthCli(["--stack", "aws", "--out", tmp]);
            assert.equal(r.code, 0, r.stderr);
            assert.deepEqual(fs.readdirSync(path.join(tmp, "aws", "runs")).sort(), [
                "okd-nightly-4-15.yaml",
                "okd-nightly-4-16.yaml",
                "okd-nightly-4-22.yaml",
                "okd-release-4-15.yaml",
            ]);
            const text = fs.readFileSync(path.join(tmp, "aws", "runs", "okd-nightly-4-15.yaml"), "utf8");
            assert.match(
                text,
                /^# Starts Pipeline okd-nightly-4-15 by hand, exactly as TriggerTemplate okd-release\/okd-nightly-4-15 does/,
            );
            assert.equal((YAML.parse(text) as Doc).metadata.namespace, "okd-builds", "where Triggers creates it");
            assert.equal((YAML.parse(text) as Doc).kind, "PipelineRun");
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});
