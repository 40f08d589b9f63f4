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
import { tektonNamespaces } from "./versions";

/** Names of the listeners and what they are bound to. */
export const listenerNames = {
    /** Public: GitHub push webhooks, signature checked. */
    github: "okd-github",
    /** Cluster-only: the schedule CronJobs. */
    schedule: "okd-schedule",
} as const;
const listenerPort = 8080;
/** The TriggerTemplate a push to one of the stream's repositories fills: a push record (components/tekton/throttle.ts). */
export const pushRecordTemplateName = (minor: string): string => `okd-push-record-${streamId(minor)}`;
/** The in-cluster URL of the schedule listener, which only the schedule and dispatcher CronJobs' pods may reach. */
export const scheduleListenerUrl = (namespace: pulumi.Input<string>): pulumi.Output<string> =>
    pulumi.interpolate`http://el-${listenerNames.schedule}.${namespace}.svc.cluster.local:${listenerPort}`;
/**
 * The listeners' ServiceAccount, in the release namespace; the admission policy admits its PipelineRuns only, and
 * components/tekton/throttle.ts lets it create push records (ConfigMaps) there.
 */
export const listenerServiceAccount = "okd-triggers";
const serviceAccount = listenerServiceAccount;
const cronServiceAccount = "okd-trigger-cron";

/** Where each kind of run is created: nightlies build pushed code (privileged), releases promote (restricted). */
export const runNamespaces: Record<"nightly" | "release", string> = {
    nightly: pipelineNamespace,
    release: releaseNamespace,
};
/** Labels of the schedule CronJobs' pods: the only pods the schedule listener accepts. */
export const cronLabels = { "app.kubernetes.io/name": "okd-trigger-cron", "app.kubernetes.io/part-of": "okd-ci" };
/** The Service GitHub reaches (the listener's own `el-okd-github` stays ClusterIP). */
export const webhookServiceName = "okd-github-webhook";

export type RunKind = "nightly" | "release";

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
    const clauses = [...byBranch.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([branch, repos]) => `body.ref == 'refs/heads/${branch}' && ${repoIn(repos)}`);
    // Deleting the branch is a push too.
    if (clauses.length === 1) {
        const [branch] = byBranch.keys();
        return [`body.ref == 'refs/heads/${branch}'`, "!body.deleted", repoIn(byBranch.get(branch) ?? [])].join(" && ");
    }
    return `!body.deleted && (${clauses.map((c) => `(${c})`).join(" || ")})`;
}

const repoIn = (repos: string[]) =>
    `body.repository.full_name.lowerAscii() in [${[...new Set(repos)]
        .sort()
        .map((r) => `'${r}'`)
        .join(", ")}]`;

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
                bindings: [{ ref: "okd-push" }],
                template: { ref: pushRecordTemplateName(stream.minor) },
            });
        }
        cr("listener-github", "EventListener", listenerNames.github, listenerSpec(githubTriggers));
        cr("listener-schedule", "EventListener", listenerNames.schedule, listenerSpec(scheduleTriggers));

        this.webhookService = createWebhookExposure(name, ns, args, k);
        createListenerPolicies(name, ns, k);
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
        serviceAccountName: serviceAccount,
        triggers,
        resources: { kubernetesResource: { serviceType: "ClusterIP", servicePort: listenerPort } },
    };
}

/**
 * What an EventListener's sink does with the API, read from tektoncd/triggers@v0.37.0: its informers
 * (cmd/eventlistenersink/main.go, pkg/adapter/adapter.go) watch EventListeners, Triggers, TriggerBindings,
 * TriggerTemplates and Interceptors in its own namespace (`injection.WithNamespaceScope`) and ClusterTriggerBindings
 * and ClusterInterceptors cluster-wide; it creates each resource template (pkg/resources/create.go) as itself, since
 * our Triggers name no ServiceAccount to impersonate; and it records events. It reads no Secret: the GitHub
 * signature is checked by the core `github` ClusterInterceptor, which reads the webhook Secret with its own
 * (cluster-wide) rights.
 */
export const listenerRules = {
    /** In the listener's namespace. */
    own: [
        {
            apiGroups: ["triggers.tekton.dev"],
            resources: ["eventlisteners", "triggers", "triggerbindings", "triggertemplates", "interceptors"],
            verbs: ["get", "list", "watch"],
        },
        // The adapter framework watches its logging and observability ConfigMaps.
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
        { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["create"] },
    ],
    /** In each namespace it starts runs in. */
    runs: [{ apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["create"] }],
    /** Cluster-wide, read only. */
    cluster: [
        {
            apiGroups: ["triggers.tekton.dev"],
            resources: ["clustertriggerbindings", "clusterinterceptors"],
            verbs: ["get", "list", "watch"],
        },
    ],
};

/**
 * The listeners' ServiceAccount and its own minimal roles (`listenerRules`), instead of Triggers' documented
 * bindings: `tekton-triggers-eventlistener-roles` would let it create TaskRuns and impersonate every ServiceAccount of
 * its namespace, and `tekton-triggers-eventlistener-clusterroles` read every Secret of the cluster. What it creates is
 * further held to the okd-ci Pipelines by an admission policy (admission.ts).
 */
function createListenerAccess(
    name: string,
    namespaces: { builds: pulumi.Input<string>; release: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
): void {
    const namespace = namespaces.release;
    new k8s.core.v1.ServiceAccount(
        `${name}-sa`,
        // The listener pod needs its token: the sink's informers and creates are API calls.
        { metadata: { name: serviceAccount, namespace } },
        opts,
    );
    const subjects = [{ kind: "ServiceAccount", name: serviceAccount, namespace }];
    const role = (suffix: string, ns: pulumi.Input<string>, rules: k8s.types.input.rbac.v1.PolicyRule[]) => {
        const r = new k8s.rbac.v1.Role(
            `${name}-${suffix}-role`,
            { metadata: { name: `${serviceAccount}-${suffix}`, namespace: ns }, rules },
            opts,
        );
        new k8s.rbac.v1.RoleBinding(
            `${name}-${suffix}-binding`,
            {
                metadata: { name: `${serviceAccount}-${suffix}`, namespace: ns },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${serviceAccount}-${suffix}` },
                subjects,
            },
            { ...opts, dependsOn: [r] },
        );
    };
    role("listener", namespace, listenerRules.own);
    role("nightly-runs", namespaces.builds, listenerRules.runs);
    const clusterRole = new k8s.rbac.v1.ClusterRole(
        `${name}-cluster-read`,
        { metadata: { name: "okd-ci-triggers-cluster-read" }, rules: listenerRules.cluster },
        opts,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-cluster-read`,
        {
            metadata: { name: "okd-ci-triggers-cluster-read" },
            roleRef: {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: "okd-ci-triggers-cluster-read",
            },
            subjects,
        },
        { ...opts, dependsOn: [clusterRole] },
    );
}

/**
 * The public face of the GitHub listener, as the site describes it (`Site.webhook`): a Service of the site's type in
 * front of the listener's pods (a fixed node port when the site's own load balancer targets the nodes; the stack's
 * source ranges when the cluster makes the load balancer), plus an Ingress only where the site says an ingress
 * controller serves one. An Ingress nothing serves never gets an address, and `pulumi up` waits for it until it
 * times out (EKS has no ingress controller or default IngressClass).
 */
export function createWebhookExposure(
    name: string,
    namespace: pulumi.Input<string>,
    args: Pick<StreamTriggersArgs, "site" | "webhookSourceRanges">,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Service {
    const exposure = args.site.webhook;
    if (exposure.serviceType === "NodePort" && exposure.nodePort === undefined) {
        throw new Error("the site exposes the webhook on a NodePort Service but names no nodePort");
    }
    const ranges = args.webhookSourceRanges ?? [];
    const service = new k8s.core.v1.Service(
        `${name}-webhook`,
        {
            metadata: { name: webhookServiceName, namespace, annotations: exposure.serviceAnnotations },
            spec: {
                type: exposure.serviceType,
                selector: { eventlistener: listenerNames.github },
                ports: [
                    {
                        name: "http",
                        port: 80,
                        targetPort: listenerPort,
                        protocol: "TCP",
                        ...(exposure.serviceType === "NodePort" ? { nodePort: exposure.nodePort } : {}),
                    },
                ],
                ...(exposure.serviceType === "LoadBalancer" && ranges.length > 0
                    ? { loadBalancerSourceRanges: ranges }
                    : {}),
            },
        },
        opts,
    );
    if (exposure.ingress !== undefined) {
        new k8s.networking.v1.Ingress(
            `${name}-webhook`,
            {
                metadata: { name: webhookServiceName, namespace },
                spec: {
                    ...(exposure.ingress.className !== undefined
                        ? { ingressClassName: exposure.ingress.className }
                        : {}),
                    rules: [
                        {
                            host: exposure.ingress.host,
                            http: {
                                paths: [
                                    {
                                        path: "/",
                                        pathType: "Prefix",
                                        backend: { service: { name: webhookServiceName, port: { name: "http" } } },
                                    },
                                ],
                            },
                        },
                    ],
                },
            },
            { ...opts, dependsOn: [service] },
        );
    }
    return service;
}

/** Holes in the release namespace's default-deny for the listeners and the schedule CronJobs. */
function createListenerPolicies(
    name: string,
    namespace: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): void {
    const policy = (role: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
        new k8s.networking.v1.NetworkPolicy(
            `${name}-netpol-${role}`,
            { metadata: { name: `okd-${role}`, namespace }, spec },
            opts,
        );
    const port = [{ protocol: "TCP", port: listenerPort }];
    // GitHub's delivery addresses change; the HMAC signature, not the source address, authenticates a delivery.
    policy("allow-github-webhook", {
        podSelector: { matchLabels: { eventlistener: listenerNames.github } },
        policyTypes: ["Ingress"],
        ingress: [{ ports: port }],
    });
    // The schedule listener checks no signature: only the CronJobs' pods may reach it.
    policy("allow-schedule-listener", {
        podSelector: { matchLabels: { eventlistener: listenerNames.schedule } },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: { matchLabels: cronLabels } }], ports: port }],
    });
    policy("allow-cron-to-listener", {
        podSelector: { matchLabels: cronLabels },
        policyTypes: ["Egress"],
        egress: [{ to: [{ podSelector: { matchLabels: { eventlistener: listenerNames.schedule } } }], ports: port }],
    });
    // Listeners call the core interceptors (github, cel) in the Tekton namespace.
    policy("allow-listener-interceptors", {
        podSelector: { matchLabels: { "app.kubernetes.io/managed-by": "EventListener" } },
        policyTypes: ["Egress"],
        egress: [
            {
                to: [
                    {
                        namespaceSelector: {
                            matchLabels: { "kubernetes.io/metadata.name": tektonNamespaces.pipelines },
                        },
                    },
                ],
                ports: [{ protocol: "TCP", port: 8443 }],
            },
        ],
    });
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
        fire("nightly", stream.schedules.nightly, 1);
        if (runs.release !== undefined) fire("release", stream.schedules.release, stream.schedules.releaseEveryWeeks);
    }
}
