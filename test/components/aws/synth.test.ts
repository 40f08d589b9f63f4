import * as assert from "node:assert/strict";

import type { PlanResource } from "../../../src/synth/render";
import { readStackConfig } from "../../../src/synth/stackfile";
import { secretValue } from "../../helpers";
import { type SynthOutput, root, synthInProcess } from "../../synth/run";
import type { Json } from "./fixtures";

describe("aws stack synth", () => {
    const sentinel = "okd-ci-aws-sentinel-c2VjcmV0";
    let out: SynthOutput;
    let withSentinels: SynthOutput;
    const ofType = (type: string): PlanResource[] => out.plan.resources.filter((r) => r.type === type);
    const one = (type: string, name: string): Json => {
        const found = out.plan.resources.filter((r) => r.type === type && r.name === name);
        assert.equal(found.length, 1, `${type} ${name}: ${found.length}`);
        return found[0];
    };

    before(async function () {
        // Two synths (another test file may be running the first); each takes seconds, longer on a loaded machine.
        this.timeout(180_000);
        out = await synthInProcess("aws");
        const base = readStackConfig(root, "aws");
        // As after `pulumi config set --secret` with a passphrase: the program sees the plain values.
        const secretKeys = ["okd-ci:gateCredentialsAws", "okd-ci:githubWebhookSecret", "okd-ci:mirrorCredentials"];
        const config = {
            ...base.config,
            ...Object.fromEntries(secretKeys.map((k) => [k, secretValue(k, `${sentinel}-${k}`)])),
        };
        withSentinels = await synthInProcess("aws", { config, secretKeys });
    });

    it("ships no secret in the stack file: `pulumi config set --secret` writes them per stack", () => {
        const base = readStackConfig(root, "aws");
        assert.deepEqual(base.secretKeys, []);
    });

    it("plans the EKS cluster with a system and a spot build node group", () => {
        assert.equal(ofType("aws:eks/cluster:Cluster").length, 1);
        assert.equal(one("aws:eks/nodeGroup:NodeGroup", "okd-system").inputs.capacityType, "ON_DEMAND");
        const build = one("aws:eks/nodeGroup:NodeGroup", "okd-build").inputs;
        assert.equal(build.capacityType, "SPOT");
        assert.deepEqual(build.instanceTypes, ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge", "m7i.2xlarge"]);
        assert.equal(build.scalingConfig.minSize, 0);
    });

    it("plans seven ECR repositories and lifecycle policies for release and the two build repositories", () => {
        const repos = ofType("aws:ecr/repository:Repository")
            .map((r) => (r.inputs as Json).name)
            .sort();
        assert.deepEqual(repos, [
            "okd/attestations",
            "okd/components",
            "okd/content",
            "okd/machine-os",
            "okd/promoted",
            "okd/promoted-content",
            "okd/release",
        ]);
        const policies = ofType("aws:ecr/lifecyclePolicy:LifecyclePolicy");
        // content has none: an unchanged image keeps its first push time while tonight's payload references it.
        assert.deepEqual(policies.map((p) => p.name).sort(), ["okd-components", "okd-machine-os", "okd-release"]);
        for (const p of policies) {
            const rules = JSON.parse((p.inputs as Json).policy).rules as Json[];
            assert.equal(rules.length, p.name === "okd-release" ? 3 : 2, p.name);
        }
        // The stack keeps nightlyRetentionDays payloads per stream: 14 days × the three streams of Pulumi.aws.yaml.
        const release = JSON.parse(
            (one("aws:ecr/lifecyclePolicy:LifecyclePolicy", "okd-release").inputs as Json).policy,
        );
        const keep = release.rules.find((r: Json) => r.selection.countType === "imageCountMoreThan");
        assert.equal(keep.selection.countNumber, 14 * 3);
        for (const durable of ["okd-promoted", "okd-promoted-content", "okd-attestations"]) {
            const repo = one("aws:ecr/repository:Repository", durable);
            assert.equal(repo.protect && repo.retainOnDelete, true, durable);
        }
    });

    it("plans the artifact bucket with versioning, encryption and a public access block", () => {
        const bucket = one("aws:s3/bucket:Bucket", "okd-artifacts");
        assert.equal(bucket.protect && bucket.retainOnDelete, true);
        assert.equal(
            one("aws:s3/bucketVersioning:BucketVersioning", "okd-artifacts").inputs.versioningConfiguration.status,
            "Enabled",
        );
        const sse = one(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "okd-artifacts",
        );
        assert.equal(sse.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
        assert.equal(
            one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "okd-artifacts").inputs.blockPublicPolicy,
            true,
        );
    });

    it("plans one role per identity, each associated with its one ServiceAccount", () => {
        const subjects = Object.fromEntries(
            ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation").map((r) => [
                r.name,
                `${(r.inputs as Json).namespace}/${(r.inputs as Json).serviceAccount}`,
            ]),
        );
        assert.deepEqual(subjects, {
            "okd-autoscaler": "kube-system/cluster-autoscaler",
            "okd-build": "okd-release/okd-registry-token",
            "okd-records": "okd-builds/okd-records",
            "okd-promote": "okd-release/okd-promote",
            "okd-chains": "tekton-chains/tekton-chains-controller",
            "okd-e2e-pull": "okd-builds/okd-e2e",
        });
        for (const role of ["build", "records", "promote", "chains"]) {
            assert.equal(one("aws:iam/role:Role", `okd-${role}`).inputs.name, `okd-us-east-1-${role}`);
        }
    });

    it("plans nothing for the gate in its separate account, and outputs the installer policies for it", () => {
        assert.ok(one("okd-ci:aws:E2eGate", "okd-e2e-aws"));
        const inGate = out.plan.resources.filter((r) => r.name.startsWith("okd-e2e-aws") && r.type.startsWith("aws:"));
        assert.deepEqual(inGate, []);
        // The e2e ServiceAccount's only role is the pull-only one that mints the e2e pull secret.
        const e2e = ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation").filter(
            (r) => (r.inputs as Json).serviceAccount === "okd-e2e",
        );
        assert.deepEqual(
            e2e.map((r) => r.name),
            ["okd-e2e-pull"],
        );
        const gates = (out.plan.outputs as Json).gates;
        const policies = gates.aws.installerPolicies;
        const regional = JSON.parse(policies.regional);
        assert.deepEqual(regional.Statement[0].Condition, { StringEquals: { "aws:RequestedRegion": "us-east-2" } });
        assert.match(policies.global, /arn:aws:iam::\*:user\/okd-e2e-\*/);
        assert.equal(gates.aws.credentialsMode, "Mint");
        assert.equal(gates.aws.zone, "Z0123456789EXAMPLEZ");
    });

    it("gives the Kubernetes provider a stable identifier and no plain-text kubeconfig", () => {
        const provider = one("pulumi:providers:kubernetes", "okd-k8s");
        // Unknown until the cluster exists; a secret once it does. Never the text itself.
        assert.ok(["[secret]", "[unknown: known after apply]"].includes(provider.inputs.kubeconfig));
        assert.equal(provider.inputs.clusterIdentifier, "eks-us-east-1-okd-builds");
    });

    it("never writes a secret value in the plan or the manifests", () => {
        const everything =
            JSON.stringify(withSentinels.plan) + withSentinels.manifests.map((m) => m.content).join("\n");
        assert.ok(withSentinels.plan.resources.length > 50, "control: the stack synthesized");
        assert.equal(everything.includes(sentinel), false);
    });

    it("loads @pulumi/aws and no other cloud's SDK", () => {
        assert.ok(out.packages.includes("@pulumi/aws"), out.packages.join(", "));
        for (const sdk of ["@pulumi/gcp", "@pulumi/azure-native"]) {
            assert.equal(out.packages.includes(sdk), false, `${sdk} was loaded`);
        }
    });
});
