import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

import { type RepositoryRole, type Site, chainsControllerSubject } from "../shared/site";
import { appliedAfterAnnotation } from "./install";
import { tektonReleaseUrls } from "./versions";

/** The Chains controller's ServiceAccount, the only subject of the chains identity. */
export const chainsController = chainsControllerSubject;

export interface ChainsConfigArgs {
    /** The site: its provider, its registry (where signatures go) and its KMS signing key, if it keeps one. */
    site: Site;
    /** The Chains release: its ConfigMap, Secret and ServiceAccount must exist before they are patched. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** `chainsSigningKey` (local only): an encrypted cosign private key (secret). Unset: an ECDSA P-256 key is generated. */
    signingKey?: pulumi.Output<string>;
    /** `chainsSigningKeyPassword` (secret); empty when unset. */
    signingKeyPassword?: pulumi.Output<string>;
    /**
     * Site repository that holds every signature and attestation. Default `attestations`: a repository only Chains
     * writes (builds and promotion can read it, never rewrite a signature), kept like promoted releases, since Chains
     * signs at build time, before anyone knows whether a nightly will be promoted. Records are a few KiB each.
     */
    attestationRepository?: RepositoryRole;
}

/** Which signer Chains uses: the site's KMS key, or a key in the `signing-secrets` Secret (x509). */
export type ChainsSigner = { kind: "kms"; kmsRef: pulumi.Input<string> } | { kind: "x509" };

/** `chains-config` for a site: SLSA v1 provenance, OCI storage in the attestation repository, no Rekor. */
export function chainsSettings(
    site: Site,
    role: RepositoryRole,
    signer: ChainsSigner = site.signing ? { kind: "kms", kmsRef: site.signing.kmsRef } : { kind: "x509" },
): Record<string, pulumi.Input<string>> {
    // tektoncd/chains docs/config.md (v0.29.1): `x509` signs with the signing-secrets key, `kms` with signers.kms.kmsref.
    const sign = signer.kind;
    return {
        // slsa/v2alpha4 writes SLSA v1.0 provenance and reads StepAction type hints too.
        "artifacts.taskrun.format": "slsa/v2alpha4",
        "artifacts.taskrun.storage": "oci",
        "artifacts.taskrun.signer": sign,
        "artifacts.pipelinerun.format": "slsa/v2alpha4",
        "artifacts.pipelinerun.storage": "oci",
        "artifacts.pipelinerun.signer": sign,
        // A nightly's images are built by its child TaskRuns: the PipelineRun's provenance must list them.
        "artifacts.pipelinerun.enable-deep-inspection": "true",
        "artifacts.oci.format": "simplesigning",
        "artifacts.oci.storage": "oci",
        "artifacts.oci.signer": sign,
        ...(signer.kind === "kms" ? { "signers.kms.kmsref": signer.kmsRef } : {}),
        // In the site registry, where the controller pushes with its own keyless identity: no registry key.
        "storage.oci.repository": site.registry.repositories[role],
        "storage.oci.repository.insecure": String(site.registry.insecure),
        // No public Rekor: entries would publish every nightly's internal registry and build details, and a local
        // site's images are not reachable by anyone who would look. Our own key is the trust root.
        "transparency.enabled": "false",
    };
}

/** What Chains signs with from a Secret: an encrypted cosign key and its password, or an unencrypted PKCS#8 PEM. */
export type SigningKey =
    | { kind: "cosign"; key: pulumi.Input<string>; password: pulumi.Input<string> }
    | { kind: "x509"; pkcs8Pem: pulumi.Input<string> };

/** The keys of `signing-secrets` Chains reads for each kind of key (tektoncd/chains docs/signing.md). */
export function signingSecretData(key: SigningKey): Record<string, pulumi.Input<string>> {
    switch (key.kind) {
        case "cosign":
            return { "cosign.key": key.key, "cosign.password": key.password };
        case "x509":
            return { "x509.pem": key.pkcs8Pem };
        default:
            // Unreachable for typed callers; a key of no known kind must not pass for an x509 one.
            throw new Error(`signing key of unknown kind ${JSON.stringify((key as { kind: unknown }).kind)}`);
    }
}

/**
 * Tekton Chains configured for this site: its settings, its signing key and its own keyless identity.
 *
 * Where the site keeps a KMS key (aws, gcp, azure), Chains signs through it and no Secret holds a key: a Secret would
 * be readable by the Triggers core interceptors, whose ClusterRole `tekton-triggers-core-interceptors` reads every
 * Secret of the cluster and which cannot be narrowed, as they watch Secrets through a cluster-wide informer
 * (tektoncd/triggers@v0.37.0 config/200-clusterrole.yaml; cmd/interceptors/main.go sets no injection namespace scope,
 * so the informer pkg/interceptors/server/server.go uses lists every namespace). Without KMS (local), the key is in
 * `tekton-chains/signing-secrets` (Chains v0.29.1 reads its key only from files of that mounted directory), which
 * the interceptors can read; only the okd-ci EventListeners may connect to them (createInterceptorsIngress,
 * triggers.ts), and docs/security.md says what remains.
 */
export class ChainsConfig extends pulumi.ComponentResource {
    /** PEM public key to verify signatures with, when the key was generated here; otherwise undefined. */
    public readonly publicKey?: pulumi.Output<string>;
    /** The KMS key reference signatures verify with (`cosign verify --key <ref>`), when the site has one. */
    public readonly kmsRef?: pulumi.Output<string>;

    constructor(name: string, args: ChainsConfigArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:tekton:Chains", name, {}, opts);
        // Refused before any object exists (config validation refuses the key on a cloud too; this guards other callers).
        if (args.site.signing !== undefined && args.signingKey !== undefined) {
            throw new Error(
                `chainsSigningKey is not used on ${args.site.platform}: Chains signs with the site's KMS key`,
            );
        }
        const signingReady = args.site.signing?.ready ?? [];
        const k = { parent: this, provider: args.site.provider, dependsOn: [...args.dependsOn, ...signingReady] };
        // Each patch names the Chains release it follows, so a new release (which re-applies these objects with its
        // own values) also changes the patches, and Pulumi re-applies them after it (see configPatch in install.ts).
        const patched = { "pulumi.com/patchForce": "true", [appliedAfterAnnotation]: tektonReleaseUrls.chains };

        new k8s.core.v1.ConfigMapPatch(
            `${name}-config`,
            {
                metadata: { name: "chains-config", namespace: chainsController.namespace, annotations: patched },
                data: chainsSettings(args.site, args.attestationRepository ?? "attestations"),
            },
            k,
        );

        if (args.site.signing !== undefined) {
            this.kmsRef = args.site.signing.kmsRef;
        } else {
            // The release ships `signing-secrets` empty; we fill it rather than fight over the object.
            let signing: SigningKey;
            if (args.signingKey !== undefined) {
                signing = { kind: "cosign", key: args.signingKey, password: args.signingKeyPassword ?? "" };
            } else {
                // Generated once and kept, encrypted, in state: rotating it is replacing this resource.
                const key = new tls.PrivateKey(
                    `${name}-signing-key`,
                    { algorithm: "ECDSA", ecdsaCurve: "P256" },
                    { parent: this },
                );
                signing = { kind: "x509", pkcs8Pem: key.privateKeyPemPkcs8 };
                this.publicKey = key.publicKeyPem;
            }
            new k8s.core.v1.SecretPatch(
                `${name}-signing-secret`,
                {
                    metadata: { name: "signing-secrets", namespace: chainsController.namespace, annotations: patched },
                    stringData: pulumi.secret(signingSecretData(signing)),
                },
                k,
            );
        }

        // Chains pushes signatures and attestations with its controller's own identity (k8schain's cloud keychains
        // use the controller's ambient credentials), and signs through KMS with it.
        const identity = args.site.identities.chains;
        new k8s.core.v1.ServiceAccountPatch(
            `${name}-controller-sa`,
            {
                metadata: {
                    name: chainsController.serviceAccount,
                    namespace: chainsController.namespace,
                    annotations: identity.serviceAccountAnnotations.apply((a) => ({ ...a, ...patched })),
                },
            },
            k,
        );

        // AKS injects the identity token only into pods labelled for it: label the controller's pods too.
        const podLabels = identity.podLabels;
        if (Object.keys(podLabels).length > 0) {
            new k8s.apps.v1.DeploymentPatch(
                `${name}-controller-labels`,
                {
                    metadata: {
                        name: "tekton-chains-controller",
                        namespace: chainsController.namespace,
                        annotations: patched,
                    },
                    spec: { template: { metadata: { labels: podLabels } } },
                },
                k,
            );
        }

        this.registerOutputs({ publicKey: this.publicKey, kmsRef: this.kmsRef });
    }
}
