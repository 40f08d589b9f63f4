import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import type { CloudPlatform, Gate, Platform } from "../../src/config/schema";

/**
 * The contract between a site (aws, gcp, azure, local) and the in-cluster layer (Tekton and the OKD pipelines).
 *
 * A site provisions a build cluster, a registry, artifact storage and a keyless identity for the pipelines, and
 * describes them here. The in-cluster layer consumes only this interface: it never imports a cloud SDK, so the same
 * code serves every platform.
 */
export interface Site {
    readonly platform: Platform;
    /** Kubernetes provider of the build cluster. Every in-cluster object uses it. */
    readonly provider: k8s.Provider;
    /** Kubeconfig of a cluster the site created (a secret Output); undefined for an existing cluster. */
    readonly kubeconfig?: pulumi.Output<string>;
    /** Resources in-cluster objects wait for (node pools, add-ons): applying before they exist would fail. */
    readonly ready: pulumi.Resource[];
    readonly registry: SiteRegistry;
    readonly artifacts: SiteArtifacts;
    readonly identity: PipelineIdentity;
    readonly buildPool: BuildPlacement;
    readonly webhook: WebhookExposure;
    /** E2E gate access configured for this stack, one per cloud in `gates`. */
    readonly gates: GateAccess[];
    /** The pull-only registry identity of the e2e ServiceAccount, when the site has gates and a registry that needs one. */
    readonly e2ePull?: RegistryPullIdentity;
}

/** Logical repositories of the site registry. */
export const repositoryRoles = [
    "release",
    "content",
    "machineOs",
    "components",
    "promoted",
    "promotedContent",
] as const;
export type RepositoryRole = (typeof repositoryRoles)[number];

/**
 * Repositories whose images expire (nightly payloads and everything built for them) and those that hold promoted
 * releases, which no lifecycle rule touches and which are protected from `pulumi destroy`.
 */
export const expiringRoles: RepositoryRole[] = ["release", "content", "machineOs", "components"];
export const durableRoles: RepositoryRole[] = ["promoted", "promotedContent"];

/** Repository path under the site registry for each role (before any cloud-specific prefix). */
export const repositoryPaths: Record<RepositoryRole, string> = {
    release: "release",
    content: "content",
    machineOs: "machine-os",
    components: "components",
    promoted: "promoted",
    promotedContent: "promoted-content",
};

export interface SiteRegistry {
    /** Registry host the pipelines push to, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com`. */
    readonly host: pulumi.Output<string>;
    /** Full repository reference (host/path, no tag) for each role. */
    readonly repositories: Record<RepositoryRole, pulumi.Output<string>>;
    /** True when the registry is plain HTTP inside the cluster (local); builds then push with TLS verification off. */
    readonly insecure: boolean;
}

export interface SiteArtifacts {
    /** `s3`, `gcs`, `azure-blob`; the local site is S3-compatible. */
    readonly kind: "s3" | "gcs" | "azure-blob";
    /** Bucket (or container) name. */
    readonly bucket: pulumi.Output<string>;
    /** Base URL of the artifacts, e.g. `s3://okd-artifacts-x/`, `gs://…/`, `https://acct.blob.core.windows.net/container/`. */
    readonly url: pulumi.Output<string>;
    /** S3-compatible endpoint when not the cloud's own (local object store). */
    readonly endpoint?: pulumi.Output<string>;
    /**
     * Static credentials, only where no keyless identity exists (the local object store). The in-cluster layer puts
     * them in a Secret in the build namespace; they are secret Outputs.
     */
    readonly staticCredentials?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
}

/** What the pipeline ServiceAccount needs to push to the registry and storage with no static keys. */
export interface PipelineIdentity {
    /** Annotations on the ServiceAccount (GKE and AKS workload identity); empty with EKS Pod Identity. */
    readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
    /** Labels on the pods of pipeline TaskRuns (AKS needs `azure.workload.identity/use: "true"`). */
    readonly podLabels: Record<string, string>;
    /** Environment for steps (region, storage account, …); never credentials. */
    readonly env: Record<string, pulumi.Output<string>>;
}

/**
 * A pull-only identity on the site registry, bound to the e2e ServiceAccount (`okd-e2e`). The e2e pull secret lands
 * in every e2e cluster, within reach of the payload under test, so it is minted from this identity, never from the
 * pipeline identity, which may push.
 */
export interface RegistryPullIdentity {
    /** Annotations on the e2e ServiceAccount (GKE and AKS workload identity); empty with EKS Pod Identity. */
    readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
    /** Labels on the pod that mints the pull secret (AKS needs `azure.workload.identity/use: "true"`). */
    readonly podLabels: Record<string, string>;
}

/** How build pods reach the build pool. */
export interface BuildPlacement {
    readonly nodeSelector: Record<string, string>;
    readonly tolerations: k8s.types.input.core.v1.Toleration[];
}

/**
 * How the GitHub webhook EventListener is reachable from the internet on this platform. The site says what serves
 * the webhook; the in-cluster layer creates the Service (`okd-github-webhook`) to match:
 * - `LoadBalancer`: the cluster's service controller makes the load balancer from `serviceAnnotations`; the layer
 *   puts the stack's `webhookSourceRanges` in `spec.loadBalancerSourceRanges`.
 * - `NodePort`: the site's own load balancer forwards to `nodePort` on the nodes it chose, and enforces the source
 *   ranges itself (AWS).
 * - `ClusterIP`: not reachable from outside (local).
 */
export interface WebhookExposure {
    /** Service type of the EventListener service. */
    readonly serviceType: "LoadBalancer" | "NodePort" | "ClusterIP";
    /** Annotations that make the platform's load balancer what we want (internet-facing, NLB, …). */
    readonly serviceAnnotations: Record<string, string>;
    /** One line for the docs and outputs: how GitHub reaches the listener. */
    readonly description: string;
    /** The fixed node port the site's load balancer targets; required with `NodePort`. */
    readonly nodePort?: number;
    /**
     * An Ingress for `host` in front of the Service, served by `className` (or the cluster's default class). Only a
     * site whose cluster has an ingress controller sets this: an Ingress nothing serves never gets an address, and
     * the Kubernetes provider waits for one until `pulumi up` times out.
     */
    readonly ingress?: { readonly host: string; readonly className?: string };
    /** The URL GitHub delivers to (the stack output `webhookUrl`), when the site can know it. */
    readonly url?: pulumi.Output<string>;
    /** What the user must do in DNS for `url` to work, if anything (the stack output `webhookDns`). */
    readonly dns?: pulumi.Output<string>;
}

/**
 * How an e2e gate's `openshift-install` gets credentials: static credentials of the gate's own identity, delivered
 * as a Kubernetes Secret on every cloud. Outside Manual mode the installer hands its credentials to the cluster it
 * creates, so it refuses anything it cannot hand over: AWS session credentials (EKS Pod Identity, IRSA) are "not
 * valid for default credentials mode", GCP metadata-server credentials have no key JSON to write into
 * `kube-system/gcp-credentials`, and on Azure it reads only a service principal file (docs/platforms/*.md).
 */
export interface GateCredentials {
    /**
     * The file's content (a secret Output) from `gateCredentials<Cloud>`. Undefined until the operator has created
     * the key of an identity the stack made; the in-cluster layer then creates no Secret and the gate Task fails
     * with `howToCreate`.
     */
    readonly value?: pulumi.Output<string>;
    /** File name inside the Secret, e.g. `.awscred`, `gce.json`, `osServicePrincipal.json`. */
    readonly fileName: string;
    /** Environment variable that points the installer at the file, e.g. `AWS_SHARED_CREDENTIALS_FILE`. */
    readonly envVar: string;
    /** One sentence for the operator: how to create the credentials and set them. */
    readonly howToCreate: string;
}

/**
 * install-config `credentialsMode` of the gate's installs: `Mint` (the cloud-credential-operator creates an
 * identity per component from the installer's credentials; the default on AWS) or `Passthrough` (components share
 * the installer's credentials).
 */
export type GateCredentialsMode = "Mint" | "Passthrough";

export interface GateAccess extends Gate {
    readonly platform: CloudPlatform;
    /** Public DNS zone of `baseDomain` (id or name as the cloud knows it). */
    readonly zone: pulumi.Output<string>;
    readonly credentials: GateCredentials;
    readonly credentialsMode: GateCredentialsMode;
    /**
     * Every e2e cluster name starts with this (`<prefix>-<run>`), so every name the installer and the
     * cloud-credential-operator derive from the infrastructure id does too; the gate identity's IAM is scoped to it.
     */
    readonly clusterPrefix: string;
    /** Environment for the installer (project, subscription, …); never credentials. */
    readonly env: Record<string, pulumi.Output<string>>;
    /** What the operator needs to finish the gate's setup (installer policies, name servers); a stack output. */
    readonly setup?: Record<string, pulumi.Output<unknown>>;
}

/** Names the sites and the in-cluster layer agree on, so a site can bind its identity before the namespace exists. */
export const pipelineNamespace = "okd-builds";
export const pipelineServiceAccount = "okd-pipeline";
export const e2eServiceAccount = "okd-e2e";

/**
 * Kubernetes subjects that act as the pipeline identity. Besides the pipeline's own ServiceAccount, the Tekton Chains
 * controller pushes signatures and attestations next to the images in the site registry, so every site binds its
 * pipeline identity to both (Pod Identity associations, federated credentials, Workload Identity bindings), and the
 * in-cluster layer puts `PipelineIdentity.serviceAccountAnnotations` on both ServiceAccounts.
 */
export const pipelineIdentitySubjects = [
    { namespace: pipelineNamespace, serviceAccount: pipelineServiceAccount },
    { namespace: "tekton-chains", serviceAccount: "tekton-chains-controller" },
] as const;

/** Secrets the in-cluster layer creates in the pipeline namespace and the pipelines mount, by name. */
export const secretNames = {
    /** `kubernetes.io/dockerconfigjson`: push credentials for the quay.io mirror repositories. */
    mirror: "okd-mirror-credentials",
    /** Static object-store keys (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), only where the site has no keyless identity. */
    artifacts: "okd-artifacts-credentials",
    /** GitHub webhook shared secret (`secretToken`). */
    webhook: "okd-github-webhook",
    /** Installer credentials for a gate on another cloud than the site's (one key: the file the installer reads). */
    gate: (cloud: CloudPlatform): string => `okd-gate-${cloud}`,
} as const;
/** Node label and taint value that mark the build pool on every platform. */
export const buildPoolLabel = { key: "okd-ci/pool", value: "builds" } as const;

/** The taint on every build pool: only build pods (which tolerate it) land there, so the pool can scale to zero. */
export const buildPoolTaint = { key: buildPoolLabel.key, value: buildPoolLabel.value, effect: "NoSchedule" } as const;

/**
 * How build pods reach the build pool on every cloud: select its label, tolerate its taint, plus any taint the cloud
 * adds by itself (AKS puts `kubernetes.azure.com/scalesetpriority=spot:NoSchedule` on spot pools).
 */
export function buildPlacement(extraTolerations: k8s.types.input.core.v1.Toleration[] = []): BuildPlacement {
    return {
        nodeSelector: { [buildPoolLabel.key]: buildPoolLabel.value },
        tolerations: [
            { key: buildPoolTaint.key, operator: "Equal", value: buildPoolTaint.value, effect: buildPoolTaint.effect },
            ...extraTolerations,
        ],
    };
}
