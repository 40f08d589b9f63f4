import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { Platform } from "../../src/config/schema";
import { type Site, e2eServiceAccount, pipelineNamespace, pipelineServiceAccount, secretNames } from "../shared/site";

/**
 * Pod Security level the build namespace enforces.
 *
 * `baseline` forbids privileged containers, host namespaces and host paths but allows what rootless buildah needs
 * (default capabilities, SETFCAP, user namespaces with chroot isolation) and device-plugin resources such as
 * `devices.kubevirt.io/kvm` for coreos-assembler. `privileged` is what the pipelines use today: the machine-os and
 * component builds run buildah privileged, as the Tekton catalog's buildah Task does, because whether the managed
 * clusters' default seccomp/AppArmor profiles let an unprivileged buildah create user namespaces is unverified. Those
 * steps run only on the tainted build pool. A privileged namespace says why in `privilegedJustification`, and still
 * warns and audits at `baseline`, so every pod that needs more than baseline shows up.
 */
export type BuildPodSecurity = "baseline" | "privileged";

/** Annotation on a privileged build namespace: why it is privileged (the policy pack requires it). */
export const privilegedJustification = {
    key: "okd-ci/privileged-justification",
    value: "machine-os and component builds run privileged buildah (Tekton catalog style) on the tainted build pool; rootless buildah would allow baseline",
} as const;

/** Resource budget of the build namespace. */
export interface BuildQuota {
    /** Sum of CPU requests, cores. */
    cpu: number;
    /** Sum of memory requests, GiB (limits may reach twice this). */
    memoryGb: number;
    /** Pods at once. */
    pods: number;
    /** PersistentVolumeClaims at once (one per workspace volume of a running PipelineRun). */
    volumeClaims: number;
    /** Sum of PVC requests, GiB. */
    storageGb: number;
}

/**
 * A build machine as the default build instance types all are (m6i.2xlarge, n2-standard-8, Standard_D8s_v5): the
 * quota grows with the pool's maximum size in these units.
 */
export const buildNodeSize = { cpu: 8, memoryGb: 32 } as const;

/** Quota for a build pool of `maxNodes` nodes, plus headroom for the always-on pods (listeners, assistants). */
export function quotaForPool(maxNodes: number): BuildQuota {
    return {
        cpu: maxNodes * buildNodeSize.cpu + 4,
        memoryGb: maxNodes * buildNodeSize.memoryGb + 8,
        pods: 50 + maxNodes * 20,
        volumeClaims: 10 + maxNodes * 4,
        storageGb: 100 * (maxNodes + 1),
    };
}

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
 * egress rule of the build namespace reaches it; the keyless identity each platform uses is reached through
 * `credentialEndpoints` instead (on GKE that is the GKE metadata server, which answers on 169.254.169.254 in place of
 * the VM's and hands out only Workload Identity tokens). On EKS the nodes' IMDS hop limit of 1 is a second lock.
 */
export const instanceMetadataEndpoints = ["169.254.169.254/32", "fd00:ec2::254/128"] as const;

/** An in-cluster Service address (`name.namespace.svc[.cluster.local][:port]`, with or without scheme). */
export function inClusterService(address: string): { namespace: string; port: number } | undefined {
    const m = /^(?:[a-z]+:\/\/)?[a-z0-9-]+\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?(?::(\d+))?(?:\/.*)?$/.exec(address);
    if (m === null) return undefined;
    const scheme = /^([a-z]+):\/\//.exec(address)?.[1];
    return { namespace: m[1], port: m[2] !== undefined ? Number(m[2]) : scheme === "http" ? 80 : 443 };
}

export interface BuildNamespaceArgs {
    site: Site;
    /** Pod Security level enforced. Default `baseline`. */
    podSecurity?: BuildPodSecurity;
    quota: BuildQuota;
    /** Largest single container memory limit, GiB; what fits on one build node. Default 28. */
    maxContainerMemoryGb?: number;
    /** Largest PVC, GiB. Default 200. */
    maxVolumeGb?: number;
    /** Whether `secretNames.mirror` exists: the pipeline ServiceAccount then carries it for pushes and Chains. */
    mirrorCredentials: boolean;
}

/**
 * The namespace the pipelines run in (`okd-builds`): Pod Security, quota and limits, default-deny networking with
 * the egress builds need, and the ServiceAccounts that carry the site's keyless identity.
 */
export class BuildNamespace extends pulumi.ComponentResource {
    /** The namespace's name, known once it exists: depend on it through this output. */
    public readonly name: pulumi.Output<string>;
    public readonly pipelineServiceAccount: k8s.core.v1.ServiceAccount;
    public readonly e2eServiceAccount: k8s.core.v1.ServiceAccount;

    constructor(name: string, args: BuildNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:tekton:BuildNamespace", name, {}, opts);
        const k = { parent: this, provider: args.site.provider };
        const level = args.podSecurity ?? "baseline";
        const watch = level === "privileged" ? "baseline" : "restricted";

        const ns = new k8s.core.v1.Namespace(
            `${name}-ns`,
            {
                metadata: {
                    name: pipelineNamespace,
                    labels: {
                        "app.kubernetes.io/part-of": "okd-ci",
                        "pod-security.kubernetes.io/enforce": level,
                        "pod-security.kubernetes.io/enforce-version": "latest",
                        // Warnings and audit entries show which pods would not pass the next stricter level.
                        "pod-security.kubernetes.io/warn": watch,
                        "pod-security.kubernetes.io/warn-version": "latest",
                        "pod-security.kubernetes.io/audit": watch,
                        "pod-security.kubernetes.io/audit-version": "latest",
                    },
                    ...(level === "privileged"
                        ? { annotations: { [privilegedJustification.key]: privilegedJustification.value } }
                        : {}),
                },
            },
            k,
        );
        this.name = ns.metadata.name;

        createLimits(name, this.name, args, k);
        createNetworkPolicies(name, this.name, args.site, k);
        const accounts = createServiceAccounts(name, this.name, args, k);
        this.pipelineServiceAccount = accounts.pipeline;
        this.e2eServiceAccount = accounts.e2e;

        this.registerOutputs({ name: this.name });
    }
}

function createLimits(
    name: string,
    namespace: pulumi.Output<string>,
    args: BuildNamespaceArgs,
    opts: pulumi.CustomResourceOptions,
): void {
    const q = args.quota;
    new k8s.core.v1.ResourceQuota(
        `${name}-quota`,
        {
            metadata: { name: "okd-builds", namespace },
            spec: {
                hard: {
                    "requests.cpu": String(q.cpu),
                    "requests.memory": `${q.memoryGb}Gi`,
                    "limits.memory": `${q.memoryGb * 2}Gi`,
                    pods: String(q.pods),
                    persistentvolumeclaims: String(q.volumeClaims),
                    "requests.storage": `${q.storageGb}Gi`,
                    // The webhook Service (a LoadBalancer allocates a node port too) and nothing else.
                    "services.loadbalancers": "1",
                    "services.nodeports": "1",
                },
            },
        },
        opts,
    );
    new k8s.core.v1.LimitRange(
        `${name}-limits`,
        {
            metadata: { name: "okd-builds", namespace },
            spec: {
                limits: [
                    {
                        // Defaults for containers that say nothing (Tekton's own helpers, listeners); no CPU limit
                        // by default, as throttling only slows builds down.
                        type: "Container",
                        defaultRequest: { cpu: "100m", memory: "256Mi" },
                        default: { memory: "1Gi" },
                        max: { memory: `${args.maxContainerMemoryGb ?? 28}Gi` },
                    },
                    {
                        type: "PersistentVolumeClaim",
                        min: { storage: "1Gi" },
                        max: { storage: `${args.maxVolumeGb ?? 200}Gi` },
                    },
                ],
            },
        },
        opts,
    );
}

/**
 * Deny everything, then allow what builds need: DNS; HTTPS (GitHub, quay.io, the cloud registry, object store and
 * APIs, the build cluster's API) and 6443 (the API of the e2e clusters the installer creates, and kind's); plain
 * HTTP for RPM mirrors (packages are GPG-verified), never to the instance metadata service; the platform's
 * credential agent; and the site's in-cluster registry and object store when it has them (local). Ingress to the
 * listeners is opened by the triggers.
 */
function createNetworkPolicies(
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
    // Anywhere but the instance metadata service (see `instanceMetadataEndpoints`).
    const everywhere = [
        { ipBlock: { cidr: "0.0.0.0/0", except: [instanceMetadataEndpoints[0]] } },
        { ipBlock: { cidr: "::/0", except: [instanceMetadataEndpoints[1]] } },
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
        // TaskRun pods only (Tekton labels each with `tekton.dev/taskRun`, tektoncd/pipeline docs/labels.md): the
        // listeners, which face the internet, and the schedule CronJobs get no cloud token.
        policy("allow-credentials", {
            podSelector: { matchExpressions: [{ key: "tekton.dev/taskRun", operator: "Exists" }] },
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

function createServiceAccounts(
    name: string,
    namespace: pulumi.Output<string>,
    args: BuildNamespaceArgs,
    opts: pulumi.CustomResourceOptions,
): { pipeline: k8s.core.v1.ServiceAccount; e2e: k8s.core.v1.ServiceAccount } {
    const site = args.site;
    // Steps never call the build cluster's API: credentials come from mounted Secrets and the workload identity
    // (whose tokens are projected apart from this one), so no API token is mounted and no Role is bound.
    const pipeline = new k8s.core.v1.ServiceAccount(
        `${name}-pipeline-sa`,
        {
            metadata: { name: pipelineServiceAccount, namespace, annotations: site.identity.serviceAccountAnnotations },
            automountServiceAccountToken: false,
            // Tekton's creds-init turns a linked docker config into ~/.docker/config.json for every step, and Chains
            // signs with the same credentials when it pushes next to a mirrored image.
            secrets: args.mirrorCredentials ? [{ name: secretNames.mirror }] : [],
        },
        opts,
    );
    const e2e = new k8s.core.v1.ServiceAccount(
        `${name}-e2e-sa`,
        {
            metadata: { name: e2eServiceAccount, namespace, annotations: e2eAnnotations(site) },
            automountServiceAccountToken: false,
        },
        opts,
    );
    return { pipeline, e2e };
}

/**
 * Annotations of the e2e ServiceAccount: the site's pull-only registry identity (it mints the e2e pull secret), and
 * nothing else. Gates authenticate with static credentials from Secrets (openshift-install refuses federated
 * credentials outside Manual mode), so the account the payload's installer runs under can at most pull.
 */
export function e2eAnnotations(site: Site): pulumi.Output<Record<string, string>> {
    return site.e2ePull?.serviceAccountAnnotations ?? pulumi.output<Record<string, string>>({});
}

/** Labels the pods of pipeline TaskRuns need for the site's workload identity (AKS); gates need none. */
export function identityPodLabels(site: Site): Record<string, string> {
    return { ...site.identity.podLabels };
}
