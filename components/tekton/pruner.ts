import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { scriptCronJob } from "./jobs";

export interface RunPrunerArgs {
    provider: k8s.Provider;
    /** Namespace whose PipelineRuns are pruned (the build namespace's output). */
    namespace: pulumi.Input<string>;
    /** `tektonPruneSchedule`: five-field cron, UTC. */
    schedule: string;
    /** `tektonPruneKeep`: newest PipelineRuns kept. */
    keep: number;
}

/** Labels of the pruner's pods. */
export const prunerLabels = { "app.kubernetes.io/name": "okd-run-pruner", "app.kubernetes.io/part-of": "okd-ci" };

/**
 * Deletes old PipelineRuns (and, through ownership, their TaskRuns and pods) beyond the newest `keep`, so runs do
 * not pile up in etcd: Tekton Pipelines has no pruning of its own (tektoncd/pipeline#2856).
 * Its ServiceAccount may list and delete PipelineRuns in that one namespace, and nothing else.
 */
export class RunPruner extends pulumi.ComponentResource {
    constructor(name: string, args: RunPrunerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:tekton:RunPruner", name, {}, opts);
        const k = { parent: this, provider: args.provider };
        const account = "okd-run-pruner";

        const sa = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            { metadata: { name: account, namespace: args.namespace } },
            k,
        );
        const role = new k8s.rbac.v1.Role(
            `${name}-role`,
            {
                metadata: { name: account, namespace: args.namespace },
                rules: [{ apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list", "delete"] }],
            },
            k,
        );
        const binding = new k8s.rbac.v1.RoleBinding(
            `${name}-binding`,
            {
                metadata: { name: account, namespace: args.namespace },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: account },
                subjects: [{ kind: "ServiceAccount", name: account, namespace: args.namespace }],
            },
            { ...k, dependsOn: [role] },
        );
        scriptCronJob(
            `${name}-cronjob`,
            {
                namespace: args.namespace,
                cronJobName: account,
                schedule: args.schedule,
                script: "prune-runs.sh",
                env: { NAMESPACE: args.namespace, KEEP: String(args.keep) },
                serviceAccountName: sa.metadata.name,
                apiAccess: true,
                labels: prunerLabels,
            },
            { ...k, dependsOn: [binding] },
        );
        this.registerOutputs({});
    }
}
