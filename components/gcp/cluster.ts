import { Cluster, NodePool } from "@pulumi/gcp/container";
import * as pulumi from "@pulumi/pulumi";

import { buildPoolLabel, buildPoolTaint } from "../shared/site";
import type { CloudSiteArgs } from "../shared/site-args";
import { physicalName } from "../shared/naming";

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

function nodeBasics(args: GkeArgs) {
    return {
        serviceAccount: args.nodeServiceAccount,
        oauthScopes: [cloudPlatformScope],
        // Pods see the GKE metadata server, which hands out only their own Workload Identity, never the node's.
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        diskType: "pd-balanced",
        imageType: "COS_CONTAINERD",
        resourceLabels: args.labels,
    };
}

/**
 * A zonal GKE Standard cluster with Workload Identity, a small fixed system pool and an autoscaled spot build pool per
 * machine type. Zonal: the GKE free tier credit covers the management fee of one zonal cluster per billing account;
 * a regional control plane would cost about 73 USD a month for availability a nightly build system does not need.
 */
export function createGke(name: string, args: GkeArgs, opts: pulumi.CustomResourceOptions): Gke {
    const clusterName = physicalName(args.namePrefix, ["build"], 40);
    const cluster = new Cluster(
        `${name}-cluster`,
        {
            name: clusterName,
            project: args.project,
            location: args.zone,
            // REGULAR gets versions a few weeks after RAPID, once they are proven, and keeps every minor we allow in
            // `kubernetesVersion`; minMasterVersion holds the minor we test against, auto-upgrades move patch levels.
            releaseChannel: { channel: "REGULAR" },
            minMasterVersion: args.kubernetesVersion,
            workloadIdentityConfig: { workloadPool: `${args.project}.svc.id.goog` },
            // Node pools are separate resources, so changing one never replaces the cluster.
            removeDefaultNodePool: true,
            initialNodeCount: 1,
            networkingMode: "VPC_NATIVE",
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
            },
        },
        opts,
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
                diskSizeGb: 50,
                labels: { [buildPoolLabel.key]: "system" },
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
                        labels: { [buildPoolLabel.key]: buildPoolLabel.value },
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
