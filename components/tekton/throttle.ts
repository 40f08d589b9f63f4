import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { Stream } from "../shared/model";
import { streamId, triggerEventParams } from "../shared/pipelines";
import { celString, createRunPolicy } from "./admission";
import { scriptCronJob } from "./jobs";
import {
    listenerNames,
    pushRecordParams,
    pushRecordTemplateName,
    scheduleListenerUrl,
    scheduledNightlyCronJob,
} from "./triggers";

/** Labels of a push record (a ConfigMap the GitHub listener creates per push); the dispatcher selects on them. */
export const pushRecordLabel = { key: "okd-ci/push-record", value: "nightly" } as const;
/** Labels of the dispatcher CronJobs' pods: the schedule listener admits them (`allow-dispatcher-to-listener`). */
export const dispatcherLabels = {
    "app.kubernetes.io/name": "okd-nightly-dispatcher",
    "app.kubernetes.io/part-of": "okd-ci",
};
const dispatcherAccount = "okd-nightly-dispatcher";
/** The policy holding the listener's ConfigMap creates and the dispatcher's deletes to push records, and its binding. */
export const pushRecordPolicyName = "okd-ci-push-records";

/** A push record's name: the stream and the pushed commit (`okd-push-4-15-<40 hex>`), so a replay of it collides. */
export const pushRecordName = (minor: string, revision: string): string => `okd-push-${streamId(minor)}-${revision}`;
/** CEL (RE2) pattern of that name, as the admission policy checks it. */
const pushRecordNamePattern = "^okd-push-[0-9]+-[0-9]+-[0-9a-f]{40}$";

/**
 * RBAC cannot narrow `create` or `delete` by label, and the release namespace holds other ConfigMaps (the release
 * run's Chains public key and status renderer). This `ValidatingAdmissionPolicy` closes that: the listener may create
 * only ConfigMaps labelled as push records, with the push-record name prefix, and the dispatcher may delete only
 * ConfigMaps so labelled (on DELETE the policy sees the stored object as `oldObject`; Kubernetes docs,
 * "Validating Admission Policy", variables). Other users are not matched.
 */
export function pushRecordPolicy(namespace: string, listenerServiceAccount: string): Record<string, unknown> {
    const user = (sa: string) => celString(`system:serviceaccount:${namespace}:${sa}`);
    const labelled = (o: string) =>
        `has(${o}.metadata.labels) && ${celString(pushRecordLabel.key)} in ${o}.metadata.labels && ${o}.metadata.labels[${celString(pushRecordLabel.key)}] == ${celString(pushRecordLabel.value)}`;
    return {
        failurePolicy: "Fail",
        matchConstraints: {
            matchPolicy: "Equivalent",
            resourceRules: [
                { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "DELETE"], resources: ["configmaps"] },
            ],
        },
        matchConditions: [
            {
                name: "by-the-listener-or-the-dispatcher",
                expression: `request.userInfo.username in [${user(listenerServiceAccount)}, ${user(dispatcherAccount)}]`,
            },
        ],
        validations: [
            {
                expression: `request.operation != 'CREATE' || (request.userInfo.username == ${user(listenerServiceAccount)} && ${labelled("object")} && has(object.metadata.name) && object.metadata.name.matches('${pushRecordNamePattern}'))`,
                message:
                    "only the listener creates ConfigMaps here, and only push records (okd-ci/push-record=nightly, okd-push-<stream>-<commit>)",
                reason: "Forbidden",
            },
            {
                expression: `request.operation != 'DELETE' || (request.userInfo.username == ${user(dispatcherAccount)} && ${labelled("oldObject")})`,
                message:
                    "only the dispatcher deletes ConfigMaps here, and only push records (okd-ci/push-record=nightly)",
                reason: "Forbidden",
            },
        ],
    };
}
const listenerPort = 8080;

export interface NightlyThrottleArgs {
    /** Provider of the build cluster. */
    provider: k8s.Provider;
    /**
     * The namespaces (their outputs): push records, the dispatcher and its CronJobs live in `release`, beside the
     * listeners (a TriggerTemplate's resources are created in the listener's namespace); the nightlies it counts run
     * in `builds`.
     */
    namespaces: { builds: pulumi.Input<string>; release: pulumi.Input<string> };
    /** The release namespace's name as a plain string (the admission policy names its ServiceAccounts). */
    releaseNamespaceName: string;
    /** Streams from the config: `throttle` and `branch` of each. */
    streams: Stream[];
    /** `nightlyDispatchSchedule`: five-field cron, UTC. */
    schedule: string;
    /** The ServiceAccount of the EventListeners, which creates the push records. */
    listenerServiceAccount: string;
    /** Triggers must serve their webhooks first (`TektonInstall.ready`). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The push record of one stream: the TriggerTemplate the GitHub listener fills on a push to one of the stream's
 * repositories. A ConfigMap, not a PipelineRun: TriggerTemplates may create any resource the listener's
 * ServiceAccount may create (tektoncd/triggers docs/triggertemplates.md: "You will need to add the appropriate roles
 * to the EventListener's service account to be able to create other non Tekton resources").
 *
 * Replays (issue 15 path 9): a captured delivery keeps a valid signature forever. The record is named from the
 * stream and the pushed commit, so a replay while the push waits for the dispatcher fails with AlreadyExists (the
 * listener logs it; nothing is created), whatever `X-GitHub-Delivery` the replayer sends; and it keeps the push's
 * `pushed_at`, with which the dispatcher discards a record that arrived more than `PUSH_MAX_AGE_SECONDS` after its
 * push (a late replay, which would otherwise build an old commit: dispatch-nightly.sh).
 */
export function pushRecordTemplate(minor: string): Record<string, unknown> {
    const event = Object.values(triggerEventParams);
    return {
        // The push binding fills every event param, the trigger's inline bindings the delivery and push time.
        params: [
            ...event.map((p) => ({ name: p, description: `Filled by the push: ${p}` })),
            {
                name: pushRecordParams.delivery,
                description: "The delivery's X-GitHub-Delivery header (audit only: the signature does not cover it)",
            },
            { name: pushRecordParams.pushedAt, description: "The push's repository.pushed_at, epoch seconds" },
        ],
        resourcetemplates: [
            {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: {
                    name: pushRecordName(minor, `$(tt.params.${triggerEventParams.revision})`),
                    labels: {
                        [pushRecordLabel.key]: pushRecordLabel.value,
                        "okd-ci/stream": minor,
                        "app.kubernetes.io/part-of": "okd-ci",
                    },
                },
                data: {
                    stream: minor,
                    repository: `$(tt.params.${triggerEventParams.repository})`,
                    revision: `$(tt.params.${triggerEventParams.revision})`,
                    pushedAt: `$(tt.params.${pushRecordParams.pushedAt})`,
                    delivery: `$(tt.params.${pushRecordParams.delivery})`,
                },
            },
        ],
    };
}

/**
 * Throttling and coalescing of nightlies (docs/tekton.md, Throttling), pushed or scheduled. A push is recorded (a ConfigMap
 * per push, by the GitHub listener); per stream, a dispatcher CronJob on `nightlyDispatchSchedule` starts one nightly
 * for every push recorded since, through the schedule listener, once `throttle.minIntervalMinutes` have passed since
 * the stream's last nightly started and fewer than `throttle.maxUnfinished` are unfinished, passing the newest pushed
 * commit of each repository (`revisions`), which the clone steps check out (dispatch-nightly.sh).
 *
 * Rights: the listener may create ConfigMaps in the release namespace only (Kubernetes RBAC cannot narrow `create` by
 * name or label); the dispatcher may read and delete ConfigMaps of the release namespace, get and list PipelineRuns of
 * the build namespace, and reach the schedule listener, nothing else. Push records never enter the privileged build
 * namespace, whose pods run pushed code. An admission policy (`pushRecordPolicy`) narrows both to push records.
 */
export class NightlyThrottle extends pulumi.ComponentResource {
    constructor(name: string, args: NightlyThrottleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:tekton:NightlyThrottle", name, {}, opts);
        const k = { parent: this, provider: args.provider };
        const ns = args.namespaces.release;

        for (const stream of args.streams) {
            new k8s.apiextensions.CustomResource(
                `${name}-push-record-${streamId(stream.minor)}`,
                {
                    apiVersion: "triggers.tekton.dev/v1beta1",
                    kind: "TriggerTemplate",
                    metadata: { name: pushRecordTemplateName(stream.minor), namespace: ns },
                    spec: pushRecordTemplate(stream.minor),
                },
                { ...k, dependsOn: args.dependsOn },
            );
        }

        // The listener: create push records.
        const recordRole = new k8s.rbac.v1.Role(
            `${name}-record-role`,
            {
                metadata: { name: "okd-push-records", namespace: ns },
                rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["create"] }],
            },
            k,
        );
        new k8s.rbac.v1.RoleBinding(
            `${name}-record-binding`,
            {
                metadata: { name: "okd-push-records", namespace: ns },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "okd-push-records" },
                subjects: [{ kind: "ServiceAccount", name: args.listenerServiceAccount, namespace: ns }],
            },
            { ...k, dependsOn: [recordRole] },
        );

        // The dispatcher: read and consume the records, read the stream's runs.
        const sa = new k8s.core.v1.ServiceAccount(
            `${name}-dispatcher-sa`,
            { metadata: { name: dispatcherAccount, namespace: ns } },
            k,
        );
        const subjects = [{ kind: "ServiceAccount", name: dispatcherAccount, namespace: ns }];
        const grant = (
            suffix: string,
            namespace: pulumi.Input<string>,
            rules: k8s.types.input.rbac.v1.PolicyRule[],
        ) => {
            const role = new k8s.rbac.v1.Role(
                `${name}-dispatcher-${suffix}-role`,
                { metadata: { name: dispatcherAccount, namespace }, rules },
                k,
            );
            return new k8s.rbac.v1.RoleBinding(
                `${name}-dispatcher-${suffix}-binding`,
                {
                    metadata: { name: dispatcherAccount, namespace },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: dispatcherAccount },
                    subjects,
                },
                { ...k, dependsOn: [role] },
            );
        };
        const bindings = [
            grant("records", ns, [
                { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "delete"] },
                // The streams' scheduled-nightly CronJobs: their status.lastScheduleTime says a scheduled run is due.
                {
                    apiGroups: ["batch"],
                    resources: ["cronjobs"],
                    verbs: ["get"],
                    resourceNames: args.streams.map((s) => scheduledNightlyCronJob(s.minor)),
                },
            ]),
            grant("runs", args.namespaces.builds, [
                { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list"] },
            ]),
        ];

        // Holes in the release namespace's default-deny: dispatcher → schedule listener (the API is reached over 443).
        const port = [{ protocol: "TCP", port: listenerPort }];
        new k8s.networking.v1.NetworkPolicy(
            `${name}-netpol-listener`,
            {
                metadata: { name: "okd-allow-dispatcher-to-listener", namespace: ns },
                spec: {
                    podSelector: { matchLabels: { eventlistener: listenerNames.schedule } },
                    policyTypes: ["Ingress"],
                    ingress: [{ from: [{ podSelector: { matchLabels: dispatcherLabels } }], ports: port }],
                },
            },
            k,
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-netpol-dispatcher`,
            {
                metadata: { name: "okd-allow-dispatcher-egress", namespace: ns },
                spec: {
                    podSelector: { matchLabels: dispatcherLabels },
                    policyTypes: ["Egress"],
                    egress: [
                        {
                            to: [{ podSelector: { matchLabels: { eventlistener: listenerNames.schedule } } }],
                            ports: port,
                        },
                    ],
                },
            },
            k,
        );

        createRunPolicy(
            `${name}-records-admission`,
            pushRecordPolicyName,
            pushRecordPolicy(args.releaseNamespaceName, args.listenerServiceAccount),
            k,
        );

        const listenerUrl = scheduleListenerUrl(ns);
        for (const stream of args.streams) {
            const id = streamId(stream.minor);
            scriptCronJob(
                `${name}-dispatch-${id}`,
                {
                    namespace: ns,
                    cronJobName: `okd-dispatch-${id}`,
                    schedule: args.schedule,
                    script: "dispatch-nightly.sh",
                    env: {
                        RECORDS_NAMESPACE: ns,
                        RUNS_NAMESPACE: args.namespaces.builds,
                        STREAM: stream.minor,
                        BRANCH: stream.branch,
                        LISTENER_URL: listenerUrl,
                        MIN_INTERVAL_MINUTES: String(stream.throttle.minIntervalMinutes),
                        MAX_UNFINISHED: String(stream.throttle.maxUnfinished),
                        SCHEDULE_CRONJOB: scheduledNightlyCronJob(stream.minor),
                    },
                    serviceAccountName: sa.metadata.name,
                    apiAccess: true,
                    labels: { ...dispatcherLabels, "okd-ci/stream": stream.minor },
                    // A failed dispatch keeps its push records and the next firing retries; a Job retry could post
                    // a second nightly while the first is still being created.
                    backoffLimit: 0,
                },
                { ...k, dependsOn: bindings },
            );
        }
        this.registerOutputs({});
    }
}
