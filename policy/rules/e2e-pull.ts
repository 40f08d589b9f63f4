/**
 * The e2e ServiceAccount (`okd-builds/okd-e2e`) can at most pull from the site registry. It runs the payload under
 * test (its installer and its tests), and the pull secret it mints lands in every e2e cluster; a gate installer's
 * own identity comes from a Secret, never from this ServiceAccount (openshift-install refuses federated credentials
 * outside Manual mode).
 *
 * The identities bound to it are found the way each cloud binds ServiceAccounts: EKS Pod Identity associations,
 * Workload Identity bindings (roles/iam.workloadIdentityUser naming `[okd-builds/okd-e2e]`), federated credentials
 * for `system:serviceaccount:okd-builds:okd-e2e`.
 */
import { e2eServiceAccount, pipelineNamespace } from "../../components/shared/site";
import {
    type PolicyResourceLike,
    type Report,
    type Skip,
    type StackRule,
    arr,
    dependenciesOf,
    known,
    ofType,
    readKnown,
    str,
} from "../model";
import { t } from "../types";
import { statements } from "./aws-documents";
import { azureRoles } from "./iam";

/** What a registry client needs to log in to ECR and pull; nothing that writes or deletes. */
export const awsPullActions = [
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:DescribeImages",
    "ecr:ListImages",
];
export const gcpPullRoles = ["roles/artifactregistry.reader"];
export const azurePullRoles: string[] = [azureRoles.acrPull];

const subject = `system:serviceaccount:${pipelineNamespace}:${e2eServiceAccount}`;
const gkeMember = `[${pipelineNamespace}/${e2eServiceAccount}]`;

function awsE2ePull(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const roles = ofType(all, t.aws.eksPodIdentity)
        .filter(
            (a) => str(a.props.namespace) === pipelineNamespace && str(a.props.serviceAccount) === e2eServiceAccount,
        )
        .flatMap((a) => dependenciesOf(a, all, t.aws.iamRole));
    for (const role of roles) {
        const documents = ofType(all, t.aws.iamRolePolicy, t.aws.iamRolePolicyAttachment).filter((p) =>
            dependenciesOf(p, all, t.aws.iamRole).includes(role),
        );
        for (const p of documents) {
            if (p.type === t.aws.iamRolePolicyAttachment) {
                report(`${p.name} attaches a managed policy to ${role.name}, the e2e ServiceAccount's role`, p.urn);
                continue;
            }
            const doc = readKnown(() => p.props.policy);
            if (!doc.known) {
                skip(`${p.name}: the e2e ServiceAccount's role policy is only known after apply`, p.urn);
                continue;
            }
            const extra = (statements(doc.value) ?? [])
                .filter((s) => s.effect === "Allow")
                .flatMap((s) => [...s.actions, ...s.notActions.map((a) => `NotAction ${a}`)])
                .filter((a) => !awsPullActions.includes(a));
            if (extra.length > 0) {
                report(`${p.name} lets the e2e ServiceAccount's role do more than pull: ${extra.join(", ")}`, p.urn);
            }
        }
    }
}

function gcpE2ePull(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const bindings = ofType(all, t.gcp.serviceAccountIamMember, t.gcp.serviceAccountIamBinding).filter(
        (b) =>
            known(() => b.props.role) === "roles/iam.workloadIdentityUser" &&
            (known(() => [...arr(b.props.member), ...arr(b.props.members)].map(String)) ?? []).some((m) =>
                m.includes(gkeMember),
            ),
    );
    const accounts = new Set(bindings.flatMap((b) => dependenciesOf(b, all, t.gcp.serviceAccount)));
    const grants = ofType(
        all,
        t.gcp.projectIamMember,
        t.gcp.projectIamBinding,
        t.gcp.arIamMember,
        t.gcp.arIamBinding,
        t.gcp.bucketIamMember,
        t.gcp.bucketIamBinding,
        t.gcp.serviceAccountIamMember,
        t.gcp.serviceAccountIamBinding,
    ).filter((g) => !bindings.includes(g) && dependenciesOf(g, all, t.gcp.serviceAccount).some((a) => accounts.has(a)));
    for (const g of grants) {
        // Read through known(): a role only known after apply is listed below, not an error that ends the whole rule.
        const role = known(() => str(g.props.role));
        // A grant *on* the account (serviceAccountIamMember) names it as the resource, not the member.
        if (g.type === t.gcp.serviceAccountIamMember || g.type === t.gcp.serviceAccountIamBinding) {
            report(`${g.name} lets ${role} act on the e2e ServiceAccount's Google account`, g.urn);
            continue;
        }
        if (role === undefined) {
            skip(`${g.name}: the role granted to the e2e ServiceAccount's account is only known after apply`, g.urn);
        } else if (!gcpPullRoles.includes(role)) {
            report(
                `${g.name} grants ${role} to the e2e ServiceAccount's Google account; it may only read the registry`,
                g.urn,
            );
        }
    }
}

function azureE2ePull(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const identities = new Set(
        ofType(all, t.azure.federatedCredential)
            .filter((c) => known(() => str(c.props.subject)) === subject)
            .flatMap((c) => dependenciesOf(c, all, t.azure.identity)),
    );
    for (const a of ofType(all, t.azure.roleAssignment)) {
        if (!dependenciesOf(a, all, t.azure.identity).some((i) => identities.has(i))) continue;
        const role = known(() => str(a.props.roleDefinitionId))
            ?.split("/")
            .pop()
            ?.toLowerCase();
        if (role === undefined) {
            skip(`${a.name}: the role of the e2e ServiceAccount's identity is only known after apply`, a.urn);
        } else if (!azurePullRoles.includes(role)) {
            report(
                `${a.name} gives the e2e ServiceAccount's identity the role ${role}; it may only pull (AcrPull)`,
                a.urn,
            );
        }
    }
}

export const e2eServiceAccountPullOnly: StackRule = {
    kind: "stack",
    name: "e2e-service-account-pull-only",
    description:
        "The cloud identity of the e2e ServiceAccount (okd-builds/okd-e2e), which runs the payload under test and mints the e2e clusters' pull secret, can only pull from the site registry.",
    enforcementLevel: "mandatory",
    remediation:
        "Bind the e2e ServiceAccount to a pull-only identity (ECR pull actions, roles/artifactregistry.reader, AcrPull); give gate installers their own credentials through the gate Secret.",
    check(all, report, skip) {
        awsE2ePull(all, report, skip);
        gcpE2ePull(all, report, skip);
        azureE2ePull(all, report, skip);
    },
};
