/**
 * The nightly's component builds: one fan-out by default (every component whose build needs no other component of the
 * run in one matrix), batches only when `maxParallelBuilds` caps it, never more than Tekton's matrix limit per task.
 */
import * as assert from "node:assert/strict";

import YAML from "yaml";

import { maxMatrixCombinations } from "../../../components/pipelines";
import { streamBatches } from "../../../components/pipelines/nightly";
import type { Stream } from "../../../src/config/schema";
import { defaultComponents } from "../../../components/shared/variants";
import { readStackConfig } from "../../../src/synth/stackfile";
import { root, synthInProcess } from "../../synth/run";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const nightly = (manifests: { file: string; content: string }[], minor: string): Obj => {
    const file = `pipeline_okd-builds_okd-nightly-${minor.replace(".", "-")}.yaml`;
    const m = manifests.find((x) => x.file === file);
    assert.ok(m, `no ${file}`);
    return YAML.parse(m.content) as Obj;
};

describe("the nightly's build fan-out", () => {
    it("puts every component that builds from no other in one matrix, the rest right after (aws stack, OKD/FCOS 4.15)", async () => {
        const { manifests } = await synthInProcess("aws");
        const tasks = nightly(manifests, "4.15").spec.tasks as Obj[];
        const builds = tasks.filter((t) => t.name.startsWith("build-components-"));
        assert.deepEqual(
            builds.map((b) => [b.name, b.runAfter, b.matrix.include.map((i: Obj) => i.name)]),
            [
                [
                    "build-components-1",
                    ["tools-image"],
                    [
                        "installer",
                        "baremetal-installer",
                        "machine-config-operator",
                        "cluster-samples-operator",
                        "operator-marketplace",
                        "cluster-update-keys",
                        "ironic",
                    ],
                ],
                // installer-artifacts builds FROM this run's installer.
                ["build-components-2", ["build-components-1"], ["installer-artifacts"]],
            ],
        );
    });

    it("builds an OKD/SCOS stream's components in a single matrix (aws stack, 4.16)", async () => {
        const { manifests } = await synthInProcess("aws");
        const builds = (nightly(manifests, "4.16").spec.tasks as Obj[]).filter((t) => t.name.startsWith("build-"));
        assert.deepEqual(
            builds.map((b) => [b.name, b.matrix.include.length]),
            [["build-components-1", 8]],
        );
    });

    it("caps builds at maxParallelBuilds when the stack sets it", async () => {
        const stack = readStackConfig(root, "aws");
        const { manifests } = await synthInProcess("aws", {
            ...stack,
            config: { ...stack.config, "okd-ci:maxParallelBuilds": "3" },
        });
        const builds = (nightly(manifests, "4.16").spec.tasks as Obj[]).filter((t) => t.name.startsWith("build-"));
        assert.deepEqual(
            builds.map((b) => [b.name, b.runAfter, b.matrix.include.length]),
            [
                ["build-components-1", ["tools-image"], 3],
                ["build-components-2", ["build-components-1"], 3],
                ["build-components-3", ["build-components-2"], 2],
            ],
        );
    });

    it("splits a stream with more components than Tekton's matrix allows into matrices of at most 256", () => {
        const base = defaultComponents("okd", "4.15")[3];
        const stream = {
            components: Array.from({ length: 300 }, (_, i) => ({ ...base, name: `c${i}` })),
        } as unknown as Stream;
        assert.deepEqual(
            streamBatches(stream, maxMatrixCombinations).map((b) => b.length),
            [256, 44],
        );
    });
});
