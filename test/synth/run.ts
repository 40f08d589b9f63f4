import { execFile } from "node:child_process";
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
        result = synthOnce(stack, stackConfig);
        cache.set(key, result);
        result.catch(() => cache.delete(key));
    }
    return result;
}

async function synthOnce(stack: string, stackConfig: StackConfig): Promise<SynthOutput> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-synth-"));
    try {
        const file = path.join(dir, "config.json");
        fs.writeFileSync(file, JSON.stringify(stackConfig));
        const out = path.join(dir, "result.json");
        await exec(process.execPath, ["test/fixtures/synth-run.js", stack, file, out], {
            cwd: root,
            maxBuffer: 64 * 1024 * 1024,
        });
        return JSON.parse(fs.readFileSync(out, "utf8")) as SynthOutput;
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
