import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import * as YAML from "yaml";

import { configReference, consumersDoc, pulumiYaml } from "../../scripts/gen-config";
import { keys } from "../../src/config/schema";

const root = path.resolve(__dirname, "..", "..");

describe("declared configuration", () => {
    it("Pulumi.yaml declares exactly the keys of the model, generated from it", () => {
        const onDisk = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
        assert.equal(onDisk, pulumiYaml(), "Pulumi.yaml is out of date: run npm run gen:config");
        const declared = Object.keys(YAML.parse(onDisk).config).sort();
        assert.deepEqual(declared, Object.keys(keys).sort());
    });

    it("declares a description for every key and a default for every optional one", () => {
        const config = YAML.parse(pulumiYaml()).config as Record<string, { description?: string; default?: unknown }>;
        for (const [key, decl] of Object.entries(config)) {
            assert.ok(decl.description && decl.description.length > 10, `${key} has no description`);
            if (key !== "platform") assert.notEqual(decl.default, undefined, `${key} has no default`);
        }
    });

    it("declares every default of the type it declares, as the Pulumi CLI checks when it loads the project", () => {
        // pulumi/pulumi sdk/go/common/workspace/project.go: "The default value specified for configuration key '…' is
        // not of the expected type '…'" (found by npm run test:engine on a platform-dependent integer default).
        const config = YAML.parse(pulumiYaml()).config as Record<string, { type?: string; default?: unknown }>;
        const ofType: Record<string, (v: unknown) => boolean> = {
            string: (v) => typeof v === "string",
            integer: (v) => Number.isInteger(v),
            boolean: (v) => typeof v === "boolean",
            array: (v) => Array.isArray(v),
        };
        const wrong = Object.entries(config)
            .filter(([, d]) => d.type !== undefined && d.default !== undefined && !ofType[d.type](d.default))
            .map(([key, d]) => `${key}: ${d.type} with default ${JSON.stringify(d.default)}`);
        assert.deepEqual(wrong, []);
    });

    it("the README's config reference matches the model", () => {
        const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
        assert.ok(readme.includes(configReference()), "README config reference is out of date: run npm run gen:config");
    });

    it("docs/configuration.md is the consumer table, generated from it", () => {
        const onDisk = fs.readFileSync(path.join(root, "docs", "configuration.md"), "utf8");
        assert.equal(onDisk, consumersDoc(), "docs/configuration.md is out of date: run npm run gen:config");
    });

    it("every stack file sets only declared keys", () => {
        for (const file of fs.readdirSync(root).filter((f) => /^Pulumi\..+\.yaml$/.test(f))) {
            const config = (YAML.parse(fs.readFileSync(path.join(root, file), "utf8")).config ?? {}) as Record<
                string,
                unknown
            >;
            for (const key of Object.keys(config).filter((k) => k.startsWith("okd-ci:"))) {
                assert.ok(key.slice("okd-ci:".length) in keys, `${file} sets undeclared ${key}`);
            }
        }
    });
});
