/**
 * The README's commands and examples work as written on the shipped stack files.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import * as YAML from "yaml";

import { loadConfig } from "../../src/config/load";
import { configSource, readStackConfig } from "../../src/synth/stackfile";
import { root } from "../synth/run";

const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");

/** The fenced blocks of one `## ` section, by language. */
function blocks(section: string, lang: string): string[] {
    const start = readme.indexOf(`\n## ${section}\n`);
    assert.ok(start >= 0, `README has a "${section}" section`);
    const end = readme.indexOf("\n## ", start + 1);
    const body = readme.slice(start, end < 0 ? undefined : end);
    return [...body.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
}

describe("README", () => {
    it('"Add a release stream" adds a stream the aws stack validates with, for a minor it does not have', () => {
        const [example] = blocks("Add a release stream", "yaml");
        const added = (YAML.parse(example) as Record<string, unknown[]>)["okd-ci:streams"];
        assert.equal(added.length, 1);
        const cfg = readStackConfig(root, "aws");
        const streams = [...(JSON.parse(cfg.config["okd-ci:streams"]) as unknown[]), ...added];
        const config = {
            ...cfg.config,
            "okd-ci:streams": JSON.stringify(streams),
            // What the stack's required secrets would be once set (test/config/stack-secrets.test.ts checks which).
            "okd-ci:mirrorCredentials": "[secret]",
            "okd-ci:gateCredentialsAws": "[secret]",
        };
        const c = loadConfig(
            configSource({
                config,
                secretKeys: [...cfg.secretKeys, "okd-ci:mirrorCredentials", "okd-ci:gateCredentialsAws"],
            }),
            "aws",
        );
        assert.equal(c.streams.length, streams.length);
        const minor = (added[0] as { minor: string }).minor;
        assert.match(readme, new RegExp(`out/aws/runs/okd-nightly-${minor.replace(".", "-")}\\.yaml`));
    });
});
