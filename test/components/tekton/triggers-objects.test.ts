/**
 * The Triggers objects of components/tekton/triggers.ts, rendered by StreamTriggers on its own and compared whole:
 * both listeners with every trigger's interceptors, bindings and template; both TriggerBindings; the run templates;
 * the schedule CronJobs and their ServiceAccount; and the wiring errors. The CEL filters are pinned as text:
 * tekton-validate (test/support/tekton-validate.test.ts) compiles them with Triggers' own CEL interceptor, but
 * nothing here evaluates one against an event body.
 */
import * as assert from "node:assert/strict";

import * as k8s from "@pulumi/kubernetes";

import type { StreamRuns } from "../../../components/shared";
import { find, settled, under, useMocks } from "../../helpers";
import { type Json, fakeConfig, fakeRuns, fakeSite, stream415, stream416 } from "./fixtures";
import { registeredOutputs } from "./registered-outputs";

const T = {
    listener: "kubernetes:triggers.tekton.dev/v1beta1:EventListener",
    binding: "kubernetes:triggers.tekton.dev/v1beta1:TriggerBinding",
    template: "kubernetes:triggers.tekton.dev/v1beta1:TriggerTemplate",
    cronJob: "kubernetes:batch/v1:CronJob",
    sa: "kubernetes:core/v1:ServiceAccount",
} as const;
const inputs = (type: string, name: string): Json => find(type, name).inputs;

/** 4.15 promotes on a schedule, 4.16 does not promote, 4.14 promotes by hand only. */
const stream414 = {
    ...stream415,
    minor: "4.14",
    branch: "release-4.14",
    basePayload: "quay.io/openshift/okd:4.14.0-0.okd-2024-01-27-070424",
    promotion: "manual",
};
const config = () => fakeConfig("local", [stream415, stream416, stream414]);

const cel = (filter: string) => ({
    ref: { name: "cel", kind: "ClusterInterceptor", apiVersion: "triggers.tekton.dev" },
    params: [{ name: "filter", value: filter }],
});
const github = {
    ref: { name: "github", kind: "ClusterInterceptor", apiVersion: "triggers.tekton.dev" },
    params: [
        { name: "secretRef", value: { secretName: "okd-github-webhook", secretKey: "secretToken" } },
        { name: "eventTypes", value: ["push"] },
    ],
};
const listenerResources = { kubernetesResource: { serviceType: "ClusterIP", servicePort: 8080 } };

describe("Tekton layer Triggers objects (triggers.ts)", () => {
    useMocks();
    const n = "tktr";
    let readyUrn = "";

    before(async () => {
        const { StreamTriggers } = await import("../../../components/tekton/triggers");
        const c = config();
        const site = fakeSite(`${n}-site`, "local");
        const ready = new k8s.core.v1.Namespace(`${n}-tekton-ready`, {}, { provider: site.provider });
        readyUrn = await new Promise((resolve) => ready.urn.apply(resolve));
        // 4.16's nightly asks for every event param (the revisions one has a default) and has no task specs or
        // workspaces, which then stay out of its PipelineRun.
        const runs: StreamRuns[] = fakeRuns(c).map((r) =>
            r.minor !== "4.16"
                ? r
                : {
                      ...r,
                      nightly: {
                          ...r.nightly,
                          eventParams: ["revision", "trigger-repository", "trigger-kind", "revisions"],
                          taskRunSpecs: [],
                          workspaces: [],
                      },
                  },
        );
        new StreamTriggers(n, {
            site,
            namespaces: { builds: "okd-builds", release: "okd-release" },
            streams: c.streams,
            runs,
            dependsOn: [ready],
        });
        await settled();
    });

    it("renders every Triggers object as triggers.tekton.dev/v1beta1 in the release namespace, after Tekton is ready", () => {
        const objects = recorderObjects();
        assert.deepEqual(objects.map((o) => `${o.kind}/${o.name}`).sort(), [
            "EventListener/okd-github",
            "EventListener/okd-schedule",
            "TriggerBinding/okd-push",
            "TriggerBinding/okd-schedule",
            "TriggerTemplate/okd-nightly-4-14",
            "TriggerTemplate/okd-nightly-4-15",
            "TriggerTemplate/okd-nightly-4-16",
            "TriggerTemplate/okd-release-4-14",
            "TriggerTemplate/okd-release-4-15",
        ]);
        for (const o of objects) {
            assert.equal(o.apiVersion, "triggers.tekton.dev/v1beta1", o.name);
            assert.equal(o.namespace, "okd-release", o.name);
            assert.ok(o.dependencies.includes(readyUrn), `${o.name} is created before Tekton is ready`);
            assert.match(o.provider, new RegExp(`::${n}-site-k8s::`), `${o.name} uses the site's provider`);
        }
    });

    function recorderObjects() {
        return under(n)
            .filter((r) => r.type.startsWith("kubernetes:triggers.tekton.dev/"))
            .map((r) => {
                const i = r.inputs as Json;
                return {
                    ...r,
                    apiVersion: i.apiVersion,
                    kind: i.kind,
                    name: i.metadata.name,
                    namespace: i.metadata.namespace,
                };
            });
    }

    it("registers the webhook Service's name as its output", async () => {
        const component = find("okd-ci:tekton:StreamTriggers", n);
        assert.deepEqual(await registeredOutputs(component.urn), { webhookService: "okd-github-webhook" });
    });

    it("binds a push's commit, repository and revisions, and a schedule's branch and coalesced revisions", () => {
        assert.deepEqual(inputs(T.binding, `${n}-binding-push`).spec, {
            params: [
                { name: "revision", value: "$(body.after)" },
                { name: "trigger-repository", value: "$(body.repository.full_name)" },
                { name: "trigger-kind", value: "push" },
                { name: "revisions", value: "$(body.repository.full_name)=$(body.after)" },
            ],
        });
        assert.deepEqual(inputs(T.binding, `${n}-binding-schedule`).spec, {
            params: [
                { name: "revision", value: "$(body.branch)" },
                { name: "trigger-repository", value: "$(body.repository)" },
                { name: "trigger-kind", value: "schedule" },
                { name: "revisions", value: "$(body.revisions)" },
            ],
        });
    });

    it("checks a GitHub push's signature, then its branch and repository, and records it for the dispatcher", () => {
        const trigger = (minor: string, filter: string) => ({
            name: `nightly-${minor.replace(".", "-")}`,
            interceptors: [github, cel(filter)],
            bindings: [
                { ref: "okd-push" },
                { name: "delivery", value: "$(header.X-GitHub-Delivery)" },
                { name: "pushed-at", value: "$(body.repository.pushed_at)" },
            ],
            template: { ref: `okd-push-record-${minor.replace(".", "-")}` },
        });
        const fcos = (branch: string, repos: string) =>
            `body.ref == 'refs/heads/${branch}' && !body.deleted && body.repository.full_name.lowerAscii() in [${repos}]`;
        assert.deepEqual(inputs(T.listener, `${n}-listener-github`).spec, {
            serviceAccountName: "okd-triggers",
            triggers: [
                trigger(
                    "4.15",
                    fcos("release-4.15", "'openshift/installer', 'openshift/ironic-image', 'openshift/okd-machine-os'"),
                ),
                trigger("4.16", fcos("master", "'openshift/installer'")),
                trigger(
                    "4.14",
                    fcos("release-4.14", "'openshift/installer', 'openshift/ironic-image', 'openshift/okd-machine-os'"),
                ),
            ],
            resources: listenerResources,
        });
    });

    it("fires each stream's nightly and, when it promotes, its release through the schedule listener", () => {
        const trigger = (kind: string, minor: string) => ({
            name: `${kind}-${minor.replace(".", "-")}`,
            interceptors: [cel(`body.stream == '${minor}' && body.pipeline == '${kind}'`)],
            bindings: [{ ref: "okd-schedule" }],
            template: { ref: `okd-${kind}-${minor.replace(".", "-")}` },
        });
        assert.deepEqual(inputs(T.listener, `${n}-listener-schedule`).spec, {
            serviceAccountName: "okd-triggers",
            triggers: [
                trigger("nightly", "4.15"),
                trigger("release", "4.15"),
                trigger("nightly", "4.16"),
                trigger("nightly", "4.14"),
                trigger("release", "4.14"),
            ],
            resources: listenerResources,
        });
    });

    it("renders a run template whose params all come from the event, the revisions one defaulting to empty", () => {
        assert.deepEqual(inputs(T.template, `${n}-template-nightly-4-16`).spec, {
            params: ["revision", "trigger-repository", "trigger-kind", "revisions"].map((p) => ({
                name: p,
                description: `Filled by the trigger's event: ${p}`,
                ...(p === "revisions" ? { default: "" } : {}),
            })),
            resourcetemplates: [
                {
                    apiVersion: "tekton.dev/v1",
                    kind: "PipelineRun",
                    metadata: {
                        generateName: "okd-nightly-4-16-",
                        namespace: "okd-builds",
                        labels: { "okd-ci/stream": "4.16", "okd-ci/run": "nightly" },
                    },
                    spec: {
                        pipelineRef: { name: "okd-nightly-4-16" },
                        params: [
                            { name: "stream", value: "4.16" },
                            { name: "base-payload", value: "quay.io/openshift/okd:4.16" },
                            { name: "revision", value: "$(tt.params.revision)" },
                            { name: "trigger-repository", value: "$(tt.params.trigger-repository)" },
                            { name: "trigger-kind", value: "$(tt.params.trigger-kind)" },
                            { name: "revisions", value: "$(tt.params.revisions)" },
                        ],
                        timeouts: { pipeline: "8h", tasks: "7h", finally: "1h" },
                        taskRunTemplate: { serviceAccountName: "okd-build" },
                    },
                },
            ],
        });
    });

    it("creates a release in the release namespace, with the run's task specs and workspaces", () => {
        const release = inputs(T.template, `${n}-template-release-4-14`).spec;
        assert.deepEqual(release.params, [
            { name: "revision", description: "Filled by the trigger's event: revision" },
            { name: "trigger-repository", description: "Filled by the trigger's event: trigger-repository" },
        ]);
        const [pr] = release.resourcetemplates;
        assert.deepEqual(pr.metadata, {
            generateName: "okd-release-4-14-",
            namespace: "okd-release",
            labels: { "okd-ci/stream": "4.14", "okd-ci/run": "release" },
        });
        assert.deepEqual(pr.spec.taskRunSpecs, [{ pipelineTaskName: "e2e-gcp", serviceAccountName: "okd-e2e" }]);
        assert.deepEqual(pr.spec.workspaces, [
            { name: "shared", volumeClaimTemplate: { spec: { resources: { requests: { storage: "10Gi" } } } } },
        ]);
    });

    it("runs the CronJobs as an account without an API token, labelled for the schedule listener's policy", () => {
        assert.deepEqual(inputs(T.sa, `${n}-cron-sa`), {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "okd-trigger-cron", namespace: "okd-release" },
            automountServiceAccountToken: false,
        });
        const job = (name: string) => {
            const cj = inputs(T.cronJob, name);
            const pod = cj.spec.jobTemplate.spec.template;
            assert.deepEqual(pod.metadata.labels, cj.metadata.labels);
            return {
                name: cj.metadata.name,
                namespace: cj.metadata.namespace,
                schedule: cj.spec.schedule,
                labels: cj.metadata.labels,
                account: pod.spec.serviceAccountName,
                token: pod.spec.automountServiceAccountToken,
                script: pod.spec.containers[0].command[3],
                env: Object.fromEntries(pod.spec.containers[0].env.map((e: Json) => [e.name, e.value])),
            };
        };
        const labels = (minor: string, run: string) => ({
            "app.kubernetes.io/name": "okd-trigger-cron",
            "app.kubernetes.io/part-of": "okd-ci",
            "okd-ci/stream": minor,
            "okd-ci/run": run,
        });
        const cron = { namespace: "okd-release", account: "okd-trigger-cron", token: false };
        assert.deepEqual(job(`${n}-cron-nightly-4-15`), {
            ...cron,
            name: "okd-nightly-4-15",
            schedule: "0 2 * * *",
            labels: labels("4.15", "nightly"),
            script: "mark-scheduled-nightly.sh",
            env: { HOME: "/tmp", STREAM: "4.15" },
        });
        assert.deepEqual(job(`${n}-cron-release-4-15`), {
            ...cron,
            name: "okd-release-4-15",
            schedule: "0 5 * * 1",
            labels: labels("4.15", "release"),
            script: "fire-trigger.sh",
            env: {
                HOME: "/tmp",
                LISTENER_URL: "http://el-okd-schedule.okd-release.svc.cluster.local:8080",
                STREAM: "4.15",
                PIPELINE: "release",
                BRANCH: "release-4.15",
                EVERY_WEEKS: "2",
            },
        });
        // 4.16 does not promote and 4.14 promotes by hand: only their nightlies are scheduled.
        assert.deepEqual(
            under(n, T.cronJob)
                .map((r) => r.name)
                .sort(),
            [`${n}-cron-nightly-4-14`, `${n}-cron-nightly-4-15`, `${n}-cron-nightly-4-16`, `${n}-cron-release-4-15`],
        );
    });
});
