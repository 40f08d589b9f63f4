import * as assert from "node:assert/strict";

import type {
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

import { toPolicy } from "../../policy/crossguard";
import { buildNamespacePodSecurity, releaseStorageProtected, rules } from "../../policy/rules";
import { t } from "../../policy/types";

/** What CrossGuard hands a resource policy, as pulumi-policy's own tests build it. */
function resourceArgs(type: string, props: Record<string, unknown>, protect = false): ResourceValidationArgs {
    return {
        type,
        props,
        urn: `urn:pulumi:s::p::${type}::r`,
        name: "r",
        opts: {
            protect,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: () => {
            throw new Error("not applicable");
        },
    };
}

function stackResource(type: string, name: string, props: Record<string, unknown>, protect: boolean): PolicyResource {
    const args = resourceArgs(type, props, protect);
    return {
        ...args,
        urn: `urn:pulumi:s::p::${type}::${name}`,
        name,
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    };
}

describe("CrossGuard adapter", () => {
    it("gives every rule a CrossGuard policy with its name, level and remediation", () => {
        const policies = rules.map(toPolicy);
        assert.deepEqual(
            policies.map((p) => p.name),
            rules.map((r) => r.name),
        );
        assert.equal(new Set(policies.map((p) => p.name)).size, policies.length, "policy names are unique");
        for (const [i, p] of policies.entries()) {
            assert.equal(p.enforcementLevel, rules[i].enforcementLevel);
            assert.equal(p.remediationSteps, rules[i].remediation);
        }
    });

    it("runs a resource rule on the matching type only", async () => {
        const policy = toPolicy(buildNamespacePodSecurity) as ResourceValidationPolicy;
        const reported: string[] = [];
        const validate = policy.validateResource as (a: ResourceValidationArgs, r: (m: string) => void) => void;
        validate(resourceArgs(t.k8s.namespace, { metadata: { name: "okd-builds", labels: {} } }), (m) =>
            reported.push(m),
        );
        validate(resourceArgs(t.k8s.clusterRole, { metadata: { name: "okd-builds", labels: {} } }), (m) =>
            reported.push(m),
        );
        assert.deepEqual(reported, ["namespace okd-builds has no pod-security.kubernetes.io/enforce label"]);
    });

    it("reads protection from opts.protect in a stack policy", () => {
        const policy = toPolicy(releaseStorageProtected) as StackValidationPolicy;
        const reported: [string, string | undefined][] = [];
        const args: StackValidationArgs = {
            resources: [stackResource(t.aws.bucket, "kept", {}, true), stackResource(t.aws.bucket, "lost", {}, false)],
            stackTags: new Map(),
            getConfig: <T extends object>() => ({}) as T,
            notApplicable: () => {
                throw new Error("not applicable");
            },
        };
        policy.validateStack(args, (m, urn) => reported.push([m, urn]));
        assert.deepEqual(reported, [
            [
                "aws:s3/bucket:Bucket lost holds releases but is not protected",
                "urn:pulumi:s::p::aws:s3/bucket:Bucket::lost",
            ],
        ]);
    });
});
