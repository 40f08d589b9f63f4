/**
 * The plan runner: applies the whole policy pack to an offline synth plan (`out/<stack>/plan.json`), so CI enforces
 * the same policies as `pulumi preview --policy-pack policy` without a Pulumi CLI, a backend or credentials.
 *
 * Semantics follow CrossGuard: resource rules see one resource's inputs; stack rules see every resource; a value
 * only known after apply is never guessed (the check is listed as not evaluated); `mandatory` violations fail.
 */
import type { Plan, PlanResource } from "./plan-file";
import { type EnforcementLevel, type PolicyResourceLike, type Rule, guardUnknowns, isUnknownValueError } from "./model";
import { rules as allRules } from "./rules";

export interface Violation {
    policy: string;
    enforcementLevel: EnforcementLevel;
    /** The offending resource, or "" for the stack as a whole. */
    urn: string;
    message: string;
}

export interface PolicyRun {
    stack: string;
    /** Violations of advisory and mandatory policies. */
    violations: Violation[];
    /** Checks that could not run because a value is only known after apply. */
    notEvaluated: Violation[];
}

export interface RunOptions {
    rules?: readonly Rule[];
    /** Per-policy enforcement overrides, as in a policy pack config: `{ "build-pool-spot-scales-to-zero": "advisory" }`. */
    levels?: Partial<Record<string, EnforcementLevel>>;
}

/** A plan resource as policies see it: inputs as props, unknowns guarded. */
export function fromPlanResource(r: PlanResource): PolicyResourceLike {
    return {
        type: r.type,
        urn: r.urn,
        name: r.name,
        props: guardUnknowns((r.inputs ?? {}) as Record<string, unknown>),
        protect: r.protect,
        dependencies: r.dependencies,
    };
}

export function runPolicies(plan: Plan, options: RunOptions = {}): PolicyRun {
    const resources = plan.resources.map(fromPlanResource);
    const run: PolicyRun = { stack: plan.stack, violations: [], notEvaluated: [] };
    for (const rule of options.rules ?? allRules) {
        const enforcementLevel = options.levels?.[rule.name] ?? rule.enforcementLevel;
        if (enforcementLevel === "disabled") continue;
        const violation = (urn: string, message: string): Violation => ({
            policy: rule.name,
            enforcementLevel,
            urn,
            message,
        });
        const notEvaluated = (urn: string, err: unknown) =>
            run.notEvaluated.push(violation(urn, `can't run ${rule.name} during preview: ${(err as Error).message}`));
        if (rule.kind === "resource") {
            for (const r of resources.filter((x) => rule.types.includes(x.type))) {
                try {
                    rule.check(r, (message) => run.violations.push(violation(r.urn, message)));
                } catch (err) {
                    if (!isUnknownValueError(err)) throw err;
                    notEvaluated(r.urn, err);
                }
            }
        } else {
            try {
                rule.check(
                    resources,
                    (message, urn) => run.violations.push(violation(urn ?? "", message)),
                    (message, urn) => run.notEvaluated.push(violation(urn ?? "", message)),
                );
            } catch (err) {
                if (!isUnknownValueError(err)) throw err;
                notEvaluated("", err);
            }
        }
    }
    return run;
}

export function mandatoryViolations(run: PolicyRun): Violation[] {
    return run.violations.filter((v) => v.enforcementLevel === "mandatory");
}

/** For people: one line per violation, grouped by level. */
export function formatRun(run: PolicyRun): string {
    const lines = [`policy pack on ${run.stack}:`];
    const line = (v: Violation) =>
        `  [${v.enforcementLevel}] ${v.policy}: ${v.message}${v.urn ? `\n      ${v.urn}` : ""}`;
    const mandatory = mandatoryViolations(run);
    const advisory = run.violations.filter((v) => v.enforcementLevel !== "mandatory");
    lines.push(...mandatory.map(line), ...advisory.map(line));
    lines.push(...run.notEvaluated.map((v) => `  [not evaluated] ${v.policy}: ${v.message}`));
    lines.push(
        `  ${mandatory.length} mandatory violation(s), ${advisory.length} advisory, ${run.notEvaluated.length} check(s) not evaluated`,
    );
    return lines.join("\n");
}
