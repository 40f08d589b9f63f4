import type { Platform } from "../../src/config/schema";

/**
 * Pinned images of the pipeline steps. Bump deliberately. The installer and the conformance tests are not here: they
 * come from the payload under test (`oc adm release extract --command=openshift-install`, `--image-for=tests`), so a
 * gate always tests the payload with its own tools.
 */
export interface PipelineImages {
    /**
     * A prebuilt tools image (bash, jq, git, skopeo, rclone and oc), `repository:tag` or `repository@sha256:…`.
     * Unset by default: each run's `tools-image` task builds components/pipelines/images/tools/Containerfile into the
     * site's components repository, tagged `pipeline-tools-<first 16 hex of the file's sha256>`, only when that tag is
     * missing. When set, that task builds nothing: it resolves this image to its digest and passes it on.
     */
    tools?: string;
    /** buildah for every image build (machine-os, components). */
    buildah: string;
    /** Cloud CLIs that mint short-lived registry credentials from the pod's keyless identity. */
    awsCli: string;
    gcloud: string;
    azureCli: string;
}

export const defaultImages: PipelineImages = {
    buildah: "quay.io/buildah/stable:v1.38.0",
    awsCli: "docker.io/amazon/aws-cli:2.22.35",
    gcloud: "gcr.io/google.com/cloudsdktool/google-cloud-cli:502.0.0-slim",
    azureCli: "mcr.microsoft.com/azure-cli:2.67.0",
};

/**
 * The image whose CLI mints registry credentials on `platform`. The local registry is anonymous, so any image with bash
 * and coreutils writes its auth file: buildah's, which the tools-image task pulls anyway, and which exists before the
 * tools image does.
 */
export function registryAuthImage(images: PipelineImages, platform: Platform): string {
    switch (platform) {
        case "aws":
            return images.awsCli;
        case "gcp":
            return images.gcloud;
        case "azure":
            return images.azureCli;
        case "local":
            return images.buildah;
    }
}

/** Default OKD builder image substituted for `registry.ci.openshift.org/ocp/builder:*` (see docs/pipelines.md). */
export const defaultBuilderImage =
    "registry.ci.openshift.org/openshift/release:rhel-9-release-golang-1.22-openshift-4.17";

/** Where the OKD RPMs (openshift-hyperkube, openshift-clients) come from for the machine-os image, per minor. */
export const defaultRpmsImage = (minor: string): string => `registry.ci.openshift.org/origin/${minor}:artifacts`;
