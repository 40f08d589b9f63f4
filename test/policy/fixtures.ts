import type { Rule } from "../../policy/model";
import { type PolicyRun, runPolicies } from "../../policy/plan";
import type { Plan, PlanResource } from "../../src/synth/render";
import { UNKNOWN } from "../../src/synth/render";

export { UNKNOWN };

export interface Options {
    protect?: boolean;
    /** Resources this one depends on (their URNs are recorded, as an Output input would). */
    dependsOn?: PlanResource[];
}

/** A plan resource as synth writes it. */
export function res(type: string, name: string, inputs: Record<string, unknown>, options: Options = {}): PlanResource {
    return {
        urn: `urn:pulumi:test::okd-ci::${type}::${name}`,
        type,
        name,
        parent: "",
        provider: "",
        dependencies: (options.dependsOn ?? []).map((d) => d.urn),
        protect: options.protect ?? false,
        retainOnDelete: options.protect ?? false,
        inputs,
    };
}

export function plan(resources: PlanResource[]): Plan {
    return { project: "okd-ci", stack: "test", resources, outputs: {} };
}

/** Runs one rule over the resources through the plan runner. */
export function run(rule: Rule, resources: PlanResource[]): PolicyRun {
    return runPolicies(plan(resources), { rules: [rule] });
}

/** The violation messages of one rule over the resources. */
export function violations(rule: Rule, resources: PlanResource[]): string[] {
    return run(rule, resources).violations.map((v) => v.message);
}
