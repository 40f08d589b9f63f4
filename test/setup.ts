/**
 * Root hooks: one Recorder is Pulumi's mock runtime for the whole mocha process. It is installed before any test
 * runs; tests create components in `it`/`before` blocks, never at module load, so nothing escapes the mocks.
 *
 * The Go-built test tools (scripts/ensure-test-tools.sh links them into .tools/bin) come first on PATH, so the step
 * scripts under test find the real `oc` exactly as they would in the tools image.
 */
import * as path from "node:path";

import { Recorder } from "../src/synth/recorder";

process.env.PATH = `${path.resolve(__dirname, "..", ".tools", "bin")}${path.delimiter}${process.env.PATH ?? ""}`;

export const recorder = new Recorder({ ids: true });

export const mochaHooks = {
    async beforeAll(): Promise<void> {
        await recorder.install("okd-ci", "test", /* preview */ false);
    },
};
