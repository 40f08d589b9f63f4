import * as authorization from "@pulumi/azure-native/authorization";
import { Provider } from "@pulumi/azure-native/provider";
import * as resources from "@pulumi/azure-native/resources";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { standardSupportEnds, supportedMinors } from "../shared/kubernetes";
import type { SiteProfile } from "../shared/model";
import {
    type BuildPlacement,
    type CloudSiteArgs,
    type GateAccess,
    type IdentityRole,
    type Site,
    type SiteIdentities,
    type SiteSigningKey,
    type SiteArtifacts,
    type SiteRegistry,
    type WebhookExposure,
    buildPlacement,
    gateComponentName,
    physicalName,
    siteGates,
    standardTags,
} from "../shared";
import { createArtifacts } from "./artifacts";
import { type MaintenanceWindow, aksSpotTaint, createCluster, defaultMaintenanceWindow } from "./cluster";
import { AzureE2eGate } from "./gate";
import { createSiteIdentity, identityNames, workloadIdentity } from "./identity";
import { type KubeloginMode } from "./kubeconfig";
import { compactName, globalSuffix, nameOf } from "./naming";
import { createRegistry } from "./registry";
import { createDeleteLock } from "./locks";
import { deployerPrincipalType, roleDefinitionId } from "./roles";
import { createSigningKey } from "./signing";
import { createFrontDoor, createWebhookAddress, frontDoorExposure } from "./webhook";

export interface AzureSiteArgs extends CloudSiteArgs {
    /**
     * AKS control plane tier. `Free` (default): no charge, no uptime SLA, fine for CI. `Standard`: financially backed
     * SLA and more API server capacity, about 0.10 USD per cluster hour (73 USD a month).
     */
    clusterTier?: "Free" | "Standard";
    /** How the exported kubeconfig's kubelogin gets tokens. Default `azurecli` (`az login`, or `azure/login` in CI). */
    kubeloginMode?: KubeloginMode;
    /**
     * Whether whoever runs `pulumi up` is a user or a service principal. Default: guessed from the client the token
     * was issued to (Azure CLI, PowerShell or VS Code: a user; anything else: a service principal).
     */
    deployerPrincipalType?: "User" | "ServicePrincipal";
    /** When AKS may upgrade control plane, add-ons and node images. Default: Sunday 08:00-12:00 UTC. */
    maintenanceWindow?: MaintenanceWindow;
}

/**
 * A warning from a month before `minor` leaves AKS standard support. After that date the cluster is in "platform
 * support": the `patch` channel stops (auto-upgrade "requires the cluster's Kubernetes version to be within the AKS
 * support window"), and once it would fall out of that too AKS upgrades the cluster itself ("AKS automatically upgrades
 * clusters in version N-3 ... that are about to fall to N-4"), behind the program's back
 * (https://learn.microsoft.com/azure/aks/auto-upgrade-cluster).
 */
export function standardSupportWarning(minor: string, today: Date): string | undefined {
    const end = standardSupportEnds("azure", minor);
    if (end === undefined) return undefined;
    const days = Math.floor((Date.parse(`${end}T23:59:59Z`) - today.getTime()) / 86_400_000);
    if (days > 30) return undefined;
    const minorOf = (v: string) => Number(v.split(".")[1]);
    const newer = supportedMinors("azure").filter((m) => minorOf(m) > minorOf(minor));
    const next =
        newer.length > 0 ? `set okd-ci:kubernetesVersion to ${newer[newer.length - 1]}` : "move to a newer minor";
    return `Kubernetes ${minor} ${days >= 0 ? `leaves AKS standard support on ${end}` : `left AKS standard support on ${end}`}: ${next}; after that AKS stops patching it and later upgrades it itself.`;
}

/**
 * What `profile` changes on Azure (docs/platforms/azure.md, "Small profile"). The smaller system pool comes from the
 * configuration defaults (`smallProfileDefaults`); the site makes its OS disk a 64 GiB managed disk (P6 instead of the
 * default P10/128 GiB) and the registry Basic (10 GiB included, storage beyond billed per GiB) instead of Standard.
 */
export const azureLayouts = {
    standard: { registrySku: "Standard", systemOsDiskGb: undefined },
    small: { registrySku: "Basic", systemOsDiskGb: 64 },
} as const satisfies Record<SiteProfile, { registrySku: "Basic" | "Standard"; systemOsDiskGb: number | undefined }>;

/** Name of the blob container of the artifacts. */
export const artifactContainerName = "artifacts";

/**
 * The Azure site: an AKS build cluster with a spot build pool that scales to zero, an ACR registry whose nightly
 * repositories expire, a Blob Storage container for logs and release records, one user-assigned managed identity per
 * pipeline role through AKS workload identity (so no key is stored anywhere), and Chains' signing key in Key Vault. Every resource goes through one
 * explicit azure-native provider, in the configured location.
 */
export class AzureSite extends pulumi.ComponentResource implements Site {
    public readonly platform = "azure" as const;
    public readonly provider: k8s.Provider;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly ready: pulumi.Resource[];
    public readonly registry: SiteRegistry;
    public readonly artifacts: SiteArtifacts;
    public readonly identities: SiteIdentities;
    public readonly signing: SiteSigningKey;
    public readonly buildPool: BuildPlacement;
    public readonly webhook: WebhookExposure;
    public readonly gates: GateAccess[];

    constructor(name: string, args: AzureSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:azure:Site", name, {}, opts);
        const supportWarning = standardSupportWarning(args.kubernetesVersion, new Date());
        if (supportWarning !== undefined) pulumi.log.warn(supportWarning, this);
        const location = args.region;
        const prefix = args.namePrefix;
        const tags = standardTags(args.tags);
        const layout = azureLayouts[args.profile ?? "standard"];

        const azure = new Provider(`${name}-azure`, { location }, { parent: this });
        const inSite = { parent: this, provider: azure };
        const client = authorization.getClientConfigOutput({ parent: this, provider: azure });
        const subscriptionId = client.subscriptionId;
        const suffix = subscriptionId.apply((s) => globalSuffix(s, pulumi.getStack(), prefix));

        const groupName = physicalName(prefix, ["ci"], 90);
        const group = new resources.ResourceGroup(
            `${name}-rg`,
            { resourceGroupName: groupName, location, tags },
            inSite,
        );
        const resourceGroupName = nameOf(group, groupName);

        const cluster = createCluster(
            name,
            {
                resourceGroupName,
                clusterName: physicalName(prefix, ["build"]),
                location,
                kubernetesVersion: args.kubernetesVersion,
                tier: args.clusterTier ?? "Free",
                systemPool: args.systemPool,
                systemOsDiskGb: layout.systemOsDiskGb,
                buildPool: args.buildPool,
                tags,
                subscriptionId,
                deployerObjectId: client.objectId,
                adminPrincipals: args.adminPrincipals ?? [],
                deployerPrincipalType:
                    args.deployerPrincipalType ?? client.clientId.apply((id) => deployerPrincipalType(id)),
                kubeloginMode: args.kubeloginMode ?? "azurecli",
                maintenance: args.maintenanceWindow ?? defaultMaintenanceWindow,
                controlPlaneCidrs: args.controlPlaneCidrs ?? [],
            },
            inSite,
        );
        this.provider = cluster.provider;
        this.kubeconfig = cluster.kubeconfig;

        const registry = createRegistry(
            name,
            {
                resourceGroupName,
                registryName: suffix.apply((s) => compactName(prefix, "cr", s, 50)),
                location,
                sku: layout.registrySku,
                namePrefix: prefix,
                nightlyDays: args.retention.nightlyDays,
                untaggedDays: args.retention.untaggedDays,
                keepPayloads: args.retention.keepPayloads ?? args.retention.nightlyDays,
                protect: args.protect,
                tags,
                subscriptionId,
                kubeletObjectId: cluster.kubeletObjectId,
            },
            inSite,
        );
        this.registry = registry.site;

        const artifacts = createArtifacts(
            name,
            {
                resourceGroupName,
                accountName: suffix.apply((s) => compactName(prefix, "", s, 24)),
                containerName: artifactContainerName,
                location,
                logDays: args.retention.logDays,
                protect: args.protect,
                tags,
            },
            inSite,
        );
        this.artifacts = artifacts.site;

        const signingKey = createSigningKey(
            name,
            {
                resourceGroupName,
                vaultName: suffix.apply((s) => compactName(prefix, "kv", s, 24)),
                location,
                tenantId: client.tenantId,
                protect: args.protect,
                tags,
            },
            inSite,
        );
        this.signing = { kmsRef: signingKey.kmsRef, ready: [signingKey.key] };
        const identityArgs = {
            resourceGroupName,
            identityName: (role: IdentityRole) => physicalName(prefix, [identityNames[role]], 128),
            location,
            issuer: cluster.oidcIssuerUrl,
            tags,
            subscriptionId,
            registryId: registry.registry.id,
            tokenMinterRoleId: registry.build.minterRoleId,
            containerId: artifacts.container.id,
            signingKeyId: signingKey.key.id,
        };
        const gated = Object.keys(args.gates).length > 0;
        const roles: IdentityRole[] = [
            "build",
            "records",
            "promote",
            "chains",
            ...(gated ? (["e2ePull"] as const) : []),
        ];
        const created = Object.fromEntries(
            roles.map((role) => [role, createSiteIdentity(name, role, identityArgs, inSite)]),
        ) as Partial<Record<IdentityRole, ReturnType<typeof createSiteIdentity>>>;
        const all = Object.values(created).filter((c) => c !== undefined);
        const grants = all.flatMap((c) => c.grants);
        // Role assignments at a locked scope cannot be deleted either, so each lock waits for the grants under it.
        createDeleteLock(
            `${name}-registry-lock`,
            {
                scope: registry.registry.id,
                holds: "promoted OKD release payloads and their content",
                under: [...registry.children, ...grants],
                protect: args.protect,
            },
            inSite,
        );
        createDeleteLock(
            `${name}-artifacts-lock`,
            {
                scope: artifacts.account.id,
                holds: "OKD release records",
                under: [...artifacts.children, ...grants],
                protect: args.protect,
            },
            inSite,
        );
        createDeleteLock(
            `${name}-signing-lock`,
            {
                scope: signingKey.vault.id,
                holds: "the key that signed every release's provenance",
                under: [signingKey.key, ...grants],
                protect: args.protect,
            },
            inSite,
        );
        const wi = (role: IdentityRole) => {
            const c = created[role];
            if (c === undefined) throw new Error(`the azure site created no ${role} identity`);
            return {
                serviceAccountAnnotations: c.identity.serviceAccountAnnotations,
                podLabels: { ...workloadIdentity.podLabels },
            };
        };
        this.identities = {
            build: {
                ...wi("build"),
                // The minter generates passwords of this token (registry-auth.sh), not an Entra registry token.
                env: {
                    ACR_TOKEN_NAME: pulumi.output(registry.build.tokenName),
                    ACR_RESOURCE_GROUP: pulumi.output(resourceGroupName),
                },
            },
            records: wi("records"),
            promote: wi("promote"),
            chains: wi("chains"),
            ...(gated ? { e2ePull: wi("e2ePull") } : {}),
            // The workload identity webhook adds AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE.
            env: {
                AZURE_SUBSCRIPTION_ID: subscriptionId,
                AZURE_LOCATION: pulumi.output(location),
                AZURE_STORAGE_ACCOUNT: artifacts.accountName,
                AZURE_STORAGE_CONTAINER: artifacts.site.bucket,
                // `az storage` then authenticates with Entra ID; the account accepts nothing else.
                AZURE_STORAGE_AUTH_MODE: pulumi.output("login"),
                AZURE_CONTAINER_REGISTRY: registry.site.host.apply((h) => h.split(".")[0]),
            },
        };

        this.buildPool = buildPlacement(
            args.buildPool.spot
                ? [{ key: aksSpotTaint.key, operator: "Equal", value: aksSpotTaint.value, effect: aksSpotTaint.effect }]
                : [],
        );

        const webhookIpName = physicalName(prefix, ["webhook"], 80);
        const webhook = createWebhookAddress(
            name,
            {
                resourceGroupName,
                resourceGroupPlainName: groupName,
                ipName: webhookIpName,
                dnsLabel: suffix.apply((s) => `${prefix}-webhook-${s}`),
                location,
                tags,
            },
            inSite,
        );
        // AKS attaches an IP outside its node resource group only with this role on the IP's group.
        const webhookIpAccess = new authorization.RoleAssignment(
            `${name}-cluster-network`,
            {
                principalId: cluster.clusterPrincipalId,
                principalType: "ServicePrincipal",
                roleDefinitionId: roleDefinitionId(subscriptionId, "networkContributor"),
                scope: group.id,
                description: "okd-ci: AKS attaches the webhook's static public IP to its load balancer",
            },
            inSite,
        );
        // With a host name, Front Door serves TLS in front of the same address (see createFrontDoor).
        const hostname = args.webhook?.hostname;
        const frontDoor =
            hostname === undefined
                ? undefined
                : createFrontDoor(
                      name,
                      {
                          resourceGroupName,
                          baseName: physicalName(prefix, ["webhook"], 50),
                          originHost: webhook.fqdn,
                          hostname,
                          dnsZoneId: args.webhook?.dnsZone,
                          sourceRanges: args.webhook?.sourceRanges ?? [],
                          wafPolicyName: `${prefix.replace(/[^A-Za-z0-9]/g, "")}webhook`,
                          tags,
                      },
                      inSite,
                  );
        this.webhook =
            hostname === undefined || frontDoor === undefined
                ? webhook.exposure
                : frontDoorExposure(webhook, hostname, frontDoor);

        this.gates = this.createGates(name, args, location, tags, azure, subscriptionId);
        this.ready = [
            cluster.cluster,
            cluster.buildPool,
            ...cluster.deployerAccess,
            registry.registry,
            artifacts.container,
            ...all.flatMap((c) => [...c.identity.credentials, ...c.grants]),
            webhook.ip,
            webhookIpAccess,
            ...(frontDoor === undefined ? [] : [frontDoor.route, ...frontDoor.records]),
        ];

        this.registerOutputs({
            kubeconfig: this.kubeconfig,
            registryHost: this.registry.host,
            artifactsUrl: this.artifacts.url,
            identities: Object.fromEntries(
                Object.entries(created).map(([role, c]) => [role, c?.identity.identity.clientId]),
            ),
            webhookUrl: this.webhook.url,
        });
    }

    /** The Azure gate (zone and installer credentials) and, for gates on other clouds, their secret credentials. */
    private createGates(
        name: string,
        args: AzureSiteArgs,
        location: string,
        tags: Record<string, string>,
        azure: Provider,
        siteSubscription: pulumi.Output<string>,
    ): GateAccess[] {
        return siteGates(
            "azure",
            args,
            (gate) =>
                new AzureE2eGate(
                    gateComponentName(name, "azure"),
                    {
                        gate,
                        installerCredentials: args.gateSecrets.azure,
                        siteSubscription,
                        namePrefix: args.namePrefix,
                        location,
                        tags,
                        protect: args.protect,
                    },
                    { parent: this, providers: [azure] },
                ).access,
        );
    }
}
