import * as assert from "node:assert/strict";

import type { PlanResource } from "../../../src/synth/render";
import { readStackConfig } from "../../../src/synth/stackfile";
import { secretValue } from "../../helpers";
import { type SynthOutput, root, synthInProcess } from "../../synth/run";

// Plan inputs are untyped JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Inputs = any;

describe("gcp stack synth", () => {
    let out: SynthOutput;
    const of = (type: string): PlanResource[] => out.plan.resources.filter((r) => r.type === type);
    const one = (type: string, name: string): Inputs => {
        const found = out.plan.resources.filter((r) => r.type === type && r.name === name);
        assert.equal(found.length, 1, `${type} ${name}`);
        return found[0].inputs;
    };

    before(async () => {
        out = await synthInProcess("gcp");
    });

    it("plans the GKE cluster with Workload Identity and both node pools", () => {
        const cluster = one("gcp:container/cluster:Cluster", "okd-cluster");
        assert.equal(cluster.workloadIdentityConfig.workloadPool, "okd-ci-example.svc.id.goog");
        assert.equal(cluster.location, "europe-west4-b");
        assert.deepEqual(
            of("gcp:container/nodePool:NodePool")
                .map((r) => r.name)
                .sort(),
            ["okd-builds", "okd-system"],
        );
        const builds = one("gcp:container/nodePool:NodePool", "okd-builds");
        assert.equal(builds.nodeConfig.spot, true);
        assert.equal(builds.autoscaling.totalMinNodeCount, 0);
    });

    it("plans the nightly and builds repositories with cleanup policies and the release repository without", () => {
        const nightly = one("gcp:artifactregistry/repository:Repository", "okd-nightly");
        assert.deepEqual(
            nightly.cleanupPolicies.map((p: Inputs) => [p.id, p.action]),
            [
                ["keep-newest-payloads", "KEEP"],
                ["keep-pipeline-tools", "KEEP"],
                ["delete-old-payloads", "DELETE"],
                ["delete-untagged", "DELETE"],
            ],
        );
        // The builds' own repository (only the build identity writes it) ages its images out.
        const builds = one("gcp:artifactregistry/repository:Repository", "okd-builds");
        assert.deepEqual(
            builds.cleanupPolicies.map((p: Inputs) => [p.id, p.action]),
            [
                ["delete-old-builds", "DELETE"],
                ["delete-untagged", "DELETE"],
            ],
        );
        const releases = out.plan.resources.find((r) => r.name === "okd-releases");
        assert.ok(releases);
        assert.deepEqual((releases.inputs as Inputs).cleanupPolicies ?? [], []);
        assert.equal(releases.protect, true);
    });

    it("plans the private, versioned artifact bucket", () => {
        const bucket = one("gcp:storage/bucket:Bucket", "okd-artifacts");
        assert.equal(bucket.publicAccessPrevention, "enforced");
        assert.equal(bucket.uniformBucketLevelAccess, true);
        assert.equal(bucket.versioning.enabled, true);
    });

    it("plans the Workload Identity bindings of each identity and the e2e pull account, and none for the installer", () => {
        const members = of("gcp:serviceaccount/iAMMember:IAMMember")
            .filter((r) => (r.inputs as Inputs).role === "roles/iam.workloadIdentityUser")
            .map((r) => (r.inputs as Inputs).member)
            .sort();
        assert.deepEqual(members, [
            "serviceAccount:okd-ci-example.svc.id.goog[okd-builds/okd-e2e]",
            "serviceAccount:okd-ci-example.svc.id.goog[okd-builds/okd-records]",
            "serviceAccount:okd-ci-example.svc.id.goog[okd-release/okd-promote]",
            "serviceAccount:okd-ci-example.svc.id.goog[okd-release/okd-registry-token]",
            "serviceAccount:okd-ci-example.svc.id.goog[tekton-chains/tekton-chains-controller]",
        ]);
    });

    it("plans the gate's installer account and the zone of its base domain in the separate gate project", () => {
        const gsa = one("gcp:serviceaccount/account:Account", "okd-e2e-gcp-installer");
        assert.equal(gsa.accountId, "okd-e2e-installer");
        assert.equal(gsa.project, "okd-ci-example-e2e");
        const zone = one("gcp:dns/managedZone:ManagedZone", "okd-e2e-gcp-zone");
        assert.equal(zone.dnsName, "gcp.ci.okd.example.org.");
        assert.equal(zone.project, "okd-ci-example-e2e");
        const grants = of("gcp:projects/iAMMember:IAMMember").filter((r) =>
            String((r.inputs as Inputs).member).includes("okd-e2e-installer@"),
        );
        assert.ok(grants.length > 0);
        assert.ok(grants.every((r) => (r.inputs as Inputs).project === "okd-ci-example-e2e"));
    });

    it("loads @pulumi/gcp and neither the AWS nor the Azure SDK", () => {
        assert.ok(out.packages.includes("@pulumi/gcp"), out.packages.join(", "));
        assert.equal(out.packages.includes("@pulumi/aws"), false);
        assert.equal(out.packages.includes("@pulumi/azure-native"), false);
    });

    describe("secrets", () => {
        const sentinel = "okd-ci-gcp-sentinel-c2VjcmV0";
        let leaky: SynthOutput;
        before(async () => {
            const base = readStackConfig(root, "gcp");
            // Plain-text secrets reach the program here, as after `pulumi config set --secret` with a passphrase.
            const secretKeys = ["okd-ci:githubWebhookSecret", "okd-ci:gateCredentialsGcp"];
            const config = {
                ...base.config,
                ...Object.fromEntries(secretKeys.map((k) => [k, secretValue(k, `${sentinel}-${k}`)])),
            };
            leaky = await synthInProcess("gcp", { config, secretKeys: [...base.secretKeys, ...secretKeys] });
        });

        it("never writes a secret value in the plan or the manifests", () => {
            assert.ok(leaky.plan.resources.length > 20, "control: the stack was synthesized");
            assert.ok(
                leaky.manifests.some((m) => m.content.includes("name: okd-gate-gcp")),
                "control: the gate key became a Secret",
            );
            const everything = JSON.stringify(leaky.plan) + leaky.manifests.map((m) => m.content).join("\n");
            assert.equal(everything.includes(sentinel), false);
        });
    });
});
