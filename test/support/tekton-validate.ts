import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as YAML from "yaml";

import { requireTool } from "../scripts/harness";
import { synthInProcess } from "../synth/run";

/** One TaskRun pod as the API server admitted it (tekton-validate --report). */
export interface PodReport {
    taskRun: string;
    /** False when the API server would refuse the pod. */
    admitted: boolean;
    task: string;
    label: string;
    containers: { name: string; init?: boolean; requests: Record<string, string>; limits: Record<string, string> }[];
    /** The pod's quota usage: requests.memory, limits.memory, requests.cpu, … */
    pod: Record<string, string>;
}

export interface ValidateResult {
    status: number;
    /** One line per problem: `FILE: KIND/NAME: FIELD: MESSAGE`. */
    problems: string[];
    /** The summary line (objects, where the Tekton configuration came from, pods, problems). */
    summary: string;
    pods: PodReport[];
}

/**
 * Runs tekton-validate (test/tools/go/tekton-validate, built by scripts/ensure-test-tools.sh) over files or
 * directories, or over `input` on stdin when no path is given.
 */
export function tektonValidate(paths: string[], input?: string): ValidateResult {
    requireTool("tekton-validate");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-tekton-validate-"));
    try {
        const report = path.join(dir, "pods.json");
        const r = spawnSync("tekton-validate", ["--report", report, ...paths], {
            input,
            encoding: "utf8",
            timeout: 120_000,
        });
        if (r.error) throw r.error;
        const pods = fs.existsSync(report) ? (JSON.parse(fs.readFileSync(report, "utf8")) as PodReport[] | null) : [];
        return {
            status: r.status ?? -1,
            problems: r.stdout.split("\n").filter((l) => l.trim() !== ""),
            summary: r.stderr.trim(),
            pods: pods ?? [],
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const stackResults = new Map<string, Promise<ValidateResult>>();

/**
 * Synthesizes a stack (Pulumi.<stack>.yaml) and validates all its rendered objects together; once per mocha run (the
 * validation and the admission tests read the same result).
 */
export function validateStack(stack: string): Promise<ValidateResult> {
    let result = stackResults.get(stack);
    if (result === undefined) {
        result = validateStackOnce(stack);
        stackResults.set(stack, result);
    }
    return result;
}

async function validateStackOnce(stack: string): Promise<ValidateResult> {
    const { manifests } = await synthInProcess(stack);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `okd-ci-${stack}-manifests-`));
    try {
        for (const m of manifests) {
            fs.writeFileSync(path.join(dir, m.file), m.content);
            // A CronJob that starts a PipelineRun itself (the cluster reaper's, start-reaper.sh) carries it as JSON:
            // checked as the run it creates (a name for its generateName, in the CronJob's namespace).
            const run = cronJobPipelineRun(m.content);
            if (run !== undefined) {
                fs.writeFileSync(path.join(dir, `zz-run-of-${m.file.replace(/\.yaml$/, "")}.json`), run);
            }
        }
        const result = tektonValidate([dir]);
        // Problems name files by their path; the stack's name reads better than a temp dir.
        return { ...result, problems: result.problems.map((p) => p.split(dir).join(stack)) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function cronJobPipelineRun(content: string): string | undefined {
    const doc = YAML.parse(content) as {
        kind?: string;
        metadata?: { namespace?: string };
        spec?: {
            jobTemplate?: {
                spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
            };
        };
    };
    if (doc?.kind !== "CronJob") return undefined;
    const env = doc.spec?.jobTemplate?.spec?.template?.spec?.containers?.[0]?.env ?? [];
    const json = env.find((e) => e.name === "PIPELINERUN_JSON")?.value;
    if (json === undefined) return undefined;
    const run = JSON.parse(json) as { metadata: Record<string, unknown> };
    run.metadata = {
        ...run.metadata,
        name: `${String(run.metadata.generateName)}x0x0x`,
        // start-reaper.sh creates it in NAMESPACE (the build namespace), not the CronJob's own (the release one).
        namespace: env.find((e) => e.name === "NAMESPACE")?.value ?? doc.metadata?.namespace,
    };
    return JSON.stringify(run);
}

/** Kubernetes quantity → bytes (memory) or cores (cpu), for comparisons in tests. */
export function quantity(q: string): number {
    const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q);
    if (m === null) throw new Error(`not a quantity: ${q}`);
    const units: Record<string, number> = {
        "": 1,
        m: 1e-3,
        k: 1e3,
        M: 1e6,
        G: 1e9,
        T: 1e12,
        Ki: 2 ** 10,
        Mi: 2 ** 20,
        Gi: 2 ** 30,
        Ti: 2 ** 40,
    };
    const unit = units[m[2]];
    if (unit === undefined) throw new Error(`unknown unit in ${q}`);
    return Number(m[1]) * unit;
}
