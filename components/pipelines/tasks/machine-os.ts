import { type PipelineContext, registryAuthStep, siteAuthFile } from "../context";
import { containerfilesConfigMap, loadScript } from "../scripts";
import { type TaskDefinition, paramEnv } from "../tekton";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const machineOsTaskName = "okd-machine-os";

/**
 * The OKD node image: Fedora CoreOS layered with the OKD node packages (`rpm-ostree install`, `ostree container
 * commit`), labelled as a release operator with the FCOS version it carries, pushed by digest. No KVM.
 */
export function machineOsTask(ctx: PipelineContext): TaskDefinition {
    return {
        name: machineOsTaskName,
        spec: {
            description:
                "Builds the OKD machine-os image FROM quay.io/fedora/fedora-coreos:<stream> with buildah and pushes it by digest.",
            params: [
                toolsImageParam,
                { name: "fcos-stream", description: "Fedora CoreOS stream the image is layered on, e.g. stable." },
                {
                    name: "rpms-image",
                    description:
                        "Image carrying the OKD RPMs under /srv/repo (openshift-hyperkube, openshift-clients).",
                },
                { name: "image", description: "Destination, repository:tag, in the site's machine-os repository." },
            ],
            results: [
                { name: "IMAGE_URL", description: "The pushed image (Tekton Chains type hint)." },
                { name: "IMAGE_DIGEST", description: "Digest of the pushed image (Tekton Chains type hint)." },
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
            ],
            stepTemplate: { env: ctx.identityEnv },
            steps: [
                registryAuthStep(ctx),
                {
                    name: "fcos-base",
                    image: toolsStepImage,
                    script: loadScript("fcos-base.sh"),
                    env: [...paramEnv({ FCOS_STREAM: "fcos-stream" }), { name: "OUT_DIR", value: "/workspace/fcos" }],
                },
                {
                    name: "build",
                    image: ctx.images.buildah,
                    script: loadScript("build-image.sh"),
                    env: [
                        ...paramEnv({ IMAGE: "image" }),
                        { name: "CONTEXT_DIR", value: "/containerfiles" },
                        { name: "CONTAINERFILE", value: "/containerfiles/Containerfile" },
                        { name: "BUILD_ARGS", value: "OKD_RPMS_IMAGE=$(params.rpms-image)" },
                        { name: "BUILD_ARGS_FILE", value: "/workspace/fcos/build-args" },
                        { name: "LABELS_FILE", value: "/workspace/fcos/labels" },
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                        { name: "REGISTRY_AUTH_FILE", value: siteAuthFile },
                        { name: "RESULT_IMAGE_URL", value: "$(results.IMAGE_URL.path)" },
                        { name: "RESULT_IMAGE_DIGEST", value: "$(results.IMAGE_DIGEST.path)" },
                    ],
                    // buildah in a pod needs privilege (see docs/pipelines.md); builds run on the build pool only.
                    securityContext: { privileged: true },
                    computeResources: { requests: { cpu: "2", memory: "4Gi" }, limits: { memory: "8Gi" } },
                    volumeMounts: [
                        { name: "containerfiles", mountPath: "/containerfiles", readOnly: true },
                        { name: "containers", mountPath: "/var/lib/containers" },
                    ],
                },
            ],
        },
    };
}
