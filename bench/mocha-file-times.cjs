// A mocha reporter for `npm run bench`: the spec reporter's output, and at the end, to $OKD_CI_BENCH_FILE_TIMES, the
// time each test file kept a process busy (the durations of its tests and hooks, summed) and the wall time of the
// whole run, and the run's counts of passing, failing and pending tests. Durations, not the span from a file's first event to its last: under `mocha --parallel` a worker's
// events reach the reporter in one burst when its file ends, so spans would be zero.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const Mocha = require("mocha");

const { EVENT_RUN_BEGIN, EVENT_RUN_END, EVENT_HOOK_END, EVENT_TEST_END } = Mocha.Runner.constants;

/** The file a test or hook was declared in: its own, or the nearest suite's that names one. */
function fileOf(runnable) {
    for (let r = runnable; r; r = r.parent) if (r.file) return r.file;
    return undefined;
}

class FileTimes extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        const files = new Map();
        const root = process.cwd();
        let begin = 0;
        const add = (runnable, test) => {
            const file = fileOf(runnable);
            if (file === undefined) return;
            const rel = path.relative(root, file);
            const f = files.get(rel) ?? { ms: 0, tests: 0 };
            f.ms += runnable.duration ?? 0;
            if (test) f.tests++;
            files.set(rel, f);
        };
        runner.on(EVENT_RUN_BEGIN, () => (begin = performance.now()));
        runner.on(EVENT_HOOK_END, (hook) => add(hook, false));
        runner.on(EVENT_TEST_END, (test) => add(test, true));
        runner.on(EVENT_RUN_END, () => {
            const out = process.env.OKD_CI_BENCH_FILE_TIMES;
            if (!out) return;
            const perFile = [...files].map(([file, f]) => ({ file, ms: f.ms, tests: f.tests }));
            const { passes = 0, failures = 0, pending = 0 } = runner.stats ?? this.stats ?? {};
            fs.writeFileSync(
                out,
                JSON.stringify({ totalMs: performance.now() - begin, files: perFile, passes, failures, pending }),
            );
        });
    }
}

module.exports = FileTimes;
