import type { Stream } from "../../src/config/schema";
import {
    type PipelineRunTemplate,
    type StreamRuns,
    nightlyPipelineName,
    releasePipelineName,
} from "../shared/pipelines";
import { type GateAccess, type Site, e2eServiceAccount, pipelineServiceAccount } from "../shared/site";
import { batches, nightlyFinallyTimeout, nightlyTasks } from "./nightly";
import { releaseTasks } from "./release";
import { e2eWorkspace } from "./tasks/e2e-gate";

/**
 * Run budgets; Tekton requires pipeline ≥ tasks + finally. The nightly's tasks: builds ≤ 2h + 4h per batch, assembly
 * 2h, gates 5h; finally: destroys and record (nightly.ts).
 */
export const runTimeouts = {
    nightly: { pipeline: "17h30m", tasks: "15h", finally: nightlyFinallyTimeout },
    release: { pipeline: "4h", tasks: "3h30m", finally: "30m" },
} as const;

/** Per-run volume of the e2e workspace: installer directories and logs are small. */
export const e2eVolumeGi = 2;

function labels(podLabels: Record<string, string>): Record<string, unknown> {
    return Object.keys(podLabels).length > 0 ? { metadata: { labels: podLabels } } : {};
}

/**
 * Tekton's PodTemplate has no labels, so the site's pod labels (AKS needs `azure.workload.identity/use`) reach every
 * TaskRun pod through `taskRunSpecs[].metadata.labels`, which Tekton copies onto the TaskRun and its pod.
 */
function spec(pipelineTaskName: string, extra: Record<string, unknown>): Record<string, unknown> {
    return { pipelineTaskName, ...extra };
}

export function nightlyRun(site: Site, stream: Stream, maxParallelBuilds: number): PipelineRunTemplate {
    const t = nightlyTasks;
    const gates: GateAccess[] = site.gates;
    const pipelinePods = labels(site.identity.podLabels);
    const onBuildPool = {
        ...pipelinePods,
        podTemplate: { nodeSelector: site.buildPool.nodeSelector, tolerations: site.buildPool.tolerations },
    };
    const gatePods = (g: GateAccess) => ({
        serviceAccountName: e2eServiceAccount,
        ...labels(g.credentials.kind === "workload-identity" ? g.credentials.podLabels : {}),
    });
    const buildNames = batches(stream.components, maxParallelBuilds).map((_, i) => t.buildBatch(i));
    const pipelineTasks = [t.assemble, t.verdict, t.finalize, ...(gates.length > 0 ? [t.pullSecret] : [])];
    return {
        pipelineName: nightlyPipelineName(stream.minor),
        params: [],
        eventParams: [],
        timeouts: runTimeouts.nightly,
        taskRunTemplate: { serviceAccountName: pipelineServiceAccount },
        taskRunSpecs: [
            ...[t.toolsImage, t.machineOs, ...buildNames].map((n) => spec(n, onBuildPool)),
            ...(Object.keys(pipelinePods).length > 0 ? pipelineTasks.map((n) => spec(n, pipelinePods)) : []),
            ...gates.flatMap((g) => [spec(t.gate(g), gatePods(g)), spec(t.destroy(g), gatePods(g))]),
        ],
        workspaces:
            gates.length > 0
                ? [
                      {
                          name: e2eWorkspace,
                          volumeClaimTemplate: {
                              spec: {
                                  accessModes: ["ReadWriteOnce"],
                                  resources: { requests: { storage: `${e2eVolumeGi}Gi` } },
                              },
                          },
                      },
                  ]
                : [],
    };
}

export function releaseRun(site: Site, stream: Stream): PipelineRunTemplate {
    const pipelinePods = labels(site.identity.podLabels);
    const onBuildPool = {
        ...pipelinePods,
        podTemplate: { nodeSelector: site.buildPool.nodeSelector, tolerations: site.buildPool.tolerations },
    };
    return {
        pipelineName: releasePipelineName(stream.minor),
        params: [],
        eventParams: [],
        timeouts: runTimeouts.release,
        taskRunTemplate: { serviceAccountName: pipelineServiceAccount },
        taskRunSpecs: [
            // The tools image may need building: buildah runs privileged, on the build pool only.
            spec(releaseTasks.toolsImage, onBuildPool),
            ...(Object.keys(pipelinePods).length > 0
                ? [releaseTasks.pick, releaseTasks.promote].map((n) => spec(n, pipelinePods))
                : []),
        ],
        workspaces: [],
    };
}

export function streamRuns(site: Site, stream: Stream, maxParallelBuilds: number): StreamRuns {
    return {
        minor: stream.minor,
        nightly: nightlyRun(site, stream, maxParallelBuilds),
        ...(stream.promote ? { release: releaseRun(site, stream) } : {}),
    };
}

/** Builds that run at once by default: one batch of the component matrix. */
export const defaultMaxParallelBuilds = 4;

/** How the Tekton triggers start each stream's Pipelines: the same templates `OkdPipelines.runs` holds. */
export function pipelineRuns(
    site: Site,
    streams: Stream[],
    maxParallelBuilds = defaultMaxParallelBuilds,
): StreamRuns[] {
    return streams.map((s) => streamRuns(site, s, maxParallelBuilds));
}
