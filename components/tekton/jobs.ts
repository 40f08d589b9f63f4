import * as path from "node:path";

import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

import { loadScript } from "../pipelines/scripts";
import { tektonLayerImages } from "./versions";

/** Directory of the layer's bash scripts; each is shellchecked and run against stubs by the tests. */
export const scriptsDir = path.join(__dirname, "scripts");

/**
 * The text of one script of `scriptsDir`, its `lib/` includes inlined (as step scripts are, components/pipelines/
 * scripts.ts): a CronJob runs it as a lone file.
 */
export function readScript(file: string): string {
    return loadScript(file, scriptsDir);
}

/** A container that passes the `restricted` Pod Security level: our own Jobs need no privilege at all. */
export const restrictedContainer: k8s.types.input.core.v1.SecurityContext = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    readOnlyRootFilesystem: true,
    seccompProfile: { type: "RuntimeDefault" },
};

export interface ScriptCronJobArgs {
    namespace: pulumi.Input<string>;
    /** Object name of the CronJob. */
    cronJobName: string;
    /** Five-field cron schedule, UTC. */
    schedule: string;
    /** Script file under `scriptsDir`; it reads its inputs from `env`. */
    script: string;
    env: Record<string, pulumi.Input<string>>;
    /** ServiceAccount the Job runs as; its API token is mounted only when `apiAccess` is true. */
    serviceAccountName: pulumi.Input<string>;
    apiAccess: boolean;
    /** Pod labels (network policies select on them). */
    labels: Record<string, string>;
    /** Retries of a failed Job (default 2); 0 where a retry could repeat a side effect the next firing redoes anyway. */
    backoffLimit?: number;
}

/**
 * A CronJob that runs one of our bash scripts, inline in the manifest, in the pinned tools image. A missed or
 * overlapping firing is skipped rather than doubled (`Forbid`), and a failed Job is not retried into a storm.
 */
export function scriptCronJob(
    name: string,
    args: ScriptCronJobArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.batch.v1.CronJob {
    return new k8s.batch.v1.CronJob(
        name,
        {
            metadata: { name: args.cronJobName, namespace: args.namespace, labels: args.labels },
            spec: {
                schedule: args.schedule,
                timeZone: "Etc/UTC",
                concurrencyPolicy: "Forbid",
                // A firing missed by more than an hour (controller down) is skipped, not run late.
                startingDeadlineSeconds: 3600,
                successfulJobsHistoryLimit: 3,
                failedJobsHistoryLimit: 3,
                jobTemplate: {
                    spec: {
                        backoffLimit: args.backoffLimit ?? 2,
                        activeDeadlineSeconds: 900,
                        ttlSecondsAfterFinished: 86400,
                        template: {
                            metadata: { labels: args.labels },
                            spec: {
                                serviceAccountName: args.serviceAccountName,
                                automountServiceAccountToken: args.apiAccess,
                                restartPolicy: "Never",
                                securityContext: { seccompProfile: { type: "RuntimeDefault" } },
                                containers: [
                                    {
                                        name: "run",
                                        image: tektonLayerImages.kubectl,
                                        command: ["/bin/bash", "-c", readScript(args.script), args.script],
                                        env: [
                                            // kubectl keeps its discovery cache under $HOME.
                                            { name: "HOME", value: "/tmp" },
                                            ...Object.entries(args.env).map(([n, value]) => ({ name: n, value })),
                                        ],
                                        resources: {
                                            requests: { cpu: "50m", memory: "64Mi" },
                                            limits: { memory: "256Mi" },
                                        },
                                        securityContext: restrictedContainer,
                                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                    },
                                ],
                                volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                            },
                        },
                    },
                },
            },
        },
        opts,
    );
}
