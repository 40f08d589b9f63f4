/**
 * `npm run synth -- --stack <name> [--out <dir>]`: the program's plan and manifests, offline.
 * See README "Preview a platform". `npm run synth` runs launch/synth.js, which loads the program bundle
 * (launch/bundle.js) and calls synthCli() from it.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { type Cli, UsageError, UserError, parseCli, runCli } from "../../scripts/cli";
import { ConfigError } from "../config/load";
import { StackFileError, listStacks, readStackConfig } from "./stackfile";
import { synthesize, writeSynth } from "./synth";

const cli: Cli = {
    name: "synth",
    usage: `usage: npm run synth -- --stack <name> [--out <dir>] [--config-dir <dir>]

Runs the program offline under Pulumi's mock runtime with Pulumi.<name>.yaml, as pulumi preview would, and writes
<out>/<name>/plan.json, <out>/<name>/manifests/ and <out>/<name>/runs/ (a PipelineRun per Pipeline, to start by hand). Exits 1 listing every problem of an invalid configuration.

  --stack <name>      the stack: one Pulumi.<name>.yaml in the config directory
  --out <dir>         where to write (default: out)
  --config-dir <dir>  the directory holding Pulumi.<name>.yaml (default: the repository)
  -h, --help          this text`,
};

async function main(): Promise<number> {
    const args = parseCli(cli, {
        options: {
            stack: { type: "string" },
            out: { type: "string", default: "out" },
            "config-dir": { type: "string", default: path.resolve(__dirname, "..", "..") },
        },
    }).values;
    const root = path.resolve(args["config-dir"] ?? ".");
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
        throw new UserError(`--config-dir ${root} is not a directory`);
    }
    if (!args.stack) throw new UsageError(`--stack is required; known stacks: ${listStacks(root).join(", ")}`);
    try {
        const result = await synthesize(args.stack, readStackConfig(root, args.stack));
        const dir = writeSynth(path.resolve(args.out ?? "out"), result);
        console.log(result.summary);
        if (result.placeholders.length > 0) {
            console.log(
                [
                    "",
                    `Previewed with placeholders for ${result.placeholders.length} required secret(s) the stack does not set; pulumi preview stops until each is set:`,
                    ...result.placeholders.map((p) => `  ${p.command}    # ${p.key}: ${p.because}`),
                ].join("\n"),
            );
        }
        console.log(
            `\nWrote ${path.relative(process.cwd(), dir) || dir}/plan.json, ${result.manifests.length} manifest files and ${result.runs.length} hand-run PipelineRuns (runs/).`,
        );
        return 0;
    } catch (err) {
        if (err instanceof ConfigError || err instanceof StackFileError) {
            console.error(`synth ${args.stack}: ${err.message}`);
            return 1;
        }
        const e = err as NodeJS.ErrnoException;
        // A directory --out cannot be written to is the user's to fix, not a bug.
        if (typeof e.code === "string" && typeof e.path === "string") {
            throw new UserError(`cannot write ${e.path}: ${e.code}`);
        }
        throw err;
    }
}

/** Runs the synth CLI with this process's arguments and exits with its code. */
export function synthCli(): void {
    runCli(cli, main);
}
