import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import type { Plan, PlanResource } from "../../src/synth/render";
import { compare, expectedDefaultProviders, skipWorkloadAwait } from "./engine";

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
