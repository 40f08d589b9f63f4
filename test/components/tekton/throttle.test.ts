import * as assert from "node:assert/strict";

import type { Platform } from "../../../src/config/schema";
import { tektonLayerArgs } from "../../../src/layers";
import { find, settled, useMocks } from "../../helpers";
import { type Json, fakeConfig, fakeRuns, fakeSite, stream415, stream416 } from "./fixtures";

const T = {
    cronJob: "kubernetes:batch/v1:CronJob",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    template: "kubernetes:triggers.tekton.dev/v1beta1:TriggerTemplate",
} as const;
const inputs = (type: string, name: string): Json => find(type, name).inputs;

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
        // Every param the push binding fills is declared.
        assert.deepEqual(
            tt.spec.params.map((p: Json) => p.name),
            ["revision", "trigger-repository", "trigger-kind", "revisions", "delivery", "pushed-at"],
        );
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
        assert.equal(role.metadata.namespace, "okd-release");
        assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["configmaps"], verbs: ["create"] }]);
        const binding = inputs(T.roleBinding, `${n}-throttle-record-binding`);
        assert.equal(binding.metadata.namespace, "okd-release");
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
        for (const b of ["records", "runs"]) {
            assert.deepEqual(inputs(T.roleBinding, `${n}-throttle-dispatcher-${b}-binding`).subjects, [
                { kind: "ServiceAccount", name: "okd-nightly-dispatcher", namespace: "okd-release" },
            ]);
        }
        const cron = inputs(T.cronJob, `${n}-throttle-dispatch-4-15`);
        assert.equal(cron.metadata.namespace, "okd-release");
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
        const policy = inputs(T.netpol, `${n}-throttle-netpol-listener`);
        // Where the schedule listener and the dispatcher run.
        assert.equal(policy.metadata.namespace, "okd-release");
        const ingress = policy.spec;
        assert.deepEqual(ingress.podSelector, { matchLabels: { eventlistener: "okd-schedule" } });
        assert.deepEqual(ingress.ingress, [
            { from: [{ podSelector: { matchLabels: dispatcher } }], ports: [{ protocol: "TCP", port: 8080 }] },
        ]);
        const egress = inputs(T.netpol, `${n}-throttle-netpol-dispatcher`).spec;
        assert.deepEqual(egress.podSelector, { matchLabels: dispatcher });
        // The dispatcher's pods carry exactly these labels (plus the stream).
        const pod = inputs(T.cronJob, `${n}-throttle-dispatch-4-15`).spec.jobTemplate.spec.template;
        assert.deepEqual(pod.metadata.labels, { ...dispatcher, "okd-ci/stream": "4.15" });
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
