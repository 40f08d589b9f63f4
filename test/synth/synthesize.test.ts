/**
 * `synthesize()` and `writeSynth()` (src/synth/synth.ts) in this process, the way the synth CLI calls them, so that
 * what they do is judged where StrykerJS can see it (test/synth/synth.test.ts runs the CLI as a user would, in a
 * child process, from the program bundle). Pulumi's runtime is global: `synthesize()` installs its own mocks, so the
 * suite's `useMocks()` puts the runtime of the suites around it back when it ends.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ConfigError } from "../../src/config/load";
import { Recorder } from "../../src/synth/recorder";
import { type ManifestFile, UNKNOWN, planJson, renderManifests, summarize } from "../../src/synth/render";
import { handRuns } from "../../src/synth/runs";
import { type StackConfig, readStackConfig } from "../../src/synth/stackfile";
import { type SynthResult, synthesize, writeSynth } from "../../src/synth/synth";
import { useMocks } from "../helpers";
import { root } from "./run";

/** The ci stack's configuration with one stream promoting (mirror repositories set, no push credentials). */
function promotingCi(): StackConfig {
    const ci = readStackConfig(root, "ci");
    const streams = JSON.parse(ci.config["okd-ci:streams"]) as Record<string, unknown>[];
    streams[0].promote = true;
    return {
        config: {
            ...ci.config,
            "okd-ci:streams": JSON.stringify(streams),
            "okd-ci:mirrorReleaseRepository": "quay.io/okd/scos-release",
            "okd-ci:mirrorContentRepository": "quay.io/okd/scos-content",
        },
        secretKeys: [],
    };
}

describe("synthesize() in-process", () => {
    useMocks();

    // Each test synthesizes for itself (about half a second): StrykerJS runs only the tests that covered a mutant,
    // and code run in a `before` hook is not traced to the tests that read its result.

    it("plans, renders and summarizes the stack as a preview would, marking where its time goes", async () => {
        performance.clearMarks();
        const listeners = process.listenerCount("unhandledRejection");
        const ci = await synthesize("ci", readStackConfig(root, "ci"));
        assert.equal(process.listenerCount("unhandledRejection"), listeners, "no rejection listener left behind");
        assert.deepEqual(
            performance
                .getEntriesByType("mark")
                .map((m) => m.name)
                .filter((n) => n.startsWith("okd-ci:")),
            [
                "okd-ci:mocks-installed",
                "okd-ci:config-validated",
                "okd-ci:program-returned",
                "okd-ci:engine-settled",
                "okd-ci:rendered",
            ],
            "the marks npm run bench reads, in order",
        );

        assert.equal(ci.plan.project, "okd-ci");
        assert.equal(ci.plan.stack, "ci");
        const stack = ci.plan.resources.filter((r) => r.type === "pulumi:pulumi:Stack");
        assert.deepEqual(
            stack.map((r) => [r.urn, r.parent]),
            [["urn:pulumi:ci::okd-ci::pulumi:pulumi:Stack::okd-ci-ci", ""]],
        );
        const outputs = ci.plan.outputs as Record<string, unknown>;
        assert.equal(outputs.platform, "local");
        assert.equal(outputs.artifacts, "s3://okd-artifacts/");
        assert.deepEqual(outputs.pipelines, [{ minor: "4.22", nightly: "okd-nightly-4-22" }]);
        assert.equal(outputs.webhookService, "okd-github-webhook");
        // Generated at apply time (a RandomPassword, the Chains key): a preview cannot know them.
        assert.equal(outputs.chainsPublicKey, UNKNOWN);
        assert.equal(outputs.webhookSecret, UNKNOWN);
        // Every resource the program registered, as the recorder kept it (the root Stack among them).
        assert.ok(ci.recorder instanceof Recorder);
        assert.deepEqual(
            ci.plan.resources.map((r) => r.urn),
            ci.recorder.resources.map((r) => r.urn).sort(),
        );
        assert.ok(ci.plan.resources.length > 100, `${ci.plan.resources.length} resources`);
        // The mocks of a preview give custom resources no id.
        assert.equal(
            ci.recorder.newResource({ type: "t:m:R", name: "r", inputs: {}, provider: "", custom: true }).id,
            undefined,
        );

        assert.deepEqual(ci.manifests, renderManifests(ci.plan));
        assert.ok(ci.manifests.length > 50);
        assert.deepEqual(ci.runs, handRuns(ci.plan));
        assert.deepEqual(
            ci.runs.map((r) => r.file),
            ["okd-nightly-4-22.yaml"],
        );
        assert.equal(ci.summary, summarize(ci.plan));
        assert.match(ci.summary, /^okd-ci\/ci: \d+ resources\n/);
        assert.deepEqual(ci.placeholders, [], "the ci stack needs no secret");
    });

    it("gives the same plan when run again in the same process", async () => {
        const first = await synthesize("ci", readStackConfig(root, "ci"));
        const again = await synthesize("ci", readStackConfig(root, "ci"));
        assert.equal(planJson(again.plan), planJson(first.plan));
        assert.ok(again.plan.resources.length > 100);
    });

    it("previews a required secret the stack does not set with a placeholder, and names it", async () => {
        const result = await synthesize("ci", promotingCi());
        assert.deepEqual(
            result.placeholders.map((p) => [p.key, p.command]),
            [["mirrorCredentials", "pulumi config set --secret mirrorCredentials --stack ci < auth.json"]],
        );
        // The placeholder reaches the program as a secret (config validation refuses a secret key in plain text),
        // and no secret value appears in the plan.
        assert.match(planJson(result.plan), /"\[secret\]"/);
    });

    it("rejects a bad configuration, names the key, and still removes its rejection listener", async () => {
        const listeners = process.listenerCount("unhandledRejection");
        const ci = readStackConfig(root, "ci");
        await assert.rejects(
            synthesize("ci", { ...ci, config: { ...ci.config, "okd-ci:platform": "mars" } }),
            (err: Error) => err instanceof ConfigError && err.message.includes("okd-ci:platform"),
        );
        assert.equal(process.listenerCount("unhandledRejection"), listeners);
    });

    it("fails when a promise rejects unhandled while the program runs, instead of writing a partial plan", async () => {
        const running = synthesize("ci", readStackConfig(root, "ci"));
        // What Node emits for a rejection nobody awaits (an Output callback that throws). Emitted here rather than
        // left to Node, which reports a rejection only once its queue of ticks drains: during a synth that can be
        // after the program has finished, and the test would depend on timing.
        process.emit("unhandledRejection", new Error("a rejection nobody handled"), Promise.resolve());
        await assert.rejects(running, new Error("a rejection nobody handled"));
    });
});

describe("writeSynth()", () => {
    let out: string;
    beforeEach(() => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-write-synth-"));
    });
    afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

    /** A synth result with a small plan: writeSynth only writes what it is given. */
    const result = (runs: ManifestFile[]): SynthResult => ({
        plan: { project: "okd-ci", stack: "ci", resources: [], outputs: { platform: "local" } },
        manifests: [
            { file: "namespace_cluster_okd.yaml", content: "kind: Namespace\n" },
            { file: "secret_okd_x.yaml", content: "kind: Secret\n" },
        ],
        runs,
        summary: "okd-ci/ci: 0 resources",
        recorder: new Recorder(),
        placeholders: [],
    });

    const tree = (dir: string): Record<string, string> =>
        Object.fromEntries(
            fs
                .readdirSync(dir, { recursive: true, withFileTypes: true })
                .filter((e) => e.isFile())
                .map((e) => path.join(e.parentPath, e.name))
                .map((f) => [path.relative(dir, f), fs.readFileSync(f, "utf8")])
                .sort(([a], [b]) => (a < b ? -1 : 1)),
        );

    it("writes plan.json, manifests/ and runs/ under <out>/<stack>, replacing what was there", () => {
        const stale = path.join(out, "ci", "manifests", "gone.yaml");
        fs.mkdirSync(path.dirname(stale), { recursive: true });
        fs.writeFileSync(stale, "stale");
        performance.clearMarks("okd-ci:written");
        const r = result([{ file: "okd-nightly-4-22.yaml", content: "kind: PipelineRun\n" }]);
        const dir = writeSynth(out, r);
        assert.equal(dir, path.join(out, "ci"));
        assert.equal(performance.getEntriesByName("okd-ci:written").length, 1, "the mark npm run bench reads");
        assert.deepEqual(tree(dir), {
            "manifests/namespace_cluster_okd.yaml": "kind: Namespace\n",
            "manifests/secret_okd_x.yaml": "kind: Secret\n",
            "plan.json": planJson(r.plan),
            "runs/okd-nightly-4-22.yaml": "kind: PipelineRun\n",
        });
    });

    it("makes no runs/ directory for a stack without hand runs, and leaves other stacks alone", () => {
        const other = path.join(out, "aws", "plan.json");
        fs.mkdirSync(path.dirname(other), { recursive: true });
        fs.writeFileSync(other, "{}");
        const dir = writeSynth(out, result([]));
        assert.equal(fs.existsSync(path.join(dir, "runs")), false);
        assert.deepEqual(Object.keys(tree(dir)), [
            "manifests/namespace_cluster_okd.yaml",
            "manifests/secret_okd_x.yaml",
            "plan.json",
        ]);
        assert.equal(fs.readFileSync(other, "utf8"), "{}");
    });
});
