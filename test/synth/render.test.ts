import * as assert from "node:assert/strict";

import * as YAML from "yaml";

import type { RecordedResource } from "../../src/synth/recorder";
import {
    type Plan,
    type PlanResource,
    SECRET,
    UNKNOWN,
    buildPlan,
    planJson,
    redact,
    renderManifests,
    sig,
    summarize,
} from "../../src/synth/render";

/** A registration as the recorder keeps it, with only what a case sets. */
const recorded = (r: Partial<RecordedResource> & { urn: string; type: string; name: string }): RecordedResource => ({
    custom: true,
    parent: "",
    provider: "",
    dependencies: [],
    protect: false,
    retainOnDelete: false,
    ignoreChanges: [],
    object: {},
    inputs: {},
    ...r,
});

/** A plan resource as synth writes it. */
const planned = (r: Partial<PlanResource> & { urn: string; type: string; name: string }): PlanResource => ({
    parent: "",
    provider: "",
    dependencies: [],
    protect: false,
    retainOnDelete: false,
    inputs: {},
    ...r,
});

const plan = (resources: PlanResource[]): Plan => ({ project: "okd-ci", stack: "ci", resources, outputs: {} });

describe("synth rendering", () => {
    describe("redact", () => {
        it("writes secrets and unknowns as placeholders and resource references as their URN, at any depth", () => {
            const urn = "urn:pulumi:ci::okd-ci::aws:s3/bucketV2:BucketV2::artifacts";
            assert.deepEqual(
                redact({
                    password: { [sig.key]: sig.secret, value: "hunter2" },
                    id: sig.unknown,
                    list: [{ [sig.key]: sig.resource, urn }, "plain", 3, null],
                    output: { [sig.key]: sig.outputValue, value: "known" },
                    secretOutput: { [sig.key]: sig.outputValue, value: "hunter2", secret: true },
                    pending: { [sig.key]: sig.outputValue },
                }),
                {
                    password: SECRET,
                    id: UNKNOWN,
                    list: [urn, "plain", 3, null],
                    output: "known",
                    secretOutput: SECRET,
                    pending: UNKNOWN,
                },
            );
            assert.equal(SECRET, "[secret]");
            assert.equal(UNKNOWN, "[unknown: known after apply]");
        });
    });

    describe("buildPlan", () => {
        const provider = "urn:pulumi:ci::okd-ci::pulumi:providers:aws::default_7_0_0";
        const resources = [
            recorded({
                urn: "urn:b",
                type: "aws:s3/bucketV2:BucketV2",
                name: "b",
                parent: "urn:stack",
                provider: `${provider}::04da6b54`,
                dependencies: ["urn:z", "urn:a", "urn:z"],
                protect: true,
                retainOnDelete: true,
                object: { tags: { z: "1", a: "2" }, secret: { [sig.key]: sig.secret, value: "s" } },
            }),
            recorded({ urn: "urn:a", type: "pulumi:pulumi:Stack", name: "okd-ci-ci" }),
        ];

        it("sorts resources by URN and keys all the way down, and redacts inputs and outputs", () => {
            const p = buildPlan("okd-ci", "ci", resources, { z: 1, a: { [sig.key]: sig.secret, value: "s" } });
            assert.deepEqual(p, {
                project: "okd-ci",
                stack: "ci",
                resources: [
                    {
                        urn: "urn:a",
                        type: "pulumi:pulumi:Stack",
                        name: "okd-ci-ci",
                        parent: "",
                        provider: "",
                        dependencies: [],
                        protect: false,
                        retainOnDelete: false,
                        inputs: {},
                    },
                    {
                        urn: "urn:b",
                        type: "aws:s3/bucketV2:BucketV2",
                        name: "b",
                        parent: "urn:stack",
                        // The provider reference without its id.
                        provider,
                        dependencies: ["urn:a", "urn:z"],
                        protect: true,
                        retainOnDelete: true,
                        inputs: { secret: SECRET, tags: { a: "2", z: "1" } },
                    },
                ],
                outputs: { a: SECRET, z: 1 },
            });
            // Canonical: key order is part of the bytes written.
            assert.deepEqual(Object.keys(p.resources[1].inputs as object), ["secret", "tags"]);
            assert.deepEqual(Object.keys((p.resources[1].inputs as { tags: object }).tags), ["a", "z"]);
            assert.deepEqual(Object.keys(p.outputs as object), ["a", "z"]);
        });

        it("gives the same plan whatever order the resources registered in", () => {
            assert.deepEqual(
                buildPlan("okd-ci", "ci", [...resources].reverse(), {}),
                buildPlan("okd-ci", "ci", resources, {}),
            );
        });

        it("writes the plan as indented JSON with a final newline", () => {
            const p = plan([]);
            assert.equal(planJson(p), `${JSON.stringify(p, null, 2)}\n`);
            assert.equal(planJson(p).split("\n")[1], '  "project": "okd-ci",');
        });
    });

    describe("renderManifests", () => {
        const configMap = planned({
            urn: "urn:cm",
            type: "kubernetes:core/v1:ConfigMap",
            name: "settings",
            inputs: {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "Okd.Settings", namespace: "okd-builds" },
            },
        });
        const namespace = planned({
            urn: "urn:ns",
            type: "kubernetes:core/v1:Namespace",
            name: "ns",
            inputs: { apiVersion: "v1", kind: "Namespace", metadata: {} },
        });

        it("writes each Kubernetes object to <kind>_<namespace>_<name>.yaml, after a comment naming its URN", () => {
            const files = renderManifests(plan([configMap, namespace]));
            assert.deepEqual(
                files.map((f) => f.file),
                ["configmap_okd-builds_okd.settings.yaml", "namespace_cluster_ns--autonamed-.yaml"],
            );
            assert.equal(
                files[0].content,
                "# urn:cm\n\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Okd.Settings\n  namespace: okd-builds\n",
            );
            assert.deepEqual(YAML.parse(files[1].content), namespace.inputs);
        });

        it("keeps the program's key order and long lines whole", () => {
            const long = "x".repeat(200);
            const [file] = renderManifests(
                plan([
                    planned({
                        urn: "urn:s",
                        type: "kubernetes:core/v1:Secret",
                        name: "s",
                        inputs: { kind: "Secret", apiVersion: "v1", metadata: { name: "s" }, data: { k: long } },
                    }),
                ]),
            );
            assert.equal(
                file.content,
                `# urn:s\n\nkind: Secret\napiVersion: v1\nmetadata:\n  name: s\ndata:\n  k: ${long}\n`,
            );
        });

        it("skips providers, cloud resources and objects without a kind", () => {
            const files = renderManifests(
                plan([
                    planned({ urn: "urn:p", type: "pulumi:providers:kubernetes", name: "k8s", inputs: { kind: "x" } }),
                    planned({ urn: "urn:b", type: "aws:s3/bucketV2:BucketV2", name: "b", inputs: { kind: "Bucket" } }),
                    planned({ urn: "urn:c", type: "kubernetes:core/v1:ConfigMap", name: "c", inputs: { kind: 3 } }),
                    planned({ urn: "urn:d", type: "kubernetes:core/v1:ConfigMap", name: "d" }),
                ]),
            );
            assert.deepEqual(files, []);
        });

        it("lists remote manifests and charts by their pinned source, not as objects", () => {
            const files = renderManifests(
                plan([
                    planned({
                        urn: "urn:chart",
                        type: "kubernetes:helm.sh/v4:Chart",
                        name: "tekton",
                        provider: "urn:k8s",
                        inputs: {
                            kind: "ignored",
                            chart: "tekton-pipeline",
                            version: "1.0.0",
                            repositoryOpts: { repo: "https://example.com/charts" },
                            namespace: "tekton-pipelines",
                            values: { a: 1 },
                        },
                    }),
                    planned({
                        urn: "urn:file",
                        type: "kubernetes:yaml/v2:ConfigFile",
                        name: "release",
                        inputs: { file: "https://example.com/release.yaml" },
                    }),
                    planned({
                        urn: "urn:group",
                        type: "kubernetes:yaml/v2:ConfigGroup",
                        name: "inline",
                        inputs: { yaml: "kind: X" },
                    }),
                    planned({
                        urn: "urn:files",
                        type: "kubernetes:yaml/v2:ConfigGroup",
                        name: "files",
                        inputs: { files: ["a.yaml"] },
                    }),
                ]),
            );
            assert.deepEqual(
                files.map((f) => f.file),
                ["_remote-sources.yaml"],
            );
            assert.match(files[0].content, /^# Objects applied from remote manifests and charts:/);
            assert.deepEqual(YAML.parse(files[0].content), {
                remoteSources: [
                    {
                        chart: "tekton-pipeline",
                        name: "tekton",
                        namespace: "tekton-pipelines",
                        provider: "urn:k8s",
                        repository: "https://example.com/charts",
                        type: "kubernetes:helm.sh/v4:Chart",
                        values: { a: 1 },
                        version: "1.0.0",
                    },
                    {
                        file: "https://example.com/release.yaml",
                        name: "release",
                        provider: "",
                        type: "kubernetes:yaml/v2:ConfigFile",
                    },
                    { name: "inline", provider: "", type: "kubernetes:yaml/v2:ConfigGroup", yaml: "(inline)" },
                    { files: ["a.yaml"], name: "files", provider: "", type: "kubernetes:yaml/v2:ConfigGroup" },
                ],
            });
        });

        it("refuses two objects that render to the same file", () => {
            const twin = {
                ...configMap,
                urn: "urn:cm2",
                inputs: { kind: "ConfigMap", metadata: { name: "okd.settings", namespace: "OKD builds" } },
            };
            assert.throws(
                () => renderManifests(plan([configMap, twin])),
                new Error("two Kubernetes objects render to configmap_okd-builds_okd.settings.yaml"),
            );
        });
    });

    describe("summarize", () => {
        it("counts resources by type and draws the component tree, leaves counted under their component", () => {
            const stack = planned({ urn: "urn:stack", type: "pulumi:pulumi:Stack", name: "okd-ci-ci" });
            const site = planned({ urn: "urn:site", type: "okd-ci:local:Site", name: "okd", parent: "urn:stack" });
            const cm = (n: string, parent: string) =>
                planned({ urn: `urn:${n}`, type: "kubernetes:core/v1:ConfigMap", name: n, parent });
            const ns = planned({ urn: "urn:ns", type: "kubernetes:core/v1:Namespace", name: "ns", parent: "urn:site" });
            const orphan = planned({
                urn: "urn:o",
                type: "random:index/randomId:RandomId",
                name: "o",
                parent: "urn:gone",
            });
            assert.equal(
                summarize(
                    plan([stack, site, cm("a", "urn:site"), cm("b", "urn:site"), ns, cm("c", "urn:stack"), orphan]),
                ),
                [
                    "okd-ci/ci: 7 resources",
                    "",
                    "Resources by type:",
                    "  kubernetes:core/v1:ConfigMap       3",
                    "  kubernetes:core/v1:Namespace       1",
                    "  okd-ci:local:Site                  1",
                    "  pulumi:pulumi:Stack                1",
                    "  random:index/randomId:RandomId     1",
                    "",
                    "Component tree:",
                    "okd-ci-ci (pulumi:pulumi:Stack)",
                    "  - 1 x kubernetes:core/v1:ConfigMap",
                    "  okd (okd-ci:local:Site)",
                    "    - 2 x kubernetes:core/v1:ConfigMap",
                    "    - 1 x kubernetes:core/v1:Namespace",
                    "(1 resources without a parent)",
                ].join("\n"),
            );
        });
    });
});
