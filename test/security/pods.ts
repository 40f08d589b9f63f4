/**
 * The pods a PipelineRun makes, as Tekton makes them from rendered objects: one per pipeline task (tasks and
 * finally), running as the task's ServiceAccount (`taskRunSpecs[].serviceAccountName`, else
 * `taskRunTemplate.serviceAccountName`), labelled with the run's, the Pipeline's and the Task's labels and the task's
 * `taskRunSpecs[].metadata.labels` (tektoncd/pipeline docs/labels.md: "Labels ... propagate from Pipelines,
 * PipelineRuns, Tasks, TaskRuns to Pods"), with the Task's volumes and steps and the run's pod templates.
 */
import * as assert from "node:assert/strict";

import { type Doc, type StackObjects, ofKind } from "./stack-objects";

export interface RunPod {
    run: string;
    namespace: string;
    pipelineTask: string;
    task: Doc;
    serviceAccount: string;
    labels: Record<string, string>;
    podTemplate: Doc;
    /** Every Secret the pod reads: volumes, env, the run's workspaces bound to Secrets, image pull Secrets. */
    secrets: string[];
    /** Whether any of its containers runs privileged. */
    privileged: boolean;
}

const containersOf = (task: Doc): Doc[] => [
    ...((task.spec.steps ?? []) as Doc[]),
    ...((task.spec.sidecars ?? []) as Doc[]),
    ...(task.spec.stepTemplate ? [task.spec.stepTemplate as Doc] : []),
];

/** The Secrets a container or volume list names. */
function secretsOf(volumes: Doc[], containers: Doc[]): string[] {
    const out: string[] = [];
    for (const v of volumes) {
        if (v.secret?.secretName) out.push(v.secret.secretName as string);
        for (const s of (v.projected?.sources ?? []) as Doc[]) if (s.secret?.name) out.push(s.secret.name as string);
        if (v.csi?.nodePublishSecretRef?.name) out.push(v.csi.nodePublishSecretRef.name as string);
    }
    for (const c of containers) {
        for (const e of (c.env ?? []) as Doc[]) {
            if (e.valueFrom?.secretKeyRef?.name) out.push(e.valueFrom.secretKeyRef.name as string);
        }
        for (const e of (c.envFrom ?? []) as Doc[]) if (e.secretRef?.name) out.push(e.secretRef.name as string);
    }
    return out;
}

/** The pods of one PipelineRun (a hand run, as its TriggerTemplate creates it). */
export function podsOf(s: StackObjects, run: Doc): RunPod[] {
    const namespace = run.metadata.namespace as string;
    const pipeline = ofKind(s, "Pipeline", namespace).find((p) => p.metadata.name === run.spec.pipelineRef?.name);
    assert.ok(pipeline, `${s.stack}: the Pipeline ${namespace}/${String(run.spec.pipelineRef?.name)} is rendered`);
    const runWorkspaces = new Map(((run.spec.workspaces ?? []) as Doc[]).map((w) => [w.name as string, w]));
    const template = (run.spec.taskRunTemplate ?? {}) as Doc;
    return [...((pipeline.spec.tasks ?? []) as Doc[]), ...((pipeline.spec.finally ?? []) as Doc[])].map((pt) => {
        const task = ofKind(s, "Task", namespace).find((t) => t.metadata.name === pt.taskRef?.name);
        assert.ok(task, `${s.stack}: the Task ${namespace}/${String(pt.taskRef?.name)} of ${pt.name} is rendered`);
        const spec = ((run.spec.taskRunSpecs ?? []) as Doc[]).find((x) => x.pipelineTaskName === pt.name) ?? {};
        const podTemplate = { ...(template.podTemplate ?? {}), ...(spec.podTemplate ?? {}) } as Doc;
        const secrets = secretsOf(
            [...((task.spec.volumes ?? []) as Doc[]), ...((podTemplate.volumes ?? []) as Doc[])],
            containersOf(task),
        );
        for (const w of (pt.workspaces ?? []) as Doc[]) {
            const bound = runWorkspaces.get(w.workspace as string);
            if (bound?.secret?.secretName) secrets.push(bound.secret.secretName as string);
            for (const src of (bound?.projected?.sources ?? []) as Doc[]) {
                if (src.secret?.name) secrets.push(src.secret.name as string);
            }
        }
        for (const p of (podTemplate.imagePullSecrets ?? []) as Doc[]) secrets.push(p.name as string);
        return {
            run: run.metadata.generateName ?? run.metadata.name,
            namespace,
            pipelineTask: pt.name as string,
            task,
            serviceAccount: (spec.serviceAccountName ?? template.serviceAccountName ?? "default") as string,
            labels: {
                ...(pipeline.metadata.labels ?? {}),
                ...(run.metadata.labels ?? {}),
                ...(task.metadata.labels ?? {}),
                ...(spec.metadata?.labels ?? {}),
            } as Record<string, string>,
            podTemplate,
            secrets: [...new Set(secrets)].sort(),
            privileged: containersOf(task).some((c) => c.securityContext?.privileged === true),
        };
    });
}
