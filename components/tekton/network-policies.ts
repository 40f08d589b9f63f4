/**
 * The pipeline namespaces' network policies: default-deny, then the egress pipeline pods need, with the platform's
 * credential agent reachable only from the pods that hold an identity. The namespaces themselves are ./namespace.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { Platform } from "../shared/model";
import { type Site, identityPodLabel } from "../shared/site";

/**
 * Link-local endpoints the keyless identity of each platform is served from; pods reach them over plain HTTP.
 * EKS Pod Identity: the node agent at 169.254.170.23:80. GKE Workload Identity: the GKE metadata server at
 * 169.254.169.254:80, which is what a NetworkPolicy sees on the site's Dataplane V2 before the node redirects it to
 * the server's own port (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity#restrictions; the
 * legacy dataplane would need 169.254.169.252:988 instead). AKS Workload Identity and local need none: AKS exchanges
 * a projected token with Entra ID over HTTPS.
 */
export const credentialEndpoints: Record<Platform, { cidr: string; ports: number[] }[]> = {
    // The EKS Pod Identity agent listens on the node's host network at 169.254.170.23 (IPv4) and fd00:ec2::23 (IPv6),
    // port 80 (docs.aws.amazon.com/eks/latest/userguide/pod-identities.html, considerations; pods get
    // AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials, pod-id-how-it-works.html).
    aws: [
        { cidr: "169.254.170.23/32", ports: [80] },
        { cidr: "fd00:ec2::23/128", ports: [80] },
    ],
    gcp: [{ cidr: "169.254.169.254/32", ports: [80] }],
    azure: [],
    local: [],
};

/**
 * The cloud instance metadata service, which serves the *node's* credentials (the EC2 instance profile, the VM's
 * identity) and its user data: 169.254.169.254 on EC2, GCE and Azure, and fd00:ec2::254 on EC2's IPv6 endpoint
 * (docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html). Build pods run pushed code, so no
 * egress rule of a pipeline namespace reaches it; the keyless identity each platform uses is reached through
 * `credentialEndpoints` instead, by pods that hold an identity only (on GKE that is the GKE metadata server, which
 * answers on 169.254.169.254 in place of the VM's and hands out Workload Identity tokens, so a build pod must not reach
 * it either). On EKS the nodes' IMDS hop limit of 1 is a second lock.
 */
export const instanceMetadataEndpoints = ["169.254.169.254/32", "fd00:ec2::254/128"] as const;

/**
 * What general egress never reaches: the whole IPv4 link-local range (the instance metadata service, the EKS Pod
 * Identity agent, NodeLocal DNSCache, which DNS reaches by its own rule) and EC2's IPv6 service range (fd00:ec2::/32:
 * IMDS at ::254, the Pod Identity agent at ::23). Each holds out `instanceMetadataEndpoints`.
 */
export const linkLocalRanges = ["169.254.0.0/16", "fd00:ec2::/32"] as const;

/**
 * Azure's host platform endpoint, 168.63.129.16: the WireServer (ports 80 and 32526, which serves VM extension and
 * provisioning data, the source of the AKS TLS bootstrap token leak of 2024), the host's DNS and health probes. It is
 * not link-local, so general egress must hold it out by name; pods resolve through CoreDNS in kube-system, which the DNS
 * rule reaches, never through it (https://learn.microsoft.com/en-us/azure/virtual-network/what-is-ip-address-168-63-129-16).
 * Held out on every platform: the policies are the same everywhere, and no pipeline pod has a reason to reach it.
 */
export const azureHostEndpoint = "168.63.129.16/32";

/** An in-cluster Service address (`name.namespace.svc[.cluster.local][:port]`, with or without scheme). */
export function inClusterService(address: string): { namespace: string; port: number } | undefined {
    const m = /^(?:[a-z]+:\/\/)?[a-z0-9-]+\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?(?::(\d+))?(?:\/.*)?$/.exec(address);
    if (m === null) return undefined;
    const scheme = /^([a-z]+):\/\//.exec(address)?.[1];
    return { namespace: m[1], port: m[2] !== undefined ? Number(m[2]) : scheme === "http" ? 80 : 443 };
}

/**
 * Deny everything, then allow what pipeline pods need: DNS; HTTPS (GitHub, quay.io, the cloud registry, object store
 * and APIs, the build cluster's API) and 6443 (the API of the e2e clusters the installer creates, and kind's); plain
 * HTTP for RPM mirrors (packages are GPG-verified), never to a link-local address or Azure's host endpoint; the
 * platform's credential agent for
 * the pods that hold an identity (labelled `okd-ci/identity`), and for no other; and the site's in-cluster registry
 * and object store when it has them (local). Ingress to the listeners is opened by the triggers.
 */
export function createNetworkPolicies(
    name: string,
    namespace: pulumi.Output<string>,
    site: Site,
    opts: pulumi.CustomResourceOptions,
): void {
    const policy = (role: string, spec: pulumi.Input<k8s.types.input.networking.v1.NetworkPolicySpec>) =>
        new k8s.networking.v1.NetworkPolicy(
            `${name}-netpol-${role}`,
            { metadata: { name: `okd-${role}`, namespace }, spec },
            opts,
        );
    // Anywhere but link-local addresses and Azure's host endpoint: the metadata service and the credential agents are
    // reached by rule below, by the pods that hold an identity.
    const everywhere = [
        { ipBlock: { cidr: "0.0.0.0/0", except: [linkLocalRanges[0], azureHostEndpoint] } },
        { ipBlock: { cidr: "::/0", except: [linkLocalRanges[1]] } },
    ];

    policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    policy("allow-dns", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
            {
                to: [
                    { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } },
                    // NodeLocal DNSCache, where the cluster runs it.
                    { ipBlock: { cidr: "169.254.20.10/32" } },
                ],
                ports: [
                    { protocol: "UDP", port: 53 },
                    { protocol: "TCP", port: 53 },
                ],
            },
        ],
    });
    policy("allow-web", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
            {
                to: everywhere,
                ports: [
                    { protocol: "TCP", port: 443 },
                    { protocol: "TCP", port: 6443 },
                    { protocol: "TCP", port: 80 },
                ],
            },
        ],
    });
    const agents = credentialEndpoints[site.platform];
    if (agents.length > 0) {
        policy("allow-credentials", {
            // Only pods that hold an identity (TaskRun pods of the identity-holding tasks and the token minter, labelled
            // by runs.ts and registry-token.ts): a build pod, a listener, a CronJob or a gate never gets a token from
            // the agent. On GKE a pod that reaches the metadata server gets a token for its ServiceAccount even
            // unannotated (a Workload Identity Federation principal), so that matters beyond the annotations.
            podSelector: { matchExpressions: [{ key: identityPodLabel, operator: "Exists" }] },
            policyTypes: ["Egress"],
            egress: agents.map((a) => ({
                to: [{ ipBlock: { cidr: a.cidr } }],
                ports: a.ports.map((port) => ({ protocol: "TCP", port })),
            })),
        });
    }
    const addresses = [site.registry.host, ...(site.artifacts.endpoint ? [site.artifacts.endpoint] : [])];
    const services = pulumi
        .all(addresses)
        .apply((all) =>
            all.map(inClusterService).filter((s): s is { namespace: string; port: number } => s !== undefined),
        );
    // Site addresses are outputs, so the policy always exists; on the clouds it allows nothing more (their registry
    // and storage are reached over HTTPS above).
    policy("allow-site-services", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: services.apply((list) =>
            list.map((s) => ({
                to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": s.namespace } } }],
                ports: [{ protocol: "TCP", port: s.port }],
            })),
        ),
    });
}
