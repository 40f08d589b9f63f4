import type { Stream } from "../shared/model";
import {
    type PipelineRunTemplate,
    type StreamRuns,
    nightlyPipelineName,
    releasePipelineName,
    triggerEventParams,
} from "../shared/pipelines";
import { type Site, identityPodLabel, serviceAccounts } from "../shared/site";
import { nightlyFinallyTimeout, nightlyTasks, streamBatches } from "./nightly";
import { releaseTasks } from "./release";
import { e2eWorkspace } from "./tasks/e2e-gate";

/**
 * Run budgets; Tekton requires pipeline ≥ tasks + finally. The nightly's tasks: builds ≤ 2h + 4h per batch, assembly
 * 2h, gates 5h; finally: destroys and record (nightly.ts).
 */
export const runTimeouts = {
    nightly: { pipeline: "18h40m", tasks: "15h", finally: nightlyFinallyTimeout },
    // Release tasks: pick, then promote (3h) and after it release-notes (1h) beside publish-signatures (30m).
    release: { pipeline: "5h", tasks: "4h30m", finally: "30m" },
} as const;

/** Per-run volume of the e2e workspace: installer directories and logs are small. */
export const e2eVolumeGi = 2;

/**
 * How the pods of a task act as one identity: its ServiceAccount, and labels. Tekton's PodTemplate has no labels, so
 * they reach the pod through `taskRunSpecs[].metadata.labels`, which Tekton copies onto the TaskRun and its pod: the
 * platform's own (AKS needs `azure.workload.identity/use`) and `okd-ci/identity`, which the credential-agent
 * NetworkPolicy selects. A task with no spec here runs as the run's default, the build ServiceAccount, which holds
 * nothing.
 */
export function asIdentity(
    serviceAccountName: string,
    role: string,
    podLabels: Record<string, string> | undefined,
): Record<string, unknown> {
    return {
        serviceAccountName,
        ...(podLabels !== undefined ? { metadata: { labels: { ...podLabels, [identityPodLabel]: role } } } : {}),
    };
}

function spec(pipelineTaskName: string, extra: Record<string, unknown>): Record<string, unknown> {
    return { pipelineTaskName, ...extra };
}

/**
 * The pod security context of the release Pipeline's TaskRuns, which run in the `restricted` release namespace: not
 * root, the runtime's default seccomp profile (each step adds `restrictedStep`), group 65532 owning the volumes.
 */
export const restrictedPod = {
    securityContext: {
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        fsGroup: 65532,
        seccompProfile: { type: "RuntimeDefault" },
    },
};

/**
 * Who runs what in a nightly (docs/security.md, "Identities"): the builds of pushed code (machine-os, components) and
 * stream-coreos as the build ServiceAccount, with no cloud identity and a push token mounted from a Secret, and the
 * tools image the same way (its RUN steps share the pod's network); assemble (which tags the tools image's digest in
 * the release repository, which no build can write), finalize-record (which decides the verdict) and each gate's
 * register (its cluster's metadata under clusters/) as the records identity,
 * off the build pool; the pull secret as the pull-only identity; each gate's prepare, create and destroy as the e2e
 * ServiceAccount without its identity's labels (the installer's credentials are in the gate Secret).
 */
export function nightlyRun(site: Site, stream: Stream, maxParallelBuilds: number): PipelineRunTemplate {
    const t = nightlyTasks;
    const gates = site.gates;
    const onBuildPool = {
        podTemplate: { nodeSelector: site.buildPool.nodeSelector, tolerations: site.buildPool.tolerations },
    };
    const records = asIdentity(serviceAccounts.records, "records", site.identities.records.podLabels);
    const pullSecret = asIdentity(serviceAccounts.e2e, "e2e-pull", site.identities.e2ePull?.podLabels);
    // The gates run the payload's own installer and tests: the runtime's default seccomp profile for the whole pod (each
    // step also drops every capability, tekton.ts untrustedStep). Not on the build pool: coschedule "workspaces" ties
    // every TaskRun of the e2e workspace, records tasks included, to the affinity assistant's node, which Tekton places
    // with the run's taskRunTemplate only (tektoncd/pipeline v1.15.0 pkg/reconciler/pipelinerun/affinity_assistant.go
    // affinityAssistantStatefulSet); a build-pool nodeSelector here would leave the gate pods unschedulable.
    const gatePods = {
        serviceAccountName: serviceAccounts.e2e,
        podTemplate: { securityContext: { seccompProfile: { type: "RuntimeDefault" } } },
    };
    const buildNames = streamBatches(stream, maxParallelBuilds).map((_, i) => t.buildBatch(i));
    // machine-os builds with privileged buildah, on the build pool; stream-coreos only reads registries.
    const okd = stream.variant === "okd";
    const onPool = [...(okd ? [t.machineOs] : []), ...buildNames];
    return {
        pipelineName: nightlyPipelineName(stream.minor),
        params: [],
        // The dispatcher passes the coalesced pushes' commits; a scheduled run passes none (branch heads).
        eventParams: [triggerEventParams.revisions],
        timeouts: runTimeouts.nightly,
        taskRunTemplate: { serviceAccountName: serviceAccounts.build },
        taskRunSpecs: [
            // Privileged (buildah) and its RUN steps share the pod's network: a build, with no identity (on GKE any
            // process of a pod that reaches the metadata server can get its token) and the builds' push token, on the
            // build pool. Assemble, as records, tags the digest in the release repository (tools-image.ts).
            ...[t.toolsImage, ...onPool].map((n) => spec(n, onBuildPool)),
            ...[t.assemble, t.finalize].map((n) => spec(n, records)),
            ...(gates.length > 0 ? [spec(t.pullSecret, pullSecret)] : []),
            // register-<cloud> stores the installer's metadata.json under clusters/ (the reaper's input): a records
            // write, so the records identity; prepare, the gate and its destroy hold the gate's own credentials.
            ...gates.flatMap((g) => [
                spec(t.prepare(g), gatePods),
                spec(t.register(g), records),
                spec(t.install(g), gatePods),
                spec(t.pullSecretGate(g), pullSecret),
                spec(t.gate(g), gatePods),
                spec(t.destroy(g), gatePods),
                // The upgrade gate runs an earlier release's installer and the payload's tests image like the install
                // gates: as the e2e ServiceAccount, never as a pipeline identity.
                // Its cluster is prepared and registered as an install gate's; its fresh pull secret is minted by the
                // pull-only identity, as the installs' is.
                ...(stream.upgradeGate?.gate === g.platform
                    ? [
                          spec(t.prepareUpgrade(g), gatePods),
                          spec(t.registerUpgrade(g), records),
                          spec(t.installUpgrade(g), gatePods),
                          spec(t.pullSecretUpgrade(g), pullSecret),
                          spec(t.upgradeGate(g), gatePods),
                          spec(t.destroyUpgrade(g), gatePods),
                      ]
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

/**
 * The release runs in the restricted release namespace, every task as the promotion identity, the only one that may
 * write the promoted repositories; only its promote task mounts the quay.io credentials. Nothing is built: the tools
 * image the nightlies built into the release repository is resolved, not rebuilt (a privileged build could not run
 * here anyway).
 */
export function releaseRun(site: Site, stream: Stream): PipelineRunTemplate {
    const promote = asIdentity(serviceAccounts.promote, "promote", site.identities.promote.podLabels);
    return {
        pipelineName: releasePipelineName(stream.minor),
        params: [],
        eventParams: [],
        timeouts: runTimeouts.release,
        taskRunTemplate: { serviceAccountName: serviceAccounts.promote, podTemplate: restrictedPod },
        taskRunSpecs: Object.values(releaseTasks).map((n) => spec(n, promote)),
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
