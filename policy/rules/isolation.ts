/**
 * Pushed code cannot step outside the build namespace's network rules: the cluster enforces NetworkPolicy, the build
 * namespace's policies never open the cloud's instance metadata service, EKS nodes keep IMDS out of pods' reach, and
 * GKE nodes serve pods the GKE metadata server in place of the VM's.
 */
import ipaddr from "ipaddr.js";

import { identityPodLabel, pipelineNamespace, releaseNamespace } from "../../components/shared/site";
import {
    type PolicyResourceLike,
    type Report,
    type Skip,
    type StackRule,
    arr,
    at,
    known,
    obj,
    ofType,
    readKnown,
    serves,
    str,
} from "../model";
import { t } from "../types";

// ---------------------------------------------------------------------------------------------------------------
// NetworkPolicy is enforced

function eksEnforces(cluster: PolicyResourceLike, all: PolicyResourceLike[]): boolean {
    return ofType(all, t.aws.eksAddon).some((a) => {
        if (known(() => str(a.props.addonName)) !== "vpc-cni") return false;
        if (!serves(a, cluster, "clusterName", ["name"])) return false;
        const text = known(() => str(a.props.configurationValues));
        if (text === undefined) return false;
        try {
            const values = obj(JSON.parse(text));
            return (
                values?.enableNetworkPolicy === "true" && obj(values.env)?.NETWORK_POLICY_ENFORCING_MODE === "strict"
            );
        } catch {
            return false;
        }
    });
}

/**
 * Why an AKS cluster's network profile would leave NetworkPolicy unenforced, or undefined when it enforces it. Engines
 * (https://learn.microsoft.com/azure/aks/use-network-policies): `cilium` only with the Cilium dataplane (Azure CNI
 * Powered by Cilium), `azure` (Azure NPM, retired for Linux on 2028-09-30) and `calico` with the Azure dataplane;
 * `none` or no engine enforces nothing.
 */
export function aksNetworkPolicyGap(cluster: PolicyResourceLike): string | undefined {
    const policy = known(() => str(at(cluster.props, "networkProfile.networkPolicy")));
    const dataplane = known(() => str(at(cluster.props, "networkProfile.networkDataplane")));
    const plugin = known(() => str(at(cluster.props, "networkProfile.networkPlugin")));
    if (policy === undefined || policy === "none") {
        return `has no network policy engine (networkProfile.networkPolicy ${policy ?? "unset"})`;
    }
    if (policy === "cilium" && dataplane !== "cilium") {
        return `uses the cilium network policy engine without the cilium dataplane (networkDataplane ${dataplane ?? "unset"})`;
    }
    if ((policy === "azure" || policy === "calico") && dataplane === "cilium") {
        return `uses the ${policy} network policy engine with the cilium dataplane, which takes only cilium`;
    }
    if (policy === "azure" && plugin !== "azure") {
        return `uses Azure Network Policy Manager without the azure network plugin (networkPlugin ${plugin ?? "unset"})`;
    }
    return undefined;
}

/**
 * GKE enforces NetworkPolicy with Dataplane V2 (always on, https://cloud.google.com/kubernetes-engine/docs/concepts/dataplane-v2)
 * or with the Calico network policy add-on, which needs both the cluster's `networkPolicy` and the add-on enabled
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/network-policy).
 */
function gkeEnforces(cluster: PolicyResourceLike): boolean {
    const datapath = known(() => str(cluster.props.datapathProvider));
    if (datapath === "ADVANCED_DATAPATH") return true;
    const enabled = known(() => at(cluster.props, "networkPolicy.enabled")) === true;
    const addonOff = known(() => at(cluster.props, "addonsConfig.networkPolicyConfig.disabled")) !== false;
    return enabled && !addonOff;
}

export const networkPolicyEnforced: StackRule = {
    kind: "stack",
    name: "network-policy-enforced",
    description:
        'The build cluster enforces NetworkPolicy, so the build namespace\'s default-deny means something (EKS: the vpc-cni add-on with enableNetworkPolicy "true" in strict mode, so no new pod runs unrestricted before its policies apply; GKE: Dataplane V2 or the network policy add-on; AKS: a network policy engine that matches the dataplane).',
    enforcementLevel: "mandatory",
    remediation:
        'Give the EKS cluster a vpc-cni Addon whose configurationValues set "enableNetworkPolicy": "true" and env NETWORK_POLICY_ENFORCING_MODE "strict" (components/aws/addons.ts); create the GKE cluster with datapathProvider "ADVANCED_DATAPATH" (components/gcp/cluster.ts); give the AKS cluster networkPolicy "cilium" with networkDataplane "cilium" (components/azure/cluster.ts).',
    check(all, report) {
        for (const cluster of ofType(all, t.aws.eksCluster)) {
            if (!eksEnforces(cluster, all)) {
                report(
                    `EKS cluster ${cluster.name} has no vpc-cni add-on with enableNetworkPolicy "true" and NETWORK_POLICY_ENFORCING_MODE "strict": the VPC CNI would ignore every NetworkPolicy, or let each new pod run unrestricted until its policies apply`,
                    cluster.urn,
                );
            }
        }
        for (const cluster of ofType(all, t.azure.aksCluster)) {
            const gap = aksNetworkPolicyGap(cluster);
            if (gap !== undefined) {
                report(`AKS cluster ${cluster.name} ${gap}: every NetworkPolicy would be ignored`, cluster.urn);
            }
        }
        for (const cluster of ofType(all, t.gcp.gkeCluster)) {
            if (!gkeEnforces(cluster)) {
                report(
                    `GKE cluster ${cluster.name} runs neither Dataplane V2 (datapathProvider ADVANCED_DATAPATH) nor the network policy add-on: GKE would ignore every NetworkPolicy`,
                    cluster.urn,
                );
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------
// Build pods cannot reach the instance metadata service

/**
 * The instance metadata service of EC2, GCE and Azure (IPv4) and EC2's IPv6 endpoint, and Azure's WireServer
 * (168.63.129.16, not link-local: it serves VM provisioning data, the AKS TLS bootstrap token among it;
 * https://learn.microsoft.com/en-us/azure/virtual-network/what-is-ip-address-168-63-129-16).
 */
export const metadataAddresses = ["169.254.169.254", "fd00:ec2::254", "168.63.129.16"];

function covers(cidr: string, address: string): boolean {
    try {
        const range = ipaddr.parseCIDR(cidr);
        const ip = ipaddr.parse(address);
        return ip.kind() === range[0].kind() && ip.match(range);
    } catch {
        return false;
    }
}

/** Which of `addresses` (default: the metadata service) an egress rule's peers let through; no peers: all of them. */
function openedAddresses(peers: unknown[], addresses: string[] = metadataAddresses): string[] {
    if (peers.length === 0) return addresses;
    return addresses.filter((address) =>
        peers.some((peer) => {
            const block = obj(at(peer, "ipBlock"));
            if (block === undefined) return false;
            const cidr = str(block.cidr) ?? "";
            const except = arr(block.except).map(String);
            return covers(cidr, address) && !except.some((e) => covers(e, address));
        }),
    );
}

/**
 * GKE's metadata server takes the VM's place on 169.254.169.254 and hands out only Workload Identity tokens: a rule
 * to exactly that /32 on port 80 is the pod's own identity, not the node's. With Dataplane V2 a NetworkPolicy sees
 * that address and port before they are redirected to the server on the node
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity#restrictions).
 */
function gkeMetadataServerRule(rule: unknown): boolean {
    const peers = arr(at(rule, "to"));
    const ports = arr(at(rule, "ports")).map((p) => at(p, "port"));
    return (
        peers.length > 0 &&
        peers.every(
            (p) => at(p, "ipBlock.cidr") === "169.254.169.254/32" && arr(at(p, "ipBlock.except")).length === 0,
        ) &&
        ports.length > 0 &&
        ports.every((p) => p === 80)
    );
}

/**
 * Whether 169.254.169.254 is the GKE metadata server for every pod: the stack has GKE clusters, and every node
 * config they run (node pools, and the clusters' own, which the default pool uses while it exists) conceals the VM's
 * metadata (`workloadMetadataConfig.mode: GKE_METADATA`). Otherwise the address is the VM's metadata server, with
 * the node's credentials.
 */
function gkeConcealsMetadata(all: PolicyResourceLike[]): boolean {
    const clusters = ofType(all, t.gcp.gkeCluster);
    if (clusters.length === 0) return false;
    const configs = [
        ...clusters.map((c) => known(() => at(c.props, "nodeConfig"))),
        ...ofType(all, t.gcp.gkeNodePool).map((p) => known(() => at(p.props, "nodeConfig"))),
    ];
    return configs.every((c) => at(c, "workloadMetadataConfig.mode") === "GKE_METADATA");
}

/** The EKS Pod Identity agent (IPv4 and IPv6): it hands out the identity of the pod's ServiceAccount. */
export const podIdentityAgentAddresses = ["169.254.170.23", "fd00:ec2::23"];

/** Whether a policy selects only pods that hold an identity (`okd-ci/identity` must exist). */
function selectsIdentityPodsOnly(spec: unknown): boolean {
    const selector = obj(at(spec, "podSelector")) ?? {};
    const labels = Object.keys(obj(selector.matchLabels) ?? {});
    const expressions = arr(selector.matchExpressions).filter(
        (e) => at(e, "operator") === "Exists" || at(e, "operator") === "In",
    );
    return labels.includes(identityPodLabel) || expressions.some((e) => at(e, "key") === identityPodLabel);
}

function checkPolicy(p: PolicyResourceLike, onGke: boolean, report: Report, skip: Skip): void {
    const ns = readKnown(() => str(at(p.props, "metadata.namespace")));
    if (!ns.known) {
        skip(`NetworkPolicy ${p.name}'s namespace is only known after apply`, p.urn);
        return;
    }
    if (ns.value !== pipelineNamespace && ns.value !== releaseNamespace) return;
    const spec = readKnown(() => JSON.parse(JSON.stringify(at(p.props, "spec") ?? {})) as unknown);
    if (!spec.known) {
        skip(`NetworkPolicy ${p.name}'s spec is only known after apply`, p.urn);
        return;
    }
    const name = `${ns.value}/${str(at(p.props, "metadata.name")) ?? p.name}`;
    const identityPods = selectsIdentityPodsOnly(spec.value);
    arr(at(spec.value, "egress")).forEach((rule, i) => {
        // A credential agent hands out the pod's own identity: only pods that hold one may reach it.
        const agents = openedAddresses(arr(at(rule, "to")), podIdentityAgentAddresses);
        if (agents.length > 0 && !identityPods) {
            report(
                `NetworkPolicy ${name} egress[${i}] lets pods that hold no identity reach the EKS Pod Identity agent (${agents.join(", ")}); select ${identityPodLabel} pods only`,
                p.urn,
            );
        }
        if (onGke && gkeMetadataServerRule(rule)) {
            if (!identityPods) {
                report(
                    `NetworkPolicy ${name} egress[${i}] lets pods that hold no identity reach the GKE metadata server, which mints a token for any pod's ServiceAccount; select ${identityPodLabel} pods only`,
                    p.urn,
                );
            }
            return;
        }
        const opened = openedAddresses(arr(at(rule, "to")));
        if (opened.length > 0) {
            report(
                `NetworkPolicy ${name} egress[${i}] reaches the instance metadata service (${opened.join(", ")}); add it to the ipBlock's except`,
                p.urn,
            );
        }
    });
}

export const buildPodsNoInstanceMetadata: StackRule = {
    kind: "stack",
    name: "build-pods-no-instance-metadata",
    description: `No egress rule of the ${pipelineNamespace} and ${releaseNamespace} namespaces reaches the cloud instance metadata service (${metadataAddresses.join(", ")}), which serves the node's credentials; on GKE, where every node serves the GKE metadata server there instead, only its port 80; and only pods labelled ${identityPodLabel} reach a credential agent (the GKE metadata server, the EKS Pod Identity agent).`,
    enforcementLevel: "mandatory",
    remediation:
        "Exclude the link-local ranges and Azure's host endpoint from every ipBlock of the pipeline namespaces' egress rules (components/tekton/network-policies.ts linkLocalRanges, azureHostEndpoint), and open the credential agent to identity pods only.",
    check(all, report, skip) {
        const onGke = gkeConcealsMetadata(all);
        for (const p of ofType(all, t.k8s.networkPolicy)) checkPolicy(p, onGke, report, skip);
    },
};

// ---------------------------------------------------------------------------------------------------------------
// EKS nodes: IMDSv2 with a hop limit of 1

export const eksNodeMetadataRestricted: StackRule = {
    kind: "stack",
    name: "eks-node-metadata-restricted",
    description:
        "Every EKS node group launches from a template that requires IMDSv2 with a PUT response hop limit of 1, so pods outside the host network get no token for the node's role.",
    enforcementLevel: "mandatory",
    remediation:
        'Give the node group a launchTemplate whose metadataOptions set httpTokens "required" and httpPutResponseHopLimit 1 (components/aws/nodes.ts).',
    check(all, report) {
        const templates = ofType(all, t.aws.launchTemplate);
        for (const group of ofType(all, t.aws.eksNodeGroup)) {
            const used = templates.filter((lt) => group.dependencies.includes(lt.urn));
            if (used.length === 0) {
                report(
                    `EKS node group ${group.name} has no launch template of the stack: its nodes get EKS's default metadata options`,
                    group.urn,
                );
                continue;
            }
            for (const lt of used) {
                const tokens = known(() => at(lt.props, "metadataOptions.httpTokens"));
                const hops = known(() => at(lt.props, "metadataOptions.httpPutResponseHopLimit"));
                if (tokens !== "required" || hops !== 1) {
                    report(
                        `EKS node group ${group.name} launches from ${lt.name} with httpTokens ${String(tokens)} and hop limit ${String(hops)}; expected "required" and 1`,
                        group.urn,
                    );
                }
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------
// GKE nodes: their own account and the GKE metadata server, on every pool that ever exists

/** The Compute Engine default service account (`<number>-compute@developer.gserviceaccount.com`) or GKE's `default`. */
const computeDefault = /^(default|\d+-compute@developer\.gserviceaccount\.com)$/;

function nodeConfigProblems(config: unknown): string[] {
    const problems: string[] = [];
    const account = str(at(config, "serviceAccount"));
    if (account === undefined || computeDefault.test(account)) {
        problems.push(`runs as ${account ?? "the Compute Engine default service account"}`);
    }
    const mode = str(at(config, "workloadMetadataConfig.mode"));
    if (mode !== "GKE_METADATA") {
        problems.push(`gives pods the VM's metadata server (workloadMetadataConfig ${mode ?? "unset"})`);
    }
    return problems;
}

export const gkeNodeIdentity: StackRule = {
    kind: "stack",
    name: "gke-node-identity",
    description:
        "Every GKE node pool, and every cluster's own node config (its default pool exists during creation even when removeDefaultNodePool deletes it), runs as a service account of the stack, not the Compute Engine default (Editor, and disabled in hardened projects), and serves pods the GKE metadata server instead of the VM's.",
    enforcementLevel: "mandatory",
    remediation:
        'Set nodeConfig.serviceAccount to the site\'s node account and workloadMetadataConfig.mode "GKE_METADATA" on the cluster and every NodePool (components/gcp/cluster.ts).',
    check(all, report, skip) {
        const targets = [
            ...ofType(all, t.gcp.gkeCluster)
                .filter((c) => known(() => c.props.enableAutopilot) !== true)
                .map((c) => ({ r: c, what: `GKE cluster ${c.name}'s default pool` })),
            ...ofType(all, t.gcp.gkeNodePool).map((p) => ({ r: p, what: `GKE node pool ${p.name}` })),
        ];
        for (const { r, what } of targets) {
            const config = readKnown(() => JSON.parse(JSON.stringify(at(r.props, "nodeConfig") ?? {})) as unknown);
            if (!config.known) {
                skip(`${what}'s node config is only known after apply`, r.urn);
                continue;
            }
            const problems = nodeConfigProblems(config.value);
            if (problems.length > 0) report(`${what} ${problems.join(" and ")}`, r.urn);
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------
// GKE nodes are private, in the stack's own network

export const gkePrivateNodes: StackRule = {
    kind: "stack",
    name: "gke-private-nodes",
    description:
        "GKE nodes have no external address (private nodes, reaching out through Cloud NAT) and live in a network the stack creates, not the project's default network, which hardened projects delete.",
    enforcementLevel: "mandatory",
    remediation:
        "Create the cluster with privateClusterConfig.enablePrivateNodes true in the site's own network and subnet (components/gcp/network.ts, cluster.ts).",
    check(all, report) {
        const networks = ofType(all, t.gcp.network);
        for (const cluster of ofType(all, t.gcp.gkeCluster)) {
            if (known(() => at(cluster.props, "privateClusterConfig.enablePrivateNodes")) !== true) {
                report(
                    `GKE cluster ${cluster.name} gives its nodes external addresses (no private nodes)`,
                    cluster.urn,
                );
            }
            const own = networks.some((n) => cluster.dependencies.includes(n.urn));
            if (!own) {
                const network = known(() => str(cluster.props.network)) ?? "default";
                report(
                    `GKE cluster ${cluster.name} runs in network ${network}, not one the stack creates`,
                    cluster.urn,
                );
            }
        }
    },
};
