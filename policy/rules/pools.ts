/**
 * The build pool runs on spot (preemptible) capacity and scales to zero: builds are retryable batch work, and an
 * idle pool should cost nothing.
 */
import { buildPoolLabel } from "../../components/shared/site";
import {
    type PolicyResourceLike,
    type Report,
    type ResourceRule,
    type StackRule,
    arr,
    at,
    obj,
    ofType,
} from "../model";
import { t } from "../types";

function isBuildPool(labels: unknown): boolean {
    return obj(labels)?.[buildPoolLabel.key] === buildPoolLabel.value;
}

const label = `${buildPoolLabel.key}=${buildPoolLabel.value}`;

function checkEks(pool: PolicyResourceLike, report: Report): void {
    if (!isBuildPool(pool.props.labels)) return;
    if (pool.props.capacityType !== "SPOT") {
        report(
            `EKS node group ${pool.name} (${label}) has capacityType ${String(pool.props.capacityType ?? "ON_DEMAND (default)")}; expected "SPOT"`,
        );
    }
    const min = at(pool.props, "scalingConfig.minSize");
    if (min !== 0) {
        report(`EKS node group ${pool.name} (${label}) has scalingConfig.minSize ${String(min)}; expected 0`);
    }
}

function checkGke(pool: PolicyResourceLike, report: Report): void {
    if (!isBuildPool(at(pool.props, "nodeConfig.labels"))) return;
    if (at(pool.props, "nodeConfig.spot") !== true && at(pool.props, "nodeConfig.preemptible") !== true) {
        report(`GKE node pool ${pool.name} (${label}) sets neither nodeConfig.spot nor nodeConfig.preemptible`);
    }
    const autoscaling = obj(pool.props.autoscaling);
    if (autoscaling === undefined) {
        report(`GKE node pool ${pool.name} (${label}) has no autoscaling, so it cannot scale to zero`);
        return;
    }
    const mins = [autoscaling.minNodeCount, autoscaling.totalMinNodeCount].filter((m) => m !== undefined);
    if (mins.length === 0 || mins.some((m) => m !== 0)) {
        report(
            `GKE node pool ${pool.name} (${label}) has autoscaling minimum ${mins.map(String).join("/") || "(unset)"}; expected minNodeCount 0`,
        );
    }
}

function checkAksProfile(profile: unknown, where: string, report: Report): void {
    if (!isBuildPool(at(profile, "nodeLabels"))) return;
    if (at(profile, "scaleSetPriority") !== "Spot") {
        report(
            `${where} (${label}) has scaleSetPriority ${String(at(profile, "scaleSetPriority") ?? "Regular (default)")}; expected "Spot"`,
        );
    }
    if (at(profile, "enableAutoScaling") !== true || at(profile, "minCount") !== 0) {
        report(
            `${where} (${label}) must set enableAutoScaling true and minCount 0 (has ${String(at(profile, "enableAutoScaling"))}, ${String(at(profile, "minCount"))})`,
        );
    }
}

export const buildPoolSpotScalesToZero: ResourceRule = {
    kind: "resource",
    name: "build-pool-spot-scales-to-zero",
    description: `The build pool (nodes labelled ${label}) runs on spot or preemptible capacity with a minimum of 0 nodes.`,
    enforcementLevel: "mandatory",
    remediation:
        "Keep okd-ci:buildSpot true and okd-ci:buildMinNodes 0; a stack that chooses on-demand capacity on purpose sets this policy to advisory in its policy pack config.",
    types: [t.aws.eksNodeGroup, t.gcp.gkeNodePool, t.azure.aksAgentPool, t.azure.aksCluster],
    check(r, report) {
        switch (r.type) {
            case t.aws.eksNodeGroup:
                return checkEks(r, report);
            case t.gcp.gkeNodePool:
                return checkGke(r, report);
            case t.azure.aksAgentPool:
                return checkAksProfile(r.props, `AKS agent pool ${r.name}`, report);
            case t.azure.aksCluster:
                arr(r.props.agentPoolProfiles).forEach((p, i) =>
                    checkAksProfile(p, `AKS cluster ${r.name} agentPoolProfiles[${i}]`, report),
                );
        }
    },
};

const poolsOf: { cluster: string; pools: string[]; labels: (p: PolicyResourceLike) => unknown[] }[] = [
    { cluster: t.aws.eksCluster, pools: [t.aws.eksNodeGroup], labels: (p) => [p.props.labels] },
    { cluster: t.gcp.gkeCluster, pools: [t.gcp.gkeNodePool], labels: (p) => [at(p.props, "nodeConfig.labels")] },
    {
        cluster: t.azure.aksCluster,
        pools: [t.azure.aksAgentPool, t.azure.aksCluster],
        labels: (p) =>
            p.type === t.azure.aksCluster
                ? arr(p.props.agentPoolProfiles).map((x) => at(x, "nodeLabels"))
                : [p.props.nodeLabels],
    },
];

export const buildPoolLabelled: StackRule = {
    kind: "stack",
    name: "build-pool-labelled",
    description: `A stack that creates a managed cluster gives it a build pool labelled ${label}, which is how builds find it and how the spot policy recognises it.`,
    enforcementLevel: "mandatory",
    remediation:
        "Label the build pool's nodes with buildPoolLabel from components/shared (and taint them with buildPoolTaint).",
    check(all, report) {
        for (const { cluster, pools, labels } of poolsOf) {
            const clusters = ofType(all, cluster);
            if (clusters.length === 0) continue;
            if (!ofType(all, ...pools).some((p) => labels(p).some(isBuildPool))) {
                report(`${cluster} ${clusters[0].name} has no node pool labelled ${label}`, clusters[0].urn);
            }
        }
    },
};
