/**
 * Every user-facing npm script behaves the same at its edges (scripts/cli.ts): `--help` prints the usage and exits 0;
 * a usage mistake exits 2 with one line and the usage; a missing file or tool is named in one line (exit 1); no user
 * mistake prints a stack trace. Each script runs as `npm run` runs it: its package.json command, in a child process.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

import { root } from "../synth/run";

const exec = promisify(execFile);
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };

/** The npm scripts a user runs with arguments; test, typecheck, lint and format take none of their own. */
const userScripts = [
    "synth",
    "policy",
    "plan-diff",
    "gen:config",
    "bench",
    "status",
    "test:engine",
    "mutation",
    "tekton:mirror",
];

interface Result {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs `npm run <script> -- <args>` without npm's banner: the script's `tsx <file>` or `node <file>` (synth, which
 * runs the program bundle: launch/synth.js) under this Node, or its `bash <file>`.
 */
async function npmRun(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
    const m = /^(tsx|node|bash) (\S+)$/.exec(pkg.scripts[script] ?? "");
    assert.ok(m, `package.json script ${script} is "tsx <file>", "node <file>" or "bash <file>"`);
    const command =
        m[1] === "tsx"
            ? [process.execPath, "--import", "tsx", m[2]]
            : m[1] === "node"
              ? [process.execPath, m[2]]
              : ["bash", m[2]];
    try {
        const { stdout, stderr } = await exec(command[0], [...command.slice(1), ...args], {
            cwd: root,
            env,
            maxBuffer: 16 << 20,
        });
        return { code: 0, stdout, stderr };
    } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
}

/** A Node stack frame (`    at fn (file:line:col)`) in the output means a raw trace reached the user. */
function assertNoTrace(r: Result): void {
    assert.doesNotMatch(`${r.stdout}\n${r.stderr}`, /^\s+at .+[:(]\d+:\d+\)?$/m, "a stack trace reached the user");
}

describe("npm scripts", () => {
    it("package.json has exactly these user scripts besides test, typecheck, lint and format", () => {
        assert.deepEqual(
            Object.keys(pkg.scripts)
                .filter((s) => !["test", "typecheck", "lint", "format"].includes(s))
                .sort(),
            [...userScripts].sort(),
        );
    });

    for (const script of userScripts) {
        describe(script, () => {
            it("answers --help with its usage on stdout and exit 0", async () => {
                const r = await npmRun(script, ["--help"]);
                assert.equal(r.code, 0, r.stderr);
                assert.match(r.stdout, new RegExp(`^usage: npm run ${script}\\b`));
                assert.match(r.stdout, /-h, --help/);
                assert.equal(r.stderr, "");
            });

            it("rejects an unknown option with one line, the usage and exit 2", async () => {
                const r = await npmRun(script, ["--frobnicate"]);
                assert.equal(r.code, 2, r.stderr);
                const [first, second] = r.stderr.split("\n");
                assert.equal(first, `${script}: Unknown option '--frobnicate'`);
                assert.match(second, new RegExp(`^usage: npm run ${script}\\b`));
                assertNoTrace(r);
            });
        });
    }

    describe("usage mistakes and missing inputs, one line each", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-cli-"));
        after(() => fs.rmSync(tmp, { recursive: true, force: true }));
        const missing = path.join(tmp, "missing.json");
        const notJson = path.join(tmp, "plan.json");
        fs.writeFileSync(notJson, "{ not json");

        const rows: { script: string; args: string[]; code: number; stderr: string | RegExp }[] = [
            {
                script: "synth",
                args: [],
                code: 2,
                stderr: /^synth: --stack is required; known stacks: aws, azure, ci, gcp\n/,
            },
            {
                script: "synth",
                args: ["--stack", "nope"],
                code: 1,
                stderr: `synth nope: unknown stack "nope": ${path.join(root, "Pulumi.nope.yaml")} does not exist; known stacks: aws, azure, ci, gcp\n`,
            },
            {
                script: "synth",
                args: ["--stack", "ci", "--config-dir", path.join(tmp, "nowhere")],
                code: 1,
                stderr: `synth: --config-dir ${path.join(tmp, "nowhere")} is not a directory\n`,
            },
            { script: "policy", args: [], code: 2, stderr: /^policy: no plan given\nusage: npm run policy/ },
            { script: "policy", args: [missing], code: 1, stderr: `policy: plan ${missing} does not exist\n` },
            { script: "policy", args: [notJson], code: 1, stderr: /^policy: plan .*plan\.json is not JSON: .*\n$/ },
            {
                script: "policy",
                args: [notJson, "--level", "iam-least-privilage=advisory"],
                code: 2,
                stderr: /^policy: --level iam-least-privilage=advisory: unknown policy "iam-least-privilage"; expected one of no-public-storage, .*iam-least-privilege,/,
            },
            {
                script: "policy",
                args: [notJson, "--level", "iam-least-privilege=warn"],
                code: 2,
                stderr: /^policy: --level iam-least-privilege=warn: unknown level "warn"; expected one of advisory, mandatory, disabled\n/,
            },
            {
                script: "policy",
                args: [notJson, "--level", "iam-least-privilege"],
                code: 2,
                stderr: /^policy: --level iam-least-privilege: expected <policy>=<level>\n/,
            },
            { script: "plan-diff", args: ["--head", tmp], code: 2, stderr: /^plan-diff: --base is required\nusage:/ },
            {
                script: "plan-diff",
                args: ["--base", tmp, "--head", path.join(tmp, "head")],
                code: 1,
                stderr: `plan-diff: --head ${path.join(tmp, "head")} is not a directory; synthesize into it first: npm run synth -- --out ${path.join(tmp, "head")}\n`,
            },
            {
                script: "gen:config",
                args: ["extra"],
                code: 2,
                stderr: /^gen:config: Unexpected argument 'extra'. This command does not take positional arguments\nusage:/,
            },
            {
                script: "bench",
                args: ["--stack", "nope"],
                code: 2,
                stderr: /^bench: --stack nope: unknown stack; expected one of aws, azure, ci, gcp\n/,
            },
        ];
        for (const row of rows) {
            it(`${row.script} ${row.args.map((a) => path.basename(a)).join(" ") || "(no arguments)"} exits ${row.code} saying what is wrong`, async () => {
                const r = await npmRun(row.script, row.args);
                assert.equal(r.code, row.code, r.stderr);
                if (typeof row.stderr === "string") assert.equal(r.stderr, row.stderr);
                else assert.match(r.stderr, row.stderr);
                assertNoTrace(r);
            });
        }

        it("plan-diff reads a base directory that does not exist as no stack", async () => {
            const head = path.join(tmp, "out-head");
            fs.mkdirSync(path.join(head, "ci"), { recursive: true });
            fs.writeFileSync(
                path.join(head, "ci", "plan.json"),
                JSON.stringify({ project: "okd-ci", stack: "ci", resources: [], outputs: {} }),
            );
            const r = await npmRun("plan-diff", ["--base", path.join(tmp, "no-base"), "--head", head]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /\| ci \(added\) \| 0 \| 0 \| 0 \| 0 \|/);
        });

        it("bench names hyperfine and GNU time with the install command when they are missing, before any work", async () => {
            // A PATH with only node on it: neither tool can be found.
            const bin = path.join(tmp, "bin");
            fs.mkdirSync(bin, { recursive: true });
            fs.symlinkSync(process.execPath, path.join(bin, "node"));
            const r = await npmRun("bench", [], { ...process.env, PATH: bin });
            assert.equal(r.code, 1, r.stderr);
            assert.equal(
                r.stderr,
                "bench: needs hyperfine and GNU time on PATH; install with: sudo apt-get install -y hyperfine time\n",
            );
            assertNoTrace(r);
        });

        it("bench takes bash's `time` for no GNU time: a `time` without GNU's --version is missing", async () => {
            const bin = path.join(tmp, "bin-fake-time");
            fs.mkdirSync(bin, { recursive: true });
            fs.symlinkSync(process.execPath, path.join(bin, "node"));
            // A `time` that is not GNU time (as on macOS, whose /usr/bin/time has no --version or %M).
            fs.writeFileSync(path.join(bin, "time"), "#!/bin/sh\necho 'usage: time utility' >&2\nexit 1\n", {
                mode: 0o755,
            });
            const r = await npmRun("bench", [], { ...process.env, PATH: bin });
            assert.equal(r.code, 1, r.stderr);
            assert.match(r.stderr, /^bench: needs hyperfine and GNU time on PATH; /);
        });
    });
});
