import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { Stream } from "../shared/model";
import {
    type PipelineRunTemplate,
    type StreamRuns,
    type TriggerEventParam,
    streamId,
    streamSources,
    triggerEventParams,
} from "../shared/pipelines";
import { type Site, pipelineNamespace, releaseNamespace, secretNames } from "../shared/site";
import { scriptCronJob } from "./jobs";
import {
    cronLabels,
    cronServiceAccount,
    createInterceptorsIngress,
    createListenerAccess,
    createListenerPolicies,
    createWebhookExposure,
    listenerNames,
    listenerPort,
    listenerServiceAccount,
    scheduleListenerUrl,
} from "./listener-access";

/** The TriggerTemplate a push to one of the stream's repositories fills: a push record (components/tekton/throttle.ts). */
export const pushRecordTemplateName = (minor: string): string => `okd-push-record-${streamId(minor)}`;

/**
 * What the GitHub trigger adds to the push binding for a push record (inline bindings of the trigger, so the run
 * templates' params are unchanged): the delivery's `X-GitHub-Delivery` header, kept for the audit trail only (the HMAC
 * signature covers the body, not the headers, so a replayer can change it:
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers), and the push's
 * `repository.pushed_at`, which GitHub sets and the signature covers: in a push event's payload it is Unix seconds (an
 * integer, unlike other events' ISO strings; GitHub support called it by design, isaacs/github#1534), which Triggers
 * renders as its JSON text.
 */
export const pushRecordParams = { delivery: "delivery", pushedAt: "pushed-at" } as const;
export const pushRecordBindings = [
    { name: pushRecordParams.delivery, value: "$(header.X-GitHub-Delivery)" },
    { name: pushRecordParams.pushedAt, value: "$(body.repository.pushed_at)" },
];

/** Where each kind of run is created: nightlies build pushed code (privileged), releases promote (restricted). */
export const runNamespaces: Record<"nightly" | "release", string> = {
    nightly: pipelineNamespace,
    release: releaseNamespace,
};

export type RunKind = "nightly" | "release";

export {
    cronLabels,
    createWebhookExposure,
    listenerNames,
    listenerRules,
    listenerServiceAccount,
    scheduleListenerUrl,
    webhookServiceName,
} from "./listener-access";

/** How each event fills each event param, per binding. */
const bindingValues: Record<"push" | "schedule", Record<TriggerEventParam, string>> = {
    push: {
        [triggerEventParams.revision]: "$(body.after)",
        [triggerEventParams.repository]: "$(body.repository.full_name)",
        [triggerEventParams.kind]: "push",
        [triggerEventParams.revisions]: "$(body.repository.full_name)=$(body.after)",
    },
    schedule: {
        [triggerEventParams.revision]: "$(body.branch)",
        [triggerEventParams.repository]: "$(body.repository)",
        [triggerEventParams.kind]: "schedule",
        // The dispatcher's coalesced pushes; fire-trigger.sh sends an empty list (every branch head).
        [triggerEventParams.revisions]: "$(body.revisions)",
    },
};
const eventParamNames = Object.values(triggerEventParams) as TriggerEventParam[];

export interface StreamTriggersArgs {
    /** The site: its provider, and how it publishes the webhook (`site.webhook`). */
    site: Site;
    /**
     * The pipeline namespaces (their outputs). Listeners, bindings, templates, CronJobs and the webhook Service live in
     * `release`; nightly PipelineRuns are created in `builds`.
     */
    namespaces: { builds: pulumi.Input<string>; release: pulumi.Input<string> };
    /** Streams from the config: branch, components, schedules, promotion. */
    streams: Stream[];
    /** What each stream runs, from the pipelines layer; one per stream, with `release` exactly when it promotes. */
    runs: StreamRuns[];
    /**
     * `webhookSourceRanges`: what a `LoadBalancer` webhook Service admits (`spec.loadBalancerSourceRanges`). A site
     * whose own load balancer fronts a `NodePort` enforces them there instead.
     */
    webhookSourceRanges?: string[];
    /** Tekton and Triggers must serve their webhooks first (`TektonInstall.ready`). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * `body.ref == 'refs/heads/<branch>' && …`: a push to a branch one of the stream's repositories builds
 * (`streamSources`: each component at its branch, okd-machine-os for OKD/FCOS).
 */
export function pushFilter(stream: Stream): string {
    const byBranch = new Map<string, string[]>();
    for (const { repository, branch } of streamSources(stream)) {
        byBranch.set(branch, [...(byBranch.get(branch) ?? []), repository.toLowerCase()]);
    }
    // In code-unit order, as the repositories are (`repoIn`).
    const branches = [...byBranch.keys()].sort();
    const repos = (branch: string) => repoIn(byBranch.get(branch) ?? []);
    // Deleting the branch is a push too.
    if (branches.length === 1) {
        return [`body.ref == 'refs/heads/${branches[0]}'`, "!body.deleted", repos(branches[0])].join(" && ");
    }
    return `!body.deleted && (${branches.map((b) => `(body.ref == 'refs/heads/${b}' && ${repos(b)})`).join(" || ")})`;
}

const repoIn = (repos: string[]) =>
    `body.repository.full_name.lowerAscii() in [${[...new Set(repos)]
        .sort()
        .map((r) => `'${r}'`)
        .join(", ")}]`;

/** The CronJob on a stream's `schedules.nightly`; the dispatcher (throttle.ts) reads its last firing. */
export const scheduledNightlyCronJob = (minor: string) => `okd-nightly-${streamId(minor)}`;

/** The filter of the schedule listener for one stream's run. */
export function scheduleFilter(minor: string, kind: RunKind): string {
    return `body.stream == '${minor}' && body.pipeline == '${kind}'`;
}

/**
 * The TriggerTemplate of one stream's run: a PipelineRun of `run` in its kind's namespace (`runNamespaces`), with the
 * event params it asks for. Triggers creates a resource template in the namespace it names, else in the listener's
 * (tektoncd/triggers@v0.37.0 pkg/resources/create.go). No labels carry an identity: each task's pods get theirs
 * from the run's `taskRunSpecs`.
 */
export function triggerTemplate(minor: string, kind: RunKind, run: PipelineRunTemplate): Record<string, unknown> {
    for (const p of run.eventParams) {
        if (!(eventParamNames as string[]).includes(p)) {
            throw new Error(
                `stream ${minor} ${kind}: event param "${p}" is not one the triggers fill; expected one of ${eventParamNames.join(", ")}`,
            );
        }
    }
    const spec: Record<string, unknown> = {
        pipelineRef: { name: run.pipelineName },
        params: [...run.params, ...run.eventParams.map((p) => ({ name: p, value: `$(tt.params.${p})` }))],
        timeouts: run.timeouts,
        taskRunTemplate: run.taskRunTemplate,
    };
    if (run.taskRunSpecs.length > 0) spec.taskRunSpecs = run.taskRunSpecs;
    if (run.workspaces.length > 0) spec.workspaces = run.workspaces;
    return {
        params: run.eventParams.map((p) => ({
            name: p,
            description: `Filled by the trigger's event: ${p}`,
            // Triggers applies a template param's default when the binding cannot extract the value from the body
            // (tektoncd/triggers docs/triggertemplates.md, "Specifying parameters"): no revisions, every branch head.
            ...(p === triggerEventParams.revisions ? { default: "" } : {}),
        })),
        resourcetemplates: [
            {
                apiVersion: "tekton.dev/v1",
                kind: "PipelineRun",
                metadata: {
                    generateName: `${run.pipelineName}-`,
                    namespace: runNamespaces[kind],
                    labels: { "okd-ci/stream": minor, "okd-ci/run": kind },
                },
                spec,
            },
        ],
    };
}

/**
 * What starts the pipelines: a GitHub webhook listener (a push to a stream's branch in one of its repositories
 * starts its nightly) and, for every stream, CronJobs that fire its nightly and, when it promotes, its release
 * through a second listener only the CronJobs can reach.
 */
export class StreamTriggers extends pulumi.ComponentResource {
    /** The Service GitHub delivers webhooks to. */
    public readonly webhookService: k8s.core.v1.Service;

    constructor(name: string, args: StreamTriggersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:tekton:StreamTriggers", name, {}, opts);
        const k = { parent: this, provider: args.site.provider };
        const tekton = { ...k, dependsOn: args.dependsOn };
        const ns = args.namespaces.release;
        const pairs = pairStreams(args.streams, args.runs);

        createListenerAccess(name, args.namespaces, k);
        const cr = (role: string, kind: string, objectName: string, spec: pulumi.Input<Record<string, unknown>>) =>
            new k8s.apiextensions.CustomResource(
                `${name}-${role}`,
                {
                    apiVersion: "triggers.tekton.dev/v1beta1",
                    kind,
                    metadata: { name: objectName, namespace: ns },
                    spec,
                },
                tekton,
            );

        for (const event of ["push", "schedule"] as const) {
            cr(`binding-${event}`, "TriggerBinding", `okd-${event}`, {
                params: eventParamNames.map((p) => ({ name: p, value: bindingValues[event][p] })),
            });
        }
        const githubTriggers: Record<string, unknown>[] = [];
        const scheduleTriggers: Record<string, unknown>[] = [];
        for (const { stream, runs } of pairs) {
            const id = streamId(stream.minor);
            const kinds: [RunKind, PipelineRunTemplate][] = [["nightly", runs.nightly]];
            if (runs.release !== undefined) kinds.push(["release", runs.release]);
            for (const [kind, run] of kinds) {
                const template = run.pipelineName;
                cr(`template-${kind}-${id}`, "TriggerTemplate", template, triggerTemplate(stream.minor, kind, run));
                scheduleTriggers.push({
                    name: `${kind}-${id}`,
                    interceptors: [celFilter(scheduleFilter(stream.minor, kind))],
                    bindings: [{ ref: "okd-schedule" }],
                    template: { ref: template },
                });
            }
            // A push starts no run: it is recorded, and the dispatcher starts the nightly within the stream's throttle.
            githubTriggers.push({
                name: `nightly-${id}`,
                interceptors: [githubInterceptor(), celFilter(pushFilter(stream))],
                bindings: [{ ref: "okd-push" }, ...pushRecordBindings],
                template: { ref: pushRecordTemplateName(stream.minor) },
            });
        }
        cr("listener-github", "EventListener", listenerNames.github, listenerSpec(githubTriggers));
        cr("listener-schedule", "EventListener", listenerNames.schedule, listenerSpec(scheduleTriggers));

        this.webhookService = createWebhookExposure(name, ns, args, k);
        createListenerPolicies(name, ns, k);
        createInterceptorsIngress(name, ns, tekton);
        createCronJobs(name, ns, pairs, k);

        this.registerOutputs({ webhookService: this.webhookService.metadata.name });
    }
}

/** Each configured stream with its runs; a stream without runs, or runs without a stream, is a wiring error. */
function pairStreams(streams: Stream[], runs: StreamRuns[]): { stream: Stream; runs: StreamRuns }[] {
    const byMinor = new Map(runs.map((r) => [r.minor, r]));
    const extra = runs.filter((r) => !streams.some((s) => s.minor === r.minor)).map((r) => r.minor);
    if (extra.length > 0) throw new Error(`runs given for streams that are not configured: ${extra.join(", ")}`);
    return streams.map((stream) => {
        const r = byMinor.get(stream.minor);
        if (r === undefined) throw new Error(`stream ${stream.minor} has no runs from the pipelines layer`);
        if (stream.promote !== (r.release !== undefined)) {
            throw new Error(
                `stream ${stream.minor}: ${stream.promote ? "promotes but has no release run" : "does not promote but has a release run"}`,
            );
        }
        return { stream, runs: r };
    });
}

function githubInterceptor(): Record<string, unknown> {
    return {
        ref: { name: "github", kind: "ClusterInterceptor", apiVersion: "triggers.tekton.dev" },
        params: [
            { name: "secretRef", value: { secretName: secretNames.webhook, secretKey: "secretToken" } },
            { name: "eventTypes", value: ["push"] },
        ],
    };
}

function celFilter(filter: string): Record<string, unknown> {
    return {
        ref: { name: "cel", kind: "ClusterInterceptor", apiVersion: "triggers.tekton.dev" },
        params: [{ name: "filter", value: filter }],
    };
}

function listenerSpec(triggers: Record<string, unknown>[]): Record<string, unknown> {
    return {
        serviceAccountName: listenerServiceAccount,
        triggers,
        resources: { kubernetesResource: { serviceType: "ClusterIP", servicePort: listenerPort } },
    };
}

function createCronJobs(
    name: string,
    namespace: pulumi.Input<string>,
    pairs: { stream: Stream; runs: StreamRuns }[],
    opts: pulumi.CustomResourceOptions,
): void {
    // The CronJobs only talk to the schedule listener: no API access.
    const sa = new k8s.core.v1.ServiceAccount(
        `${name}-cron-sa`,
        { metadata: { name: cronServiceAccount, namespace }, automountServiceAccountToken: false },
        opts,
    );
    const listenerUrl = scheduleListenerUrl(namespace);
    for (const { stream, runs } of pairs) {
        const id = streamId(stream.minor);
        const fire = (kind: RunKind, schedule: string, everyWeeks: number) =>
            scriptCronJob(
                `${name}-cron-${kind}-${id}`,
                {
                    namespace,
                    cronJobName: `okd-${kind}-${id}`,
                    schedule,
                    script: "fire-trigger.sh",
                    env: {
                        LISTENER_URL: listenerUrl,
                        STREAM: stream.minor,
                        PIPELINE: kind,
                        BRANCH: stream.branch,
                        EVERY_WEEKS: String(everyWeeks),
                    },
                    serviceAccountName: sa.metadata.name,
                    apiAccess: false,
                    labels: { ...cronLabels, "okd-ci/stream": stream.minor, "okd-ci/run": kind },
                },
                opts,
            );
        // The nightly's CronJob only marks the run due (its lastScheduleTime): the stream's dispatcher (throttle.ts)
        // starts it, within maxUnfinished and minIntervalMinutes as for pushes.
        scriptCronJob(
            `${name}-cron-nightly-${id}`,
            {
                namespace,
                cronJobName: scheduledNightlyCronJob(stream.minor),
                schedule: stream.schedules.nightly,
                script: "mark-scheduled-nightly.sh",
                env: { STREAM: stream.minor },
                serviceAccountName: sa.metadata.name,
                apiAccess: false,
                labels: { ...cronLabels, "okd-ci/stream": stream.minor, "okd-ci/run": "nightly" },
            },
            opts,
        );
        // `promotion: manual`: the release trigger and Pipeline stay, nothing fires them; an operator starts the run.
        if (runs.release !== undefined && stream.promotion !== "manual") {
            fire("release", stream.schedules.release, stream.schedules.releaseEveryWeeks);
        }
    }
}
