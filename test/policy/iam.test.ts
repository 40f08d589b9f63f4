import * as assert from "node:assert/strict";

import { azureRoles } from "../../policy/rules/iam";
import { iamLeastPrivilege } from "../../policy/rules";
import { t } from "../../policy/types";
import { UNKNOWN, res, run, violations } from "./fixtures";

const doc = (...statements: Record<string, unknown>[]) =>
    JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe("policy iam-least-privilege", () => {
    describe("AWS", () => {
        it("passes a statement that names its actions and resources", () => {
            const p = res(t.aws.iamPolicy, "push", {
                policy: doc({
                    Effect: "Allow",
                    Action: ["ecr:PutImage", "ecr:InitiateLayerUpload"],
                    Resource: "arn:aws:ecr:us-east-1:1:repository/okd/*",
                }),
            });
            assert.deepEqual(violations(iamLeastPrivilege, [p]), []);
        });

        it('fails Action "*" on any resource', () => {
            const p = res(t.aws.iamPolicy, "all", {
                policy: doc({ Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::b" }),
            });
            assert.deepEqual(violations(iamLeastPrivilege, [p]), [
                'aws:iam/policy:Policy all policy Statement[0] allows Action "*" (every action of every service)',
            ]);
        });

        it('fails a whole service on Resource "*", in a role\'s inline policy too', () => {
            const role = res(t.aws.iamRole, "r", {
                assumeRolePolicy: doc({
                    Effect: "Allow",
                    Principal: { Service: "pods.eks.amazonaws.com" },
                    Action: "sts:AssumeRole",
                }),
                inlinePolicies: [{ name: "s3", policy: doc({ Effect: "Allow", Action: "s3:*", Resource: "*" }) }],
            });
            assert.deepEqual(violations(iamLeastPrivilege, [role]), [
                'aws:iam/role:Role r inlinePolicies[0] Statement[0] allows s3:* on Resource "*"',
            ]);
        });

        it('accepts a whole service on the one resource it serves, and a Deny with "*"', () => {
            const p = res(t.aws.iamRolePolicy, "p", {
                policy: doc(
                    {
                        Effect: "Allow",
                        Action: "s3:*",
                        Resource: ["arn:aws:s3:::okd-artifacts", "arn:aws:s3:::okd-artifacts/*"],
                    },
                    { Effect: "Deny", Action: "*", Resource: "*" },
                ),
            });
            assert.deepEqual(violations(iamLeastPrivilege, [p]), []);
        });

        it("fails an administrator managed policy on any role", () => {
            const a = res(t.aws.iamRolePolicyAttachment, "admin", {
                role: "x",
                policyArn: "arn:aws:iam::aws:policy/AdministratorAccess",
            });
            assert.deepEqual(violations(iamLeastPrivilege, [a]), [
                "admin attaches arn:aws:iam::aws:policy/AdministratorAccess",
            ]);
        });

        it("fails an account-wide managed policy on the pipeline role only", () => {
            const pipeline = res(t.aws.iamRole, "pipeline", {});
            const nodes = res(t.aws.iamRole, "nodes", {});
            const association = res(
                t.aws.eksPodIdentity,
                "pipeline-pia",
                { namespace: "okd-builds", serviceAccount: "okd-records", roleArn: UNKNOWN },
                { dependsOn: [pipeline] },
            );
            const arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess";
            const onPipeline = res(
                t.aws.iamRolePolicyAttachment,
                "p-s3",
                { role: UNKNOWN, policyArn: arn },
                { dependsOn: [pipeline] },
            );
            const onNodes = res(
                t.aws.iamRolePolicyAttachment,
                "n-s3",
                { role: UNKNOWN, policyArn: arn },
                { dependsOn: [nodes] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [pipeline, nodes, association, onPipeline, onNodes]), [
                `p-s3 attaches the account-wide ${arn} to the pipeline role`,
            ]);
        });

        it("finds an IRSA pipeline role by its trust policy and fails its account-wide managed policies", () => {
            // IRSA: the role trusts the cluster's OIDC provider for the pipeline ServiceAccount's token.
            const trust = (sub: string) =>
                doc({
                    Effect: "Allow",
                    Principal: {
                        Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X",
                    },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: { StringEquals: { "oidc.eks.us-east-1.amazonaws.com/id/X:sub": sub } },
                });
            const arn = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser";
            const pipeline = res(t.aws.iamRole, "irsa-pipeline", {
                assumeRolePolicy: trust("system:serviceaccount:okd-builds:okd-records"),
                managedPolicyArns: [arn, "arn:aws:iam::123456789012:policy/okd-push"],
            });
            const other = res(t.aws.iamRole, "irsa-other", {
                assumeRolePolicy: trust("system:serviceaccount:kube-system:ebs-csi-controller-sa"),
                managedPolicyArns: [arn],
            });
            const attached = res(
                t.aws.iamRolePolicyAttachment,
                "irsa-s3",
                { role: UNKNOWN, policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" },
                { dependsOn: [pipeline] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [pipeline, other, attached]), [
                `pipeline role irsa-pipeline attaches the account-wide ${arn}`,
                "irsa-s3 attaches the account-wide arn:aws:iam::aws:policy/AmazonS3FullAccess to the pipeline role",
            ]);
        });

        it("fails an account-wide managed policy listed on a Pod Identity pipeline role", () => {
            const arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess";
            const pipeline = res(t.aws.iamRole, "pi-pipeline", { managedPolicyArns: [arn] });
            const association = res(
                t.aws.eksPodIdentity,
                "pi-pia",
                { namespace: "okd-builds", serviceAccount: "okd-pipeline", roleArn: UNKNOWN },
                { dependsOn: [pipeline] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [pipeline, association]), [
                `pipeline role pi-pipeline attaches the account-wide ${arn}`,
            ]);
        });

        it("fails an EKS cluster-admin access policy for the pipeline role", () => {
            const pipeline = res(t.aws.iamRole, "pipeline", {});
            const association = res(
                t.aws.eksPodIdentity,
                "pia",
                { namespace: "okd-builds", serviceAccount: "okd-records" },
                { dependsOn: [pipeline] },
            );
            const access = res(
                t.aws.eksAccessPolicy,
                "pipeline-admin",
                {
                    policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                    principalArn: UNKNOWN,
                },
                { dependsOn: [pipeline] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [pipeline, association, access]), [
                "pipeline-admin makes the pipeline role a Kubernetes administrator (arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy)",
            ]);
        });

        it("accepts an EKS view or namespaced edit access policy for the pipeline role, and admin for another role", () => {
            const pipeline = res(t.aws.iamRole, "pipeline", {});
            const nodes = res(t.aws.iamRole, "nodes", {});
            const association = res(
                t.aws.eksPodIdentity,
                "pia",
                { namespace: "okd-builds", serviceAccount: "okd-pipeline" },
                { dependsOn: [pipeline] },
            );
            const access = (name: string, policy: string, role: typeof pipeline) =>
                res(
                    t.aws.eksAccessPolicy,
                    name,
                    { policyArn: `arn:aws:eks::aws:cluster-access-policy/${policy}`, principalArn: UNKNOWN },
                    { dependsOn: [role] },
                );
            assert.deepEqual(
                violations(iamLeastPrivilege, [
                    pipeline,
                    nodes,
                    association,
                    access("view", "AmazonEKSViewPolicy", pipeline),
                    access("edit", "AmazonEKSEditPolicy", pipeline),
                    access("nodes-admin", "AmazonEKSAdminPolicy", nodes),
                ]),
                [],
            );
            assert.equal(
                violations(iamLeastPrivilege, [pipeline, association, access("a", "AmazonEKSAdminPolicy", pipeline)])
                    .length,
                1,
            );
        });

        it("lists a policy document known only after apply as not evaluated", () => {
            const r = run(iamLeastPrivilege, [res(t.aws.iamPolicy, "later", { policy: UNKNOWN })]);
            assert.deepEqual(r.violations, []);
            assert.deepEqual(
                r.notEvaluated.map((v) => v.message),
                ["aws:iam/policy:Policy later policy is only known after apply"],
            );
        });
    });

    describe("AWS identity escalation (the e2e gate's installer)", () => {
        it("fails creating users and access keys, or passing roles, on every IAM resource", () => {
            const p = res(t.aws.iamPolicy, "installer", {
                policy: doc({
                    Effect: "Allow",
                    Action: ["iam:CreateUser", "iam:CreateAccessKey", "iam:PassRole", "ec2:RunInstances"],
                    Resource: "*",
                }),
            });
            assert.deepEqual(violations(iamLeastPrivilege, [p]), [
                "aws:iam/policy:Policy installer policy Statement[0] allows iam:CreateAccessKey, iam:CreateUser, iam:PassRole on every IAM resource; scope them to the names the identity owns",
            ]);
        });

        it("fails iam:PassRole with no iam:PassedToService, even on named roles", () => {
            const p = res(t.aws.iamRolePolicy, "pass", {
                policy: doc({ Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::*:role/okd-e2e-*" }),
            });
            assert.deepEqual(violations(iamLeastPrivilege, [p]), [
                "aws:iam/rolePolicy:RolePolicy pass policy Statement[0] allows iam:PassRole without an iam:PassedToService condition; name the service the roles go to",
            ]);
        });

        it("passes IAM writes scoped to a name prefix and PassRole to EC2 only", () => {
            const p = res(t.aws.iamPolicy, "scoped", {
                policy: doc(
                    {
                        Effect: "Allow",
                        Action: ["iam:CreateUser", "iam:PutUserPolicy", "iam:CreateAccessKey"],
                        Resource: "arn:aws:iam::*:user/okd-e2e-*",
                    },
                    {
                        Effect: "Allow",
                        Action: "iam:PassRole",
                        Resource: "arn:aws:iam::*:role/okd-e2e-*",
                        Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
                    },
                    { Effect: "Allow", Action: ["iam:GetUser", "iam:ListRoles"], Resource: "*" },
                ),
            });
            assert.deepEqual(violations(iamLeastPrivilege, [p]), []);
        });
    });

    describe("GCP project IAM administration", () => {
        const member = "serviceAccount:okd-e2e-installer@p.iam.gserviceaccount.com";
        it("fails Security Admin or Project IAM Admin on the project with no bound on what it grants", () => {
            const sec = res(t.gcp.projectIamMember, "sec", { role: "roles/iam.securityAdmin", member, project: "p" });
            const pia = res(t.gcp.projectIamMember, "pia", {
                role: "roles/resourcemanager.projectIamAdmin",
                member,
                project: "p",
                condition: { title: "t", expression: "request.time < timestamp('2030-01-01T00:00:00Z')" },
            });
            assert.deepEqual(violations(iamLeastPrivilege, [sec, pia]), [
                "sec grants roles/iam.securityAdmin on the project with no condition bounding the roles it may grant; add one on iam.googleapis.com/modifiedGrantsByRole",
                "pia grants roles/resourcemanager.projectIamAdmin on the project with no condition bounding the roles it may grant; add one on iam.googleapis.com/modifiedGrantsByRole",
            ]);
        });

        it("fails Owner on the project with no bound on what it grants, and leaves other project roles to other rules", () => {
            const owner = res(t.gcp.projectIamMember, "owner", { role: "roles/owner", member, project: "p" });
            const viewer = res(t.gcp.projectIamMember, "viewer", {
                role: "roles/iam.securityReviewer",
                member,
                project: "p",
            });
            assert.deepEqual(violations(iamLeastPrivilege, [owner, viewer]), [
                "owner grants roles/owner on the project with no condition bounding the roles it may grant; add one on iam.googleapis.com/modifiedGrantsByRole",
            ]);
        });

        it("passes Project IAM Admin bounded by modifiedGrantsByRole", () => {
            const pia = res(t.gcp.projectIamMember, "pia", {
                role: "roles/resourcemanager.projectIamAdmin",
                member,
                project: "p",
                condition: {
                    title: "t",
                    expression:
                        "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/compute.viewer'])",
                },
            });
            assert.deepEqual(violations(iamLeastPrivilege, [pia]), []);
        });
    });

    describe("GCP", () => {
        const gsa = res(t.gcp.serviceAccount, "pipeline-gsa", { accountId: "okd-records" });
        const impersonation = res(
            t.gcp.serviceAccountIamMember,
            "pipeline-wi",
            {
                role: "roles/iam.workloadIdentityUser",
                member: "serviceAccount:p.svc.id.goog[okd-builds/okd-records]",
                serviceAccountId: UNKNOWN,
            },
            { dependsOn: [gsa] },
        );

        it("fails roles/owner on the project for the pipeline even when bounded in what it grants", () => {
            const owner = res(
                t.gcp.projectIamMember,
                "pipeline-owner",
                {
                    role: "roles/owner",
                    member: UNKNOWN,
                    condition: {
                        title: "bounded",
                        expression:
                            "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/x'])",
                    },
                },
                { dependsOn: [gsa] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [gsa, impersonation, owner]), [
                "pipeline-owner grants roles/owner on the project to the pipeline identity (service account pipeline-gsa); grant a narrower role on the bucket or repository",
            ]);
        });

        it("fails roles/editor on the project for the pipeline's Google service account", () => {
            const editor = res(
                t.gcp.projectIamMember,
                "pipeline-editor",
                { role: "roles/editor", member: UNKNOWN },
                { dependsOn: [gsa] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [gsa, impersonation, editor]), [
                "pipeline-editor grants roles/editor on the project to the pipeline identity (service account pipeline-gsa); grant a narrower role on the bucket or repository",
            ]);
        });

        it("fails an admin role on the project for a Workload Identity Federation principal of the pipeline", () => {
            const member =
                "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p.svc.id.goog/subject/ns/okd-builds/sa/okd-records";
            const admin = res(t.gcp.projectIamMember, "wif-admin", { role: "roles/storage.admin", member });
            assert.equal(violations(iamLeastPrivilege, [admin]).length, 1);
        });

        it("accepts broad project roles for an identity that is not the pipeline's (the e2e gate installer)", () => {
            // Roles that set the project's IAM policy are the exception: see "GCP project IAM administration".
            const gate = res(t.gcp.serviceAccount, "gate-gsa", { accountId: "okd-e2e" });
            const admin = res(
                t.gcp.projectIamMember,
                "gate-compute-admin",
                { role: "roles/compute.admin", member: UNKNOWN },
                { dependsOn: [gate] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [gsa, impersonation, gate, admin]), []);
        });

        it("does not take the e2e installer ServiceAccount of the pipeline namespace for the pipeline identity", () => {
            const gate = res(t.gcp.serviceAccount, "gate-gsa", { accountId: "okd-e2e-installer" });
            const gateWi = res(
                t.gcp.serviceAccountIamMember,
                "gate-wi",
                {
                    role: "roles/iam.workloadIdentityUser",
                    member: "serviceAccount:p.svc.id.goog[okd-builds/okd-e2e]",
                    serviceAccountId: UNKNOWN,
                },
                { dependsOn: [gate] },
            );
            const compute = res(
                t.gcp.projectIamMember,
                "gate-compute",
                { role: "roles/compute.admin", member: UNKNOWN },
                { dependsOn: [gate] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [gate, gateWi, compute]), []);
        });

        it("still fails the same role for a member naming the pipeline's own ServiceAccount", () => {
            const member = "serviceAccount:p.svc.id.goog[okd-builds/okd-records]";
            const admin = res(t.gcp.projectIamMember, "direct-admin", { role: "roles/compute.admin", member });
            assert.equal(violations(iamLeastPrivilege, [admin]).length, 1);
        });
    });

    describe("Azure", () => {
        const identity = res(t.azure.identity, "pipeline-id", {});
        const federation = res(
            t.azure.federatedCredential,
            "pipeline-fic",
            { subject: "system:serviceaccount:okd-builds:okd-records", resourceName: UNKNOWN },
            { dependsOn: [identity] },
        );
        const assignment = (role: string, scope: string) =>
            res(
                t.azure.roleAssignment,
                "pipeline-role",
                {
                    principalId: UNKNOWN,
                    roleDefinitionId: `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${role}`,
                    scope,
                },
                { dependsOn: [identity] },
            );

        it("fails Contributor on the subscription for the pipeline identity", () => {
            assert.deepEqual(
                violations(iamLeastPrivilege, [
                    identity,
                    federation,
                    assignment(azureRoles.contributor, "/subscriptions/s"),
                ]),
                [
                    "pipeline-role gives the pipeline identity Contributor on /subscriptions/s; assign a data role on the storage account or registry instead",
                ],
            );
        });

        it("fails Contributor on a resource group or management group, and accepts it on one resource", () => {
            const flagged = (scope: string) =>
                violations(iamLeastPrivilege, [identity, federation, assignment(azureRoles.contributor, scope)]);
            assert.equal(flagged("/subscriptions/s/resourceGroups/rg").length, 1);
            assert.equal(flagged("/subscriptions/s/resourceGroups/rg/").length, 1);
            assert.equal(flagged("/providers/Microsoft.Management/managementGroups/okd").length, 1);
            assert.deepEqual(
                flagged("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/okd"),
                [],
            );
        });

        it("accepts a role that is neither Contributor nor able to grant access at a wide scope (Reader)", () => {
            const reader = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
            assert.deepEqual(
                violations(iamLeastPrivilege, [identity, federation, assignment(reader, "/subscriptions/s")]),
                [],
            );
        });

        it("fails Owner for the pipeline identity at any scope", () => {
            const scope = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a";
            assert.equal(
                violations(iamLeastPrivilege, [identity, federation, assignment(azureRoles.owner, scope)]).length,
                1,
            );
        });

        it("accepts a data role on the storage account for the pipeline identity", () => {
            const blobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
            const scope = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a";
            assert.deepEqual(
                violations(iamLeastPrivilege, [identity, federation, assignment(blobDataContributor, scope)]),
                [],
            );
        });

        it("accepts Contributor on the subscription for an identity that is not the pipeline's", () => {
            const gate = res(t.azure.identity, "gate-id", {});
            const a = res(
                t.azure.roleAssignment,
                "gate-role",
                { roleDefinitionId: azureRoles.contributor, scope: "/subscriptions/s" },
                { dependsOn: [gate] },
            );
            assert.deepEqual(violations(iamLeastPrivilege, [identity, federation, gate, a]), []);
        });
    });
});
