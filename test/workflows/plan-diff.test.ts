import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { diffDirs, diffPlans, differingPaths, renderMarkdown, shortUrn } from "../../scripts/plan-diff";
import type { Plan, PlanResource } from "../../src/synth/render";

const resource = (name: string, inputs: Record<string, unknown>, protect = false): PlanResource => ({
    urn: `urn:pulumi:ci::okd-ci::okd-ci:local:Site$kubernetes:core/v1:Service::${name}`,
    type: "kubernetes:core/v1:Service",
    name,
    parent: "",
    provider: "",
    dependencies: [],
    protect,
    retainOnDelete: protect,
    inputs,
});
const plan = (...resources: PlanResource[]): Plan => ({ project: "okd-ci", stack: "ci", resources, outputs: {} });

describe("plan diff", () => {
    const kept = resource("kept", { spec: { ports: [{ port: 80 }] } });
    const changed = resource("changed", { spec: { replicas: 1, selector: { a: "b" } } });
    const gone = resource("gone", {});
    const added = resource("added", {});
    const base = plan(kept, changed, gone);
    const head = plan(
        kept,
        { ...changed, protect: true, inputs: { spec: { replicas: 2, selector: { a: "b" } } } },
        added,
    );

    it("lists adds, changes and deletes by URN", () => {
        const d = diffPlans("ci", base, head);
        assert.deepEqual(d.adds, [added.urn]);
        assert.deepEqual(d.deletes, [gone.urn]);
        assert.deepEqual(d.changes, [{ urn: changed.urn, fields: ["protect", "inputs.spec.replicas"] }]);
        assert.equal(d.stackStatus, "both");
    });

    it("reports a stack that exists only on one side as added or removed", () => {
        assert.equal(diffPlans("aws", undefined, head).stackStatus, "added");
        assert.deepEqual(diffPlans("aws", undefined, head).adds.length, 3);
        assert.equal(diffPlans("aws", base, undefined).stackStatus, "removed");
    });

    it("stops descending at four levels so a changed container list is one entry", () => {
        const a = { spec: { template: { spec: { containers: [{ image: "a:1" }] } } } };
        const b = { spec: { template: { spec: { containers: [{ image: "a:2" }] } } } };
        assert.deepEqual(differingPaths(a, b, ""), ["spec.template.spec.containers"]);
    });

    it("renders a summary table and a section per changed stack", () => {
        const md = renderMarkdown([diffPlans("ci", base, head), diffPlans("gcp", base, base)]);
        assert.match(md, /\| ci \| 1 \| 1 \| 1 \| 3 \|/);
        assert.match(md, /\| gcp \| 0 \| 0 \| 0 \| 3 \|/);
        assert.match(md, /- `~` `kubernetes:core\/v1:Service::changed`: `protect`, `inputs.spec.replicas`/);
        assert.ok(!md.includes("<b>gcp</b>"), "an unchanged stack gets no section");
    });

    it("reads <dir>/<stack>/plan.json from both directories", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-plan-diff-"));
        try {
            for (const [dir, p] of [
                ["base", base],
                ["head", head],
            ] as const) {
                fs.mkdirSync(path.join(tmp, dir, "ci"), { recursive: true });
                fs.writeFileSync(path.join(tmp, dir, "ci", "plan.json"), JSON.stringify(p));
            }
            const diffs = diffDirs(path.join(tmp, "base"), path.join(tmp, "head"));
            assert.deepEqual(
                diffs.map((d) => [d.stack, d.adds.length, d.changes.length, d.deletes.length]),
                [["ci", 1, 1, 1]],
            );
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });

    it("shortens a URN to its type and name", () => {
        assert.equal(shortUrn(changed.urn), "kubernetes:core/v1:Service::changed");
    });
});
