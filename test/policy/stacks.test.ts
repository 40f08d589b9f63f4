/**
 * The policy pack over every stack of the repository, as CI runs it: each `Pulumi.<stack>.yaml` is synthesized in its
 * own process and the whole pack applied to its plan. A new stack file is covered without touching this test.
 */
import * as assert from "node:assert/strict";

import { formatRun, mandatoryViolations, runPolicies } from "../../policy/plan";
import { t } from "../../policy/types";
import type { Plan } from "../../src/synth/render";
import { listStacks } from "../../src/synth/stackfile";
import { root, synthInProcess } from "../synth/run";

const stacks = listStacks(root);
const releaseStorage = [
    t.aws.bucket,
    t.gcp.bucket,
    t.azure.storageAccount,
    t.azure.registry,
    t.aws.ecrRepository,
    t.gcp.arRepository,
];

describe("policy pack on every stack", () => {
    const plans = new Map<string, Plan>();
    before(async function () {
        this.timeout(120_000);
        const results = await Promise.all(stacks.map(async (s) => [s, (await synthInProcess(s)).plan] as const));
        for (const [s, plan] of results) plans.set(s, plan);
    });

    it("finds the stacks from the Pulumi.<stack>.yaml files", () => {
        assert.ok(stacks.includes("ci"), stacks.join(", "));
    });

    for (const stack of stacks) {
        describe(`stack ${stack}`, () => {
            it("passes every mandatory policy", () => {
                const run = runPolicies(plans.get(stack)!);
                assert.deepEqual(mandatoryViolations(run), [], formatRun(run));
            });

            it("fails the pack when a storage resource that holds releases is unprotected", () => {
                const plan = structuredClone(plans.get(stack)!);
                const target = plan.resources.find(
                    (r) => releaseStorage.includes(r.type as (typeof releaseStorage)[number]) && r.protect,
                );
                if (target === undefined) {
                    // Only the local site (the preview environment, which never promotes) has no cloud storage.
                    assert.ok(
                        plan.resources.some((r) => r.type === "okd-ci:local:Site"),
                        `${stack} has no protected release storage`,
                    );
                    assert.ok(!plan.resources.some((r) => /^(aws|gcp|azure-native):/.test(r.type)));
                    return;
                }
                target.protect = false;
                const violations = mandatoryViolations(runPolicies(plan)).filter((v) => v.urn === target.urn);
                assert.deepEqual(
                    violations.map((v) => v.policy),
                    ["release-storage-protected"],
                );
            });
        });
    }

    it("fails the pack when a synthesized namespace is turned into a privileged build namespace", () => {
        const plan = structuredClone(plans.get("ci")!);
        const ns = plan.resources.find((r) => r.type === t.k8s.namespace)!;
        const metadata = (ns.inputs as { metadata: { name: string; labels: Record<string, string> } }).metadata;
        metadata.name = "okd-builds";
        metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged";
        const run = runPolicies(plan);
        assert.deepEqual(
            mandatoryViolations(run).map((v) => [v.policy, v.urn, v.message]),
            [
                [
                    "build-namespace-pod-security",
                    ns.urn,
                    'namespace okd-builds enforces "privileged" without a okd-ci/privileged-justification annotation',
                ],
            ],
        );
    });

    it("fails the pack when a public S3 bucket is added to a synthesized plan", () => {
        const plan = structuredClone(plans.get("ci")!);
        const urn = "urn:pulumi:ci::okd-ci::aws:s3/bucket:Bucket::leak";
        plan.resources.push({
            urn,
            type: t.aws.bucket,
            name: "leak",
            parent: "",
            provider: "",
            dependencies: [],
            protect: true,
            retainOnDelete: true,
            inputs: { bucket: "leak", acl: "public-read" },
        });
        const failed = new Set(
            mandatoryViolations(runPolicies(plan))
                .filter((v) => v.urn === urn)
                .map((v) => v.policy),
        );
        assert.deepEqual([...failed].sort(), ["artifact-storage-encrypted-and-versioned", "no-public-storage"]);
    });
});
