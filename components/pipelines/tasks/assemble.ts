import { type PipelineContext, registryAuthStep, siteAuthFile, storageEnv } from "../context";
import { loadScript } from "../scripts";
import { type TaskDefinition, envOf, paramEnv } from "../tekton";
import { toolsBuildRepository, toolsImageParam, toolsLatestTag, toolsRepository, toolsStepImage } from "./tools-image";

export const assembleTaskName = "okd-assemble-release";

/**
 * `oc adm release new` and `oc adm release mirror` over a full payload (~180 images, each a manifest list of up to four
 * architectures with --keep-manifest-list). oc streams blobs registry to registry with at most 4 (`new`) or 6
 * (`mirror`) transfers per registry at once (imagemanifest.ParallelOptions in openshift/oc pkg/cli/admin/release/
 * new.go and mirror.go); besides those streams its heap holds every image's manifest and config and the operators'
 * `release-manifests`, which `new` also extracts to a temporary directory. 2 GiB is what we reserve for that, and
 * the 4 GiB limit leaves room for a payload twice as large before the kernel kills oc. Without a limit the
 * namespace's LimitRange would impose its 1 GiB default, below the request, and the API server would refuse the pod.
 * Not measured on a full payload here (the tests build a small one): watch the steps' memory on the first nightly.
 */
export const ocReleaseResources = { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } };

/**
 * `oc adm release new --from-release <base>` with the node images and every rebuilt image overriding their tags (each
 * by the digest its build reported, never a tag resolved here),
 * mirrored into the content repository, named `4.Y.0-0.okd-YYYY-MM-DD-HHMMSS` (OKD/FCOS) or
 * `4.Y.0-0.okd-scos-YYYY-MM-DD-HHMMSS` (OKD/SCOS), as the release-controller names OKD's streams, with upgrade edges
 * from earlier promoted releases; then the payload's record is created (verdict pending).
 */
export function assembleTask(ctx: PipelineContext): TaskDefinition {
    return {
        name: assembleTaskName,
        spec: {
            description:
                "Assembles the nightly release payload with oc adm release new and records it (verdict pending).",
            params: [
                toolsImageParam,
                { name: "minor", description: "The stream, e.g. 4.15." },
                {
                    name: "name-stream",
                    description: "okd or okd-scos: the payload name is <minor>.0-0.<name-stream>-<UTC time>.",
                },
                { name: "base-payload", description: "Payload the stream starts from." },
                { name: "components", description: "Payload tags rebuilt this run, space-separated." },
                {
                    name: "built-images",
                    type: "array",
                    description:
                        'What each component build reported, one JSON object per build: {"component", "image": <repository>@<digest>, "source", "commit"}.',
                    default: [],
                },
                {
                    name: "node-images",
                    description:
                        "The node OS images, one line per payload tag: <tag>=<repository>@<digest>[ <image as configured>].",
                },
                {
                    name: "previous-minor",
                    description: "Minor whose newest promoted release upgrades into this stream; empty for none.",
                    default: "",
                },
                { name: "pipeline-run", description: "Name of the PipelineRun, kept in the record." },
                {
                    name: "upgrade-from",
                    description:
                        "With an upgrade gate, which earlier release it installs: promoted or accepted (release-record.sh previous); empty for none.",
                    default: "",
                },
            ],
            results: [
                { name: "name", description: "Payload name, e.g. 4.15.0-0.okd-2025-01-01-020000." },
                { name: "pullspec", description: "Payload by tag, <release repo>:<name>." },
                { name: "IMAGE_URL", description: "Release repository of the payload (Tekton Chains type hint)." },
                { name: "IMAGE_DIGEST", description: "Payload digest (Tekton Chains type hint)." },
                { name: "tests-image", description: "The payload's own tests image, for the e2e gates." },
                {
                    name: "upgrade-from",
                    description:
                        "The release the upgrade gate installs, repository@digest, one of the payload's upgrade edges; empty when none.",
                },
                { name: "upgrade-from-name", description: "Its name; empty when none." },
            ],
            stepTemplate: {
                env: [...ctx.identityEnv, ...storageEnv(ctx), ...paramEnv({ MINOR: "minor" })],
                envFrom: ctx.storageEnvFrom.records,
            },
            steps: [
                registryAuthStep(ctx),
                {
                    // The tools image was built as a build, by digest, into the build repository (tools-image.ts):
                    // tag that digest in the release repository, which the release run resolves.
                    name: "publish-tools",
                    image: toolsStepImage,
                    script: loadScript("publish-tools-image.sh"),
                    env: [
                        ...paramEnv({ TOOLS_IMAGE: toolsImageParam.name }),
                        ...envOf({
                            BUILD_REPOSITORY: toolsBuildRepository(ctx),
                            TARGET_REPOSITORY: toolsRepository(ctx),
                            TLS_VERIFY: ctx.tlsVerify,
                            REGISTRY_AUTH_FILE: siteAuthFile,
                            LATEST_TAG: toolsLatestTag,
                        }),
                    ],
                },
                {
                    name: "previous",
                    image: toolsStepImage,
                    script: loadScript("release-record.sh"),
                    env: [
                        { name: "RECORD_ACTION", value: "previous" },
                        ...paramEnv({ PREVIOUS_MINOR: "previous-minor", UPGRADE_FROM: "upgrade-from" }),
                        { name: "OUT_FILE", value: "/workspace/previous" },
                        ...envOf({
                            PROMOTED_REPO: ctx.repositories.promoted,
                            RESULT_UPGRADE_FROM: "$(results.upgrade-from.path)",
                            RESULT_UPGRADE_FROM_NAME: "$(results.upgrade-from-name.path)",
                        }),
                    ],
                },
                {
                    name: "assemble",
                    image: toolsStepImage,
                    script: loadScript("assemble-release.sh"),
                    // An array param reaches a script only as arguments.
                    args: ["$(params.built-images[*])"],
                    env: [
                        ...paramEnv({
                            NAME_STREAM: "name-stream",
                            BASE_PAYLOAD: "base-payload",
                            COMPONENTS: "components",
                            NODE_IMAGES: "node-images",
                        }),
                        ...envOf({
                            RELEASE_REPO: ctx.repositories.release,
                            CONTENT_REPO: ctx.repositories.content,
                            COMPONENTS_REPO: ctx.repositories.components,
                            TLS_VERIFY: ctx.tlsVerify,
                            REGISTRY_AUTH_FILE: siteAuthFile,
                            PREVIOUS_FILE: "/workspace/previous",
                            OUT_FILE: "/workspace/release.json",
                            RESULT_NAME: "$(results.name.path)",
                            RESULT_PULLSPEC: "$(results.pullspec.path)",
                            RESULT_IMAGE_URL: "$(results.IMAGE_URL.path)",
                            RESULT_IMAGE_DIGEST: "$(results.IMAGE_DIGEST.path)",
                            RESULT_TESTS_IMAGE: "$(results.tests-image.path)",
                        }),
                    ],
                    computeResources: ocReleaseResources,
                },
                {
                    name: "record",
                    image: toolsStepImage,
                    script: loadScript("release-record.sh"),
                    env: [
                        { name: "RECORD_ACTION", value: "create" },
                        { name: "RELEASE_FILE", value: "/workspace/release.json" },
                        ...paramEnv({ PIPELINE_RUN: "pipeline-run" }),
                    ],
                },
            ],
        },
    };
}
