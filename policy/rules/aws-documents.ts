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
    /** `NotResource`: the statement applies to every resource but these. */
    notResources: string[];
    principals: string[];
    hasCondition: boolean;
    /** Condition keys the statement tests, e.g. `iam:PassedToService`. */
    conditionKeys: string[];
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
            notResources: arr(s.NotResource).map(String),
            principals: principals(s.Principal),
            hasCondition: Object.keys(obj(s.Condition) ?? {}).length > 0,
            conditionKeys: Object.values(obj(s.Condition) ?? {}).flatMap((o) => Object.keys(obj(o) ?? {})),
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

/**
 * Whether an Action pattern of a policy covers `action`: IAM compares the service prefix and the action name case
 * insensitively and matches `*` (any run of characters) and `?` (one character) anywhere in the name, so
 * `iam:*Policy` and `IAM:put*` cover iam:PutRolePolicy
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
 */
export function actionMatches(pattern: string, action: string): boolean {
    // A service prefix and an action name are letters, digits and hyphens: a pattern with anything else is not one
    // IAM accepts, and matches nothing.
    if (!/^[A-Za-z0-9:*?-]+$/.test(pattern)) return false;
    return new RegExp(`^${pattern.replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i").test(action);
}

/**
 * IAM actions that create or empower an identity: whoever may call them on `*` may make an identity with any policy
 * and use it, i.e. is an administrator of the account (the e2e gate's installer was, before it was scoped).
 */
export const identityEscalatingActions = [
    "iam:AddUserToGroup",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreatePolicyVersion",
    "iam:CreateRole",
    "iam:CreateUser",
    "iam:PassRole",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateLoginProfile",
];

/**
 * Why an Allow statement lets its holder mint or empower identities beyond its own names, or undefined: an
 * identity-escalating action on Resource "*" (or a whole-IAM wildcard), or iam:PassRole without
 * `iam:PassedToService` (the role could go to any service, e.g. a Lambda that runs with it).
 */
export function escalates(s: Statement): string | undefined {
    if (s.effect !== "Allow") return undefined;
    // Action "*" is tooBroad's finding already.
    const matching = identityEscalatingActions.filter((a) => s.actions.some((x) => x !== "*" && actionMatches(x, a)));
    if (matching.length === 0) return undefined;
    if (s.resources.some((r) => r === "*" || /^arn:[^:]*:iam::[^:]*:\*$/.test(r))) {
        return `allows ${matching.join(", ")} on every IAM resource; scope them to the names the identity owns`;
    }
    if (matching.includes("iam:PassRole") && !s.conditionKeys.includes("iam:PassedToService")) {
        return "allows iam:PassRole without an iam:PassedToService condition; name the service the roles go to";
    }
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
