import * as assert from "node:assert/strict";

import type {
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

import { toPolicy } from "../../policy/crossguard";
import {
    buildNamespacePodSecurity,
    buildPodsHoldNoIdentity,
    buildPodsNoInstanceMetadata,
    mirrorCredentialsPromoteOnly,
    releaseStorageProtected,
    rules,
} from "../../policy/rules";
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
        // Pinned here, not read back from the rules: a rule renamed (its policy-pack config key), demoted to advisory
        // (no longer blocking `pulumi preview`) or dropped from the pack fails this test.
        const expected: Record<string, "mandatory" | "advisory"> = {
            "no-public-storage": "mandatory",
            "artifact-storage-encrypted-and-versioned": "mandatory",
            "registry-scans-images": "mandatory",
            "gcp-container-scanning-api-enabled": "advisory",
            "iam-least-privilege": "mandatory",
            "gate-installer-guarded": "mandatory",
            "e2e-service-account-pull-only": "mandatory",
            "rbac-least-privilege": "mandatory",
            "build-pool-spot-scales-to-zero": "mandatory",
            "build-pool-labelled": "mandatory",
            "node-labels-allowed": "mandatory",
            "release-storage-protected": "mandatory",
            "azure-release-storage-locked": "mandatory",
            "build-namespace-pod-security": "mandatory",
            "network-policy-enforced": "mandatory",
            "build-pods-no-instance-metadata": "mandatory",
            "eks-node-metadata-restricted": "mandatory",
            "gke-node-identity": "mandatory",
            "gke-private-nodes": "mandatory",
            "pod-identity-trust-scoped": "mandatory",
            "privileged-builds-isolated": "mandatory",
            "step-images-pinned": "mandatory",
            "step-images-tag-only": "advisory",
            "build-pods-hold-no-identity": "mandatory",
            "promoted-writers": "mandatory",
            "build-push-scoped": "mandatory",
            "mirror-credentials-promote-only": "mandatory",
            "chains-signs-with-kms": "mandatory",
            "listener-least-privilege": "mandatory",
            "listener-runs-admitted": "mandatory",
            "core-interceptors-callers": "mandatory",
        };
        const policies = rules.map(toPolicy);
        assert.deepEqual(Object.fromEntries(policies.map((p) => [p.name, p.enforcementLevel])), expected);
        assert.equal(policies.length, Object.keys(expected).length, "policy names are unique");
        for (const [i, p] of policies.entries()) {
            // A remediation is a sentence telling the author what to change, and it is the rule's own.
            assert.equal(p.remediationSteps, rules[i].remediation, p.name);
            assert.match(p.remediationSteps ?? "", /^\S.{20,}[.)`]$/s, `${p.name}: remediation`);
            assert.equal(p.description, rules[i].description, p.name);
            assert.ok((p.description ?? "").length > 20, `${p.name}: description`);
            assert.equal(
                "validateStack" in p ? "stack" : "validateResource" in p ? "resource" : "none",
                rules[i].kind,
                p.name,
            );
        }
        assert.match(
            toPolicy(buildNamespacePodSecurity).remediationSteps ?? "",
            /pod-security\.kubernetes\.io\/enforce: restricted/,
        );
    });

    it("lists in a description the names its rule judges, each as a user writes it", () => {
        // What a CrossGuard user reads to know which ServiceAccounts, addresses and Tasks a rule is about.
        assert.match(
            buildPodsHoldNoIdentity.description,
            / \(okd-release\/okd-registry-token, okd-builds\/okd-records, okd-release\/okd-promote, tekton-chains\/tekton-chains-controller, okd-builds\/okd-e2e\), /,
        );
        assert.match(
            buildPodsNoInstanceMetadata.description,
            / \(169\.254\.169\.254, fd00:ec2::254, 168\.63\.129\.16\), /,
        );
        assert.match(
            mirrorCredentialsPromoteOnly.description,
            / \(okd-promote-release, okd-publish-signatures\) mount them\.$/,
        );
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
