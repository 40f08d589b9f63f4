/**
 * Root hooks: one Recorder is Pulumi's mock runtime for the whole mocha process. It is installed before any test
 * runs; tests create components in `it`/`before` blocks, never at module load, so nothing escapes the mocks.
 */
import { Recorder } from "../src/synth/recorder";

export const recorder = new Recorder({ ids: true });

export const mochaHooks = {
    async beforeAll(): Promise<void> {
        await recorder.install("okd-ci", "test", /* preview */ false);
    },
};
