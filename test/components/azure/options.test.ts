/**
 * The azure site with the optional keys the stack can set: the small profile, control-plane CIDRs, webhook source
 * ranges, protect off and a regular (not spot) build pool; and the Kubernetes support warning.
 */
import * as assert from "node:assert/strict";

import type { AzureSite } from "../../../components/azure";
import { find, recorder, settled, useMocks } from "../../helpers";
import { withAzureOutputs } from "./cloud-outputs";
import { azureSiteArgs } from "./site-args";

// Recorded inputs are untyped JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const inputs = (type: string, name: string): Json => find(type, name).inputs;

describe("azure site options", () => {
    useMocks();

    let site: AzureSite;
    before(async () => {
        const { AzureSite } = await import("../../../components/azure");
        site = await withAzureOutputs(async () => {
            const created = new AzureSite(
                "azo",
                azureSiteArgs({
                    namePrefix: "azo",
                    profile: "small",
                    protect: false,
                    systemPool: { instanceType: "Standard_D2s_v5", nodes: 1 },
                    buildPool: {
                        instanceTypes: ["Standard_D8s_v5"],
                        spot: false,
                        minNodes: 0,
                        maxNodes: 4,
                        diskGb: 200,
                    },
                    controlPlaneCidrs: ["20.50.0.0/16", "52.174.10.7/32"],
                    webhook: { sourceRanges: ["192.30.252.0/22", "2606:50c0::/32"] },
                    adminPrincipals: [
                        "group:0f5a1c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b",
                        "servicePrincipal:7C9E6679-7425-40DE-944B-E07FC1F90AE7",
                    ],
                }),
            );
            await settled();
            return created;
        });
    });

    // https://learn.microsoft.com/azure/aks/manage-azure-rbac#create-role-assignments-for-users-to-access-the-cluster
    it("gives exactly adminPrincipals cluster-admin through Azure RBAC, and no assignment to whoever deploys", () => {
        const clusterAdmin = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";
        const admins = recorder()
            .ofType("azure-native:authorization:RoleAssignment")
            .filter((r) => r.name.startsWith("azo-") && String(r.inputs.roleDefinitionId).endsWith(clusterAdmin));
        assert.deepEqual(
            admins.map((r) => [r.name, r.inputs.principalId, r.inputs.principalType, r.inputs.scope]).sort(),
            [
                [
                    "azo-admin-0f5a1c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b",
                    "0f5a1c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b",
                    "Group",
                    "azo-cluster-id",
                ],
                [
                    "azo-admin-7c9e6679-7425-40de-944b-e07fc1f90ae7",
                    "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                    "ServicePrincipal",
                    "azo-cluster-id",
                ],
            ],
        );
        assert.equal(
            recorder()
                .ofType("azure-native:authorization:RoleAssignment")
                .some((r) => r.name === "azo-deployer-admin"),
            false,
        );
    });

    // https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges
    it("admits only controlPlaneCidrs to the API server", () => {
        assert.deepEqual(inputs("azure-native:containerservice:ManagedCluster", "azo-cluster").apiServerAccessProfile, {
            authorizedIPRanges: ["20.50.0.0/16", "52.174.10.7/32"],
        });
    });

    describe("small profile", () => {
        it("runs one system node on a 64 GiB managed OS disk", () => {
            const [system] = inputs("azure-native:containerservice:ManagedCluster", "azo-cluster").agentPoolProfiles;
            assert.deepEqual(
                [system.vmSize, system.count, system.osDiskType, system.osDiskSizeGB],
                ["Standard_D2s_v5", 1, "Managed", 64],
            );
        });

        it("uses a Basic registry", () => {
            assert.deepEqual(inputs("azure-native:containerregistry:Registry", "azo-registry").sku, { name: "Basic" });
        });
    });

    it("keeps the locks with protect off, unprotected so pulumi destroy deletes them first", () => {
        for (const name of ["azo-registry-lock", "azo-artifacts-lock"]) {
            const lock = find("azure-native:authorization:ManagementLockByScope", name);
            assert.equal(lock.inputs.level, "CanNotDelete");
            assert.equal(lock.protect, false, name);
            assert.equal(lock.retainOnDelete, false, name);
        }
    });

    it("declares no spot label or taint on a regular build pool", () => {
        const pool = inputs("azure-native:containerservice:AgentPool", "azo-builds");
        assert.equal(pool.scaleSetPriority, "Regular");
        assert.deepEqual(pool.nodeLabels, { "okd-ci/pool": "builds" });
        assert.deepEqual(pool.nodeTaints, ["okd-ci/pool=builds:NoSchedule"]);
        assert.equal(site.buildPool.tolerations.length, 1);
    });
});

describe("azure Kubernetes support dates", () => {
    useMocks();

    it("warns a month ahead that a minor leaves AKS standard support, naming the minor to move to", async () => {
        const { standardSupportWarning } = await import("../../../components/azure/site");
        assert.equal(standardSupportWarning("1.36", new Date("2026-11-30T00:00:00Z")), undefined);
        assert.equal(
            standardSupportWarning("1.34", new Date("2026-11-30T00:00:00Z")),
            "Kubernetes 1.34 leaves AKS standard support on 2026-11-30: set okd-ci:kubernetesVersion to 1.36; after that AKS stops patching it and later upgrades it itself.",
        );
        assert.match(
            standardSupportWarning("1.34", new Date("2026-12-15T00:00:00Z")) ?? "",
            /^Kubernetes 1\.34 left AKS standard support on 2026-11-30/,
        );
        assert.match(
            standardSupportWarning("1.36", new Date("2027-06-30T00:00:00Z")) ?? "",
            /: move to a newer minor;/,
        );
    });
});
