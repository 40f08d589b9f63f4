import type { CloudPlatform } from "./model";

/**
 * Node labels a managed node pool may not carry, per cloud. A pool whose labels break its cloud's rule is refused by
 * the cloud's API (EKS) or leaves nodes that never join (kubelet refuses the label), so every site checks its pools'
 * labels with `assertNodeLabels` before it declares them, and the policy pack checks every plan the same way
 * (`policy/rules/labels.ts`).
 */
export interface ReservedLabels {
    /** Why, and where the rule is written down. */
    source: string;
    /** A key is refused when it matches one of these. */
    refused: (key: string) => boolean;
    /** Human-readable rule, for error messages. */
    rule: string;
}

/**
 * The kubelet's own rule, which every cloud inherits because each passes pool labels to `kubelet --node-labels`:
 * labels in the `kubernetes.io` and `k8s.io` namespaces (and their subdomains) are refused unless they are in
 * `kubelet.kubernetes.io`, `node.kubernetes.io` or one of the well-known labels the kubelet sets itself.
 * kubernetes/kubernetes cmd/kubelet/app/options/options.go (`ValidateKubeletFlags`: "unknown 'kubernetes.io' or
 * 'k8s.io' labels specified with --node-labels") and staging/src/k8s.io/kubelet/pkg/apis/well_known_labels.go
 * (`IsKubeletLabel`).
 */
const kubeletLabels = new Set([
    "kubernetes.io/hostname",
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "beta.kubernetes.io/instance-type",
    "node.kubernetes.io/instance-type",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
]);
const kubeletNamespaces = ["kubelet.kubernetes.io", "node.kubernetes.io"];

const inNamespace = (namespace: string, parent: string): boolean =>
    namespace === parent || namespace.endsWith(`.${parent}`);

function kubeletRefuses(key: string): boolean {
    const slash = key.indexOf("/");
    if (slash < 0) return false;
    const namespace = key.slice(0, slash);
    if (!inNamespace(namespace, "kubernetes.io") && !inNamespace(namespace, "k8s.io")) return false;
    if (kubeletLabels.has(key)) return false;
    return !kubeletNamespaces.some((allowed) => inNamespace(namespace, allowed));
}

const kubelet: ReservedLabels = {
    source: "kubelet --node-labels (kubernetes/kubernetes cmd/kubelet/app/options/options.go, k8s.io/kubelet well_known_labels.go)",
    refused: kubeletRefuses,
    rule: "no kubernetes.io/ or k8s.io/ namespace except node.kubernetes.io/, kubelet.kubernetes.io/ and the kubelet's well-known labels",
};

/**
 * EKS managed node groups refuse, at CreateNodegroup/UpdateNodegroupConfig, every label key that *contains*
 * `kubernetes.io/`, `k8s.io/` or `eks.amazonaws.com/`, with no exception (not even `node.kubernetes.io/...`). The EKS
 * API reference does not list the rule; it is the service's behaviour, tracked in aws/containers-roadmap#1451 and
 * kubernetes/cloud-provider-aws#242 ("The Managed Node Groups API currently rejects labels with prefixes containing
 * kubernetes.io/, k8s.io/, eks.amazonaws.com/").
 */
const eksSubstrings = ["kubernetes.io/", "k8s.io/", "eks.amazonaws.com/"];
const eks: ReservedLabels = {
    source: "EKS managed node group API (aws/containers-roadmap#1451)",
    refused: (key) => eksSubstrings.some((s) => key.includes(s)),
    rule: `no key containing ${eksSubstrings.join(", ")}`,
};

/**
 * AKS refuses the kubelet's rule and, on top of it, its own reserved labels and prefixes ("Reserved system labels"
 * and "Reserved prefixes", https://learn.microsoft.com/azure/aks/use-labels): no `kubernetes.azure.com/` or
 * `kubernetes.io/` key, and none of the well-known labels AKS sets on every node (arch, os, instance type, region,
 * zone), which the kubelet alone would accept. One exception: `kubernetes.azure.com/scalesetpriority`, which AKS
 * itself writes into a spot pool's `nodeLabels` and takes back unchanged on every update (a pool update that leaves
 * it out deletes it from the nodes, Azure/AKS#3152), so a spot pool declares it (`aksSpotLabel`).
 */
const aksReservedLabels = new Set([
    "kubernetes.io/arch",
    "kubernetes.io/os",
    "kubernetes.io/hostname",
    "node.kubernetes.io/instance-type",
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
]);
export const aksSpotLabelKey = "kubernetes.azure.com/scalesetpriority";
const aks: ReservedLabels = {
    source: "AKS reserved labels and prefixes (https://learn.microsoft.com/azure/aks/use-labels) and the kubelet's rule",
    refused: (key) =>
        kubeletRefuses(key) ||
        aksReservedLabels.has(key) ||
        key.startsWith("kubernetes.io/") ||
        (key.startsWith("kubernetes.azure.com/") && key !== aksSpotLabelKey),
    rule: `no kubernetes.azure.com/ (except ${aksSpotLabelKey} on a spot pool) or kubernetes.io/ key, none of the labels AKS sets itself, and the kubelet's rule`,
};

/**
 * GKE refuses, at CreateNodePool, what the kubelet would refuse ("Applying kubernetes label is not allowed:
 * node-role.kubernetes.io/...", hashicorp/terraform-provider-google#6003) and labels in GKE's own `cloud.google.com`
 * namespace ("Node labels with key \"cloud.google.com/compute-class\" are managed by GKE or Kubernetes and must not be
 * manually specified", hashicorp/terraform-provider-google#19677). GKE's documentation lists no reserved prefix
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/update-existing-nodepools#label-syntax), so the whole
 * namespace is treated as GKE's: it is where GKE writes its node labels (`cloud.google.com/gke-nodepool`,
 * `cloud.google.com/gke-spot`, ...).
 */
const gkeNamespaces = ["cloud.google.com"];
const gke: ReservedLabels = {
    source: "GKE node pool API (hashicorp/terraform-provider-google#6003, #19677)",
    refused: (key) => {
        if (kubeletRefuses(key)) return true;
        const slash = key.indexOf("/");
        return slash >= 0 && gkeNamespaces.some((ns) => inNamespace(key.slice(0, slash), ns));
    },
    rule: `${kubelet.rule}, and nothing in GKE's ${gkeNamespaces.join(", ")}/ namespace`,
};

/** Per cloud: each managed service's own rule. */
export const reservedNodeLabels: Record<CloudPlatform, ReservedLabels> = {
    aws: eks,
    gcp: gke,
    azure: aks,
};

/** The keys of `labels` that `platform` refuses on a node pool. */
export function refusedNodeLabels(platform: CloudPlatform, labels: Record<string, unknown>): string[] {
    return Object.keys(labels).filter((k) => reservedNodeLabels[platform].refused(k));
}

/** Throws, naming the pool, the keys and the rule, when a pool's labels would be refused by its cloud. */
export function assertNodeLabels(platform: CloudPlatform, pool: string, labels: Record<string, string>): void {
    const bad = refusedNodeLabels(platform, labels);
    if (bad.length === 0) return;
    const r = reservedNodeLabels[platform];
    throw new Error(
        `node pool ${pool}: label${bad.length === 1 ? "" : "s"} ${bad.join(", ")} would be refused on ${platform} (${r.rule}; ${r.source})`,
    );
}
