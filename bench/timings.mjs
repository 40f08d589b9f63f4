// Preloaded (--import) into a synth process: at exit, writes to $OKD_CI_BENCH_TIMINGS the User Timing marks the
// launcher and the program set (launch/bundle.js, src/synth/synth.ts, src/program.ts: `okd-ci:*`), as milliseconds
// since the process started, so `npm run bench` can say where a synth's time goes. Each mark also carries the
// process's CPU time (user + system) when it was set: on a machine other work keeps busy, the wall time between two
// marks includes waiting for a core, the CPU time does not.
import * as fs from "node:fs";
import { performance } from "node:perf_hooks";

const cpuAt = new Map();
const cpuNow = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
};
const mark = performance.mark.bind(performance);
performance.mark = (name, options) => {
    if (name.startsWith("okd-ci:")) cpuAt.set(name, cpuNow());
    return mark(name, options);
};

process.on("exit", () => {
    const out = process.env.OKD_CI_BENCH_TIMINGS;
    if (!out) return;
    const marks = performance
        .getEntriesByType("mark")
        .filter((m) => m.name.startsWith("okd-ci:"))
        .map((m) => ({ name: m.name.slice("okd-ci:".length), at: m.startTime, cpu: cpuAt.get(m.name) ?? 0 }));
    marks.push({ name: "exit", at: performance.now(), cpu: cpuNow() });
    fs.writeFileSync(out, JSON.stringify(marks));
});
