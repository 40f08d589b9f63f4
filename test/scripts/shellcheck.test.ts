import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { requireTool, scriptsDir } from "./harness";

describe("step scripts", () => {
    const scripts = fs.readdirSync(scriptsDir).filter((f) => f.endsWith(".sh"));

    before(() => requireTool("shellcheck"));

    it("all pass shellcheck", () => {
        const r = spawnSync("shellcheck", ["--format=gcc", ...scripts.map((s) => path.join(scriptsDir, s))], {
            encoding: "utf8",
        });
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });

    for (const script of scripts) {
        it(`${script} is strict bash with a header naming what it reads and writes`, () => {
            const text = fs.readFileSync(path.join(scriptsDir, script), "utf8");
            assert.match(text, /^#!\/usr\/bin\/env bash\n/);
            assert.match(text, /^set -euo pipefail$/m);
            assert.match(text, /^# Reads:$/m);
            assert.match(text, /^# Writes:$/m);
            // Inputs come from the environment only: Tekton never splices params into the code.
            assert.doesNotMatch(text, /\$\((params|results|tasks|workspaces|context)\./);
        });
    }
});
