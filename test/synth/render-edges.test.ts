/**
 * Edges of src/synth/render.ts that test/synth/render.test.ts leaves open: long values with spaces (which YAML folds
 * at 80 columns unless told not to), runs of unsafe characters in file names, objects without metadata, the order
 * of the files, and the summary of a stack with no children or leaves registered out of order.
 */
import * as assert from "node:assert/strict";

import * as YAML from "yaml";

import { type Plan, type PlanResource, buildPlan, renderManifests, summarize } from "../../src/synth/render";

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

describe("synth rendering: edges", () => {
    it("keeps a long value with spaces on one line, in objects and in the remote sources", () => {
        const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ");
        const files = renderManifests(
            plan([
                planned({
                    urn: "urn:cm",
                    type: "kubernetes:core/v1:ConfigMap",
                    name: "cm",
                    inputs: { kind: "ConfigMap", metadata: { name: "cm", namespace: "ns" }, data: { script: words } },
                }),
                planned({
                    urn: "urn:file",
                    type: "kubernetes:yaml/v2:ConfigFile",
                    name: "release",
                    inputs: { file: `https://example.com/${words.replaceAll(" ", "%20")} ${words}` },
                }),
            ]),
        );
        assert.deepEqual(
            files.map((f) => f.file),
            ["_remote-sources.yaml", "configmap_ns_cm.yaml"],
        );
        assert.ok(files[1].content.includes(`  script: ${words}\n`), files[1].content);
        assert.ok(
            files[0].content.split("\n").some((l) => l.includes(words) && l.length > 200),
            files[0].content,
        );
        assert.equal(
            files[0].content.split("\n").slice(0, 2).join("\n"),
            "# Objects applied from remote manifests and charts: the provider renders these at deploy time,\n" +
                "# so synth lists each by its pinned source instead of its objects.",
        );
    });

    it("names files by kind, namespace and name with each run of other characters one dash, sorted by file", () => {
        const files = renderManifests(
            plan([
                planned({
                    urn: "urn:a",
                    type: "kubernetes:core/v1:Secret",
                    name: "s",
                    inputs: { kind: "Secret", metadata: { name: "Web__Hook  Token", namespace: "okd builds" } },
                }),
                planned({
                    urn: "urn:b",
                    type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
                    name: "read",
                    inputs: { kind: "ClusterRole" },
                }),
                planned({
                    urn: "urn:c",
                    type: "kubernetes:core/v1:ConfigMap",
                    name: "cm",
                    inputs: { kind: "ConfigMap", metadata: { namespace: "ns" } },
                }),
                planned({ urn: "urn:d", type: "kubernetes:core/v1:ConfigMap", name: "none", inputs: undefined }),
            ]),
        );
        assert.deepEqual(
            files.map((f) => f.file),
            [
                "clusterrole_cluster_read--autonamed-.yaml",
                "configmap_ns_cm--autonamed-.yaml",
                "secret_okd-builds_web-hook-token.yaml",
            ],
        );
        assert.deepEqual(YAML.parse(files[0].content), { kind: "ClusterRole" });
    });

    it("writes the default provider as an empty reference and an explicit one without its id", () => {
        const record = (urn: string, provider: string) => ({
            urn,
            type: "kubernetes:core/v1:Namespace",
            name: urn,
            custom: true,
            parent: "",
            provider,
            dependencies: ["urn:z", "urn:a", "urn:z"],
            protect: false,
            retainOnDelete: false,
            ignoreChanges: [],
            object: { n: 1, s: "x", b: true, nil: null, list: ["b", "a"] },
            inputs: {},
        });
        const p = buildPlan("okd-ci", "ci", [record("urn:2", "urn:p::k8s::id-1"), record("urn:1", "")], {});
        assert.deepEqual(
            p.resources.map((r) => [r.urn, r.provider, r.dependencies, r.inputs]),
            [
                ["urn:1", "", ["urn:a", "urn:z"], { b: true, list: ["b", "a"], n: 1, nil: null, s: "x" }],
                ["urn:2", "urn:p::k8s", ["urn:a", "urn:z"], { b: true, list: ["b", "a"], n: 1, nil: null, s: "x" }],
            ],
        );
    });

    it("summarizes a Stack without children as a component, leaves sorted by type, and no orphan line", () => {
        assert.equal(
            summarize(plan([planned({ urn: "urn:stack", type: "pulumi:pulumi:Stack", name: "okd-ci-ci" })])),
            [
                "okd-ci/ci: 1 resources",
                "",
                "Resources by type:",
                "  pulumi:pulumi:Stack     1",
                "",
                "Component tree:",
                "okd-ci-ci (pulumi:pulumi:Stack)",
            ].join("\n"),
        );
        const leaf = (urn: string, type: string) => planned({ urn, type, name: urn, parent: "urn:stack" });
        assert.equal(
            summarize(
                plan([
                    planned({ urn: "urn:stack", type: "pulumi:pulumi:Stack", name: "okd-ci-ci" }),
                    leaf("urn:1", "random:index/randomId:RandomId"),
                    leaf("urn:2", "kubernetes:core/v1:Secret"),
                    leaf("urn:3", "random:index/randomId:RandomId"),
                ]),
            )
                .split("Component tree:\n")
                .at(1),
            [
                "okd-ci-ci (pulumi:pulumi:Stack)",
                "  - 1 x kubernetes:core/v1:Secret",
                "  - 2 x random:index/randomId:RandomId",
            ].join("\n"),
        );
    });
});
