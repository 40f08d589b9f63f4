/**
 * `npm run mutation [-- <group>...] [--mutate <glob>]`: StrykerJS over the modules whose logic decides what gets
 * deployed or allowed, one module group at a time, each against its own tests (a mutant in `policy/rules` is judged
 * by test/policy, not by the stack synth tests, so the score says how well those tests pin that module).
 *
 * Settings common to every group are in stryker.config.mjs. Reports land in reports/mutation/<group>/ (HTML and
 * mutation-testing-report JSON), and reports/mutation/summary.json gets one entry per group run: the date, the
 * mutation score (killed + timed out over all valid mutants) and the counts. docs/testing.md records the scores of the
 * last full run. Not part of `npm test`: a group takes minutes to tens of minutes on two cores.
 *
 * `--mutate <glob>` narrows a run to some files of the named group(s) (what StrykerJS's own `--mutate` does), to check
 * a change quickly; such a run is marked `partial` in the summary. `--spec <glob>` judges them by some of the group's
 * tests only (cheaper while writing tests for one module; a lower bound of the group's score, also marked `partial`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { type Cli, UsageError, UserError, parseCli, runCli } from "./cli";

interface Group {
    /** The files whose mutants count for the group. */
    mutate: string[];
    /** The tests that judge them. */
    spec: string[];
    /**
     * Tests of `spec` left out: those that run the program in a child process (`npm run synth`, the policy pack over
     * each stack's synth). StrykerJS activates a mutant in its own test-runner process only, so such a test cannot
     * kill a mutant, and for a mutant that runs at module load (a "static" mutant, which every test re-runs) it costs
     * a full synth of every stack. Also whole-stack synths in-process, where narrower tests judge the group's files.
     */
    ignore?: string[];
}

/**
 * Loaded before the component groups' tests: it loads the components while mocha loads the test files, so what they
 * run at module load is static to StrykerJS, not credited to the suite whose `before` hook first imported them.
 */
const preload = "test/support/mutation-preload.ts";

/** The module groups issue 18 names, each with the tests written for it. */
export const groups: Record<string, Group> = {
    config: { mutate: ["src/config/**/*.ts"], spec: ["test/config/**/*.test.ts"] },
    "policy-rules": {
        mutate: ["policy/rules/**/*.ts", "policy/model.ts", "policy/crossguard.ts"],
        spec: ["test/policy/**/*.test.ts"],
        ignore: ["test/policy/stacks.test.ts"],
    },
    "shared-and-runs": {
        mutate: ["components/shared/**/*.ts", "components/pipelines/runs.ts"],
        spec: [
            preload,
            // The shared modules' own unit tests.
            "test/components/shared/**/*.test.ts",
            // runs.ts, and the pipelines' use of the shared names, namespaces, identities and secrets.
            "test/components/pipelines/**/*.test.ts",
            // Where each site turns the shared contract into its cloud's objects: build placement, lifecycle rules
            // (retention.ts), Kubernetes minors and their support dates (kubernetes.ts), the strict-mode allow-all
            // policies (network-policy.ts), gates, naming and node labels. The cloud site tests construct one site
            // each under mocks (all of them: about 20 s). One glob each: the list reaches stryker.config.mjs comma
            // separated, so a `{aws,gcp}` brace would be split.
            "test/components/aws/**/*.test.ts",
            "test/components/gcp/**/*.test.ts",
            "test/components/azure/**/*.test.ts",
            "test/components/local/**/*.test.ts",
            // cron.ts and variants.ts are validated as config: these tests pin what they accept and refuse.
            "test/config/cron.test.ts",
            "test/config/variants.test.ts",
        ],
        // The whole-stack synths: every shared mutant would be re-judged by a full synth of a stack (each seconds on
        // a loaded machine), for what the site and pipelines tests above already pin one object at a time.
        ignore: ["test/components/*/synth.test.ts"],
    },
    pipelines: {
        // The Tekton object builders; the step scripts are bash, run with the real tools by test/scripts/, and the
        // status page program (status/) is a group of its own.
        mutate: ["components/pipelines/**/*.ts", "!components/pipelines/runs.ts", "!components/pipelines/status/**"],
        // status-render.ts (the Task and CronJob that render the page) is tested beside the Tekton layer.
        spec: [preload, "test/components/pipelines/**/*.test.ts", "test/components/tekton/status-render.test.ts"],
    },
    tekton: { mutate: ["components/tekton/**/*.ts"], spec: [preload, "test/components/tekton/**/*.test.ts"] },
    status: {
        // The status page program: read the records, build the model, render HTML and release notes. Built into the
        // pipeline step that publishes the page (status/bundle.ts); not a Tekton object builder.
        mutate: ["components/pipelines/status/**/*.ts"],
        spec: ["test/status/**/*.test.ts"],
        // They run the bundled page in chromium or the renderer as a process, which StrykerJS cannot see.
        ignore: ["test/status/browser.test.ts", "test/status/cli.test.ts"],
    },
    synth: {
        // cli.ts is the command line around render.ts; its tests start it as a process, which StrykerJS cannot see.
        mutate: ["src/synth/**/*.ts", "!src/synth/cli.ts"],
        spec: ["test/synth/**/*.test.ts"],
        // They run the synth CLI (or synth-run.js) in a child process; the unit tests of render, stackfile, runs and
        // invokes judge those modules in-process.
        ignore: ["test/synth/synth.test.ts", "test/synth/runs.test.ts"],
    },
};

const root = path.resolve(__dirname, "..");
const reports = path.join(root, "reports", "mutation");

interface Summary {
    group: string;
    date: string;
    partial: boolean;
    /** The tests that judged the group (its own, or `--spec`'s with the preload). */
    spec: string[];
    /** Results of mutants StrykerJS judged unchanged were reused from the last run (`--incremental`): not a measurement. */
    incremental: boolean;
    /** Static mutants were skipped (`--ignore-static`): the score is over the others only. */
    ignoreStatic: boolean;
    /** Mutants not run: static ones under `--ignore-static`, and those a `Stryker disable` comment names equivalent. */
    ignored: number;
    mutate: string[];
    score: number | null;
    killed: number;
    timeout: number;
    survived: number;
    noCoverage: number;
    errors: number;
    total: number;
}

/** One mutant in StrykerJS's JSON report (the mutation-testing-report-schema). */
interface ReportedMutant {
    status: string;
}

/** Score as StrykerJS defines it: detected (killed, timed out) over valid mutants (detected + survived + no coverage). */
function summarize(
    group: string,
    mutate: string[],
    spec: string[],
    flags: { partial: boolean; incremental: boolean; ignoreStatic: boolean },
    mutants: ReportedMutant[],
): Summary {
    const count = (...statuses: string[]) => mutants.filter((m) => statuses.includes(m.status)).length;
    const killed = count("Killed");
    const timeout = count("Timeout");
    const survived = count("Survived");
    const noCoverage = count("NoCoverage");
    const valid = killed + timeout + survived + noCoverage;
    return {
        group,
        date: new Date().toISOString(),
        partial: flags.partial,
        spec,
        incremental: flags.incremental,
        ignoreStatic: flags.ignoreStatic,
        ignored: count("Ignored"),
        mutate,
        score: valid === 0 ? null : Math.round(((killed + timeout) / valid) * 1000) / 10,
        killed,
        timeout,
        survived,
        noCoverage,
        errors: count("CompileError", "RuntimeError"),
        total: mutants.length,
    };
}

const cli: Cli = {
    name: "mutation",
    usage: `usage: npm run mutation -- [<group>...] [--mutate <glob>[,<glob>...]]... [--spec <glob>[,<glob>...]]...
                           [--incremental] [--ignore-static] [--concurrency <n>]

StrykerJS over each module group, against that group's own tests; reports in reports/mutation/.
  <group>            one or more of ${Object.keys(groups).join(", ")} (default: all)
  --mutate <glob>    only these files of the named group(s) (a partial run, marked so in the summary)
  --spec <glob>      judge them by these test files only, not all of the group's (partial; a lower bound, to
                     iterate on the tests of one module cheaply)
  --incremental      reuse the last incremental run's results for mutants whose code and tests did not change
                     (StrykerJS's incremental mode; kept in reports/mutation/incremental/<group>.json)
  --concurrency <n>  test runner processes (default: stryker.config.mjs, 2)
  --ignore-static    skip static mutants (those run at module load, for which StrykerJS reloads every test of the
                     group: most of a run's time); they are reported as ignored and the summary says so
  -h, --help         this text`,
};

interface Arguments {
    names: string[];
    mutate?: string[];
    spec?: string[];
    incremental: boolean;
    ignoreStatic: boolean;
    concurrency?: number;
}

function parseArguments(): Arguments {
    const { values, positionals } = parseCli(cli, {
        options: {
            mutate: { type: "string", multiple: true },
            spec: { type: "string", multiple: true },
            incremental: { type: "boolean" },
            "ignore-static": { type: "boolean" },
            concurrency: { type: "string" },
        },
        allowPositionals: true,
    });
    for (const name of positionals) {
        if (!(name in groups)) {
            throw new UsageError(`unknown module group "${name}"; expected one of ${Object.keys(groups).join(", ")}`);
        }
    }
    // StrykerJS takes --mutate, and stryker.config.mjs the spec, as comma-separated lists: a `{a,b}` brace would be
    // split into two broken globs that match nothing, silently.
    const brace = [...(values.mutate ?? []), ...(values.spec ?? [])].find((v) => /[{}]/.test(v));
    if (brace !== undefined) {
        throw new UsageError(`"${brace}": brace globs are split at their commas; give each glob on its own`);
    }
    const mutate = values.mutate?.flatMap((v) => v.split(",")).filter((v) => v !== "");
    if (values.mutate !== undefined && mutate?.length === 0) {
        throw new UsageError("--mutate needs a glob, e.g. --mutate policy/rules/rbac.ts");
    }
    const spec = values.spec?.flatMap((v) => v.split(",")).filter((v) => v !== "");
    if (values.spec !== undefined && spec?.length === 0) {
        throw new UsageError("--spec needs a glob, e.g. --spec test/components/tekton/throttle.test.ts");
    }
    let concurrency: number | undefined;
    if (values.concurrency !== undefined) {
        concurrency = Number(values.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1) {
            throw new UsageError(`--concurrency must be a whole number of at least 1, not "${values.concurrency}"`);
        }
    }
    return {
        names: positionals.length > 0 ? positionals : Object.keys(groups),
        mutate,
        spec,
        incremental: values.incremental === true,
        ignoreStatic: values["ignore-static"] === true,
        concurrency,
    };
}

function runGroup(name: string, args: Arguments): Summary {
    const group = groups[name];
    const mutateOverride = args.mutate;
    const mutate = mutateOverride ?? group.mutate;
    // The preload (if the group has one) stays first: it is what keeps load-time code static.
    const spec = args.spec === undefined ? group.spec : [...group.spec.filter((f) => f === preload), ...args.spec];
    const options = ["--mutate", mutate.join(",")];
    if (args.incremental) {
        // Outside the group's report directory, which every run starts by removing.
        options.push(
            "--incremental",
            "--incrementalFile",
            path.relative(root, path.join(reports, "incremental", `${name}.json`)),
        );
    }
    if (args.concurrency !== undefined) options.push("--concurrency", String(args.concurrency));
    if (args.ignoreStatic) options.push("--ignoreStatic");
    const dir = path.join(reports, name);
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(`\n== ${name}: mutating ${mutate.join(" ")} against ${spec.join(" ")}`);
    // One StrykerJS process per group: each starts from a clean sandbox and its own test runners.
    const run = spawnSync(
        path.join(root, "node_modules", ".bin", "stryker"),
        ["run", "stryker.config.mjs", ...options],
        {
            cwd: root,
            stdio: "inherit",
            env: {
                ...process.env,
                OKD_CI_MUTATION_SPEC: spec.join(","),
                OKD_CI_MUTATION_IGNORE: (group.ignore ?? []).join(","),
                OKD_CI_MUTATION_REPORTS: path.relative(root, dir),
            },
        },
    );
    if (run.status !== 0) {
        throw new UserError(`stryker run for ${name} exited with ${run.status ?? run.signal}; see its output above`);
    }
    const report = JSON.parse(fs.readFileSync(path.join(dir, "mutation.json"), "utf8")) as {
        files: Record<string, { mutants: ReportedMutant[] }>;
    };
    return summarize(
        name,
        mutate,
        spec,
        {
            partial: mutateOverride !== undefined || args.spec !== undefined,
            incremental: args.incremental,
            ignoreStatic: args.ignoreStatic,
        },
        Object.values(report.files).flatMap((f) => f.mutants),
    );
}

async function main(): Promise<number> {
    const args = parseArguments();
    // The real tools some of the groups' tests run (the list npm test uses).
    const tools = spawnSync("bash", [path.join(root, "scripts", "ensure-test-tools.sh")], { stdio: "inherit" });
    if (tools.status !== 0) throw new UserError("scripts/ensure-test-tools.sh failed; see its output above");
    // StrykerJS's sandbox does not copy .tools (symbolic links into the tool cache); test/setup.ts puts the sandbox's
    // (absent) .tools/bin first, so the worktree's goes on PATH here for the tests that run the real tools.
    process.env.PATH = `${path.join(root, ".tools", "bin")}${path.delimiter}${process.env.PATH ?? ""}`;
    fs.mkdirSync(reports, { recursive: true });
    const summaryFile = path.join(reports, "summary.json");
    const previous = fs.existsSync(summaryFile)
        ? (JSON.parse(fs.readFileSync(summaryFile, "utf8")) as Record<string, Summary>)
        : {};
    const summaries: Summary[] = [];
    const failed: string[] = [];
    for (const name of args.names) {
        // A group that fails does not stop the others (a run of every group takes hours); its old summary goes, so
        // summary.json never shows a score this run did not give, and the run fails at the end.
        let s: Summary;
        try {
            s = runGroup(name, args);
        } catch (err) {
            if (!(err instanceof UserError)) throw err;
            console.error(`mutation: ${err.message}`);
            failed.push(name);
            delete previous[name];
            fs.writeFileSync(summaryFile, `${JSON.stringify(previous, null, 2)}\n`);
            continue;
        }
        summaries.push(s);
        previous[name] = s;
        fs.writeFileSync(summaryFile, `${JSON.stringify(previous, null, 2)}\n`);
    }
    if (process.env.GITHUB_STEP_SUMMARY) {
        const rows = summaries.map(
            (s) =>
                `| ${s.group} | ${s.score === null ? "n/a" : `${s.score}%`} | ${s.killed} | ${s.timeout} | ${s.survived} | ${s.noCoverage} | ${s.errors} |`,
        );
        fs.appendFileSync(
            process.env.GITHUB_STEP_SUMMARY,
            [
                "| group | score | killed | timeout | survived | no coverage | errors |",
                "| --- | --- | --- | --- | --- | --- | --- |",
                ...rows,
                "",
            ].join("\n"),
        );
    }
    console.log("\ngroup             score   killed  timeout  survived  no-coverage  errors");
    for (const s of summaries) {
        console.log(
            `${s.group.padEnd(16)} ${(s.score === null ? "n/a" : `${s.score}%`).padStart(6)} ${String(s.killed).padStart(8)} ${String(s.timeout).padStart(8)} ${String(s.survived).padStart(9)} ${String(s.noCoverage).padStart(12)} ${String(s.errors).padStart(7)}${s.partial ? "  (partial)" : ""}${s.ignoreStatic ? "  (static mutants ignored)" : ""}`,
        );
    }
    if (failed.length > 0) throw new UserError(`no score for ${failed.join(", ")}: StrykerJS failed; see above`);
    return 0;
}

if (require.main === module) runCli(cli, main);
