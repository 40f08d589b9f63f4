import { createHash } from "node:crypto";

import * as pulumi from "@pulumi/pulumi";

import {
    type PipelineContext,
    awaitPushTokenStep,
    pushAuthFile,
    pushTokenMount,
    pushTokenVolume,
    registryAuthStep,
    siteAuthFile,
} from "../context";
import { containerfilesConfigMap, loadContainerfile, loadScript } from "../scripts";
import {
    type Param,
    type ParamSpec,
    type PipelineTask,
    type TaskDefinition,
    paramEnv,
    ref,
    restrictedHome,
    restrictedStep,
} from "../tekton";

export const toolsImageTaskName = "okd-tools-image";
/** The release Pipeline's variant: resolves the image a nightly built, builds nothing, needs no privilege. */
export const toolsImageResolveTaskName = "okd-tools-image-resolve";
/** Its pipeline task: the first task of every nightly and release Pipeline. */
export const toolsImagePipelineTask = "tools-image";
/** Key of the tools Containerfile in the Containerfiles ConfigMap. */
export const toolsContainerfileKey = "tools.Containerfile";
/** Tag prefix in the components repository; the tag ends with the first 16 hex of the Containerfile's sha256. */
export const toolsTagPrefix = "pipeline-tools-";
/** The tag every nightly also moves to the tools image it built: the newest, the release run's fallback. */
export const toolsLatestTag = `${toolsTagPrefix}latest`;

/** The param every Task whose steps need bash, jq, git, skopeo, rclone or oc declares. */
export const toolsImageParam: ParamSpec = {
    name: "tools-image",
    description:
        "The pipeline tools image (bash, jq, git, skopeo, rclone, oc) by digest: the tools-image task's IMAGE_URL@IMAGE_DIGEST.",
};
/** `image` of those steps: Tekton substitutes params in a step's image. */
export const toolsStepImage = `$(params.${toolsImageParam.name})`;
/** What a Pipeline passes as `tools-image`: the image this run's tools-image task resolved, pinned by digest. */
export const toolsImageArg: Param = {
    name: toolsImageParam.name,
    value: `$(tasks.${toolsImagePipelineTask}.results.IMAGE_URL)@$(tasks.${toolsImagePipelineTask}.results.IMAGE_DIGEST)`,
};

/**
 * The tools image of a run: built from components/pipelines/images/tools/Containerfile into the site's components
 * repository by every run, never reused by tag (every component build can push to that repository, and this image
 * then runs promotion and the installer with their credentials); or a prebuilt image (`PipelineImages.tools`),
 * resolved to its digest. Consumers run the digest this task reported, which Chains signs with the TaskRun.
 *
 * It runs as a build, not as a pipeline identity (runs.ts): its `RUN` steps share the pod's network (`--network
 * host`), and on GKE a pod that may reach the metadata server gets its ServiceAccount's token from any process in it,
 * a `RUN` step's included. So the pod holds no identity and cannot reach the metadata server; it pushes with the
 * builds' short-lived token (the build repositories only), by digest. The records identity later tags that digest in
 * the release repository, which the release run resolves (assemble's `publish-tools` step,
 * `publish-tools-image.sh`), from a pod that runs no build.
 */
export function toolsImageTask(ctx: PipelineContext): TaskDefinition {
    return {
        name: toolsImageTaskName,
        spec: {
            description:
                "Builds the pipeline tools image into the site registry and reports the digest its push stored; or resolves a prebuilt one.",
            params: [
                {
                    name: "prebuilt-image",
                    description:
                        "A prebuilt tools image to use instead, repository:tag or repository@digest; empty to build.",
                    default: "",
                },
            ],
            results: [
                { name: "IMAGE_URL", description: "The tools image, repository:tag (Tekton Chains type hint)." },
                { name: "IMAGE_DIGEST", description: "Its digest (Tekton Chains type hint)." },
            ],
            volumes: [
                {
                    name: "containerfiles",
                    configMap: {
                        name: containerfilesConfigMap,
                        items: [{ key: toolsContainerfileKey, path: "Containerfile" }],
                    },
                },
                { name: "containers", emptyDir: {} },
                pushTokenVolume,
            ],
            steps: [
                awaitPushTokenStep(ctx, ctx.images.buildah),
                {
                    name: "build",
                    image: ctx.images.buildah,
                    script: loadScript("tools-image.sh"),
                    env: [
                        ...paramEnv({ PREBUILT_IMAGE: "prebuilt-image" }),
                        { name: "CONTAINERFILE", value: "/containerfiles/Containerfile" },
                        { name: "CONTEXT_DIR", value: "/containerfiles" },
                        { name: "REPOSITORY", value: toolsBuildRepository(ctx) },
                        { name: "TAG_PREFIX", value: toolsTagPrefix },
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                        { name: "REGISTRY_AUTH_FILE", value: pushAuthFile },
                        { name: "RESULT_IMAGE_URL", value: "$(results.IMAGE_URL.path)" },
                        { name: "RESULT_IMAGE_DIGEST", value: "$(results.IMAGE_DIGEST.path)" },
                    ],
                    // buildah itself needs the privilege to make each RUN step's user, mount and PID namespaces;
                    // the RUN steps run under OCI isolation in those namespaces (tools-image.sh). Build pool only.
                    securityContext: { privileged: true },
                    // Sized for the Go builds of the Containerfile (oc, rclone, cosign from an empty build cache every
                    // run): oc's stage alone took 363 s of CPU and up to 1.3 GB in one Go process, measured with
                    // /usr/bin/time -v (docs/pipelines.md). Go runs one compiler per node CPU at once (no CPU limit
                    // here) next to buildah, so 6 GiB rather than 4 leaves room for several large packages at a time.
                    computeResources: { requests: { cpu: "2", memory: "3Gi" }, limits: { memory: "6Gi" } },
                    volumeMounts: [
                        { name: "containerfiles", mountPath: "/containerfiles", readOnly: true },
                        { name: "containers", mountPath: "/var/lib/containers" },
                        pushTokenMount,
                    ],
                },
            ],
        },
    };
}

/**
 * Where the tools image is published under its tag: the release repository, which only the records identity
 * (assemble, which publishes it, verdict, finalize) pushes to. Not the components repository, which every component
 * build's push token writes: the release run, which cannot build in its restricted namespace, resolves the tag the
 * nightlies published, so the tag must be one no build can move (issue 15 path 5; docs/security.md).
 */
export function toolsRepository(ctx: PipelineContext): pulumi.Output<string> {
    return pulumi.output(ctx.repositories.release);
}

/** Where the tools image is built to: the components repository, the one the builds' push token writes. */
export function toolsBuildRepository(ctx: PipelineContext): pulumi.Output<string> {
    return pulumi.output(ctx.repositories.components);
}

/** The tag tools-image.sh gives the image built from `containerfile`: the prefix and the first 16 hex of its sha256. */
export function toolsImageTag(containerfile: string = loadContainerfile("tools")): string {
    return `${toolsTagPrefix}${createHash("sha256").update(containerfile).digest("hex").slice(0, 16)}`;
}

/**
 * The release Pipeline's tools image: the one the nightlies built from this Containerfile into the release repository
 * (or the prebuilt one), resolved to its digest with skopeo under the promotion identity. Nothing is built: the release
 * runs in the restricted namespace, where privileged buildah cannot run, and a payload is only ever promoted after a
 * nightly, which builds the image every run. The tag is trusted because only the records identity can push it; the
 * release run then uses the digest, so a tag moved mid-run changes nothing.
 */
export function toolsImageResolveTask(ctx: PipelineContext): TaskDefinition {
    return {
        name: toolsImageResolveTaskName,
        spec: {
            description:
                "Resolves the pipeline tools image the nightlies built (or a prebuilt one) to its digest; builds nothing.",
            params: [
                { name: "image", description: "The tools image, repository:tag or repository@digest." },
                {
                    name: "fallback-image",
                    description:
                        "The newest tools image a nightly built (repository:pipeline-tools-latest), used with a warning when `image` is a tag no nightly has built yet; empty: none.",
                    default: "",
                },
            ],
            results: [
                { name: "IMAGE_URL", description: "The tools image, repository:tag (Tekton Chains type hint)." },
                { name: "IMAGE_DIGEST", description: "Its digest (Tekton Chains type hint)." },
            ],
            stepTemplate: { env: ctx.identityEnv, securityContext: restrictedStep },
            steps: [
                registryAuthStep(ctx),
                {
                    name: "resolve",
                    image: ctx.images.skopeo,
                    script: loadScript("resolve-tools-image.sh"),
                    env: [
                        restrictedHome,
                        ...paramEnv({ IMAGE: "image", FALLBACK_IMAGE: "fallback-image" }),
                        { name: "SITE_HOST", value: ctx.registryHost },
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                        { name: "REGISTRY_AUTH_FILE", value: siteAuthFile },
                        { name: "RESULT_IMAGE_URL", value: "$(results.IMAGE_URL.path)" },
                        { name: "RESULT_IMAGE_DIGEST", value: "$(results.IMAGE_DIGEST.path)" },
                    ],
                    computeResources: { requests: { cpu: "50m", memory: "64Mi" } },
                },
            ],
        },
    };
}

/** The first pipeline task of every run; everything that runs the tools image consumes its results. */
export function toolsImagePipelineTaskOf(ctx: PipelineContext, mode: "build" | "resolve" = "build"): PipelineTask {
    if (mode === "resolve") {
        return {
            name: toolsImagePipelineTask,
            taskRef: ref(toolsImageResolveTaskName),
            params: [
                {
                    name: "image",
                    value:
                        ctx.images.tools !== undefined
                            ? pulumi.output(ctx.images.tools)
                            : toolsRepository(ctx).apply((r) => `${r}:${toolsImageTag()}`),
                },
                // After a Containerfile change, until a nightly builds its tag: the newest a nightly built.
                ...(ctx.images.tools === undefined
                    ? [{ name: "fallback-image", value: toolsRepository(ctx).apply((r) => `${r}:${toolsLatestTag}`) }]
                    : []),
            ],
            timeout: "10m",
            retries: 2,
        };
    }
    return {
        name: toolsImagePipelineTask,
        taskRef: ref(toolsImageTaskName),
        params: [{ name: "prebuilt-image", value: ctx.images.tools ?? "" }],
        timeout: "1h",
        retries: 1,
    };
}
