import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import * as YAML from "yaml";

import { ConfigError, loadConfig } from "../../src/config/load";
import { type Stream, streamSchema } from "../../src/config/schema";
import { listStacks, readStackConfig } from "../../src/synth/stackfile";
import { buildTags, defaultNodeImages, nodeImageTags } from "../../components/shared/variants";
import { mapSource } from "../helpers";

const local = { platform: "local" };
const streamOf = (s: Record<string, unknown>): Stream =>
    loadConfig(mapSource({ ...local, streams: [{ branch: `release-${s.minor}`, basePayload: base(s), ...s }] }))
        .streams[0];
const base = (s: Record<string, unknown>) =>
    (s.variant ?? (Number(String(s.minor).split(".")[1]) > 15 ? "scos" : "okd")) === "okd"
        ? `quay.io/openshift/okd:${s.minor}.0-0.okd-2024-03-10-010116`
        : `quay.io/okd/scos-release:${s.minor}.0-okd-scos.1`;

/** Every problem line of a rejected stream, as `pulumi preview` prints it. */
function rejected(s: Record<string, unknown>): string[] {
    try {
        streamOf(s);
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.problems.map((p) => `${p.key} = ${p.value}: ${p.message}`);
    }
    assert.fail(`expected ${JSON.stringify(s)} to be rejected`);
}

describe("stream variants", () => {
    describe("defaults per minor", () => {
        it("makes 4.15 an OKD/FCOS stream on stable FCOS, built with TAGS=fcos", () => {
            const s = streamOf({ minor: "4.15" });
            assert.equal(s.variant, "okd");
            assert.equal(s.fcosStream, "stable");
            assert.equal(s.nodeImage, undefined);
            const byName = Object.fromEntries(s.components.map((c) => [c.name, c]));
            assert.deepEqual(byName["baremetal-installer"].buildArgs, { TAGS: "baremetal libvirt fcos" });
            assert.equal(byName["installer-artifacts"].from, "installer");
            assert.equal(byName["machine-config-operator"].from, undefined);
        });

        it("makes 4.16 and later OKD/SCOS streams with the okd-scos Dockerfiles, each built from the base image", () => {
            const s = streamOf({ minor: "4.22" });
            assert.equal(s.variant, "scos");
            assert.equal(s.fcosStream, undefined);
            assert.equal(s.nodeImage, "registry.ci.openshift.org/origin/scos-4.22:stream-coreos");
            assert.equal(s.nodeExtensionsImage, "registry.ci.openshift.org/origin/scos-4.22:stream-coreos-extensions");
            assert.deepEqual(
                s.components.map((c) => [c.name, c.dockerfile, c.from, JSON.stringify(c.buildArgs)]),
                [
                    ["installer", "images/installer/Dockerfile.ci", "base", "{}"],
                    ["installer-artifacts", "images/installer-artifacts/Dockerfile.rhel", "base", "{}"],
                    ["baremetal-installer", "images/baremetal/Dockerfile.ci", "base", "{}"],
                    ["machine-config-operator", "Dockerfile.rhel7", "base", "{}"],
                    ["cluster-samples-operator", "Dockerfile", "base", "{}"],
                    ["operator-marketplace", "Dockerfile.okd", "base", "{}"],
                    ["cluster-update-keys", "Dockerfile.rhel", "base", "{}"],
                    ["ironic", "Dockerfile.ocp", "base", "{}"],
                ],
            );
        });

        it("takes 4.16–4.18 node images from okd-coreos-pipeline's quay.io tags and later ones from OpenShift CI", () => {
            assert.deepEqual(defaultNodeImages("4.17"), {
                node: "quay.io/okd/centos-stream-coreos-9:4.17-x86_64",
                extensions: "quay.io/okd/centos-stream-coreos-9-extensions:4.17-x86_64",
            });
            assert.equal(defaultNodeImages("4.19").node, "registry.ci.openshift.org/origin/scos-4.19:stream-coreos");
            assert.equal(defaultNodeImages("5.0").node, "registry.ci.openshift.org/origin/scos-5.0:stream-coreos");
            assert.equal(defaultNodeImages("4.12").extensions, undefined);
        });

        it("keeps a node image set on an SCOS stream and an explicit component list", () => {
            const s = streamOf({
                minor: "4.16",
                nodeImage: "quay.io/okd/scos-content@sha256:" + "a".repeat(64),
                components: [
                    { name: "cluster-update-keys", repository: "openshift/cluster-update-keys", dockerfile: "x" },
                ],
            });
            assert.equal(s.nodeImage, "quay.io/okd/scos-content@sha256:" + "a".repeat(64));
            assert.equal(s.nodeExtensionsImage, "quay.io/okd/centos-stream-coreos-9-extensions:4.16-x86_64");
            assert.deepEqual(
                s.components.map((c) => c.name),
                ["cluster-update-keys"],
            );
        });

        it("builds SCOS 4.12–4.15 as OKD Streams did: the FCOS-era component shapes with TAGS=scos", () => {
            const s = streamOf({ minor: "4.14", variant: "scos" });
            assert.equal(s.nodeImage, "quay.io/okd/centos-stream-coreos-9:4.14-x86_64");
            assert.deepEqual(s.components.find((c) => c.name === "baremetal-installer")?.buildArgs, {
                TAGS: "baremetal libvirt scos",
            });
        });

        it("names the node image tags the variant's machine-config-operator references", () => {
            assert.deepEqual(nodeImageTags("okd", "4.15"), {
                node: ["fedora-coreos", "machine-os-content"],
                extensions: [],
            });
            assert.deepEqual(nodeImageTags("scos", "4.16"), {
                node: ["stream-coreos"],
                extensions: ["stream-coreos-extensions"],
            });
            assert.deepEqual(nodeImageTags("scos", "5.0"), nodeImageTags("scos", "4.22"));
            assert.deepEqual(nodeImageTags("scos", "4.15"), {
                node: ["centos-stream-coreos-9"],
                extensions: ["centos-stream-coreos-9-extensions"],
            });
            assert.deepEqual(nodeImageTags("scos", "4.12"), {
                node: ["centos-stream-coreos-9", "machine-os-content"],
                extensions: [],
            });
            assert.equal(buildTags("okd"), "fcos");
            assert.equal(buildTags("scos"), "scos");
        });
    });

    describe("combinations no OKD release has", () => {
        it("rejects an FCOS stream above 4.15, naming the variant and why", () => {
            assert.deepEqual(rejected({ minor: "4.16", variant: "okd" }), [
                'okd-ci:streams[0].variant = "okd": "okd" (OKD on Fedora CoreOS) has no 4.16 release: OKD/FCOS ends at 4.15 and every OKD release since is OKD/SCOS on CentOS Stream CoreOS; expected "scos" (the default from 4.16)',
            ]);
            assert.match(
                rejected({ minor: "5.0", variant: "okd" })[0],
                /streams\[0\]\.variant = "okd": .* has no 5\.0/,
            );
        });

        it("rejects an SCOS stream below 4.12, and any stream below 4.12", () => {
            assert.deepEqual(rejected({ minor: "4.11", variant: "scos" }), [
                'okd-ci:streams[0].variant = "scos": has no OKD/SCOS release: OKD on CentOS Stream CoreOS begins with 4.12 (4.12.0-0.okd-scos); expected a minor from 4.12',
            ]);
            assert.match(
                rejected({ minor: "4.11" })[0],
                /^okd-ci:streams\[0\]\.minor = "4\.11": is older than any OKD\/FCOS minor/,
            );
        });

        it("rejects fcosStream on an SCOS stream", () => {
            assert.deepEqual(rejected({ minor: "4.22", fcosStream: "stable" }), [
                'okd-ci:streams[0].fcosStream = "stable": applies only to variant "okd" (machine-os layered on Fedora CoreOS); an scos stream takes its node image from nodeImage (CentOS Stream CoreOS); remove it',
            ]);
        });

        it("rejects the SCOS node image keys on an FCOS stream, and an extensions image 4.12 has no tag for", () => {
            assert.deepEqual(rejected({ minor: "4.15", nodeImage: "quay.io/okd/centos-stream-coreos-9:4.15-x86_64" }), [
                'okd-ci:streams[0].nodeImage = "quay.io/okd/centos-stream-coreos-9:4.15-x86_64": applies only to variant "scos"; an okd stream builds its machine-os from Fedora CoreOS (fcosStream); remove it',
            ]);
            assert.match(
                rejected({ minor: "4.12", variant: "scos", nodeExtensionsImage: "quay.io/x/y:1" })[0],
                /streams\[0\]\.nodeExtensionsImage = "quay\.io\/x\/y:1": has no payload tag in OKD\/SCOS 4\.12/,
            );
        });

        it("rejects an OKD base payload of the other variant, by OKD's repository or payload name", () => {
            // 4.12-4.15 had both lines; the default there is okd, so an SCOS payload left at the default would get an
            // FCOS machine-os over OKD/SCOS components.
            assert.deepEqual(
                rejected({ minor: "4.14", basePayload: "quay.io/okd/scos-release:4.14.0-okd-scos.ec.1" }),
                [
                    'okd-ci:streams[0].basePayload = "quay.io/okd/scos-release:4.14.0-okd-scos.ec.1": is an OKD/SCOS payload, but the stream is variant "okd" (the default up to 4.15), which layers Fedora CoreOS on an OKD/FCOS payload (quay.io/openshift/okd:<release>); set variant: scos, or use an OKD/FCOS base payload',
                ],
            );
            assert.match(
                rejected({
                    minor: "4.15",
                    variant: "scos",
                    basePayload: "registry.example.org/mirror/okd:4.15.0-0.okd-2024-03-10-010116",
                })[0],
                /basePayload = .*: is an OKD\/FCOS payload, but the stream is variant "scos"/,
            );
            // A payload of neither name (a mirror, a build of one's own) is taken as given.
            assert.equal(
                streamOf({ minor: "4.14", basePayload: "registry.example.org/okd/release:4.14-custom" }).variant,
                "okd",
            );
        });

        it("rejects a per-component branch that is not a git branch", () => {
            assert.match(
                rejected({
                    minor: "4.22",
                    components: [
                        { name: "keys", repository: "openshift/cluster-update-keys", dockerfile: "x", branch: "../x" },
                    ],
                })[0],
                /streams\[0\]\.components\[0\]\.branch = "\.\.\/x": expected a git branch/,
            );
        });
    });

    describe("what the project ships", () => {
        const root = path.resolve(__dirname, "..", "..");
        const streamsOf = (stack: string): Stream[] =>
            (JSON.parse(readStackConfig(root, stack).config["okd-ci:streams"] ?? "[]") as unknown[]).map((s) =>
                streamSchema.parse(s),
            );

        it("builds a current OKD/SCOS minor on every stack, from an okd/scos-release base payload", () => {
            for (const stack of listStacks(root)) {
                const scos = streamsOf(stack).filter((s) => s.variant === "scos" && s.minor === "4.22");
                assert.equal(scos.length, 1, `${stack} builds OKD/SCOS 4.22`);
                assert.match(scos[0].basePayload, /^quay\.io\/okd\/scos-release:4\.22\.0-okd-scos\.\d+$/, stack);
                assert.equal(scos[0].branch, "release-4.22", `${stack}: a branch every component repository has`);
            }
        });

        it("keeps the 4.15 FCOS line in one stack file, with the 4.16 pivot beside it", () => {
            const fcos = listStacks(root).flatMap((stack) =>
                streamsOf(stack)
                    .filter((s) => s.variant === "okd")
                    .map((s) => [stack, s.minor, s.basePayload]),
            );
            assert.deepEqual(fcos, [["aws", "4.15", "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116"]]);
            const pivot = streamsOf("aws").find((s) => s.minor === "4.16");
            assert.equal(pivot?.variant, "scos");
            assert.equal(pivot?.basePayload, "quay.io/okd/scos-release:4.16.0-okd-scos.1");
        });

        it("shows in the README a stream the schema accepts", () => {
            const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
            const section = readme.slice(readme.indexOf("## Add a release stream"));
            const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
            assert.ok(block, "no yaml block in README's Add a release stream");
            const streams = (YAML.parse(block) as Record<string, unknown[]>)["okd-ci:streams"];
            for (const s of streams) {
                const parsed = streamSchema.safeParse(s);
                assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
            }
        });
    });
});
