/**
 * Root hooks. Pulumi's mock runtime belongs to the suites: each describe that creates resources calls `useMocks()`
 * (test/helpers.ts) and gets its own Recorder. Between them a guard recorder is installed, and every test checks
 * that nothing landed in it: a resource created outside such a suite fails the test that created it (a resource
 * created at module load escapes the mocks altogether, so tests create them in `it`/`before` blocks only).
 *
 * The Go-built test tools (scripts/ensure-test-tools.sh links them into .tools/bin) come first on PATH, so the step
 * scripts under test find the real `oc` exactly as they would in the tools image.
 *
 * The global fixtures run once per mocha run in its main process, before `--parallel` starts its workers (which
 * inherit the environment): they give the run one directory in which the workers share the stacks they synthesize
 * (test/synth/run.ts), removed when the run ends.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type Mocha from "mocha";

import { assertNothingUnowned, installGuard } from "./helpers";
import { creditHooksToTests, traceBeforeAllHooks } from "./support/mutation-coverage";

process.env.PATH = `${path.resolve(__dirname, "..", ".tools", "bin")}${path.delimiter}${process.env.PATH ?? ""}`;

// Under StrykerJS only: credit what a suite's `before` hook runs to that suite's tests (test/support/mutation-coverage.ts).
traceBeforeAllHooks();

export const mochaHooks = {
    async beforeAll(): Promise<void> {
        await installGuard();
    },
    afterEach(): void {
        assertNothingUnowned();
    },
    afterAll(this: Mocha.Context): void {
        const root = this.test?.parent;
        if (root !== undefined) creditHooksToTests(root);
    },
};

export function mochaGlobalSetup(): void {
    process.env.OKD_CI_SYNTH_SHARE = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-synth-share-"));
}

export function mochaGlobalTeardown(): void {
    const dir = process.env.OKD_CI_SYNTH_SHARE;
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
    delete process.env.OKD_CI_SYNTH_SHARE;
}
