// A mocha reporter for `npm run bench`: the spec reporter's output, and at the end, to $OKD_CI_BENCH_FILE_TIMES, the
// wall time of each test file (from its first hook or test to its last, hooks included) and of the whole run.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const Mocha = require("mocha");

const { EVENT_RUN_BEGIN, EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_TEST_END } = Mocha.Runner.constants;

class FileTimes extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        const files = new Map();
        const root = process.cwd();
        let begin = 0;
        const span = (file) => {
            const rel = path.relative(root, file);
            if (!files.has(rel)) files.set(rel, { first: performance.now(), last: performance.now(), tests: 0 });
            return files.get(rel);
        };
        runner.on(EVENT_RUN_BEGIN, () => (begin = performance.now()));
        runner.on(EVENT_SUITE_BEGIN, (suite) => suite.file && span(suite.file));
        runner.on(EVENT_SUITE_END, (suite) => suite.file && (span(suite.file).last = performance.now()));
        runner.on(EVENT_TEST_END, (test) => test.file && span(test.file).tests++);
        runner.on(EVENT_RUN_END, () => {
            const out = process.env.OKD_CI_BENCH_FILE_TIMES;
            if (!out) return;
            const perFile = [...files].map(([file, s]) => ({ file, ms: s.last - s.first, tests: s.tests }));
            fs.writeFileSync(out, JSON.stringify({ totalMs: performance.now() - begin, files: perFile }));
        });
    }
}

module.exports = FileTimes;
