/**
 * policy/crossguard.ts's adapters: what a rule sees of the resource CrossGuard validates. A resource policy sees no
 * dependencies; a stack policy sees each resource's dependencies and property dependencies, as URNs, once each.
 */
import * as assert from "node:assert/strict";

import type { PolicyResource, ResourceValidationArgs } from "@pulumi/policy";

import { fromPolicyResource, fromValidationArgs } from "../../policy/crossguard";

const urn = (name: string) => `urn:pulumi:s::p::aws:iam/role:Role::${name}`;

describe("CrossGuard adapters", () => {
    it("gives a resource policy the inputs and protect, and no dependencies", () => {
        const args = {
            type: "aws:iam/role:Role",
            urn: urn("r"),
            name: "r",
            props: { name: "okd" },
            opts: { protect: true },
        } as unknown as ResourceValidationArgs;
        assert.deepEqual(fromValidationArgs(args), {
            type: "aws:iam/role:Role",
            urn: urn("r"),
            name: "r",
            props: { name: "okd" },
            protect: true,
            dependencies: [],
        });
    });

    it("gives a stack policy each dependency once, from dependsOn and from the properties", () => {
        const dep = (name: string) => ({ urn: urn(name) }) as unknown as PolicyResource;
        const r = {
            type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            urn: urn("a"),
            name: "a",
            props: { role: "okd" },
            opts: { protect: false },
            dependencies: [dep("x")],
            propertyDependencies: { role: [dep("y"), dep("x")], policyArn: [dep("z")] },
        } as unknown as PolicyResource;
        assert.deepEqual(fromPolicyResource(r), {
            type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            urn: urn("a"),
            name: "a",
            props: { role: "okd" },
            protect: false,
            dependencies: [urn("x"), urn("y"), urn("z")],
        });
    });
});
