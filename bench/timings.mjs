// Preloaded (--import) into a synth process: at exit, writes to $OKD_CI_BENCH_TIMINGS the User Timing marks the
// launcher and the program set (launch/bundle.js, src/synth/synth.ts, src/program.ts: `okd-ci:*`), as milliseconds
// since the process started, so `npm run bench` can say where a synth's time goes.
import * as fs from "node:fs";
import { performance } from "node:perf_hooks";

process.on("exit", () => {
    const out = process.env.OKD_CI_BENCH_TIMINGS;
    if (!out) return;
    const marks = performance
        .getEntriesByType("mark")
        .filter((m) => m.name.startsWith("okd-ci:"))
        .map((m) => ({ name: m.name.slice("okd-ci:".length), at: m.startTime }));
    marks.push({ name: "exit", at: performance.now() });
    fs.writeFileSync(out, JSON.stringify(marks));
});
