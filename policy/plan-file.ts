/**
 * The offline plan the policy runner reads: `out/<stack>/plan.json` as `npm run synth` writes it
 * (src/synth/render.ts builds it). Declared here, with the pack, so the policy code reads plans through a type of its
 * own and never imports the program's synth internals.
 */

/** One resource of the plan, as the engine would register it. */
export interface PlanResource {
    /** The resource's URN. */
    urn: string;
    /** Pulumi type token, e.g. `aws:s3/bucket:Bucket`. */
    type: string;
    /** Logical name. */
    name: string;
    /** URN of the parent. */
    parent: string;
    /** URN of the provider resource; "" when none is recorded. */
    provider: string;
    /** URNs of the resources it depends on. */
    dependencies: string[];
    /** `protect` resource option. */
    protect: boolean;
    /** `retainOnDelete` resource option. */
    retainOnDelete: boolean;
    /** Inputs, with secrets redacted and values known only after apply as placeholders. */
    inputs: unknown;
}

/** A stack's plan: every resource the program registers, and its outputs. */
export interface Plan {
    project: string;
    stack: string;
    resources: PlanResource[];
    outputs: unknown;
}
