/**
 * Loaded first by `npm run mutation` for the component groups (scripts/mutation.ts `preload`), never by `npm test`:
 * it loads the component modules while mocha loads the test files, so the code they run at module load (tables,
 * scripts read from disk, schemas) is seen by StrykerJS as *static* (run before any test) and judged by reloading
 * the tests, as it is. Loaded later, by a suite's `before` hook that imports the component after installing its
 * mocks, that code would be credited to that suite's tests (test/support/mutation-coverage.ts), and a mutant in it
 * would be "run" in a process where the module was loaded long before, never in effect.
 *
 * Loading them here creates no resource (a component creates its resources when constructed, in a test).
 */
import "../../components/pipelines";
import "../../components/tekton";
