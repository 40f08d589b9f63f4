import * as assert from "node:assert/strict";

import { e2eServiceAccountPullOnly } from "../../policy/rules";
import { azureRoles } from "../../policy/rules/iam";
import { t } from "../../policy/types";
import { UNKNOWN, res, run, violations } from "./fixtures";

const doc = (...statements: Record<string, unknown>[]) =>
    JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe("policy e2e-service-account-pull-only", () => {
    describe("AWS", () => {
        const association = (role: ReturnType<typeof res>, serviceAccount = "okd-e2e") =>
            res(
                t.aws.eksPodIdentity,
                `${role.name}-pia`,
                { namespace: "okd-builds", serviceAccount, roleArn: UNKNOWN },
                { dependsOn: [role] },
            );

        it("passes a role that can log in to ECR and pull", () => {
            const role = res(t.aws.iamRole, "pull", {});
            const policy = res(
                t.aws.iamRolePolicy,
                "pull",
                {
                    policy: doc(
                        { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                        {
                            Effect: "Allow",
                            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                            Resource: "arn:aws:ecr:us-east-1:1:repository/okd/release",
                        },
                    ),
                },
                { dependsOn: [role] },
            );
            assert.deepEqual(violations(e2eServiceAccountPullOnly, [role, policy, association(role)]), []);
        });

        it("fails the installer's role bound to the e2e ServiceAccount, as the old AWS gate was", () => {
            const role = res(t.aws.iamRole, "installer", {});
            const policy = res(
                t.aws.iamRolePolicy,
                "installer",
                { policy: doc({ Effect: "Allow", Action: ["ec2:RunInstances", "iam:CreateUser"], Resource: "*" }) },
                { dependsOn: [role] },
            );
            assert.deepEqual(violations(e2eServiceAccountPullOnly, [role, policy, association(role)]), [
                "installer lets the e2e ServiceAccount's role do more than pull: ec2:RunInstances, iam:CreateUser",
            ]);
        });

        it("passes every pull action, counts Deny statements for nothing, and reads only the e2e role's policies", () => {
            const role = res(t.aws.iamRole, "pull", {});
            const pull = res(
                t.aws.iamRolePolicy,
                "pull",
                {
                    policy: doc(
                        {
                            Effect: "Allow",
                            Action: [
                                "ecr:GetAuthorizationToken",
                                "ecr:BatchCheckLayerAvailability",
                                "ecr:BatchGetImage",
                                "ecr:GetDownloadUrlForLayer",
                                "ecr:DescribeImages",
                                "ecr:ListImages",
                            ],
                            Resource: "*",
                        },
                        { Effect: "Deny", Action: "*", Resource: "*" },
                    ),
                },
                { dependsOn: [role] },
            );
            const pipeline = res(t.aws.iamRole, "pipeline", {});
            const push = res(
                t.aws.iamRolePolicy,
                "push",
                { policy: doc({ Effect: "Allow", Action: "ecr:PutImage", Resource: "*" }) },
                { dependsOn: [pipeline] },
            );
            const admin = res(
                t.aws.iamRolePolicyAttachment,
                "admin",
                { policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
                { dependsOn: [pipeline] },
            );
            assert.deepEqual(
                violations(e2eServiceAccountPullOnly, [role, pull, association(role), pipeline, push, admin]),
                [],
            );
        });

        it("fails a managed policy attached to the e2e role, and NotAction, and lists a policy known only after apply", () => {
            const role = res(t.aws.iamRole, "e2e", {});
            const managed = res(
                t.aws.iamRolePolicyAttachment,
                "e2e-ro",
                { policyArn: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly" },
                { dependsOn: [role] },
            );
            const notAction = res(
                t.aws.iamRolePolicy,
                "e2e-not",
                { policy: doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }) },
                { dependsOn: [role] },
            );
            const later = res(t.aws.iamRolePolicy, "e2e-later", { policy: UNKNOWN }, { dependsOn: [role] });
            const garbled = res(t.aws.iamRolePolicy, "e2e-garbled", { policy: "{" }, { dependsOn: [role] });
            const result = run(e2eServiceAccountPullOnly, [
                role,
                managed,
                notAction,
                later,
                garbled,
                association(role),
            ]);
            assert.deepEqual(
                result.violations.map((v) => [v.urn, v.message]),
                [
                    [managed.urn, "e2e-ro attaches a managed policy to e2e, the e2e ServiceAccount's role"],
                    [notAction.urn, "e2e-not lets the e2e ServiceAccount's role do more than pull: NotAction iam:*"],
                ],
            );
            assert.deepEqual(
                result.notEvaluated.map((v) => [v.urn, v.message]),
                [[later.urn, "e2e-later: the e2e ServiceAccount's role policy is only known after apply"]],
            );
        });

        it("ignores a ServiceAccount named okd-e2e in another namespace", () => {
            const role = res(t.aws.iamRole, "elsewhere", {});
            const policy = res(
                t.aws.iamRolePolicy,
                "elsewhere",
                { policy: doc({ Effect: "Allow", Action: "ecr:PutImage", Resource: "*" }) },
                { dependsOn: [role] },
            );
            const pia = res(
                t.aws.eksPodIdentity,
                "elsewhere-pia",
                { namespace: "default", serviceAccount: "okd-e2e", roleArn: UNKNOWN },
                { dependsOn: [role] },
            );
            assert.deepEqual(violations(e2eServiceAccountPullOnly, [role, policy, pia]), []);
        });

        it("ignores roles of other ServiceAccounts (the pipeline may push)", () => {
            const role = res(t.aws.iamRole, "pipeline", {});
            const policy = res(
                t.aws.iamRolePolicy,
                "pipeline",
                { policy: doc({ Effect: "Allow", Action: "ecr:PutImage", Resource: "arn:aws:ecr:::repository/x" }) },
                { dependsOn: [role] },
            );
            assert.deepEqual(
                violations(e2eServiceAccountPullOnly, [role, policy, association(role, "okd-pipeline")]),
                [],
            );
        });
    });

    describe("GCP", () => {
        const gsa = res(t.gcp.serviceAccount, "gsa", { accountId: "okd-e2e-x" });
        const wi = res(
            t.gcp.serviceAccountIamMember,
            "wi",
            {
                role: "roles/iam.workloadIdentityUser",
                member: "serviceAccount:p.svc.id.goog[okd-builds/okd-e2e]",
                serviceAccountId: UNKNOWN,
            },
            { dependsOn: [gsa] },
        );

        it("passes a registry reader", () => {
            const reader = res(
                t.gcp.arIamMember,
                "reader",
                { role: "roles/artifactregistry.reader", member: UNKNOWN },
                { dependsOn: [gsa] },
            );
            assert.deepEqual(violations(e2eServiceAccountPullOnly, [gsa, wi, reader]), []);
        });

        it("fails the installer's roles on an account the e2e ServiceAccount acts as, as the old GCP gate was", () => {
            const admin = res(
                t.gcp.projectIamMember,
                "compute",
                { role: "roles/compute.admin", member: UNKNOWN },
                { dependsOn: [gsa] },
            );
            assert.deepEqual(violations(e2eServiceAccountPullOnly, [gsa, wi, admin]), [
                "compute grants roles/compute.admin to the e2e ServiceAccount's Google account; it may only read the registry",
            ]);
        });

        it("finds the account through a binding that lists the e2e ServiceAccount among others", () => {
            const binding = res(
                t.gcp.serviceAccountIamBinding,
                "wi-binding",
                {
                    role: "roles/iam.workloadIdentityUser",
                    members: [
                        "serviceAccount:p.svc.id.goog[okd-builds/okd-records]",
                        "serviceAccount:p.svc.id.goog[okd-builds/okd-e2e]",
                    ],
                    serviceAccountId: UNKNOWN,
                },
                { dependsOn: [gsa] },
            );
            const writer = res(
                t.gcp.bucketIamMember,
                "writer",
                { role: "roles/storage.objectAdmin", member: UNKNOWN },
                { dependsOn: [gsa] },
            );
            assert.deepEqual(violations(e2eServiceAccountPullOnly, [gsa, binding, writer]), [
                "writer grants roles/storage.objectAdmin to the e2e ServiceAccount's Google account; it may only read the registry",
            ]);
        });

        it("reads a grant that names the e2e account among others as the e2e account's", () => {
            const other = res(t.gcp.serviceAccount, "other-gsa", { accountId: "okd-installer" });
            const both = res(
                t.gcp.bucketIamMember,
                "both",
                { role: "roles/storage.admin", member: UNKNOWN, bucket: UNKNOWN },
                { dependsOn: [other, gsa] },
            );
            assert.deepEqual(violations(e2eServiceAccountPullOnly, [gsa, wi, other, both]), [
                "both grants roles/storage.admin to the e2e ServiceAccount's Google account; it may only read the registry",
            ]);
        });

        it("counts only Workload Identity bindings of okd-builds/okd-e2e, and an unknown member as none", () => {
            const other = res(t.gcp.serviceAccount, "other", { accountId: "okd-installer" });
            const viewer = res(
                t.gcp.serviceAccountIamMember,
                "viewer",
                {
                    role: "roles/iam.serviceAccountViewer",
                    member: "serviceAccount:p.svc.id.goog[okd-builds/okd-e2e]",
                    serviceAccountId: UNKNOWN,
                },
                { dependsOn: [other] },
            );
            const records = res(
                t.gcp.serviceAccountIamMember,
                "records-wi",
                {
                    role: "roles/iam.workloadIdentityUser",
                    member: "serviceAccount:p.svc.id.goog[okd-builds/okd-records]",
                    serviceAccountId: UNKNOWN,
                },
                { dependsOn: [other] },
            );
            const unknownMember = res(
                t.gcp.serviceAccountIamMember,
                "unknown-wi",
                { role: "roles/iam.workloadIdentityUser", member: UNKNOWN, serviceAccountId: UNKNOWN },
                { dependsOn: [other] },
            );
            const admin = res(
                t.gcp.projectIamMember,
                "installer",
                { role: "roles/compute.admin", member: UNKNOWN },
                { dependsOn: [other] },
            );
            // A binding whose role is only known after apply is not read as Workload Identity (and ends nothing).
            const unknownRole = res(
                t.gcp.serviceAccountIamMember,
                "unknown-role",
                {
                    role: UNKNOWN,
                    member: "serviceAccount:p.svc.id.goog[okd-builds/okd-e2e]",
                    serviceAccountId: UNKNOWN,
                },
                { dependsOn: [other] },
            );
            const result = run(e2eServiceAccountPullOnly, [other, viewer, records, unknownMember, unknownRole, admin]);
            assert.deepEqual(result.violations, []);
            assert.deepEqual(result.notEvaluated, []);
        });

        it("fails any role on the e2e account itself, and lists a role known only after apply", () => {
            const creator = res(
                t.gcp.serviceAccountIamMember,
                "creator",
                {
                    role: "roles/iam.serviceAccountTokenCreator",
                    member: "user:x@example.com",
                    serviceAccountId: UNKNOWN,
                },
                { dependsOn: [gsa] },
            );
            const users = res(
                t.gcp.serviceAccountIamBinding,
                "users",
                { role: "roles/iam.serviceAccountUser", members: ["user:x@example.com"], serviceAccountId: UNKNOWN },
                { dependsOn: [gsa] },
            );
            const later = res(t.gcp.arIamMember, "later", { role: UNKNOWN, member: UNKNOWN }, { dependsOn: [gsa] });
            const result = run(e2eServiceAccountPullOnly, [gsa, wi, creator, users, later]);
            assert.deepEqual(
                result.violations.map((v) => [v.urn, v.message]),
                [
                    [
                        creator.urn,
                        "creator lets roles/iam.serviceAccountTokenCreator act on the e2e ServiceAccount's Google account",
                    ],
                    [
                        users.urn,
                        "users lets roles/iam.serviceAccountUser act on the e2e ServiceAccount's Google account",
                    ],
                ],
            );
            assert.deepEqual(
                result.notEvaluated.map((v) => [v.urn, v.message]),
                [[later.urn, "later: the role granted to the e2e ServiceAccount's account is only known after apply"]],
            );
        });
    });

    describe("Azure", () => {
        const identity = res(t.azure.identity, "id", {});
        const fic = res(
            t.azure.federatedCredential,
            "fic",
            { subject: "system:serviceaccount:okd-builds:okd-e2e" },
            { dependsOn: [identity] },
        );
        const assignment = (role: string) =>
            res(
                t.azure.roleAssignment,
                `ra-${role.slice(0, 4)}`,
                {
                    roleDefinitionId: `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${role}`,
                    scope: "/x",
                },
                { dependsOn: [identity] },
            );

        it("passes AcrPull and fails anything else", () => {
            assert.deepEqual(
                violations(e2eServiceAccountPullOnly, [identity, fic, assignment(azureRoles.acrPull)]),
                [],
            );
            assert.deepEqual(
                violations(e2eServiceAccountPullOnly, [identity, fic, assignment(azureRoles.contributor)]),
                [
                    `ra-b249 gives the e2e ServiceAccount's identity the role ${azureRoles.contributor}; it may only pull (AcrPull)`,
                ],
            );
        });

        it("reads the role's GUID whatever its case, and lists a role known only after apply", () => {
            const upper = assignment(azureRoles.acrPull.toUpperCase());
            const later = res(
                t.azure.roleAssignment,
                "ra-later",
                { roleDefinitionId: UNKNOWN, scope: "/x" },
                { dependsOn: [identity] },
            );
            const result = run(e2eServiceAccountPullOnly, [identity, fic, upper, later]);
            assert.deepEqual(result.violations, []);
            assert.deepEqual(
                result.notEvaluated.map((v) => [v.urn, v.message]),
                [[later.urn, "ra-later: the role of the e2e ServiceAccount's identity is only known after apply"]],
            );
        });

        it("reads an assignment that names the e2e identity among others as the e2e identity's", () => {
            const other = res(t.azure.identity, "other", {});
            const both = res(
                t.azure.roleAssignment,
                "both",
                {
                    roleDefinitionId: `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${azureRoles.contributor}`,
                    // Scoped to the other identity, granted to the e2e one: it depends on both.
                    scope: UNKNOWN,
                },
                { dependsOn: [other, identity] },
            );
            assert.deepEqual(violations(e2eServiceAccountPullOnly, [identity, fic, other, both]), [
                `both gives the e2e ServiceAccount's identity the role ${azureRoles.contributor}; it may only pull (AcrPull)`,
            ]);
        });

        it("ignores identities federated with other subjects", () => {
            const other = res(t.azure.identity, "records", {});
            const recordsFic = res(
                t.azure.federatedCredential,
                "records-fic",
                { subject: "system:serviceaccount:okd-builds:okd-records" },
                { dependsOn: [other] },
            );
            const contributor = res(
                t.azure.roleAssignment,
                "records-contributor",
                {
                    roleDefinitionId: `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${azureRoles.contributor}`,
                    scope: "/x",
                },
                { dependsOn: [other] },
            );
            assert.deepEqual(
                violations(e2eServiceAccountPullOnly, [identity, fic, other, recordsFic, contributor]),
                [],
            );
        });
    });
});
