import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { Stream } from "../shared/model";
import { type Site, pipelineNamespace, releaseNamespace, serviceAccounts } from "../shared/site";
import { createRunPolicy, runPolicy } from "../tekton/admission";
import { scriptCronJob } from "../tekton/jobs";
import { pipelineContext } from "./context";
import { type PipelineImages, defaultImages } from "./images";
import { asIdentity, e2eVolumeGi, runTimeouts } from "./runs";
import { durationSeconds, e2eWorkspace, gateTimeouts, pullSecretTaskName } from "./tasks/e2e-gate";
import { statusStreamsJson } from "./tasks/publish-status";
import {
    reapDestroyTask,
    reapDestroyTaskName,
    reapRecordTask,
    reapRecordTaskName,
    reapSelectTask,
    reapSelectTaskName,
} from "./tasks/reaper";
import { toolsImageArg, toolsImagePipelineTask, toolsImagePipelineTaskOf } from "./tasks/tools-image";
import { type PipelineSpec, ref } from "./tekton";

export const reaperPipelineName = "okd-reap-clusters";
/** Labels of the reaper's starter pods. */
export const reaperStarterLabels = {
    "app.kubernetes.io/name": "okd-cluster-reaper",
    "app.kubernetes.io/part-of": "okd-ci",
};
/** The starter's ServiceAccount, in the release namespace; the reaper admission policy holds what it creates. */
export const reaperStarterAccount = "okd-cluster-reaper";
const starterAccount = reaperStarterAccount;
/** The policy admitting the starter's PipelineRuns, and its binding. */
export const reaperRunPolicyName = "okd-ci-reaper-pipelineruns";
/** The reaper's param the starter fills at each firing; every other param keeps the Pipeline's default. */
const liveRunsParam = "live-runs";

const reaperTasks = {
    select: "select",
    pullSecret: "e2e-pull-secret",
    destroy: (cloud: string) => `destroy-${cloud}`,
    record: "record",
} as const;

export interface ClusterReaperArgs {
    /** The site the reaper runs on: its cluster, registry, artifact storage, identities and e2e gates. */
    site: Site;
    /** The release streams, as the status site lists them when the reaper re-renders it after a sweep. */
    streams: Stream[];
    /** `reaperSchedule`: five-field cron, UTC. */
    schedule: string;
    /** `reaperTtlHours`. */
    ttlHours: number;
    /** `reaperDryRun`. */
    dryRun: boolean;
    /** Images the reaper's steps run, where they differ from the pinned defaults (`defaultImages`). */
    images?: Partial<PipelineImages>;
    /** The pipelines (the e2e pull-secret and tools-image Tasks) and the Tekton install. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The reaper Pipeline, in the build namespace beside the nightlies (its tools image is a privileged build, and the
 * e2e and records ServiceAccounts live there): tools image; select (the records identity: the registrations in
 * artifact storage) and the e2e pull secret (the pull-only identity); one destroy per gate cloud (that gate's
 * credentials, as the e2e ServiceAccount); finally the record (records identity: deletes the registrations of
 * destroyed clusters under clusters/, uploads its logs, re-renders the status site).
 */
export function reaperPipeline(
    site: Site,
    args: Pick<ClusterReaperArgs, "ttlHours" | "dryRun" | "images">,
): PipelineSpec {
    const ctx = pipelineContext(site, { ...defaultImages, ...args.images });
    const ws = [{ name: e2eWorkspace, workspace: e2eWorkspace }];
    return {
        description:
            "Destroys e2e clusters whose run is gone and that are older than the TTL, from their stored installer metadata.",
        params: [
            { name: "ttl-hours", description: "reaperTtlHours.", default: String(args.ttlHours) },
            {
                name: "dry-run",
                description: "reaperDryRun: true only says what would be destroyed.",
                default: String(args.dryRun),
            },
            { name: "live-runs", description: "Unfinished PipelineRuns (the starter fills it).", default: "" },
        ],
        workspaces: [{ name: e2eWorkspace, description: "The reaper's picked registrations and the pull secret." }],
        tasks: [
            toolsImagePipelineTaskOf(ctx),
            {
                name: reaperTasks.select,
                taskRef: ref(reapSelectTaskName),
                runAfter: [toolsImagePipelineTask],
                params: [
                    toolsImageArg,
                    { name: "ttl-hours", value: "$(params.ttl-hours)" },
                    { name: "live-runs", value: "$(params.live-runs)" },
                ],
                workspaces: ws,
                retries: 1,
            },
            {
                name: reaperTasks.pullSecret,
                taskRef: ref(pullSecretTaskName),
                runAfter: [reaperTasks.select],
                workspaces: ws,
                // As the nightly's mint tasks: each attempt bounded, two retries (in the tasks budget below).
                timeout: gateTimeouts.mint,
                retries: 2,
            },
            ...site.gates.map((g) => ({
                name: reaperTasks.destroy(g.platform),
                taskRef: ref(reapDestroyTaskName(g.platform)),
                runAfter: [reaperTasks.pullSecret],
                params: [toolsImageArg, { name: "dry-run", value: "$(params.dry-run)" }],
                workspaces: ws,
                timeout: "2h",
            })),
        ],
        finally: [
            {
                name: reaperTasks.record,
                taskRef: ref(reapRecordTaskName),
                params: [toolsImageArg, { name: "pipeline-run", value: "$(context.pipelineRun.name)" }],
                workspaces: ws,
                timeout: "40m",
            },
        ],
    };
}

/**
 * The e2e cluster reaper (docs/pipelines.md, Cluster reaper): on `reaperSchedule` a CronJob starts the reaper
 * Pipeline, which destroys every registered e2e cluster whose run is gone and that is older than `reaperTtlHours`,
 * from the metadata.json the gate registered before creating it (register-cluster.sh). Only for sites with gates.
 * The starter runs in the restricted release namespace, like every CronJob, and may get, list and create PipelineRuns
 * in the build namespace, nothing else; a ValidatingAdmissionPolicy (`reaperRunPolicy`) admits only the reaper's run
 * from it, as `reaperRun` makes it, and the build namespace's PipelineRun quota counts its runs
 * (components/tekton/namespace.ts `pipelineRunHeadroom`).
 */
export class ClusterReaper extends pulumi.ComponentResource {
    constructor(name: string, args: ClusterReaperArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:pipelines:ClusterReaper", name, {}, opts);
        const { site } = args;
        const minHours = Math.ceil(durationSeconds(runTimeouts.nightly.pipeline) / 3600);
        if (args.ttlHours < minHours) {
            throw new Error(
                `reaperTtlHours = ${args.ttlHours}: a nightly may run ${runTimeouts.nightly.pipeline}; expected at least ${minHours} hours`,
            );
        }
        const namespace = pipelineNamespace;
        const k = { parent: this, provider: site.provider, dependsOn: [...site.ready, ...(args.dependsOn ?? [])] };
        const ctx = pipelineContext(site, { ...defaultImages, ...args.images });
        const labels = { "app.kubernetes.io/part-of": "okd-ci", "app.kubernetes.io/component": "reaper" };

        const tasks = [
            reapSelectTask(ctx, site.gates),
            ...site.gates.map((g) => reapDestroyTask(ctx, g)),
            reapRecordTask(ctx, statusStreamsJson(args.streams, site.gates)),
        ];
        const taskResources = tasks.map(
            (t) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-task-${t.name}`,
                    {
                        apiVersion: "tekton.dev/v1",
                        kind: "Task",
                        metadata: { name: t.name, namespace, labels },
                        spec: t.spec,
                    },
                    k,
                ),
        );
        const pipeline = new k8s.apiextensions.CustomResource(
            `${name}-pipeline`,
            {
                apiVersion: "tekton.dev/v1",
                kind: "Pipeline",
                metadata: { name: reaperPipelineName, namespace, labels },
                spec: reaperPipeline(site, args),
            },
            { ...k, dependsOn: [...k.dependsOn, ...taskResources] },
        );

        // The starter: list PipelineRuns (the live ones are spared) and create the reaper's, in the build namespace.
        const sa = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            { metadata: { name: starterAccount, namespace: releaseNamespace } },
            k,
        );
        const role = new k8s.rbac.v1.Role(
            `${name}-role`,
            {
                metadata: { name: starterAccount, namespace },
                rules: [{ apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list", "create"] }],
            },
            k,
        );
        const binding = new k8s.rbac.v1.RoleBinding(
            `${name}-binding`,
            {
                metadata: { name: starterAccount, namespace },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: starterAccount },
                subjects: [{ kind: "ServiceAccount", name: starterAccount, namespace: releaseNamespace }],
            },
            { ...k, dependsOn: [role] },
        );
        createRunPolicy(`${name}-admission`, reaperRunPolicyName, reaperRunPolicy(site), k);
        scriptCronJob(
            `${name}-cronjob`,
            {
                namespace: releaseNamespace,
                cronJobName: starterAccount,
                schedule: args.schedule,
                script: "start-reaper.sh",
                env: { NAMESPACE: namespace, PIPELINERUN_JSON: JSON.stringify(reaperRun(site)) },
                serviceAccountName: sa.metadata.name,
                apiAccess: true,
                labels: reaperStarterLabels,
            },
            { ...k, dependsOn: [binding, pipeline] },
        );
        this.registerOutputs({});
    }
}

/**
 * The reaper's PipelineRun, as the nightly runs the same Tasks (runs.ts): the tools image as a build (no identity,
 * the builds' push token, on the build pool); select and record as the records identity, off the build pool; the pull
 * secret as the pull-only identity; each destroy as the e2e
 * ServiceAccount, with its gate's credentials from the gate Secret. Anything else falls to the build ServiceAccount,
 * which holds nothing.
 */
export function reaperRun(site: Site): Record<string, unknown> {
    const records = asIdentity(serviceAccounts.records, "records", site.identities.records.podLabels);
    const pullSecret = asIdentity(serviceAccounts.e2e, "e2e-pull", site.identities.e2ePull?.podLabels);
    return {
        apiVersion: "tekton.dev/v1",
        kind: "PipelineRun",
        metadata: { generateName: `${reaperPipelineName}-`, labels: { "okd-ci/run": "reaper" } },
        spec: {
            pipelineRef: { name: reaperPipelineName },
            // tasks: the destroys' 2h after the tools image, select and the pull secret (up to 3 × 15m).
            timeouts: { pipeline: "4h", tasks: "3h15m", finally: "45m" },
            taskRunTemplate: { serviceAccountName: serviceAccounts.build },
            taskRunSpecs: [
                {
                    pipelineTaskName: toolsImagePipelineTask,
                    podTemplate: { nodeSelector: site.buildPool.nodeSelector, tolerations: site.buildPool.tolerations },
                },
                ...[reaperTasks.select, reaperTasks.record].map((n) => ({
                    pipelineTaskName: n,
                    ...records,
                })),
                { pipelineTaskName: reaperTasks.pullSecret, ...pullSecret },
                ...site.gates.map((g) => ({
                    pipelineTaskName: reaperTasks.destroy(g.platform),
                    serviceAccountName: serviceAccounts.e2e,
                })),
            ],
            workspaces: [
                {
                    name: e2eWorkspace,
                    volumeClaimTemplate: {
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            resources: { requests: { storage: `${e2eVolumeGi}Gi` } },
                        },
                    },
                },
            ],
        },
    };
}

/**
 * The admission policy of the starter's PipelineRuns (components/tekton/admission.ts `runPolicy`): the reaper
 * Pipeline by name, in the build namespace, exactly as `reaperRun` makes it, with only `live-runs` set. Whoever holds
 * the starter's token can start the reaper and nothing else: not a nightly, not another identity, not another
 * Pipeline.
 */
export function reaperRunPolicy(site: Site): Record<string, unknown> {
    const run = reaperRun(site) as { spec: Record<string, unknown> };
    return runPolicy({
        creator: { namespace: releaseNamespace, serviceAccount: starterAccount },
        who: "the cluster reaper's starter",
        madeBy: "the one its CronJob makes",
        pipelines: `the Pipeline ${reaperPipelineName}`,
        runs: [
            {
                pipelineName: reaperPipelineName,
                namespace: pipelineNamespace,
                spec: run.spec,
                fixedParams: [],
                freeParams: [liveRunsParam],
            },
        ],
    });
}
