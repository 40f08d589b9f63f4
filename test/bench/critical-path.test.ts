/** bench/critical-path.ts: the modelled critical path `npm run bench` prints for every Pipeline. */
import * as assert from "node:assert/strict";
import * as path from "node:path";

import { type Duration, criticalPath, pipelineTasks, readDurations, taskMinutes } from "../../bench/critical-path";

const row = (task: string, minutes: number, combination = "", waitsFor: string[] = []): Duration => ({
    task,
    combination,
    minutes,
    waitsFor,
    source: "estimate: test",
});

describe("the modelled critical path (bench/critical-path.ts)", () => {
    const durations = [
        row("t-tools", 5),
        row("t-node", 30),
        row("t-build", 10),
        row("t-build", 50, "big"),
        row("t-use", 7),
        row("t-e2e-*", 100),
        row("t-e2e-destroy-*", 15),
        row("t-final", 3, "", ["destroy-*"]),
    ];
    const pipeline = {
        spec: {
            tasks: [
                { name: "tools", taskRef: { name: "t-tools" } },
                { name: "node", taskRef: { name: "t-node" }, runAfter: ["tools"] },
                {
                    name: "build",
                    taskRef: { name: "t-build" },
                    runAfter: ["tools"],
                    matrix: { include: [{ name: "small" }, { name: "big" }] },
                },
                // No runAfter: the result reference alone orders it after build and node.
                {
                    name: "use",
                    taskRef: { name: "t-use" },
                    params: [{ name: "x", value: "$(tasks.build.results.BUILT[*]) $(tasks.node.results.IMAGE)" }],
                },
                { name: "e2e-aws", taskRef: { name: "t-e2e-aws" }, runAfter: ["use"] },
            ],
            finally: [
                { name: "destroy-aws", taskRef: { name: "t-e2e-destroy-aws" } },
                { name: "final", taskRef: { name: "t-final" }, params: [{ name: "s", value: "$(tasks.status)" }] },
            ],
        },
    };

    it("follows runAfter and result references, takes a matrix's slowest combination, then finally", () => {
        const nodes = pipelineTasks(pipeline);
        assert.deepEqual(nodes.find((n) => n.name === "use")?.deps.sort(), ["build", "node"]);
        const p = criticalPath("p", nodes, durations);
        assert.deepEqual(
            p.path.map((t) => [t.name, t.minutes, t.endsAt]),
            [
                ["tools", 5, 5],
                ["build", 50, 55],
                ["use", 7, 62],
                ["e2e-aws", 100, 162],
                // The most specific row (t-e2e-destroy-*) wins over t-e2e-*; final waits for it in its script.
                ["destroy-aws", 15, 177],
                ["final", 3, 180],
            ],
        );
        assert.equal(p.minutes, 180);
    });

    it("names a Task without a duration instead of guessing one", () => {
        assert.throws(
            () => taskMinutes({ name: "x", task: "t-unknown", deps: [], finally: false, combinations: [] }, durations),
            /no duration for Task t-unknown \(pipeline task x\)/,
        );
    });

    it("reads the durations table of docs/performance.md, every row with a source", () => {
        const rows = readDurations(path.resolve(__dirname, "..", "..", "docs", "performance.md"));
        assert.ok(rows.some((r) => r.task === "okd-build-component" && r.combination === ""));
        assert.deepEqual(rows.find((r) => r.task === "okd-finalize-record")?.waitsFor, ["destroy-*"]);
        for (const r of rows) {
            assert.match(r.source, /^estimate: .{20,}|^[a-z-]+\/[a-z-]+ /, `${r.task} ${r.combination}`);
        }
    });
});
