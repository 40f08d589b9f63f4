/**
 * Runs test files twice in one process, the way StrykerJS's mocha runner does: one Mocha instance, files loaded once,
 * `cleanReferencesAfterRun(false)`, then `run()` again (StrykerJS re-runs the suite once per mutant). A suite that
 * leaks state into the next run (resources left in a shared mock recorder, caches of the first run's objects) fails
 * or passes a different set of tests the second time.
 *
 * Usage: node --import tsx test/support/rerun.ts <test file>...
 * Prints one line per run (`run <n>: <passes> passing, <failures> failing`), each failure's title and message, and
 * exits 0 only when both runs pass the same tests with no failure.
 */
import * as path from "node:path";

import Mocha from "mocha";

import { mochaHooks } from "../setup";

interface RunResult {
    passed: string[];
    failed: string[];
}

function runOnce(mocha: Mocha): Promise<RunResult> {
    return new Promise((resolve) => {
        const result: RunResult = { passed: [], failed: [] };
        const runner = mocha.run(() => resolve(result));
        runner.on("pass", (test) => result.passed.push(test.fullTitle()));
        runner.on("fail", (test, err: Error) => result.failed.push(`${test.fullTitle()}: ${err.message}`));
    });
}

async function main(files: string[]): Promise<number> {
    if (files.length === 0) {
        console.error("usage: node --import tsx test/support/rerun.ts <test file>...");
        return 2;
    }
    // As .mocharc.json configures the suite; the reporter is silent: the lines below are the report.
    const mocha = new Mocha({
        timeout: 60000,
        rootHooks: mochaHooks,
        reporter: class {} as unknown as Mocha.ReporterConstructor,
    });
    mocha.cleanReferencesAfterRun(false);
    for (const file of files) mocha.addFile(path.resolve(file));
    await mocha.loadFilesAsync();
    const runs: RunResult[] = [];
    for (let n = 1; n <= 2; n++) {
        const r = await runOnce(mocha);
        runs.push(r);
        console.log(`run ${n}: ${r.passed.length} passing, ${r.failed.length} failing`);
        for (const f of r.failed) console.log(`  failed: ${f.split("\n")[0]}`);
    }
    mocha.dispose();
    const [first, second] = runs;
    const same = first.passed.join("\n") === second.passed.join("\n");
    if (!same) console.log("the two runs passed different tests");
    return first.failed.length === 0 && second.failed.length === 0 && same && first.passed.length > 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);
