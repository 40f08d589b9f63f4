import * as assert from "node:assert/strict";

import { pipelineContext } from "../../../components/pipelines/context";
import { defaultImages } from "../../../components/pipelines/images";
import {
    ClusterReaper,
    reaperPipeline,
    reaperPipelineName,
    reaperRun,
    reaperRunPolicy,
    reaperRunPolicyName,
    reaperStarterAccount,
    reaperStarterLabels,
} from "../../../components/pipelines/reaper";
import { toolsImagePipelineTaskOf } from "../../../components/pipelines/tasks/tools-image";
import { runPolicy } from "../../../components/tekton/admission";
import { fakeSite } from "../tekton/fixtures";
import { find, settled, under, useMocks } from "../../helpers";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON */
type Obj = any;

const tools = {
    name: "tools-image",
    value: "$(tasks.tools-image.results.IMAGE_URL)@$(tasks.tools-image.results.IMAGE_DIGEST)",
};
const ws = [{ name: "e2e", workspace: "e2e" }];

describe("ClusterReaper objects (gcp site, one gcp gate)", () => {
    useMocks();
    let site: ReturnType<typeof fakeSite>;

    before(async () => {
        site = fakeSite("rpo", "gcp");
        new ClusterReaper("rpo", { site, streams: [], schedule: "15 */6 * * *", ttlHours: 30, dryRun: true });
        await settled();
    });

    it("names its Pipeline, starter, policy and labels", () => {
        assert.equal(reaperPipelineName, "okd-reap-clusters");
        assert.equal(reaperStarterAccount, "okd-cluster-reaper");
        assert.equal(reaperRunPolicyName, "okd-ci-reaper-pipelineruns");
        assert.deepEqual(reaperStarterLabels, {
            "app.kubernetes.io/name": "okd-cluster-reaper",
            "app.kubernetes.io/part-of": "okd-ci",
        });
    });

    it("runs the reaper as the records, pull-only and e2e identities, on a 2Gi workspace, within 4h", () => {
        const pool = site.buildPool;
        assert.deepEqual(reaperRun(site), {
            apiVersion: "tekton.dev/v1",
            kind: "PipelineRun",
            metadata: { generateName: "okd-reap-clusters-", labels: { "okd-ci/run": "reaper" } },
            spec: {
                pipelineRef: { name: "okd-reap-clusters" },
                timeouts: { pipeline: "4h", tasks: "3h15m", finally: "45m" },
                taskRunTemplate: { serviceAccountName: "okd-build" },
                taskRunSpecs: [
                    {
                        pipelineTaskName: "tools-image",
                        podTemplate: { nodeSelector: pool.nodeSelector, tolerations: pool.tolerations },
                    },
                    ...["select", "record"].map((n) => ({
                        pipelineTaskName: n,
                        serviceAccountName: "okd-records",
                        metadata: { labels: { "okd-ci/identity": "records" } },
                    })),
                    {
                        pipelineTaskName: "e2e-pull-secret",
                        serviceAccountName: "okd-e2e",
                        metadata: { labels: { "okd-ci/identity": "e2e-pull" } },
                    },
                    { pipelineTaskName: "destroy-gcp", serviceAccountName: "okd-e2e" },
                ],
                workspaces: [
                    {
                        name: "e2e",
                        volumeClaimTemplate: {
                            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } },
                        },
                    },
                ],
            },
        });
    });

    it("admits from the starter only that run, with only live-runs free", () => {
        assert.deepEqual(
            reaperRunPolicy(site),
            runPolicy({
                creator: { namespace: "okd-release", serviceAccount: "okd-cluster-reaper" },
                who: "the cluster reaper's starter",
                madeBy: "the one its CronJob makes",
                pipelines: "the Pipeline okd-reap-clusters",
                runs: [
                    {
                        pipelineName: "okd-reap-clusters",
                        namespace: "okd-builds",
                        spec: (reaperRun(site) as Obj).spec,
                        fixedParams: [],
                        freeParams: ["live-runs"],
                    },
                ],
            }),
        );
        const policy = find(
            "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
            "rpo-admission-policy",
        );
        assert.equal((policy.inputs as Obj).metadata.name, "okd-ci-reaper-pipelineruns");
    });

    it("renders the Pipeline: tools image, select, pull secret, one destroy per gate, record in finally", () => {
        const ctx = pipelineContext(site, defaultImages);
        const spec = reaperPipeline(site, { ttlHours: 30, dryRun: true });
        assert.deepEqual(spec, {
            description:
                "Destroys e2e clusters whose run is gone and that are older than the TTL, from their stored installer metadata.",
            params: [
                { name: "ttl-hours", description: "reaperTtlHours.", default: "30" },
                {
                    name: "dry-run",
                    description: "reaperDryRun: true only says what would be destroyed.",
                    default: "true",
                },
                { name: "live-runs", description: "Unfinished PipelineRuns (the starter fills it).", default: "" },
            ],
            workspaces: [{ name: "e2e", description: "The reaper's picked registrations and the pull secret." }],
            tasks: [
                toolsImagePipelineTaskOf(ctx),
                {
                    name: "select",
                    taskRef: { kind: "Task", name: "okd-reap-select" },
                    runAfter: ["tools-image"],
                    params: [
                        tools,
                        { name: "ttl-hours", value: "$(params.ttl-hours)" },
                        { name: "live-runs", value: "$(params.live-runs)" },
                    ],
                    workspaces: ws,
                    retries: 1,
                },
                {
                    name: "e2e-pull-secret",
                    taskRef: { kind: "Task", name: "okd-e2e-pull-secret" },
                    runAfter: ["select"],
                    workspaces: ws,
                    timeout: "15m",
                    retries: 2,
                },
                {
                    name: "destroy-gcp",
                    taskRef: { kind: "Task", name: "okd-reap-destroy-gcp" },
                    runAfter: ["e2e-pull-secret"],
                    params: [tools, { name: "dry-run", value: "$(params.dry-run)" }],
                    workspaces: ws,
                    timeout: "2h",
                },
            ],
            finally: [
                {
                    name: "record",
                    taskRef: { kind: "Task", name: "okd-reap-record" },
                    params: [tools, { name: "pipeline-run", value: "$(context.pipelineRun.name)" }],
                    workspaces: ws,
                    timeout: "40m",
                },
            ],
        });
        const pipeline = find("kubernetes:tekton.dev/v1:Pipeline", "rpo-pipeline").inputs as Obj;
        assert.deepEqual(pipeline.metadata, {
            name: "okd-reap-clusters",
            namespace: "okd-builds",
            labels: { "app.kubernetes.io/part-of": "okd-ci", "app.kubernetes.io/component": "reaper" },
        });
        assert.deepEqual(JSON.parse(JSON.stringify(pipeline.spec)), JSON.parse(JSON.stringify(spec)));
    });

    it("lets the starter get, list and create PipelineRuns in the build namespace, and nothing else", () => {
        assert.deepEqual(find("kubernetes:core/v1:ServiceAccount", "rpo-sa").inputs, {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "okd-cluster-reaper", namespace: "okd-release" },
        });
        assert.deepEqual(find("kubernetes:rbac.authorization.k8s.io/v1:Role", "rpo-role").inputs, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name: "okd-cluster-reaper", namespace: "okd-builds" },
            rules: [{ apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list", "create"] }],
        });
        assert.deepEqual(find("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "rpo-binding").inputs, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: "okd-cluster-reaper", namespace: "okd-builds" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "okd-cluster-reaper" },
            subjects: [{ kind: "ServiceAccount", name: "okd-cluster-reaper", namespace: "okd-release" }],
        });
    });

    it("labels its Tasks as the reaper's, in the build namespace", () => {
        for (const t of ["okd-reap-select", "okd-reap-record", "okd-reap-destroy-gcp"]) {
            const task = find("kubernetes:tekton.dev/v1:Task", `rpo-task-${t}`).inputs as Obj;
            assert.equal(task.apiVersion, "tekton.dev/v1");
            assert.equal(task.kind, "Task");
            assert.deepEqual(task.metadata, {
                name: t,
                namespace: "okd-builds",
                labels: { "app.kubernetes.io/part-of": "okd-ci", "app.kubernetes.io/component": "reaper" },
            });
        }
    });

    it("starts on the schedule with the run it may create, under the component, in dependency order", () => {
        const cron = find("kubernetes:batch/v1:CronJob", "rpo-cronjob");
        const c = cron.inputs as Obj;
        assert.deepEqual(c.metadata.labels, reaperStarterLabels);
        assert.equal(c.metadata.name, "okd-cluster-reaper");
        assert.equal(c.metadata.namespace, "okd-release");
        assert.equal(c.spec.schedule, "15 */6 * * *");
        const pod = c.spec.jobTemplate.spec.template.spec;
        assert.equal(pod.serviceAccountName, "okd-cluster-reaper");
        assert.equal(pod.automountServiceAccountToken, true);
        const env = Object.fromEntries(pod.containers[0].env.map((e: Obj) => [e.name, e.value]));
        assert.equal(env.NAMESPACE, "okd-builds");
        assert.deepEqual(JSON.parse(env.PIPELINERUN_JSON), reaperRun(site));
        const urn = (type: string, name: string) => find(type, name).urn;
        const ready = urn("kubernetes:core/v1:Namespace", "rpo-ready");
        const component = urn("okd-ci:pipelines:ClusterReaper", "rpo");
        const tasks = ["okd-reap-select", "okd-reap-record", "okd-reap-destroy-gcp"].map((t) =>
            urn("kubernetes:tekton.dev/v1:Task", `rpo-task-${t}`),
        );
        const pipeline = urn("kubernetes:tekton.dev/v1:Pipeline", "rpo-pipeline");
        const binding = urn("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "rpo-binding");
        const role = urn("kubernetes:rbac.authorization.k8s.io/v1:Role", "rpo-role");
        const sort = (xs: string[]) => [...xs].sort();
        assert.deepEqual(
            sort(find("kubernetes:tekton.dev/v1:Pipeline", "rpo-pipeline").dependencies),
            sort([ready, ...tasks]),
        );
        assert.deepEqual(find("kubernetes:rbac.authorization.k8s.io/v1:Role", "rpo-role").dependencies, [ready]);
        assert.deepEqual(find("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "rpo-binding").dependencies, [
            role,
        ]);
        assert.ok(
            cron.dependencies.includes(binding) && cron.dependencies.includes(pipeline),
            cron.dependencies.join(),
        );
        assert.ok(!cron.dependencies.includes(ready), "the CronJob waits for the binding and the Pipeline instead");
        for (const r of under("rpo").filter((x) => x.custom && x.type.startsWith("kubernetes:"))) {
            if (r.name === "rpo-ready") continue;
            assert.match(r.provider, /rpo-k8s::/, r.name);
            if (!r.name.startsWith("rpo-admission") && r.name !== "rpo-cronjob") {
                assert.equal(r.parent, component, r.name);
            }
        }
    });
});

describe("ClusterReaper TTL", () => {
    useMocks();

    it("refuses a TTL shorter than a nightly may run, naming the key and the minimum", () => {
        const site = fakeSite("rpt", "gcp");
        const make = (ttlHours: number) =>
            new ClusterReaper(`rpt-${ttlHours}`, { site, streams: [], schedule: "0 * * * *", ttlHours, dryRun: false });
        assert.throws(
            () => make(18),
            (e: Error) => {
                assert.equal(e.message, "reaperTtlHours = 18: a nightly may run 18h40m; expected at least 19 hours");
                return true;
            },
        );
        assert.doesNotThrow(() => make(19));
    });

    it("builds its tools image from the images it is given; with no pull identity the pull task gets no identity label", async () => {
        const site = fakeSite("rpi", "gcp");
        const tools = "quay.io/example/okd-tools@sha256:" + "a".repeat(64);
        new ClusterReaper("rpi", {
            site,
            streams: [],
            schedule: "0 * * * *",
            ttlHours: 30,
            dryRun: false,
            images: { tools },
        });
        await settled();
        const spec = find("kubernetes:tekton.dev/v1:Pipeline", "rpi-pipeline").inputs as Obj;
        assert.ok(JSON.stringify(spec.spec.tasks[0].params).includes(tools), JSON.stringify(spec.spec.tasks[0]));
        const local = fakeSite("rpl", "local");
        assert.equal(local.identities.e2ePull, undefined);
        const pull = ((reaperRun(local) as Obj).spec.taskRunSpecs as Obj[]).find(
            (s) => s.pipelineTaskName === "e2e-pull-secret",
        );
        assert.deepEqual(pull, {
            pipelineTaskName: "e2e-pull-secret",
            serviceAccountName: "okd-e2e",
        });
    });
});
