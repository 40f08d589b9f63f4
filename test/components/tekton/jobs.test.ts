/**
 * The layer's script CronJobs (components/tekton/jobs.ts): the whole rendered CronJob, so every scheduling, retry,
 * security and resource setting is pinned by value, and the scripts they carry as the files they are.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";

import { find, settled, useMocks } from "../../helpers";
import type { Json } from "./fixtures";

const T = { cronJob: "kubernetes:batch/v1:CronJob" } as const;
const scripts = path.join(__dirname, "../../../components/tekton/scripts");
const kubectlImage =
    "docker.io/alpine/k8s:1.34.1@sha256:ec714df3813b5405292860f8a1c55c5727bf8c33c88992f1e981efad8065547f";

/** What every script CronJob renders, given its own fields. */
function expectedCronJob(o: {
    name: string;
    schedule: string;
    script: string;
    labels: Record<string, string>;
    env: { name: string; value: string }[];
    serviceAccountName: string;
    apiAccess: boolean;
    backoffLimit: number;
}): Json {
    return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: o.name, namespace: "okd-release", labels: o.labels },
        spec: {
            schedule: o.schedule,
            timeZone: "Etc/UTC",
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 3600,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate: {
                spec: {
                    backoffLimit: o.backoffLimit,
                    activeDeadlineSeconds: 900,
                    ttlSecondsAfterFinished: 86400,
                    template: {
                        metadata: { labels: o.labels },
                        spec: {
                            serviceAccountName: o.serviceAccountName,
                            automountServiceAccountToken: o.apiAccess,
                            restartPolicy: "Never",
                            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                            containers: [
                                {
                                    name: "run",
                                    image: kubectlImage,
                                    command: [
                                        "/bin/bash",
                                        "-c",
                                        fs.readFileSync(path.join(scripts, o.script), "utf8"),
                                        o.script,
                                    ],
                                    env: [{ name: "HOME", value: "/tmp" }, ...o.env],
                                    resources: {
                                        requests: { cpu: "50m", memory: "64Mi" },
                                        limits: { memory: "256Mi" },
                                    },
                                    securityContext: {
                                        allowPrivilegeEscalation: false,
                                        capabilities: { drop: ["ALL"] },
                                        runAsNonRoot: true,
                                        runAsUser: 65532,
                                        runAsGroup: 65532,
                                        readOnlyRootFilesystem: true,
                                        seccompProfile: { type: "RuntimeDefault" },
                                    },
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                },
                            ],
                            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                        },
                    },
                },
            },
        },
    };
}

describe("Tekton layer script CronJobs (jobs.ts)", () => {
    useMocks();
    const labels = { "app.kubernetes.io/name": "okd-test-job", "okd-ci/stream": "4.15" };

    before(async () => {
        const { scriptCronJob } = await import("../../../components/tekton/jobs");
        scriptCronJob(
            "tkj-default",
            {
                namespace: pulumi.output("okd-release"),
                cronJobName: "okd-fire-4-15",
                schedule: "0 5 * * 1",
                script: "fire-trigger.sh",
                env: { STREAM: "4.15", LISTENER_URL: pulumi.output("http://el-okd-schedule.okd-release.svc:8080") },
                serviceAccountName: pulumi.output("okd-trigger-cron"),
                apiAccess: false,
                labels,
            },
            {},
        );
        scriptCronJob(
            "tkj-api",
            {
                namespace: "okd-release",
                cronJobName: "okd-mark-4-16",
                schedule: "30 1 * * *",
                script: "mark-scheduled-nightly.sh",
                env: {},
                serviceAccountName: "okd-dispatcher",
                apiAccess: true,
                labels,
                backoffLimit: 0,
            },
            {},
        );
        await settled();
    });

    it("renders a CronJob that skips missed and overlapping firings, retries twice and keeps three Jobs of each outcome", () => {
        assert.deepEqual(
            find(T.cronJob, "tkj-default").inputs,
            expectedCronJob({
                name: "okd-fire-4-15",
                schedule: "0 5 * * 1",
                script: "fire-trigger.sh",
                labels,
                env: [
                    { name: "STREAM", value: "4.15" },
                    { name: "LISTENER_URL", value: "http://el-okd-schedule.okd-release.svc:8080" },
                ],
                serviceAccountName: "okd-trigger-cron",
                apiAccess: false,
                backoffLimit: 2,
            }),
        );
    });

    it("mounts the API token only when asked, and takes a caller's backoffLimit, 0 included", () => {
        assert.deepEqual(
            find(T.cronJob, "tkj-api").inputs,
            expectedCronJob({
                name: "okd-mark-4-16",
                schedule: "30 1 * * *",
                script: "mark-scheduled-nightly.sh",
                labels,
                env: [],
                serviceAccountName: "okd-dispatcher",
                apiAccess: true,
                backoffLimit: 0,
            }),
        );
    });

    it("reads a script from components/tekton/scripts with its lib/ includes inlined", async () => {
        const { readScript, scriptsDir } = await import("../../../components/tekton/jobs");
        assert.equal(path.resolve(scriptsDir), path.resolve(scripts));
        assert.equal(readScript("fire-trigger.sh"), fs.readFileSync(path.join(scripts, "fire-trigger.sh"), "utf8"));
        const lib = fs.readFileSync(path.join(scripts, "lib/scheduled-due.sh"), "utf8");
        const dispatch = readScript("dispatch-nightly.sh");
        assert.ok(
            dispatch.includes("# --- lib/scheduled-due.sh, inlined when the step was rendered ---\n"),
            "the include is inlined",
        );
        assert.ok(dispatch.includes(lib.replace(/^# shellcheck shell=bash\n/, "")), "with the library's text");
        assert.doesNotMatch(dispatch, /^source /m);
    });
});
