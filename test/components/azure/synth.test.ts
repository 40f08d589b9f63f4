import * as assert from "node:assert/strict";

import type { PlanResource } from "../../../src/synth/render";
import { readStackConfig } from "../../../src/synth/stackfile";
import { secretValue } from "../../helpers";
import { type SynthOutput, root, synthInProcess } from "../../synth/run";

// Plan inputs are untyped JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe("azure stack synth", () => {
    const sentinel = "okd-ci-azure-sentinel-c2VjcmV0";
    // No mirrorCredentials: the azure stack promotes no stream, so they would do nothing and are refused.
    const secretKeys = ["okd-ci:githubWebhookSecret", "okd-ci:gateCredentialsAzure"];
    let out: SynthOutput;
    const one = (type: string): PlanResource => {
        const found = out.plan.resources.filter((r) => r.type === type);
        assert.equal(found.length, 1, `one ${type}, found ${found.length}`);
        return found[0];
    };
    const all = (type: string): PlanResource[] => out.plan.resources.filter((r) => r.type === type);

    before(async () => {
        const base = readStackConfig(root, "azure");
        // Plain-text secrets reach the program here, as after `pulumi config set --secret` with a passphrase.
        const config = {
            ...base.config,
            ...Object.fromEntries(secretKeys.map((k) => [k, secretValue(k, `${sentinel}-${k}`)])),
        };
        out = await synthInProcess("azure", { config, secretKeys: [...new Set([...base.secretKeys, ...secretKeys])] });
    });

    it("plans AKS with the OIDC issuer and workload identity on", () => {
        const aks = one("azure-native:containerservice:ManagedCluster").inputs as Json;
        assert.equal(aks.oidcIssuerProfile.enabled, true);
        assert.equal(aks.securityProfile.workloadIdentity.enabled, true);
        assert.equal(aks.disableLocalAccounts, true);
    });

    it("plans the spot build pool from zero", () => {
        const pool = one("azure-native:containerservice:AgentPool").inputs as Json;
        assert.equal(pool.scaleSetPriority, "Spot");
        assert.equal(pool.scaleSetEvictionPolicy, "Delete");
        assert.equal(pool.minCount, 0);
    });

    it("plans the registry with the admin user off, protected", () => {
        const acr = one("azure-native:containerregistry:Registry");
        assert.equal((acr.inputs as Json).adminUserEnabled, false);
        assert.equal(acr.protect, true);
    });

    it("plans the storage account and container with public access off, protected", () => {
        const account = one("azure-native:storage:StorageAccount");
        assert.equal((account.inputs as Json).allowBlobPublicAccess, false);
        assert.equal((account.inputs as Json).minimumTlsVersion, "TLS1_2");
        const container = one("azure-native:storage:BlobContainer");
        assert.equal((container.inputs as Json).publicAccess, "None");
        assert.equal(account.protect && container.protect, true);
    });

    it("plans one identity per role, each federated with its one ServiceAccount, and their role assignments", () => {
        assert.equal(all("azure-native:managedidentity:UserAssignedIdentity").length, 5);
        const subjects = all("azure-native:managedidentity:FederatedIdentityCredential").map(
            (c) => (c.inputs as Json).subject,
        );
        assert.deepEqual(subjects.sort(), [
            "system:serviceaccount:okd-builds:okd-e2e",
            "system:serviceaccount:okd-builds:okd-records",
            "system:serviceaccount:okd-release:okd-promote",
            "system:serviceaccount:okd-release:okd-registry-token",
            "system:serviceaccount:tekton-chains:tekton-chains-controller",
        ]);
        const roleGuids = all("azure-native:authorization:RoleAssignment").map((r) =>
            String((r.inputs as Json).roleDefinitionId)
                .split("/")
                .pop(),
        );
        for (const guid of ["8311e382-0749-4cb8-b61a-304f252e45ec", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"]) {
            assert.ok(roleGuids.includes(guid), `${guid} in ${roleGuids.join(", ")}`);
        }
    });

    it("mints the e2e pull secret from an identity that may only pull (AcrPull on the registry)", () => {
        const pull = all("azure-native:authorization:RoleAssignment").filter((r) => r.name.startsWith("okd-e2e-pull"));
        assert.deepEqual(
            pull.map((r) =>
                String((r.inputs as Json).roleDefinitionId)
                    .split("/")
                    .pop(),
            ),
            ["7f951dda-4ed3-4680-a7ca-43fe172d538d"],
        );
    });

    it("plans nothing for the gate in its separate subscription and hands it the installer credentials from config", () => {
        assert.deepEqual(all("azure-native:dns:Zone"), []);
        assert.ok(out.plan.resources.some((r) => r.type === "okd-ci:azure:E2eGate"));
        assert.ok(out.manifests.some((m) => m.file === "secret_okd-builds_okd-gate-azure.yaml"));
    });

    it("writes no secret value anywhere", () => {
        const everything = JSON.stringify(out.plan) + out.manifests.map((m) => m.content).join("\n");
        assert.equal(everything.includes(sentinel), false);
    });

    it("loads @pulumi/azure-native and neither @pulumi/aws nor @pulumi/gcp", () => {
        assert.ok(out.packages.includes("@pulumi/azure-native"), out.packages.join(", "));
        assert.equal(out.packages.includes("@pulumi/aws"), false);
        assert.equal(out.packages.includes("@pulumi/gcp"), false);
    });
});
