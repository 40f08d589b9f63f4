import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

import { type RepositoryRole, type Site, pipelineIdentitySubjects } from "../shared/site";
import { appliedAfterAnnotation } from "./install";
import { tektonNamespaces, tektonReleaseUrls } from "./versions";

/** The Chains controller's ServiceAccount, one of the pipeline identity's subjects. */
export const chainsController = pipelineIdentitySubjects.find((s) => s.namespace === tektonNamespaces.chains)!;

export interface ChainsConfigArgs {
    site: Site;
    /** The Chains release: its ConfigMap, Secret and ServiceAccount must exist before they are patched. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** `chainsSigningKey`: an encrypted cosign private key (secret). Unset: an ECDSA P-256 key is generated. */
    signingKey?: pulumi.Output<string>;
    /** `chainsSigningKeyPassword` (secret); empty when unset. */
    signingKeyPassword?: pulumi.Output<string>;
    /**
     * Site repository that holds every signature and attestation. Default `promoted`: Chains signs at build time,
     * before anyone knows whether a nightly will be promoted, and a promoted release's provenance must never expire
     * with the nightly repositories. Records are a few KiB each.
     */
    attestationRepository?: RepositoryRole;
}

/** `chains-config` for a site: SLSA v1 provenance, OCI storage in the site registry, x509 signing, no Rekor. */
export function chainsSettings(site: Site, role: RepositoryRole): Record<string, pulumi.Input<string>> {
    return {
        // slsa/v2alpha4 writes SLSA v1.0 provenance and reads StepAction type hints too.
        "artifacts.taskrun.format": "slsa/v2alpha4",
        "artifacts.taskrun.storage": "oci",
        "artifacts.taskrun.signer": "x509",
        "artifacts.pipelinerun.format": "slsa/v2alpha4",
        "artifacts.pipelinerun.storage": "oci",
        "artifacts.pipelinerun.signer": "x509",
        // A nightly's images are built by its child TaskRuns: the PipelineRun's provenance must list them.
        "artifacts.pipelinerun.enable-deep-inspection": "true",
        "artifacts.oci.format": "simplesigning",
        "artifacts.oci.storage": "oci",
        "artifacts.oci.signer": "x509",
        // In the site registry, where the controller pushes with the keyless pipeline identity: no registry key.
        "storage.oci.repository": site.registry.repositories[role],
        "storage.oci.repository.insecure": String(site.registry.insecure),
        // No public Rekor: entries would publish every nightly's internal registry and build details, and a local
        // site's images are not reachable by anyone who would look. Our own key is the trust root.
        "transparency.enabled": "false",
    };
}

/** What Chains signs with: an encrypted cosign key and its password, or an unencrypted PKCS#8 PEM (x509). */
export type SigningKey =
    | { kind: "cosign"; key: pulumi.Input<string>; password: pulumi.Input<string> }
    | { kind: "x509"; pkcs8Pem: pulumi.Input<string> };

/** The keys of `signing-secrets` Chains reads for each kind of key (tektoncd/chains docs/signing.md). */
export function signingSecretData(key: SigningKey): Record<string, pulumi.Input<string>> {
    return key.kind === "cosign"
        ? { "cosign.key": key.key, "cosign.password": key.password }
        : { "x509.pem": key.pkcs8Pem };
}

/**
 * Tekton Chains configured for this site: its settings, its signing key and the keyless identity of its controller.
 */
export class ChainsConfig extends pulumi.ComponentResource {
    /** PEM public key to verify signatures with, when the key was generated here; with a cosign key, undefined. */
    public readonly publicKey?: pulumi.Output<string>;

    constructor(name: string, args: ChainsConfigArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:tekton:Chains", name, {}, opts);
        const k = { parent: this, provider: args.site.provider, dependsOn: args.dependsOn };
        // Each patch names the Chains release it follows, so a new release (which re-applies these objects with its
        // own values) also changes the patches, and Pulumi re-applies them after it (see configPatch in install.ts).
        const patched = { "pulumi.com/patchForce": "true", [appliedAfterAnnotation]: tektonReleaseUrls.chains };

        new k8s.core.v1.ConfigMapPatch(
            `${name}-config`,
            {
                metadata: { name: "chains-config", namespace: tektonNamespaces.chains, annotations: patched },
                data: chainsSettings(args.site, args.attestationRepository ?? "promoted"),
            },
            k,
        );

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
                metadata: { name: "signing-secrets", namespace: tektonNamespaces.chains, annotations: patched },
                stringData: pulumi.secret(signingSecretData(signing)),
            },
            k,
        );

        new k8s.core.v1.ServiceAccountPatch(
            `${name}-controller-sa`,
            {
                metadata: {
                    name: chainsController.serviceAccount,
                    namespace: chainsController.namespace,
                    annotations: args.site.identity.serviceAccountAnnotations.apply((a) => ({ ...a, ...patched })),
                },
            },
            k,
        );

        // AKS injects the identity token only into pods labelled for it: label the controller's pods too.
        const podLabels = args.site.identity.podLabels;
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

        this.registerOutputs({ publicKey: this.publicKey });
    }
}
