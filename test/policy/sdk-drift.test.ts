import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { tokenSources } from "../../policy/token-sources";
import { root } from "../synth/run";

/** Top-level property names of `export interface <name> { ... }` in a generated SDK .d.ts. */
function argsProperties(dts: string, name: string): string[] {
    const start = dts.indexOf(`export interface ${name} {`);
    if (start < 0) return [];
    const body = dts.slice(start, dts.indexOf("\n}", start));
    return [...body.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]);
}

describe("policy type tokens and properties against the installed SDKs", () => {
    for (const { token, file, args, props } of tokenSources) {
        it(`${token} exists and declares ${props.join(", ") || "its args"}`, () => {
            const base = path.join(root, "node_modules", "@pulumi", file);
            const js = fs.readFileSync(`${base}.js`, "utf8");
            assert.ok(js.includes(`__pulumiType = '${token}'`), `${file}.js does not declare ${token}`);
            const declared = argsProperties(fs.readFileSync(`${base}.d.ts`, "utf8"), args);
            assert.ok(declared.length > 0, `${file}.d.ts has no interface ${args}`);
            for (const p of props) {
                assert.ok(declared.includes(p), `${args} has no property ${p}: ${declared.join(", ")}`);
            }
        });
    }
});
