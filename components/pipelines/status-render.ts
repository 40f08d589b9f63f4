import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { Stream } from "../shared/model";
import { type Site, pipelineNamespace, releaseNamespace, serviceAccounts } from "../shared/site";
import { celString, createRunPolicy, runPolicy } from "../tekton/admission";
import { scriptCronJob } from "../tekton/jobs";
import { scheduledNightlyCronJob } from "../tekton/triggers";
import { pipelineContext } from "./context";
import { type PipelineImages, defaultImages } from "./images";
import { asIdentity, restrictedPod } from "./runs";
import { publishStatusTaskName } from "./tasks/publish-status";
import { toolsImageArg, toolsImagePipelineTask, toolsImagePipelineTaskOf } from "./tasks/tools-image";
import { type PipelineSpec, ref } from "./tekton";

export const statusRenderPipelineName = "okd-render-status";
/** The starter's ServiceAccount and CronJob, in the release namespace. */
export const statusRenderAccount = "okd-status-render";
/** Labels of the starter's pods. */
export const statusRenderLabels = {
    "app.kubernetes.io/name": "okd-status-render",
    "app.kubernetes.io/part-of": "okd-ci",
};
/** The policies holding what the starter may create and delete. */
export const statusRenderRunPolicyName = "okd-ci-status-render-pipelineruns";
export const statusRenderDeletePolicyName = "okd-ci-status-render-deletes";
/** The run label of its PipelineRuns: what it prunes, and all it may delete. */
const runLabel = { key: "okd-ci/run", value: "status" } as const;
/** Finished render runs the starter keeps (start-status-render.sh KEEP_RUNS). */
export const statusRenderKeepRuns = 3;

const statusTasks = { publish: "publish" } as const;

export interface StatusRenderArgs {
    /** The site: its release namespace's identities, artifact storage (where the page is published) and gates. */
    site: Site;
    /** The site's streams: each gets its page, with its throttle settings and waiting pushes. */
    streams: Stream[];
    /** When the page is re-rendered: a five-field cron schedule, UTC. */
    schedule: string;
    /** When the throttle's dispatcher fires (five-field cron, UTC): the page says when waiting pushes next start. */
    dispatchSchedule: string;
    /** Overrides of the pinned images the starter's Job runs (kubectl); unset: the pinned defaults. */
    images?: Partial<PipelineImages>;
    /** The pipelines (the release namespace's tools-image resolve and publish-status Tasks) and the Tekton install. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The render Pipeline, in the release namespace beside the release runs: resolve the tools image the nightlies built
 * (builds nothing; a privileged build could not run here anyway), then the release pipeline's publish-status Task
 * with what the starter saw of the throttle (`throttle`).
 */
export function statusRenderPipeline(site: Site, images?: Partial<PipelineImages>): PipelineSpec {
    const ctx = pipelineContext(site, { ...defaultImages, ...images });
    return {
        description:
            "Re-renders the release status site from the records on schedule, with the pushes waiting for a nightly.",
        params: [
            {
                name: "throttle",
                description: "What the starter saw of the nightly throttle (start-status-render.sh).",
                default: "",
            },
        ],
        workspaces: [],
        tasks: [
            toolsImagePipelineTaskOf(ctx, "resolve"),
            {
                name: statusTasks.publish,
                taskRef: ref(publishStatusTaskName),
                runAfter: [toolsImagePipelineTask],
                params: [toolsImageArg, { name: "throttle", value: "$(params.throttle)" }],
                timeout: "25m",
            },
        ],
        finally: [],
    };
}

/**
 * The render's PipelineRun, as the release run runs the same Tasks (runs.ts `releaseRun`): every task as the
 * promotion identity, the release namespace's one identity with artifact storage (it writes `status/` there for the
 * release run too), under the restricted pod security context.
 */
export function statusRenderRun(site: Site): Record<string, unknown> {
    const promote = asIdentity(serviceAccounts.promote, "promote", site.identities.promote.podLabels);
    return {
        apiVersion: "tekton.dev/v1",
        kind: "PipelineRun",
        metadata: { generateName: `${statusRenderPipelineName}-`, labels: { [runLabel.key]: runLabel.value } },
        spec: {
            pipelineRef: { name: statusRenderPipelineName },
            timeouts: { pipeline: "45m" },
            taskRunTemplate: { serviceAccountName: serviceAccounts.promote, podTemplate: restrictedPod },
            taskRunSpecs: [toolsImagePipelineTask, statusTasks.publish].map((n) => ({
                pipelineTaskName: n,
                ...promote,
            })),
        },
    };
}

/** The admission policy of the starter's PipelineRuns: the render Pipeline, as `statusRenderRun` makes it. */
export function statusRenderRunPolicy(site: Site): Record<string, unknown> {
    const run = statusRenderRun(site) as { spec: Record<string, unknown> };
    return runPolicy({
        creator: { namespace: releaseNamespace, serviceAccount: statusRenderAccount },
        who: "the status render's starter",
        madeBy: "the one its CronJob makes",
        pipelines: `the Pipeline ${statusRenderPipelineName}`,
        runs: [
            {
                pipelineName: statusRenderPipelineName,
                namespace: releaseNamespace,
                spec: run.spec,
                fixedParams: [],
                freeParams: ["throttle"],
            },
        ],
    });
}

/**
 * RBAC cannot narrow `delete` by label, and the release namespace holds the release runs: the starter may delete only
 * PipelineRuns labelled as its own (on DELETE the policy sees the stored object as `oldObject`).
 */
export function statusRenderDeletePolicy(): Record<string, unknown> {
    const user = `system:serviceaccount:${releaseNamespace}:${statusRenderAccount}`;
    return {
        failurePolicy: "Fail",
        matchConstraints: {
            matchPolicy: "Equivalent",
            resourceRules: [
                { apiGroups: ["tekton.dev"], apiVersions: ["*"], operations: ["DELETE"], resources: ["pipelineruns"] },
            ],
        },
        matchConditions: [
            {
                name: `deleted-by-${statusRenderAccount}`,
                expression: `request.userInfo.username == ${celString(user)}`,
            },
        ],
        validations: [
            {
                expression: `has(oldObject.metadata.labels) && ${celString(runLabel.key)} in oldObject.metadata.labels && oldObject.metadata.labels[${celString(runLabel.key)}] == ${celString(runLabel.value)}`,
                message: `the status render's starter may delete only its own PipelineRuns (${runLabel.key}=${runLabel.value})`,
                reason: "Forbidden",
            },
        ],
    };
}

/**
 * The scheduled status render (docs/status.md, When it is published): on every site, on `statusSchedule`, a CronJob
 * in the restricted release namespace starts the render Pipeline, so that staleness shows even when nothing else
 * runs, with what it sees of the nightly throttle (the push records and the nightlies), which the page shows as the
 * pushes waiting, the scheduled nightly when due, and the next dispatch. Its ServiceAccount may read ConfigMaps (the
 * push records), the streams' scheduled-nightly CronJobs (by name) and PipelineRuns of the release namespace, read
 * PipelineRuns of the build namespace, and create and delete PipelineRuns in the release namespace, which two
 * admission policies narrow to the render's run as `statusRenderRun` makes it and to deleting
 * its own finished runs (it keeps `statusRenderKeepRuns`, so that its runs never crowd the release runs out).
 */
export class StatusRender extends pulumi.ComponentResource {
    constructor(name: string, args: StatusRenderArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:pipelines:StatusRender", name, {}, opts);
        const { site } = args;
        const k = { parent: this, provider: site.provider, dependsOn: [...site.ready, ...(args.dependsOn ?? [])] };
        const labels = { "app.kubernetes.io/part-of": "okd-ci", "app.kubernetes.io/component": "status" };

        const pipeline = new k8s.apiextensions.CustomResource(
            `${name}-pipeline`,
            {
                apiVersion: "tekton.dev/v1",
                kind: "Pipeline",
                metadata: { name: statusRenderPipelineName, namespace: releaseNamespace, labels },
                spec: statusRenderPipeline(site, args.images),
            },
            k,
        );

        const sa = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            { metadata: { name: statusRenderAccount, namespace: releaseNamespace } },
            k,
        );
        const grant = (suffix: string, namespace: string, rules: k8s.types.input.rbac.v1.PolicyRule[]) => {
            const role = new k8s.rbac.v1.Role(
                `${name}-${suffix}-role`,
                { metadata: { name: statusRenderAccount, namespace }, rules },
                k,
            );
            return new k8s.rbac.v1.RoleBinding(
                `${name}-${suffix}-binding`,
                {
                    metadata: { name: statusRenderAccount, namespace },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: statusRenderAccount },
                    subjects: [{ kind: "ServiceAccount", name: statusRenderAccount, namespace: releaseNamespace }],
                },
                { ...k, dependsOn: [role] },
            );
        };
        const bindings = [
            grant("release", releaseNamespace, [
                // The push records (ConfigMaps of this namespace; nothing in them is secret).
                { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] },
                // The streams' scheduled-nightly CronJobs, by name: their last firing says a scheduled nightly is due.
                {
                    apiGroups: ["batch"],
                    resources: ["cronjobs"],
                    verbs: ["get"],
                    resourceNames: args.streams.map((s) => scheduledNightlyCronJob(s.minor)),
                },
                // Its own runs; the admission policies hold create and delete to them.
                { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list", "create", "delete"] },
            ]),
            // The nightlies it counts.
            grant("builds", pipelineNamespace, [
                { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list"] },
            ]),
        ];
        createRunPolicy(`${name}-admission`, statusRenderRunPolicyName, statusRenderRunPolicy(site), k);
        createRunPolicy(`${name}-delete-admission`, statusRenderDeletePolicyName, statusRenderDeletePolicy(), k);
        scriptCronJob(
            `${name}-cronjob`,
            {
                namespace: releaseNamespace,
                cronJobName: statusRenderAccount,
                schedule: args.schedule,
                script: "start-status-render.sh",
                env: {
                    RECORDS_NAMESPACE: releaseNamespace,
                    RUNS_NAMESPACE: pipelineNamespace,
                    NAMESPACE: releaseNamespace,
                    STREAMS: args.streams.map((s) => s.minor).join(" "),
                    DISPATCH_SCHEDULE: args.dispatchSchedule,
                    PIPELINERUN_JSON: JSON.stringify(statusRenderRun(site)),
                    KEEP_RUNS: String(statusRenderKeepRuns),
                    SCHEDULE_CRONJOBS: args.streams
                        .map((s) => `${s.minor}=${scheduledNightlyCronJob(s.minor)}`)
                        .join(" "),
                },
                serviceAccountName: sa.metadata.name,
                apiAccess: true,
                labels: statusRenderLabels,
                // A retry could start a second render; the next firing renders anyway.
                backoffLimit: 0,
            },
            { ...k, dependsOn: [...bindings, pipeline] },
        );
        this.registerOutputs({});
    }
}
