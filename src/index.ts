/**
 * The entry of the program bundle (launch/bundle.js builds it with esbuild): what `pulumi preview`/`up` run through
 * Pulumi.yaml's `main: launch/pulumi.js`, and what `npm run synth` runs through launch/synth.js, so both run the same
 * compiled code. The program itself is in ./program.ts; each part is loaded when first called, so loading the bundle
 * loads nothing, `pulumi up` never loads the synth code, and synth installs its mock runtime before any program module
 * loads.
 */
import type { SynthResult } from "./synth/synth";
import type { StackConfig } from "./synth/stackfile";

/** The okd-ci program (./program.ts): validates the stack configuration, declares the resources, returns the outputs. */
export async function run(): Promise<Record<string, unknown>> {
    const program = await import("./program");
    return program.run();
}

/** `npm run synth`: the synth CLI (./synth/cli.ts) with this process's arguments; exits the process when done. */
export async function synthCli(): Promise<void> {
    const cli = await import("./synth/cli");
    cli.synthCli();
}

/** One synth without the CLI (./synth/synth.ts), for the tests' synth runner (test/fixtures/synth-run.js). */
export async function synthesize(stack: string, config: StackConfig): Promise<SynthResult> {
    const synth = await import("./synth/synth");
    return synth.synthesize(stack, config);
}
