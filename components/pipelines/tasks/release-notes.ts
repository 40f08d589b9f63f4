import { type PipelineContext, registryAuthStep, siteAuthFile, storageEnv } from "../context";
import { loadScript } from "../scripts";
import { type TaskDefinition, paramEnv, restrictedHome, restrictedStep } from "../tekton";
import { rendererEnv, rendererVolumeMount, statusRendererVolume } from "./publish-status";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const releaseNotesTaskName = "okd-release-notes";

/**
 * Release notes of a payload just promoted, between the previous promoted release and it (release-notes.sh): the
 * changed components and commit ranges from the records, and the merged pull requests from `oc adm release info
 * --changelog` on the two promoted copies in the site's durable repository, stored in `notes/<minor>/<name>.{json,md}`.
 */
export function releaseNotesTask(ctx: PipelineContext): TaskDefinition {
    return {
        name: releaseNotesTaskName,
        spec: {
            description:
                "Writes the release notes of a promoted payload (changed components, commit ranges, merged pull requests) to artifact storage.",
            params: [
                toolsImageParam,
                { name: "minor", description: "The stream, e.g. 4.15." },
                { name: "name", description: "The promoted payload." },
            ],
            results: [],
            volumes: [statusRendererVolume],
            stepTemplate: {
                env: [...ctx.identityEnv, ...storageEnv(ctx), ...paramEnv({ MINOR: "minor", NAME: "name" })],
                envFrom: ctx.storageEnvFrom.promote,
                // It runs in the restricted release namespace, as a user the image may not know (HOME below).
                securityContext: restrictedStep,
            },
            steps: [
                registryAuthStep(ctx),
                {
                    name: "notes",
                    image: toolsStepImage,
                    script: loadScript("release-notes.sh"),
                    env: [
                        restrictedHome,
                        rendererEnv,
                        { name: "PROMOTED_REPO", value: ctx.repositories.promoted },
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                        { name: "REGISTRY_AUTH_FILE", value: siteAuthFile },
                        // oc clones each changed component's repository (blob-less) to list its merged pull requests.
                        { name: "CHANGELOG_TIMEOUT", value: "1200" },
                    ],
                    volumeMounts: [rendererVolumeMount],
                    computeResources: { requests: { cpu: "500m", memory: "1Gi" } },
                },
            ],
        },
    };
}
