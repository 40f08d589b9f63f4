/**
 * The resource model every okd-ci policy reads, whichever engine feeds it: Pulumi CrossGuard during a real
 * `pulumi preview --policy-pack policy`, or the plan runner (`policy/plan.ts`) over an offline synth plan.
 *
 * Rules are plain objects with pure `check` functions, so tests and the plan runner call them directly; only
 * `policy/index.ts` wraps them in a `PolicyPack`, whose constructor starts a gRPC server and so is never imported by
 * tests.
 */
import { pipelineIdentitySubjects, pipelineNamespace, releaseNamespace } from "../components/shared/site";

/** One resource as a policy sees it. */
export interface PolicyResourceLike {
    /** Provider type token, e.g. `aws:s3/bucket:Bucket`. */
    type: string;
    urn: string;
    name: string;
    /** Inputs (plan, resource policies) or outputs (stack policies in preview, which equal inputs plus unknowns). */
    props: Record<string, unknown>;
    /** `protect` in the plan, `opts.protect` in CrossGuard. */
    protect: boolean;
    /** URNs this resource depends on, including those implied by Output inputs. */
    dependencies: string[];
}

/** `mandatory` fails the preview; `advisory` prints a warning; `disabled` skips the policy. */
export type EnforcementLevel = "advisory" | "mandatory" | "disabled";

export type Report = (message: string, urn?: string) => void;

/**
 * Records a check a stack rule could not make because a value is only known after apply (e.g. a policy document
 * that names an ARN). The plan runner lists these; in a real preview CrossGuard runs the pack again after `up`,
 * with every value known.
 */
export type Skip = (message: string, urn?: string) => void;

interface RuleBase {
    /** Policy name, unique in the pack; also the key of its enforcement override. */
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    /** What to change when the policy fails, for the person reading the violation. */
    remediation: string;
}

/** Looks at one resource at a time. */
export interface ResourceRule extends RuleBase {
    kind: "resource";
    /** Type tokens the rule applies to; others are skipped. */
    types: readonly string[];
    check(resource: PolicyResourceLike, report: Report): void;
}

/** Looks at the whole stack: for rules that relate resources (a bucket and its public access block). */
export interface StackRule extends RuleBase {
    kind: "stack";
    /** `report(message, urn)` names the offending resource. */
    check(resources: PolicyResourceLike[], report: Report, skip: Skip): void;
}

export type Rule = ResourceRule | StackRule;

/**
 * Raised when a rule reads a value that is only known after `pulumi up` (an ARN in a policy document, a generated
 * name). CrossGuard raises its own error in the same place and reports "can't run policy during preview"; the plan
 * runner does the same with this one.
 */
export class UnknownValueError extends Error {
    constructor(readonly path: string) {
        super(`the value at ${path} is only known after apply`);
        this.name = "UnknownValueError";
    }
}

/** Whether `err` is CrossGuard's or our unknown-value error (CrossGuard's class sets no `name`). */
export function isUnknownValueError(err: unknown): boolean {
    return err instanceof Error && (err.name === "UnknownValueError" || err.constructor.name === "UnknownValueError");
}

/** Reads a value that may be unknown in a preview: `{ known: false }` instead of an exception. */
export function readKnown<T>(read: () => T): { known: true; value: T } | { known: false } {
    try {
        return { known: true, value: read() };
    } catch (err) {
        if (isUnknownValueError(err)) return { known: false };
        throw err;
    }
}

/** A value that may be unknown, or undefined when it is. */
export function known<T>(read: () => T): T | undefined {
    const r = readKnown(read);
    return r.known ? r.value : undefined;
}

/** What synth writes for values only known after apply (src/synth/render.ts `UNKNOWN`, invokes' placeholders). */
export function isUnknownPlaceholder(value: unknown): boolean {
    return typeof value === "string" && /^\[unknown: [^\]]*\]$/.test(value);
}

/**
 * Wraps plan values so that reading an unknown throws, as CrossGuard's own proxy does: a rule never passes or fails
 * on a value nobody knows yet.
 */
export function guardUnknowns<T>(value: T, path = ""): T {
    if (value === null || typeof value !== "object") return value;
    return new Proxy(value as object, {
        get(target, key, receiver) {
            const v = Reflect.get(target, key, receiver);
            if (typeof key !== "string") return v;
            const here = Array.isArray(target) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
            if (isUnknownPlaceholder(v)) throw new UnknownValueError(here);
            return guardUnknowns(v, here);
        },
    }) as T;
}

// ---------------------------------------------------------------------------------------------------------------
// Small readers shared by the rules. Inputs are untyped JSON: read them defensively.

export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | undefined {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

export function arr(value: unknown): unknown[] {
    if (Array.isArray(value)) return value;
    return value === undefined || value === null ? [] : [value];
}

export function str(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

/** `a.b.c` of a JSON value, undefined where any step is missing. */
export function at(value: unknown, path: string): unknown {
    let v: unknown = value;
    for (const key of path.split(".")) {
        const o = obj(v);
        if (o === undefined) return undefined;
        v = o[key];
    }
    return v;
}

export function ofType(resources: PolicyResourceLike[], ...types: string[]): PolicyResourceLike[] {
    return resources.filter((r) => types.includes(r.type));
}

/**
 * Whether `child` configures `parent`: it depends on it (an Output input such as `bucket: bucket.id`), or it names it
 * by the same known physical name.
 */
export function serves(
    child: PolicyResourceLike,
    parent: PolicyResourceLike,
    childKey: string,
    parentKeys: string[],
): boolean {
    if (child.dependencies.includes(parent.urn)) return true;
    const ref = known(() => str(child.props[childKey]));
    return ref !== undefined && parentKeys.some((k) => known(() => str(parent.props[k])) === ref);
}

/** The resources `r` depends on, of the given types. */
export function dependenciesOf(
    r: PolicyResourceLike,
    all: PolicyResourceLike[],
    ...types: string[]
): PolicyResourceLike[] {
    return all.filter((d) => types.includes(d.type) && r.dependencies.includes(d.urn));
}

// ---------------------------------------------------------------------------------------------------------------
// Who the pipelines are, on every platform.

/** Kubernetes namespaces whose ServiceAccounts run pipeline code (builds, records, promotion, signing). */
export const pipelineNamespaces: readonly string[] = [
    ...new Set([pipelineNamespace, releaseNamespace, ...pipelineIdentitySubjects.map((s) => s.namespace)]),
];

/**
 * Whether `namespace/serviceAccount` runs pipeline code, for what in-cluster rights it may hold: every ServiceAccount
 * of the two pipeline namespaces (build pods, gates, listeners and CronJobs included: none may be an administrator)
 * and the Chains controller. Without a name, any ServiceAccount of a pipeline namespace counts (a group subject such
 * as `system:serviceaccounts:okd-builds` covers them all).
 */
export function isPipelineServiceAccount(namespace: string | undefined, serviceAccount?: string): boolean {
    // An undefined namespace equals none of the pipeline namespaces or subjects': never a pipeline ServiceAccount.
    if (serviceAccount === undefined) return pipelineNamespaces.some((n) => n === namespace);
    if (namespace === pipelineNamespace || namespace === releaseNamespace) return true;
    return pipelineIdentitySubjects.some((s) => s.namespace === namespace && s.serviceAccount === serviceAccount);
}

/**
 * A workload identity member or subject that names a pipeline identity's ServiceAccount (`pipelineIdentitySubjects`:
 * the build, records, promotion and Chains identities; the pull-only e2e one has its own rule): Kubernetes subjects
 * (`system:serviceaccount:okd-builds:okd-records`), GKE members (`serviceAccount:p.svc.id.goog[okd-builds/okd-records]`)
 * and Workload Identity Federation principals (`principal://…/subject/ns/okd-builds/sa/okd-records`), or a whole
 * pipeline namespace (`system:serviceaccounts:okd-builds`, `principalSet://…/namespace/okd-builds`).
 */
export function namesPipelineSubject(text: string): boolean {
    const one = pipelineIdentitySubjects.some(({ namespace: ns, serviceAccount: sa }) =>
        [`system:serviceaccount:${ns}:${sa}`, `[${ns}/${sa}]`, `/ns/${ns}/sa/${sa}`].some((n) => text.includes(n)),
    );
    const whole = pipelineNamespaces.some((ns) =>
        [`system:serviceaccounts:${ns}`, `/namespace/${ns}`].some((n) => text.endsWith(n)),
    );
    return one || whole;
}

/**
 * The Kubernetes subjects a cloud binding names, in every form the three clouds bind them: `namespace/serviceAccount`
 * from a Kubernetes subject, a GKE member or a Workload Identity Federation principal; `namespace/*` for a whole
 * namespace.
 */
export function boundSubjects(text: string): string[] {
    const out: string[] = [];
    for (const m of text.matchAll(/system:serviceaccount:([a-z0-9-]+):([a-z0-9-]+)/g)) out.push(`${m[1]}/${m[2]}`);
    for (const m of text.matchAll(/\[([a-z0-9-]+)\/([a-z0-9-]+)\]/g)) out.push(`${m[1]}/${m[2]}`);
    for (const m of text.matchAll(/\/ns\/([a-z0-9-]+)\/sa\/([a-z0-9-]+)/g)) out.push(`${m[1]}/${m[2]}`);
    for (const m of text.matchAll(/(?:system:serviceaccounts:|\/namespace\/)([a-z0-9-]+)$/g)) out.push(`${m[1]}/*`);
    return out;
}
