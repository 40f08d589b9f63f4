import { Cluster, NodePool } from "@pulumi/gcp/container";
import * as pulumi from "@pulumi/pulumi";

import { assertNodeLabels } from "../shared/node-labels";
import { buildPoolLabel, buildPoolTaint } from "../shared/site";
import type { CloudSiteArgs } from "../shared/site-args";
import { physicalName } from "../shared/naming";
import { type BuildNetwork, buildNetworkRanges } from "./network";

/** What the cluster needs from the site. */
export interface GkeArgs {
    project: string;
    /** Zone of the (zonal) control plane and of the system pool. */
    zone: string;
    /** Zones of the build pool; default: the cluster's zone. */
    buildZones?: string[];
    namePrefix: string;
    kubernetesVersion: string;
    systemPool: CloudSiteArgs["systemPool"];
    buildPool: CloudSiteArgs["buildPool"];
    /** Email of the nodes' Google service account. */
    nodeServiceAccount: pulumi.Input<string>;
    /**
     * What the nodes' first boot needs besides the account itself (its project roles): the default pool GKE makes,
     * and deletes, during cluster creation runs as that account too.
     */
    nodeServiceAccountReady: pulumi.Resource[];
    /** The site's own network; the nodes have no external address and reach the internet through its Cloud NAT. */
    network: BuildNetwork;
    /** CIDRs that may reach the control plane's public endpoint (master authorized networks); empty: any address. */
    controlPlaneCidrs: string[];
    /** Root disk of a system node, GB. */
    systemDiskGb: number;
    /** Network tags of the system nodes, which firewall rules (the webhook's) target. */
    systemNetworkTags: string[];
    labels: Record<string, string>;
}

export interface Gke {
    cluster: Cluster;
    clusterName: string;
    systemPool: NodePool;
    buildPools: NodePool[];
}

/** Kubernetes taint effects as the GKE API spells them. */
const gkeTaintEffect: Record<string, string> = {
    NoSchedule: "NO_SCHEDULE",
    PreferNoSchedule: "PREFER_NO_SCHEDULE",
    NoExecute: "NO_EXECUTE",
};

// Nodes get their Google identity from a dedicated least-privilege account; the cloud-platform scope only lets IAM,
// not legacy scopes, decide what that account may do (Google's recommendation for custom node service accounts).
const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

/** What every node, of every pool, runs as and with: the site's node account, the GKE metadata server, Shielded VM. */
function nodeIdentity(args: GkeArgs) {
    return {
        serviceAccount: args.nodeServiceAccount,
        oauthScopes: [cloudPlatformScope],
        // Pods see the GKE metadata server, which hands out only their own Workload Identity, never the node's
        // account or the VM's metadata (https://cloud.google.com/kubernetes-engine/docs/concepts/workload-identity).
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
    };
}

function nodeBasics(args: GkeArgs) {
    return {
        ...nodeIdentity(args),
        diskType: "pd-balanced",
        imageType: "COS_CONTAINERD",
        resourceLabels: args.labels,
    };
}

/** Kubernetes labels of a pool, checked against what GKE's node pool API accepts before anything is declared. */
function poolLabels(pool: string, labels: Record<string, string>): Record<string, string> {
    assertNodeLabels("gcp", pool, labels);
    return labels;
}

/**
 * Automatic minor upgrades are excluded until the control plane's minor leaves standard support: the minor is the one
 * `kubernetesVersion` names (the program raises `minMasterVersion`, and a user-initiated upgrade is not blocked by an
 * exclusion), patches still arrive in the maintenance window, and at the end of standard support GKE upgrades as
 * before. `UNTIL_END_OF_SUPPORT` ends the exclusion at the end of support of the control plane's current minor, so
 * it follows each upgrade with no date to maintain (@pulumi/gcp ClusterMaintenancePolicyMaintenanceExclusion
 * ExclusionOptions `scope`, `endTimeBehavior`; GKE API ExclusionUntilEndOfSupport: "the cluster control plane
 * version's end of support time"; https://cloud.google.com/kubernetes-engine/docs/concepts/maintenance-windows-and-exclusions).
 * The start time is fixed so that previews stay quiet.
 */
export const minorUpgradeExclusion = {
    exclusionName: "okd-ci-minor-follows-kubernetes-version",
    startTime: "2026-12-01T00:00:00Z",
    exclusionOptions: { scope: "NO_MINOR_UPGRADES", endTimeBehavior: "UNTIL_END_OF_SUPPORT" },
};

/**
 * A zonal GKE Standard cluster with Workload Identity, a small fixed system pool and an autoscaled spot build pool per
 * machine type. Zonal: the GKE free tier credit covers the management fee of one zonal cluster per billing account;
 * a regional control plane would cost about 73 USD a month for availability a nightly build system does not need.
 *
 * Nodes are private (no external address) in the site's own network and reach the internet through its Cloud NAT;
 * the control plane keeps its public endpoint, limited to `controlPlaneCidrs` when set, so `pulumi up` and kubectl
 * work from outside the VPC.
 */
export function createGke(name: string, args: GkeArgs, opts: pulumi.CustomResourceOptions): Gke {
    const clusterName = physicalName(args.namePrefix, ["build"], 40);
    const cluster = new Cluster(
        `${name}-cluster`,
        {
            name: clusterName,
            project: args.project,
            location: args.zone,
            // REGULAR gets versions a few weeks after RAPID, once they are proven, and carries every minor we allow
            // in `kubernetesVersion`; minMasterVersion is only a floor. On a release channel GKE moves a cluster to
            // the channel's auto-upgrade target, a newer minor, months before the current one leaves standard
            // support; the NO_MINOR_UPGRADES exclusion below keeps the minor `kubernetesVersion` says until then.
            releaseChannel: { channel: "REGULAR" },
            minMasterVersion: args.kubernetesVersion,
            workloadIdentityConfig: { workloadPool: `${args.project}.svc.id.goog` },
            // Node pools are separate resources, so changing one never replaces the cluster.
            removeDefaultNodePool: true,
            initialNodeCount: 1,
            // The default pool exists for a few minutes during creation, and hardened projects disable the Compute
            // Engine default account it would otherwise run as: it runs as the site's node account, like every pool.
            nodeConfig: nodeIdentity(args),
            networkingMode: "VPC_NATIVE",
            network: args.network.network.id,
            subnetwork: args.network.subnet.id,
            ipAllocationPolicy: {
                clusterSecondaryRangeName: buildNetworkRanges.pods.rangeName,
                servicesSecondaryRangeName: buildNetworkRanges.services.rangeName,
                stackType: "IPV4",
            },
            // No external address on any node; GKE makes the control plane reachable from the nodes privately
            // (https://cloud.google.com/kubernetes-engine/docs/how-to/latest/network-isolation). The public
            // endpoint stays, for `pulumi up` and kubectl from outside the network.
            privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false },
            masterAuthorizedNetworksConfig: masterAuthorizedNetworks(args.controlPlaneCidrs),
            // GKE Dataplane V2 (eBPF, Cilium-based) always enforces NetworkPolicy: the build namespace's default-deny
            // holds without a network policy add-on (https://cloud.google.com/kubernetes-engine/docs/concepts/dataplane-v2).
            // It is chosen at creation only.
            datapathProvider: "ADVANCED_DATAPATH",
            // The cluster holds no release: images and records live in Artifact Registry and GCS, which Pulumi
            // protects. GKE's own deletion protection would make `pulumi destroy` of a throwaway stack, and any
            // replacement Pulumi plans (a new zone), fail half-way; Pulumi's preview is the guard instead.
            deletionProtection: false,
            resourceLabels: args.labels,
            // Weekend daytime (UTC): clear of the default schedules (nightly 02:00, promotion Monday 05:00). GKE asks
            // for 48 hours in any 32 days; two 8-hour windows a week give about 64.
            maintenancePolicy: {
                recurringWindow: {
                    startTime: "2024-01-06T08:00:00Z",
                    endTime: "2024-01-06T16:00:00Z",
                    recurrence: "FREQ=WEEKLY;BYDAY=SA,SU",
                },
                maintenanceExclusions: [minorUpgradeExclusion],
            },
        },
        {
            ...opts,
            dependsOn: [...dependencies(opts.dependsOn), ...args.nodeServiceAccountReady],
            // After creation the cluster-level nodeConfig describes a pool that no longer exists, and GKE reports
            // another pool's in its place; a difference there would replace the cluster
            // (hashicorp/terraform-provider-google#12070, #17511). It matters only at creation.
            ignoreChanges: ["nodeConfig"],
        },
    );
    const poolOpts = { ...opts, dependsOn: [cluster] };

    const systemPool = new NodePool(
        `${name}-system`,
        {
            name: "system",
            project: args.project,
            location: args.zone,
            cluster: cluster.name,
            nodeCount: args.systemPool.nodes,
            management: { autoRepair: true, autoUpgrade: true },
            nodeConfig: {
                ...nodeBasics(args),
                machineType: args.systemPool.instanceType,
                diskSizeGb: args.systemDiskGb,
                labels: poolLabels(`${name}-system`, { [buildPoolLabel.key]: "system" }),
                tags: args.systemNetworkTags,
            },
        },
        poolOpts,
    );

    const buildPools = args.buildPool.instanceTypes.map(
        (machineType, i) =>
            new NodePool(
                i === 0 ? `${name}-builds` : `${name}-builds-${machineType}`,
                {
                    // One machine type per GKE pool; further types are further pools with the same label and taint,
                    // among which the cluster autoscaler picks the one that can be provisioned.
                    name: i === 0 ? "builds" : `builds-${machineType}`,
                    project: args.project,
                    location: args.zone,
                    cluster: cluster.name,
                    nodeLocations: args.buildZones,
                    initialNodeCount: args.buildPool.minNodes,
                    autoscaling: {
                        // Totals, not per-zone counts: `maxNodes` means nodes in the pool whatever its zones, and
                        // ANY lets the autoscaler take whichever zone still has spot capacity.
                        totalMinNodeCount: args.buildPool.minNodes,
                        totalMaxNodeCount: args.buildPool.maxNodes,
                        locationPolicy: "ANY",
                    },
                    management: { autoRepair: true, autoUpgrade: true },
                    // Surge one node at a time; with max unavailable 0 an upgrade never drains a running build first.
                    upgradeSettings: { maxSurge: 1, maxUnavailable: 0 },
                    nodeConfig: {
                        ...nodeBasics(args),
                        machineType,
                        spot: args.buildPool.spot,
                        diskSizeGb: args.buildPool.diskGb,
                        labels: poolLabels(`${name}-builds-${machineType}`, {
                            [buildPoolLabel.key]: buildPoolLabel.value,
                        }),
                        taints: [
                            {
                                key: buildPoolTaint.key,
                                value: buildPoolTaint.value,
                                effect: gkeTaintEffect[buildPoolTaint.effect],
                            },
                        ],
                    },
                },
                poolOpts,
            ),
    );

    return { cluster, clusterName, systemPool, buildPools };
}

/** GKE's master authorized networks: only `cidrs` reach the public endpoint, and no Google Cloud address outside them. */
export function masterAuthorizedNetworks(cidrs: string[]) {
    if (cidrs.length === 0) return undefined;
    return {
        cidrBlocks: cidrs.map((cidrBlock, i) => ({ cidrBlock, displayName: `okd-ci-${i}` })),
        gcpPublicCidrsAccessEnabled: false,
    };
}

function dependencies(d: pulumi.CustomResourceOptions["dependsOn"]): pulumi.Input<pulumi.Resource>[] {
    if (d === undefined) return [];
    return Array.isArray(d) ? d : [d as pulumi.Input<pulumi.Resource>];
}
