import * as assert from "node:assert/strict";

import { e2eServiceAccountPullOnly } from "../../policy/rules";
import { azureRoles } from "../../policy/rules/iam";
import { t } from "../../policy/types";
import { UNKNOWN, res, violations } from "./fixtures";

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
    });
});
