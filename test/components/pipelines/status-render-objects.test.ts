/**
 * The objects the StatusRender component renders, value by value: the render Pipeline, the PipelineRun its CronJob
 * creates, the starter's ServiceAccount and RBAC in both namespaces, the two admission policies that narrow what it
 * may create and delete, and its CronJob (schedule, env, identity, labels, ordering). Each value here is one the
 * starter script (start-status-render.sh), Tekton or the API server reads; a change to any is a change of behaviour.
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import { streamSchema } from "../../../src/config/schema";
import type { Platform } from "../../../src/config/schema";
import { recorder, settled, useMocks } from "../../helpers";
import { fakeSite, stream415, stream416 } from "../tekton/fixtures";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON */
type Obj = any;

const T = {
    sa: "kubernetes:core/v1:ServiceAccount",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    binding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    pipeline: "kubernetes:tekton.dev/v1:Pipeline",
    policy: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
    policyBinding: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
    cronJob: "kubernetes:batch/v1:CronJob",
};

const streams = () => [streamSchema.parse(stream415), streamSchema.parse(stream416)];

/** A resource the caller makes the render wait for. */
class Extra extends pulumi.CustomResource {
    constructor(name: string) {
        super("test:index:Extra", name, {});
    }
}

/** A prebuilt pipeline tools image a site may run instead of the one its nightlies build. */
const prebuiltTools = `quay.io/okd/tools@sha256:${"a".repeat(64)}`;

/** The name a dependency URN ends in (`…::type::name`). */
const depNames = (r: { dependencies: string[] }) => r.dependencies.map((u) => u.split("::").at(-1)).sort();

describe("StatusRender objects", () => {
    useMocks();

    const objects: Record<string, Obj> = {};

    before(async () => {
        const { StatusRender } = await import("../../../components/pipelines/status-render");
        for (const platform of ["gcp", "aws", "azure"] as Platform[]) {
            const site = fakeSite(`sr-${platform}-site`, platform);
            new StatusRender(`sr-${platform}`, {
                site,
                streams: platform === "gcp" ? streams() : [streamSchema.parse(stream416)],
                schedule: "7 * * * *",
                dispatchSchedule: "*/10 * * * *",
                // gcp: waits for what it is given; aws: runs a prebuilt tools image.
                ...(platform === "gcp" ? { dependsOn: [new Extra("sr-gcp-extra")] } : {}),
                ...(platform === "aws" ? { images: { tools: prebuiltTools } } : {}),
            });
        }
        await settled();
        for (const r of recorder().resources) objects[r.name] = r;
    });

    it("renders exactly its ServiceAccount, Pipeline, two Roles and bindings, two policies and its CronJob", () => {
        const mine = recorder()
            .resources.filter((r) => r.parent.endsWith("::okd-ci:pipelines:StatusRender::sr-gcp"))
            .map((r) => `${r.type} ${r.name}`)
            .sort();
        assert.deepEqual(mine, [
            `${T.policy} sr-gcp-admission-policy`,
            `${T.policy} sr-gcp-delete-admission-policy`,
            `${T.policyBinding} sr-gcp-admission-binding`,
            `${T.policyBinding} sr-gcp-delete-admission-binding`,
            `${T.cronJob} sr-gcp-cronjob`,
            `${T.sa} sr-gcp-sa`,
            `${T.role} sr-gcp-builds-role`,
            `${T.role} sr-gcp-release-role`,
            `${T.binding} sr-gcp-builds-binding`,
            `${T.binding} sr-gcp-release-binding`,
            `${T.pipeline} sr-gcp-pipeline`,
        ]);
        for (const r of recorder().resources.filter((x) => x.parent.endsWith("::sr-gcp"))) {
            assert.equal(r.provider.split("::").at(-2), "sr-gcp-site-k8s", `${r.name} uses the site's provider`);
        }
    });

    it("waits for the site, what it is given and, for the CronJob, its RBAC and Pipeline", () => {
        const site = ["sr-gcp-extra", "sr-gcp-site-ready"];
        for (const n of [
            "sa",
            "pipeline",
            "release-role",
            "builds-role",
            "admission-policy",
            "delete-admission-policy",
        ]) {
            assert.deepEqual(depNames(objects[`sr-gcp-${n}`]), site, n);
        }
        assert.deepEqual(depNames(objects["sr-gcp-release-binding"]), ["sr-gcp-release-role"]);
        assert.deepEqual(depNames(objects["sr-gcp-builds-binding"]), ["sr-gcp-builds-role"]);
        assert.deepEqual(depNames(objects["sr-gcp-cronjob"]), [
            "sr-gcp-builds-binding",
            "sr-gcp-pipeline",
            "sr-gcp-release-binding",
            "sr-gcp-sa",
        ]);
    });

    it("renders the Pipeline: resolve the tools image, then publish-status with the throttle", () => {
        assert.deepEqual(objects["sr-gcp-pipeline"].inputs, {
            apiVersion: "tekton.dev/v1",
            kind: "Pipeline",
            metadata: {
                labels: { "app.kubernetes.io/component": "status", "app.kubernetes.io/part-of": "okd-ci" },
                name: "okd-render-status",
                namespace: "okd-release",
            },
            spec: {
                description:
                    "Re-renders the release status site from the records on schedule, with the pushes waiting for a nightly.",
                finally: [],
                params: [
                    {
                        default: "",
                        description: "What the starter saw of the nightly throttle (start-status-render.sh).",
                        name: "throttle",
                    },
                ],
                tasks: [
                    {
                        name: "tools-image",
                        params: [
                            {
                                name: "image",
                                value: "us-central1-docker.pkg.dev/okd-proj/okd/release:pipeline-tools-2218542c422467e3",
                            },
                            {
                                name: "fallback-image",
                                value: "us-central1-docker.pkg.dev/okd-proj/okd/release:pipeline-tools-latest",
                            },
                        ],
                        retries: 2,
                        taskRef: { kind: "Task", name: "okd-tools-image-resolve" },
                        timeout: "10m",
                    },
                    {
                        name: "publish",
                        params: [
                            {
                                name: "tools-image",
                                value: "$(tasks.tools-image.results.IMAGE_URL)@$(tasks.tools-image.results.IMAGE_DIGEST)",
                            },
                            { name: "throttle", value: "$(params.throttle)" },
                        ],
                        runAfter: ["tools-image"],
                        taskRef: { kind: "Task", name: "okd-publish-status" },
                        timeout: "25m",
                    },
                ],
                workspaces: [],
            },
        });
    });

    it("gives the starter its ServiceAccount and Roles: records, nightly CronJobs and runs here, runs of the builds", () => {
        const subject = [{ kind: "ServiceAccount", name: "okd-status-render", namespace: "okd-release" }];
        const roleRef = { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "okd-status-render" };
        assert.deepEqual(objects["sr-gcp-sa"].inputs, {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "okd-status-render", namespace: "okd-release" },
        });
        assert.deepEqual(objects["sr-gcp-release-role"].inputs, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name: "okd-status-render", namespace: "okd-release" },
            rules: [
                { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] },
                {
                    apiGroups: ["batch"],
                    resourceNames: ["okd-nightly-4-15", "okd-nightly-4-16"],
                    resources: ["cronjobs"],
                    verbs: ["get"],
                },
                { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list", "create", "delete"] },
            ],
        });
        assert.deepEqual(objects["sr-gcp-builds-role"].inputs, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name: "okd-status-render", namespace: "okd-builds" },
            rules: [{ apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list"] }],
        });
        for (const [n, namespace] of [
            ["release", "okd-release"],
            ["builds", "okd-builds"],
        ]) {
            assert.deepEqual(objects[`sr-gcp-${n}-binding`].inputs, {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "RoleBinding",
                metadata: { name: "okd-status-render", namespace },
                roleRef,
                subjects: subject,
            });
        }
    });

    it("lets the starter delete only PipelineRuns labelled okd-ci/run=status", () => {
        assert.deepEqual(objects["sr-gcp-delete-admission-policy"].inputs, {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicy",
            metadata: { name: "okd-ci-status-render-deletes" },
            spec: {
                failurePolicy: "Fail",
                matchConditions: [
                    {
                        expression:
                            "request.userInfo.username == 'system:serviceaccount:okd-release:okd-status-render'",
                        name: "deleted-by-okd-status-render",
                    },
                ],
                matchConstraints: {
                    matchPolicy: "Equivalent",
                    resourceRules: [
                        {
                            apiGroups: ["tekton.dev"],
                            apiVersions: ["*"],
                            operations: ["DELETE"],
                            resources: ["pipelineruns"],
                        },
                    ],
                },
                validations: [
                    {
                        expression:
                            "has(oldObject.metadata.labels) && 'okd-ci/run' in oldObject.metadata.labels && oldObject.metadata.labels['okd-ci/run'] == 'status'",
                        message: "the status render's starter may delete only its own PipelineRuns (okd-ci/run=status)",
                        reason: "Forbidden",
                    },
                ],
            },
        });
        assert.deepEqual(objects["sr-gcp-delete-admission-binding"].inputs.spec, {
            policyName: "okd-ci-status-render-deletes",
            validationActions: ["Deny"],
        });
    });

    it("lets the starter create only the render's run, as its CronJob makes it", () => {
        const policy = objects["sr-gcp-admission-policy"].inputs;
        assert.equal(policy.metadata.name, "okd-ci-status-render-pipelineruns");
        assert.deepEqual(objects["sr-gcp-admission-binding"].inputs.spec, {
            policyName: "okd-ci-status-render-pipelineruns",
            validationActions: ["Deny"],
        });
        assert.deepEqual(policy.spec.matchConditions, [
            {
                expression: "request.userInfo.username == 'system:serviceaccount:okd-release:okd-status-render'",
                name: "created-by-okd-status-render",
            },
        ]);
        const [inline, named, run] = policy.spec.validations;
        assert.equal(inline.message, "the status render's starter may not run an inline pipelineSpec");
        assert.equal(
            named.expression,
            "has(object.spec.pipelineRef) && size(object.spec.pipelineRef) == 1 && has(object.spec.pipelineRef.name) && object.spec.pipelineRef.name in ['okd-render-status']",
        );
        assert.match(
            named.messageExpression,
            /^'the status render\\'s starter may only run the Pipeline okd-render-status /,
        );
        assert.match(
            run.message,
            /^the status render's starter's okd-render-status run must be the one its CronJob makes: namespace okd-release,/,
        );
        // The run it may create is the one below: its namespace, identity, labels, only the throttle param, 45m.
        for (const part of [
            "object.spec.pipelineRef.name != 'okd-render-status' || (request.namespace == 'okd-release' && ",
            "object.spec.taskRunTemplate['serviceAccountName'] == 'okd-promote'",
            "object.spec.taskRunSpecs[0]['pipelineTaskName'] == 'tools-image'",
            "object.spec.taskRunSpecs[1]['pipelineTaskName'] == 'publish'",
            "object.spec.taskRunSpecs[1]['metadata']['labels']['okd-ci/identity'] == 'promote'",
            "object.spec.params.all(p, p.name in ['throttle'])",
            "duration(object.spec.timeouts.pipeline) <= duration('45m')",
        ]) {
            assert.ok(run.expression.includes(part), `the run validation holds ${part}`);
        }
    });

    const cronJob = (platform: string) => objects[`sr-${platform}-cronjob`].inputs;
    const env = (platform: string): Record<string, string> =>
        Object.fromEntries(
            cronJob(platform).spec.jobTemplate.spec.template.spec.containers[0].env.map((e: Obj) => [e.name, e.value]),
        );

    it("renders the CronJob: schedule, identity, labels, no retry", () => {
        const cj = cronJob("gcp");
        const labels = { "app.kubernetes.io/name": "okd-status-render", "app.kubernetes.io/part-of": "okd-ci" };
        assert.deepEqual(cj.metadata, { labels, name: "okd-status-render", namespace: "okd-release" });
        assert.equal(cj.spec.schedule, "7 * * * *");
        assert.equal(cj.spec.jobTemplate.spec.backoffLimit, 0);
        assert.deepEqual(cj.spec.jobTemplate.spec.template.metadata.labels, labels);
        const pod = cj.spec.jobTemplate.spec.template.spec;
        assert.equal(pod.serviceAccountName, "okd-status-render");
        assert.equal(pod.automountServiceAccountToken, true);
        assert.match(pod.containers[0].command[2], /^#!\/usr\/bin\/env bash\n# Starts the scheduled render/);
    });

    it("hands start-status-render.sh the namespaces, streams, schedules, run and keep", () => {
        const { PIPELINERUN_JSON: run, ...rest } = env("gcp");
        assert.deepEqual(rest, {
            HOME: "/tmp",
            RECORDS_NAMESPACE: "okd-release",
            RUNS_NAMESPACE: "okd-builds",
            NAMESPACE: "okd-release",
            STREAMS: "4.15 4.16",
            DISPATCH_SCHEDULE: "*/10 * * * *",
            KEEP_RUNS: "3",
            SCHEDULE_CRONJOBS: "4.15=okd-nightly-4-15 4.16=okd-nightly-4-16",
        });
        const restricted = {
            securityContext: {
                runAsNonRoot: true,
                runAsUser: 65532,
                runAsGroup: 65532,
                fsGroup: 65532,
                seccompProfile: { type: "RuntimeDefault" },
            },
        };
        const promote = { serviceAccountName: "okd-promote", metadata: { labels: { "okd-ci/identity": "promote" } } };
        assert.deepEqual(JSON.parse(run), {
            apiVersion: "tekton.dev/v1",
            kind: "PipelineRun",
            metadata: { generateName: "okd-render-status-", labels: { "okd-ci/run": "status" } },
            spec: {
                pipelineRef: { name: "okd-render-status" },
                timeouts: { pipeline: "45m" },
                taskRunTemplate: { serviceAccountName: "okd-promote", podTemplate: restricted },
                taskRunSpecs: [
                    { pipelineTaskName: "tools-image", ...promote },
                    { pipelineTaskName: "publish", ...promote },
                ],
            },
        });
    });
    it("waits for nothing but the site when given nothing to wait for", () => {
        for (const n of ["sa", "pipeline", "release-role", "admission-policy"]) {
            assert.deepEqual(depNames(objects[`sr-aws-${n}`]), ["sr-aws-site-ready"], n);
        }
    });

    it("resolves a prebuilt tools image as given, with no fallback to a nightly's", () => {
        assert.deepEqual(objects["sr-aws-pipeline"].inputs.spec.tasks[0], {
            name: "tools-image",
            params: [{ name: "image", value: prebuiltTools }],
            retries: 2,
            taskRef: { kind: "Task", name: "okd-tools-image-resolve" },
            timeout: "10m",
        });
    });

    it("runs the render's tasks with the site's workload-identity pod labels (azure) and only its streams", () => {
        const { PIPELINERUN_JSON: run, STREAMS, SCHEDULE_CRONJOBS } = env("azure");
        const labels = { "azure.workload.identity/use": "true", "okd-ci/identity": "promote" };
        assert.deepEqual(
            JSON.parse(run).spec.taskRunSpecs,
            ["tools-image", "publish"].map((n) => ({
                pipelineTaskName: n,
                serviceAccountName: "okd-promote",
                metadata: { labels },
            })),
        );
        assert.deepEqual([STREAMS, SCHEDULE_CRONJOBS], ["4.16", "4.16=okd-nightly-4-16"]);
        assert.deepEqual(objects["sr-azure-release-role"].inputs.rules[1].resourceNames, ["okd-nightly-4-16"]);
    });
});
