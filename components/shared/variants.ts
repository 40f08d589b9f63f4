/**
 * What each OKD variant is, minor by minor, as OKD builds it. Streams take their defaults from here and the schema
 * rejects combinations no OKD release has. Sources (openshift/release is cited by its ci-operator config paths; the
 * commits are those read on 2026-11-30):
 *
 * - OKD on Fedora CoreOS (`okd`) ends at 4.15: OKD 4.16 and later are OKD/SCOS, node OS and component base images on
 *   CentOS Stream (okd-project/okd-web docs/project/upgrade-notes/from-4-15/2-fcos-to-scos-migration.md; blog
 *   2024-12-16 "OKD 4.17 and 4.16 releases": 4.16 is a pass-through for 4.15.0-0.okd-2024-03-10-010116 clusters).
 * - OKD/FCOS here starts at 4.12: machine-os is layered on a Fedora CoreOS container image, which
 *   openshift/okd-machine-os does from release-4.12 (ci-operator/config/openshift/okd-machine-os/
 *   openshift-okd-machine-os-release-4.12.yaml: `layering-build` → `fedora-coreos` → `machine-os-content`); 4.11 and
 *   earlier built a coreos-assembler `machine-os-content` (…-release-4.11.yaml: `cosa-build`), which this does not.
 * - OKD/SCOS starts at 4.12 (okd-project/okd-scos README: the first `4.12.0-0.okd-scos` payloads) and goes on into
 *   5.x (…/machine-config-operator/openshift-machine-config-operator-release-5.0__okd-scos.yaml).
 */
import type { Component, Variant } from "./model";

/** `4.15` → [4, 15]. */
export function minorParts(minor: string): [number, number] {
    const [major, m] = minor.split(".").map(Number);
    return [major, m];
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. */
export function compareMinors(a: string, b: string): number {
    const [am, an] = minorParts(a);
    const [bm, bn] = minorParts(b);
    return am !== bm ? am - bm : an - bn;
}

/** The minors each variant is built for here. */
export const variantMinors: Record<Variant, { first: string; last?: string }> = {
    okd: { first: "4.12", last: "4.15" },
    scos: { first: "4.12" },
};

/** What OKD shipped for a minor: OKD/FCOS up to 4.15, OKD/SCOS from 4.16. */
export function defaultVariant(minor: string): Variant {
    return compareMinors(minor, "4.15") <= 0 ? "okd" : "scos";
}

/**
 * The `TAGS` build argument of component builds: OpenShift CI's OKD variants pass `fcos` (`__okd`, e.g.
 * …/machine-config-operator/openshift-machine-config-operator-release-4.15__okd.yaml and
 * …/installer/openshift-installer-release-4.15__okd.yaml) and `scos` (`__okd-scos`, …-release-4.22__okd-scos.yaml).
 * It selects what the image says about the node OS: the MCO's Dockerfile rewrites its image-references from
 * `rhel-coreos` to `fedora-coreos` only for `fcos` and to `stream-coreos` for `scos` (openshift/machine-config-operator
 * Dockerfile.rhel7 at release-4.15 1ffa8341fb18 and release-4.16 7327bb2359dd), and the installer picks its boot
 * images by build tag (pkg/rhcos/stream_fcos.go `okd || fcos`, stream_scos.go `scos`: coreos/scos.json).
 */
export function buildTags(variant: Variant): string {
    return variant === "okd" ? "fcos" : "scos";
}

/**
 * Payload tags of the node OS image and of its extensions image, the tags the MCO built with `TAGS=<buildTags>`
 * names in its image-references (openshift/machine-config-operator `install/image-references` and the TAGS branch of
 * Dockerfile/Dockerfile.rhel7 per release branch):
 *
 * - okd 4.12–4.15: `fedora-coreos` (rewritten from `rhel-coreos`; extensions commented out for fcos) and the
 *   `machine-os-content` tag okd-machine-os promotes with it (openshift-okd-machine-os-release-4.15.yaml:
 *   `machine-os-content` is `FROM fedora-coreos`); no extensions image;
 * - scos 4.12: `centos-stream-coreos-9` (from `rhel-coreos-8`, extensions commented out); 4.13–4.15 add
 *   `centos-stream-coreos-9-extensions`. 4.12–4.14 MCOs still list `machine-os-content`, which those payloads carried
 *   as an unused FCOS image (okd-project/okd-scos README); the SCOS image takes that tag too, so no FCOS node image
 *   is left in an SCOS payload;
 * - scos 4.16 and later: `stream-coreos` and `stream-coreos-extensions` (`s/rhel-coreos/stream-coreos/g`; from
 *   release-4.21 the `rhel-coreos-10` references are commented out for scos).
 */
export function nodeImageTags(variant: Variant, minor: string): { node: string[]; extensions: string[] } {
    if (variant === "okd") return { node: ["fedora-coreos", "machine-os-content"], extensions: [] };
    const [, m] = minorParts(minor);
    const older = minorParts(minor)[0] === 4 && m <= 15;
    if (!older) return { node: ["stream-coreos"], extensions: ["stream-coreos-extensions"] };
    return {
        node: m <= 14 ? ["centos-stream-coreos-9", "machine-os-content"] : ["centos-stream-coreos-9"],
        extensions: m === 12 ? [] : ["centos-stream-coreos-9-extensions"],
    };
}

/**
 * Where an SCOS stream's node image (and its extensions image) comes from by default; resolved to a digest at run
 * time and recorded.
 *
 * - 4.12–4.18: the images okd-project/okd-coreos-pipeline builds with coreos-assembler and pushes as
 *   `quay.io/okd/centos-stream-coreos-9[-extensions]:<minor>-<arch>` ("stable tag for import into Prow",
 *   base/tekton.dev/tasks/cosa-push-container.yaml @d4be53e8), which OpenShift CI imported as
 *   `origin/scos-<minor>:stream-coreos` (openshift/release#51754 4.16, #53764 4.17, #55732 4.18).
 * - 4.19 and later: OpenShift CI builds `stream-coreos` and `stream-coreos-extensions` from openshift/os and promotes
 *   them to `origin/scos-<minor>` (openshift/release#62296, 2025-03; …/os/openshift-os-release-4.19__okd-scos.yaml and
 *   later), and the quay.io imports stopped (#62682). They are in the CI registry's `origin` namespace, which OKD's CI
 *   payloads are pulled from without a login (not verified from here: a failed pull fails the run, naming the image).
 */
export function defaultNodeImages(minor: string): { node: string; extensions?: string } {
    const [major, m] = minorParts(minor);
    if (major === 4 && m <= 18) {
        return {
            node: `quay.io/okd/centos-stream-coreos-9:${minor}-x86_64`,
            ...(m === 12 ? {} : { extensions: `quay.io/okd/centos-stream-coreos-9-extensions:${minor}-x86_64` }),
        };
    }
    return {
        node: `registry.ci.openshift.org/origin/scos-${minor}:stream-coreos`,
        extensions: `registry.ci.openshift.org/origin/scos-${minor}:stream-coreos-extensions`,
    };
}

/** OKD/SCOS from 4.16 builds its components on CentOS Stream 9 bases with their own Dockerfiles (`okd-scos` variants). */
export function isStreamBased(variant: Variant, minor: string): boolean {
    return variant === "scos" && compareMinors(minor, "4.16") >= 0;
}

/**
 * The images a stream rebuilds by default instead of taking them from its base payload.
 *
 * OKD/FCOS (and OKD/SCOS before 4.16, which was built the same way): the images OpenShift CI's OCP→origin mirror
 * excluded and the `__okd` variants rebuilt (openshift/release core-services/release-controller/_releases/
 * release-ocp-4.12-ci.json `excludeTags`), minus the node images machine-os provides; Dockerfiles and `TAGS` as in
 * …-release-4.15__okd.yaml and …-release-4.15__okd-scos.yaml (installer-artifacts builds `from: installer`).
 *
 * OKD/SCOS from 4.16: every payload image is built from its `__okd-scos` variant, so the base payload is itself
 * CentOS Stream based; the default rebuilds the same set, each with the Dockerfile and `from:` its okd-scos
 * configuration names (…/<repo>/openshift-<repo>-release-4.22__okd-scos.yaml): every one `from:
 * origin_scos-<minor>_base-stream9`, installer-artifacts included (no longer layered on the installer).
 */
export function defaultComponents(variant: Variant, minor: string): Component[] {
    const tags = buildTags(variant);
    const c = (
        name: string,
        repository: string,
        dockerfile: string,
        more: Partial<Pick<Component, "buildArgs" | "from">> = {},
    ): Component => ({ name, repository, dockerfile, context: ".", buildArgs: more.buildArgs ?? {}, ...more });
    if (!isStreamBased(variant, minor)) {
        return [
            c("installer", "openshift/installer", "images/installer/Dockerfile.ci"),
            c("installer-artifacts", "openshift/installer", "images/installer-artifacts/Dockerfile.rhel", {
                from: "installer",
            }),
            c("baremetal-installer", "openshift/installer", "images/baremetal/Dockerfile.ci", {
                buildArgs: { TAGS: `baremetal libvirt ${tags}` },
            }),
            c("machine-config-operator", "openshift/machine-config-operator", "Dockerfile.rhel7"),
            // The OKD build (samples for OKD); the repository has no Dockerfile.rhel8 (release-4.15, main).
            c("cluster-samples-operator", "openshift/cluster-samples-operator", "Dockerfile.okd"),
            c("operator-marketplace", "operator-framework/operator-marketplace", "Dockerfile"),
            c("cluster-update-keys", "openshift/cluster-update-keys", "Dockerfile"),
            c("ironic", "openshift/ironic-image", "Dockerfile.ocp"),
        ];
    }
    const base = { from: "base" };
    return [
        c("installer", "openshift/installer", "images/installer/Dockerfile.ci", base),
        c("installer-artifacts", "openshift/installer", "images/installer-artifacts/Dockerfile.rhel", base),
        c("baremetal-installer", "openshift/installer", "images/baremetal/Dockerfile.ci", base),
        c("machine-config-operator", "openshift/machine-config-operator", "Dockerfile.rhel7", base),
        c("cluster-samples-operator", "openshift/cluster-samples-operator", "Dockerfile", base),
        // Its final stage is `FROM registry.ci.openshift.org/origin/<minor>:base`; `from: base` replaces it.
        c("operator-marketplace", "operator-framework/operator-marketplace", "Dockerfile.okd", base),
        c("cluster-update-keys", "openshift/cluster-update-keys", "Dockerfile.rhel", base),
        c("ironic", "openshift/ironic-image", "Dockerfile.ocp", base),
    ];
}

export interface VariantIssue {
    /** Field of the stream the problem is reported on. */
    field: "minor" | "variant" | "fcosStream" | "nodeImage" | "nodeExtensionsImage" | "basePayload";
    message: string;
}

/**
 * The variant of an OKD payload, by OKD's own names; undefined for any other (a mirror under another name, a build of
 * one's own), which is taken as given. OKD published OKD/FCOS to `quay.io/openshift/okd` and OKD/SCOS to
 * `quay.io/okd/scos-release`; the release-controller names OKD/FCOS payloads `4.Y.0-0.okd-YYYY-MM-DD-HHMMSS` and OKD/SCOS
 * ones `4.Y.0-0.okd-scos-YYYY-MM-DD-HHMMSS` (nightlies) or `4.Y.0-okd-scos.N` (releases).
 */
export function payloadVariant(ref: string): Variant | undefined {
    const noDigest = ref.split("@")[0];
    const slash = noDigest.lastIndexOf("/");
    const colon = noDigest.lastIndexOf(":");
    const [repository, tag] = colon > slash ? [noDigest.slice(0, colon), noDigest.slice(colon + 1)] : [noDigest, ""];
    if (repository === "quay.io/okd/scos-release" || /(^|[.-])okd-scos([.-]|$)/.test(tag)) return "scos";
    const fcosName = /^\d+\.\d+\.\d+-0\.okd-\d{4}-\d{2}-\d{2}-\d{6}$/;
    if (repository === "quay.io/openshift/okd" || fcosName.test(tag)) return "okd";
    return undefined;
}

/**
 * What is wrong with a stream's variant, minor and variant-specific fields; nothing when OKD has such a release and
 * okd-ci builds it. `variant` is the value as given (undefined: the default for the minor).
 */
export function variantIssues(s: {
    minor: string;
    variant?: Variant;
    fcosStream?: string;
    nodeImage?: string;
    nodeExtensionsImage?: string;
    basePayload?: string;
}): VariantIssue[] {
    const issues: VariantIssue[] = [];
    // A minor the schema refuses (a leading zero, a third part) has its own message; comparing it would add a second.
    if (!/^[45]\.(0|[1-9]\d?)$/.test(s.minor)) return issues;
    const variant = s.variant ?? defaultVariant(s.minor);
    const { first, last } = variantMinors[variant];
    if (compareMinors(s.minor, first) < 0) {
        issues.push({
            field: s.variant === undefined ? "minor" : "variant",
            message:
                variant === "scos"
                    ? `has no OKD/SCOS release: OKD on CentOS Stream CoreOS begins with 4.12 (4.12.0-0.okd-scos); expected a minor from 4.12`
                    : `is older than any OKD/FCOS minor okd-ci builds: machine-os is layered on a Fedora CoreOS image as openshift/okd-machine-os does from release-4.12 (4.11 and earlier shipped a coreos-assembler machine-os-content); expected a minor from 4.12`,
        });
    } else if (last !== undefined && compareMinors(s.minor, last) > 0) {
        issues.push({
            field: "variant",
            message: `"okd" (OKD on Fedora CoreOS) has no ${s.minor} release: OKD/FCOS ends at 4.15 and every OKD release since is OKD/SCOS on CentOS Stream CoreOS; expected "scos" (the default from 4.16)`,
        });
    }
    const payload = s.basePayload === undefined ? undefined : payloadVariant(s.basePayload);
    if (payload !== undefined && payload !== variant) {
        const given = s.variant === undefined ? ` (the default ${variant === "okd" ? "up to 4.15" : "from 4.16"})` : "";
        issues.push({
            field: "basePayload",
            message:
                variant === "okd"
                    ? `is an OKD/SCOS payload, but the stream is variant "okd"${given}, which layers Fedora CoreOS on an OKD/FCOS payload (quay.io/openshift/okd:<release>); set variant: scos, or use an OKD/FCOS base payload`
                    : `is an OKD/FCOS payload, but the stream is variant "scos"${given}, which ships CentOS Stream CoreOS on an OKD/SCOS payload (quay.io/okd/scos-release:<release>); use an OKD/SCOS base payload${compareMinors(s.minor, "4.15") <= 0 ? ", or set variant: okd" : ""}`,
        });
    }
    if (variant === "scos" && s.fcosStream !== undefined) {
        issues.push({
            field: "fcosStream",
            message:
                'applies only to variant "okd" (machine-os layered on Fedora CoreOS); an scos stream takes its node image from nodeImage (CentOS Stream CoreOS); remove it',
        });
    }
    if (variant === "okd") {
        for (const field of ["nodeImage", "nodeExtensionsImage"] as const) {
            if (s[field] !== undefined) {
                issues.push({
                    field,
                    message: `applies only to variant "scos"; an okd stream builds its machine-os from Fedora CoreOS (fcosStream); remove it`,
                });
            }
        }
    } else if (s.nodeExtensionsImage !== undefined && nodeImageTags(variant, s.minor).extensions.length === 0) {
        issues.push({
            field: "nodeExtensionsImage",
            message: `has no payload tag in OKD/SCOS ${s.minor}: its machine-config-operator names no extensions image; remove it`,
        });
    }
    return issues;
}
