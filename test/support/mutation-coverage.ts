/**
 * Per-test coverage for `npm run mutation` (StrykerJS), made right for code that runs in a suite's `before` hook.
 *
 * StrykerJS's mocha runner traces which test covers a mutant by setting the current test id in a root `beforeEach`
 * and never clearing it (@stryker-mutator/mocha-runner `MochaTestRunner.dryRun`), and the instrumented code credits
 * every hit to that id (@stryker-mutator/instrumenter `syntax-helpers.js`, `cover()`). Code a suite runs in its
 * `before` hook (the component suites build their component there, once) was therefore credited to the test that
 * ran before the hook, usually one of another suite, and StrykerJS ran only that test for the mutant: it passed, and
 * the mutant "survived" although the suite that reads the object would have failed.
 *
 * Here a `before all` hook runs under an id of its own suite, and when the run ends (root `afterAll`, before the
 * runner reads the coverage) each such id's hits are credited to every test of that suite and its nested suites that
 * ran: the tests a mutant in that code can fail, and exactly those whose run (mocha `grep`) runs the hook again.
 * Nothing changes outside StrykerJS: without its global (`__stryker__`) both functions do nothing.
 */
import Mocha from "mocha";

interface StrykerContext {
    currentTestId?: string;
    mutantCoverage?: { static: Record<string, number>; perTest: Record<string, Record<string, number>> };
}

const stryker = (): StrykerContext | undefined => (globalThis as { __stryker__?: StrykerContext }).__stryker__;

/** The coverage id of each suite whose `before all` hooks ran; never a test's full title (those have no `\0`). */
const suiteIds = new Map<Mocha.Suite, string>();

let traced = false;

/** Runs every `before all` hook under its suite's coverage id (once per process; mocha's `Hook` is shared). */
export function traceBeforeAllHooks(): void {
    if (traced) return;
    traced = true;
    const run = Mocha.Hook.prototype.run;
    Mocha.Hook.prototype.run = function (this: Mocha.Hook, fn: (err?: unknown) => void) {
        const context = stryker();
        const suite = this.parent;
        // mocha's Suite keeps its `before all` hooks in `_beforeAll` (mocha lib/suite.js `Suite#beforeAll`).
        const beforeAll = (suite as unknown as { _beforeAll?: Mocha.Hook[] } | undefined)?._beforeAll;
        if (context === undefined || suite === undefined || beforeAll?.includes(this) !== true) {
            return run.call(this, fn);
        }
        let id = suiteIds.get(suite);
        if (id === undefined) {
            id = `\0before all #${suiteIds.size}: ${suite.fullTitle()}`;
            suiteIds.set(suite, id);
        }
        // Not put back when the hook ends: the id before it is the previous suite's last test (StrykerJS never clears
        // it), and work the hook started without awaiting would be credited there. StrykerJS's root `beforeEach` sets
        // the next test's id anyway.
        context.currentTestId = id;
        return run.call(this, fn);
    } as typeof run;
}

/**
 * Credits the hits recorded under each suite's id to the tests of that suite (and its nested suites) that ran, and
 * removes the suite ids, which StrykerJS would not know. `root` is the root suite; called from its `afterAll`.
 */
export function creditHooksToTests(root: Mocha.Suite): void {
    const perTest = stryker()?.mutantCoverage?.perTest;
    if (perTest === undefined) return;
    for (const [suite, id] of suiteIds) {
        const hits = perTest[id];
        delete perTest[id];
        if (hits === undefined || !isWithin(suite, root)) continue;
        suite.eachTest((test) => {
            if (test.state !== "passed" && test.state !== "failed") return;
            const covered = (perTest[test.fullTitle()] ??= {});
            for (const [mutant, count] of Object.entries(hits)) covered[mutant] = (covered[mutant] ?? 0) + count;
        });
    }
}

function isWithin(suite: Mocha.Suite, root: Mocha.Suite): boolean {
    for (let s: Mocha.Suite | undefined = suite; s !== undefined; s = s.parent) if (s === root) return true;
    return false;
}
