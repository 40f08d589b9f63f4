import * as assert from "node:assert/strict";

import { nodeLabelsAllowed } from "../../policy/rules";
import { t } from "../../policy/types";
import { res, violations } from "./fixtures";

describe("policy node-labels-allowed", () => {
    it("fails an EKS node group whose labels contain kubernetes.io/ (the API refuses the group)", () => {
        const g = res(t.aws.eksNodeGroup, "build", {
            labels: { "okd-ci/pool": "builds", "node.kubernetes.io/exclude-from-external-load-balancers": "true" },
        });
        assert.deepEqual(violations(nodeLabelsAllowed, [g]), [
            "EKS node group build has label node.kubernetes.io/exclude-from-external-load-balancers: no key containing kubernetes.io/, k8s.io/, eks.amazonaws.com/",
        ]);
    });

    it("fails k8s.io/ and eks.amazonaws.com/ keys on EKS and passes plain ones", () => {
        const bad = res(t.aws.eksNodeGroup, "a", { labels: { "x.k8s.io/y": "1", "eks.amazonaws.com/z": "1" } });
        const good = res(t.aws.eksNodeGroup, "b", { labels: { "okd-ci/pool": "system", team: "okd" } });
        assert.deepEqual(violations(nodeLabelsAllowed, [bad, good]), [
            "EKS node group a has labels x.k8s.io/y, eks.amazonaws.com/z: no key containing kubernetes.io/, k8s.io/, eks.amazonaws.com/",
        ]);
    });

    it("applies the kubelet's rule and GKE's own namespace to GKE pools: node.kubernetes.io/ is allowed there, node-role.kubernetes.io/ and cloud.google.com/ are not", () => {
        const p = res(t.gcp.gkeNodePool, "builds", {
            nodeConfig: {
                labels: {
                    "node.kubernetes.io/exclude-from-external-load-balancers": "true",
                    "node-role.kubernetes.io/builds": "",
                    "cloud.google.com/compute-class": "builds",
                },
            },
        });
        assert.deepEqual(violations(nodeLabelsAllowed, [p]), [
            "GKE node pool builds has labels node-role.kubernetes.io/builds, cloud.google.com/compute-class: no kubernetes.io/ or k8s.io/ namespace except node.kubernetes.io/, kubelet.kubernetes.io/ and the kubelet's well-known labels, and nothing in GKE's cloud.google.com/ namespace",
        ]);
    });

    it("checks AKS agent pools and the profiles inside a managed cluster", () => {
        const pool = res(t.azure.aksAgentPool, "builds", { nodeLabels: { "k8s.io/x": "1" } });
        const cluster = res(t.azure.aksCluster, "aks", {
            agentPoolProfiles: [
                { nodeLabels: { "okd-ci/pool": "system" } },
                { nodeLabels: { "kubernetes.io/role": "x" } },
            ],
        });
        assert.deepEqual(
            violations(nodeLabelsAllowed, [pool, cluster]).map((m) => m.split(":")[0]),
            [
                "AKS agent pool builds has label k8s.io/x",
                "AKS cluster aks agentPoolProfiles[1] has label kubernetes.io/role",
            ],
        );
    });
});
