import type { Component, Stream } from "../../src/config/schema";
import type { GateAccess } from "../shared/site";
import type { PipelineContext } from "./context";
import { defaultBuilderImage, defaultRpmsImage } from "./images";
import { assembleTaskName } from "./tasks/assemble";
import { buildComponentTaskName } from "./tasks/build-component";
import { destroyTaskName, e2eWorkspace, gateTaskName, gateTimeouts, pullSecretTaskName } from "./tasks/e2e-gate";
import { finalizeTaskName } from "./tasks/finalize";
import { machineOsTaskName } from "./tasks/machine-os";
import { toolsImageArg, toolsImagePipelineTask, toolsImagePipelineTaskOf } from "./tasks/tools-image";
import { verdictTaskName } from "./tasks/verdict";
import { type PipelineSpec, type PipelineTask, ref } from "./tekton";

/** Pipeline task names of the nightly, shared with the run templates (taskRunSpecs) and the docs. */
export const nightlyTasks = {
    toolsImage: toolsImagePipelineTask,
    machineOs: "machine-os",
    buildBatch: (i: number) => `build-components-${i + 1}`,
    assemble: "assemble",
    pullSecret: "e2e-pull-secret",
    gate: (g: GateAccess) => `e2e-${g.platform}`,
    destroy: (g: GateAccess) => `destroy-${g.platform}`,
    verdict: "verdict",
    finalize: "finalize-record",
} as const;

/**
 * One attempt of finalize-record: waiting for the destroys (at most their timeout), then uploading the logs and
 * closing the record (minutes).
 */
export const finalizeTimeout = "1h15m";

/**
 * The nightly's `finally` budget, one clock for all its tasks, which start together: the destroys (one attempt each,
 * `gateTimeouts.destroy`) run inside finalize-record's first attempt, and finalize-record may be retried once.
 */
export const nightlyFinallyTimeout = "2h30m";

export interface NightlyOptions {
    /** At most this many component builds run at once: components go in batches of this size, one batch at a time. */
    maxParallelBuilds: number;
    /** Replaces `registry.ci.openshift.org/ocp/builder:*` in component Containerfiles. */
    builderImage?: string;
}

/** `4.15` → `4.14`: the minor whose newest promoted release upgrades into this stream; none below x.0. */
export function previousMinor(minor: string): string {
    const [major, m] = minor.split(".").map(Number);
    return m > 0 ? `${major}.${m - 1}` : "";
}

/** Components in batches of `size`, in configuration order. */
export function batches<T>(items: T[], size: number): T[][] {
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
    return out;
}

const buildArgsText = (c: Component) =>
    Object.entries(c.buildArgs)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n");

/**
 * The nightly of one stream:
 *
 *   tools-image ┬→ machine-os ───────────────────────────┐
 *               └→ build-components-1 → … → -N ──────────┴→ assemble → e2e-pull-secret → e2e-<cloud> (each gate, in parallel) → verdict
 *   finally: destroy-<cloud> (each gate that ran) ∥ finalize-record (waits for the destroys, then uploads and records)
 *
 * Every task that runs the tools image takes it from tools-image's results, so it runs after tools-image. The finally
 * tasks do too: if tools-image failed, Tekton skips them for a missing result, and rightly, as nothing else ran (no
 * record, no cluster), exactly as a failed assemble already skips finalize-record.
 */
export function nightlyPipeline(
    ctx: PipelineContext,
    stream: Stream,
    gates: GateAccess[],
    options: NightlyOptions,
): PipelineSpec {
    const t = nightlyTasks;
    const run = "$(context.pipelineRun.name)";
    const componentBatches = batches(stream.components, options.maxParallelBuilds);

    const machineOs: PipelineTask = {
        name: t.machineOs,
        taskRef: ref(machineOsTaskName),
        runAfter: [t.toolsImage],
        params: [
            toolsImageArg,
            { name: "fcos-stream", value: "$(params.fcos-stream)" },
            { name: "rpms-image", value: "$(params.rpms-image)" },
            { name: "image", value: ctx.repositories.machineOs.apply((r) => `${r}:${run}`) },
        ],
        timeout: "2h",
        retries: 1,
    };

    const builds: PipelineTask[] = componentBatches.map((batch, i) => ({
        name: t.buildBatch(i),
        taskRef: ref(buildComponentTaskName),
        runAfter: [i > 0 ? t.buildBatch(i - 1) : t.toolsImage],
        params: [
            toolsImageArg,
            { name: "branch", value: "$(params.branch)" },
            { name: "variant", value: "$(params.variant)" },
            { name: "builder-image", value: "$(params.builder-image)" },
        ],
        // Each include entry is one component (its name names the TaskRun); the pipeline task's params are shared.
        matrix: {
            include: batch.map((c) => ({
                name: c.name,
                params: [
                    { name: "repository", value: c.repository },
                    { name: "dockerfile", value: c.dockerfile },
                    { name: "context", value: c.context },
                    { name: "build-args", value: buildArgsText(c) },
                    { name: "image", value: ctx.repositories.components.apply((r) => `${r}:${c.name}-${run}`) },
                ],
            })),
        },
        timeout: "4h",
        retries: 1,
    }));

    const assemble: PipelineTask = {
        name: t.assemble,
        taskRef: ref(assembleTaskName),
        runAfter: [t.machineOs, ...builds.map((b) => b.name)],
        params: [
            toolsImageArg,
            { name: "minor", value: "$(params.minor)" },
            { name: "name-stream", value: stream.variant === "scos" ? "okd-scos" : "okd" },
            { name: "base-payload", value: "$(params.base-payload)" },
            { name: "components", value: stream.components.map((c) => c.name).join(" ") },
            { name: "build-tag", value: run },
            { name: "machine-os-image", value: `$(tasks.${t.machineOs}.results.IMAGE_URL)` },
            { name: "machine-os-digest", value: `$(tasks.${t.machineOs}.results.IMAGE_DIGEST)` },
            { name: "previous-minor", value: previousMinor(stream.minor) },
            { name: "pipeline-run", value: run },
        ],
        timeout: "2h",
        retries: 1,
    };

    const payload = `$(tasks.${t.assemble}.results.IMAGE_URL)@$(tasks.${t.assemble}.results.IMAGE_DIGEST)`;
    const e2e = [{ name: e2eWorkspace, workspace: e2eWorkspace }];
    const gateTasks: PipelineTask[] =
        gates.length === 0
            ? []
            : [
                  { name: t.pullSecret, taskRef: ref(pullSecretTaskName), runAfter: [t.assemble], workspaces: e2e },
                  ...gates.map((g) => ({
                      name: t.gate(g),
                      taskRef: ref(gateTaskName(g.platform)),
                      runAfter: [t.pullSecret],
                      params: [
                          toolsImageArg,
                          { name: "release-image", value: payload },
                          { name: "tests-image", value: `$(tasks.${t.assemble}.results.tests-image)` },
                          { name: "run-id", value: "$(context.pipelineRun.uid)" },
                      ],
                      workspaces: e2e,
                      timeout: gateTimeouts.task,
                  })),
              ];

    const gatesJson = `[${gates
        .map(
            (g) =>
                `{"gate":"${g.platform}","blocking":${g.blocking},"outcome":"$(tasks.${t.gate(g)}.results.outcome)"}`,
        )
        .join(",")}]`;
    const verdict: PipelineTask = {
        name: t.verdict,
        taskRef: ref(verdictTaskName),
        runAfter: gates.length === 0 ? [t.assemble] : gates.map((g) => t.gate(g)),
        params: [
            toolsImageArg,
            { name: "minor", value: "$(params.minor)" },
            { name: "name", value: `$(tasks.${t.assemble}.results.name)` },
            { name: "gates", value: gatesJson },
        ],
        retries: 2,
    };

    const destroys: PipelineTask[] = gates.map((g) => ({
        name: t.destroy(g),
        taskRef: ref(destroyTaskName(g.platform)),
        // A gate that never started created nothing; every other outcome (passed, failed, timed out, cancelled) may have.
        when: [{ input: `$(tasks.${t.gate(g)}.status)`, operator: "notin", values: ["None"] }],
        params: [toolsImageArg, { name: "release-image", value: payload }],
        workspaces: e2e,
        // No Tekton retries: e2e-destroy.sh makes its attempts within this one timeout, so that the destroy and
        // finalize-record, which waits for it, both fit the finally budget.
        timeout: gateTimeouts.destroy,
    }));

    const finalize: PipelineTask = {
        name: t.finalize,
        taskRef: ref(finalizeTaskName),
        params: [
            toolsImageArg,
            { name: "minor", value: "$(params.minor)" },
            { name: "name", value: `$(tasks.${t.assemble}.results.name)` },
            { name: "pipeline-status", value: "$(tasks.status)" },
            ...(gates.length > 0
                ? [
                      {
                          name: "gate-statuses",
                          value: gates.map((g) => `${g.platform}=$(tasks.${t.gate(g)}.status)`).join(" "),
                      },
                  ]
                : []),
        ],
        ...(gates.length > 0 ? { workspaces: e2e } : {}),
        timeout: finalizeTimeout,
        retries: 1,
    };

    return {
        description: `OKD ${stream.minor} nightly: provide the tools image, build machine-os and components, assemble the payload, gate it, record the verdict.`,
        params: [
            { name: "minor", description: "The stream.", default: stream.minor },
            { name: "branch", description: "Branch of the component repositories.", default: stream.branch },
            { name: "variant", description: "okd or scos (TAGS of component builds).", default: stream.variant },
            { name: "fcos-stream", description: "Fedora CoreOS stream of machine-os.", default: stream.fcosStream },
            { name: "base-payload", description: "Payload the stream starts from.", default: stream.basePayload },
            {
                name: "builder-image",
                description: "Builder image substituted into component Containerfiles.",
                default: options.builderImage ?? defaultBuilderImage,
            },
            {
                name: "rpms-image",
                description: "Image carrying the OKD RPMs for machine-os.",
                default: defaultRpmsImage(stream.minor),
            },
        ],
        workspaces:
            gates.length > 0
                ? [{ name: e2eWorkspace, description: "Installer state, pull secret and logs of the e2e gates." }]
                : [],
        tasks: [toolsImagePipelineTaskOf(ctx), machineOs, ...builds, assemble, ...gateTasks, verdict],
        finally: [...destroys, finalize],
    };
}
