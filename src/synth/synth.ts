import * as fs from "node:fs";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";
import { serializeProperties } from "@pulumi/pulumi/runtime/rpc";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";

import { project } from "../config/load";
import { Recorder } from "./recorder";
import { type ManifestFile, type Plan, buildPlan, planJson, renderManifests, summarize } from "./render";
import { handRuns } from "./runs";
import { type StackConfig, withSecretPlaceholders } from "./stackfile";
import type { RequiredSecret } from "../config/load";

export interface SynthResult {
    plan: Plan;
    manifests: ManifestFile[];
    /** Hand-run PipelineRuns, one per Pipeline a trigger starts (`runs/<pipeline>.yaml`). */
    runs: ManifestFile[];
    summary: string;
    recorder: Recorder;
    /** Required secrets the stack does not set, previewed with placeholders; `pulumi preview` needs them set. */
    placeholders: RequiredSecret[];
}

/**
 * Runs the real program under Pulumi's mock runtime, as a `pulumi preview` would run it, with the stack's
 * configuration and no CLI, plugin, credential or network. One program per process: Pulumi's runtime is global.
 */
export async function synthesize(stack: string, given: StackConfig): Promise<SynthResult> {
    const {
        stackConfig: { config, secretKeys },
        placeholders,
    } = withSecretPlaceholders(stack, given);
    const recorder = new Recorder({ ids: false });
    const failures: unknown[] = [];
    const onRejection = (reason: unknown) => failures.push(reason);
    process.on("unhandledRejection", onRejection);
    try {
        await recorder.install(project, stack, /* preview */ true);
        pulumi.runtime.setAllConfig(config, secretKeys);
        // Marks (User Timing) where a synth's time goes; `npm run bench` reads them (bench/timings.mjs).
        performance.mark("okd-ci:mocks-installed");
        const { run } = await import("../program");
        // As the CLI's language host does: the root Stack resource parents everything and carries the outputs.
        // Its return value resolves to plain values (secretness dropped) and is undefined when any output is unknown
        // in a preview, so serialize what `run` returned instead.
        let outputs: Record<string, unknown> = {};
        await runInPulumiStack(async () => {
            outputs = await run();
            performance.mark("okd-ci:program-returned");
        });
        const wire = (await serializeProperties("synth outputs", outputs)) as Record<string, unknown>;
        await recorder.settle();
        performance.mark("okd-ci:engine-settled");
        if (failures.length > 0) throw failures[0];
        const plan = buildPlan(project, stack, recorder.resources, wire);
        const result = {
            plan,
            manifests: renderManifests(plan),
            runs: handRuns(plan),
            summary: summarize(plan),
            recorder,
            placeholders,
        };
        performance.mark("okd-ci:rendered");
        return result;
    } finally {
        process.off("unhandledRejection", onRejection);
    }
}

/**
 * Writes `<out>/<stack>/plan.json`, `<out>/<stack>/manifests/*.yaml` and `<out>/<stack>/runs/<pipeline>.yaml`,
 * replacing what was there.
 */
export function writeSynth(outDir: string, result: SynthResult): string {
    const dir = path.join(outDir, result.plan.stack);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, "manifests"), { recursive: true });
    fs.writeFileSync(path.join(dir, "plan.json"), planJson(result.plan));
    for (const m of result.manifests) fs.writeFileSync(path.join(dir, "manifests", m.file), m.content);
    if (result.runs.length > 0) fs.mkdirSync(path.join(dir, "runs"));
    for (const r of result.runs) fs.writeFileSync(path.join(dir, "runs", r.file), r.content);
    performance.mark("okd-ci:written");
    return dir;
}
