import type { Platform } from "../../src/config/schema";

/**
 * Pinned images of the pipeline steps. Bump deliberately. The installer and the conformance tests are not here: they
 * come from the payload under test (`oc adm release extract --command=openshift-install`, `--image-for=tests`), so a
 * gate always tests the payload with its own tools.
 */
export interface PipelineImages {
    /**
     * bash, jq, git, skopeo, rclone and oc in one image (components/pipelines/images/tools/Containerfile). Build and
     * push it once per version: `buildah build -t <image> components/pipelines/images/tools && buildah push <image>`.
     */
    tools: string;
    /** buildah for every image build (machine-os, components). */
    buildah: string;
    /** Cloud CLIs that mint short-lived registry credentials from the pod's keyless identity. */
    awsCli: string;
    gcloud: string;
    azureCli: string;
}

export const defaultImages: PipelineImages = {
    tools: "quay.io/okd-ci/pipeline-tools:1.0.0",
    buildah: "quay.io/buildah/stable:v1.38.0",
    awsCli: "docker.io/amazon/aws-cli:2.22.35",
    gcloud: "gcr.io/google.com/cloudsdktool/google-cloud-cli:502.0.0-slim",
    azureCli: "mcr.microsoft.com/azure-cli:2.67.0",
};

/** The image whose CLI mints registry credentials on `platform`; the local registry is anonymous (tools suffices). */
export function registryAuthImage(images: PipelineImages, platform: Platform): string {
    switch (platform) {
        case "aws":
            return images.awsCli;
        case "gcp":
            return images.gcloud;
        case "azure":
            return images.azureCli;
        case "local":
            return images.tools;
    }
}

/** Default OKD builder image substituted for `registry.ci.openshift.org/ocp/builder:*` (see docs/pipelines.md). */
export const defaultBuilderImage =
    "registry.ci.openshift.org/openshift/release:rhel-9-release-golang-1.22-openshift-4.17";

/** Where the OKD RPMs (openshift-hyperkube, openshift-clients) come from for the machine-os image, per minor. */
export const defaultRpmsImage = (minor: string): string => `registry.ci.openshift.org/origin/${minor}:artifacts`;
