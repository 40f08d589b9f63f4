// @ts-check
/**
 * StrykerJS settings for `npm run mutation` (scripts/mutation.ts), which runs `stryker run` once per module group
 * with `--mutate <that group's files>` and, in the environment, the group's tests (OKD_CI_MUTATION_SPEC and
 * OKD_CI_MUTATION_IGNORE, comma separated) and report directory (OKD_CI_MUTATION_REPORTS). Without them, `npx stryker run --mutate <file>` runs
 * the whole suite against that file and reports to reports/mutation/.
 *
 * - The mocha runner (mocha 11: the 9.x runner supports mocha < 12) loads the suite in-process and re-runs it once per
 *   mutant, only the tests that covered the mutant in the first run (`perTest`); that is why every suite must give
 *   the same result when run twice in one process (test/helpers.ts `useMocks()`).
 * - `.mocharc.json`'s `node-option` is not read by StrykerJS: tsx is loaded through `testRunnerNodeArgs`.
 * - The sandbox gets no copy of `.tools/bin` (symbolic links into the tool cache): scripts/mutation.ts puts the
 *   worktree's `.tools/bin` on PATH before starting StrykerJS.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const spec = process.env.OKD_CI_MUTATION_SPEC?.split(",") ?? ["test/**/*.test.ts"];
const ignore = process.env.OKD_CI_MUTATION_IGNORE?.split(",").filter((f) => f !== "") ?? [];
const reports = process.env.OKD_CI_MUTATION_REPORTS ?? "reports/mutation";

export default {
    testRunner: "mocha",
    plugins: ["@stryker-mutator/mocha-runner"],
    testRunnerNodeArgs: ["--import", "tsx"],
    mochaOptions: { spec, ignore },
    coverageAnalysis: "perTest",
    // Two cores on the machines this runs on; more runners only thrash.
    concurrency: 2,
    // A test that synthesizes a stack takes about a second; a mutant that makes it loop is cut off well before.
    timeoutMS: 10000,
    // The first run of a group's whole test set (test/policy synthesizes every stack) on a loaded machine.
    dryRunTimeoutMinutes: 30,
    reporters: ["clear-text", "progress-append-only", "html", "json"],
    htmlReporter: { fileName: `${reports}/index.html` },
    jsonReporter: { fileName: `${reports}/mutation.json` },
    clearTextReporter: { reportTests: false, reportMutants: false, allowColor: false },
    // Reported, never a failure: docs/testing.md records the scores, and the aim is at least 85% per group.
    thresholds: { high: 85, low: 70, break: null },
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
    ignorePatterns: ["out", "bin", "reports", ".tekton-lint", ".tools"],
};
