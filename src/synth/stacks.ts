import * as fs from "node:fs";

/**
 * Stacks are the `Pulumi.<stack>.yaml` files next to `Pulumi.yaml`. A module of its own, importing nothing else, so a
 * tool that only lists stacks (`npm run bench`) does not load the Pulumi runtime and the config schema with
 * `./stackfile`, which re-exports it.
 */
export function listStacks(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}
