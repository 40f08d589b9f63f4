import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import type { CloudPlatform, Gate, Platform } from "./model";

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
    /** One keyless cloud identity per role, each bound to its own ServiceAccounts (`identitySubjects`). */
    readonly identities: SiteIdentities;
    /** Where Tekton Chains' signing key lives when the cloud keeps it (KMS); undefined: a key in a Secret (local). */
    readonly signing?: SiteSigningKey;
    readonly buildPool: BuildPlacement;
    readonly webhook: WebhookExposure;
    /** E2E gate access configured for this stack, one per cloud in `gates`. */
    readonly gates: GateAccess[];
    /** The CNI keeps pods no NetworkPolicy selects at default-deny (EKS strict mode): Tekton's get allow-all ones. */
    readonly strictNetworkPolicy?: boolean;
}

/** Logical repositories of the site registry. */
export const repositoryRoles = [
    "release",
    "content",
    "machineOs",
    "components",
    "promoted",
    "promotedContent",
    "attestations",
] as const;
export type RepositoryRole = (typeof repositoryRoles)[number];

/**
 * Repositories whose images expire (nightly payloads and everything built for them) and those that hold promoted
 * releases and the signatures and provenance of everything built here, which no lifecycle rule touches and which are
 * protected from `pulumi destroy` (a promoted release's provenance must outlive the nightly it came from).
 */
export const expiringRoles: RepositoryRole[] = ["release", "content", "machineOs", "components"];
export const durableRoles: RepositoryRole[] = ["promoted", "promotedContent", "attestations"];

/** Repository path under the site registry for each role (before any cloud-specific prefix). */
export const repositoryPaths: Record<RepositoryRole, string> = {
    release: "release",
    content: "content",
    machineOs: "machine-os",
    components: "components",
    promoted: "promoted",
    promotedContent: "promoted-content",
    attestations: "attestations",
};

export interface SiteRegistry {
    /** Registry host the pipelines push to, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com`. */
    readonly host: pulumi.Output<string>;
    /** Full repository reference (host/path, no tag) for each role. */
    readonly repositories: Record<RepositoryRole, pulumi.Output<string>>;
    /** True when the registry is plain HTTP inside the cluster (local); builds then push with TLS verification off. */
    readonly insecure: boolean;
}

/** Identity roles that read or write artifact storage. */
export type StorageRole = "records" | "promote";
export const storageRoles: readonly StorageRole[] = ["records", "promote"];

export interface StaticKeys {
    accessKeyId: pulumi.Output<string>;
    secretAccessKey: pulumi.Output<string>;
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
     * Static credentials, only where no keyless identity exists (the local object store): one key pair per identity
     * role that touches storage, each allowed what `identityGrants` gives that role. The in-cluster layer puts each in
     * a Secret beside its role's ServiceAccount; they are secret Outputs.
     */
    readonly staticCredentials?: Record<StorageRole, StaticKeys>;
}

/**
 * The cloud identities of a site, one per role, so that no credential a pod holds can do more than its role
 * (docs/security.md, "Identities"). What each may do on the registry and artifact storage is `identityGrants`; which
 * Kubernetes ServiceAccounts act as it is `identitySubjects`. Build pods themselves carry none of them.
 */
export const identityRoles = ["build", "records", "promote", "chains", "e2ePull"] as const;
export type IdentityRole = (typeof identityRoles)[number];

/** How a ServiceAccount acts as one cloud identity, with no static key. */
export interface WorkloadIdentity {
    /** Annotations on its ServiceAccounts (GKE and AKS workload identity); empty with EKS Pod Identity. */
    readonly serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
    /** Labels on its pods (AKS needs `azure.workload.identity/use: "true"`). */
    readonly podLabels: Record<string, string>;
    /** Environment its pods need beyond `SiteIdentities.env`, never credentials (gcp: the account to mint for). */
    readonly env?: Record<string, pulumi.Output<string>>;
}

export interface SiteIdentities {
    /** Pushes component, machine-os and tools images; held by the token minter, never by a build pod. */
    readonly build: WorkloadIdentity;
    /**
     * Pushes nightly payloads and writes release records and logs (assemble, verdict, finalize), e2e cluster
     * registrations (register-<cloud>) and the reaper's select and record.
     */
    readonly records: WorkloadIdentity;
    /** The only writer of the promoted repositories and of the promoted state (promoted/); reads attestations. */
    readonly promote: WorkloadIdentity;
    /** Tekton Chains: reads every image it signs, writes only the attestation repository, signs with the site key. */
    readonly chains: WorkloadIdentity;
    /** Pulls only; mints the e2e clusters' pull secret. Present when the site has gates. */
    readonly e2ePull?: WorkloadIdentity;
    /** Environment for steps that hold an identity (region, storage account, …); never credentials. */
    readonly env: Record<string, pulumi.Output<string>>;
}

/** Access of one identity role to the site registry (by repository role) and to artifact storage (by prefix). */
export interface IdentityGrant {
    /** Repositories it may pull from. */
    readonly pull: readonly RepositoryRole[];
    /** Repositories it may push to (and so overwrite tags in). */
    readonly push: readonly RepositoryRole[];
    /** Artifact storage: `read` reads and lists everything; `write` lists the prefixes it may create or overwrite. */
    readonly storage: { readonly read: boolean; readonly write: readonly ArtifactPrefix[] };
    /** Uses the site's KMS signing key: `sign` (Chains) or `verify` (read the public key); none otherwise. */
    readonly signingKey?: "sign" | "verify";
}

/** Prefixes of artifact storage that identities write (shared/retention.ts `artifactPrefixes` names them too). */
export type ArtifactPrefix = "releases/" | "promoted/" | "logs/" | "status/" | "notes/" | "clusters/";

/**
 * Prefixes whose objects a writer may also delete: the status site, which publish-status.sh replaces with `rclone
 * sync` (stale pages go), and the e2e cluster registrations (`clusters/<cloud>/<run>/`, register-cluster.sh), which
 * the reaper's record task deletes once their cluster is destroyed (reap-record.sh). Nothing else is deleted by a
 * pipeline identity: records and notes are only ever added or overwritten, and logs expire by lifecycle.
 */
export const prunedPrefixes: readonly ArtifactPrefix[] = ["status/", "clusters/"];

const everyRepository: readonly RepositoryRole[] = repositoryRoles;
/**
 * What each identity may do, the one table every site turns into its cloud's IAM (and `docs/security.md` prints). Where
 * a cloud cannot scope as finely (ACR grants push on the whole registry with this SDK; Artifact Registry grants per
 * repository, and a site may keep several roles in one), the site grants the narrowest it can and the platform page
 * says so.
 */
export const identityGrants: Record<IdentityRole, IdentityGrant> = {
    build: {
        pull: ["components", "machineOs"],
        push: ["components", "machineOs"],
        storage: { read: false, write: [] },
    },
    // Also builds the pipeline tools image (from this repository's Containerfile) into the release repository, which
    // no build can write, publishes the status site after each nightly (finalize), registers each e2e cluster before
    // it is created (register-<cloud>) and, in the reaper, reads and deletes those registrations.
    records: {
        pull: ["release", "content", "machineOs", "components"],
        push: ["release", "content"],
        storage: { read: true, write: ["releases/", "logs/", "status/", "clusters/"] },
    },
    // Also writes the release notes and the status site. Of the records it writes only the promoted state (promoted/,
    // release-record.sh), which no other identity writes: the records identity cannot make a payload promoted.
    promote: {
        pull: everyRepository,
        push: ["promoted", "promotedContent"],
        storage: { read: true, write: ["promoted/", "notes/", "status/"] },
        signingKey: "verify",
    },
    chains: { pull: everyRepository, push: ["attestations"], storage: { read: false, write: [] }, signingKey: "sign" },
    // The payload under test and its content; the secret minted from it lands in every e2e cluster.
    // Also the promoted copies: the upgrade gate installs the earlier promoted release from the site's durable copy.
    e2ePull: {
        pull: ["release", "content", "promoted", "promotedContent"],
        push: [],
        storage: { read: false, write: [] },
    },
};

/**
 * Tekton Chains' signing key in the cloud's key service: the key never leaves it, so no Secret (which the Triggers
 * core interceptors may read cluster-wide) holds it.
 */
export interface SiteSigningKey {
    /** Chains' `signers.kms.kmsref` and cosign's `--key`: `awskms:///arn:…`, `gcpkms://projects/…`, `azurekms://…`. */
    readonly kmsRef: pulumi.Output<string>;
    /** Resources Chains must wait for (the key and its grants). */
    readonly ready: pulumi.Resource[];
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
    /**
     * A proxy in front of the `LoadBalancer` Service enforces `webhookSourceRanges` (Azure Front Door's WAF): the
     * Service then gets no `loadBalancerSourceRanges`, which would see only the proxy's addresses, and which would
     * let the listed ranges reach the load balancer around the proxy.
     */
    readonly sourceRangesUpstream?: boolean;
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

/**
 * Names the sites and the in-cluster layer agree on, so a site can bind its identities before the namespaces exist.
 *
 * - `okd-builds` (privileged: buildah) runs the nightlies, whose builds run pushed code.
 * - `okd-release` (restricted) runs everything that needs no privilege and must not share a namespace with pushed
 *   code: the release Pipeline (promotion, with the quay.io credentials), the listeners, the CronJobs, the pruner and
 *   the registry token minter.
 */
export const pipelineNamespace = "okd-builds";
export const releaseNamespace = "okd-release";

/** The ServiceAccounts of the pipelines, by what runs under them. */
export const serviceAccounts = {
    /** Build pods (tools image, machine-os, components, stream-coreos): no cloud identity, no API token. */
    build: "okd-build",
    /** assemble, verdict, finalize-record, each gate's register and the reaper's select and record: the records identity. */
    records: "okd-records",
    /** The release Pipeline (tools image resolution, pick, promote): the promotion identity. */
    promote: "okd-promote",
    /** The CronJob that mints the builds' registry push token: the build identity. */
    registryToken: "okd-registry-token",
    /** e2e gates and their pull secret: the pull-only identity. */
    e2e: "okd-e2e",
} as const;

export const e2eServiceAccount = serviceAccounts.e2e;
/** The default ServiceAccount of nightly TaskRuns: the build one, which holds nothing. */
export const pipelineServiceAccount = serviceAccounts.build;

/** The Tekton Chains controller's ServiceAccount (the Chains release names it). */
export const chainsControllerSubject = {
    namespace: "tekton-chains",
    serviceAccount: "tekton-chains-controller",
} as const;

export interface KubernetesSubject {
    readonly namespace: string;
    readonly serviceAccount: string;
}

/**
 * The ServiceAccounts each identity is bound to (Pod Identity associations, federated credentials, Workload Identity
 * bindings): one each, and none of them runs a build.
 */
export const identitySubjects: Record<IdentityRole, readonly KubernetesSubject[]> = {
    build: [{ namespace: releaseNamespace, serviceAccount: serviceAccounts.registryToken }],
    records: [{ namespace: pipelineNamespace, serviceAccount: serviceAccounts.records }],
    promote: [{ namespace: releaseNamespace, serviceAccount: serviceAccounts.promote }],
    chains: [chainsControllerSubject],
    e2ePull: [{ namespace: pipelineNamespace, serviceAccount: serviceAccounts.e2e }],
};

/** Subjects of every identity that writes (all but the pull-only e2e one): what the policies call pipeline identities. */
export const pipelineIdentitySubjects: readonly KubernetesSubject[] = (
    ["build", "records", "promote", "chains"] as const
).flatMap((role) => identitySubjects[role]);

/** Label on the pods that hold an identity: only they may reach the platform's credential agent. */
export const identityPodLabel = "okd-ci/identity";

/** Secrets the in-cluster layer creates and the pipelines mount, by name. */
export const secretNames = {
    /**
     * `kubernetes.io/dockerconfigjson` in `okd-release`: push credentials for the quay.io mirror repositories, mounted
     * by the promote Task alone and linked to no ServiceAccount.
     */
    mirror: "okd-mirror-credentials",
    /**
     * Static object-store keys (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`) of one identity role, only where the
     * site has no keyless identity (local), in the namespace of that role's ServiceAccount.
     */
    artifacts: (role: StorageRole): string => `okd-artifacts-${role}`,
    /** GitHub webhook shared secret (`secretToken`), in `okd-release` beside the listener. */
    webhook: "okd-github-webhook",
    /**
     * In `okd-builds`: the builds' short-lived registry push token (`auth.json`, `expires`), minted by the
     * `okd-registry-token` CronJob from the build identity; build pods mount it and hold nothing else.
     */
    registryPush: "okd-registry-push",
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
