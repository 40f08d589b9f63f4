/**
 * Pushed code cannot step outside the build namespace's network rules: the cluster enforces NetworkPolicy, the build
 * namespace's policies never open the cloud's instance metadata service, and EKS nodes keep IMDS out of pods' reach.
 */
import ipaddr from "ipaddr.js";

import { pipelineNamespace } from "../../components/shared/site";
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
            return obj(JSON.parse(text))?.enableNetworkPolicy === "true";
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

export const networkPolicyEnforced: StackRule = {
    kind: "stack",
    name: "network-policy-enforced",
    description:
        'The build cluster enforces NetworkPolicy, so the build namespace\'s default-deny means something (EKS: the vpc-cni add-on with enableNetworkPolicy "true"; AKS: a network policy engine that matches the dataplane).',
    enforcementLevel: "mandatory",
    remediation:
        'Give the EKS cluster a vpc-cni Addon whose configurationValues set "enableNetworkPolicy": "true" (components/aws/addons.ts); give the AKS cluster networkPolicy "cilium" with networkDataplane "cilium" (components/azure/cluster.ts).',
    check(all, report) {
        for (const cluster of ofType(all, t.aws.eksCluster)) {
            if (!eksEnforces(cluster, all)) {
                report(
                    `EKS cluster ${cluster.name} has no vpc-cni add-on with enableNetworkPolicy "true": the VPC CNI would ignore every NetworkPolicy`,
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
    },
};

// ---------------------------------------------------------------------------------------------------------------
// Build pods cannot reach the instance metadata service

/** The instance metadata service of EC2, GCE and Azure (IPv4) and EC2's IPv6 endpoint. */
export const metadataAddresses = ["169.254.169.254", "fd00:ec2::254"];

function covers(cidr: string, address: string): boolean {
    try {
        const range = ipaddr.parseCIDR(cidr);
        const ip = ipaddr.parse(address);
        return ip.kind() === range[0].kind() && ip.match(range);
    } catch {
        return false;
    }
}

/** Metadata addresses an egress peer lets through; a rule with no peers reaches everything. */
function openedAddresses(peers: unknown[]): string[] {
    if (peers.length === 0) return metadataAddresses;
    return metadataAddresses.filter((address) =>
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
 * to exactly that /32 on its ports (80, 988) is the pipeline identity, not the node's.
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
        ports.every((p) => p === 80 || p === 988)
    );
}

function checkPolicy(p: PolicyResourceLike, onGke: boolean, report: Report, skip: Skip): void {
    const ns = readKnown(() => str(at(p.props, "metadata.namespace")));
    if (!ns.known) {
        skip(`NetworkPolicy ${p.name}'s namespace is only known after apply`, p.urn);
        return;
    }
    if (ns.value !== pipelineNamespace) return;
    const spec = readKnown(() => JSON.parse(JSON.stringify(at(p.props, "spec") ?? {})) as unknown);
    if (!spec.known) {
        skip(`NetworkPolicy ${p.name}'s spec is only known after apply`, p.urn);
        return;
    }
    arr(at(spec.value, "egress")).forEach((rule, i) => {
        if (onGke && gkeMetadataServerRule(rule)) return;
        const opened = openedAddresses(arr(at(rule, "to")));
        if (opened.length > 0) {
            report(
                `NetworkPolicy ${ns.value}/${str(at(p.props, "metadata.name")) ?? p.name} egress[${i}] reaches the instance metadata service (${opened.join(", ")}); add it to the ipBlock's except`,
                p.urn,
            );
        }
    });
}

export const buildPodsNoInstanceMetadata: StackRule = {
    kind: "stack",
    name: "build-pods-no-instance-metadata",
    description: `No egress rule of the ${pipelineNamespace} namespace reaches the cloud instance metadata service (${metadataAddresses.join(", ")}), which serves the node's credentials; on GKE only the GKE metadata server's own ports.`,
    enforcementLevel: "mandatory",
    remediation:
        "Exclude 169.254.169.254/32 and fd00:ec2::254/128 from every ipBlock of the build namespace's egress rules (components/tekton/namespace.ts instanceMetadataEndpoints).",
    check(all, report, skip) {
        const onGke = ofType(all, t.gcp.gkeCluster).length > 0;
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
