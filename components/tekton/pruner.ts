import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { scriptCronJob } from "./jobs";

export interface RunPrunerArgs {
    /** Provider of the build cluster. */
    provider: k8s.Provider;
    /** Namespace the pruner runs in (the release namespace's output): it needs no privilege. */
    namespace: pulumi.Input<string>;
    /** Namespaces whose PipelineRuns are pruned, by a short key that names their CronJob (`okd-run-pruner-<key>`). */
    targets: { key: string; namespace: pulumi.Input<string> }[];
    /** `tektonPruneSchedule`: five-field cron, UTC. */
    schedule: string;
    /** `tektonPruneKeep`: newest PipelineRuns kept per namespace. */
    keep: number;
}

/** Labels of the pruner's pods. */
export const prunerLabels = { "app.kubernetes.io/name": "okd-run-pruner", "app.kubernetes.io/part-of": "okd-ci" };

/** The pruner's ServiceAccount. */
export const prunerAccount = "okd-run-pruner";

/**
 * Deletes old PipelineRuns (and, through ownership, their TaskRuns and pods) beyond the newest `keep` of each target
 * namespace, so runs do not pile up in etcd (Tekton Pipelines has no pruning of its own, tektoncd/pipeline#2856) nor
 * against the namespaces' PipelineRun quota. One CronJob per namespace; its ServiceAccount may list and delete
 * PipelineRuns there, and nothing else.
 */
export class RunPruner extends pulumi.ComponentResource {
    constructor(name: string, args: RunPrunerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:tekton:RunPruner", name, {}, opts);
        const k = { parent: this, provider: args.provider };
        const account = prunerAccount;

        const sa = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            { metadata: { name: account, namespace: args.namespace } },
            k,
        );
        for (const target of args.targets) {
            const role = new k8s.rbac.v1.Role(
                `${name}-${target.key}-role`,
                {
                    metadata: { name: account, namespace: target.namespace },
                    rules: [
                        { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list", "delete"] },
                    ],
                },
                k,
            );
            const binding = new k8s.rbac.v1.RoleBinding(
                `${name}-${target.key}-binding`,
                {
                    metadata: { name: account, namespace: target.namespace },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: account },
                    subjects: [{ kind: "ServiceAccount", name: account, namespace: args.namespace }],
                },
                { ...k, dependsOn: [role] },
            );
            scriptCronJob(
                `${name}-${target.key}-cronjob`,
                {
                    namespace: args.namespace,
                    cronJobName: `${account}-${target.key}`,
                    schedule: args.schedule,
                    script: "prune-runs.sh",
                    env: { NAMESPACE: target.namespace, KEEP: String(args.keep) },
                    serviceAccountName: sa.metadata.name,
                    apiAccess: true,
                    labels: prunerLabels,
                },
                { ...k, dependsOn: [binding] },
            );
        }
        this.registerOutputs({});
    }
}
