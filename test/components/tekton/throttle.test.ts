import * as assert from "node:assert/strict";

import type { Platform } from "../../../src/config/schema";
import { tektonLayerArgs } from "../../../src/layers";
import { find, settled, under, useMocks } from "../../helpers";
import { type Json, fakeConfig, fakeRuns, fakeSite, stream415, stream416 } from "./fixtures";

const T = {
    cronJob: "kubernetes:batch/v1:CronJob",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    template: "kubernetes:triggers.tekton.dev/v1beta1:TriggerTemplate",
} as const;
const inputs = (type: string, name: string): Json => find(type, name).inputs;
/** Whether the engine creates `type`/`name` only after `onType`/`on` (an explicit `dependsOn` or an input of it). */
const dependsOn = (type: string, name: string, onType: string, on: string): boolean =>
    find(type, name).dependencies.includes(find(onType, on).urn);

async function buildLayer(name: string, platform: Platform, streams: object[], extra: Record<string, unknown> = {}) {
    const { TektonLayer } = await import("../../../components/tekton");
    const config = fakeConfig(platform, streams, extra);
    new TektonLayer(
        name,
        tektonLayerArgs(config, { site: fakeSite(`${name}-site`, platform), runs: fakeRuns(config) }),
    );
    await settled();
}

describe("Tekton layer throttle (push records and the nightly dispatcher)", () => {
    useMocks();
    const n = "tth";
    before(() =>
        buildLayer(n, "aws", [stream415, { ...stream416, throttle: { minIntervalMinutes: 60, maxUnfinished: 2 } }], {
            nightlyDispatchSchedule: "*/5 * * * *",
        }),
    );

    it("records a push as a ConfigMap of the stream, with the pushed repository and commit", () => {
        const tt = inputs(T.template, `${n}-throttle-push-record-4-15`);
        assert.equal(tt.metadata.name, "okd-push-record-4-15");
        // Every param the push binding fills is declared, and says where its value comes from.
        assert.deepEqual(tt.spec.params, [
            { name: "revision", description: "Filled by the push: revision" },
            { name: "trigger-repository", description: "Filled by the push: trigger-repository" },
            { name: "trigger-kind", description: "Filled by the push: trigger-kind" },
            { name: "revisions", description: "Filled by the push: revisions" },
            {
                name: "delivery",
                description: "The delivery's X-GitHub-Delivery header (audit only: the signature does not cover it)",
            },
            { name: "pushed-at", description: "The push's repository.pushed_at, epoch seconds" },
        ]);
        const [cm] = tt.spec.resourcetemplates;
        assert.equal(cm.apiVersion, "v1");
        assert.equal(cm.kind, "ConfigMap");
        // Named from the stream and the pushed commit: a replayed delivery of a waiting push is AlreadyExists.
        assert.equal(cm.metadata.name, "okd-push-4-15-$(tt.params.revision)");
        assert.equal(cm.metadata.generateName, undefined);
        assert.deepEqual(cm.metadata.labels, {
            "okd-ci/push-record": "nightly",
            "okd-ci/stream": "4.15",
            "app.kubernetes.io/part-of": "okd-ci",
        });
        assert.deepEqual(cm.data, {
            stream: "4.15",
            repository: "$(tt.params.trigger-repository)",
            revision: "$(tt.params.revision)",
            pushedAt: "$(tt.params.pushed-at)",
            delivery: "$(tt.params.delivery)",
        });
        // The GitHub listener fills it (the run templates are filled only through the schedule listener).
        const github = inputs("kubernetes:triggers.tekton.dev/v1beta1:EventListener", `${n}-triggers-listener-github`);
        const trigger = github.spec.triggers.find((t: Json) => t.name === "nightly-4-15");
        assert.deepEqual(trigger.template, { ref: "okd-push-record-4-15" });
        // ... with the push time the signature covers and the delivery id (audit only), inline in the trigger.
        assert.deepEqual(trigger.bindings, [
            { ref: "okd-push" },
            { name: "delivery", value: "$(header.X-GitHub-Delivery)" },
            { name: "pushed-at", value: "$(body.repository.pushed_at)" },
        ]);
    });

    it("lets the listener create ConfigMaps in its own (release) namespace and nothing more", () => {
        const role = inputs(T.role, `${n}-throttle-record-role`);
        assert.deepEqual(role.metadata, { name: "okd-push-records", namespace: "okd-release" });
        assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["configmaps"], verbs: ["create"] }]);
        const binding = inputs(T.roleBinding, `${n}-throttle-record-binding`);
        assert.deepEqual(binding.metadata, { name: "okd-push-records", namespace: "okd-release" });
        // Bound once the Role exists, so the listener never holds a binding to nothing.
        assert.ok(dependsOn(T.roleBinding, `${n}-throttle-record-binding`, T.role, `${n}-throttle-record-role`));
        assert.deepEqual(binding.subjects, [
            { kind: "ServiceAccount", name: "okd-triggers", namespace: "okd-release" },
        ]);
        // The push records live beside the listener: never in the build namespace, whose pods run pushed code.
        assert.equal(inputs(T.template, `${n}-throttle-push-record-4-15`).metadata.namespace, "okd-release");
        assert.deepEqual(binding.roleRef, {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "Role",
            name: "okd-push-records",
        });
    });

    it("lets the dispatcher read and delete the push records (release namespace) and read the nightlies (build namespace)", () => {
        const records = inputs(T.role, `${n}-throttle-dispatcher-records-role`);
        assert.equal(records.metadata.namespace, "okd-release");
        assert.deepEqual(records.rules, [
            { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "delete"] },
            // Each stream's scheduled-nightly CronJob, by name: when it last fired (the scheduled run is then due).
            {
                apiGroups: ["batch"],
                resources: ["cronjobs"],
                verbs: ["get"],
                resourceNames: ["okd-nightly-4-15", "okd-nightly-4-16"],
            },
        ]);
        const runs = inputs(T.role, `${n}-throttle-dispatcher-runs-role`);
        assert.equal(runs.metadata.namespace, "okd-builds");
        assert.deepEqual(runs.rules, [
            { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list"] },
        ]);
        for (const [b, namespace] of [
            ["records", "okd-release"],
            ["runs", "okd-builds"],
        ]) {
            const binding = inputs(T.roleBinding, `${n}-throttle-dispatcher-${b}-binding`);
            assert.deepEqual(binding.metadata, { name: "okd-nightly-dispatcher", namespace });
            assert.deepEqual(binding.roleRef, {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "Role",
                name: "okd-nightly-dispatcher",
            });
            assert.deepEqual(binding.subjects, [
                { kind: "ServiceAccount", name: "okd-nightly-dispatcher", namespace: "okd-release" },
            ]);
            assert.equal(inputs(T.role, `${n}-throttle-dispatcher-${b}-role`).metadata.name, "okd-nightly-dispatcher");
            assert.ok(
                dependsOn(
                    T.roleBinding,
                    `${n}-throttle-dispatcher-${b}-binding`,
                    T.role,
                    `${n}-throttle-dispatcher-${b}-role`,
                ),
            );
        }
        const cron = inputs(T.cronJob, `${n}-throttle-dispatch-4-15`);
        assert.equal(cron.metadata.name, "okd-dispatch-4-15");
        assert.equal(cron.metadata.namespace, "okd-release");
        assert.equal(inputs(T.cronJob, `${n}-throttle-dispatch-4-16`).metadata.name, "okd-dispatch-4-16");
        // The dispatchers start once their rights are bound: a first firing without them would fail for nothing.
        for (const minor of ["4-15", "4-16"]) {
            for (const b of ["records", "runs"]) {
                const cronJob = `${n}-throttle-dispatch-${minor}`;
                assert.ok(dependsOn(T.cronJob, cronJob, T.roleBinding, `${n}-throttle-dispatcher-${b}-binding`));
            }
        }
        // A failed dispatch is retried by the next firing only: a Job retry could post a second nightly.
        assert.equal(cron.spec.jobTemplate.spec.backoffLimit, 0);
    });

    it("runs one dispatcher per stream on nightlyDispatchSchedule, with the stream's throttle or its defaults", () => {
        const env = (minor: string) => {
            const cron = inputs(T.cronJob, `${n}-throttle-dispatch-${minor}`);
            assert.equal(cron.spec.schedule, "*/5 * * * *");
            assert.equal(cron.spec.concurrencyPolicy, "Forbid");
            const pod = cron.spec.jobTemplate.spec.template.spec;
            assert.equal(pod.serviceAccountName, "okd-nightly-dispatcher");
            assert.equal(pod.automountServiceAccountToken, true);
            assert.match(pod.containers[0].command[2], /^#!\/usr\/bin\/env bash\n# Starts one stream's nightly/);
            return Object.fromEntries(pod.containers[0].env.map((e: Json) => [e.name, e.value]));
        };
        assert.deepEqual(env("4-15"), {
            HOME: "/tmp",
            RECORDS_NAMESPACE: "okd-release",
            RUNS_NAMESPACE: "okd-builds",
            STREAM: "4.15",
            BRANCH: "release-4.15",
            LISTENER_URL: "http://el-okd-schedule.okd-release.svc.cluster.local:8080",
            MIN_INTERVAL_MINUTES: "240",
            MAX_UNFINISHED: "1",
            SCHEDULE_CRONJOB: "okd-nightly-4-15",
        });
        const e416 = env("4-16");
        assert.equal(e416.MIN_INTERVAL_MINUTES, "60");
        assert.equal(e416.MAX_UNFINISHED, "2");
    });

    it("opens the schedule listener to the dispatcher's pods, and their egress to it", () => {
        const dispatcher = {
            "app.kubernetes.io/name": "okd-nightly-dispatcher",
            "app.kubernetes.io/part-of": "okd-ci",
        };
        const port = [{ protocol: "TCP", port: 8080 }];
        const listener = { podSelector: { matchLabels: { eventlistener: "okd-schedule" } } };
        const policy = inputs(T.netpol, `${n}-throttle-netpol-listener`);
        // Where the schedule listener and the dispatcher run.
        assert.deepEqual(policy.metadata, { name: "okd-allow-dispatcher-to-listener", namespace: "okd-release" });
        assert.deepEqual(policy.spec, {
            ...listener,
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: { matchLabels: dispatcher } }], ports: port }],
        });
        const egress = inputs(T.netpol, `${n}-throttle-netpol-dispatcher`);
        assert.deepEqual(egress.metadata, { name: "okd-allow-dispatcher-egress", namespace: "okd-release" });
        // Egress only: the dispatcher's pods take no connections, and reach nothing but the listener (and the API).
        assert.deepEqual(egress.spec, {
            podSelector: { matchLabels: dispatcher },
            policyTypes: ["Egress"],
            egress: [{ to: [listener], ports: port }],
        });
        // The dispatcher's pods carry exactly these labels (plus the stream).
        const pod = inputs(T.cronJob, `${n}-throttle-dispatch-4-15`).spec.jobTemplate.spec.template;
        assert.deepEqual(pod.metadata.labels, { ...dispatcher, "okd-ci/stream": "4.15" });
    });

    it("puts every resource under the throttle component, on the build cluster's provider", () => {
        const parent = find("okd-ci:tekton:NightlyThrottle", `${n}-throttle`).urn;
        const provider = find("pulumi:providers:kubernetes", `${n}-site-k8s`).urn;
        const children = under(`${n}-throttle`).filter((r) => r.type !== "okd-ci:tekton:NightlyThrottle");
        assert.deepEqual(
            children.map((r) => r.name).sort(),
            [
                ...["dispatch-4-15", "dispatch-4-16", "dispatcher-records-binding", "dispatcher-records-role"],
                ...["dispatcher-runs-binding", "dispatcher-runs-role", "dispatcher-sa", "netpol-dispatcher"],
                ...["netpol-listener", "push-record-4-15", "push-record-4-16", "record-binding", "record-role"],
                ...["records-admission-binding", "records-admission-policy"],
            ].map((s) => `${n}-throttle-${s}`),
        );
        for (const r of children) {
            assert.equal(r.parent, parent, r.name);
            assert.ok(r.provider.startsWith(`${provider}::`), `${r.name}: ${r.provider}`);
        }
    });
});

describe("throttle config", () => {
    it("defaults every stream to 240 minutes and one unfinished nightly, dispatched every 10 minutes", () => {
        const config = fakeConfig("aws", [stream415]);
        assert.deepEqual(config.streams[0].throttle, { minIntervalMinutes: 240, maxUnfinished: 1 });
        assert.equal(config.nightlyDispatchSchedule, "*/10 * * * *");
    });

    it("refuses a throttle outside its range, naming the key and what is allowed", () => {
        assert.throws(
            () => fakeConfig("aws", [{ ...stream415, throttle: { maxUnfinished: 0 } }]),
            /streams\[0\]\.throttle\.maxUnfinished.*expected a whole number from 1 to 10/s,
        );
        assert.throws(
            () => fakeConfig("aws", [{ ...stream415, throttle: { minIntervalMinutes: 30, burst: 2 } }]),
            /streams\[0\]\.throttle.*burst/s,
        );
        assert.throws(
            () => fakeConfig("aws", [stream415], { nightlyDispatchSchedule: "every 10 minutes" }),
            /nightlyDispatchSchedule.*not a schedule Kubernetes accepts/s,
        );
    });
});
