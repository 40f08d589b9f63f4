// @ts-check
/**
 * StrykerJS settings shared by every module group of `npm run mutation` (scripts/mutation.ts), which adds each group's
 * `mutate` files, its test files and its report paths. `npx stryker run --mutate <file>` uses these settings alone,
 * against the whole suite.
 *
 * - The mocha runner loads the suite in-process and re-runs it once per mutant, so only tests that covered a mutant
 *   in the first run run again (`perTest`). `.mocharc.json`'s `node-option` is not read by StrykerJS: tsx is loaded
 *   through `testRunnerNodeArgs` instead.
 * - The sandbox gets no copy of `.tools/bin` (symbolic links are not copied): scripts/mutation.ts puts the
 *   worktree's `.tools/bin` on PATH before starting StrykerJS.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
    testRunner: "mocha",
    plugins: ["@stryker-mutator/mocha-runner"],
    testRunnerNodeArgs: ["--import", "tsx"],
    mochaOptions: { spec: ["test/**/*.test.ts"] },
    coverageAnalysis: "perTest",
    // Two cores on the machines this runs on; more runners only thrash.
    concurrency: 2,
    // A test that synthesizes a stack takes about a second; a mutant that makes it loop is cut off well before.
    timeoutMS: 10000,
    reporters: ["clear-text", "progress-append-only", "html", "json"],
    clearTextReporter: { reportTests: false, reportMutants: false, allowColor: false },
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
    ignorePatterns: ["out", "bin", "reports", ".tekton-lint", ".tools"],
};
