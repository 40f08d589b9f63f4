import type { Component, Platform, Stream } from "../shared/model";
import { isStreamBased } from "../shared/variants";

/**
 * Pinned images of the pipeline steps. Bump deliberately. The installer and the conformance tests are not here: they
 * come from the payload under test (`oc adm release extract --command=openshift-install`, `--image-for=tests`), so a
 * gate always tests the payload with its own tools.
 */
export interface PipelineImages {
    /**
     * A prebuilt tools image (bash, jq, git, skopeo, rclone, oc and node), `repository:tag` or `repository@sha256:…`.
     * Unset by default: each run's `tools-image` task builds components/pipelines/images/tools/Containerfile into the
     * site's components repository, tagged `pipeline-tools-<first 16 hex of the file's sha256>`, only when that tag is
     * missing. When set, that task builds nothing: it resolves this image to its digest and passes it on.
     */
    tools?: string;
    /** buildah for every image build (machine-os, components). */
    buildah: string;
    /** skopeo for what needs no build and no privilege (the release Pipeline's tools image resolution). */
    skopeo: string;
    /** Cloud CLIs that mint short-lived registry credentials from the pod's keyless identity. */
    awsCli: string;
    gcloud: string;
    azureCli: string;
}

/**
 * Digests come from public sources, never from a registry this repository's tooling reached (it reaches none): each is
 * a pin another public repository records for that exact tag (most kept by Renovate, which writes the digest the
 * registry serves for the tag: the multi-architecture index), found through a code index. A `tag@sha256:` reference is
 * pulled by its digest alone, and only from the image's own repository, where only its publisher can put a manifest:
 * a wrong digest fails the pull (fails closed), it can never run someone else's image. What the pin cannot prove from
 * here is that the digest is the tag's current build (publishers rebuild tags); the first pull on a cluster proves it
 * exists. Where no public source gave a digest of a known version, the image is by tag only (policy
 * `step-images-pinned` names it, docs/security.md lists it with the command that pins it), and every run's Tekton
 * Chains provenance records the digest the step actually ran (its resolvedDependencies, from the TaskRun's step image
 * IDs).
 */
export const defaultImages: PipelineImages = {
    // buildah v1.44.0 (2026-05-27) postdates every fix below (containers/buildah tags): CVE-2024-1753 (v1.35.1,
    // main 4304d618f), CVE-2024-9675 (v1.37.5 / v1.38.0, "Properly validate cache IDs and sources"), CVE-2024-9676
    // (containers/storage; v1.38.0 vendors c/storage v1.56.0), CVE-2024-11218 (v1.38.1 / v1.37.6 / v1.39.0, TOCTOU of
    // bind and cache mount sources), the runc CVE-2025-31133/52565/52881 bump (runc v1.3.3, v1.42.1 / v1.44.0),
    // CVE-2025-47913 (x/crypto) and CVE-2026-44517 (symlink traversal in build contexts, v1.44.0). Tag only: no public
    // digest of this tag was found.
    buildah: "quay.io/buildah/stable:v1.44.0",
    // It only reads a manifest digest (resolve-tools-image.sh). Digest as a public repository's Renovate-managed pin
    // (`# renovate: datasource=docker`) records v1.19.0.
    skopeo: "quay.io/skopeo/stable:v1.19.0@sha256:d08fe48978c027ff0f5eeaeb4b1c12c12612427a559f3e49f576f0109dfbfca4",
    // AWS's own image on ECR Public, pinned as a public repository's helper image list records it.
    awsCli: "public.ecr.aws/aws-cli/aws-cli:2.27.41@sha256:1c2d7a51b1ff4f460bc3f1e1ee46a6cef47c7429ad9089ef99012a95e472a1a5",
    // Pinned as a public repository's Containerfile records this tag.
    gcloud: "gcr.io/google.com/cloudsdktool/google-cloud-cli:562.0.0-slim@sha256:0da2de42ae51cd6092b5caf7c96d25003659fd15548760eb4c50c2623e7bf9c2",
    // Microsoft's own image on MCR; digest as a public repository's backup scripts pin 2.67.0.
    azureCli:
        "mcr.microsoft.com/azure-cli:2.67.0@sha256:6d7791e595999664478813ee6da9b340dc087be87cce9f581ded83cc4bf15ca0",
};

/**
 * Default step images no public source gave a digest for, so they stay on their tag: policy `step-images-pinned`
 * (mandatory) admits these and nothing else by tag, and `step-images-tag-only` (advisory) names each one still in use,
 * as docs/security.md lists them with the command that pins them. Empty it by pinning, never grow it quietly.
 */
export const tagOnlyStepImages: readonly string[] = [defaultImages.buildah];

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

/**
 * Default Go builder for component builds: substitute-builder.sh replaces each login-only
 * `registry.ci.openshift.org/ocp/builder:rhel-N-golang-G-openshift-V` stage with this, `{rhel}`, `{go}` and `{ocp}`
 * filled from the tag: the public CI build root of the same versions, `openshift/release:rhel-N-release-golang-G-
 * openshift-V`, which the ocp builder is re-wrapped from. Builder stages only compile; nothing of them ships. Set a
 * fixed image (e.g. a CentOS Stream builder of your own) with `OkdPipelines`' `builderImage`.
 */
export const defaultBuilderImage =
    "registry.ci.openshift.org/openshift/release:rhel-{rhel}-release-golang-{go}-openshift-{ocp}";

/**
 * The OKD base image that replaces `ocp/<ver>:base`, `:base-rhel8|9` and `ocp/builder:rhel-N-base-openshift-V` (and
 * the final stage of components built `from: base`), as OpenShift CI's OKD variants build components: `origin/<minor>:
 * base` for OKD/FCOS and for OKD/SCOS before 4.16 (openshift/release ci-operator/config/openshift/
 * machine-config-operator/openshift-machine-config-operator-release-4.15__okd.yaml and …-release-4.15__okd-scos.yaml:
 * `base: {namespace: origin, name: "4.15", tag: base}`), `origin/scos-<minor>:base-stream9` (CentOS Stream 9) for
 * OKD/SCOS from 4.16 (…-release-4.16__okd-scos.yaml to …-release-5.0__okd-scos.yaml). Both are in the CI registry's
 * public `origin` namespace, as the nightly payloads OKD installs with a placeholder pull secret.
 */
export const defaultBaseImage = (minor: string, variant: Stream["variant"]): string =>
    isStreamBased(variant, minor)
        ? `registry.ci.openshift.org/origin/scos-${minor}:base-stream9`
        : `registry.ci.openshift.org/origin/${minor}:base`;

/**
 * Components whose build starts from another component's payload image (`from: <tag>`, e.g. OKD/FCOS's
 * installer-artifacts `from: installer`, openshift/release …/installer/openshift-installer-release-4.15__okd.yaml):
 * they build in a later batch than that component, so their build finds this run's image pushed.
 */
export function componentStages(components: Component[]): Record<string, string[]> {
    return Object.fromEntries(
        components.filter((c) => c.from !== undefined && c.from !== "base").map((c) => [c.name, [c.from as string]]),
    );
}

/** Where the OKD RPMs (openshift-hyperkube, openshift-clients) come from for the machine-os image, per minor. */
export const defaultRpmsImage = (minor: string): string => `registry.ci.openshift.org/origin/${minor}:artifacts`;
