/**
 * Turns the rules into CrossGuard policies. Imports only types from @pulumi/policy, so tests can load it; the
 * `PolicyPack` itself is built in ./index.ts.
 */
import type {
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";

import type { PolicyResourceLike, Rule } from "./model";

/** A resource under validation: inputs, `opts.protect`; resource policies see no dependencies. */
export function fromValidationArgs(args: ResourceValidationArgs): PolicyResourceLike {
    return {
        type: args.type,
        urn: args.urn,
        name: args.name,
        props: args.props,
        protect: args.opts.protect,
        dependencies: [],
    };
}

/** A resource of the stack under validation: outputs (inputs plus unknowns in a preview), `opts.protect`, dependencies. */
export function fromPolicyResource(r: PolicyResource): PolicyResourceLike {
    return {
        type: r.type,
        urn: r.urn,
        name: r.name,
        props: r.props,
        protect: r.opts.protect,
        dependencies: [
            ...new Set([...r.dependencies, ...Object.values(r.propertyDependencies).flat()].map((d) => d.urn)),
        ],
    };
}

export function toPolicy(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
    const meta = {
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.enforcementLevel,
        remediationSteps: rule.remediation,
    };
    if (rule.kind === "resource") {
        return {
            ...meta,
            validateResource: (args, report) => {
                if (rule.types.includes(args.type)) rule.check(fromValidationArgs(args), report);
            },
        };
    }
    return {
        ...meta,
        // In a preview, a value only known after apply is skipped here and checked again after `up`.
        validateStack: (args, report) => rule.check(args.resources.map(fromPolicyResource), report, () => undefined),
    };
}
