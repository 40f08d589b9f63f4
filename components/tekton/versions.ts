/**
 * What the Tekton layer installs, pinned. Bump deliberately: Tekton releases monthly and makes four releases a year
 * LTS (one year of fixes); we follow the LTS lines only. Releases are served from infra.tekton.dev since the move
 * off GCS (the old `storage.googleapis.com/.../latest` stopped at v1.6.0, and gcr.io images now answer 403).
 */
export const tektonVersions = {
    /** Pipelines LTS line v1.15 (EOL 2027-07-31). */
    pipeline: "v1.15.0",
    /** Triggers LTS line v0.37. */
    triggers: "v0.37.0",
    /** Chains LTS line v0.29; v0.29.1 is the patch the Tekton Operator v0.81 ships, so its manifest is known good. */
    chains: "v0.29.1",
} as const;

/** The public release site; `tektonManifestSource` points the install at a mirror or a local copy of it instead. */
export const tektonReleaseSite = "https://infra.tekton.dev/tekton-releases";

/**
 * Release manifests under a release site laid out as the public one (`<project>/previous/<version>/<file>`), each
 * pinned to its version's `previous/` path (never `latest`). `source` is a URL or a local directory.
 */
export function tektonReleaseFiles(source: string = tektonReleaseSite) {
    const base = source.replace(/\/+$/, "");
    return {
        pipeline: `${base}/pipeline/previous/${tektonVersions.pipeline}/release.yaml`,
        triggers: `${base}/triggers/previous/${tektonVersions.triggers}/release.yaml`,
        /** The core ClusterInterceptors (github, cel, …) ship apart from the Triggers release. */
        interceptors: `${base}/triggers/previous/${tektonVersions.triggers}/interceptors.yaml`,
        chains: `${base}/chains/previous/${tektonVersions.chains}/release.yaml`,
    } as const;
}

/** The public release manifests. */
export const tektonReleaseUrls = tektonReleaseFiles(tektonReleaseSite);

/** One of the release manifests the install applies. */
export type TektonReleaseFile = keyof ReturnType<typeof tektonReleaseFiles>;

/**
 * SHA-256 (hex) of each pinned release manifest, as the public release site serves it. A pinned file is checked by
 * `npm run tekton:mirror` before it is written to a mirror, and by the install before any resource exists when
 * `tektonManifestSource` is a local directory (checksums.ts).
 *
 * Empty: no published checksum of these manifests was found (searched: Tekton's release notes and issues, the
 * projects' repositories), and they could not be downloaded from where this was written to compute one. None is
 * guessed. Pin them, once per version bump, from a machine that reaches the release
 * site: `npm run tekton:mirror -- --out <dir> --trust-on-first-use` prints the lines to put here (docs/tekton.md,
 * "Verified release manifests").
 */
export const tektonReleaseChecksums: Readonly<Partial<Record<TektonReleaseFile, string>>> = {};

/**
 * Images of the Jobs this layer runs itself (run pruning, scheduled triggers, the nightly dispatcher). One image with
 * bash, kubectl, curl and jq (alpine-docker/k8s Dockerfile: `apk add jq`) serves every script; its tag follows the
 * Kubernetes patch release it packages. Pinned by digest as at least three unrelated public repositories pin 1.34.1
 * (a Terraform Job, a Dockerfile `FROM`, a render test), found through a code index; see components/pipelines/images.ts
 * for what such a pin proves.
 */
export const tektonLayerImages = {
    kubectl: "docker.io/alpine/k8s:1.34.1@sha256:ec714df3813b5405292860f8a1c55c5727bf8c33c88992f1e981efad8065547f",
} as const;

/** Namespaces the releases install into. */
export const tektonNamespaces = {
    /** Pipelines, Triggers and the core interceptors. */
    pipelines: "tekton-pipelines",
    chains: "tekton-chains",
} as const;
