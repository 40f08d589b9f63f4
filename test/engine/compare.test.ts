import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import type { Plan, PlanResource } from "../../src/synth/render";
import { compare, comparePolicy, expectedDefaultProviders, skipWorkloadAwait } from "./engine";

/** The checks `npm run test:engine` applies to what the real engine did, on hand-made plans. */
describe("test:engine's comparison of engine URNs with the synth plan", () => {
    const res = (type: string, name: string, parent = "", provider = ""): PlanResource => ({
        urn: `urn:pulumi:ci::okd-ci::${type}::${name}`,
        type,
        name,
        parent,
        provider,
        dependencies: [],
        protect: false,
        retainOnDelete: false,
        inputs: {},
    });
    const stack = res("pulumi:pulumi:Stack", "okd-ci-ci");
    const k8s = res("pulumi:providers:kubernetes", "k8s", stack.urn);
    const file = res("kubernetes:yaml/v2:ConfigFile", "release", stack.urn, k8s.urn);
    const plan: Plan = { project: "okd-ci", stack: "ci", resources: [stack, k8s, file], outputs: {} };
    const child = "urn:pulumi:ci::okd-ci::kubernetes:yaml/v2:ConfigFile$kubernetes:core/v1:Namespace::release:ns";
    const builtin = "urn:pulumi:ci::okd-ci::pulumi:providers:pulumi::default";

    it("expects the builtin provider a remote component with an explicit provider makes the engine create", () => {
        assert.deepEqual(expectedDefaultProviders(plan), [builtin]);
    });

    it("passes when the engine has the plan, the default providers and remote children only", () => {
        const r = compare(plan, [stack.urn, k8s.urn, file.urn, builtin, child]);
        assert.deepEqual(r.failures, []);
        assert.equal(r.remote, 1);
    });

    it("names a plan URN the engine does not have and an engine URN the plan does not explain", () => {
        const mockStyle = "urn:pulumi:ci::okd-ci::pulumi:pulumi:Stack$kubernetes:yaml/v2:ConfigFile::release";
        const r = compare(plan, [stack.urn, k8s.urn, mockStyle, builtin, child]);
        assert.ok(r.failures.includes(`plan URN not in the engine's ${file.urn}`), r.failures.join("\n"));
        assert.ok(r.failures.includes(`engine URN not in the plan ${mockStyle}`), r.failures.join("\n"));
    });

    it("adds pulumi.com/skipAwait to workload kinds in up, and leaves other kinds alone", async () => {
        const out = await skipWorkloadAwait({
            type: "kubernetes:apps/v1:Deployment",
            name: "d",
            custom: true,
            props: { metadata: { name: "d", annotations: { a: "b" } } },
            opts: {},
        });
        const metadata = await new Promise((resolve) => pulumi.output(out?.props.metadata).apply(resolve));
        assert.deepEqual(metadata, { name: "d", annotations: { a: "b", "pulumi.com/skipAwait": "true" } });
        const other = await skipWorkloadAwait({
            type: "kubernetes:core/v1:ConfigMap",
            name: "c",
            custom: true,
            props: {},
            opts: {},
        });
        assert.equal(other, undefined);
    });
});

describe("test:engine's comparison of the analyzer's policy violations with the offline policy run", () => {
    // A Task whose step image is a documented tag-only default: policy step-images-tag-only (advisory) names it, offline
    // and in the engine.
    const task: PlanResource = {
        urn: "urn:pulumi:ci::okd-ci::okd-ci:pipelines:OkdPipelines$kubernetes:tekton.dev/v1:Task::t",
        type: "kubernetes:tekton.dev/v1:Task",
        name: "t",
        parent: "",
        provider: "",
        dependencies: [],
        protect: false,
        retainOnDelete: false,
        inputs: {
            apiVersion: "tekton.dev/v1",
            kind: "Task",
            metadata: { name: "okd-t", namespace: "okd-builds" },
            spec: { steps: [{ name: "build", image: "quay.io/buildah/stable:v1.44.0", script: "true" }] },
        },
    };
    const plan: Plan = { project: "okd-ci", stack: "ci", resources: [task], outputs: {} };
    // As the CLI's analyzer reports it: the policy's description, then the message.
    const advisory = {
        urn: task.urn,
        policy: "step-images-tag-only",
        level: "advisory",
        message:
            "Names each Tekton step that still runs a documented tag-only default image.\nTask okd-t step build runs quay.io/buildah/stable:v1.44.0, not pinned by digest\n",
    };

    it("passes an advisory violation the offline run reports too (what the pack reports on purpose)", () => {
        assert.deepEqual(comparePolicy(plan, [advisory]), []);
    });

    it("fails a violation only the analyzer reports, and one only the offline run reports", () => {
        const extra = { ...advisory, urn: "urn:pulumi:ci::okd-ci::kubernetes:core/v1:Namespace::n" };
        const onlyEngine = comparePolicy(plan, [advisory, extra]);
        assert.equal(onlyEngine.length, 1, onlyEngine.join("\n"));
        assert.match(
            onlyEngine[0],
            /^policy violation the offline policy run does not report: \[advisory\] step-images-tag-only on urn:pulumi:ci::okd-ci::kubernetes:core\/v1:Namespace::n/,
        );
        const onlyOffline = comparePolicy(plan, []);
        assert.equal(onlyOffline.length, 1, onlyOffline.join("\n"));
        assert.match(
            onlyOffline[0],
            /^policy violation the offline policy run reports and the analyzer does not: \[advisory\] step-images-tag-only/,
        );
    });

    it("fails every mandatory violation, even one the offline run reports", () => {
        const failures = comparePolicy(plan, [{ ...advisory, level: "mandatory" }]);
        assert.ok(
            failures.some((f) => f.startsWith("policy violation: [mandatory] step-images-tag-only")),
            failures.join("\n"),
        );
    });
});
