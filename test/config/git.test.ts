/**
 * streams[].branch against the real git: every branch name the schema accepts, `git check-ref-format --branch`
 * accepts; within the characters the schema allows (letters, digits, `._/-`), the two agree exactly. Characters
 * outside them (quotes, backslashes, spaces) are refused on purpose: the push filter's CEL string and
 * fire-trigger.sh's JSON body would break on them.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

import { streamFields } from "../../src/config/schema";
import { requireTool } from "../scripts/harness";

const names = [
    "master",
    "main",
    "release-4.15",
    "release-4.15.lock",
    "feature/x.y",
    "feature/.hidden",
    ".hidden",
    "a..b",
    "a//b",
    "a/",
    "a.",
    "-x",
    "@",
    "a@b",
    "x/y/z",
    "v1.0_rc-2",
    "a.lock/b",
    "a/b.lock",
    "_",
    "HEAD",
    "it's",
    "a b",
    "a\\b",
    "a~1",
    "a^",
    "a:b",
    "a?",
    "a*",
    "a[b",
    "a@{1}",
];

const ours = (branch: string) => streamFields.shape.branch.safeParse(branch).success;
const gits = (branch: string) => spawnSync("git", ["check-ref-format", "--branch", branch]).status === 0;

describe("git branches", () => {
    before(() => requireTool("git"));

    it("accepts only branch names git accepts", () => {
        assert.deepEqual(
            names.filter((n) => ours(n) && !gits(n)),
            [],
        );
    });

    it("agrees with git on every name made of the characters it allows", () => {
        const plain = names.filter((n) => /^[A-Za-z0-9._/-]+$/.test(n));
        assert.ok(plain.length > 15);
        assert.deepEqual(
            plain.map((n) => `${n}: ${ours(n)}`),
            plain.map((n) => `${n}: ${gits(n)}`),
        );
    });
});
