/**
 * src/config/formats.ts: the hints and messages configuration errors carry (did-you-mean, the quoting hint for
 * versions YAML read as numbers, CIDR blocks, unknown fields), each compared in full.
 */
import * as assert from "node:assert/strict";

import { z } from "zod";

import { cidrBlock, didYouMean, quoteHint, strictObject } from "../../src/config/formats";

const messages = (schema: z.ZodType, value: unknown): string[] => {
    const r = schema.safeParse(value);
    return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe("configuration formats: messages", () => {
    it("suggests a close known name, within two edits or a third of the length", () => {
        assert.equal(didYouMean("brnach", ["branch", "minor"]), " (did you mean branch?)");
        assert.equal(didYouMean("x", []), "");
        assert.equal(didYouMean("abcdefghijkl", ["abcdefghizzz"]), " (did you mean abcdefghizzz?)", "3 edits of 12");
        assert.equal(didYouMean("abcdefghi", ["abcdefzzz"]), " (did you mean abcdefzzz?)", "3 edits of 9");
        assert.equal(didYouMean("abcdefgh", ["abcdezzz"]), "", "3 edits of 8 is too far");
        assert.equal(didYouMean("ab", ["zz"]), " (did you mean zz?)", "2 edits always pass");
    });

    it("hints to quote a version YAML read as a number, offering the lost trailing zero", () => {
        const example = (text: string) => `okd-ci:kubernetesVersion: ${text}`;
        assert.equal(
            quoteHint(1.3, example),
            '; YAML reads an unquoted version as a number, so quote it: okd-ci:kubernetesVersion: "1.30" (or okd-ci:kubernetesVersion: "1.3" if you meant 1.3)',
        );
        assert.equal(
            quoteHint(1.31, example),
            '; YAML reads an unquoted version as a number, so quote it: okd-ci:kubernetesVersion: "1.31"',
        );
        assert.equal(
            quoteHint(14.25, example),
            '; YAML reads an unquoted version as a number, so quote it: okd-ci:kubernetesVersion: "14.25"',
        );
        assert.equal(
            quoteHint("4.2", example).startsWith(
                '; YAML reads an unquoted version as a number, so quote it: okd-ci:kubernetesVersion: "4.20"',
            ),
            true,
        );
        assert.equal(quoteHint("12.2", example).includes('"12.20"'), true);
        for (const value of ["4.20", "1.31", 4, "x1.3", "1.3x", "v4.2", true, undefined]) {
            assert.equal(quoteHint(value, example), "", String(value));
        }
    });

    it("refuses a CIDR block that is not one, or not its network address", () => {
        assert.deepEqual(messages(cidrBlock, "203.0.113.0/24"), []);
        assert.deepEqual(messages(cidrBlock, "2001:db8::/32"), []);
        assert.deepEqual(messages(cidrBlock, "203.0.113.0"), [
            "expected a CIDR block such as 203.0.113.0/24 or 2001:db8::/32",
        ]);
        assert.deepEqual(messages(cidrBlock, "203.0.113.7/24"), ["is not a network address; expected 203.0.113.0/24"]);
        assert.deepEqual(messages(cidrBlock, "2001:db8::1/32"), ["is not a network address; expected 2001:db8::/32"]);
        assert.deepEqual(
            cidrBlock.safeParse("203.0.113.7/24").error?.issues.map((i) => i.code),
            ["custom"],
        );
    });

    it("names unknown fields, with a suggestion for one, and the fields it allows", () => {
        const s = strictObject({ branch: z.string().optional(), minor: z.string().optional() });
        assert.deepEqual(messages(s, { brnach: "x" }), [
            "has unknown field brnach (did you mean branch?); expected only branch, minor",
        ]);
        assert.deepEqual(messages(s, { brnach: "x", zzzzzzzzzz: 1 }), [
            "has unknown fields brnach, zzzzzzzzzz; expected only branch, minor",
        ]);
        assert.deepEqual(messages(s, { zzzzzzzzzz: 1 }), ["has unknown field zzzzzzzzzz; expected only branch, minor"]);
        assert.notDeepEqual(messages(s, { branch: 3 }), [], "other issues keep zod's own message");
        assert.ok(!messages(s, { branch: 3 })[0].startsWith("has unknown field"));
    });
});
