import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as pulumi from "@pulumi/pulumi";

import { type SiteRegistry, repositoryPaths, repositoryRoles, stateful } from "../shared";
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

export interface Registry {
    registry: containerregistry.Registry;
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
    return { registry, purge, children: [purge, kubeletPull], site: { host, repositories, insecure: false } };
}
