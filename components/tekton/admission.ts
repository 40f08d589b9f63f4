import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

import type { PipelineRunTemplate, StreamRuns } from "../shared/pipelines";
import { identityPodLabel } from "../shared/site";
import { configDefaults } from "./install";
import { type RunKind, listenerServiceAccount, runNamespaces, triggerTemplate } from "./triggers";

/** A PipelineRun the listeners may create: what its TriggerTemplate says, and the namespace it goes to. */
export interface AdmittedRun {
    minor: string;
    kind: RunKind;
    template: PipelineRunTemplate;
}

/** Every run the triggers of `runs` create. */
export function admittedRuns(runs: StreamRuns[]): AdmittedRun[] {
    return runs.flatMap((r) => [
        { minor: r.minor, kind: "nightly" as const, template: r.nightly },
        ...(r.release !== undefined ? [{ minor: r.minor, kind: "release" as const, template: r.release }] : []),
    ]);
}

/**
 * A CEL string literal. A quoted literal "can contain any unescaped character except the delimiter or newlines
 * (either CR or LF)" (google/cel-spec doc/langdef.md@0016c7f, "String and Bytes Values"; kube-apiserver refuses to
 * compile one that does), so line breaks are escaped like the quote and the backslash.
 */
export function celString(s: string): string {
    const escaped = s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
    return `'${escaped}'`;
}

/**
 * CEL conditions that hold exactly when the value at `path` equals `value` (a JSON value): same scalars, lists of the
 * same length with equal items, maps with the same keys and equal values. Spelt out field by field, because the
 * Kubernetes CEL environment refuses map and list literals that mix value types (a tolerations entry next to a node
 * selector), and because a key such as `okd-ci/pool` is no CEL identifier.
 */
export function celEquals(path: string, value: unknown): string[] {
    if (value === null || value === undefined) return [`${path} == null`];
    if (typeof value === "string") return [`${path} == ${celString(value)}`];
    if (typeof value === "number") {
        if (!Number.isInteger(value)) throw new Error(`${path}: only whole numbers are compared, not ${value}`);
        return [`${path} == ${value}`];
    }
    if (typeof value === "boolean") return [`${path} == ${value}`];
    if (Array.isArray(value)) {
        return [`size(${path}) == ${value.length}`, ...value.flatMap((v, i) => celEquals(`${path}[${i}]`, v))];
    }
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return [
        `size(${path}) == ${entries.length}`,
        ...entries.flatMap(([k, v]) => [`${celString(k)} in ${path}`, ...celEquals(`${path}[${celString(k)}]`, v)]),
    ];
}

const spec = "object.spec";
/** `path` absent, or present and empty. */
const absentOrEmpty = (field: string) => `(!has(${spec}.${field}) || size(${spec}.${field}) == 0)`;

/** The spec of the PipelineRun a TriggerTemplate's run creates. */
export function createdSpec(run: AdmittedRun): Record<string, unknown> {
    const created = triggerTemplate(run.minor, run.kind, run.template).resourcetemplates as {
        spec: Record<string, unknown>;
    }[];
    return created[0].spec;
}

/**
 * A PipelineRun one creator may make: its Pipeline (by name), its namespace, its spec as created, the params it sets
 * to fixed values and those it may set to any value.
 */
export interface AdmittedSpec {
    pipelineName: string;
    namespace: string;
    spec: Record<string, unknown>;
    fixedParams: { name: string; value: string }[];
    freeParams: string[];
}

/** What the listeners' TriggerTemplate of `run` creates, as an admitted spec. */
export function admittedSpec(run: AdmittedRun): AdmittedSpec {
    return {
        pipelineName: run.template.pipelineName,
        namespace: runNamespaces[run.kind],
        spec: createdSpec(run),
        fixedParams: run.template.params,
        freeParams: run.template.eventParams,
    };
}

/**
 * The `taskRunTemplate` a run has once Tekton's defaulting webhook (a mutating webhook, so before any validating
 * admission policy) has seen it: the `default-pod-template` merged, field by field, into its pod template
 * (tektoncd/pipeline@v1.15.0 pkg/apis/pipeline/v1/pipelinerun_defaults.go, pod/template.go MergePodTemplateWithDefault).
 */
export function defaultedTaskRunTemplate(taskRunTemplate: Record<string, unknown>): Record<string, unknown> {
    const defaultPodTemplate = YAML.parse(configDefaults["default-pod-template"]) as Record<string, unknown>;
    return {
        ...taskRunTemplate,
        podTemplate: { ...defaultPodTemplate, ...((taskRunTemplate.podTemplate as object | undefined) ?? {}) },
    };
}

/** Annotations a creator may not set on a run: Tekton Chains' (`chains.tekton.dev/signed: "true"` makes it skip one). */
export const forbiddenAnnotationPrefix = "chains.tekton.dev/";

/**
 * Label keys a creator may not set on a run: `okd-ci/identity` and every label the template's task run specs give an
 * identity's pods (e.g. AKS's `azure.workload.identity/use`). Tekton copies a PipelineRun's labels and annotations
 * onto each TaskRun and from there onto its pod (tektoncd/pipeline v1.15.0 pkg/reconciler/pipelinerun/pipelinerun.go
 * combineTaskRunAndTaskSpecLabels and ...Annotations, pkg/pod/pod.go makeLabels), so such a label on the run would hand
 * every pod of it, builds and gates included, an identity's token or its NetworkPolicy.
 */
export function forbiddenLabelKeys(run: AdmittedSpec): string[] {
    const specs = (run.spec.taskRunSpecs as { metadata?: { labels?: Record<string, string> } }[] | undefined) ?? [];
    return [...new Set([identityPodLabel, ...specs.flatMap((t) => Object.keys(t.metadata?.labels ?? {}))])].sort();
}

/**
 * `spec.timeouts`, if set, within the template's: each of pipeline, tasks and finally above zero (0 is "no timeout" to
 * Tekton) and at most the template's value (or its pipeline timeout where the template sets none). The API server has
 * them after Tekton's defaulting as Go durations ("17h30m0s"), which CEL's duration() reads; one it cannot read fails
 * the expression, and the policy (failurePolicy Fail) refuses the run.
 */
function timeoutConditions(run: AdmittedSpec): string[] {
    const template = (run.spec.timeouts as Record<string, string> | undefined) ?? {};
    if (template.pipeline === undefined) return [];
    return (["pipeline", "tasks", "finally"] as const).map((k) => {
        const field = `${spec}.timeouts.${k}`;
        const max = template[k] ?? template.pipeline;
        return `(!has(${spec}.timeouts) || !has(${field}) || (duration(${field}) > duration('0s') && duration(${field}) <= duration(${celString(max)})))`;
    });
}

/** The conditions a PipelineRun of `run`'s Pipeline must meet: everything but free param values. */
export function runConditions(run: AdmittedSpec): string[] {
    const s = run.spec;
    const params = run.fixedParams;
    const names = [...params.map((p) => p.name), ...run.freeParams];
    // As the template says, or as Tekton's defaulting leaves it (a cluster without Tekton's webhook, or with it).
    const created = s.taskRunTemplate as Record<string, unknown>;
    const taskRunTemplate = [created, defaultedTaskRunTemplate(created)]
        .map((t) => `(${celEquals(`${spec}.taskRunTemplate`, t).join(" && ")})`)
        .join(" || ");
    // A field the template sets is tested with has() first: CEL's && is false when either side is, even if the other
    // is an error, so a run that leaves it out is refused with the policy's message, not "no such key".
    const present = (field: string, value: unknown) => [
        `has(${spec}.${field})`,
        ...celEquals(`${spec}.${field}`, value),
    ];
    return [
        `request.namespace == ${celString(run.namespace)}`,
        `has(${spec}.taskRunTemplate)`,
        `(${taskRunTemplate})`,
        ...(s.taskRunSpecs !== undefined ? present("taskRunSpecs", s.taskRunSpecs) : [absentOrEmpty("taskRunSpecs")]),
        ...(s.workspaces !== undefined ? present("workspaces", s.workspaces) : [absentOrEmpty("workspaces")]),
        // Only the params the template sets: the fixed ones with their values, the event ones with any value.
        names.length === 0
            ? absentOrEmpty("params")
            : `(!has(${spec}.params) || ${spec}.params.all(p, p.name in [${names.map(celString).join(", ")}]))`,
        ...(params.length > 0 ? [`has(${spec}.params)`] : []),
        ...params.map(
            (p) => `${spec}.params.exists(p, p.name == ${celString(p.name)} && p.value == ${celString(p.value)})`,
        ),
        `(!has(object.metadata.labels) || object.metadata.labels.all(k, !(k in [${forbiddenLabelKeys(run).map(celString).join(", ")}])))`,
        `(!has(object.metadata.annotations) || object.metadata.annotations.all(k, !k.startsWith(${celString(forbiddenAnnotationPrefix)})))`,
        ...timeoutConditions(run),
    ];
}

export interface RunPolicyArgs {
    /** The one ServiceAccount the policy holds. */
    creator: { namespace: string; serviceAccount: string };
    /** How messages name it: "a listener". */
    who: string;
    /** How messages name the runs it makes: "the one its TriggerTemplate makes". */
    madeBy: string;
    /** How messages name the Pipelines it may run; default "an okd-ci Pipeline". */
    pipelines?: string;
    runs: AdmittedSpec[];
}

/**
 * A `ValidatingAdmissionPolicy` spec (admissionregistration.k8s.io/v1, Kubernetes 1.30 and later) that admits a
 * PipelineRun created by one ServiceAccount only when it is one of `runs`: an okd-ci Pipeline referenced by name (no
 * inline `pipelineSpec`, no resolver), in that run's namespace, with exactly its ServiceAccounts, pod templates, task
 * run specs and workspaces, and no params but its own. Other users are not matched.
 */
export function runPolicy(args: RunPolicyArgs): Record<string, unknown> {
    const byName = new Map<string, AdmittedSpec>();
    for (const run of args.runs) byName.set(run.pipelineName, run);
    const names = [...byName.keys()].sort();
    const user = `system:serviceaccount:${args.creator.namespace}:${args.creator.serviceAccount}`;
    return {
        failurePolicy: "Fail",
        matchConstraints: {
            matchPolicy: "Equivalent",
            resourceRules: [
                {
                    apiGroups: ["tekton.dev"],
                    apiVersions: ["v1"],
                    operations: ["CREATE", "UPDATE"],
                    resources: ["pipelineruns"],
                },
            ],
        },
        matchConditions: [
            {
                name: `created-by-${args.creator.serviceAccount}`,
                expression: `request.userInfo.username == ${celString(user)}`,
            },
        ],
        validations: [
            {
                expression: `!has(${spec}.pipelineSpec)`,
                message: `${args.who} may not run an inline pipelineSpec`,
                reason: "Forbidden",
            },
            {
                expression: `has(${spec}.pipelineRef) && size(${spec}.pipelineRef) == 1 && has(${spec}.pipelineRef.name) && ${spec}.pipelineRef.name in [${names.map(celString).join(", ")}]`,
                messageExpression: `${celString(`${args.who} may only run ${args.pipelines ?? "an okd-ci Pipeline"} by name (no resolver, bundle or params), not `)} + (has(${spec}.pipelineRef) && has(${spec}.pipelineRef.name) ? ${spec}.pipelineRef.name : 'an unnamed reference')`,
                reason: "Forbidden",
            },
            ...names.map((name) => {
                const run = byName.get(name) as AdmittedSpec;
                return {
                    expression: `!has(${spec}.pipelineRef) || !has(${spec}.pipelineRef.name) || ${spec}.pipelineRef.name != ${celString(name)} || (${runConditions(run).join(" && ")})`,
                    message: `${args.who}'s ${name} run must be ${args.madeBy}: namespace ${run.namespace}, its ServiceAccounts, pod templates, task run specs, workspaces and params, no identity label or Chains annotation, timeouts within its own`,
                    reason: "Forbidden",
                };
            }),
        ],
    };
}

export interface ListenerRunPolicyArgs {
    runs: AdmittedRun[];
    /** The listeners' ServiceAccount. */
    listener: { namespace: string; serviceAccount: string };
}

/** Name of the policy and its binding. */
export const listenerRunPolicyName = "okd-ci-listener-pipelineruns";

/**
 * The policy that admits a PipelineRun created by the listeners' ServiceAccount only when it is one of the runs their
 * TriggerTemplates make (`runPolicy`). Whoever holds the listener's token (a flaw in the sink, a forged delivery that
 * got through) can then start nothing but an okd-ci run as okd-ci would, and the namespaces' PipelineRun quota bounds
 * how many.
 *
 * Other users (an operator's `kubectl create -f out/<stack>/runs/…`, the cluster reaper's starter, which its own
 * policy holds: components/pipelines/reaper.ts) are not matched.
 */
export function listenerRunPolicy(args: ListenerRunPolicyArgs): Record<string, unknown> {
    return runPolicy({
        creator: args.listener,
        who: "a listener",
        madeBy: "the one its TriggerTemplate makes",
        runs: args.runs.map(admittedSpec),
    });
}

export interface ListenerAdmissionArgs extends ListenerRunPolicyArgs {
    /** Provider of the build cluster. */
    provider: k8s.Provider;
    /** What the policy waits for (the site's node pools and add-ons). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** A policy spec (`runPolicy`) and its binding (deny on failure), under `policyName`. */
export function createRunPolicy(
    name: string,
    policyName: string,
    policySpec: Record<string, unknown>,
    opts: pulumi.CustomResourceOptions,
): void {
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
        `${name}-policy`,
        { metadata: { name: policyName }, spec: policySpec },
        opts,
    );
    new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
        `${name}-binding`,
        { metadata: { name: policyName }, spec: { policyName, validationActions: ["Deny"] } },
        { ...opts, dependsOn: [policy] },
    );
}

/** The policy and its binding (deny on failure). */
export class ListenerAdmission extends pulumi.ComponentResource {
    constructor(name: string, args: ListenerAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:tekton:ListenerAdmission", name, {}, opts);
        const k = { parent: this, provider: args.provider, dependsOn: args.dependsOn };
        createRunPolicy(name, listenerRunPolicyName, listenerRunPolicy(args), k);
        this.registerOutputs({});
    }
}

/** The listeners' identity as the policy matches it. */
export const listenerSubject = (namespace: string) => ({ namespace, serviceAccount: listenerServiceAccount });
