/**
 * The builders of the admission policies (components/tekton/admission.ts): what each one renders, value by value.
 * What the rendered CEL decides is admission-policy.test.ts, with kube-apiserver's own code.
 */
import * as assert from "node:assert/strict";

import * as k8s from "@pulumi/kubernetes";

import type { AdmittedSpec } from "../../../components/tekton/admission";
import {
    ListenerAdmission,
    admittedRuns,
    admittedSpec,
    celEquals,
    celString,
    createdSpec,
    defaultedTaskRunTemplate,
    forbiddenLabelKeys,
    listenerRunPolicy,
    listenerRunPolicyName,
    listenerSubject,
    runConditions,
    runPolicy,
} from "../../../components/tekton/admission";
import { find, settled, useMocks } from "../../helpers";
import { policyStreams } from "./admission-fixtures";
import type { Json } from "./fixtures";

const [stream] = policyStreams;
const nightly = stream.nightly;
const release = stream.release as NonNullable<typeof stream.release>;

describe("admission policy builders", () => {
    it("quotes CEL strings, escaping backslashes before quotes, and line breaks", () => {
        assert.equal(celString("okd-ci/pool"), "'okd-ci/pool'");
        assert.equal(celString(String.raw`a'b\c\'`), String.raw`'a\'b\\c\\\''`);
        assert.equal(celString("two\r\nlines\n"), String.raw`'two\r\nlines\n'`);
    });

    it("spells out equality field by field: scalars, list sizes and items, map sizes, keys and values", () => {
        assert.deepEqual(celEquals("v", null), ["v == null"]);
        assert.deepEqual(celEquals("v", undefined), ["v == null"]);
        assert.deepEqual(celEquals("v", "it's"), [String.raw`v == 'it\'s'`]);
        assert.deepEqual(celEquals("v", 65532), ["v == 65532"]);
        assert.deepEqual(celEquals("v", false), ["v == false"]);
        assert.deepEqual(celEquals("v", []), ["size(v) == 0"]);
        assert.deepEqual(celEquals("v", {}), ["size(v) == 0"]);
        assert.deepEqual(celEquals("v", [{ "okd-ci/pool": "build", skipped: undefined }, true]), [
            "size(v) == 2",
            "size(v[0]) == 1",
            "'okd-ci/pool' in v[0]",
            "v[0]['okd-ci/pool'] == 'build'",
            "v[1] == true",
        ]);
    });

    it("refuses to compare a fractional number, naming where it is", () => {
        assert.throws(() => celEquals("object.spec.x[0]", 0.5), {
            message: "object.spec.x[0]: only whole numbers are compared, not 0.5",
        });
    });

    it("admits a stream's nightly, and its release only where it has one", () => {
        const noRelease = { minor: "4.16", nightly: { ...nightly, pipelineName: "okd-nightly-4-16" } };
        assert.deepEqual(admittedRuns([stream, noRelease]), [
            { minor: "4.15", kind: "nightly", template: nightly },
            { minor: "4.15", kind: "release", template: release },
            { minor: "4.16", kind: "nightly", template: noRelease.nightly },
        ]);
    });

    it("holds each run to the spec its TriggerTemplate creates, in its kind's namespace", () => {
        const [n, r] = admittedRuns([stream]);
        assert.deepEqual(createdSpec(r), {
            pipelineRef: { name: "okd-release-4-15" },
            params: [],
            timeouts: { pipeline: "2h", tasks: "1h30m", finally: "30m" },
            taskRunTemplate: { serviceAccountName: "okd-promote" },
        });
        assert.deepEqual(admittedSpec(n), {
            pipelineName: "okd-nightly-4-15",
            namespace: "okd-builds",
            spec: {
                pipelineRef: { name: "okd-nightly-4-15" },
                params: [
                    { name: "stream", value: "4.15" },
                    { name: "revision", value: "$(tt.params.revision)" },
                ],
                timeouts: nightly.timeouts,
                taskRunTemplate: nightly.taskRunTemplate,
                taskRunSpecs: nightly.taskRunSpecs,
                workspaces: nightly.workspaces,
            },
            fixedParams: [{ name: "stream", value: "4.15" }],
            freeParams: ["revision"],
        });
        assert.equal(admittedSpec(r).namespace, "okd-release");
    });

    it("merges Tekton's default pod template field by field, the run's own fields first", () => {
        assert.deepEqual(defaultedTaskRunTemplate({ serviceAccountName: "okd-build" }), {
            serviceAccountName: "okd-build",
            podTemplate: { securityContext: { fsGroup: 65532 } },
        });
        assert.deepEqual(
            defaultedTaskRunTemplate({
                serviceAccountName: "okd-build",
                podTemplate: { securityContext: { runAsUser: 1000 }, nodeSelector: { a: "b" } },
            }),
            {
                serviceAccountName: "okd-build",
                podTemplate: { securityContext: { runAsUser: 1000 }, nodeSelector: { a: "b" } },
            },
        );
    });

    it("forbids the identity label and every label the run's task run specs give pods, sorted once each", () => {
        const [n, r] = admittedRuns([stream]).map(admittedSpec);
        assert.deepEqual(forbiddenLabelKeys(r), ["okd-ci/identity"]);
        assert.deepEqual(forbiddenLabelKeys(n), ["azure.workload.identity/use", "okd-ci/identity"]);
        const unlabelled: AdmittedSpec = { ...n, spec: { ...n.spec, taskRunSpecs: [{ pipelineTaskName: "x" }] } };
        assert.deepEqual(forbiddenLabelKeys(unlabelled), ["okd-ci/identity"]);
    });

    it("bounds no timeout where the run's template sets none", () => {
        const r = admittedSpec(admittedRuns([stream])[1]);
        const untimed: AdmittedSpec = { ...r, spec: { ...r.spec, timeouts: undefined } };
        assert.equal(runConditions(untimed).length, runConditions(r).length - 3);
        assert.ok(!runConditions(untimed).some((c) => c.includes("duration(")));
    });
});

describe("runPolicy", () => {
    const runs = admittedRuns([stream]).map(admittedSpec);
    const args = {
        creator: { namespace: "okd-site", serviceAccount: "okd-reaper" },
        who: "the reaper",
        madeBy: "its own",
        runs: [runs[1], runs[0]],
    };

    it("fails closed on PipelineRun creates and updates, for the one creator's username", () => {
        const spec = runPolicy(args);
        assert.equal(spec.failurePolicy, "Fail");
        assert.deepEqual(spec.matchConstraints, {
            matchPolicy: "Equivalent",
            resourceRules: [
                {
                    apiGroups: ["tekton.dev"],
                    apiVersions: ["v1"],
                    operations: ["CREATE", "UPDATE"],
                    resources: ["pipelineruns"],
                },
            ],
        });
        assert.deepEqual(spec.matchConditions, [
            {
                name: "created-by-okd-reaper",
                expression: "request.userInfo.username == 'system:serviceaccount:okd-site:okd-reaper'",
            },
        ]);
    });

    it("names the creator, its Pipelines and each run in the messages, one validation per Pipeline by name", () => {
        const validations = runPolicy({ ...args, pipelines: "its Pipeline" }).validations as Json[];
        assert.deepEqual(
            validations.map((v: Json) => [v.message ?? null, v.reason]),
            [
                ["the reaper may not run an inline pipelineSpec", "Forbidden"],
                [null, "Forbidden"],
                [
                    "the reaper's okd-nightly-4-15 run must be its own: namespace okd-builds, its ServiceAccounts, " +
                        "pod templates, task run specs, workspaces and params, no identity label or Chains annotation, " +
                        "timeouts within its own",
                    "Forbidden",
                ],
                [
                    "the reaper's okd-release-4-15 run must be its own: namespace okd-release, its ServiceAccounts, " +
                        "pod templates, task run specs, workspaces and params, no identity label or Chains annotation, " +
                        "timeouts within its own",
                    "Forbidden",
                ],
            ],
        );
        assert.equal(validations[0].expression, "!has(object.spec.pipelineSpec)");
        assert.equal(
            validations[1].expression,
            "has(object.spec.pipelineRef) && size(object.spec.pipelineRef) == 1 && has(object.spec.pipelineRef.name) " +
                "&& object.spec.pipelineRef.name in ['okd-nightly-4-15', 'okd-release-4-15']",
        );
        assert.ok(
            validations[1].messageExpression.startsWith(
                "'the reaper may only run its Pipeline by name (no resolver, bundle or params), not ' + ",
            ),
            validations[1].messageExpression,
        );
        assert.equal(
            validations[2].expression,
            "!has(object.spec.pipelineRef) || !has(object.spec.pipelineRef.name) || " +
                `object.spec.pipelineRef.name != 'okd-nightly-4-15' || (${runConditions(runs[0]).join(" && ")})`,
        );
    });

    it("keeps one validation per Pipeline when two runs name it: the last one given", () => {
        const again: AdmittedSpec = { ...runs[0], namespace: "elsewhere" };
        const validations = runPolicy({ ...args, runs: [runs[0], again] }).validations as Json[];
        assert.equal(validations.length, 3);
        assert.match(validations[2].message, /namespace elsewhere,/);
    });

    it("is the listeners' policy for the listeners' ServiceAccount", () => {
        const spec = listenerRunPolicy({ runs: admittedRuns([stream]), listener: listenerSubject("okd-release") });
        assert.deepEqual(listenerSubject("okd-release"), { namespace: "okd-release", serviceAccount: "okd-triggers" });
        assert.deepEqual(
            spec,
            runPolicy({
                creator: { namespace: "okd-release", serviceAccount: "okd-triggers" },
                who: "a listener",
                madeBy: "the one its TriggerTemplate makes",
                runs,
            }),
        );
    });
});

describe("ListenerAdmission", () => {
    useMocks();
    const policyType = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
    const bindingType = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding";

    before(async () => {
        const provider = new k8s.Provider("adm-k8s", { kubeconfig: "fake" });
        const ready = new k8s.core.v1.Namespace("adm-ready", {}, { provider });
        new ListenerAdmission("adm", {
            provider,
            dependsOn: [ready],
            runs: admittedRuns([stream]),
            listener: listenerSubject("okd-release"),
        });
        await settled();
    });

    it("creates the policy under its fixed name, after what it waits for, with the cluster's provider", () => {
        const policy = find(policyType, "adm-policy");
        assert.deepEqual(policy.inputs, {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicy",
            metadata: { name: listenerRunPolicyName },
            spec: listenerRunPolicy({ runs: admittedRuns([stream]), listener: listenerSubject("okd-release") }),
        });
        assert.equal(listenerRunPolicyName, "okd-ci-listener-pipelineruns");
        assert.deepEqual(policy.dependencies, [find("kubernetes:core/v1:Namespace", "adm-ready").urn]);
        assert.match(policy.provider ?? "", /::adm-k8s::/);
    });

    it("binds it to deny, once the policy exists", () => {
        const binding = find(bindingType, "adm-binding");
        assert.deepEqual(binding.inputs, {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicyBinding",
            metadata: { name: "okd-ci-listener-pipelineruns" },
            spec: { policyName: "okd-ci-listener-pipelineruns", validationActions: ["Deny"] },
        });
        assert.deepEqual(binding.dependencies, [find(policyType, "adm-policy").urn]);
        assert.match(binding.provider ?? "", /::adm-k8s::/);
    });
});
