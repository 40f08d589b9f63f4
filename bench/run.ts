/**
 * `npm run bench`: per stack, the wall time (median of 5 runs, hyperfine) and peak memory (/usr/bin/time %M) of a
 * whole synth process (`node launch/synth.js`, what `npm run synth` runs), next to its floor (Node plus the @pulumi
 * modules that synth loads, nothing else), their ratio and where the rest goes (the `okd-ci:*` User Timing marks);
 * then one run of `npm test`, with the slowest test files. Prints a table and rewrites the results block of docs/performance.md.
 *
 * Needs hyperfine and GNU time (Debian: `apt-get install hyperfine time`); names them in one line when missing.
 * Never run from tests: performance is measured here, not asserted.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import YAML from "yaml";

import { type Cli, UsageError, UserError, onPath, parseCli, runCli } from "../scripts/cli";
import { listStacks } from "../src/synth/stacks";
import { type CriticalPath, hm, manifestsCriticalPaths, readDurations } from "./critical-path";

const cli: Cli = {
    name: "bench",
    usage: `usage: npm run bench [-- --stack <name> ...] [--no-tests]

Measures each stack's whole synth process (median of 5 runs, hyperfine) and peak memory (GNU time) next to its
floor, then one run of the test suite, and rewrites the results block of docs/performance.md.
Needs hyperfine and GNU time: sudo apt-get install -y hyperfine time

  --stack <name>  measure only this stack (repeatable); the results block is rewritten only for a full run
  --no-tests      skip timing the test suite (the results block is then not rewritten)
  -h, --help      this text`,
};

/** The tools bench runs, by command, with the Debian package that has each. */
export const benchTools: { command: string; pkg: string; check: (out: string) => boolean }[] = [
    { command: "hyperfine", pkg: "hyperfine", check: (out) => /^hyperfine /.test(out) },
    // bash's `time` keyword has no -f; only GNU time (the `time` package) reports peak RSS with %M.
    { command: "time", pkg: "time", check: (out) => /GNU Time/i.test(out) },
];

/** Resolves the tools bench needs, or says in one line which are missing and how to install them. */
export function requireBenchTools(envPath = process.env.PATH ?? ""): Record<string, string> {
    const found: Record<string, string> = {};
    const missing: string[] = [];
    for (const tool of benchTools) {
        const file = onPath(tool.command, envPath);
        let ok = false;
        if (file !== undefined) {
            try {
                ok = tool.check(
                    execFileSync(file, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
                );
            } catch {
                ok = false;
            }
        }
        if (ok && file !== undefined) found[tool.command] = file;
        else missing.push(tool.pkg);
    }
    if (missing.length > 0) {
        const names = missing.map((m) => (m === "time" ? "GNU time" : m)).join(" and ");
        throw new UserError(`needs ${names} on PATH; install with: sudo apt-get install -y ${missing.join(" ")}`);
    }
    return found;
}

let tools: Record<string, string> = {};

const root = path.resolve(__dirname, "..");
const runs = 5;
const begin = "<!-- bench:begin -->";
const end = "<!-- bench:end -->";

interface Measure {
    medianMs: number;
    minMs: number;
    maxMs: number;
    /** Mean CPU time (user + system) per run: less sensitive than wall time to other processes on the machine. */
    cpuMs: number;
    peakMiB: number;
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
    try {
        return execFileSync(cmd, args, {
            cwd: root,
            env: { ...process.env, ...env },
            encoding: "utf8",
            maxBuffer: 64 << 20,
        });
    } catch (err) {
        const e = err as { stderr?: string };
        throw new UserError(`${[cmd, ...args].join(" ")} failed:\n${(e.stderr ?? "").slice(-4000)}`);
    }
}

/** Median wall time over `runs` runs (after one warm-up) and peak RSS of one more run. */
function measure(command: string, env: NodeJS.ProcessEnv = {}): Measure {
    const json = path.join(os.tmpdir(), `okd-ci-bench-${process.pid}.json`);
    sh(
        tools.hyperfine,
        ["--warmup", "1", "--runs", String(runs), "--export-json", json, "--shell", "bash", command],
        env,
    );
    const result = (
        JSON.parse(fs.readFileSync(json, "utf8")) as {
            results: { median: number; min: number; max: number; user: number; system: number }[];
        }
    ).results[0];
    fs.rmSync(json, { force: true });
    // GNU time prints the peak RSS (KiB) as the last stderr line.
    const out = execFileSync("bash", ["-c", `${tools.time} -f '%M' ${command} 2>&1 >/dev/null | tail -n 1`], {
        cwd: root,
        env: { ...process.env, ...env },
        encoding: "utf8",
    });
    return {
        medianMs: result.median * 1000,
        minMs: result.min * 1000,
        maxMs: result.max * 1000,
        cpuMs: (result.user + result.system) * 1000,
        peakMiB: Number(out.trim()) / 1024,
    };
}

/**
 * One run of `command`: its wall time, exit status, and the CPU time (user + system) it and every process it waited
 * for used, from GNU time. On a machine shared with other work the wall time depends on that work; the CPU time much
 * less. A failing command is measured all the same (the caller reports its status): a test failure should not throw
 * away a bench run's synth measurements.
 */
function timeOnce(command: string): { wallMs: number; cpuMs: number; status: number } {
    const report = path.join(os.tmpdir(), `okd-ci-bench-time-${process.pid}.txt`);
    const start = process.hrtime.bigint();
    // The output goes to the terminal as it comes: a test run is long, and its failures are worth reading there.
    const r = spawnSync(tools.time, ["-f", "%U %S", "-o", report, "bash", "-c", command], {
        cwd: root,
        stdio: ["ignore", "inherit", "inherit"],
    });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.error !== undefined || !fs.existsSync(report)) {
        throw new UserError(`${command} could not be run: ${r.error?.message ?? "GNU time wrote no report"}`);
    }
    const [user, system] = fs.readFileSync(report, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
    fs.rmSync(report, { force: true });
    return { wallMs, cpuMs: (user + system) * 1000, status: r.status ?? 1 };
}

const timingRuns = 3;
const phaseHeader: string[] = [];

/**
 * Where a synth's time goes: the phases between the `okd-ci:*` marks (bench/timings.mjs writes them at exit), each the
 * median over `timingRuns` runs. The first phase starts when the process does.
 */
function timings(args: string, file: string): { name: string; ms: number; cpuMs: number }[] {
    const all: { name: string; at: number; cpu: number }[][] = [];
    for (let i = 0; i < timingRuns; i++) {
        sh("bash", ["-c", `node --import ./bench/timings.mjs ${args} >/dev/null`], { OKD_CI_BENCH_TIMINGS: file });
        all.push(JSON.parse(fs.readFileSync(file, "utf8")) as { name: string; at: number; cpu: number }[]);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return all[0].map((mark, i) => ({
        name: `${i === 0 ? "start" : all[0][i - 1].name} → ${mark.name}`,
        ms: median(all.map((run) => run[i].at - (i === 0 ? 0 : run[i - 1].at))),
        cpuMs: median(all.map((run) => run[i].cpu - (i === 0 ? 0 : run[i - 1].cpu))),
    }));
}

/** The batch size nightlies used before the single build fan-out (OkdPipelines' old default). */
const batchesBefore = 4;

/**
 * The modelled critical path of every Pipeline of a stack, after (the synth in `out`, default config) and before the
 * single build fan-out (the same stack synthesized with `okd-ci:maxParallelBuilds` at the old batch size).
 */
function criticalPaths(stack: string, out: string, tmp: string): string[] {
    const durations = readDurations(path.join(root, "docs", "performance.md"));
    const configDir = path.join(tmp, `${stack}-before-config`);
    fs.mkdirSync(configDir, { recursive: true });
    const file = `Pulumi.${stack}.yaml`;
    const doc = YAML.parseDocument(fs.readFileSync(path.join(root, file), "utf8"));
    doc.setIn(["config", "okd-ci:maxParallelBuilds"], batchesBefore);
    fs.writeFileSync(path.join(configDir, file), doc.toString());
    const before = path.join(tmp, "before");
    sh("bash", ["-c", `node launch/synth.js --stack ${stack} --config-dir ${configDir} --out ${before} >/dev/null`]);
    const was = new Map(
        manifestsCriticalPaths(path.join(before, stack, "manifests"), durations).map((p) => [p.pipeline, p]),
    );
    const describe = (p: CriticalPath) => p.path.map((t) => `${t.name} ${t.minutes}`).join(" → ");
    return manifestsCriticalPaths(path.join(out, stack, "manifests"), durations).map((p) => {
        const b = was.get(p.pipeline);
        const before = b === undefined ? "–" : hm(b.minutes);
        return `| ${stack} | ${p.pipeline} | ${before} | **${hm(p.minutes)}** | ${describe(p)} |`;
    });
}

const ms = (x: number) => x.toFixed(0);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (m: number) => `${m.toFixed(0)} MiB`;

/** The 1-minute load average now: how many processes wanted a core (other sessions' work included). */
const load = () => os.loadavg()[0].toFixed(1);

function machine(loads: string[]): string[] {
    return [
        `- CPU: ${os.cpus()[0]?.model ?? "unknown"}, ${os.availableParallelism()} cores (nproc)`,
        `- Load average (1 minute) when the bench started, after the synths and at its end: ${loads.join(", ")}. Above the core count, every wall time includes waiting for a core; CPU times much less so.`,
        `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
        `- Node ${process.version}, ${os.type()} ${os.release()}`,
        `- Measured ${new Date().toISOString().slice(0, 10)}; wall times are the median of ${runs} runs after a warm-up (hyperfine), peak memory is the maximum RSS of one run (GNU time %M).`,
    ];
}

function main(): number {
    const { values } = parseCli(cli, {
        options: { stack: { type: "string", multiple: true, default: [] }, "no-tests": { type: "boolean" } },
    });
    const known = listStacks(root);
    const chosen = values.stack ?? [];
    for (const stack of chosen) {
        if (!known.includes(stack)) {
            throw new UsageError(`--stack ${stack}: unknown stack; expected one of ${known.join(", ")}`);
        }
    }
    tools = requireBenchTools();
    const loads = [load()];
    const full = chosen.length === 0 && values["no-tests"] !== true;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-bench-"));
    const rows: string[] = [];
    const table: string[][] = [];
    const phaseRows: string[] = [];
    const pathRows: string[] = [];
    const ratios: { stack: string; wall: number; cpu: number }[] = [];
    try {
        for (const stack of chosen.length > 0 ? chosen : known) {
            const modules = path.join(tmp, `${stack}-modules.json`);
            const args = `launch/synth.js --stack ${stack} --out ${tmp}/out`;
            // Also builds the program bundle if it is stale, so no measured run includes a build.
            sh("bash", ["-c", `node --import ./bench/record-modules.mjs ${args}`], { OKD_CI_BENCH_MODULES: modules });
            const count = (JSON.parse(fs.readFileSync(modules, "utf8")) as string[]).length;
            // `npm run synth -- --stack <s>` without npm's own start-up.
            const full = measure(`node ${args}`);
            const floor = measure(`node bench/floor.mjs ${modules}`);
            const phases = timings(args, path.join(tmp, `${stack}-timings.json`));
            const resources = (
                JSON.parse(fs.readFileSync(path.join(tmp, "out", stack, "plan.json"), "utf8")) as {
                    resources: unknown[];
                }
            ).resources.length;
            ratios.push({ stack, wall: full.medianMs / floor.medianMs, cpu: full.cpuMs / floor.cpuMs });
            const ratio = `${(full.medianMs / floor.medianMs).toFixed(2)}×`;
            const cpuRatio = `${(full.cpuMs / floor.cpuMs).toFixed(2)}×`;
            table.push([
                stack,
                String(resources),
                s(full.medianMs),
                mib(full.peakMiB),
                s(floor.medianMs),
                mib(floor.peakMiB),
                ratio,
                cpuRatio,
                String(count),
            ]);
            rows.push(
                `| ${stack} | ${resources} | ${s(full.medianMs)} (${s(full.minMs)}–${s(full.maxMs)}) | ${mib(full.peakMiB)} | ${s(floor.medianMs)} | ${mib(floor.peakMiB)} | **${ratio}** | ${s(full.cpuMs)} / ${s(floor.cpuMs)} = ${cpuRatio} | ${count} | ${s(full.medianMs - floor.medianMs)} |`,
            );
            pathRows.push(...criticalPaths(stack, path.join(tmp, "out"), tmp));
            phaseRows.push(`| ${stack} | ${phases.map((p) => `${ms(p.ms)} (${ms(p.cpuMs)})`).join(" | ")} |`);
            if (phaseHeader.length === 0) phaseHeader.push(...phases.map((p) => p.name));
        }
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    const header = [
        "stack",
        "resources",
        "synth",
        "synth peak",
        "floor",
        "floor peak",
        "synth/floor",
        "CPU synth/floor",
        "@pulumi files",
    ];
    console.log(header.join("\t"));
    for (const r of table) console.log(r.join("\t"));
    const phaseTable = [
        `| stack | ${phaseHeader.join(" | ")} |`,
        `| --- | ${phaseHeader.map(() => "---:").join(" | ")} |`,
        ...phaseRows,
    ];
    console.log(
        `\nWhere a synth's time goes (median of ${timingRuns} runs, ms wall (ms CPU)):\n${phaseTable.join("\n")}`,
    );
    loads.push(load());
    const pathTable = [
        `| stack | Pipeline | before (batches of ${batchesBefore}) | after (one fan-out) | critical path after (task minutes) |`,
        "| --- | --- | ---: | ---: | --- |",
        ...pathRows,
    ];
    console.log(`\nModelled critical paths (durations: docs/performance.md):\n${pathTable.join("\n")}`);
    if (!full) {
        console.log("\nnot a full run (--stack or --no-tests): docs/performance.md left as it is");
        return 0;
    }
    // One run of `npm test` as a user runs it; npm appends the reporter to its last command, mocha. The reporter
    // writes how long each test file kept its process busy (tests and hooks), so the slowest files can be named, and
    // the run's counts. The Go-built test tools are built (or found cached) first, outside the measurement: `npm
    // test` only checks them then, as on any machine that has run it before.
    sh("bash", ["scripts/ensure-test-tools.sh"]);
    const fileTimes = path.join(os.tmpdir(), `okd-ci-bench-files-${process.pid}.json`);
    fs.rmSync(fileTimes, { force: true });
    const gate = timeOnce(`OKD_CI_BENCH_FILE_TIMES=${fileTimes} npm test -- --reporter ./bench/mocha-file-times.cjs`);
    // No file: npm test stopped before mocha ran (the tool check, typecheck or lint failed).
    const suite = fs.existsSync(fileTimes)
        ? (JSON.parse(fs.readFileSync(fileTimes, "utf8")) as {
              totalMs: number;
              files: { file: string; ms: number; tests: number }[];
              passes: number;
              failures: number;
              pending: number;
          })
        : undefined;
    fs.rmSync(fileTimes, { force: true });
    loads.push(load());
    const cores = os.availableParallelism();
    const top = [...(suite?.files ?? [])].sort((a, b) => b.ms - a.ms).slice(0, 10);
    const topTable = [
        "| test file | tests | busy time (tests and hooks) |",
        "| --- | ---: | ---: |",
        ...top.map((f) => `| \`${f.file}\` | ${f.tests} | ${s(f.ms)} |`),
    ];
    const outcome =
        suite === undefined
            ? `it stopped before mocha ran (exit ${gate.status}: the tool check, typecheck or lint failed), so the figures are not the suite's`
            : `${suite.passes} passing, ${suite.failures} failing, ${suite.pending} pending (exit ${gate.status})`;
    const mocha = suite === undefined ? "" : `, of which mocha ${s(suite.totalMs)}`;
    console.log(
        `\nnpm test (tool check, typecheck, lint, mocha): ${s(gate.wallMs)}${mocha}; CPU time ${s(gate.cpuMs)} (${s(gate.cpuMs / cores)} per core on ${cores}); ${outcome}\n${topTable.join("\n")}`,
    );
    const worst = ratios.reduce((w, r) => (r.wall > w.wall ? r : w), ratios[0]);
    const targets = [
        `- Synth at most 1.5× its floor for every stack: **${ratios.every((r) => r.wall <= 1.5) ? "met" : "not met"}**; the highest wall ratio is ${worst.stack}'s ${worst.wall.toFixed(2)}× (CPU ${worst.cpu.toFixed(2)}×).`,
        `- \`npm test\` in 60 s: **${gate.wallMs <= 60_000 && gate.status === 0 ? "met" : "not met"}**: ${s(gate.wallMs)} wall. Its ${s(gate.cpuMs)} of CPU time bound it from below at ${s(gate.cpuMs / cores)} on ${cores} otherwise idle cores, however the files are scheduled; under 60 s needs the CPU time under ${60 * cores} s.`,
    ];

    const block = [
        begin,
        "",
        "| stack | resources | synth (median, min–max) | synth peak RSS | floor | floor peak RSS | synth / floor (wall) | CPU time synth / floor | @pulumi files loaded | program above floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ...rows,
        "",
        `Where a synth's time goes: milliseconds between the marks the launcher and the program set, wall (CPU) (median of ${timingRuns} runs with \`bench/timings.mjs\` preloaded; see "What dominates" below for what each phase is).`,
        "",
        ...phaseTable,
        "",
        "Modelled critical path of every Pipeline (see *Nightly and release critical paths* below for the model and the durations):",
        "",
        ...pathTable,
        "",
        `Test suite, one run of \`npm test\` (tool check, typecheck, eslint, prettier, then mocha with ${cores} workers; the Go-built test tools built beforehand, not counted): ${s(gate.wallMs)} wall${mocha}; ${s(gate.cpuMs)} of CPU time (user + system, every process it started), so no less than ${s(gate.cpuMs / cores)} on ${cores} otherwise idle cores; ${outcome}. The ten files that kept a worker busy longest (their tests' and hooks' durations; a file that waits for a synth another worker runs counts the wait):`,
        "",
        ...topTable,
        "",
        "Against the targets:",
        "",
        ...targets,
        "",
        "Machine:",
        "",
        ...machine(loads),
        "",
        end,
    ].join("\n");
    const doc = path.join(root, "docs", "performance.md");
    const text = fs.readFileSync(doc, "utf8");
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    if (i < 0 || j < 0) throw new UserError(`${doc} has no ${begin} … ${end} block to write the results into`);
    fs.writeFileSync(doc, text.slice(0, i) + block + text.slice(j + end.length));
    console.log(`\nwrote ${path.relative(process.cwd(), doc)}`);
    if (gate.status !== 0) {
        // The block is written and says so; the exit status says it too, for whoever runs the bench from a script.
        process.stderr.write(`bench: npm test exited ${gate.status}: ${outcome}\n`);
        return 1;
    }
    return 0;
}

if (require.main === module) runCli(cli, main);
