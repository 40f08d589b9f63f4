/**
 * iam-least-privilege (policy/rules/iam.ts): how the rule finds the pipeline identity on each cloud, and the cases
 * test/policy/iam.test.ts leaves open: identities bound to more than one principal, bindings that are not
 * impersonation, values only known after apply (listed as not evaluated), managed policies listed on a role, and
 * real (multi-character) Azure subscription ids. Every message is compared in full.
 */
import * as assert from "node:assert/strict";

import { iamLeastPrivilege } from "../../policy/rules";
import { azureRoles } from "../../policy/rules/iam";
import { t } from "../../policy/types";
import { UNKNOWN, res, run, violations } from "./fixtures";

const s3Full = "arn:aws:iam::aws:policy/AmazonS3FullAccess";

describe("policy iam-least-privilege: finding the pipeline identity", () => {
    describe("AWS", () => {
        const pipeline = res(t.aws.iamRole, "pipeline", {});
        const nodes = res(t.aws.iamRole, "nodes", {});
        const association = res(
            t.aws.eksPodIdentity,
            "pia",
            { namespace: "okd-builds", serviceAccount: "okd-records", roleArn: UNKNOWN },
            { dependsOn: [pipeline] },
        );

        it("takes a Pod Identity association of another namespace for no pipeline role", () => {
            const csi = res(t.aws.iamRole, "ebs-csi", { managedPolicyArns: [s3Full] });
            const other = res(
                t.aws.eksPodIdentity,
                "csi-pia",
                { namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa", roleArn: UNKNOWN },
                { dependsOn: [csi] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [csi, other]), []);
        });

        it("takes a role whose trust policy is only known after apply for no pipeline role", () => {
            const later = res(t.aws.iamRole, "later", { assumeRolePolicy: UNKNOWN, managedPolicyArns: [s3Full] });
            assert.deepEqual(violations(iamLeastPrivilege, [later]), []);
        });

        it("fails an administrator policy listed in a role's managedPolicyArns", () => {
            const admin = res(t.aws.iamRole, "admin-role", {
                managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
            });
            assert.deepEqual(violations(iamLeastPrivilege, [admin]), [
                "admin-role attaches arn:aws:iam::aws:policy/AdministratorAccess",
            ]);
        });

        it("reads nothing into a policy that is not a JSON document", () => {
            assert.deepEqual(
                violations(iamLeastPrivilege, [res(t.aws.iamPolicy, "odd", { policy: "not a policy" })]),
                [],
            );
        });

        it("fails an attachment or access policy that serves the pipeline role among others", () => {
            const both = res(
                t.aws.iamRolePolicyAttachment,
                "shared-s3",
                { role: UNKNOWN, policyArn: s3Full },
                { dependsOn: [nodes, pipeline] },
            );
            const admin = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
            const access = res(
                t.aws.eksAccessPolicy,
                "shared-admin",
                { policyArn: admin, principalArn: UNKNOWN },
                { dependsOn: [nodes, pipeline] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [pipeline, nodes, association, both, access]), [
                `shared-s3 attaches the account-wide ${s3Full} to the pipeline role`,
                `shared-admin makes the pipeline role a Kubernetes administrator (${admin})`,
            ]);
        });

        it("reads the EKS admin access policies by their whole name", () => {
            const access = res(
                t.aws.eksAccessPolicy,
                "view-ish",
                {
                    policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicyViewOnly",
                    principalArn: UNKNOWN,
                },
                { dependsOn: [pipeline] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [pipeline, association, access]), []);
        });
    });

    describe("GCP", () => {
        const wiMember = "serviceAccount:p.svc.id.goog[okd-builds/okd-records]";
        const gsa = res(t.gcp.serviceAccount, "pipeline-gsa", { accountId: "okd-records" });
        const impersonation = res(
            t.gcp.serviceAccountIamBinding,
            "pipeline-wi",
            {
                role: "roles/iam.workloadIdentityUser",
                members: ["serviceAccount:p.svc.id.goog[kube-system/other]", wiMember],
                serviceAccountId: UNKNOWN,
            },
            { dependsOn: [gsa] },
        );
        const grant = (name: string, role: string, inputs: Record<string, unknown> = {}) =>
            res(t.gcp.projectIamMember, name, { role, project: "p", member: UNKNOWN, ...inputs }, { dependsOn: [gsa] });

        it("takes an account any of whose Workload Identity members is the pipeline's for the pipeline's", () => {
            assert.deepEqual(violations(iamLeastPrivilege, [gsa, impersonation, grant("ed", "roles/editor")]), [
                "ed grants roles/editor on the project to the pipeline identity (service account pipeline-gsa); grant a narrower role on the bucket or repository",
            ]);
        });

        it("takes only roles/iam.workloadIdentityUser for impersonation", () => {
            const user = res(
                t.gcp.serviceAccountIamMember,
                "sa-user",
                { role: "roles/iam.serviceAccountUser", member: wiMember, serviceAccountId: UNKNOWN },
                { dependsOn: [gsa] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [gsa, user, grant("ed", "roles/editor")]), []);
        });

        it("accepts a narrow project role for the pipeline, and reads admin roles by their last word", () => {
            assert.deepEqual(
                violations(iamLeastPrivilege, [
                    gsa,
                    impersonation,
                    grant("viewer", "roles/storage.objectViewer"),
                    grant("custom", "projects/p/roles/adminReadOnly"),
                ]),
                [],
            );
            assert.deepEqual(violations(iamLeastPrivilege, [gsa, impersonation, grant("ca", "roles/compute.admin")]), [
                "ca grants roles/compute.admin on the project to the pipeline identity (service account pipeline-gsa); grant a narrower role on the bucket or repository",
            ]);
        });

        it("names every way the pipeline holds a broad role", () => {
            const binding = res(
                t.gcp.projectIamBinding,
                "owners",
                { role: "roles/editor", project: "p", members: ["user:someone@example.com", wiMember] },
                { dependsOn: [gsa] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [gsa, impersonation, binding]), [
                `owners grants roles/editor on the project to the pipeline identity (${wiMember}, service account pipeline-gsa); grant a narrower role on the bucket or repository`,
            ]);
        });

        it("lists a broad grant to members only known after apply, or a condition only known after apply, as not evaluated", () => {
            const later = res(t.gcp.projectIamMember, "later", { role: "roles/editor", project: "p", member: UNKNOWN });
            const cond = res(t.gcp.projectIamMember, "cond", {
                role: "roles/iam.securityAdmin",
                project: "p",
                member: "serviceAccount:okd-e2e-installer@p.iam.gserviceaccount.com",
                condition: UNKNOWN,
            });
            const r = run(iamLeastPrivilege, [later, cond]);
            assert.deepEqual(r.violations, []);
            assert.deepEqual(
                r.notEvaluated.map((v) => v.message),
                [
                    "later grants roles/editor to members only known after apply",
                    "cond: the condition of its roles/iam.securityAdmin grant is only known after apply",
                ],
            );
        });
    });

    describe("Azure", () => {
        const subscription = "/subscriptions/00000000-1111-2222-3333-444444444444";
        const identity = res(t.azure.identity, "pipeline-id", {});
        const other = res(t.azure.identity, "other-id", {});
        const federation = res(
            t.azure.federatedCredential,
            "pipeline-fic",
            { subject: "system:serviceaccount:okd-builds:okd-records", resourceName: UNKNOWN },
            { dependsOn: [identity] },
        );
        const otherFederation = res(
            t.azure.federatedCredential,
            "other-fic",
            { subject: "system:serviceaccount:kube-system:other", resourceName: UNKNOWN },
            { dependsOn: [other] },
        );
        const assignment = (name: string, role: string, scope: unknown, ...of: (typeof identity)[]) =>
            res(
                t.azure.roleAssignment,
                name,
                {
                    principalId: UNKNOWN,
                    roleDefinitionId: `${subscription}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
                    scope,
                },
                { dependsOn: of },
            );
        const base = [identity, other, federation, otherFederation];

        it("takes an identity federated with another ServiceAccount for no pipeline identity", () => {
            assert.deepEqual(
                violations(iamLeastPrivilege, [...base, assignment("a", azureRoles.owner, subscription, other)]),
                [],
            );
        });

        it("fails an assignment that serves the pipeline identity among others, naming the role", () => {
            assert.deepEqual(
                violations(iamLeastPrivilege, [
                    ...base,
                    assignment(
                        "both",
                        azureRoles.userAccessAdministrator,
                        `${subscription}/resourceGroups/okd`,
                        other,
                        identity,
                    ),
                ]),
                [
                    `both gives the pipeline identity the role ${azureRoles.userAccessAdministrator}, which can grant further access`,
                ],
            );
        });

        it("fails Contributor on a real subscription or resource group id", () => {
            assert.deepEqual(
                violations(iamLeastPrivilege, [
                    ...base,
                    assignment("sub", azureRoles.contributor, `${subscription}/`, identity),
                    assignment("rg", azureRoles.contributor, `${subscription}/resourceGroups/okd-site`, identity),
                ]),
                [
                    `sub gives the pipeline identity Contributor on ${subscription}/; assign a data role on the storage account or registry instead`,
                    `rg gives the pipeline identity Contributor on ${subscription}/resourceGroups/okd-site; assign a data role on the storage account or registry instead`,
                ],
            );
        });

        it("lists an assignment whose role or scope is only known after apply as not evaluated", () => {
            const unknownRole = res(
                t.azure.roleAssignment,
                "role-later",
                { principalId: UNKNOWN, roleDefinitionId: UNKNOWN, scope: subscription },
                { dependsOn: [identity] },
            );
            const r = run(iamLeastPrivilege, [
                ...base,
                unknownRole,
                assignment("scope-later", azureRoles.owner, UNKNOWN, identity),
            ]);
            assert.deepEqual(r.violations, []);
            assert.deepEqual(
                r.notEvaluated.map((v) => v.message),
                [
                    "role-later: the pipeline identity's role or scope is only known after apply",
                    "scope-later: the pipeline identity's role or scope is only known after apply",
                ],
            );
        });
    });
});
