/**
 * The status renderer as one JavaScript file for the pipelines: scripts/status.ts (the `npm run status` program)
 * bundled with its imports (zod included) by esbuild, for node in the tools image. The pipeline steps run this
 * bundle, so the page they publish is made by exactly the code `npm run status` runs and the tests exercise.
 *
 * Built when the program is synthesized, from the checked-out sources; nothing generated is committed. esbuild's
 * output depends only on its version and the sources, so synth output stays byte-identical between runs.
 */
import * as fs from "node:fs";

import { type BundleSpec, ensureSync } from "../../../launch/bundle";

/** Key of the bundle in the okd-status-renderer ConfigMap, and its file name where steps mount it. */
export const rendererFile = "status.js";

/**
 * Built like the program bundle (launch/bundle.js): once per content of its inputs, kept in node_modules/.cache/okd-ci,
 * so a synth reads a file instead of running esbuild.
 */
const renderer: BundleSpec = {
    name: "status-renderer",
    entry: "scripts/status.ts",
    options: {
        bundle: true,
        platform: "node",
        // Fedora 41's nodejs is 22; the development machine's is 20.
        target: "node20",
        format: "cjs",
        minify: false,
        legalComments: "inline",
        // Paths in the bundle are relative to the repository (launch/bundle.js builds from it), not to the machine.
        banner: {
            js: "// okd-ci release status renderer: scripts/status.ts bundled by esbuild (components/pipelines/status/bundle.ts).",
        },
    },
};

let cached: string | undefined;

export function statusRendererBundle(): string {
    if (cached === undefined) cached = fs.readFileSync(ensureSync(renderer).file, "utf8");
    return cached;
}
