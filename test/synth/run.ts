import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

import type { ManifestFile, Plan } from "../../src/synth/render";
import { type StackConfig, readStackConfig } from "../../src/synth/stackfile";

const exec = promisify(execFile);
export const root = path.resolve(__dirname, "..", "..");

export interface SynthOutput {
    plan: Plan;
    manifests: ManifestFile[];
    /** @pulumi packages the synth process loaded. */
    packages: string[];
}

const cache = new Map<string, Promise<SynthOutput>>();

/**
 * Synthesizes `stack` in a child process; `config` replaces the stack file's configuration. Results are shared
 * within one mocha run (synth is deterministic, and many test files read the same stack's plan).
 */
export function synthInProcess(stack: string, config?: StackConfig): Promise<SynthOutput> {
    const stackConfig = config ?? readStackConfig(root, stack);
    const key = JSON.stringify([stack, stackConfig]);
    let result = cache.get(key);
    if (result === undefined) {
        result = sharedAcrossWorkers(key, () => synthOnce(stack, stackConfig));
        cache.set(key, result);
        result.catch(() => cache.delete(key));
    }
    return result;
}

/**
 * Under `mocha --parallel` each worker is its own process with its own `cache`; the run's global setup
 * (test/setup.ts) gives the whole run one directory, `OKD_CI_SYNTH_SHARE`, through which the workers share each
 * synth: the first to need it claims it (an atomic mkdir) and synthesizes, the others wait for its result file. The
 * directory lives only as long as the run, so nothing outlives the tree it was synthesized from. Without it (a single
 * file run by hand, StrykerJS) each process synthesizes for itself. A failed synth is not shared: a waiting worker
 * then synthesizes on its own and reports its own error.
 */
async function sharedAcrossWorkers(key: string, synth: () => Promise<string>): Promise<SynthOutput> {
    const dir = process.env.OKD_CI_SYNTH_SHARE;
    if (dir === undefined || !fs.existsSync(dir)) return JSON.parse(await synth()) as SynthOutput;
    const id = createHash("sha256").update(key).digest("hex").slice(0, 32);
    const result = path.join(dir, `${id}.json`);
    const failed = path.join(dir, `${id}.failed`);
    let mine = true;
    try {
        fs.mkdirSync(path.join(dir, `${id}.claim`));
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        mine = false;
    }
    if (mine) {
        try {
            const text = await synth();
            const tmp = `${result}.${process.pid}.tmp`;
            fs.writeFileSync(tmp, text);
            fs.renameSync(tmp, result);
            return JSON.parse(text) as SynthOutput;
        } catch (err) {
            fs.writeFileSync(failed, "");
            throw err;
        }
    }
    // Another worker is synthesizing (seconds). Should it never finish (its process killed), synthesize here.
    const giveUp = Date.now() + 10 * 60_000;
    while (Date.now() < giveUp) {
        if (fs.existsSync(result)) return JSON.parse(fs.readFileSync(result, "utf8")) as SynthOutput;
        if (fs.existsSync(failed)) break;
        await new Promise((r) => setTimeout(r, 100));
    }
    return JSON.parse(await synth()) as SynthOutput;
}

/** The synth runner's result file, as text. */
async function synthOnce(stack: string, stackConfig: StackConfig): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-synth-"));
    try {
        const file = path.join(dir, "config.json");
        fs.writeFileSync(file, JSON.stringify(stackConfig));
        const out = path.join(dir, "result.json");
        await exec(process.execPath, ["test/fixtures/synth-run.js", stack, file, out], {
            cwd: root,
            maxBuffer: 64 * 1024 * 1024,
        });
        return fs.readFileSync(out, "utf8");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Runs the synth CLI as a user would (`npm run synth` is `node launch/synth.js`); never throws, returns the exit code and output. */
export async function synthCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
        const { stdout, stderr } = await exec(process.execPath, ["launch/synth.js", ...args], {
            cwd: root,
            maxBuffer: 64 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr };
    } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
}

/** Every file under `dir`, relative path to content. */
export function readTree(dir: string): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, entry.name);
            if (entry.isDirectory()) walk(p);
            else out.set(path.relative(dir, p), fs.readFileSync(p, "utf8"));
        }
    };
    walk(dir);
    return out;
}
