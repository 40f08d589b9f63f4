/**
 * Cloud identities get no more than the resources they serve: no wildcard statements anywhere, and no owner,
 * editor, admin or subscription-wide role for the pipeline identity.
 *
 * The pipeline identity is found the way each cloud binds it to the pipeline's Kubernetes ServiceAccounts: the roles
 * an EKS Pod Identity association for a pipeline namespace uses, the Google service accounts a pipeline
 * ServiceAccount may impersonate (roles/iam.workloadIdentityUser), the managed identities with a federated credential
 * for a pipeline subject. The e2e gate identities are not pipeline identities: `openshift-install` needs broad rights
 * in the gate's account, project or subscription. What no identity gets is the power to make identities beyond its
 * own names: IAM identity writes on every resource, PassRole to any service, or a GCP project IAM admin role with
 * no bound on the roles it grants.
 */
import {
    type PolicyResourceLike,
    type Report,
    type Skip,
    type StackRule,
    arr,
    dependenciesOf,
    isPipelineServiceAccount,
    known,
    namesPipelineSubject,
    ofType,
    readKnown,
    str,
} from "../model";
import { t } from "../types";
import { accountWideManagedPolicy, adminManagedPolicy, escalates, statements, tooBroad } from "./aws-documents";

// ---------------------------------------------------------------------------------------------------------------
// AWS

function awsPipelineRoles(all: PolicyResourceLike[]): PolicyResourceLike[] {
    const associations = ofType(all, t.aws.eksPodIdentity).filter((a) =>
        isPipelineServiceAccount(str(a.props.namespace), str(a.props.serviceAccount)),
    );
    const viaPodIdentity = associations.flatMap((a) => dependenciesOf(a, all, t.aws.iamRole));
    // IRSA: the trust policy names the ServiceAccount in its condition.
    const viaTrust = ofType(all, t.aws.iamRole).filter((r) => {
        const trust = known(() => JSON.stringify(r.props.assumeRolePolicy ?? ""));
        return trust !== undefined && namesPipelineSubject(trust);
    });
    return [...new Set([...viaPodIdentity, ...viaTrust])];
}

interface Document {
    owner: PolicyResourceLike;
    where: string;
    read: () => unknown;
}

function awsDocuments(all: PolicyResourceLike[]): Document[] {
    return [
        ...ofType(
            all,
            t.aws.iamPolicy,
            t.aws.iamRolePolicy,
            t.aws.bucketPolicy,
            t.aws.ecrRepositoryPolicy,
            t.aws.eksPodIdentity,
        ).map((r) => ({ owner: r, where: "policy", read: () => r.props.policy })),
        ...ofType(all, t.aws.iamRole).flatMap((r) =>
            (known(() => arr(r.props.inlinePolicies)) ?? []).map((_, i) => ({
                owner: r,
                where: `inlinePolicies[${i}]`,
                read: () => (arr(r.props.inlinePolicies)[i] as Record<string, unknown> | undefined)?.policy,
            })),
        ),
    ];
}

function awsLeastPrivilege(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    for (const { owner, where, read } of awsDocuments(all)) {
        const doc = readKnown(read);
        if (!doc.known) {
            skip(`${owner.type} ${owner.name} ${where} is only known after apply`, owner.urn);
            continue;
        }
        const document = doc.value;
        if (document === undefined) continue;
        for (const [i, s] of (statements(document) ?? []).entries()) {
            for (const why of [tooBroad(s), escalates(s)]) {
                if (why !== undefined) report(`${owner.type} ${owner.name} ${where} Statement[${i}] ${why}`, owner.urn);
            }
        }
    }
    const attachments = [
        ...ofType(all, t.aws.iamRolePolicyAttachment).map((a) => ({ r: a, arn: known(() => str(a.props.policyArn)) })),
        ...ofType(all, t.aws.iamRole).flatMap((r) =>
            (known(() => arr(r.props.managedPolicyArns).map(String)) ?? []).map((arn) => ({ r, arn })),
        ),
    ];
    for (const { r, arn } of attachments) {
        if (arn !== undefined && adminManagedPolicy.test(arn)) report(`${r.name} attaches ${arn}`, r.urn);
    }
    const pipeline = awsPipelineRoles(all);
    for (const role of pipeline) {
        for (const arn of known(() => arr(role.props.managedPolicyArns).map(String)) ?? []) {
            if (accountWideManagedPolicy.test(arn)) {
                report(`pipeline role ${role.name} attaches the account-wide ${arn}`, role.urn);
            }
        }
    }
    for (const a of ofType(all, t.aws.iamRolePolicyAttachment)) {
        const arn = known(() => str(a.props.policyArn)) ?? "";
        if (
            accountWideManagedPolicy.test(arn) &&
            dependenciesOf(a, all, t.aws.iamRole).some((r) => pipeline.includes(r))
        ) {
            report(`${a.name} attaches the account-wide ${arn} to the pipeline role`, a.urn);
        }
    }
    for (const a of ofType(all, t.aws.eksAccessPolicy)) {
        const arn = known(() => str(a.props.policyArn)) ?? "";
        if (
            /:cluster-access-policy\/AmazonEKS(Cluster)?AdminPolicy$/.test(arn) &&
            dependenciesOf(a, all, t.aws.iamRole).some((r) => pipeline.includes(r))
        ) {
            report(`${a.name} makes the pipeline role a Kubernetes administrator (${arn})`, a.urn);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// GCP

const gcpBroadRole = (role: string) => role === "roles/owner" || role === "roles/editor" || /admin$/i.test(role);

function gcpPipelineAccounts(all: PolicyResourceLike[]): PolicyResourceLike[] {
    const impersonations = ofType(all, t.gcp.serviceAccountIamMember, t.gcp.serviceAccountIamBinding).filter(
        (b) =>
            b.props.role === "roles/iam.workloadIdentityUser" &&
            (known(() => [...arr(b.props.member), ...arr(b.props.members)].map(String)) ?? []).some(
                namesPipelineSubject,
            ),
    );
    return [...new Set(impersonations.flatMap((b) => dependenciesOf(b, all, t.gcp.serviceAccount)))];
}

function gcpLeastPrivilege(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const pipeline = gcpPipelineAccounts(all);
    for (const b of ofType(all, t.gcp.projectIamMember, t.gcp.projectIamBinding)) {
        const role = str(b.props.role) ?? "";
        if (!gcpBroadRole(role)) continue;
        const viaAccount = dependenciesOf(b, all, t.gcp.serviceAccount).filter((a) => pipeline.includes(a));
        const members = known(() => [...arr(b.props.member), ...arr(b.props.members)].map(String));
        if (members === undefined && viaAccount.length === 0) {
            skip(`${b.name} grants ${role} to members only known after apply`, b.urn);
            continue;
        }
        const direct = (members ?? []).filter(namesPipelineSubject);
        if (direct.length > 0 || viaAccount.length > 0) {
            const who = [...direct, ...viaAccount.map((a) => `service account ${a.name}`)].join(", ");
            report(
                `${b.name} grants ${role} on the project to the pipeline identity (${who}); grant a narrower role on the bucket or repository`,
                b.urn,
            );
        }
    }
}

/**
 * Project roles that set the project's IAM policy, so can grant any role (owner included) to anyone. Granted at all
 * (the e2e gate's installer binds its node service accounts to roles), only under an IAM condition that bounds what
 * it may grant (`iam.googleapis.com/modifiedGrantsByRole`).
 */
const gcpPolicyAdminRoles = ["roles/owner", "roles/iam.securityAdmin", "roles/resourcemanager.projectIamAdmin"];

function gcpUnboundedGrants(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    for (const b of ofType(all, t.gcp.projectIamMember, t.gcp.projectIamBinding)) {
        const role = str(b.props.role) ?? "";
        if (!gcpPolicyAdminRoles.includes(role)) continue;
        const condition = readKnown(() => b.props.condition);
        if (!condition.known) {
            skip(`${b.name}: the condition of its ${role} grant is only known after apply`, b.urn);
            continue;
        }
        const expression = str((condition.value as Record<string, unknown> | undefined)?.expression) ?? "";
        if (!expression.includes("iam.googleapis.com/modifiedGrantsByRole")) {
            report(
                `${b.name} grants ${role} on the project with no condition bounding the roles it may grant; add one on iam.googleapis.com/modifiedGrantsByRole`,
                b.urn,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Azure

/** Built-in role definition ids (the same in every tenant). */
export const azureRoles = {
    owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    rbacAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
    aksRbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    acrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
} as const;

/** Roles that let the holder grant itself more: never for the pipeline, at any scope. */
const escalating: string[] = [
    azureRoles.owner,
    azureRoles.userAccessAdministrator,
    azureRoles.rbacAdministrator,
    azureRoles.aksRbacClusterAdmin,
];

function azurePipelineIdentities(all: PolicyResourceLike[]): PolicyResourceLike[] {
    const credentials = ofType(all, t.azure.federatedCredential).filter((c) =>
        namesPipelineSubject(known(() => str(c.props.subject)) ?? ""),
    );
    return [...new Set(credentials.flatMap((c) => dependenciesOf(c, all, t.azure.identity)))];
}

function azureLeastPrivilege(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const pipeline = azurePipelineIdentities(all);
    for (const a of ofType(all, t.azure.roleAssignment)) {
        if (!dependenciesOf(a, all, t.azure.identity).some((i) => pipeline.includes(i))) continue;
        const roleId = known(() => str(a.props.roleDefinitionId));
        const scope = known(() => str(a.props.scope));
        if (roleId === undefined || scope === undefined) {
            skip(`${a.name}: the pipeline identity's role or scope is only known after apply`, a.urn);
            continue;
        }
        const role = roleId.split("/").pop()?.toLowerCase() ?? "";
        const wide =
            /^\/subscriptions\/[^/]+\/?$/i.test(scope) ||
            /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/?$/i.test(scope) ||
            /managementGroups/i.test(scope);
        if (escalating.includes(role)) {
            report(`${a.name} gives the pipeline identity the role ${role}, which can grant further access`, a.urn);
        } else if (role === azureRoles.contributor && wide) {
            report(
                `${a.name} gives the pipeline identity Contributor on ${scope}; assign a data role on the storage account or registry instead`,
                a.urn,
            );
        }
    }
}

export const iamLeastPrivilege: StackRule = {
    kind: "stack",
    name: "iam-least-privilege",
    description:
        'No IAM statement allows Action "*" or a whole service on Resource "*", nor an identity-creating or -empowering IAM action (CreateUser, CreateAccessKey, PutRolePolicy, PassRole, ...) on every IAM resource, nor PassRole without iam:PassedToService; no GCP project grant of a role that sets the project\'s IAM policy without a modifiedGrantsByRole condition; no administrator managed policy is attached, and the pipeline identity holds no owner, editor, admin or subscription-wide role.',
    enforcementLevel: "mandatory",
    remediation:
        "Name the actions and the bucket or repository ARNs; scope IAM writes to the names the identity owns and PassRole to one service; grant GCP roles on the bucket or repository instead of the project, and bound project IAM admin roles with a modifiedGrantsByRole condition; assign Azure data roles (Storage Blob Data Contributor, AcrPush) on the account or registry.",
    check(all, report, skip) {
        awsLeastPrivilege(all, report, skip);
        gcpLeastPrivilege(all, report, skip);
        gcpUnboundedGrants(all, report, skip);
        azureLeastPrivilege(all, report, skip);
    },
};
