import * as pulumi from "@pulumi/pulumi";

import { secretNames } from "../../shared/site";
import { type PipelineContext, registryAuthStep, siteAuthFile, storageEnv } from "../context";
import { loadScript } from "../scripts";
import { type TaskDefinition, paramEnv, restrictedHome, restrictedStep } from "../tekton";
import { assembleTaskName, ocReleaseResources } from "./assemble";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const promoteTaskName = "okd-promote-release";

/** ConfigMap (created by OkdPipelines) holding the PEM public key of the site's Tekton Chains signing key. */
export const chainsPublicKeyConfigMap = "okd-chains-public-key";
export const chainsPublicKeyFile = "cosign.pub";

/** Result name prefixes of the two promoted payloads (`<prefix>IMAGE_URL`, `<prefix>IMAGE_DIGEST`). */
export const resultPrefixes = { public: "PUBLIC_", promoted: "PROMOTED_" } as const;

/** Written by the `name` step, read by `mirror`: the name the release is published under. */
const publishedNameFile = "/workspace/published-name";

/** quay.io repositories promoted releases are mirrored to (`mirrorReleaseRepository`, `mirrorContentRepository`). */
export interface MirrorRepositories {
    release: string;
    content: string;
}

/**
 * Promotion of one accepted payload: re-check its record, verify with cosign that the site's Tekton Chains key attested
 * exactly that digest as produced by the stream's assemble TaskRun (verify-release.sh; the record alone is a file the records
 * identity writes), re-create it for quay.io and for the site's durable
 * repositories with `oc adm release new --from-release <nightly> --mirror <content>` (each copy references only its
 * own content repository, so it has a digest of its own; see mirror-release.sh), keep any target already made from
 * this nightly, and mark the record promoted with every target's digest. OKD/SCOS releases are published as
 * `4.Y.0-okd-scos.N` (the `name` step), OKD/FCOS ones under the nightly's name.
 */
export function promoteTask(
    ctx: PipelineContext,
    mirror: MirrorRepositories,
    verify: {
        /** Where Chains stores signatures and attestations (its `storage.oci.repository`). */
        attestationRepository: pulumi.Input<string>;
        /**
         * The site's KMS key (`awskms://…`, `gcpkms://…`, `azurekms://…`), whose public half cosign reads under the
         * promotion identity (its grant: `signingKey: "verify"`); unset, the PEM key in `chainsPublicKeyConfigMap`.
         */
        kmsRef?: pulumi.Input<string>;
    },
): TaskDefinition {
    const mirrorMount = "/var/run/okd-mirror";
    const keyMount = "/var/run/okd-chains";
    const targets = pulumi
        .all([ctx.repositories.promoted, ctx.repositories.promotedContent])
        .apply(([promoted, promotedContent]) =>
            [
                `${mirror.release} ${mirror.content} true ${resultPrefixes.public}`,
                `${promoted} ${promotedContent} ${ctx.tlsVerify} ${resultPrefixes.promoted}`,
            ].join("\n"),
        );
    return {
        name: promoteTaskName,
        spec: {
            description:
                "Re-creates an accepted payload on quay.io and in the site's durable repositories, each referencing only its own content repository, and marks it promoted.",
            params: [
                toolsImageParam,
                { name: "minor", description: "The stream, e.g. 4.15." },
                { name: "name", description: "Payload name." },
                { name: "digest", description: "Payload digest; must match the record." },
            ],
            // `*IMAGE_URL` + `*IMAGE_DIGEST` pairs are Tekton Chains type hints: both promoted payloads get signed.
            results: [
                { name: `${resultPrefixes.public}IMAGE_URL`, description: "Release repository on quay.io." },
                { name: `${resultPrefixes.public}IMAGE_DIGEST`, description: "Digest of the payload on quay.io." },
                { name: `${resultPrefixes.promoted}IMAGE_URL`, description: "The site's durable release repository." },
                { name: `${resultPrefixes.promoted}IMAGE_DIGEST`, description: "Digest of the site's promoted copy." },
            ],
            volumes: [
                // Optional, so a missing Secret reaches mirror-release.sh, which names it, instead of a pod stuck pending.
                { name: "mirror-credentials", secret: { secretName: secretNames.mirror, optional: true } },
                ...(verify.kmsRef === undefined
                    ? [{ name: "chains-public-key", configMap: { name: chainsPublicKeyConfigMap } }]
                    : []),
            ],
            stepTemplate: {
                env: [
                    ...ctx.identityEnv,
                    ...storageEnv(ctx),
                    ...paramEnv({ MINOR: "minor", NAME: "name", DIGEST: "digest" }),
                ],
                envFrom: ctx.storageEnvFrom.promote,
                // It runs in the restricted release namespace, as a user the image may not know (HOME below).
                securityContext: restrictedStep,
            },
            steps: [
                registryAuthStep(ctx),
                {
                    // Copies the promotions records written before promoted/ existed into promoted/, once per stream
                    // (a no-op after): until then `previous`, `name` and `promote` refuse to run (release-record.sh).
                    name: "adopt",
                    image: toolsStepImage,
                    script: loadScript("release-record.sh"),
                    env: [restrictedHome, { name: "RECORD_ACTION", value: "adopt" }],
                },
                {
                    name: "check",
                    image: toolsStepImage,
                    script: loadScript("release-record.sh"),
                    env: [restrictedHome, { name: "RECORD_ACTION", value: "check" }],
                },
                {
                    // Before anything is copied: no valid attestation, no promotion.
                    name: "verify",
                    image: toolsStepImage,
                    script: loadScript("verify-release.sh"),
                    env: [
                        restrictedHome,
                        { name: "IMAGE", value: pulumi.interpolate`${ctx.repositories.release}@$(params.digest)` },
                        // The assemble TaskRun's provenance, not the nightly PipelineRun's: gate and build steps
                        // can add image results to the latter (verify-release.sh). MINOR is the stepTemplate's.
                        { name: "ASSEMBLE_TASK", value: assembleTaskName },
                        verify.kmsRef === undefined
                            ? { name: "PUBLIC_KEY_FILE", value: `${keyMount}/${chainsPublicKeyFile}` }
                            : { name: "KEY_REF", value: verify.kmsRef },
                        { name: "ATTESTATION_REPOSITORY", value: verify.attestationRepository },
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                        { name: "REGISTRY_AUTH_FILE", value: siteAuthFile },
                    ],
                    ...(verify.kmsRef === undefined
                        ? { volumeMounts: [{ name: "chains-public-key", mountPath: keyMount, readOnly: true }] }
                        : {}),
                },
                {
                    // The name the release is published under: the nightly's for OKD/FCOS, 4.Y.0-okd-scos.N for
                    // OKD/SCOS, claimed in promoted/<minor>/claims/ (release-record.sh, "Published names"); a re-run reuses it.
                    name: "name",
                    image: toolsStepImage,
                    script: loadScript("release-record.sh"),
                    env: [
                        // As every step of this Task: the user has no home in the image (rclone looks for its
                        // config under HOME).
                        restrictedHome,
                        { name: "RECORD_ACTION", value: "name" },
                        { name: "OUT_FILE", value: publishedNameFile },
                    ],
                },
                {
                    name: "mirror",
                    image: toolsStepImage,
                    script: loadScript("mirror-release.sh"),
                    env: [
                        restrictedHome,
                        { name: "SOURCE_REPO", value: ctx.repositories.release },
                        { name: "SOURCE_TLS_VERIFY", value: ctx.tlsVerify },
                        { name: "TARGETS", value: targets },
                        { name: "SITE_AUTH_FILE", value: siteAuthFile },
                        { name: "MIRROR_AUTH_FILE", value: `${mirrorMount}/.dockerconfigjson` },
                        { name: "MIRROR_SECRET", value: secretNames.mirror },
                        { name: "PUBLISHED_NAME_FILE", value: publishedNameFile },
                        { name: "PROMOTION_FILE", value: "/workspace/promotion.json" },
                        // Where Tekton collects Task results (`$(results.<name>.path)` is /tekton/results/<name>).
                        { name: "RESULTS_DIR", value: "/tekton/results" },
                    ],
                    computeResources: ocReleaseResources,
                    volumeMounts: [{ name: "mirror-credentials", mountPath: mirrorMount, readOnly: true }],
                },
                {
                    name: "record",
                    image: toolsStepImage,
                    script: loadScript("release-record.sh"),
                    env: [
                        restrictedHome,
                        { name: "RECORD_ACTION", value: "promote" },
                        { name: "PROMOTION_FILE", value: "/workspace/promotion.json" },
                    ],
                },
            ],
        },
    };
}
