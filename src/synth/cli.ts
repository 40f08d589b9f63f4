/**
 * `npm run synth -- --stack <name> [--out <dir>]`: the program's plan and manifests, offline.
 * See README "Synth a stack offline".
 */
import * as path from "node:path";
import { parseArgs } from "node:util";

import { ConfigError } from "../config/load";
import { StackFileError, listStacks, readStackConfig } from "./stackfile";
import { synthesize, writeSynth } from "./synth";

const usage = "usage: npm run synth -- --stack <name> [--out <dir>] [--config-dir <dir with Pulumi.<stack>.yaml>]";

async function main(): Promise<number> {
    let args;
    try {
        args = parseArgs({
            options: {
                stack: { type: "string" },
                out: { type: "string", default: "out" },
                "config-dir": { type: "string", default: path.resolve(__dirname, "..", "..") },
            },
        }).values;
    } catch (err) {
        console.error(`${(err as Error).message}\n${usage}`);
        return 2;
    }
    const root = path.resolve(args["config-dir"] ?? ".");
    if (!args.stack) {
        console.error(`--stack is required; known stacks: ${listStacks(root).join(", ")}\n${usage}`);
        return 2;
    }
    try {
        const result = await synthesize(args.stack, readStackConfig(root, args.stack));
        const dir = writeSynth(path.resolve(args.out ?? "out"), result);
        console.log(result.summary);
        console.log(
            `\nWrote ${path.relative(process.cwd(), dir) || dir}/plan.json and ${result.manifests.length} manifest files.`,
        );
        return 0;
    } catch (err) {
        if (err instanceof ConfigError || err instanceof StackFileError) {
            console.error(`synth ${args.stack}: ${err.message}`);
            return 1;
        }
        console.error(`synth ${args.stack} failed:`, err);
        return 1;
    }
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);
