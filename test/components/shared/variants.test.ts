/**
 * components/shared/variants.ts by itself: the minors each variant covers, the node images and components a stream
 * builds by default, which OKD line a base payload belongs to, and what is said about a combination no OKD release
 * has. test/config/variants.test.ts checks the same through the stack configuration loader.
 */
import * as assert from "node:assert/strict";

import {
    compareMinors,
    defaultComponents,
    defaultNodeImages,
    defaultVariant,
    isStreamBased,
    minorParts,
    nodeImageTags,
    payloadVariant,
    variantIssues,
} from "../../../components/shared/variants";

describe("OKD variants (variants.ts)", () => {
    it("orders minors by major, then minor, as numbers", () => {
        assert.deepEqual(minorParts("4.15"), [4, 15]);
        assert.ok(compareMinors("4.9", "4.12") < 0);
        assert.ok(compareMinors("4.22", "5.0") < 0);
        assert.ok(compareMinors("5.0", "4.22") > 0);
        assert.equal(compareMinors("4.16", "4.16"), 0);
        assert.equal(defaultVariant("4.15"), "okd");
        assert.equal(defaultVariant("4.16"), "scos");
        assert.equal(defaultVariant("5.0"), "scos");
    });

    it("builds from CentOS Stream bases only OKD/SCOS 4.16 and later", () => {
        assert.deepEqual(
            [
                ["scos", "4.15"],
                ["scos", "4.16"],
                ["scos", "5.0"],
                ["okd", "4.15"],
                ["okd", "4.16"],
            ].map(([v, m]) => isStreamBased(v as "okd" | "scos", m)),
            [false, true, true, false, false],
        );
    });

    it("names the node image tags each variant's machine-config-operator references", () => {
        assert.deepEqual(nodeImageTags("okd", "4.15"), {
            node: ["fedora-coreos", "machine-os-content"],
            extensions: [],
        });
        assert.deepEqual(nodeImageTags("scos", "4.15"), {
            node: ["centos-stream-coreos-9"],
            extensions: ["centos-stream-coreos-9-extensions"],
        });
        assert.deepEqual(nodeImageTags("scos", "4.16"), {
            node: ["stream-coreos"],
            extensions: ["stream-coreos-extensions"],
        });
        assert.deepEqual(nodeImageTags("scos", "5.0"), {
            node: ["stream-coreos"],
            extensions: ["stream-coreos-extensions"],
        });
        assert.deepEqual(nodeImageTags("scos", "5.12"), {
            node: ["stream-coreos"],
            extensions: ["stream-coreos-extensions"],
        });
        assert.deepEqual(nodeImageTags("scos", "4.12"), {
            node: ["centos-stream-coreos-9", "machine-os-content"],
            extensions: [],
        });
        assert.deepEqual(defaultNodeImages("5.0"), {
            node: "registry.ci.openshift.org/origin/scos-5.0:stream-coreos",
            extensions: "registry.ci.openshift.org/origin/scos-5.0:stream-coreos-extensions",
        });
        assert.deepEqual(defaultNodeImages("5.12").node, "registry.ci.openshift.org/origin/scos-5.12:stream-coreos");
    });

    it("names the node image tags of SCOS 4.13 and 4.14, the last with machine-os-content", () => {
        assert.deepEqual(nodeImageTags("scos", "4.14"), {
            node: ["centos-stream-coreos-9", "machine-os-content"],
            extensions: ["centos-stream-coreos-9-extensions"],
        });
        assert.deepEqual(nodeImageTags("scos", "4.13"), {
            node: ["centos-stream-coreos-9", "machine-os-content"],
            extensions: ["centos-stream-coreos-9-extensions"],
        });
    });

    it("takes SCOS node images from quay.io up to 4.18 and from OpenShift CI's origin namespace after", () => {
        assert.deepEqual(defaultNodeImages("4.18"), {
            node: "quay.io/okd/centos-stream-coreos-9:4.18-x86_64",
            extensions: "quay.io/okd/centos-stream-coreos-9-extensions:4.18-x86_64",
        });
        assert.deepEqual(defaultNodeImages("4.12"), { node: "quay.io/okd/centos-stream-coreos-9:4.12-x86_64" });
        assert.deepEqual(defaultNodeImages("4.19"), {
            node: "registry.ci.openshift.org/origin/scos-4.19:stream-coreos",
            extensions: "registry.ci.openshift.org/origin/scos-4.19:stream-coreos-extensions",
        });
    });

    it("rebuilds the images the __okd variants rebuilt, from their repositories, Dockerfiles and TAGS", () => {
        const row = (c: ReturnType<typeof defaultComponents>[number]) => [
            c.name,
            c.repository,
            c.dockerfile,
            c.context,
            JSON.stringify(c.buildArgs),
            c.from ?? "-",
        ];
        assert.deepEqual(defaultComponents("okd", "4.15").map(row), [
            ["installer", "openshift/installer", "images/installer/Dockerfile.ci", ".", "{}", "-"],
            [
                "installer-artifacts",
                "openshift/installer",
                "images/installer-artifacts/Dockerfile.rhel",
                ".",
                "{}",
                "installer",
            ],
            [
                "baremetal-installer",
                "openshift/installer",
                "images/baremetal/Dockerfile.ci",
                ".",
                '{"TAGS":"baremetal libvirt fcos"}',
                "-",
            ],
            ["machine-config-operator", "openshift/machine-config-operator", "Dockerfile.rhel7", ".", "{}", "-"],
            ["cluster-samples-operator", "openshift/cluster-samples-operator", "Dockerfile.okd", ".", "{}", "-"],
            ["operator-marketplace", "operator-framework/operator-marketplace", "Dockerfile", ".", "{}", "-"],
            ["cluster-update-keys", "openshift/cluster-update-keys", "Dockerfile", ".", "{}", "-"],
            ["ironic", "openshift/ironic-image", "Dockerfile.ocp", ".", "{}", "-"],
        ]);
        // OKD/SCOS before 4.16 was built the same way, with TAGS=scos.
        assert.deepEqual(
            defaultComponents("scos", "4.15").map((c) => [c.name, c.buildArgs.TAGS ?? "-"]),
            defaultComponents("okd", "4.15").map((c) => [c.name, c.buildArgs.TAGS?.replace("fcos", "scos") ?? "-"]),
        );
        assert.deepEqual(defaultComponents("scos", "4.22").map(row), [
            ["installer", "openshift/installer", "images/installer/Dockerfile.ci", ".", "{}", "base"],
            [
                "installer-artifacts",
                "openshift/installer",
                "images/installer-artifacts/Dockerfile.rhel",
                ".",
                "{}",
                "base",
            ],
            ["baremetal-installer", "openshift/installer", "images/baremetal/Dockerfile.ci", ".", "{}", "base"],
            ["machine-config-operator", "openshift/machine-config-operator", "Dockerfile.rhel7", ".", "{}", "base"],
            ["cluster-samples-operator", "openshift/cluster-samples-operator", "Dockerfile", ".", "{}", "base"],
            ["operator-marketplace", "operator-framework/operator-marketplace", "Dockerfile.okd", ".", "{}", "base"],
            ["cluster-update-keys", "openshift/cluster-update-keys", "Dockerfile.rhel", ".", "{}", "base"],
            ["ironic", "openshift/ironic-image", "Dockerfile.ocp", ".", "{}", "base"],
        ]);
    });

    describe("the OKD line of a base payload", () => {
        it("knows OKD's repositories, with a tag, a digest or neither", () => {
            assert.equal(payloadVariant("quay.io/okd/scos-release:4.16.0-okd-scos.1"), "scos");
            assert.equal(payloadVariant("quay.io/okd/scos-release"), "scos");
            assert.equal(payloadVariant(`quay.io/okd/scos-release@sha256:${"a".repeat(64)}`), "scos");
            assert.equal(payloadVariant("quay.io/openshift/okd:4.15"), "okd");
            assert.equal(payloadVariant("quay.io/openshift/okd"), "okd");
            assert.equal(payloadVariant(`quay.io/openshift/okd@sha256:${"b".repeat(64)}`), "okd");
            // A registry port is no tag.
            assert.equal(payloadVariant("localhost:5000/okd/release"), undefined);
            assert.equal(payloadVariant("registry.example.org/okd/release:latest"), undefined);
            // A bare repository name (Docker Hub's library) is a repository, not a tag, however it is spelled.
            assert.equal(payloadVariant("okd-scos"), undefined);
        });

        it("knows OKD/SCOS payload names in any repository: nightlies and releases", () => {
            const mirror = (tag: string) => payloadVariant(`registry.example.org/mirror/release:${tag}`);
            assert.equal(mirror("4.16.0-okd-scos.1"), "scos");
            assert.equal(mirror("4.17.0-0.okd-scos-2024-11-28-000000"), "scos");
            assert.equal(mirror("4.16.0-okd-scos"), "scos");
            assert.equal(mirror("okd-scos.1"), "scos");
            assert.equal(mirror("4.16.0-xokd-scos.1"), undefined);
            assert.equal(mirror("4.16.0-okd-scosx"), undefined);
        });

        it("knows OKD/FCOS payload names in any repository, and nothing like them", () => {
            const mirror = (tag: string) => payloadVariant(`registry.example.org/mirror/release:${tag}`);
            assert.equal(mirror("4.15.0-0.okd-2024-03-10-010116"), "okd");
            assert.equal(mirror("4.15.12-0.okd-2024-03-10-010116"), "okd");
            assert.equal(mirror("10.1.0-0.okd-2024-03-10-010116"), "okd");
            assert.equal(mirror("x4.15.0-0.okd-2024-03-10-010116"), undefined);
            assert.equal(mirror("4.15.0-0.okd-2024-03-10-010116x"), undefined);
            assert.equal(mirror("4.15.0-0.okd-2024-03-10"), undefined);
        });
    });

    describe("what is wrong with a stream", () => {
        it("says nothing of a minor the schema refuses (it has its own message)", () => {
            for (const minor of ["14.16", "4.16.1", "4.016", "04.16", "4.", "6.0"]) {
                assert.deepEqual(variantIssues({ minor, variant: "okd" }), [], minor);
            }
        });

        it("compares a one-digit minor, and takes each variant's first minor", () => {
            assert.deepEqual(
                variantIssues({ minor: "4.9", variant: "scos" }).map((i) => i.field),
                ["variant"],
            );
            assert.deepEqual(variantIssues({ minor: "4.12", variant: "scos" }), []);
            assert.deepEqual(variantIssues({ minor: "4.12", variant: "okd" }), []);
            assert.deepEqual(variantIssues({ minor: "4.12" }), []);
            assert.deepEqual(variantIssues({ minor: "4.15" }), []);
        });

        it("says which default the stream took when its base payload is of the other line", () => {
            assert.deepEqual(
                variantIssues({ minor: "4.16", basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116" }),
                [
                    {
                        field: "basePayload",
                        message:
                            'is an OKD/FCOS payload, but the stream is variant "scos" (the default from 4.16), which ships CentOS Stream CoreOS on an OKD/SCOS payload (quay.io/okd/scos-release:<release>); use an OKD/SCOS base payload',
                    },
                ],
            );
            assert.deepEqual(
                variantIssues({
                    minor: "4.15",
                    variant: "scos",
                    basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
                }),
                [
                    {
                        field: "basePayload",
                        message:
                            'is an OKD/FCOS payload, but the stream is variant "scos", which ships CentOS Stream CoreOS on an OKD/SCOS payload (quay.io/okd/scos-release:<release>); use an OKD/SCOS base payload, or set variant: okd',
                    },
                ],
            );
            assert.deepEqual(
                variantIssues({
                    minor: "4.16",
                    variant: "scos",
                    basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
                }).map((i) => i.message.endsWith("use an OKD/SCOS base payload")),
                [true],
            );
            assert.deepEqual(
                variantIssues({
                    minor: "4.14",
                    variant: "okd",
                    basePayload: "quay.io/okd/scos-release:4.14.0-okd-scos.1",
                })
                    .map((i) => i.message)[0]
                    .startsWith('is an OKD/SCOS payload, but the stream is variant "okd", which layers'),
                true,
            );
            assert.deepEqual(
                variantIssues({ minor: "4.16", basePayload: "quay.io/okd/scos-release:4.16.0-okd-scos.1" }),
                [],
            );
        });

        it("says why a minor is too old for the variant, on the key that chose it", () => {
            assert.deepEqual(variantIssues({ minor: "4.11", variant: "scos" }), [
                {
                    field: "variant",
                    message:
                        "has no OKD/SCOS release: OKD on CentOS Stream CoreOS begins with 4.12 (4.12.0-0.okd-scos); expected a minor from 4.12",
                },
            ]);
            assert.deepEqual(variantIssues({ minor: "4.11" }), [
                {
                    field: "minor",
                    message:
                        "is older than any OKD/FCOS minor okd-ci builds: machine-os is layered on a Fedora CoreOS image as openshift/okd-machine-os does from release-4.12 (4.11 and earlier shipped a coreos-assembler machine-os-content); expected a minor from 4.12",
                },
            ]);
            assert.deepEqual(
                variantIssues({ minor: "4.11", variant: "okd" }).map((i) => i.field),
                ["variant"],
            );
            assert.deepEqual(variantIssues({ minor: "4.16", variant: "okd" }), [
                {
                    field: "variant",
                    message:
                        '"okd" (OKD on Fedora CoreOS) has no 4.16 release: OKD/FCOS ends at 4.15 and every OKD release since is OKD/SCOS on CentOS Stream CoreOS; expected "scos" (the default from 4.16)',
                },
            ]);
            assert.deepEqual(variantIssues({ minor: "4.15", variant: "okd" }), []);
        });

        it("refuses each variant's own keys on the other", () => {
            assert.deepEqual(variantIssues({ minor: "4.22", fcosStream: "stable" }), [
                {
                    field: "fcosStream",
                    message:
                        'applies only to variant "okd" (machine-os layered on Fedora CoreOS); an scos stream takes its node image from nodeImage (CentOS Stream CoreOS); remove it',
                },
            ]);
            assert.deepEqual(variantIssues({ minor: "4.15", fcosStream: "stable" }), []);
            const okdOnly =
                'applies only to variant "scos"; an okd stream builds its machine-os from Fedora CoreOS (fcosStream); remove it';
            assert.deepEqual(
                variantIssues({ minor: "4.15", nodeImage: "quay.io/x/n:1", nodeExtensionsImage: "quay.io/x/e:1" }),
                [
                    { field: "nodeImage", message: okdOnly },
                    { field: "nodeExtensionsImage", message: okdOnly },
                ],
            );
            assert.deepEqual(variantIssues({ minor: "4.15", nodeExtensionsImage: "quay.io/x/e:1" }), [
                { field: "nodeExtensionsImage", message: okdOnly },
            ]);
            // An okd stream's payload check still runs before its own keys are looked at.
            assert.deepEqual(
                variantIssues({ minor: "4.14", basePayload: "quay.io/okd/scos-release:4.14.0-okd-scos.1" }).map(
                    (i) => i.message,
                ),
                [
                    'is an OKD/SCOS payload, but the stream is variant "okd" (the default up to 4.15), which layers Fedora CoreOS on an OKD/FCOS payload (quay.io/openshift/okd:<release>); set variant: scos, or use an OKD/FCOS base payload',
                ],
            );
        });

        it("takes an extensions image where the minor's payload has a tag for it", () => {
            assert.deepEqual(
                variantIssues({ minor: "4.13", variant: "scos", nodeExtensionsImage: "quay.io/x/y:1" }),
                [],
            );
            assert.deepEqual(variantIssues({ minor: "4.12", variant: "scos", nodeImage: "quay.io/x/y:1" }), []);
            assert.deepEqual(variantIssues({ minor: "4.12", variant: "scos", nodeExtensionsImage: "quay.io/x/y:1" }), [
                {
                    field: "nodeExtensionsImage",
                    message:
                        "has no payload tag in OKD/SCOS 4.12: its machine-config-operator names no extensions image; remove it",
                },
            ]);
        });
    });
});
