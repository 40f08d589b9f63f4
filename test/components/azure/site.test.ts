import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

import type { AzureSite } from "../../../components/azure";
import { sig } from "../../../src/synth/recorder";
import { find, recorder, settled, under, useMocks, valueOf } from "../../helpers";
import { computed, withAzureOutputs } from "./cloud-outputs";
import { azureSiteArgs } from "./site-args";

// Recorded inputs are untyped JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const roles = {
    acrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
    acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    blobContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    keyVaultCryptoUser: "12338af0-0e69-4776-bea7-57ae8d297424",
    keyVaultReader: "21090545-7ca7-4776-b22c-e363652d74d2",
    aksClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
};
/** What the placeholder getClientConfig returns for the subscription. */
const subscription = "[unknown: azure subscription id]";
const roleId = (guid: string) =>
    `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

const inputs = (type: string, name: string): Json => find(type, name).inputs;

describe("azure site", () => {
    useMocks();

    let site: AzureSite;
    before(async () => {
        const { AzureSite } = await import("../../../components/azure");
        site = await withAzureOutputs(async () => {
            const created = new AzureSite("azt", azureSiteArgs());
            await settled();
            return created;
        });
    });

    describe("provider and tags", () => {
        it("creates every Azure resource through one explicit provider in the configured location", () => {
            const provider = find("pulumi:providers:azure-native", "azt-azure");
            assert.equal(provider.inputs.location, "westeurope");
            const azure = under("azt").filter((r) => r.type.startsWith("azure-native:"));
            assert.ok(azure.length >= 15, `control: ${azure.length} azure-native resources`);
            for (const r of azure) {
                assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.name} uses ${r.provider || "the default"}`);
            }
        });

        it("tags every taggable Azure resource with the standard and the configured tags", () => {
            const tagged = under("azt").filter((r) => r.type.startsWith("azure-native:") && "tags" in r.inputs);
            assert.ok(tagged.length >= 10, `control: ${tagged.length} tagged resources`);
            for (const r of tagged) {
                const tags = r.inputs.tags as Record<string, string>;
                assert.equal(tags.team, "okd-release", r.name);
                assert.equal(tags["managed-by"], "pulumi", r.name);
            }
        });
    });

    describe("cluster", () => {
        it("enables the OIDC issuer and workload identity", () => {
            const aks = inputs("azure-native:containerservice:ManagedCluster", "azt-cluster");
            assert.deepEqual(aks.oidcIssuerProfile, { enabled: true });
            assert.deepEqual(aks.securityProfile, { workloadIdentity: { enabled: true } });
        });

        // Azure CNI Powered by Cilium enforces NetworkPolicy, and enforces ipBlock egress to addresses outside the
        // cluster such as the instance metadata service (https://learn.microsoft.com/azure/aks/azure-cni-powered-by-cilium).
        it("enforces NetworkPolicy with Cilium on the Cilium dataplane", () => {
            const aks = inputs("azure-native:containerservice:ManagedCluster", "azt-cluster");
            assert.deepEqual(
                [
                    aks.networkProfile.networkPlugin,
                    aks.networkProfile.networkDataplane,
                    aks.networkProfile.networkPolicy,
                ],
                ["azure", "cilium", "cilium"],
            );
        });

        it("disables local accounts and authorizes with Entra ID and Azure RBAC", () => {
            const aks = inputs("azure-native:containerservice:ManagedCluster", "azt-cluster");
            assert.equal(aks.disableLocalAccounts, true);
            assert.equal(aks.enableRBAC, true);
            assert.deepEqual(aks.aadProfile, { managed: true, enableAzureRBAC: true });
        });

        it("keeps only a fixed system pool inline, on the configured Kubernetes version and free tier", () => {
            const aks = inputs("azure-native:containerservice:ManagedCluster", "azt-cluster");
            assert.equal(aks.kubernetesVersion, "1.36");
            assert.equal(aks.sku.tier, "Free");
            assert.equal(aks.agentPoolProfiles.length, 1);
            const [system] = aks.agentPoolProfiles;
            assert.equal(system.mode, "System");
            assert.equal(system.vmSize, "Standard_D2s_v5");
            assert.equal(system.count, 2);
            assert.equal(system.enableAutoScaling, false);
        });

        it("runs the build pool on spot VMs from zero nodes, deleted on eviction, up to the on-demand price", () => {
            const pool = inputs("azure-native:containerservice:AgentPool", "azt-builds");
            assert.equal(pool.mode, "User");
            assert.equal(pool.resourceName, "azt-build");
            assert.equal(pool.scaleSetPriority, "Spot");
            assert.equal(pool.scaleSetEvictionPolicy, "Delete");
            assert.equal(pool.spotMaxPrice, -1);
            assert.equal(pool.enableAutoScaling, true);
            assert.equal(pool.minCount, 0);
            assert.equal(pool.count, 0);
            assert.equal(pool.maxCount, 10);
            assert.equal(pool.vmSize, "Standard_D8s_v5");
            assert.equal(pool.osDiskSizeGB, 200);
        });

        it("runs the build pool on the cluster's Kubernetes minor, so an upgrade moves it with the control plane", () => {
            const pool = inputs("azure-native:containerservice:AgentPool", "azt-builds");
            assert.equal(pool.orchestratorVersion, "1.36");
            assert.equal(
                pool.orchestratorVersion,
                inputs("azure-native:containerservice:ManagedCluster", "azt-cluster").kubernetesVersion,
            );
        });

        it("labels and taints the build pool so only build pods land there", () => {
            const pool = inputs("azure-native:containerservice:AgentPool", "azt-builds");
            assert.equal(pool.nodeLabels["okd-ci/pool"], "builds");
            assert.ok(pool.nodeTaints.includes("okd-ci/pool=builds:NoSchedule"));
        });

        // https://learn.microsoft.com/azure/aks/spot-node-pool: "A Spot node pool has the
        // kubernetes.azure.com/scalesetpriority:spot label, the kubernetes.azure.com/scalesetpriority=spot:NoSchedule
        // taint"; AKS reports them in the pool, so a pool that omits them plans to remove them after every refresh.
        it("declares the spot label and taint AKS adds, so a refresh plans no change", () => {
            const pool = inputs("azure-native:containerservice:AgentPool", "azt-builds");
            assert.deepEqual(pool.nodeLabels, {
                "okd-ci/pool": "builds",
                "kubernetes.azure.com/scalesetpriority": "spot",
            });
            assert.deepEqual(pool.nodeTaints, [
                "okd-ci/pool=builds:NoSchedule",
                "kubernetes.azure.com/scalesetpriority=spot:NoSchedule",
            ]);
        });

        it("places build pods on the build pool, tolerating the spot taint AKS adds", () => {
            assert.deepEqual(site.buildPool.nodeSelector, { "okd-ci/pool": "builds" });
            assert.deepEqual(site.buildPool.tolerations, [
                { key: "okd-ci/pool", operator: "Equal", value: "builds", effect: "NoSchedule" },
                {
                    key: "kubernetes.azure.com/scalesetpriority",
                    operator: "Equal",
                    value: "spot",
                    effect: "NoSchedule",
                },
            ]);
        });

        // https://learn.microsoft.com/azure/aks/planned-maintenance
        it("upgrades patches and node images only in a weekly 4-hour maintenance window, AKS releases too", () => {
            const aks = inputs("azure-native:containerservice:ManagedCluster", "azt-cluster");
            assert.deepEqual(aks.autoUpgradeProfile, { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" });
            for (const config of ["default", "aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]) {
                const m = inputs("azure-native:containerservice:MaintenanceConfiguration", `azt-maintenance-${config}`);
                assert.equal(m.configName, config);
                assert.equal(m.resourceName, "azt-build");
                assert.deepEqual(m.maintenanceWindow, {
                    schedule: { weekly: { dayOfWeek: "Sunday", intervalWeeks: 1 } },
                    startTime: "08:00",
                    durationHours: 4,
                    utcOffset: "+00:00",
                });
            }
        });

        it("asks AKS for an exec (kubelogin) kubeconfig of the cluster", () => {
            const call = recorder().calls.find(
                (c) =>
                    c.token === "azure-native:containerservice:listManagedClusterUserCredentials" &&
                    c.inputs.resourceName === "azt-build",
            );
            assert.ok(call, "listManagedClusterUserCredentials was invoked for azt-build");
            assert.equal(call.inputs.format, "exec");
        });

        it("hands the kubeconfig to the Kubernetes provider and the contract only as a secret", async () => {
            const provider = find("pulumi:providers:kubernetes", "azt-k8s");
            const wire = provider.object.kubeconfig as Json;
            assert.equal(wire?.[sig.key], sig.secret);
            assert.equal(provider.inputs.clusterIdentifier, "okd-ci-azure-azt-build");
            assert.equal(await pulumi.isSecret(site.kubeconfig), true);
        });

        it("gives the deployer cluster-admin through Azure RBAC on this cluster only", () => {
            const admin = find("azure-native:authorization:RoleAssignment", "azt-deployer-admin");
            assert.equal(admin.inputs.roleDefinitionId, roleId(roles.aksClusterAdmin));
            assert.equal(admin.inputs.scope, "azt-cluster-id");
            assert.equal(admin.inputs.principalId, "[unknown: azure object id]");
            // The placeholder client is no interactive client: a CI service principal.
            assert.equal(admin.inputs.principalType, "ServicePrincipal");
        });

        it("makes the in-cluster layer wait for the pools, the deployer's access and the identity bindings", async () => {
            const ready = await Promise.all(site.ready.map((r) => valueOf(r.urn)));
            for (const [type, name] of [
                ["azure-native:containerservice:ManagedCluster", "azt-cluster"],
                ["azure-native:containerservice:AgentPool", "azt-builds"],
                ["azure-native:authorization:RoleAssignment", "azt-deployer-admin"],
                ["azure-native:managedidentity:FederatedIdentityCredential", "azt-records-okd-builds-okd-records"],
                ["azure-native:managedidentity:FederatedIdentityCredential", "azt-promote-okd-release-okd-promote"],
                ["azure-native:authorization:RoleAssignment", "azt-chains-signing-key-sign"],
            ]) {
                assert.ok(ready.includes(find(type, name).urn), `${name} is in ready`);
            }
        });
    });

    describe("registry", () => {
        it("creates a registry with the admin user and anonymous pull off, protected and retained", () => {
            const acr = find("azure-native:containerregistry:Registry", "azt-registry");
            assert.equal(acr.inputs.adminUserEnabled, false);
            assert.equal(acr.inputs.anonymousPullEnabled, false);
            assert.match(acr.inputs.registryName as string, /^aztcr[0-9a-f]{8}$/);
            assert.equal(acr.protect, true);
            assert.equal(acr.retainOnDelete, true);
        });

        it("maps every repository role to <login server>/<namePrefix>/<path>", async () => {
            const name = inputs("azure-native:containerregistry:Registry", "azt-registry").registryName;
            assert.equal(await valueOf(site.registry.host), `${name}.azurecr.io`);
            assert.equal(await valueOf(site.registry.repositories.machineOs), `${name}.azurecr.io/azt/machine-os`);
            assert.equal(
                await valueOf(site.registry.repositories.promotedContent),
                `${name}.azurecr.io/azt/promoted-content`,
            );
            assert.equal(site.registry.insecure, false);
        });

        const purgeSteps = (): { id: string; cmd: string }[] => {
            const task = inputs("azure-native:containerregistry:Task", "azt-registry-purge");
            const yaml = Buffer.from(task.step.encodedTaskContent, "base64").toString("utf8");
            return YAML.parse(yaml).steps;
        };

        it("schedules a daily purge of the expiring repositories that never names a durable one", () => {
            const task = inputs("azure-native:containerregistry:Task", "azt-registry-purge");
            assert.equal(task.trigger.timerTriggers[0].schedule, "0 4 * * *");
            assert.equal(task.step.type, "EncodedTask");
            for (const { cmd } of purgeSteps()) {
                assert.match(cmd, /^mcr\.microsoft\.com\/acr\/acr-cli:0\.17 purge --registry \{\{\.Run\.Registry\}\} /);
                const filters = [...cmd.matchAll(/--filter '([^':]+):[^']*'/g)].map((m) => m[1]);
                assert.ok(filters.length > 0, cmd);
                for (const f of filters) {
                    assert.ok(["azt/release", "azt/content", "azt/machine-os", "azt/components"].includes(f), f);
                }
                // acr-cli anchors each repository pattern; none may match a durable repository.
                for (const durable of ["azt/promoted", "azt/promoted-content"]) {
                    for (const f of filters) {
                        assert.equal(new RegExp(`^${f}$`).test(durable), false, `${f} ~ ${durable}`);
                    }
                }
            }
        });

        // acr-cli 0.17 (Azure/acr-cli@775a0377, cmd/acr/purge.go): --untagged purges untagged manifests with the same
        // --ago cutoff as the tags, so the two ages need two purges.
        /** The tag patterns of a purge, by repository (acr-cli ORs the patterns of one repository). */
        const tagPatterns = (cmd: string) =>
            [...cmd.matchAll(/--filter '([^':]+):([^']*)'/g)].map((m) => ({ repo: m[1], tag: new RegExp(m[2]) }));
        const payload = "4.15.0-0.okd-scos-2024-03-10-010116";
        const tools = "pipeline-tools-0123456789abcdef";

        it("expires tags after nightlyRetentionDays without touching untagged manifests or payloads", () => {
            const [tags] = purgeSteps();
            assert.equal(tags.id, "expire-tags");
            assert.match(tags.cmd, / --ago 14d /);
            assert.doesNotMatch(tags.cmd, /--untagged|--keep/);
            const patterns = tagPatterns(tags.cmd);
            for (const repo of ["azt/content", "azt/machine-os", "azt/components"]) {
                assert.ok(
                    patterns.some((p) => p.repo === repo && p.tag.test(`${payload}-installer`)),
                    repo,
                );
            }
            const release = patterns.filter((p) => p.repo === "azt/release");
            assert.ok(
                release.some((p) => p.tag.test(tools)),
                "tools image tags expire by age",
            );
            assert.ok(!release.some((p) => p.tag.test(payload)), "payloads are left to expire-payloads");
        });

        // acr-cli 0.17 getTagsToDelete: of the tags matching the filter and older than --ago (listed newest first),
        // the first --keep are skipped, so the newest keepPayloads old payloads stay whatever their age.
        it("keeps the newest nightly payloads whatever their age, and expires the older ones after nightlyRetentionDays", () => {
            const steps = purgeSteps();
            const payloads = steps.find((s) => s.id === "expire-payloads");
            assert.ok(payloads, steps.map((s) => s.id).join(", "));
            assert.match(payloads.cmd, / --ago 14d /);
            assert.match(payloads.cmd, / --keep 14 /);
            assert.doesNotMatch(payloads.cmd, /--untagged/);
            const patterns = tagPatterns(payloads.cmd);
            assert.deepEqual(
                patterns.map((p) => p.repo),
                ["azt/release"],
            );
            assert.ok(patterns[0].tag.test(payload));
            assert.ok(patterns[0].tag.test("4.21.0-0.okd-2026-11-30-041500"));
            assert.ok(!patterns[0].tag.test(tools));
        });

        it("expires untagged manifests after untaggedRetentionDays with a tag pattern that matches no tag", () => {
            const untagged = purgeSteps()[2];
            assert.equal(untagged.id, "expire-untagged");
            assert.match(untagged.cmd, / --ago 1d --untagged /);
            const patterns = [...untagged.cmd.matchAll(/--filter '[^':]+:([^']*)'/g)].map((m) => new RegExp(m[1]));
            assert.equal(patterns.length, 4);
            for (const tag of ["4.15.0-0.okd-2024-03-10-010116", "latest", "sha256-abc.sig", "x"]) {
                for (const p of patterns) assert.equal(p.test(tag), false, `${p} matches tag ${tag}`);
            }
        });

        it("lets the build cluster's nodes pull from the registry", () => {
            const pull = find("azure-native:authorization:RoleAssignment", "azt-kubelet-acr-pull");
            assert.equal(pull.inputs.roleDefinitionId, roleId(roles.acrPull));
            assert.equal(pull.inputs.scope, "azt-registry-id");
            assert.ok(
                pull.dependencies.includes(find("azure-native:containerservice:ManagedCluster", "azt-cluster").urn),
            );
        });
    });

    // https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources
    describe("delete locks", () => {
        const lock = (name: string) => find("azure-native:authorization:ManagementLockByScope", name);

        it("locks the registry and the storage account against deletion, protected and retained", () => {
            for (const [name, scope] of [
                ["azt-registry-lock", "azt-registry-id"],
                ["azt-artifacts-lock", "azt-artifacts-id"],
            ]) {
                const l = lock(name);
                assert.equal(l.inputs.level, "CanNotDelete", name);
                assert.equal(l.inputs.scope, scope, name);
                assert.equal(l.inputs.lockName, "okd-ci-holds-releases", name);
                assert.equal(l.protect, true, name);
                assert.equal(l.retainOnDelete, true, name);
            }
        });

        // "Extension resources inherit locks" and "a cannot-delete lock on a resource ... prevents the deletion of Azure
        // RBAC assignments": the lock must be the first thing a destroy removes under its scope.
        it("makes each lock wait for everything under its scope, so a destroy deletes the lock first", () => {
            const registryLock = lock("azt-registry-lock").dependencies;
            for (const [type, name] of [
                ["azure-native:containerregistry:Registry", "azt-registry"],
                ["azure-native:containerregistry:Task", "azt-registry-purge"],
                ["azure-native:authorization:RoleAssignment", "azt-kubelet-acr-pull"],
                ["azure-native:authorization:RoleAssignment", "azt-build-acr-token-minter"],
                ["azure-native:authorization:RoleAssignment", "azt-promote-acr-push"],
                ["azure-native:containerregistry:ScopeMap", "azt-build-scope"],
                ["azure-native:containerregistry:Token", "azt-build-token"],
            ]) {
                assert.ok(registryLock.includes(find(type, name).urn), `registry lock after ${name}`);
            }
            const artifactsLock = lock("azt-artifacts-lock").dependencies;
            for (const [type, name] of [
                ["azure-native:storage:StorageAccount", "azt-artifacts"],
                ["azure-native:storage:BlobServiceProperties", "azt-artifacts-blob"],
                ["azure-native:storage:ManagementPolicy", "azt-artifacts-lifecycle"],
                ["azure-native:storage:BlobContainer", "azt-artifacts-container"],
                ["azure-native:authorization:RoleAssignment", "azt-records-artifacts-writer"],
            ]) {
                assert.ok(artifactsLock.includes(find(type, name).urn), `artifacts lock after ${name}`);
            }
            const signingLock = lock("azt-signing-lock");
            assert.equal(signingLock.inputs.scope, "azt-chains-vault-id");
            assert.ok(signingLock.dependencies.includes(find("azure-native:keyvault:Key", "azt-chains-key").urn));
        });
    });

    describe("artifact storage", () => {
        it("accepts HTTPS with TLS 1.2 or newer only, with no public blob access and no shared keys", () => {
            const account = inputs("azure-native:storage:StorageAccount", "azt-artifacts");
            assert.equal(account.kind, "StorageV2");
            assert.equal(account.enableHttpsTrafficOnly, true);
            assert.equal(account.minimumTlsVersion, "TLS1_2");
            assert.equal(account.allowBlobPublicAccess, false);
            assert.equal(account.allowSharedKeyAccess, false);
            assert.equal(account.defaultToOAuthAuthentication, true);
            assert.match(account.accountName, /^azt[0-9a-f]{8}$/);
        });

        it("protects and retains the account and the artifact container", () => {
            for (const [type, name] of [
                ["azure-native:storage:StorageAccount", "azt-artifacts"],
                ["azure-native:storage:BlobContainer", "azt-artifacts-container"],
            ]) {
                const r = find(type, name);
                assert.equal(r.protect, true, name);
                assert.equal(r.retainOnDelete, true, name);
            }
        });

        it("keeps the artifact container private", () => {
            const container = inputs("azure-native:storage:BlobContainer", "azt-artifacts-container");
            assert.equal(container.publicAccess, "None");
            assert.equal(container.containerName, "artifacts");
        });

        it("versions blobs and keeps deleted blobs and containers restorable", () => {
            const blob = inputs("azure-native:storage:BlobServiceProperties", "azt-artifacts-blob");
            assert.equal(blob.isVersioningEnabled, true);
            assert.deepEqual(blob.deleteRetentionPolicy, { enabled: true, days: 14 });
            assert.deepEqual(blob.containerDeleteRetentionPolicy, { enabled: true, days: 14 });
        });

        // https://learn.microsoft.com/azure/storage/blobs/lifecycle-management-policy-structure#prefix-match-filter:
        // "A prefix string must start with a container name."
        it("expires logs/ of the artifact container by a prefix that starts with the container name", () => {
            const { rules } = inputs("azure-native:storage:ManagementPolicy", "azt-artifacts-lifecycle").policy;
            const deletesCurrent = rules.filter((r: Json) => r.definition.actions.baseBlob?.delete !== undefined);
            assert.equal(deletesCurrent.length, 1);
            assert.deepEqual(deletesCurrent[0].definition.filters.prefixMatch, ["artifacts/logs/"]);
            assert.equal(deletesCurrent[0].definition.actions.baseBlob.delete.daysAfterModificationGreaterThan, 90);
        });

        // Same page, "Action run conditions": previous versions are aged from "the creation time of that version when
        // the blob was first written (not when the version became a previous version)".
        it("keeps each previous version of a log 7 days after it was superseded, counting from its creation", () => {
            const { rules } = inputs("azure-native:storage:ManagementPolicy", "azt-artifacts-lifecycle").policy;
            const logs = rules.find((r: Json) => r.name === "expire-logs");
            // Superseded at the latest 90 days after it was written (the base rule), deleted 97 days after.
            assert.equal(logs.definition.actions.version.delete.daysAfterCreationGreaterThan, 90 + 7);
        });

        it("deletes nothing outside logs/, not even previous versions of release records", () => {
            const { rules } = inputs("azure-native:storage:ManagementPolicy", "azt-artifacts-lifecycle").policy;
            assert.equal(rules.length, 1);
            for (const rule of rules) {
                for (const prefix of rule.definition.filters.prefixMatch ?? [""]) {
                    assert.ok((prefix as string).startsWith("artifacts/logs/"), `${rule.name} matches ${prefix}`);
                }
            }
        });

        it("describes the container by its blob URL", async () => {
            const account = inputs("azure-native:storage:StorageAccount", "azt-artifacts").accountName;
            assert.equal(site.artifacts.kind, "azure-blob");
            assert.equal(await valueOf(site.artifacts.bucket), "artifacts");
            assert.equal(await valueOf(site.artifacts.url), `https://${account}.blob.core.windows.net/artifacts/`);
        });
    });

    describe("identities", () => {
        const cred = "azure-native:managedidentity:FederatedIdentityCredential";
        const assignment = "azure-native:authorization:RoleAssignment";
        const grantsOf = (role: string) =>
            under(`azt-${role}`, assignment)
                .map((a) => {
                    const guid = String(a.inputs.roleDefinitionId).split("/").pop();
                    const name = Object.entries(roles).find(([, g]) => g === guid)?.[0] ?? guid;
                    return `${name}@${String(a.inputs.scope)}`;
                })
                .sort();

        it("federates each identity with exactly its own ServiceAccount, trusting the cluster's issuer", () => {
            const subjects: Record<string, string[]> = {
                build: ["system:serviceaccount:okd-release:okd-registry-token"],
                records: ["system:serviceaccount:okd-builds:okd-records"],
                promote: ["system:serviceaccount:okd-release:okd-promote"],
                chains: ["system:serviceaccount:tekton-chains:tekton-chains-controller"],
            };
            for (const [role, expected] of Object.entries(subjects)) {
                const creds = under(`azt-${role}`, cred);
                assert.deepEqual(
                    creds.map((c) => c.inputs.subject),
                    expected,
                    role,
                );
                for (const c of creds) {
                    assert.deepEqual(c.inputs.audiences, ["api://AzureADTokenExchange"]);
                    assert.equal(c.inputs.resourceName, `azt-${role}`);
                    assert.equal(c.inputs.issuer, computed.issuerUrl("azt-cluster"));
                }
            }
            // No identity trusts a ServiceAccount build pods run as.
            for (const c of recorder().ofType(cred)) {
                assert.ok(!String(c.inputs.subject).endsWith(":okd-build"), c.name);
            }
        });

        it("gives each identity its role assignments, each at the narrowest scope Azure offers here", () => {
            assert.deepEqual(grantsOf("build"), [`${computed.roleDefinitionName("azt-token-minter")}@azt-registry-id`]);
            assert.deepEqual(grantsOf("records"), [
                "acrPush@azt-registry-id",
                "blobContributor@azt-artifacts-container-id",
            ]);
            assert.deepEqual(grantsOf("promote"), [
                "acrPush@azt-registry-id",
                "blobContributor@azt-artifacts-container-id",
                "keyVaultReader@azt-chains-key-id",
            ]);
            assert.deepEqual(grantsOf("chains"), ["acrPush@azt-registry-id", "keyVaultCryptoUser@azt-chains-key-id"]);
            assert.deepEqual(grantsOf("e2e-pull"), ["acrPull@azt-registry-id"]);
        });

        it("gives the build identity no registry data role: only generating passwords of the build token", () => {
            const minter = find("azure-native:authorization:RoleDefinition", "azt-token-minter");
            assert.deepEqual(minter.inputs.permissions, [
                {
                    actions: [
                        "Microsoft.ContainerRegistry/registries/read",
                        "Microsoft.ContainerRegistry/registries/tokens/read",
                        "Microsoft.ContainerRegistry/registries/generateCredentials/action",
                    ],
                    notActions: [],
                },
            ]);
            assert.equal(minter.inputs.roleType, "CustomRole");
            const rg = `/subscriptions/${subscription}/resourceGroups/${inputs("azure-native:containerregistry:Registry", "azt-registry").resourceGroupName}`;
            assert.deepEqual(minter.inputs.assignableScopes, [rg]);
            const [grant] = under("azt-build", assignment);
            assert.equal(grant.inputs.roleDefinitionId, roleId(computed.roleDefinitionName("azt-token-minter")));
            assert.equal(grant.inputs.scope, "azt-registry-id");
            // No identity's role on the registry lets a build's credential push the tools image or a promoted release.
            for (const a of under("azt-build", assignment)) {
                const guid = String(a.inputs.roleDefinitionId).split("/").pop();
                assert.ok(guid !== roles.acrPush && guid !== roles.acrPull, a.name);
            }
        });

        it("scopes the build token to push and pull the build repositories only, with no password in the state", () => {
            const scope = inputs("azure-native:containerregistry:ScopeMap", "azt-build-scope");
            assert.deepEqual(scope.actions, [
                "repositories/azt/components/content/read",
                "repositories/azt/components/content/write",
                "repositories/azt/components/metadata/read",
                "repositories/azt/machine-os/content/read",
                "repositories/azt/machine-os/content/write",
                "repositories/azt/machine-os/metadata/read",
            ]);
            const token = inputs("azure-native:containerregistry:Token", "azt-build-token");
            assert.equal(token.tokenName, "okd-build-push");
            assert.equal(token.scopeMapId, "azt-build-scope-id");
            assert.equal(token.status, "enabled");
            assert.equal(token.credentials, undefined);
            // The minter is told which token to generate passwords of (registry-auth.sh ACR_TOKEN_NAME).
            assert.deepEqual(Object.keys(site.identities.build.env ?? {}).sort(), [
                "ACR_RESOURCE_GROUP",
                "ACR_TOKEN_NAME",
            ]);
            assert.equal(site.identities.records.env, undefined);
        });

        it("confines records' and promotion's blob writes to their prefixes with ABAC conditions", () => {
            const condition = (role: string) => inputs(assignment, `azt-${role}-artifacts-writer`);
            const records = condition("records");
            assert.equal(records.conditionVersion, "2.0");
            for (const action of ["blobs/write", "blobs/add/action", "blobs/delete", "blobs/move/action"]) {
                assert.ok(
                    records.condition.includes(
                        `!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/${action}'})`,
                    ),
                    action,
                );
            }
            const path = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]";
            assert.ok(records.condition.includes(`${path} StringStartsWith 'releases/'`));
            assert.ok(records.condition.includes(`${path} StringStartsWith 'logs/'`));
            assert.ok(!records.condition.includes("'promoted/'"));
            // Promotion writes the promoted state (promoted/), and reads the records without writing them.
            const promote = condition("promote").condition;
            assert.ok(promote.includes(`${path} StringStartsWith 'promoted/'`));
            assert.ok(!promote.includes("'releases/'"));
            assert.ok(!promote.includes("'logs/'"));
            // Every blob write of the site is conditioned.
            for (const a of recorder().ofType(assignment)) {
                if (String(a.inputs.roleDefinitionId).endsWith(roles.blobContributor)) {
                    assert.ok(a.inputs.condition, a.name);
                }
            }
        });

        it("keeps Chains' key in Key Vault with RBAC, purge protection and soft delete, and Chains names it", async () => {
            const vault = find("azure-native:keyvault:Vault", "azt-chains-vault");
            const props = (vault.inputs as Json).properties;
            assert.equal(props.enableRbacAuthorization, true);
            assert.equal(props.enablePurgeProtection, true);
            assert.equal(props.softDeleteRetentionInDays, 90);
            assert.equal(vault.protect, true);
            const key = inputs("azure-native:keyvault:Key", "azt-chains-key");
            assert.deepEqual(key.properties, { kty: "EC", curveName: "P-256", keyOps: ["sign", "verify"] });
            assert.match(
                await valueOf(site.signing.kmsRef),
                /^azurekms:\/\/aztkv[0-9a-f]{8}\.vault\.azure\.net\/chains-signing$/,
            );
        });

        it("binds ServiceAccounts and pods through AKS workload identity and passes the storage account", async () => {
            for (const role of ["build", "records", "promote", "chains"] as const) {
                assert.deepEqual(await valueOf(site.identities[role].serviceAccountAnnotations), {
                    "azure.workload.identity/client-id": computed.clientId(`azt-${role}`),
                });
                assert.deepEqual(site.identities[role].podLabels, { "azure.workload.identity/use": "true" });
            }
            const account = inputs("azure-native:storage:StorageAccount", "azt-artifacts").accountName;
            assert.equal(await valueOf(site.identities.env.AZURE_STORAGE_ACCOUNT), account);
            assert.equal(await valueOf(site.identities.env.AZURE_STORAGE_AUTH_MODE), "login");
        });
    });

    describe("webhook", () => {
        it("exposes the EventListener on a static public IP the LoadBalancer Service names", () => {
            const ip = inputs("azure-native:network:PublicIPAddress", "azt-webhook-ip");
            assert.equal(ip.publicIPAllocationMethod, "Static");
            assert.equal(ip.sku.name, "Standard");
            assert.match(ip.dnsSettings.domainNameLabel, /^azt-webhook-[0-9a-f]{8}$/);
            assert.equal(site.webhook.serviceType, "LoadBalancer");
            assert.deepEqual(site.webhook.serviceAnnotations, {
                "service.beta.kubernetes.io/azure-pip-name": ip.publicIpAddressName,
                "service.beta.kubernetes.io/azure-load-balancer-resource-group": "azt-ci",
            });
        });

        it("tells the stack outputs the URL GitHub posts to, on the IP's Azure DNS name", async () => {
            const ip = inputs("azure-native:network:PublicIPAddress", "azt-webhook-ip");
            const host = `${ip.dnsSettings.domainNameLabel}.westeurope.cloudapp.azure.com`;
            assert.equal(await valueOf(site.webhook.url as pulumi.Output<string>), `http://${host}/`);
            assert.match(await valueOf(site.webhook.dns as pulumi.Output<string>), /^nothing to do: /);
            assert.doesNotMatch(site.webhook.description, /webhookFqdn/);
        });

        it("lets the cluster identity attach that IP, on its resource group only", () => {
            const grant = find("azure-native:authorization:RoleAssignment", "azt-cluster-network");
            assert.equal(grant.inputs.roleDefinitionId, roleId(roles.networkContributor));
            assert.equal(grant.inputs.scope, "azt-rg-id");
            assert.equal(grant.inputs.principalId, computed.clusterPrincipalId("azt-cluster"));
        });
    });

    describe("azure e2e gate", () => {
        it("creates the public DNS zone of the base domain, protected, in its own resource group", () => {
            const zone = find("azure-native:dns:Zone", "azt-e2e-azure-zone");
            assert.equal(zone.inputs.zoneName, "azure.ci.example.org");
            assert.equal(zone.inputs.zoneType, "Public");
            assert.equal(zone.inputs.resourceGroupName, "azt-e2e-dns");
            assert.equal(zone.protect, true);
            assert.equal(zone.retainOnDelete, true);
            assert.equal(find("azure-native:resources:ResourceGroup", "azt-e2e-azure-dns-rg").protect, true);
            assert.ok(zone.provider.startsWith(`${find("pulumi:providers:azure-native", "azt-azure").urn}::`));
        });

        it("hands the installer its service principal file as a secret and names the zone's resource group", async () => {
            assert.equal(site.gates.length, 1);
            const [gate] = site.gates;
            assert.equal(gate.platform, "azure");
            assert.equal(gate.blocking, false);
            assert.equal(await valueOf(gate.zone), "azt-e2e-azure-zone-id");
            assert.equal(await valueOf(gate.env.AZURE_BASE_DOMAIN_RESOURCE_GROUP), "azt-e2e-dns");
            assert.equal(gate.credentials.fileName, "osServicePrincipal.json");
            assert.equal(gate.credentials.envVar, "AZURE_AUTH_LOCATION");
            assert.equal(await pulumi.isSecret(gate.credentials.value as pulumi.Output<string>), true);
            assert.equal(gate.credentialsMode, "Passthrough");
        });
    });
});
