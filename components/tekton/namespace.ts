import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import {
    type Site,
    type WorkloadIdentity,
    identityPodLabel,
    pipelineNamespace,
    releaseNamespace,
    serviceAccounts,
} from "../shared/site";
import { createNetworkPolicies } from "./network-policies";

export { credentialEndpoints, inClusterService, instanceMetadataEndpoints, linkLocalRanges } from "./network-policies";

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

/** Resource budget of a pipeline namespace. */
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
    /**
     * PipelineRuns that may exist at once, finished ones included until the pruner removes them: what bounds the runs
     * (and so the e2e clusters) a replayed or forged delivery can start.
     */
    pipelineRuns: number;
    /** LoadBalancer and NodePort Services (the webhook's, in the release namespace only). */
    webhookServices: number;
}

/**
 * A build machine as the default build instance types all are (m6i.2xlarge, n2-standard-8, Standard_D8s_v5): the
 * quota grows with the pool's maximum size in these units.
 */
export const buildNodeSize = { cpu: 8, memoryGb: 32 } as const;

/**
 * Runs that may start between two prunes on top of the `tektonPruneKeep` the pruner leaves: in the build namespace a
 * day of nightlies (scheduled and dispatched) and of the cluster reaper's runs (four at the default `reaperSchedule`,
 * components/pipelines/reaper.ts), in the release namespace a few releases and the scheduled status render's runs (it
 * keeps three finished and starts one: components/pipelines/status-render.ts). Past it the API server refuses the
 * listener's (or the reaper starter's) create, which it logs, until the next prune.
 */
export const pipelineRunHeadroom = { builds: 30 + 4, release: 5 + 4 } as const;

/** Quota of the build namespace for a build pool of `maxNodes` nodes, plus the always-on pods' headroom. */
export function quotaForPool(maxNodes: number, pruneKeep: number): BuildQuota {
    return {
        cpu: maxNodes * buildNodeSize.cpu + 4,
        memoryGb: maxNodes * buildNodeSize.memoryGb + 8,
        pods: 50 + maxNodes * 20,
        volumeClaims: 10 + maxNodes * 4,
        storageGb: 100 * (maxNodes + 1),
        pipelineRuns: pruneKeep + pipelineRunHeadroom.builds,
        webhookServices: 0,
    };
}

/** Quota of the release namespace: promotion, listeners, CronJobs and the pruner; nothing is built there. */
export function releaseQuota(pruneKeep: number): BuildQuota {
    return {
        cpu: 8,
        memoryGb: 16,
        pods: 40,
        volumeClaims: 2,
        storageGb: 20,
        pipelineRuns: pruneKeep + pipelineRunHeadroom.release,
        webhookServices: 1,
    };
}

/** A ServiceAccount of a pipeline namespace and the identity it acts as (none for build pods). */
interface AccountSpec {
    name: string;
    identity?: WorkloadIdentity;
    /** Whether its pods get an API token by default; only the token minter's and the pruner's need one. */
    apiAccess?: boolean;
}

export interface PipelineNamespaceArgs {
    /** The site: its provider, and its platform and registry, which decide the network policies' egress. */
    site: Site;
    /** `okd-builds` or `okd-release`. */
    name: string;
    /** Pod Security level enforced. */
    podSecurity: "restricted" | BuildPodSecurity;
    /** The namespace's resource budget (`quotaForPool` for builds, `releaseQuota` for the release namespace). */
    quota: BuildQuota;
    /** Largest single container memory limit, GiB; what fits on one build node. Default 28. */
    maxContainerMemoryGb?: number;
    /** Largest PVC, GiB. Default 200. */
    maxVolumeGb?: number;
    /** The ServiceAccounts the layer's pipelines run under in this namespace. */
    accounts: AccountSpec[];
}

/**
 * A namespace the pipelines run in: Pod Security, quota (PipelineRun count included) and limits, default-deny
 * networking with the egress its pods need, and its ServiceAccounts, each carrying exactly one identity or none.
 */
export class PipelineNamespace extends pulumi.ComponentResource {
    /** The namespace's name, known once it exists: depend on it through this output. */
    public readonly name: pulumi.Output<string>;
    public readonly serviceAccounts: Record<string, k8s.core.v1.ServiceAccount>;

    constructor(name: string, args: PipelineNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:tekton:PipelineNamespace", name, {}, opts);
        const k = { parent: this, provider: args.site.provider };
        const level = args.podSecurity;
        const watch = level === "privileged" ? "baseline" : "restricted";

        const ns = new k8s.core.v1.Namespace(
            `${name}-ns`,
            {
                metadata: {
                    name: args.name,
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
        this.serviceAccounts = Object.fromEntries(
            args.accounts.map((a) => [
                a.name,
                new k8s.core.v1.ServiceAccount(
                    `${name}-${a.name.replace(/^okd-/, "")}-sa`,
                    {
                        metadata: {
                            name: a.name,
                            namespace: this.name,
                            annotations: a.identity?.serviceAccountAnnotations ?? {},
                        },
                        // Nothing is linked: no image pull or creds-init Secret reaches a step through its account.
                        automountServiceAccountToken: a.apiAccess ?? false,
                    },
                    k,
                ),
            ]),
        );

        this.registerOutputs({ name: this.name });
    }
}

/** The build namespace's accounts: build pods hold nothing, records and e2e pull hold their identity. */
export function buildAccounts(site: Site): AccountSpec[] {
    return [
        { name: serviceAccounts.build },
        { name: serviceAccounts.records, identity: site.identities.records },
        { name: serviceAccounts.e2e, identity: site.identities.e2ePull },
    ];
}

/** The release namespace's identity-holding accounts (listener, CronJob and pruner accounts belong to their components). */
export function releaseAccounts(site: Site): AccountSpec[] {
    return [
        { name: serviceAccounts.promote, identity: site.identities.promote },
        { name: serviceAccounts.registryToken, identity: site.identities.build },
    ];
}

/** The two namespaces by name, for readers of this module. */
export const pipelineNamespaces = { builds: pipelineNamespace, release: releaseNamespace } as const;

function createLimits(
    name: string,
    namespace: pulumi.Output<string>,
    args: PipelineNamespaceArgs,
    opts: pulumi.CustomResourceOptions,
): void {
    const q = args.quota;
    new k8s.core.v1.ResourceQuota(
        `${name}-quota`,
        {
            metadata: { name: args.name, namespace },
            spec: {
                hard: {
                    "requests.cpu": String(q.cpu),
                    "requests.memory": `${q.memoryGb}Gi`,
                    "limits.memory": `${q.memoryGb * 2}Gi`,
                    pods: String(q.pods),
                    persistentvolumeclaims: String(q.volumeClaims),
                    "requests.storage": `${q.storageGb}Gi`,
                    // Object count quota on a custom resource (kubernetes.io/docs/concepts/policy/resource-quotas/
                    // #object-count-quota): a create past it is refused by the API server itself.
                    "count/pipelineruns.tekton.dev": String(q.pipelineRuns),
                    // The webhook Service (a LoadBalancer allocates a node port too) and nothing else.
                    "services.loadbalancers": String(q.webhookServices),
                    "services.nodeports": String(q.webhookServices),
                },
            },
        },
        opts,
    );
    new k8s.core.v1.LimitRange(
        `${name}-limits`,
        {
            metadata: { name: args.name, namespace },
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
 * Labels the pods of a task that holds `identity` need: the platform's own (AKS: `azure.workload.identity/use`) and
 * `okd-ci/identity: <role>`, which the credential-agent NetworkPolicy selects.
 */
export function identityLabels(role: string, identity: WorkloadIdentity | undefined): Record<string, string> {
    return identity === undefined ? {} : { ...identity.podLabels, [identityPodLabel]: role };
}
