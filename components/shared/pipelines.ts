/**
 * The contract between the pipelines layer (components/pipelines: Tasks and Pipelines) and the triggers in the
 * Tekton layer (components/tekton): which Pipeline each stream runs and how a PipelineRun of it is started.
 */

import type { Stream } from "./model";

/** Where an OKD/FCOS stream's machine-os takes its overlays, manifests and bootstrap files from. */
export const okdMachineOsRepository = "openshift/okd-machine-os";

/** Its branch for a minor: okd-machine-os has release branches for every OKD/FCOS minor (release-4.5 to -4.15). */
export function okdMachineOsBranch(minor: string): string {
    return `release-${minor}`;
}

/**
 * The repositories and branches a stream's nightly builds from, each once: every component at its branch (its own,
 * else the stream's) and, for OKD/FCOS, okd-machine-os. A push to one of them starts the nightly. OKD/SCOS builds no
 * node image (it ships OKD's CentOS Stream CoreOS), so no OS repository starts it.
 */
export function streamSources(stream: Stream): { repository: string; branch: string }[] {
    const all = [
        ...stream.components.map((c) => ({ repository: c.repository, branch: c.branch ?? stream.branch })),
        ...(stream.variant === "okd"
            ? [{ repository: okdMachineOsRepository, branch: okdMachineOsBranch(stream.minor) }]
            : []),
    ];
    const seen = new Set<string>();
    return all.filter((s) => {
        const key = `${s.repository.toLowerCase()} ${s.branch}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

/** `4.15` → `4-15`: streams in Kubernetes names. */
export function streamId(minor: string): string {
    return minor.replace(/\./g, "-");
}

export const nightlyPipelineName = (minor: string): string => `okd-nightly-${streamId(minor)}`;
export const releasePipelineName = (minor: string): string => `okd-release-${streamId(minor)}`;

/** A PipelineRun the triggers create: the `spec` of a tekton.dev/v1 PipelineRun, minus what the trigger adds. */
export interface PipelineRunTemplate {
    pipelineName: string;
    /** Params with fixed values; the trigger adds `trigger-*` params from the event when the Pipeline declares them. */
    params: { name: string; value: string }[];
    /** Params filled from the triggering event, by name: e.g. `revision` ← the pushed commit. */
    eventParams: string[];
    /** `spec.timeouts` of the run. */
    timeouts: { pipeline: string; tasks?: string; finally?: string };
    /** `spec.taskRunTemplate` (ServiceAccount and pod template for every TaskRun). */
    taskRunTemplate: Record<string, unknown>;
    /** `spec.taskRunSpecs` (per-task ServiceAccount, pod template, e.g. gates on the e2e ServiceAccount). */
    taskRunSpecs: Record<string, unknown>[];
    /** `spec.workspaces`. */
    workspaces: Record<string, unknown>[];
}

export interface StreamRuns {
    minor: string;
    nightly: PipelineRunTemplate;
    /** Only for streams that promote. */
    release?: PipelineRunTemplate;
}

/**
 * Params a trigger can fill from its event. A `PipelineRunTemplate.eventParams` names some of them (and the Pipeline
 * declares those); any other name is refused when the triggers are built.
 */
export const triggerEventParams = {
    /** The commit to build: the pushed commit (`after`) on a push, the stream's branch on a schedule. */
    revision: "revision",
    /** `org/name` of the repository whose push started the run; empty on a schedule. */
    repository: "trigger-repository",
    /** `push` or `schedule`. */
    kind: "trigger-kind",
    /**
     * The pushed commits a nightly builds, space-separated `<org>/<name>=<commit>`, the newest per repository: the
     * dispatcher's coalesced pushes (components/tekton/throttle.ts); empty on a schedule (every branch head).
     */
    revisions: "revisions",
} as const;
export type TriggerEventParam = (typeof triggerEventParams)[keyof typeof triggerEventParams];
