import * as pulumi from "@pulumi/pulumi";

import type { Component, Stream } from "../shared/model";
import { buildTags, nodeImageTags } from "../shared/variants";
import type { GateAccess } from "../shared/site";
import type { PipelineContext } from "./context";
import { componentStages, defaultBaseImage, defaultBuilderImage, defaultRpmsImage } from "./images";
import { nightlyGateTasks } from "./nightly-gates";
import { assembleTaskName } from "./tasks/assemble";
import { buildComponentTaskName, builtResult } from "./tasks/build-component";
import { e2eWorkspace } from "./tasks/e2e-gate";
import { finalizeTaskName } from "./tasks/finalize";
import { machineOsTaskName, okdMachineOsBranch } from "./tasks/machine-os";
import { streamCoreosTaskName } from "./tasks/stream-coreos";
import { toolsImageArg, toolsImagePipelineTask, toolsImagePipelineTaskOf } from "./tasks/tools-image";
import { upgradeGateName } from "./tasks/upgrade-gate";
import { type PipelineSpec, type PipelineTask, ref } from "./tekton";

/** Pipeline task names of the nightly, shared with the run templates (taskRunSpecs) and the docs. */
export const nightlyTasks = {
    toolsImage: toolsImagePipelineTask,
    /** OKD/FCOS: builds machine-os from Fedora CoreOS. */
    machineOs: "machine-os",
    /** OKD/SCOS: resolves the CentOS Stream CoreOS node images. */
    streamCoreos: "stream-coreos",
    buildBatch: (i: number) => `build-components-${i + 1}`,
    assemble: "assemble",
    pullSecret: "e2e-pull-secret",
    /** Installer directory and metadata.json, no cloud resource (the gate's pods). */
    prepare: (g: GateAccess) => `prepare-${g.platform}`,
    /** metadata.json into artifact storage before the cluster exists (the pipeline identity). */
    register: (g: GateAccess) => `register-${g.platform}`,
    /** create cluster (the gate's pods). */
    install: (g: GateAccess) => `install-${g.platform}`,
    /** A fresh pull-only secret after the install, for the cluster's refresh before the tests (the pull identity). */
    pullSecretGate: (g: GateAccess) => `pull-secret-${g.platform}`,
    /** Refreshes the cluster's pull secret, then the conformance suite; its outcome is the gate's. */
    gate: (g: GateAccess) => `e2e-${g.platform}`,
    destroy: (g: GateAccess) => `destroy-${g.platform}`,
    /** The upgrade gate's cluster (earlier release): prepared, registered, created as an install gate's. */
    prepareUpgrade: (g: GateAccess) => `prepare-upgrade-${g.platform}`,
    registerUpgrade: (g: GateAccess) => `register-upgrade-${g.platform}`,
    installUpgrade: (g: GateAccess) => `install-upgrade-${g.platform}`,
    /** A fresh pull-only secret, minted after the install and before the upgrade (the pull identity). */
    pullSecretUpgrade: (g: GateAccess) => `pull-secret-upgrade-${g.platform}`,
    /** Refreshes the cluster's pull secret, then upgrades it to the payload; its results are the gate's. */
    upgradeGate: (g: GateAccess) => `e2e-upgrade-${g.platform}`,
    destroyUpgrade: (g: GateAccess) => `destroy-upgrade-${g.platform}`,
    /** Decides the verdict (its first steps) from the gates' task statuses, waits for the destroys, closes the record. */
    finalize: "finalize-record",
} as const;

/**
 * One attempt of finalize-record, the sum of its steps' bounds (tasks/finalize.ts) and a few minutes for the pod and
 * its images: deciding and recording the verdict (1m + 3m), waiting for the destroys (at most their timeout, 1h),
 * unregistering (3m), uploading the logs (15m), closing the record (5m) and publishing the status site (20m).
 */
export const finalizeTimeout = "1h50m";

/**
 * The nightly's `finally` budget, one clock for all its tasks, which start together: the destroys (one attempt each,
 * `gateTimeouts.destroy`) run inside finalize-record's first attempt, and finalize-record may be retried once.
 */
export const nightlyFinallyTimeout = "3h40m";

export interface NightlyOptions {
    /**
     * At most this many component builds run at once: components go in matrix batches of this size, one batch at a
     * time. `defaultMaxParallelBuilds` puts them all in one fan-out (up to Tekton's matrix limit).
     */
    maxParallelBuilds: number;
    /** Replaces the Go builder stages of component Containerfiles (`defaultBuilderImage`; may use {rhel}, {go}, {ocp}). */
    builderImage?: string;
}

/** `4.15` → `4.14`: the minor whose newest promoted release upgrades into this stream; none below x.0. */
export function previousMinor(minor: string): string {
    const [major, m] = minor.split(".").map(Number);
    return m > 0 ? `${major}.${m - 1}` : "";
}

/**
 * Components in batches of at most `size`, in configuration order, except that a component goes in a later batch than
 * each component of the run it builds FROM (`buildsFrom`, e.g. `componentStages` of the stream's components): batches
 * run one after another, so its build finds that image pushed.
 */
export function batches<T extends { name: string }>(
    items: T[],
    size: number,
    buildsFrom: Record<string, string[]> = {},
): T[][] {
    const names = new Set(items.map((i) => i.name));
    const depsOf = (i: T) => (buildsFrom[i.name] ?? []).filter((d) => names.has(d) && d !== i.name);
    // Dependencies first, otherwise configuration order (a cycle falls back to configuration order).
    const ordered: T[] = [];
    const placed = new Set<string>();
    const visit = (i: T, path: Set<string>) => {
        if (placed.has(i.name) || path.has(i.name)) return;
        path.add(i.name);
        for (const d of depsOf(i)) visit(items.find((x) => x.name === d) as T, path);
        placed.add(i.name);
        ordered.push(i);
    };
    for (const i of items) visit(i, new Set());
    // Never a gap: a component goes at most one past the last batch (its dependencies' batches all exist).
    const out: T[][] = [];
    const batchOf = new Map<string, number>();
    for (const i of ordered) {
        let b = Math.max(0, ...depsOf(i).map((d) => (batchOf.get(d) ?? -1) + 1));
        while (out[b] && out[b].length >= size) b++;
        (out[b] ??= []).push(i);
        batchOf.set(i.name, b);
    }
    return out;
}

const buildArgsText = (c: Component) =>
    Object.entries(c.buildArgs)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n");

/** The component batches of a stream's nightly. */
export const streamBatches = (stream: Stream, size: number): Component[][] =>
    batches(stream.components, size, componentStages(stream.components));

/**
 * The nightly of one stream:
 *
 *   tools-image ┬→ machine-os | stream-coreos ──────────┐
 *               └→ build-components-1 → … → -N ──────────┴→ assemble → e2e-pull-secret → prepare-<cloud> → register-<cloud> → install-<cloud>
 *                                                                        → pull-secret-<cloud> → e2e-<cloud> (each gate, in parallel)
 *                                                              (upgradeGate) └→ prepare-upgrade-<cloud> → register-upgrade-<cloud> → install-upgrade-<cloud>
 *                                                                                 → pull-secret-upgrade-<cloud> → e2e-upgrade-<cloud>
 *   finally: destroy-<cloud> (each gate that ran) ∥ finalize-record (decides the verdict from each gate chain's task
 *            statuses and the outcomes the gates left in the e2e workspace, waits for the destroys, uploads, records)
 *
 * OKD/FCOS builds its node image (machine-os, layered on Fedora CoreOS); OKD/SCOS resolves OKD's CentOS Stream CoreOS
 * images to digests (stream-coreos). Either hands assembly `<tag>=<image>@<digest>` lines for the node tags the
 * variant's machine-config-operator names (`nodeImageTags`).
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
    const componentBatches = streamBatches(stream, options.maxParallelBuilds);
    const tags = nodeImageTags(stream.variant, stream.minor);
    const okd = stream.variant === "okd";
    // The upgrade gate runs on the cloud of the install gate it names (config validation makes sure there is one).
    const upgrade = stream.upgradeGate;
    const upgradeAccess = upgrade ? gates.find((g) => g.platform === upgrade.gate) : undefined;
    if (upgrade && !upgradeAccess) {
        throw new Error(
            `streams ${stream.minor} upgradeGate.gate is ${upgrade.gate}, but the site has no ${upgrade.gate} gate`,
        );
    }

    const nodeTask: PipelineTask = okd
        ? {
              name: t.machineOs,
              taskRef: ref(machineOsTaskName),
              runAfter: [t.toolsImage],
              params: [
                  toolsImageArg,
                  { name: "fcos-stream", value: "$(params.fcos-stream)" },
                  { name: "rpms-image", value: "$(params.rpms-image)" },
                  { name: "base-payload", value: "$(params.base-payload)" },
                  { name: "os-branch", value: "$(params.machine-os-branch)" },
                  { name: "revisions", value: "$(params.revisions)" },
                  { name: "image", value: ctx.repositories.machineOs.apply((r) => `${r}:${run}`) },
              ],
              timeout: "2h",
              retries: 1,
          }
        : {
              name: t.streamCoreos,
              taskRef: ref(streamCoreosTaskName),
              runAfter: [t.toolsImage],
              params: [
                  toolsImageArg,
                  { name: "node-image", value: "$(params.node-image)" },
                  { name: "node-tags", value: tags.node.join(" ") },
                  { name: "extensions-image", value: "$(params.node-extensions-image)" },
                  { name: "extensions-tags", value: tags.extensions.join(" ") },
              ],
              timeout: "30m",
              retries: 2,
          };
    // OKD/FCOS: every node tag is this run's machine-os, by the digest its build pushed.
    const nodeImages: pulumi.Input<string> = okd
        ? ctx.repositories.machineOs.apply((r) =>
              tags.node.map((tag) => `${tag}=${r}@$(tasks.${t.machineOs}.results.IMAGE_DIGEST)`).join("\n"),
          )
        : `$(tasks.${t.streamCoreos}.results.node-images)`;

    const runImage = (c: Component) => ctx.repositories.components.apply((r) => `${r}:${c.name}-${run}`);
    const builds: PipelineTask[] = componentBatches.map((batch, i) => ({
        name: t.buildBatch(i),
        taskRef: ref(buildComponentTaskName),
        runAfter: [i > 0 ? t.buildBatch(i - 1) : t.toolsImage],
        params: [
            toolsImageArg,
            { name: "tags", value: "$(params.tags)" },
            { name: "builder-image", value: "$(params.builder-image)" },
            { name: "base-image", value: "$(params.base-image)" },
            { name: "base-payload", value: "$(params.base-payload)" },
            { name: "revisions", value: "$(params.revisions)" },
            // Stages naming a payload image this run builds take this run's image (built in an earlier batch), by the
            // digest its build reported, never by the run's tag, which any build could move.
            {
                name: "run-images",
                value: componentBatches
                    .slice(0, i)
                    .map((_, j) => `$(tasks.${t.buildBatch(j)}.results.${builtResult}[*])`),
            },
            { name: "run-components", value: stream.components.map((c) => c.name).join(" ") },
        ],
        // Each include entry is one component (its name names the TaskRun); the pipeline task's params are shared.
        matrix: {
            include: batch.map((c) => ({
                name: c.name,
                params: [
                    { name: "repository", value: c.repository },
                    { name: "branch", value: c.branch ?? "$(params.branch)" },
                    { name: "dockerfile", value: c.dockerfile },
                    { name: "context", value: c.context },
                    { name: "build-args", value: buildArgsText(c) },
                    { name: "from", value: c.from ?? "" },
                    { name: "image", value: runImage(c) },
                    { name: "component", value: c.name },
                ],
            })),
        },
        timeout: "4h",
        retries: 1,
    }));

    const assemble: PipelineTask = {
        name: t.assemble,
        taskRef: ref(assembleTaskName),
        runAfter: [nodeTask.name, ...builds.map((b) => b.name)],
        params: [
            toolsImageArg,
            { name: "minor", value: "$(params.minor)" },
            { name: "name-stream", value: okd ? "okd" : "okd-scos" },
            { name: "base-payload", value: "$(params.base-payload)" },
            { name: "components", value: stream.components.map((c) => c.name).join(" ") },
            // What each build reported (Chains signs those TaskRuns' results), never a tag resolved later.
            ...(builds.length > 0
                ? [{ name: "built-images", value: builds.map((b) => `$(tasks.${b.name}.results.${builtResult}[*])`) }]
                : []),
            { name: "node-images", value: nodeImages },
            { name: "previous-minor", value: previousMinor(stream.minor) },
            { name: "pipeline-run", value: run },
            ...(upgrade ? [{ name: "upgrade-from", value: upgrade.from }] : []),
        ],
        timeout: "2h",
        retries: 1,
    };

    const e2e = [{ name: e2eWorkspace, workspace: e2eWorkspace }];
    const { gateTasks, verdictGates, destroys } = nightlyGateTasks(t, gates, upgrade, upgradeAccess);

    const finalize: PipelineTask = {
        name: t.finalize,
        taskRef: ref(finalizeTaskName),
        params: [
            toolsImageArg,
            { name: "minor", value: "$(params.minor)" },
            { name: "name", value: `$(tasks.${t.assemble}.results.name)` },
            { name: "pipeline-status", value: "$(tasks.status)" },
            // The verdict is decided here, in finally, whatever became of the gates' tasks (nightly-gates.ts).
            { name: "gates", value: verdictGates },
            ...(gates.length > 0
                ? [
                      {
                          name: "gate-statuses",
                          value: [
                              // Whether each destroy ran: the install task's status (the destroys' `when`).
                              ...gates.map((g) => `${g.platform}=$(tasks.${t.install(g)}.status)`),
                              ...(upgradeAccess
                                  ? [
                                        // Whether its destroy ran: the install task's (destroy-upgrade's `when`).
                                        `${upgradeGateName(upgradeAccess.platform)}=$(tasks.${t.installUpgrade(upgradeAccess)}.status)`,
                                    ]
                                  : []),
                          ].join(" "),
                      },
                      { name: "pipeline-run", value: "$(context.pipelineRun.name)" },
                  ]
                : []),
        ],
        ...(gates.length > 0 ? { workspaces: e2e } : {}),
        timeout: finalizeTimeout,
        retries: 1,
    };

    const nodeParams = okd
        ? [
              {
                  name: "fcos-stream",
                  description: "Fedora CoreOS stream machine-os is layered on.",
                  default: stream.fcosStream ?? "stable",
              },
              {
                  name: "rpms-image",
                  description: "Image carrying the OKD RPMs for machine-os.",
                  default: defaultRpmsImage(stream.minor),
              },
              {
                  name: "machine-os-branch",
                  description:
                      "Branch of openshift/okd-machine-os whose overlays, manifests and bootstrap files machine-os carries.",
                  default: okdMachineOsBranch(stream.minor),
              },
          ]
        : [
              {
                  name: "node-image",
                  description: `CentOS Stream CoreOS node image shipped as ${tags.node.join(", ")} (resolved to its digest).`,
                  default: stream.nodeImage ?? "",
              },
              {
                  name: "node-extensions-image",
                  description: `Its extensions image, shipped as ${tags.extensions.join(", ") || "(no tag in this minor)"}.`,
                  default: stream.nodeExtensionsImage ?? "",
              },
          ];

    return {
        description: okd
            ? `OKD/FCOS ${stream.minor} nightly: provide the tools image, build machine-os and components, assemble the payload, gate it, record the verdict.`
            : `OKD/SCOS ${stream.minor} nightly: provide the tools image, pin the CentOS Stream CoreOS node images, build components, assemble the payload, gate it, record the verdict.`,
        params: [
            { name: "minor", description: "The stream.", default: stream.minor },
            { name: "branch", description: "Branch of the component repositories.", default: stream.branch },
            {
                name: "revisions",
                description:
                    "Filled by the dispatcher (components/tekton/throttle.ts): the pushed commits this run builds, space-separated <org>/<name>=<commit>. Empty: every branch head.",
                default: "",
            },
            {
                name: "tags",
                description: "TAGS build arg of component builds: fcos (OKD/FCOS) or scos (OKD/SCOS).",
                default: buildTags(stream.variant),
            },
            { name: "base-payload", description: "Payload the stream starts from.", default: stream.basePayload },
            {
                name: "builder-image",
                description:
                    "Go builder substituted for registry.ci.openshift.org/ocp/builder:rhel-N-golang-G-openshift-V stages; {rhel}, {go}, {ocp} are filled from the tag.",
                default: options.builderImage ?? defaultBuilderImage,
            },
            {
                name: "base-image",
                description:
                    "OKD base image substituted for ocp/<ver>:base, base-rhel8/9 and ocp/builder base stages, and for the final stage of components built from: base.",
                default: defaultBaseImage(stream.minor, stream.variant),
            },
            ...nodeParams,
        ],
        workspaces:
            gates.length > 0
                ? [{ name: e2eWorkspace, description: "Installer state, pull secret and logs of the e2e gates." }]
                : [],
        tasks: [toolsImagePipelineTaskOf(ctx), nodeTask, ...builds, assemble, ...gateTasks],
        finally: [...destroys, finalize],
    };
}
