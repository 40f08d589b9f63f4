/**
 * What every npm script (`synth`, `policy`, `plan-diff`, `gen:config`, `bench`) does the same way at its edges:
 *
 * - `--help` / `-h` prints the usage on stdout and exits 0;
 * - a usage mistake (unknown option, missing or bad argument) prints one line saying what is wrong, then the usage,
 *   on stderr, and exits 2;
 * - a user mistake found later (a missing file or tool, bad content) prints one line naming it and exits 1;
 * - anything else is a bug in the script and keeps its stack trace (exit 1), so it can be reported.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";

/** A mistake in how the script was called: exit 2 with the usage. */
export class UsageError extends Error {}

/** A mistake in what the script was given (a file, a tool, a value): one line, exit 1, no stack trace. */
export class UserError extends Error {}

export interface Cli {
    /** Script name as the user types it after `npm run`, e.g. `policy`. */
    name: string;
    /** Usage text: first line `usage: npm run <name> -- …`, then what each option does. */
    usage: string;
}

/** `node:util` parseArgs, with `--help` handled and its errors turned into UsageErrors. */
export function parseCli<T extends ParseArgsConfig>(cli: Cli, config: T): ReturnType<typeof parseArgs<T>> {
    const argv = config.args ?? process.argv.slice(2);
    // Only before `--`: after it, `--help` is a value.
    const flags = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
    if (flags.includes("--help") || flags.includes("-h")) {
        process.stdout.write(`${cli.usage.trimEnd()}\n`);
        process.exit(0);
    }
    try {
        return parseArgs<T>({ ...config, args: argv, strict: true });
    } catch (err) {
        // ERR_PARSE_ARGS_UNKNOWN_OPTION, ERR_PARSE_ARGS_INVALID_OPTION_VALUE, ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL:
        // their messages name the argument; the advice about `--` they add does not apply to npm scripts.
        throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
    }
}

/** Runs `main` and exits with its code, printing user and usage mistakes as one line each. */
export function runCli(cli: Cli, main: () => number | Promise<number>): void {
    Promise.resolve()
        .then(main)
        .then(
            (code) => process.exit(code),
            (err: unknown) => {
                if (err instanceof UsageError) {
                    process.stderr.write(`${cli.name}: ${err.message}\n${cli.usage.trimEnd()}\n`);
                    process.exit(2);
                }
                if (err instanceof UserError) {
                    process.stderr.write(`${cli.name}: ${err.message}\n`);
                    process.exit(1);
                }
                process.stderr.write(`${cli.name}: internal error (please report it):\n`);
                console.error(err);
                process.exit(1);
            },
        );
}

/** Reads a file the user named, or says in one line which one is missing or unreadable. */
export function readUserFile(file: string, what: string): string {
    try {
        return fs.readFileSync(file, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why =
            code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : `cannot be read (${code})`;
        throw new UserError(`${what} ${file} ${why}`);
    }
}

/** Parses JSON from a file the user named, or says in one line that it is not JSON. */
export function readUserJson<T>(file: string, what: string): T {
    const text = readUserFile(file, what);
    try {
        return JSON.parse(text) as T;
    } catch (err) {
        throw new UserError(`${what} ${file} is not JSON: ${(err as Error).message}`);
    }
}

/** Full path of `command` on PATH (as execvp would find it), or undefined. */
export function onPath(command: string, envPath = process.env.PATH ?? ""): string | undefined {
    for (const dir of envPath.split(path.delimiter).filter((d) => d !== "")) {
        const candidate = path.join(dir, command);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}
