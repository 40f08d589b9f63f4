import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as pulumi from "@pulumi/pulumi";

import { type SiteRegistry, identityGrants, repositoryPaths, repositoryRoles, stateful } from "../shared";
import { nameOf } from "./naming";
import { purgeSchedule, purgeTaskYaml } from "./purge";
import { roleDefinitionId } from "./roles";

export interface RegistryArgs {
    resourceGroupName: pulumi.Input<string>;
    /** Globally unique registry name (5-50 letters and digits). */
    registryName: pulumi.Input<string>;
    location: string;
    /** `Standard` (100 GiB included) or `Basic` (10 GiB included; the small profile). */
    sku: "Basic" | "Standard";
    namePrefix: string;
    nightlyDays: number;
    /** Days an untagged manifest in an expiring repository is kept after its last update. */
    untaggedDays: number;
    /** Nightly payloads older than `nightlyDays` kept anyway, newest first. */
    keepPayloads: number;
    protect: boolean;
    tags: Record<string, string>;
    subscriptionId: pulumi.Input<string>;
    /** Kubelet identity of the build cluster: pods run images built here (e.g. the installer under test). */
    kubeletObjectId: pulumi.Input<string>;
}

/**
 * The builds' push credential on Azure: an ACR token whose scope map allows only the build repositories
 * (`identityGrants.build`), minted short-lived by the build identity. ACR's Entra roles are registry-wide with this
 * SDK (AcrPush on the registry lets a holder push the tools image and promoted releases too); repository-scoped Entra
 * permissions need the registry's ABAC mode (`roleAssignmentMode`, API 2024-11-01-preview and later), which the
 * azure-native SDK's default Registry API (2023-01-01-preview) does not expose, and which would also stop AcrPull,
 * AcrPush and the purge task's default access for every other principal
 * (https://learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions).
 * Tokens with scope maps scope a credential to named repositories in every service tier
 * (https://learn.microsoft.com/azure/container-registry/container-registry-token-based-repository-permissions).
 */
export interface BuildToken {
    scopeMap: containerregistry.ScopeMap;
    token: containerregistry.Token;
    /** The token's name: the user name its passwords go with. */
    tokenName: string;
    /** A custom role that may only read the registry and its tokens and generate token passwords. */
    minterRole: authorization.RoleDefinition;
    /** Its id as role assignments name it, `/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>`. */
    minterRoleId: pulumi.Output<string>;
}

/** The scope map actions of a push to `repositories` (pull included: a build reads the layers it builds FROM). */
export function pushScopeActions(repositories: readonly string[]): string[] {
    return repositories.flatMap((r) => [
        `repositories/${r}/content/read`,
        `repositories/${r}/content/write`,
        `repositories/${r}/metadata/read`,
    ]);
}

/**
 * What the token minter's custom role allows: generating a token password (`generateCredentials/action`, the
 * action `az acr token credential generate` calls) and the reads the CLI does first. Like the role Azure Red Hat
 * OpenShift's resource provider rotates its ACR token passwords with (openshift/ARO-RP
 * pkg/deploy/generator/resources_rp.go, "ARO v4 ContainerRegistry Token Contributor"), without tokens/write: the
 * minter cannot create a token or change a scope map. It can generate passwords of any token of the registry; the
 * site creates only the build token.
 */
export const tokenMinterActions = [
    "Microsoft.ContainerRegistry/registries/read",
    "Microsoft.ContainerRegistry/registries/tokens/read",
    "Microsoft.ContainerRegistry/registries/generateCredentials/action",
];

export interface Registry {
    registry: containerregistry.Registry;
    build: BuildToken;
    purge: containerregistry.Task;
    /** Child and extension resources at the registry's scope (the purge task, role assignments). */
    children: pulumi.Resource[];
    site: SiteRegistry;
}

/**
 * The site registry: ACR Standard (100 GiB included) or Basic (10 GiB, small profile), admin user off so only Entra identities can push or pull, and a
 * scheduled ACR Task that expires the nightly repositories. It holds promoted releases, so it is protected.
 */
export function createRegistry(name: string, args: RegistryArgs, opts: pulumi.CustomResourceOptions): Registry {
    const registry = new containerregistry.Registry(
        `${name}-registry`,
        {
            registryName: args.registryName,
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            sku: { name: args.sku },
            adminUserEnabled: false,
            anonymousPullEnabled: false,
            publicNetworkAccess: "Enabled",
            tags: args.tags,
        },
        { ...opts, ...stateful(args.protect) },
    );

    const registryName = nameOf(registry, args.registryName);
    const purge = new containerregistry.Task(
        `${name}-registry-purge`,
        {
            taskName: "purge-expiring",
            registryName,
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            platform: { os: "Linux", architecture: "amd64" },
            agentConfiguration: { cpu: 2 },
            status: "Enabled",
            timeout: 3600,
            step: {
                type: "EncodedTask",
                encodedTaskContent: Buffer.from(
                    purgeTaskYaml(args.namePrefix, args.nightlyDays, args.untaggedDays, args.keepPayloads),
                ).toString("base64"),
            },
            trigger: { timerTriggers: [{ name: "daily", schedule: purgeSchedule, status: "Enabled" }] },
            tags: args.tags,
        },
        opts,
    );

    const kubeletPull = new authorization.RoleAssignment(
        `${name}-kubelet-acr-pull`,
        {
            principalId: args.kubeletObjectId,
            principalType: "ServicePrincipal",
            roleDefinitionId: roleDefinitionId(args.subscriptionId, "acrPull"),
            scope: registry.id,
            description: "okd-ci: build cluster nodes pull images built by the pipelines",
        },
        opts,
    );

    // `<name>.azurecr.io` is the login server of every registry in the public cloud; computing it from the name keeps
    // it known at preview time.
    const host = registryName.apply((n) => `${n.toLowerCase()}.azurecr.io`);
    const repositories = Object.fromEntries(
        repositoryRoles.map((role) => [role, pulumi.interpolate`${host}/${args.namePrefix}/${repositoryPaths[role]}`]),
    ) as SiteRegistry["repositories"];
    const tokenName = "okd-build-push";
    const scopeMap = new containerregistry.ScopeMap(
        `${name}-build-scope`,
        {
            registryName,
            resourceGroupName: args.resourceGroupName,
            scopeMapName: tokenName,
            description: "okd-ci: push and pull the build repositories only",
            actions: pushScopeActions(
                identityGrants.build.push.map((role) => `${args.namePrefix}/${repositoryPaths[role]}`),
            ),
        },
        opts,
    );
    // No password here: the build identity generates short-lived ones (registry-auth.sh), none is in the state.
    const token = new containerregistry.Token(
        `${name}-build-token`,
        {
            registryName,
            resourceGroupName: args.resourceGroupName,
            tokenName,
            scopeMapId: scopeMap.id,
            status: "enabled",
        },
        // The passwords (their names, creation and expiry times; ARM never returns a value) belong to the minter: an
        // update of the token must not send back what a refresh read.
        { ...opts, ignoreChanges: ["credentials"] },
    );
    // A custom role is defined at a subscription or resource group (the site's); it is assigned at the registry only.
    const resourceGroupId = pulumi.interpolate`/subscriptions/${args.subscriptionId}/resourceGroups/${args.resourceGroupName}`;
    const minterRole = new authorization.RoleDefinition(
        `${name}-token-minter`,
        {
            scope: resourceGroupId,
            roleName: pulumi.interpolate`okd-ci ${args.namePrefix} build token minter (${registryName})`,
            description: "okd-ci: generates passwords of the registry's build push token; no other registry access",
            roleType: "CustomRole",
            permissions: [{ actions: tokenMinterActions, notActions: [] }],
            assignableScopes: [resourceGroupId],
        },
        opts,
    );
    return {
        registry,
        build: {
            scopeMap,
            token,
            tokenName,
            minterRole,
            minterRoleId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${minterRole.name}`,
        },
        purge,
        children: [purge, kubeletPull, scopeMap, token, minterRole],
        site: { host, repositories, insecure: false },
    };
}
