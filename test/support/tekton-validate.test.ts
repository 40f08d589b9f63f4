import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import * as YAML from "yaml";

import { tektonVersions } from "../../components/tekton/versions";
import { listStacks } from "../../src/synth/stackfile";
import { root } from "../synth/run";
import { type ValidateResult, tektonValidate, validateStack } from "./tekton-validate";

const stream = (...objects: unknown[]) => objects.map((o) => YAML.stringify(o)).join("---\n");

const task = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: "tekton.dev/v1",
    kind: "Task",
    metadata: { name, namespace: "ns" },
    spec: {
        params: [{ name: "message", type: "string" }],
        steps: [{ name: "say", image: "registry.example/tool:1.0", script: "#!/bin/sh\necho hi", ...extra }],
    },
});

const pipeline = (tasks: unknown[]) => ({
    apiVersion: "tekton.dev/v1",
    kind: "Pipeline",
    metadata: { name: "p", namespace: "ns" },
    spec: { params: [{ name: "message", type: "string" }], tasks },
});

const run = (params: unknown[] = [{ name: "message", value: "hello" }]) => ({
    apiVersion: "tekton.dev/v1",
    kind: "PipelineRun",
    metadata: { name: "p-run", namespace: "ns" },
    spec: { pipelineRef: { name: "p" }, params },
});

const good = {
    name: "say",
    taskRef: { name: "say" },
    params: [{ name: "message", value: "$(params.message)" }],
};

describe("tekton-validate (Tekton v1.15 / Triggers v0.37 validation of rendered objects)", () => {
    it("passes a valid Task, Pipeline and PipelineRun and builds the run's pod", () => {
        const r = tektonValidate([], stream(task("say"), pipeline([good]), run()));
        assert.deepEqual(r.problems, []);
        assert.equal(r.status, 0, r.summary);
        assert.deepEqual(
            r.pods.map((p) => p.task),
            ["say"],
        );
    });

    it("rejects a Pipeline whose task runs after a task that does not exist (the webhook's check)", () => {
        const broken = pipeline([{ ...good, runAfter: ["nowhere"] }]);
        const r = tektonValidate([], stream(task("say"), broken));
        assert.equal(r.status, 1);
        assert.ok(
            r.problems.some((p) => /Pipeline\/p: spec\.tasks: .*depends on nowhere but nowhere wasn't present/.test(p)),
            r.problems.join("\n"),
        );
    });

    it("rejects a Pipeline that uses a param it does not declare", () => {
        const broken = pipeline([{ ...good, params: [{ name: "message", value: "$(params.missing)" }] }]);
        const r = tektonValidate([], stream(task("say"), broken));
        assert.equal(r.status, 1);
        assert.ok(
            r.problems.some((p) => p.includes("Pipeline/p") && p.includes("params.missing")),
            r.problems.join("\n"),
        );
    });

    it("reports an unknown field, which the webhooks refuse", () => {
        const r = tektonValidate([], stream(task("say", { computeResource: { requests: { memory: "1Gi" } } })));
        assert.equal(r.status, 1);
        assert.ok(
            r.problems.some(
                (p) => p.includes("Task/say") && p.includes('unknown field "spec.steps[0].computeResource"'),
            ),
            r.problems.join("\n"),
        );
    });

    it("fails a PipelineRun that leaves out a required param, as the reconciler does", () => {
        const r = tektonValidate([], stream(task("say"), pipeline([good]), run([])));
        assert.equal(r.status, 1);
        assert.ok(
            r.problems.some((p) => p.includes("PipelineRun/p-run") && p.includes("ParameterMissing")),
            r.problems.join("\n"),
        );
    });

    it("fails a pipeline task that names a Task that does not exist", () => {
        const r = tektonValidate([], stream(pipeline([{ ...good, taskRef: { name: "absent" } }]), run()));
        assert.equal(r.status, 1);
        assert.ok(
            r.problems.some((p) => p.includes("PipelineRun/p-run") && /absent/.test(p)),
            r.problems.join("\n"),
        );
    });

    it("fails taskRunSpecs that name no pipeline task", () => {
        const withSpecs = { ...run(), spec: { ...run().spec, taskRunSpecs: [{ pipelineTaskName: "typo" }] } };
        const r = tektonValidate([], stream(task("say"), pipeline([good]), withSpecs));
        assert.ok(
            r.problems.some((p) => p.includes("InvalidTaskRunSpecs") && p.includes("typo")),
            r.problems.join("\n"),
        );
    });

    it("validates the PipelineRuns inside a TriggerTemplate, after Triggers' param substitution", () => {
        const template = {
            apiVersion: "triggers.tekton.dev/v1beta1",
            kind: "TriggerTemplate",
            metadata: { name: "tt", namespace: "ns" },
            spec: {
                params: [{ name: "message", default: "hi" }],
                resourcetemplates: [
                    {
                        apiVersion: "tekton.dev/v1",
                        kind: "PipelineRun",
                        metadata: { generateName: "p-" },
                        spec: {
                            pipelineRef: { name: "p" },
                            params: [{ name: "message", value: "$(tt.params.message)" }],
                            timeouts: { pipeline: "1h", tasks: "2h" },
                        },
                    },
                ],
            },
        };
        const r = tektonValidate([], stream(task("say"), pipeline([good]), template));
        assert.equal(r.status, 1);
        assert.ok(
            r.problems.some((p) => p.includes("TriggerTemplate/tt: spec.resourcetemplates[0].spec.timeouts")),
            r.problems.join("\n"),
        );
    });

    describe("EventListeners", () => {
        const listener = (interceptor: Record<string, unknown>) => ({
            apiVersion: "triggers.tekton.dev/v1beta1",
            kind: "EventListener",
            metadata: { name: "el", namespace: "ns" },
            spec: {
                serviceAccountName: "sa",
                triggers: [
                    {
                        name: "t",
                        bindings: [{ ref: "b" }],
                        template: { ref: "tt" },
                        interceptors: [interceptor],
                    },
                ],
            },
        });
        const binding = {
            apiVersion: "triggers.tekton.dev/v1beta1",
            kind: "TriggerBinding",
            metadata: { name: "b", namespace: "ns" },
            spec: { params: [{ name: "message", value: "$(body.message)" }] },
        };
        const template = {
            apiVersion: "triggers.tekton.dev/v1beta1",
            kind: "TriggerTemplate",
            metadata: { name: "tt", namespace: "ns" },
            spec: {
                params: [{ name: "message" }],
                resourcetemplates: [
                    {
                        apiVersion: "tekton.dev/v1",
                        kind: "PipelineRun",
                        metadata: { generateName: "p-" },
                        spec: {
                            pipelineRef: { name: "p" },
                            params: [{ name: "message", value: "$(tt.params.message)" }],
                        },
                    },
                ],
            },
        };
        const rest = [binding, template, task("say"), pipeline([good])];
        const cel = (filter: string) => ({
            ref: { name: "cel", kind: "ClusterInterceptor" },
            params: [{ name: "filter", value: filter }],
        });

        it("passes a listener whose bindings, template and CEL filter resolve", () => {
            const r = tektonValidate([], stream(listener(cel("body.ref == 'refs/heads/main'")), ...rest));
            assert.deepEqual(r.problems, []);
        });

        it("reports a CEL filter that does not compile, with Triggers' own CEL interceptor", () => {
            const r = tektonValidate([], stream(listener(cel("body.ref == ")), ...rest));
            assert.ok(
                r.problems.some(
                    (p) => p.includes("interceptors[0].params") && p.includes("failed to parse expression"),
                ),
                r.problems.join("\n"),
            );
        });

        it("reports an interceptor that no ClusterInterceptor provides, and a missing binding", () => {
            const r = tektonValidate([], stream(listener({ ref: { name: "githup" } }), ...rest.slice(1)));
            assert.ok(
                r.problems.some((p) => p.includes('ClusterInterceptor "githup"')),
                r.problems.join("\n"),
            );
            assert.ok(r.problems.some((p) => p.includes("TriggerBinding ns/b is not among the objects")));
        });
    });

    it("applies the feature flags of the rendered ConfigMap: an alpha field fails under enable-api-fields=beta", () => {
        const flags = (level: string) => ({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "feature-flags", namespace: "tekton-pipelines" },
            data: { "enable-api-fields": level },
        });
        // A step's stdoutConfig is alpha in v1.15 (pkg/apis/pipeline/v1/container_validation.go).
        const alpha = task("say", { stdoutConfig: { path: "/tekton/home/out" } });
        const beta = tektonValidate([], stream(flags("beta"), alpha));
        assert.equal(beta.status, 1, beta.summary);
        assert.match(beta.summary, /feature-flags from <stdin> \(enable-api-fields=beta\)/);
        const allowed = tektonValidate([], stream(flags("alpha"), alpha));
        assert.deepEqual(allowed.problems, []);
    });

    it("builds with the Tekton releases the site installs", () => {
        const goMod = fs.readFileSync(path.join(root, "test", "tools", "go", "tekton-validate", "go.mod"), "utf8");
        assert.match(
            goMod,
            new RegExp(`github\\.com/tektoncd/pipeline ${tektonVersions.pipeline.replace(/\./g, "\\.")}\\b`),
        );
        assert.match(
            goMod,
            new RegExp(`github\\.com/tektoncd/triggers ${tektonVersions.triggers.replace(/\./g, "\\.")}\\b`),
        );
    });

    describe("every object of every stack", () => {
        for (const stack of listStacks(root)) {
            describe(`stack ${stack}`, () => {
                let result: ValidateResult;
                before(async function () {
                    this.timeout(180_000);
                    result = await validateStack(stack);
                });

                it("passes Tekton's and Triggers' webhooks, the run reconcilers' checks and pod admission", () => {
                    assert.deepEqual(result.problems, []);
                    assert.equal(result.status, 0, result.summary);
                });

                it("is checked under the feature flags and defaults the stack deploys", () => {
                    assert.match(
                        result.summary,
                        /feature-flags from \S+configmap_tekton-pipelines_feature-flags\.yaml/,
                    );
                    assert.match(
                        result.summary,
                        /config-defaults from \S+configmap_tekton-pipelines_config-defaults\.yaml/,
                    );
                });

                it("builds a pod for every Task, through the PipelineRuns the triggers start", () => {
                    const { manifests } = readManifestsSummary(result);
                    assert.ok(manifests.tasks > 0);
                    assert.equal(new Set(result.pods.map((p) => p.task)).size, manifests.tasks, result.summary);
                    assert.ok(
                        result.pods.every((p) => !p.label.startsWith("standalone")),
                        "every Task is run by some PipelineRun of the stack",
                    );
                });
            });
        }
    });
});

function readManifestsSummary(result: ValidateResult): { manifests: { tasks: number } } {
    const m = /(\d+) Task[,)]/.exec(result.summary);
    return { manifests: { tasks: m ? Number(m[1]) : 0 } };
}
