/**
 * `npm run bench`: per stack, the wall time (median of 5 runs, hyperfine) and peak memory (/usr/bin/time %M) of a
 * whole synth process, next to its floor (Node plus the @pulumi modules that synth loads, nothing else); then one
 * run of the test suite. Prints a table and rewrites the results block of docs/performance.md.
 *
 * Never run from tests: performance is measured here, not asserted.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { listStacks } from "../src/synth/stackfile";

const root = path.resolve(__dirname, "..");
const runs = 5;
const begin = "<!-- bench:begin -->";
const end = "<!-- bench:end -->";

interface Measure {
    medianMs: number;
    minMs: number;
    maxMs: number;
    peakMiB: number;
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
    return execFileSync(cmd, args, {
        cwd: root,
        env: { ...process.env, ...env },
        encoding: "utf8",
        maxBuffer: 64 << 20,
    });
}

/** Median wall time over `runs` runs (after one warm-up) and peak RSS of one more run. */
function measure(command: string, env: NodeJS.ProcessEnv = {}): Measure {
    const json = path.join(os.tmpdir(), `okd-ci-bench-${process.pid}.json`);
    sh("hyperfine", ["--warmup", "1", "--runs", String(runs), "--export-json", json, "--shell", "bash", command], env);
    const result = (
        JSON.parse(fs.readFileSync(json, "utf8")) as { results: { median: number; min: number; max: number }[] }
    ).results[0];
    fs.rmSync(json, { force: true });
    // GNU time prints the peak RSS (KiB) as the last stderr line.
    const out = execFileSync("bash", ["-c", `/usr/bin/time -f '%M' ${command} 2>&1 >/dev/null | tail -n 1`], {
        cwd: root,
        env: { ...process.env, ...env },
        encoding: "utf8",
    });
    return {
        medianMs: result.median * 1000,
        minMs: result.min * 1000,
        maxMs: result.max * 1000,
        peakMiB: Number(out.trim()) / 1024,
    };
}

function timeOnce(command: string): number {
    const start = process.hrtime.bigint();
    try {
        execFileSync("bash", ["-c", command], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
    } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        throw new Error(`${command} failed:\n${(e.stdout ?? "").slice(-4000)}\n${(e.stderr ?? "").slice(-4000)}`, {
            cause: err,
        });
    }
    return Number(process.hrtime.bigint() - start) / 1e6;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (m: number) => `${m.toFixed(0)} MiB`;

function machine(): string[] {
    return [
        `- CPU: ${os.cpus()[0]?.model ?? "unknown"}, ${os.availableParallelism()} cores (nproc)`,
        `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
        `- Node ${process.version}, ${os.type()} ${os.release()}`,
        `- Measured ${new Date().toISOString().slice(0, 10)}; wall times are the median of ${runs} runs after a warm-up (hyperfine), peak memory is the maximum RSS of one run (GNU time %M).`,
    ];
}

function main(): void {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-bench-"));
    const rows: string[] = [];
    const table: string[][] = [];
    try {
        for (const stack of listStacks(root)) {
            const modules = path.join(tmp, `${stack}-modules.json`);
            const synth = `node --import ./bench/record-modules.mjs --import tsx src/synth/cli.ts --stack ${stack} --out ${tmp}/out`;
            sh("bash", ["-c", synth], { OKD_CI_BENCH_MODULES: modules });
            const count = (JSON.parse(fs.readFileSync(modules, "utf8")) as string[]).length;
            const full = measure(synth);
            const floor = measure(`node bench/floor.mjs ${modules}`);
            const resources = (
                JSON.parse(fs.readFileSync(path.join(tmp, "out", stack, "plan.json"), "utf8")) as {
                    resources: unknown[];
                }
            ).resources.length;
            table.push([
                stack,
                String(resources),
                s(full.medianMs),
                mib(full.peakMiB),
                s(floor.medianMs),
                mib(floor.peakMiB),
                String(count),
            ]);
            rows.push(
                `| ${stack} | ${resources} | ${s(full.medianMs)} (${s(full.minMs)}–${s(full.maxMs)}) | ${mib(full.peakMiB)} | ${s(floor.medianMs)} | ${mib(floor.peakMiB)} | ${count} | ${s(full.medianMs - floor.medianMs)} |`,
            );
        }
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    const mocha = timeOnce("npx mocha --reporter dot 'test/**/*.test.ts'");
    const gate = timeOnce("npm test");

    const header = ["stack", "resources", "synth", "synth peak", "floor", "floor peak", "@pulumi files", ""];
    console.log(header.slice(0, 7).join("\t"));
    for (const r of table) console.log(r.join("\t"));
    console.log(`\nmocha (whole suite, one run): ${s(mocha)}\nnpm test (typecheck, lint, mocha): ${s(gate)}`);

    const block = [
        begin,
        "",
        "| stack | resources | synth (median, min–max) | synth peak RSS | floor | floor peak RSS | @pulumi files loaded | program above floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ...rows,
        "",
        `Test suite, one run: \`npx mocha\` ${s(mocha)}; \`npm test\` (tool check, typecheck, eslint, prettier, mocha) ${s(gate)}.`,
        "",
        "Machine:",
        "",
        ...machine(),
        "",
        end,
    ].join("\n");
    const doc = path.join(root, "docs", "performance.md");
    const text = fs.readFileSync(doc, "utf8");
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    if (i < 0 || j < 0) throw new Error(`${doc} has no ${begin} … ${end} block`);
    fs.writeFileSync(doc, text.slice(0, i) + block + text.slice(j + end.length));
    console.log(`\nwrote ${path.relative(process.cwd(), doc)}`);
}

main();
