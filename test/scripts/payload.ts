import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { digestOf, pushImage, requireTool, tempDir } from "./harness";

/**
 * A small release payload of the shape OKD's are, built offline for the tests: tiny single-layer images (umoci) pushed
 * by digest into one content repository, and a release image made from them by the real `oc adm release new
 * --from-image-stream-file` (as the release-controller makes a payload from an image stream), so its
 * `release-manifests/` holds the `image-references` and `release-metadata` oc writes itself. Images are pushed as
 * Docker schema 2, as OpenShift's builds push them.
 *
 * What oc requires of such inputs (openshift/oc pkg/cli/admin/release/new.go @ ae1bd9e4a75b):
 * - the image stream names a public repository (`status.publicDockerImageRepository`) and every tag by digest
 *   (`resolveImageStreamTagsToReferenceMode`, default reference mode "public");
 * - a `cluster-version-operator` tag: the release image is that image plus a `release-manifests/` layer
 *   (`--to-image-base-tag` default);
 * - only images labelled `io.openshift.release.operator=true` contribute `/manifests`, and a tag that neither has
 *   manifests nor is named by some operator's `manifests/image-references` is pruned
 *   (`pruneUnreferencedImageStreams`), so the CVO's image-references names every plain image here (and not the node
 *   image tags: an operator naming tags of two machine-os versions makes oc fail, which would hide the assembly's own
 *   check for a node image left behind);
 * - `io.openshift.build.versions` labels must be NAME=<semver> (`parseComponentVersionsLabel`, image_mapper.go);
 *   they become the payload's component versions (`oc adm release info`: machine-os, kubernetes).
 *
 * Tags and names are parameters, so the same builder makes an FCOS-shaped OKD payload (`okdPayloadSpec`: OKD 4.15's
 * node tags fedora-coreos and machine-os-content, both the okd-machine-os image) or an OKD/SCOS one (`scosPayloadSpec`:
 * stream-coreos and stream-coreos-extensions, named by the machine-config-operator's image-references as an MCO built
 * with TAGS=scos names them, in okd/scos-release and okd/scos-content).
 */
export interface PayloadSpec {
    /** Registry (host:port) the payload and its content go to. */
    host: string;
    /** Repository of the release image, e.g. `openshift/okd`. */
    releaseRepository: string;
    /** Repository holding every component by digest, e.g. `openshift/okd-content`. */
    contentRepository: string;
    /** Payload name, a semantic version, e.g. `4.15.0-0.okd-2024-03-10-010116`. */
    name: string;
    /** Payload tags of the node image; all point at one image, as OKD's did. */
    osTags: string[];
    /** Payload tags of the node image's extensions image (none in OKD/FCOS). */
    extensionsTags?: string[];
    /** The node image's `machine-os` version (semver) and display name. */
    osVersion: string;
    osDisplayName: string;
    /**
     * The node image as okd-machine-os labels it (`fcos`: a release operator with manifests) or as OKD's SCOS images
     * are (`scos`: a bootable ostree container with version labels, no manifests).
     */
    osKind?: "fcos" | "scos";
    /** More tags an operator's image-references names, by operator (and a manifest naming them, rewritten by oc). */
    operatorReferences?: Record<string, string[]>;
    /** Kubernetes version of the `hyperkube` image (its build-versions label). */
    kubernetes: string;
    /** Operator images besides the CVO: each has a manifest naming the `tests` image through its image-references. */
    operators: string[];
    /** Plain images, no manifests (kept by the CVO's image-references). */
    images: string[];
    /**
     * More files of some tags' images, by tag and path, e.g. an `installer` image's `usr/bin/openshift-install` for
     * `oc adm release extract --command=openshift-install`, which takes it from the `installer` image and pins the
     * payload into it at the marker NUL `_RELEASE_IMAGE_LOCATION_` NUL, 300 × `X`, NUL (`releaseImageMarker`,
     * openshift/oc pkg/cli/admin/release/extract_tools.go).
     */
    files?: Record<string, Record<string, string>>;
}

export const okdPayloadSpec = (host: string): PayloadSpec => ({
    host,
    releaseRepository: "openshift/okd",
    contentRepository: "openshift/okd-content",
    name: "4.15.0-0.okd-2024-03-10-010116",
    // OKD 4.15's node tags: okd-machine-os promotes fedora-coreos and machine-os-content (FROM fedora-coreos) into
    // origin/4.15 (openshift/release ci-operator/config/openshift/okd-machine-os/openshift-okd-machine-os-release-4.15.yaml).
    osTags: ["fedora-coreos", "machine-os-content"],
    osVersion: "39.20240210.3",
    osDisplayName: "Fedora CoreOS",
    kubernetes: "1.28.7",
    operators: ["cluster-update-keys", "machine-config-operator", "installer"],
    images: ["tests", "cli", "hyperkube"],
});

/**
 * An OKD/SCOS release as quay.io/okd/scos-release holds them (the 4.16 release OKD/FCOS 4.15 clusters upgrade to,
 * okd-project/okd-web docs/project/upgrade-notes/from-4-15/1-force-upgrade-to-stable-4-16.md), with OKD 4.16's
 * Kubernetes (1.29) and an SCOS node image labelled as OKD's are (machine-os=<RHCOS-style version>, "CentOS Stream
 * CoreOS").
 */
export const scosPayloadSpec = (host: string): PayloadSpec => ({
    ...okdPayloadSpec(host),
    releaseRepository: "okd/scos-release",
    contentRepository: "okd/scos-content",
    name: "4.16.0-okd-scos.1",
    osTags: ["stream-coreos"],
    extensionsTags: ["stream-coreos-extensions"],
    osVersion: "416.9.202406250411-0",
    osDisplayName: "CentOS Stream CoreOS",
    osKind: "scos",
    kubernetes: "1.29.6",
    operatorReferences: { "machine-config-operator": ["stream-coreos", "stream-coreos-extensions"] },
});

export interface Payload {
    spec: PayloadSpec;
    /** `<host>/<release repository>:<name>`. */
    pullSpec: string;
    digest: string;
    /** Every tag of the payload and the digest of its image. */
    components: Record<string, string>;
}

/** A manifest of `tag` that names the `tests` image, so oc rewrites it through the operator's image-references. */
export function operatorManifest(tag: string, testsRef: string): string {
    return [
        "apiVersion: v1",
        "kind: ConfigMap",
        `metadata: {name: ${tag}-images, namespace: openshift-config-managed}`,
        `data: {tests: "${testsRef}"}`,
        "",
    ].join("\n");
}

/** `manifests/image-references` naming `tags` (at placeholder pull specs, as operators ship them). */
export function imageReferences(tags: string[]): string {
    return JSON.stringify({
        kind: "ImageStream",
        apiVersion: "image.openshift.io/v1",
        spec: {
            tags: tags.map((t) => ({ name: t, from: { kind: "DockerImage", name: `quay.io/example/${t}:latest` } })),
        },
    });
}

/**
 * The files and labels of an OKD/SCOS node image carrying `version`: a bootable ostree container labelled as OKD's
 * CentOS Stream CoreOS images are (no manifests: it is no release operator).
 */
export function scosImage(
    version: string,
    displayName = "CentOS Stream CoreOS",
): { files: Record<string, string>; labels: Record<string, string> } {
    return {
        files: { "usr/lib/os-release": `NAME="${displayName}"\nVERSION="${version}"\n` },
        labels: {
            "ostree.bootable": "true",
            version,
            "org.opencontainers.image.source": "https://github.com/openshift/os",
            "io.openshift.build.versions": `machine-os=${version}`,
            "io.openshift.build.version-display-names": `machine-os=${displayName}`,
        },
    };
}

/** A manifest of `tag` naming each of `refs` (as the MCO's osimageurl ConfigMap names its node images). */
export function imagesManifest(tag: string, refs: string[]): string {
    return [
        "apiVersion: v1",
        "kind: ConfigMap",
        `metadata: {name: ${tag}-node-images, namespace: openshift-config-managed}`,
        `data: {${refs.map((r) => `${r}: "quay.io/example/${r}:latest"`).join(", ")}}`,
        "",
    ].join("\n");
}

/** The files and labels of one node image carrying `version` (also used for the machine-os images the tests build). */
export function osImage(
    version: string,
    displayName: string,
    manifest = "99-okd-master-disable-mitigations",
): {
    files: Record<string, string>;
    labels: Record<string, string>;
} {
    return {
        files: {
            "etc/os-release": `NAME="${displayName}"\nOSTREE_VERSION='${version}'\n`,
            [`manifests/${manifest}.yaml`]: [
                "apiVersion: machineconfiguration.openshift.io/v1",
                "kind: MachineConfig",
                `metadata: {name: ${manifest}, labels: {machineconfiguration.openshift.io/role: master}}`,
                "spec: {}",
                "",
            ].join("\n"),
        },
        labels: {
            "io.openshift.release.operator": "true",
            "io.openshift.build.versions": `machine-os=${version}`,
            "io.openshift.build.version-display-names": `machine-os=${displayName}`,
        },
    };
}

export function buildPayload(spec: PayloadSpec): Payload {
    requireTool("oc");
    const content = `${spec.host}/${spec.contentRepository}`;
    const push = (tag: string, files: Record<string, string>, labels: Record<string, string> = {}) =>
        pushImage(`${content}:${spec.name}-${tag}`, {
            files: { ...files, ...spec.files?.[tag], [`usr/share/${tag}`]: `${tag} of ${spec.name}\n` },
            labels,
            format: "v2s2",
        });

    const components: Record<string, string> = {};
    for (const tag of spec.images) {
        components[tag] = push(
            tag,
            {},
            tag === "hyperkube" ? { "io.openshift.build.versions": `kubernetes=${spec.kubernetes}` } : {},
        );
    }
    const os =
        spec.osKind === "scos"
            ? scosImage(spec.osVersion, spec.osDisplayName)
            : osImage(spec.osVersion, spec.osDisplayName);
    const osDigest = push(spec.osTags[0], os.files, os.labels);
    for (const tag of spec.osTags) components[tag] = osDigest;
    for (const tag of spec.extensionsTags ?? []) {
        components[tag] = push(tag, { "usr/share/rpm-ostree/extensions.json": "{}\n" });
    }
    for (const tag of spec.operators) {
        const extra = spec.operatorReferences?.[tag] ?? [];
        components[tag] = push(
            tag,
            {
                [`manifests/0000_90_${tag}_00_images.yaml`]: operatorManifest(tag, "quay.io/example/tests:latest"),
                ...(extra.length > 0
                    ? { [`manifests/0000_80_${tag}_05_osimageurl.yaml`]: imagesManifest(tag, extra) }
                    : {}),
                "manifests/image-references": imageReferences(["tests", ...extra]),
            },
            { "io.openshift.release.operator": "true" },
        );
    }
    components["cluster-version-operator"] = push(
        "cluster-version-operator",
        {
            "manifests/0000_00_cluster-version-operator_00_namespace.yaml":
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: openshift-cluster-version}\n",
            "manifests/image-references": imageReferences(["cluster-version-operator", ...spec.images]),
        },
        { "io.openshift.release.operator": "true" },
    );

    const dir = tempDir("payload");
    try {
        const stream = path.join(dir, "image-stream.json");
        fs.writeFileSync(
            stream,
            JSON.stringify({
                kind: "ImageStream",
                apiVersion: "image.openshift.io/v1",
                metadata: { name: spec.name },
                spec: {
                    tags: Object.entries(components).map(([name, digest]) => ({
                        name,
                        from: { kind: "DockerImage", name: `${content}@${digest}` },
                    })),
                },
                status: { publicDockerImageRepository: content },
            }),
        );
        const pullSpec = `${spec.host}/${spec.releaseRepository}:${spec.name}`;
        execFileSync(
            "oc",
            [
                "adm",
                "release",
                "new",
                "--insecure=true",
                `--from-image-stream-file=${stream}`,
                `--name=${spec.name}`,
                `--to-image=${pullSpec}`,
            ],
            { stdio: ["ignore", "ignore", "pipe"] },
        );
        return { spec, pullSpec, digest: digestOf(pullSpec), components };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** `oc adm release info -o json` of a payload, the subset the tests assert on. */
export interface ReleaseInfo {
    digest: string;
    metadata: { version: string; previous?: string[] };
    references: {
        metadata: { name: string; annotations?: Record<string, string> };
        spec: { tags: { name: string; from: { name: string }; annotations?: Record<string, string> }[] };
    };
    displayVersions?: Record<string, { Version: string; DisplayName: string }>;
    config: { config: { Labels?: Record<string, string> } };
}

export function releaseInfo(pullSpec: string): ReleaseInfo {
    return JSON.parse(
        execFileSync("oc", ["adm", "release", "info", "--insecure=true", "-o", "json", pullSpec], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        }),
    ) as ReleaseInfo;
}

/** Every tag of a payload and the image it references. */
export function referencesOf(info: ReleaseInfo): Record<string, string> {
    return Object.fromEntries(info.references.spec.tags.map((t) => [t.name, t.from.name]));
}

/** The files of a payload's `release-manifests/`, extracted by the real `oc adm release extract`. */
export function releaseManifests(pullSpec: string): Record<string, string> {
    const dir = tempDir("extract");
    try {
        execFileSync("oc", ["adm", "release", "extract", "--insecure=true", `--to=${dir}`, pullSpec], {
            stdio: ["ignore", "ignore", "pipe"],
        });
        return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
