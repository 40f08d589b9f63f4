/**
 * Node pools carry no label their cloud refuses: EKS and GKE reject the node pool outright (GKE: the kubelet's
 * namespaces and its own cloud.google.com), and on AKS the kubelet refuses the label and the nodes never join. The per-cloud rules live in components/shared/node-labels.ts, which
 * the sites also check at construction.
 */
import { refusedNodeLabels, reservedNodeLabels } from "../../components/shared/node-labels";
import type { CloudPlatform } from "../../components/shared/model";
import { type Report, type ResourceRule, arr, at, obj } from "../model";
import { t } from "../types";

function check(platform: CloudPlatform, labels: unknown, where: string, report: Report): void {
    const o = obj(labels);
    if (o === undefined) return;
    const bad = refusedNodeLabels(platform, o);
    if (bad.length > 0) {
        report(
            `${where} has label${bad.length === 1 ? "" : "s"} ${bad.join(", ")}: ${reservedNodeLabels[platform].rule}`,
        );
    }
}

export const nodeLabelsAllowed: ResourceRule = {
    kind: "resource",
    name: "node-labels-allowed",
    description:
        "Node pools carry no Kubernetes label their cloud refuses (EKS: no key containing kubernetes.io/, k8s.io/ or eks.amazonaws.com/; GKE: the kubelet's --node-labels rule and nothing in cloud.google.com/; AKS: the kubelet's rule).",
    enforcementLevel: "mandatory",
    remediation:
        "Use a label outside the reserved namespaces (okd-ci/... as the build pool does), or let the cloud set it.",
    types: [t.aws.eksNodeGroup, t.gcp.gkeNodePool, t.azure.aksAgentPool, t.azure.aksCluster],
    check(r, report) {
        switch (r.type) {
            case t.aws.eksNodeGroup:
                return check("aws", r.props.labels, `EKS node group ${r.name}`, report);
            case t.gcp.gkeNodePool:
                return check("gcp", at(r.props, "nodeConfig.labels"), `GKE node pool ${r.name}`, report);
            case t.azure.aksAgentPool:
                return check("azure", r.props.nodeLabels, `AKS agent pool ${r.name}`, report);
            case t.azure.aksCluster:
                arr(r.props.agentPoolProfiles).forEach((p, i) =>
                    check("azure", at(p, "nodeLabels"), `AKS cluster ${r.name} agentPoolProfiles[${i}]`, report),
                );
        }
    },
};
