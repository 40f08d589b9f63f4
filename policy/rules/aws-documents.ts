/**
 * Reading AWS IAM policy documents: a JSON string (what the provider stores) or an object (what the SDK's
 * `PolicyDocument` input type allows).
 */
import { arr, obj, str } from "../model";

export interface Statement {
    effect: string;
    actions: string[];
    notActions: string[];
    resources: string[];
    principals: string[];
    hasCondition: boolean;
}

/** The statements of a policy document; undefined when the text is not a policy document. */
export function statements(document: unknown): Statement[] | undefined {
    let doc: unknown = document;
    if (typeof document === "string") {
        try {
            doc = JSON.parse(document);
        } catch {
            return undefined;
        }
    }
    const root = obj(doc);
    if (root === undefined) return undefined;
    return arr(root.Statement)
        .map(obj)
        .filter((s): s is Record<string, unknown> => s !== undefined)
        .map((s) => ({
            effect: str(s.Effect) ?? "Allow",
            actions: arr(s.Action).map(String),
            notActions: arr(s.NotAction).map(String),
            resources: arr(s.Resource).map(String),
            principals: principals(s.Principal),
            hasCondition: obj(s.Condition) !== undefined && Object.keys(obj(s.Condition) ?? {}).length > 0,
        }));
}

function principals(principal: unknown): string[] {
    if (typeof principal === "string") return [principal];
    const o = obj(principal);
    if (o === undefined) return [];
    return Object.values(o).flatMap((v) => arr(v).map(String));
}

/** Why an Allow statement grants more than the resource it serves, or undefined when it does not. */
export function tooBroad(s: Statement): string | undefined {
    if (s.effect !== "Allow") return undefined;
    if (s.actions.includes("*")) return 'allows Action "*" (every action of every service)';
    const everywhere = s.resources.includes("*");
    if (s.notActions.length > 0 && everywhere) return 'allows everything but NotAction on Resource "*"';
    const wildcard = s.actions.filter((a) => /^[A-Za-z0-9-]+:\*$/.test(a));
    if (wildcard.length > 0 && everywhere) return `allows ${wildcard.join(", ")} on Resource "*"`;
    return undefined;
}

/** Whether an Allow statement lets anyone in: Principal "*" without a Condition narrowing it. */
export function isPublicStatement(s: Statement): boolean {
    return s.effect === "Allow" && s.principals.includes("*") && !s.hasCondition;
}

/** AWS managed policies that amount to `Action "*"` or to rewriting IAM. */
export const adminManagedPolicy =
    /^arn:aws[a-z-]*:iam::aws:policy\/(AdministratorAccess|PowerUserAccess|IAMFullAccess)$/;

/** AWS managed policies that grant a service on every resource: too broad for the pipeline's role. */
export const accountWideManagedPolicy =
    /^arn:aws[a-z-]*:iam::aws:policy\/(.*FullAccess|AmazonEC2ContainerRegistryPowerUser|AmazonEC2ContainerRegistryFullAccess)$/;
