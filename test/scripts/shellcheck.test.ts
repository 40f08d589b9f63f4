import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { loadScript } from "../../components/pipelines/scripts";
import { requireTool, runScript, scriptsDir, tempDir } from "./harness";

describe("step scripts", () => {
    const scripts = fs.readdirSync(scriptsDir).filter((f) => f.endsWith(".sh"));

    before(() => requireTool("shellcheck"));

    it("all pass shellcheck", () => {
        // -x with the scripts' own directory: shellcheck follows each `source lib/…` into the library it includes.
        const r = spawnSync(
            "shellcheck",
            ["--format=gcc", "-x", "--source-path=SCRIPTDIR", ...scripts.map((s) => path.join(scriptsDir, s))],
            {
                encoding: "utf8",
            },
        );
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });

    it("inline their lib/ includes when rendered, and the rendered script behaves like the file", () => {
        const libs = fs.readdirSync(path.join(scriptsDir, "lib"));
        assert.ok(libs.length > 0);
        for (const script of scripts) {
            const rendered = loadScript(script);
            // A step runs its script alone under /tekton/scripts: nothing may be left to source.
            assert.doesNotMatch(rendered, /^\s*(source|\.)\s/m, script);
            for (const lib of libs) {
                if (fs.readFileSync(path.join(scriptsDir, script), "utf8").includes(`/lib/${lib}"`)) {
                    assert.ok(
                        rendered.includes(fs.readFileSync(path.join(scriptsDir, "lib", lib), "utf8").split("\n")[1]),
                        `${script} inlines ${lib}`,
                    );
                }
            }
        }
        // The file run in place (sourcing its library) and the rendered script run alone refuse the same bad key.
        const env = {
            ...process.env,
            IMAGE: `r/okd@sha256:${"a".repeat(64)}`,
            ASSEMBLE_TASK: "okd-assemble-release",
            MINOR: "4.15",
            TLS_VERIFY: "true",
            KEY_REF: "hashivault://k",
        };
        const inPlace = spawnSync("bash", [path.join(scriptsDir, "verify-release.sh")], { env, encoding: "utf8" });
        const alone = runScript("verify-release.sh", {
            IMAGE: env.IMAGE,
            ASSEMBLE_TASK: "okd-assemble-release",
            MINOR: "4.15",
            TLS_VERIFY: "true",
            KEY_REF: "hashivault://k",
        });
        assert.equal(inPlace.status, 2, inPlace.stderr);
        assert.equal(alone.status, 2, alone.stderr);
        assert.equal(alone.stderr, inPlace.stderr);
        assert.match(alone.stderr, /KEY_REF 'hashivault:\/\/k' is not an awskms/);
    });

    it("refuses to render a script that sources anything but a lib/ include", () => {
        const dir = tempDir("render");
        try {
            fs.writeFileSync(path.join(dir, "x.sh"), "#!/usr/bin/env bash\nsource /etc/profile\n");
            assert.throws(() => loadScript("x.sh", dir), /x\.sh sources a file that is not a lib\/ include/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
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
