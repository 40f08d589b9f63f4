/**
 * The status renderer as one JavaScript file for the pipelines: scripts/status.ts (the `npm run status` program)
 * bundled with its imports (zod included) by esbuild, for node in the tools image. The pipeline steps run this
 * bundle, so the page they publish is made by exactly the code `npm run status` runs and the tests exercise.
 *
 * Built when the program is synthesized, from the checked-out sources; nothing generated is committed. esbuild's
 * output depends only on its version and the sources, so synth output stays byte-identical between runs.
 */
import * as path from "node:path";

import { buildSync } from "esbuild";

/** Key of the bundle in the okd-status-renderer ConfigMap, and its file name where steps mount it. */
export const rendererFile = "status.js";

let cached: string | undefined;

export function statusRendererBundle(): string {
    if (cached !== undefined) return cached;
    const result = buildSync({
        entryPoints: [path.resolve(__dirname, "..", "..", "..", "scripts", "status.ts")],
        bundle: true,
        platform: "node",
        // Fedora 41's nodejs is 22; the development machine's is 20.
        target: "node20",
        format: "cjs",
        write: false,
        minify: false,
        legalComments: "inline",
        logLevel: "silent",
        // Paths in the bundle are relative to the repository, not to the machine that synthesized it.
        absWorkingDir: path.resolve(__dirname, "..", "..", ".."),
        banner: {
            js: "// okd-ci release status renderer: scripts/status.ts bundled by esbuild (components/pipelines/status/bundle.ts).",
        },
    });
    cached = result.outputFiles[0].text;
    return cached;
}
