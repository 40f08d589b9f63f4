import * as assert from "node:assert/strict";

import { rendererFile, statusRendererBundle } from "../../components/pipelines/status/bundle";

/** What the publish and release-notes steps run with node: the renderer as one CommonJS file. */
describe("the status renderer bundle", () => {
    let bundle: string;
    before(function () {
        // esbuild runs once per content of its inputs (launch/bundle.js); a changed build option rebuilds it.
        this.timeout(120_000);
        bundle = statusRendererBundle();
    });

    it("is one CommonJS file for node, saying what it is, readable, with zod inside", () => {
        assert.equal(rendererFile, "status.js");
        assert.equal(
            bundle.split("\n").slice(0, 2).join("\n"),
            '// okd-ci release status renderer: scripts/status.ts bundled by esbuild (components/pipelines/status/bundle.ts).\n"use strict";',
        );
        // Node's own modules stay requires; every package is inside (the tools image has no node_modules).
        assert.match(bundle, /require\("node:child_process"\)/);
        assert.doesNotMatch(bundle, /require\("zod/);
        assert.doesNotMatch(bundle, /^import /m, "not an ES module");
        // Not minified: a step's failure points at a readable line.
        assert.match(bundle, /^function buildStatus\(tree, \w+\) \{$/m);
        assert.equal(statusRendererBundle(), bundle, "read once per process");
    });

    it("is read as text by a module loaded afresh, the same text", () => {
        // A fresh copy of the module, whose cache is empty: what the first synth of a process runs.
        const id = require.resolve("../../components/pipelines/status/bundle");
        const loaded = require.cache[id];
        delete require.cache[id];
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const fresh = require(id) as { rendererFile: unknown; statusRendererBundle(): unknown };
            assert.equal(fresh.rendererFile, "status.js");
            const text = fresh.statusRendererBundle();
            assert.equal(typeof text, "string");
            assert.equal(text, bundle);
        } finally {
            if (loaded !== undefined) require.cache[id] = loaded;
        }
    });
});
