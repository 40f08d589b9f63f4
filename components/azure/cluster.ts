import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { type CloudSiteArgs, aksSpotLabelKey, assertNodeLabels, buildPoolLabel, buildPoolTaint } from "../shared";
import { type KubeloginMode, withKubeloginMode } from "./kubeconfig";
import { nameOf } from "./naming";
import { azureAdminPrincipal, roleDefinitionId } from "./roles";

/**
 * The label and taint AKS puts on every spot pool by itself ("A Spot node pool has the
 * `kubernetes.azure.com/scalesetpriority:spot` label, the `kubernetes.azure.com/scalesetpriority=spot:NoSchedule`
 * taint", https://learn.microsoft.com/azure/aks/spot-node-pool). AKS reports both in the pool's `nodeLabels` and
 * `nodeTaints`, so the pool declares them too: otherwise a refresh reads them back and the next `up` plans to remove
 * them, and a pool update without the label strips it from the nodes (Azure/AKS#3152). Build pods tolerate the taint.
 */
export const aksSpotLabel = { key: aksSpotLabelKey, value: "spot" } as const;
export const aksSpotTaint = { key: aksSpotLabelKey, value: "spot", effect: "NoSchedule" } as const;

/** Agent pool names: Linux pools allow 1-12 lower-case letters and digits. */
export const poolNames = { system: "system", builds: "builds" } as const;

/**
 * When AKS may upgrade the cluster: a weekly window in UTC (AKS planned maintenance, 4 to 24 hours; "use a
 * maintenance window with a duration of four hours or more" with auto-upgrade).
 */
export interface MaintenanceWindow {
    /** Day of the week, e.g. `Sunday`. */
    day: "Monday" | "Tuesday" | "Wednesday" | "Thursday" | "Friday" | "Saturday" | "Sunday";
    /** Start, `HH:MM` UTC. */
    start: string;
    /** Length, 4-24 hours. */
    hours: number;
}

/**
 * Default window: Sunday 08:00-12:00 UTC, after the night's builds (nightly default 02:00 UTC) and the purge (04:00),
 * away from the Monday release run (05:00). An upgrade drains nodes, so a build running in the window may be evicted
 * and retried; the build pool is usually at zero nodes then.
 */
export const defaultMaintenanceWindow: MaintenanceWindow = { day: "Sunday", start: "08:00", hours: 4 };

/**
 * The three AKS planned-maintenance configurations (https://learn.microsoft.com/azure/aks/planned-maintenance), all in
 * the same window: `default` (AKS's weekly releases of control-plane components and add-ons),
 * `aksManagedAutoUpgradeSchedule` (the `patch` upgrade channel's upgrades) and `aksManagedNodeOSUpgradeSchedule` (the
 * `NodeImage` channel's node image upgrades). Without them AKS upgrades whenever it likes. Maintenance is best effort,
 * and AKS may break the window for urgent fixes.
 */
export const maintenanceConfigNames = [
    "default",
    "aksManagedAutoUpgradeSchedule",
    "aksManagedNodeOSUpgradeSchedule",
] as const;

export interface ClusterArgs {
    resourceGroupName: pulumi.Input<string>;
    /** AKS resource name, also the DNS prefix of the API server. */
    clusterName: string;
    location: string;
    kubernetesVersion: string;
    /** AKS pricing tier of the control plane. */
    tier: "Free" | "Standard";
    systemPool: CloudSiteArgs["systemPool"];
    /** Managed OS disk of each system node, GiB; unset: AKS's default for the VM size (P10, 128 GiB, below 8 vCPUs). */
    systemOsDiskGb?: number;
    buildPool: CloudSiteArgs["buildPool"];
    tags: Record<string, string>;
    subscriptionId: pulumi.Input<string>;
    /** Object id of whoever runs `pulumi up`: it gets cluster-admin through Azure RBAC when `adminPrincipals` is empty. */
    deployerObjectId: pulumi.Input<string>;
    /** `<kind>:<object id>` of every admin (src/config/cross-keys.ts checks the form); empty: the deployer only. */
    adminPrincipals: string[];
    /** Whether the deployer is a person or a service principal (CI). */
    deployerPrincipalType: pulumi.Input<"User" | "ServicePrincipal">;
    kubeloginMode: KubeloginMode;
    maintenance: MaintenanceWindow;
    /** Public IPv4 blocks allowed to reach the API server; empty: any address (Entra ID still authenticates). */
    controlPlaneCidrs: string[];
}

export interface BuildCluster {
    cluster: containerservice.ManagedCluster;
    buildPool: containerservice.AgentPool;
    maintenance: containerservice.MaintenanceConfiguration[];
    /** Let the admins (the deployer among them) use the Kubernetes API: in-cluster objects must wait for them. */
    deployerAccess: authorization.RoleAssignment[];
    /** Exec kubeconfig (kubelogin), a secret Output. */
    kubeconfig: pulumi.Output<string>;
    provider: k8s.Provider;
    /** OIDC issuer URL that federated credentials trust. */
    oidcIssuerUrl: pulumi.Output<string>;
    /** Object id of the kubelet identity (pulls images for pods). */
    kubeletObjectId: pulumi.Output<string>;
    /** Principal id of the cluster's own (control plane) identity. */
    clusterPrincipalId: pulumi.Output<string>;
}

/**
 * The build cluster: AKS with Entra ID authentication and Azure RBAC (local accounts off, so there is no static
 * cluster-admin certificate to leak), the OIDC issuer and workload identity on, a small system pool inline and the
 * build pool as a separate spot pool that scales to zero.
 */
export function createCluster(name: string, args: ClusterArgs, opts: pulumi.CustomResourceOptions): BuildCluster {
    const cluster = new containerservice.ManagedCluster(
        `${name}-cluster`,
        {
            resourceName: args.clusterName,
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            dnsPrefix: args.clusterName,
            kubernetesVersion: args.kubernetesVersion,
            sku: { name: "Base", tier: args.tier },
            identity: { type: "SystemAssigned" },
            nodeResourceGroup: `${args.clusterName}-nodes`,
            enableRBAC: true,
            aadProfile: { managed: true, enableAzureRBAC: true },
            disableLocalAccounts: true,
            oidcIssuerProfile: { enabled: true },
            // API server authorized IP ranges (https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges).
            // AKS adds the cluster's own outbound IP, so nodes and pods keep reaching it. Always sent: an empty list is
            // how AKS turns the restriction off again.
            apiServerAccessProfile: { authorizedIPRanges: args.controlPlaneCidrs },
            securityProfile: { workloadIdentity: { enabled: true } },
            // `patch`: AKS applies patch releases of the configured minor in the maintenance window; the minor stays
            // `kubernetesVersion`, so Pulumi's view and the cluster's agree (`stable` or `rapid` would move the minor
            // behind the program's back, and the next `up` would try to go back). `NodeImage`: a new node image weekly,
            // also in the window (https://learn.microsoft.com/azure/aks/auto-upgrade-cluster,
            // https://learn.microsoft.com/azure/aks/auto-upgrade-node-os-image).
            autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
            networkProfile: {
                networkPlugin: "azure",
                networkPluginMode: "overlay",
                networkDataplane: "cilium",
                networkPolicy: "cilium",
                loadBalancerSku: "standard",
            },
            // Inline pools cannot be updated in place (the ARM API rejects it): keep only the fixed system pool here.
            agentPoolProfiles: [
                {
                    name: poolNames.system,
                    mode: "System",
                    type: "VirtualMachineScaleSets",
                    osType: "Linux",
                    vmSize: args.systemPool.instanceType,
                    count: args.systemPool.nodes,
                    enableAutoScaling: false,
                    ...(args.systemOsDiskGb !== undefined
                        ? { osDiskType: "Managed", osDiskSizeGB: args.systemOsDiskGb }
                        : {}),
                },
            ],
            tags: args.tags,
        },
        opts,
    );

    const clusterName = nameOf(cluster, args.clusterName);
    const buildPool = createBuildPool(name, clusterName, args, opts);
    const maintenance = maintenanceConfigNames.map(
        (configName) =>
            new containerservice.MaintenanceConfiguration(
                `${name}-maintenance-${configName}`,
                {
                    resourceGroupName: args.resourceGroupName,
                    resourceName: clusterName,
                    configName,
                    maintenanceWindow: {
                        schedule: { weekly: { dayOfWeek: args.maintenance.day, intervalWeeks: 1 } },
                        startTime: args.maintenance.start,
                        durationHours: args.maintenance.hours,
                        utcOffset: "+00:00",
                    },
                },
                opts,
            ),
    );

    const adminRole = roleDefinitionId(args.subscriptionId, "aksRbacClusterAdmin");
    // Who may use the Kubernetes API: "Azure Kubernetes Service RBAC Cluster Admin" on this cluster
    // (https://learn.microsoft.com/azure/aks/manage-azure-rbac#create-role-assignments-for-users-to-access-the-cluster).
    // With `adminPrincipals` the list is every admin, the deployer included, so a second admin's `pulumi up` changes
    // nothing; unset, the identity that runs `pulumi up` gets it (and a different one would take it over). ARM allows one
    // assignment of a role per principal and scope (RoleAssignmentExists), so the deployer is never assigned twice.
    const deployerAccess =
        args.adminPrincipals.length > 0
            ? args.adminPrincipals.map((p) => {
                  const { kind, objectId } = parseAdminPrincipal(p);
                  return new authorization.RoleAssignment(
                      `${name}-admin-${objectId.toLowerCase()}`,
                      {
                          principalId: objectId,
                          principalType: kind,
                          roleDefinitionId: adminRole,
                          scope: cluster.id,
                          description: "okd-ci: adminPrincipals manage the in-cluster layer",
                      },
                      opts,
                  );
              })
            : [
                  new authorization.RoleAssignment(
                      `${name}-deployer-admin`,
                      {
                          principalId: args.deployerObjectId,
                          principalType: args.deployerPrincipalType,
                          roleDefinitionId: adminRole,
                          scope: cluster.id,
                          description: "okd-ci: the identity that runs pulumi up manages the in-cluster layer",
                      },
                      opts,
                  ),
              ];
    const deployerIsAdmin = deployerAmongAdmins(args.deployerObjectId, args.adminPrincipals);

    const credentials = containerservice.listManagedClusterUserCredentialsOutput(
        { resourceGroupName: args.resourceGroupName, resourceName: clusterName, format: "exec" },
        { parent: opts.parent, provider: opts.provider },
    );
    const kubeconfig = pulumi.secret(
        credentials.kubeconfigs.apply((configs) =>
            withKubeloginMode(Buffer.from(configs[0].value, "base64").toString("utf8"), args.kubeloginMode),
        ),
    );
    const provider = new k8s.Provider(
        `${name}-k8s`,
        {
            // The same text, once the deployer is known to be an admin (a preview stops here otherwise).
            kubeconfig: pulumi.all([kubeconfig, deployerIsAdmin]).apply(([k]) => k),
            // The kubeconfig is an Output; without a stable identifier every change to it would replace the provider
            // and with it every in-cluster object.
            clusterIdentifier: `okd-ci-azure-${args.clusterName}`,
        },
        { parent: opts.parent },
    );

    return {
        cluster,
        buildPool,
        maintenance,
        deployerAccess,
        kubeconfig,
        provider,
        oidcIssuerUrl: cluster.oidcIssuerProfile.apply((p) => p?.issuerURL as string),
        // Set by AKS on every cluster with a system-assigned identity; absent only under mocks.
        kubeletObjectId: cluster.identityProfile.apply((p) => p?.["kubeletidentity"]?.objectId as string),
        clusterPrincipalId: cluster.identity.apply((i) => i?.principalId as string),
    };
}

/**
 * The build pool: spot VMs (evicted VMs are deleted, so an evicted node costs nothing), any price up to on-demand
 * (`spotMaxPrice: -1`, so eviction happens for capacity only, never for price), autoscaled from `minNodes` (0 when
 * idle). AKS supports one VM size per scale-set pool: the first of `instanceTypes` is used.
 */
function createBuildPool(
    name: string,
    clusterName: pulumi.Input<string>,
    args: ClusterArgs,
    opts: pulumi.CustomResourceOptions,
): containerservice.AgentPool {
    const pool = args.buildPool;
    if (pool.instanceTypes.length > 1) {
        pulumi.log.warn(
            `AKS scale-set pools have one VM size: the build pool uses ${pool.instanceTypes[0]} and ignores ${pool.instanceTypes.slice(1).join(", ")}`,
        );
    }
    const spot: Partial<containerservice.AgentPoolArgs> = pool.spot
        ? { scaleSetPriority: "Spot", scaleSetEvictionPolicy: "Delete", spotMaxPrice: -1 }
        : { scaleSetPriority: "Regular" };
    const nodeLabels: Record<string, string> = {
        [buildPoolLabel.key]: buildPoolLabel.value,
        ...(pool.spot ? { [aksSpotLabel.key]: aksSpotLabel.value } : {}),
    };
    assertNodeLabels("azure", poolNames.builds, nodeLabels);
    const taint = (t: { key: string; value: string; effect: string }) => `${t.key}=${t.value}:${t.effect}`;
    return new containerservice.AgentPool(
        `${name}-builds`,
        {
            agentPoolName: poolNames.builds,
            resourceGroupName: args.resourceGroupName,
            resourceName: clusterName,
            mode: "User",
            type: "VirtualMachineScaleSets",
            osType: "Linux",
            // The control plane's minor, so a `kubernetesVersion` change moves this pool in the same `up` (after the
            // cluster, which it depends on). A separate AgentPool keeps its own version otherwise, and AKS refuses a
            // pool more than two minors behind the control plane. A <major.minor> value takes the newest GA patch,
            // and re-sending it triggers no upgrade (azure-native containerservice AgentPoolArgs.orchestratorVersion;
            // https://learn.microsoft.com/azure/aks/use-multiple-node-pools#upgrade-a-node-pool).
            orchestratorVersion: args.kubernetesVersion,
            vmSize: pool.instanceTypes[0],
            osDiskSizeGB: pool.diskGb,
            // Managed disks take any size; an ephemeral OS disk must fit the VM's cache, which D8s_v5 does not have.
            osDiskType: "Managed",
            enableAutoScaling: true,
            minCount: pool.minNodes,
            maxCount: pool.maxNodes,
            count: pool.minNodes,
            ...spot,
            nodeLabels,
            nodeTaints: [taint(buildPoolTaint), ...(pool.spot ? [taint(aksSpotTaint)] : [])],
            tags: args.tags,
        },
        // The autoscaler owns the node count; writing it back on every `up` would resize the pool.
        { ...opts, ignoreChanges: ["count"] },
    );
}

/** `<kind>:<object id>` as the config gives it, with the kind as a role assignment's `principalType`. */
export function parseAdminPrincipal(p: string): { kind: "User" | "Group" | "ServicePrincipal"; objectId: string } {
    const m = azureAdminPrincipal.exec(p);
    if (m === null) {
        throw new Error(
            `okd-ci:adminPrincipals entry ${JSON.stringify(p)} is not <kind>:<Entra object id>; expected user:, group: or servicePrincipal: and a GUID`,
        );
    }
    const kinds = { user: "User", group: "Group", servicePrincipal: "ServicePrincipal" } as const;
    return { kind: kinds[m[1] as keyof typeof kinds], objectId: m[2].toLowerCase() };
}

/**
 * With `adminPrincipals` set, the identity that runs `pulumi up` reaches the cluster only if it is listed (directly; a
 * group it belongs to also works, which the stack cannot see, so a listed group counts as "maybe" and passes). The
 * offline synth's placeholder object id is not a GUID and skips the check.
 */
export function deployerAmongAdmins(
    deployerObjectId: pulumi.Input<string>,
    adminPrincipals: string[],
): pulumi.Output<true> {
    const listed = adminPrincipals.map(parseAdminPrincipal);
    return pulumi.output(deployerObjectId).apply((id) => {
        if (listed.length === 0 || !/^[0-9a-f-]{36}$/i.test(id)) return true as const;
        if (listed.some((p) => p.kind === "Group" || p.objectId === id.toLowerCase())) return true as const;
        throw new Error(
            `okd-ci:adminPrincipals does not include the identity running pulumi up (object id ${id}); expected it among [${adminPrincipals.join(", ")}]: with adminPrincipals set only they get "Azure Kubernetes Service RBAC Cluster Admin", so add it (user:${id} or servicePrincipal:${id}) or deploy as one of them`,
        );
    });
}
