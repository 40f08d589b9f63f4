import { type PipelineContext, awaitPushTokenStep, pushAuthFile, pushTokenMount, pushTokenVolume } from "../context";
import { containerfilesConfigMap, loadScript } from "../scripts";
import { type TaskDefinition, paramEnv } from "../tekton";
import { okdMachineOsBranch, okdMachineOsRepository } from "../../shared/pipelines";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const machineOsTaskName = "okd-machine-os";

export { okdMachineOsBranch, okdMachineOsRepository };

/**
 * The OKD/FCOS node image, built as okd-machine-os builds it: Fedora CoreOS (by digest) layered with the okd-machine-os
 * branch's overlays, manifests and bootstrap files, CRI-O of the payload's Kubernetes minor, the OKD RPMs
 * (openshift-hyperkube, openshift-clients, ecr-credential-provider), `systemctl preset-all`, `ostree container
 * commit`; labelled as a release operator with the machine-os version oc accepts, pushed by digest. No KVM. Like
 * every build, the pod holds no identity and pushes with the mounted `okd-registry-push` token.
 */
export function machineOsTask(ctx: PipelineContext): TaskDefinition {
    return {
        name: machineOsTaskName,
        spec: {
            description:
                "Builds the OKD machine-os image from Fedora CoreOS and an okd-machine-os branch with buildah and pushes it by digest.",
            params: [
                toolsImageParam,
                { name: "fcos-stream", description: "Fedora CoreOS stream the image is layered on, e.g. stable." },
                {
                    name: "rpms-image",
                    description:
                        "Image carrying the OKD RPMs under /srv/repo (openshift-hyperkube, openshift-clients).",
                },
                {
                    name: "base-payload",
                    description: "The stream's base payload: its Kubernetes version picks the CRI-O minor.",
                },
                {
                    name: "os-repository",
                    description: "GitHub repository of the overlays, manifests and bootstrap files, org/name.",
                    default: okdMachineOsRepository,
                },
                { name: "os-branch", description: "Its branch, e.g. release-4.15." },
                {
                    name: "revisions",
                    description:
                        "Pushed commits to build, space-separated <org>/<name>=<commit>; the entry for this repository replaces its branch head. Empty: the branch head.",
                    default: "",
                },
                { name: "image", description: "Destination, repository:tag, in the site's machine-os repository." },
            ],
            results: [
                { name: "IMAGE_URL", description: "The pushed image (Tekton Chains type hint)." },
                { name: "IMAGE_DIGEST", description: "Digest of the pushed image (Tekton Chains type hint)." },
                { name: "CHAINS-GIT_URL", description: "okd-machine-os repository built (Chains source type hint)." },
                { name: "CHAINS-GIT_COMMIT", description: "Its commit (Chains source type hint)." },
            ],
            volumes: [
                {
                    name: "containerfiles",
                    configMap: {
                        name: containerfilesConfigMap,
                        items: [{ key: "machine-os.Containerfile", path: "Containerfile" }],
                    },
                },
                { name: "containers", emptyDir: {} },
                pushTokenVolume,
            ],
            steps: [
                awaitPushTokenStep(ctx, toolsStepImage),
                {
                    name: "fcos-base",
                    image: toolsStepImage,
                    script: loadScript("fcos-base.sh"),
                    volumeMounts: [pushTokenMount],
                    env: [
                        ...paramEnv({ FCOS_STREAM: "fcos-stream", BASE_PAYLOAD: "base-payload" }),
                        { name: "OUT_DIR", value: "/workspace/fcos" },
                        { name: "TLS_VERIFY", value: "true" },
                        { name: "REGISTRY_AUTH_FILE", value: pushAuthFile },
                    ],
                },
                {
                    // After fcos-base, which writes the labels file this appends the source labels to.
                    name: "clone",
                    image: toolsStepImage,
                    script: loadScript("clone-source.sh"),
                    env: [
                        ...paramEnv({ REPOSITORY: "os-repository", BRANCH: "os-branch", REVISIONS: "revisions" }),
                        { name: "SOURCE_DIR", value: "/workspace/source" },
                        // overlay.d/05rhcos and 06gcp-routes are links into this submodule (openshift/os).
                        { name: "SUBMODULES", value: "openshift-os" },
                        { name: "LABELS_FILE", value: "/workspace/fcos/labels" },
                        { name: "RESULT_GIT_URL", value: "$(results.CHAINS-GIT_URL.path)" },
                        { name: "RESULT_GIT_COMMIT", value: "$(results.CHAINS-GIT_COMMIT.path)" },
                    ],
                },
                {
                    name: "build",
                    image: ctx.images.buildah,
                    script: loadScript("build-image.sh"),
                    env: [
                        ...paramEnv({ IMAGE: "image" }),
                        { name: "CONTEXT_DIR", value: "/workspace/source" },
                        { name: "CONTAINERFILE", value: "/containerfiles/Containerfile" },
                        { name: "BUILD_ARGS", value: "OKD_RPMS_IMAGE=$(params.rpms-image)" },
                        { name: "BUILD_ARGS_FILE", value: "/workspace/fcos/build-args" },
                        { name: "LABELS_FILE", value: "/workspace/fcos/labels" },
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                        { name: "REGISTRY_AUTH_FILE", value: pushAuthFile },
                        { name: "RESULT_IMAGE_URL", value: "$(results.IMAGE_URL.path)" },
                        { name: "RESULT_IMAGE_DIGEST", value: "$(results.IMAGE_DIGEST.path)" },
                    ],
                    // buildah itself needs the privilege to make each RUN step's user, mount and PID namespaces;
                    // the RUN steps run under OCI isolation in those namespaces (build-image.sh). Build pool only.
                    securityContext: { privileged: true },
                    computeResources: { requests: { cpu: "2", memory: "4Gi" }, limits: { memory: "8Gi" } },
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
