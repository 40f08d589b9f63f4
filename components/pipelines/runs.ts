import type { Stream } from "../../src/config/schema";
import {
    type PipelineRunTemplate,
    type StreamRuns,
    nightlyPipelineName,
    releasePipelineName,
    triggerEventParams,
} from "../shared/pipelines";
import { type GateAccess, type Site, e2eServiceAccount, pipelineServiceAccount } from "../shared/site";
import { nightlyFinallyTimeout, nightlyTasks, streamBatches } from "./nightly";
import { releaseTasks } from "./release";
import { e2eWorkspace } from "./tasks/e2e-gate";

/**
 * Run budgets; Tekton requires pipeline ≥ tasks + finally. The nightly's tasks: builds ≤ 2h + 4h per batch, assembly
 * 2h, gates 5h; finally: destroys and record (nightly.ts).
 */
export const runTimeouts = {
    nightly: { pipeline: "17h30m", tasks: "15h", finally: nightlyFinallyTimeout },
    // Release tasks: pick, then promote (3h) and after it release-notes (1h) beside publish-signatures (30m).
    release: { pipeline: "5h", tasks: "4h30m", finally: "30m" },
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
    // Gates run under their own ServiceAccount, whose only cloud identity is the site's pull-only registry identity
    // (the installer's is in a Secret). Only the pull-secret task's pod is labelled for it (AKS).
    const gatePods = (_g: GateAccess) => ({ serviceAccountName: e2eServiceAccount });
    const pullSecretPod = { serviceAccountName: e2eServiceAccount, ...labels(site.e2ePull?.podLabels ?? {}) };
    const buildNames = streamBatches(stream, maxParallelBuilds).map((_, i) => t.buildBatch(i));
    // machine-os builds with privileged buildah, on the build pool; stream-coreos only reads registries.
    const okd = stream.variant === "okd";
    const onPool = [t.toolsImage, ...(okd ? [t.machineOs] : []), ...buildNames];
    const pipelineTasks = [...(okd ? [] : [t.streamCoreos]), t.assemble, t.verdict, t.finalize];
    return {
        pipelineName: nightlyPipelineName(stream.minor),
        params: [],
        // The dispatcher passes the coalesced pushes' commits; a scheduled run passes none (branch heads).
        eventParams: [triggerEventParams.revisions],
        timeouts: runTimeouts.nightly,
        taskRunTemplate: { serviceAccountName: pipelineServiceAccount },
        taskRunSpecs: [
            ...onPool.map((n) => spec(n, onBuildPool)),
            ...(Object.keys(pipelinePods).length > 0 ? pipelineTasks.map((n) => spec(n, pipelinePods)) : []),
            ...(gates.length > 0 ? [spec(t.pullSecret, pullSecretPod)] : []),
            ...gates.flatMap((g) => [
                spec(t.prepare(g), gatePods(g)),
                ...(Object.keys(pipelinePods).length > 0 ? [spec(t.register(g), pipelinePods)] : []),
                spec(t.gate(g), gatePods(g)),
                spec(t.destroy(g), gatePods(g)),
                // The upgrade gate runs an earlier release's installer and the payload's tests image like the install
                // gates: as the e2e ServiceAccount, never as the pipeline identity.
                ...(stream.upgradeGate?.gate === g.platform
                    ? [spec(t.upgradeGate(g), gatePods(g)), spec(t.destroyUpgrade(g), gatePods(g))]
                    : []),
            ]),
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

/**
 * The most combinations one pipeline task's matrix may have: Tekton's `default-max-matrix-combinations-count`, 256
 * unless the cluster's config-defaults says otherwise (tektoncd/pipeline@v1.15.0 config/config-defaults.yaml,
 * pkg/apis/config/default.go DefaultMaxMatrixCombinationsCount; enforced when a Pipeline is admitted,
 * pkg/apis/pipeline/v1/matrix_types.go validateCombinationsCount). Our install leaves it at its default.
 */
export const maxMatrixCombinations = 256;

/**
 * Builds that run at once by default: every component of a stream in one matrix (one fan-out), so the build pool's
 * autoscaler (`buildMaxNodes`) and the namespace quota decide how many run at once. A pod the quota cannot admit yet
 * leaves its TaskRun pending, retried each minute, not failed (tektoncd/pipeline@v1.15.0
 * pkg/reconciler/taskrun/taskrun.go handlePodCreationError, ExceededResourceQuota). `maxParallelBuilds` caps it.
 */
export const defaultMaxParallelBuilds = maxMatrixCombinations;

/** How the Tekton triggers start each stream's Pipelines: the same templates `OkdPipelines.runs` holds. */
export function pipelineRuns(
    site: Site,
    streams: Stream[],
    maxParallelBuilds = defaultMaxParallelBuilds,
): StreamRuns[] {
    return streams.map((s) => streamRuns(site, s, maxParallelBuilds));
}
