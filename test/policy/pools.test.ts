import * as assert from "node:assert/strict";

import { buildPoolLabelled, buildPoolSpotScalesToZero } from "../../policy/rules";
import { t } from "../../policy/types";
import { res, violations } from "./fixtures";

const builds = { "okd-ci/pool": "builds" };

describe("policy build-pool-spot-scales-to-zero", () => {
    it("passes an EKS build node group on spot with minSize 0", () => {
        const g = res(t.aws.eksNodeGroup, "builds", {
            labels: builds,
            capacityType: "SPOT",
            scalingConfig: { minSize: 0, maxSize: 10, desiredSize: 0 },
        });
        assert.deepEqual(violations(buildPoolSpotScalesToZero, [g]), []);
    });

    it("fails an EKS build node group on demand with minSize 1", () => {
        const g = res(t.aws.eksNodeGroup, "builds", {
            labels: builds,
            capacityType: "ON_DEMAND",
            scalingConfig: { minSize: 1, maxSize: 10 },
        });
        assert.deepEqual(violations(buildPoolSpotScalesToZero, [g]), [
            'EKS node group builds (okd-ci/pool=builds) has capacityType ON_DEMAND; expected "SPOT"',
            "EKS node group builds (okd-ci/pool=builds) has scalingConfig.minSize 1; expected 0",
        ]);
    });

    it("leaves node groups without the build label alone (the system pool)", () => {
        const g = res(t.aws.eksNodeGroup, "system", {
            labels: { "okd-ci/pool": "system" },
            scalingConfig: { minSize: 2 },
        });
        assert.deepEqual(violations(buildPoolSpotScalesToZero, [g]), []);
    });

    it("passes a GKE build pool on spot with autoscaling from 0", () => {
        const p = res(t.gcp.gkeNodePool, "builds", {
            nodeConfig: { labels: builds, spot: true },
            autoscaling: { minNodeCount: 0, maxNodeCount: 10 },
        });
        assert.deepEqual(violations(buildPoolSpotScalesToZero, [p]), []);
    });

    it("fails a GKE build pool on standard VMs without autoscaling", () => {
        const p = res(t.gcp.gkeNodePool, "builds", { nodeConfig: { labels: builds }, nodeCount: 2 });
        assert.deepEqual(violations(buildPoolSpotScalesToZero, [p]), [
            "GKE node pool builds (okd-ci/pool=builds) sets neither nodeConfig.spot nor nodeConfig.preemptible",
            "GKE node pool builds (okd-ci/pool=builds) has no autoscaling, so it cannot scale to zero",
        ]);
    });

    it("fails a GKE build pool whose autoscaling minimum is above 0", () => {
        const p = res(t.gcp.gkeNodePool, "builds", {
            nodeConfig: { labels: builds, preemptible: true },
            autoscaling: { totalMinNodeCount: 2 },
        });
        assert.deepEqual(violations(buildPoolSpotScalesToZero, [p]), [
            "GKE node pool builds (okd-ci/pool=builds) has autoscaling minimum 2; expected minNodeCount 0",
        ]);
    });

    it("passes an AKS build agent pool on Spot autoscaling from 0", () => {
        const p = res(t.azure.aksAgentPool, "builds", {
            nodeLabels: builds,
            scaleSetPriority: "Spot",
            enableAutoScaling: true,
            minCount: 0,
            maxCount: 10,
        });
        assert.deepEqual(violations(buildPoolSpotScalesToZero, [p]), []);
    });

    it("fails an AKS build pool defined inline in the cluster on Regular priority", () => {
        const c = res(t.azure.aksCluster, "aks", {
            agentPoolProfiles: [
                { name: "system", mode: "System", count: 2 },
                { name: "builds", nodeLabels: builds, enableAutoScaling: true, minCount: 1 },
            ],
        });
        assert.deepEqual(violations(buildPoolSpotScalesToZero, [c]), [
            'AKS cluster aks agentPoolProfiles[1] (okd-ci/pool=builds) has scaleSetPriority Regular (default); expected "Spot"',
            "AKS cluster aks agentPoolProfiles[1] (okd-ci/pool=builds) must set enableAutoScaling true and minCount 0 (has true, 1)",
        ]);
    });
});

describe("policy build-pool-labelled", () => {
    it("fails a managed cluster none of whose pools carries the build label", () => {
        const c = res(t.gcp.gkeCluster, "gke", {});
        const p = res(t.gcp.gkeNodePool, "pool", { nodeConfig: { labels: { team: "x" } } });
        assert.deepEqual(violations(buildPoolLabelled, [c, p]), [
            "gcp:container/cluster:Cluster gke has no node pool labelled okd-ci/pool=builds",
        ]);
    });

    it("judges each cloud's cluster by its own pools: EKS node groups, GKE node pools, AKS agent pools", () => {
        const eks = res(t.aws.eksCluster, "eks", {});
        const gke = res(t.gcp.gkeCluster, "gke", {});
        const aks = res(t.azure.aksCluster, "aks", { agentPoolProfiles: [{ name: "system", mode: "System" }] });
        const labelled = [
            res(t.aws.eksNodeGroup, "eks-builds", { labels: builds }),
            res(t.gcp.gkeNodePool, "gke-builds", { nodeConfig: { labels: builds } }),
            res(t.azure.aksAgentPool, "aks-builds", { nodeLabels: builds }),
        ];
        assert.deepEqual(violations(buildPoolLabelled, [eks, gke, aks, ...labelled]), []);
        for (const [i, cluster] of [eks, gke, aks].entries()) {
            // The other clouds' labelled pools do not count for this cluster.
            const others = labelled.filter((_, j) => j !== i);
            assert.deepEqual(violations(buildPoolLabelled, [cluster, ...others]), [
                `${cluster.type} ${cluster.name} has no node pool labelled okd-ci/pool=builds`,
            ]);
        }
    });

    it("passes when a pool carries the build label, inline AKS profiles included", () => {
        const c = res(t.azure.aksCluster, "aks", { agentPoolProfiles: [{ name: "builds", nodeLabels: builds }] });
        assert.deepEqual(violations(buildPoolLabelled, [c]), []);
        const eks = res(t.aws.eksCluster, "eks", {});
        assert.deepEqual(violations(buildPoolLabelled, [eks, res(t.aws.eksNodeGroup, "b", { labels: builds })]), []);
    });
});
