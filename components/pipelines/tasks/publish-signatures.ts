import type * as pulumi from "@pulumi/pulumi";

import { secretNames } from "../../shared/site";
import { type PipelineContext, registryAuthStep, siteAuthFile } from "../context";
import { loadScript } from "../scripts";
import { type TaskDefinition, paramEnv, restrictedHome, restrictedStep } from "../tekton";
import { chainsPublicKeyConfigMap, chainsPublicKeyFile } from "./promote";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const publishSignaturesTaskName = "okd-publish-signatures";

/**
 * How long the task waits for Tekton Chains to sign the promote TaskRun's public payload: Chains reconciles a TaskRun
 * once it has ended, usually within seconds; its controller may be restarting or catching up after a burst.
 */
export const chainsWaitSeconds = 900;

/**
 * After promotion, copy the public payload's signature and SLSA provenance, which Tekton Chains stores in the site's
 * attestation repository, next to the payload on quay.io with `cosign copy` (publish-signatures.sh), so that anyone
 * who pulls it verifies it with the site's public key and quay.io alone (docs/security.md). A Task of its own after
 * promote: Chains signs a TaskRun's images only once that TaskRun has ended.
 */
export function publishSignaturesTask(
    ctx: PipelineContext,
    verify: {
        /** Where Chains stores signatures and attestations (its `storage.oci.repository`). */
        attestationRepository: pulumi.Input<string>;
        /** The site's KMS key as cosign names it; unset, the PEM key in `chainsPublicKeyConfigMap` (promote.ts). */
        kmsRef?: pulumi.Input<string>;
    },
): TaskDefinition {
    const mirrorMount = "/var/run/okd-mirror";
    const keyMount = "/var/run/okd-chains";
    return {
        name: publishSignaturesTaskName,
        spec: {
            description:
                "Copies the promoted payload's Tekton Chains signature and SLSA provenance next to it on quay.io with cosign, and verifies them from there alone.",
            params: [
                toolsImageParam,
                { name: "image", description: "The promoted payload on quay.io, <repository>@sha256:<digest>." },
            ],
            results: [],
            volumes: [
                // Optional, so a missing Secret reaches the script, which names it, instead of a pod stuck pending.
                { name: "mirror-credentials", secret: { secretName: secretNames.mirror, optional: true } },
                ...(verify.kmsRef === undefined
                    ? [{ name: "chains-public-key", configMap: { name: chainsPublicKeyConfigMap } }]
                    : []),
            ],
            // It runs in the restricted release namespace, as a user the image may not know (HOME below).
            stepTemplate: { env: ctx.identityEnv, securityContext: restrictedStep },
            steps: [
                registryAuthStep(ctx),
                {
                    name: "publish",
                    image: toolsStepImage,
                    script: loadScript("publish-signatures.sh"),
                    env: [
                        ...paramEnv({ IMAGE: "image" }),
                        restrictedHome,
                        { name: "ATTESTATION_REPOSITORY", value: verify.attestationRepository },
                        verify.kmsRef === undefined
                            ? { name: "PUBLIC_KEY_FILE", value: `${keyMount}/${chainsPublicKeyFile}` }
                            : { name: "KEY_REF", value: verify.kmsRef },
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                        { name: "SITE_AUTH_FILE", value: siteAuthFile },
                        { name: "MIRROR_AUTH_FILE", value: `${mirrorMount}/.dockerconfigjson` },
                        { name: "MIRROR_SECRET", value: secretNames.mirror },
                        { name: "WAIT_SECONDS", value: String(chainsWaitSeconds) },
                    ],
                    volumeMounts: [
                        { name: "mirror-credentials", mountPath: mirrorMount, readOnly: true },
                        ...(verify.kmsRef === undefined
                            ? [{ name: "chains-public-key", mountPath: keyMount, readOnly: true }]
                            : []),
                    ],
                },
            ],
        },
    };
}
