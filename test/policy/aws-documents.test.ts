import * as assert from "node:assert/strict";

import {
    type Statement,
    accountWideManagedPolicy,
    actionMatches,
    adminManagedPolicy,
    escalates,
    identityEscalatingActions,
    isPublicStatement,
    statements,
    tooBroad,
} from "../../policy/rules/aws-documents";

/** A statement as `statements` returns it, with only what a case sets. */
const stmt = (s: Partial<Statement>): Statement => ({
    effect: "Allow",
    actions: [],
    notActions: [],
    resources: [],
    notResources: [],
    principals: [],
    hasCondition: false,
    conditionKeys: [],
    ...s,
});

describe("policy AWS policy documents", () => {
    describe("statements", () => {
        const document = {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "Pull",
                    Effect: "Allow",
                    Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    Resource: "arn:aws:ecr:us-east-1:111122223333:repository/okd/release",
                    Principal: { AWS: ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"] },
                    Condition: {
                        StringEquals: { "iam:PassedToService": "eks.amazonaws.com", "aws:SourceAccount": "1" },
                        Bool: { "aws:SecureTransport": "true" },
                    },
                },
                { Effect: "Deny", NotAction: "s3:GetObject", Resource: ["*"], Principal: "*" },
            ],
        };

        it("reads every field of each statement, from the JSON text the provider stores and from an object", () => {
            const expected: Statement[] = [
                {
                    effect: "Allow",
                    actions: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    notActions: [],
                    resources: ["arn:aws:ecr:us-east-1:111122223333:repository/okd/release"],
                    notResources: [],
                    principals: ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"],
                    hasCondition: true,
                    conditionKeys: ["iam:PassedToService", "aws:SourceAccount", "aws:SecureTransport"],
                },
                {
                    effect: "Deny",
                    actions: [],
                    notActions: ["s3:GetObject"],
                    resources: ["*"],
                    notResources: [],
                    principals: ["*"],
                    hasCondition: false,
                    conditionKeys: [],
                },
            ];
            assert.deepEqual(statements(JSON.stringify(document)), expected);
            assert.deepEqual(statements(document), expected);
        });

        it("defaults Effect to Allow and reads a principal of each service it names", () => {
            assert.deepEqual(
                statements({
                    Statement: { Action: "sts:AssumeRole", Principal: { Service: "pods.eks.amazonaws.com", AWS: "a" } },
                }),
                [
                    {
                        effect: "Allow",
                        actions: ["sts:AssumeRole"],
                        notActions: [],
                        resources: [],
                        notResources: [],
                        principals: ["pods.eks.amazonaws.com", "a"],
                        hasCondition: false,
                        conditionKeys: [],
                    },
                ],
            );
        });

        it("counts an empty Condition as none and skips statements that are not objects", () => {
            const [s, ...rest] =
                statements({ Statement: [null, "x", { Action: "s3:GetObject", Condition: {} }] }) ?? [];
            assert.equal(rest.length, 0);
            assert.equal(s.hasCondition, false);
            assert.deepEqual(s.conditionKeys, []);
            assert.deepEqual(s.principals, []);
            // A condition operator whose value is not an object names no key.
            assert.deepEqual(statements({ Statement: { Condition: { Null: "x" } } })?.[0].conditionKeys, []);
            assert.equal(statements({ Statement: { Condition: { Null: "x" } } })?.[0].hasCondition, true);
        });

        it("is undefined for text that is not a policy document, empty for one without statements", () => {
            assert.equal(statements("not json"), undefined);
            assert.equal(statements("[1, 2]"), undefined);
            assert.equal(statements("null"), undefined);
            assert.equal(statements(42), undefined);
            assert.deepEqual(statements("{}"), []);
            assert.deepEqual(statements({ Statement: [] }), []);
        });
    });

    describe("tooBroad", () => {
        it('flags Action "*" whatever the resource', () => {
            assert.equal(
                tooBroad(stmt({ actions: ["*"], resources: ["arn:aws:s3:::b"] })),
                'allows Action "*" (every action of every service)',
            );
        });

        it('flags NotAction on Resource "*" only', () => {
            assert.equal(
                tooBroad(stmt({ notActions: ["iam:*"], resources: ["*"] })),
                'allows everything but NotAction on Resource "*"',
            );
            assert.equal(tooBroad(stmt({ notActions: ["iam:*"], resources: ["arn:aws:s3:::b"] })), undefined);
        });

        it('flags whole-service wildcards on Resource "*", each named', () => {
            assert.equal(
                tooBroad(
                    stmt({
                        actions: ["s3:*", "ecr:GetAuthorizationToken", "ec2-instance-connect:*"],
                        resources: ["*"],
                    }),
                ),
                'allows s3:*, ec2-instance-connect:* on Resource "*"',
            );
            assert.equal(tooBroad(stmt({ actions: ["s3:*"], resources: ["arn:aws:s3:::b/*"] })), undefined);
        });

        it('passes narrower wildcards, named actions on Resource "*", and anything denied', () => {
            // IAM matches a wildcard anywhere in the action name: these name some actions of a service, not all.
            assert.equal(tooBroad(stmt({ actions: ["ec2:Describe*", "s3:*Object"], resources: ["*"] })), undefined);
            assert.equal(tooBroad(stmt({ actions: ["ecr:GetAuthorizationToken"], resources: ["*"] })), undefined);
            // Not an action name (an ARN put in Action by mistake): not read as a service wildcard.
            assert.equal(tooBroad(stmt({ actions: ["arn:aws:s3:*"], resources: ["*"] })), undefined);
            assert.equal(tooBroad(stmt({ effect: "Deny", actions: ["*"], resources: ["*"] })), undefined);
            assert.equal(tooBroad(stmt({ effect: "Deny", notActions: ["s3:*"], resources: ["*"] })), undefined);
            assert.equal(tooBroad(stmt({ effect: "Deny", actions: ["s3:*"], resources: ["*"] })), undefined);
        });
    });

    describe("actionMatches", () => {
        it("matches as IAM does: * and ? anywhere, case insensitively, the whole name", () => {
            assert.equal(actionMatches("iam:PassRole", "iam:PassRole"), true);
            assert.equal(actionMatches("IAM:passrole", "iam:PassRole"), true);
            assert.equal(actionMatches("iam:*", "iam:PassRole"), true);
            assert.equal(actionMatches("iam:*Role", "iam:PassRole"), true);
            assert.equal(actionMatches("iam:Pa?sRole", "iam:PassRole"), true);
            assert.equal(actionMatches("*:PassRole", "iam:PassRole"), true);
            assert.equal(actionMatches("iam:Pass", "iam:PassRole"), false);
            assert.equal(actionMatches("am:PassRole", "iam:PassRole"), false);
            assert.equal(actionMatches("iam:Pa?Role", "iam:PassRole"), false);
            assert.equal(actionMatches("iam:Get*", "iam:PassRole"), false);
            assert.equal(actionMatches("ec2-instance-connect:Send*", "ec2-instance-connect:SendSSHPublicKey"), true);
        });

        it("matches nothing for a pattern IAM would not accept as an action", () => {
            // "." would be any character in a regular expression; in IAM it is no character of an action name.
            assert.equal(actionMatches("iam:Pas.Role", "iam:PassRole"), false);
            assert.equal(actionMatches("iam:PassRole ", "iam:PassRole"), false);
            assert.equal(actionMatches(" iam:PassRole", "iam:PassRole"), false);
            assert.equal(actionMatches("", ""), false);
        });
    });

    describe("escalates", () => {
        it('flags an identity-escalating action on Resource "*" or every IAM resource, naming each', () => {
            assert.equal(
                escalates(stmt({ actions: ["iam:CreateRole", "iam:PassRole", "s3:GetObject"], resources: ["*"] })),
                "allows iam:CreateRole, iam:PassRole on every IAM resource; scope them to the names the identity owns",
            );
            assert.equal(
                escalates(stmt({ actions: ["iam:PutRolePolicy"], resources: ["arn:aws:iam::111122223333:*"] })),
                "allows iam:PutRolePolicy on every IAM resource; scope them to the names the identity owns",
            );
            // One such resource among named ones is enough.
            assert.equal(
                escalates(
                    stmt({ actions: ["iam:CreateUser"], resources: ["arn:aws:iam::111122223333:user/okd", "*"] }),
                ),
                "allows iam:CreateUser on every IAM resource; scope them to the names the identity owns",
            );
            assert.equal(
                escalates(stmt({ actions: ["iam:PutRolePolicy"], resources: ["arn:aws-us-gov:iam::111122223333:*"] })),
                "allows iam:PutRolePolicy on every IAM resource; scope them to the names the identity owns",
            );
        });

        it("expands IAM wildcards to the escalating actions they match", () => {
            assert.equal(
                escalates(stmt({ actions: ["iam:Put*"], resources: ["*"] })),
                "allows iam:PutGroupPolicy, iam:PutRolePolicy, iam:PutUserPolicy on every IAM resource; scope them to the names the identity owns",
            );
            assert.equal(
                escalates(stmt({ actions: ["iam:*"], resources: ["*"] })),
                `allows ${identityEscalatingActions.join(", ")} on every IAM resource; scope them to the names the identity owns`,
            );
            // IAM matches a wildcard anywhere in the name, and names case insensitively.
            assert.equal(
                escalates(stmt({ actions: ["iam:*RolePolicy", "IAM:createrole"], resources: ["*"] })),
                "allows iam:AttachRolePolicy, iam:CreateRole, iam:PutRolePolicy, iam:UpdateAssumeRolePolicy on every IAM resource; scope them to the names the identity owns",
            );
            assert.equal(escalates(stmt({ actions: ["iam:Get*", "iam:List*"], resources: ["*"] })), undefined);
        });

        it('leaves Action "*" to tooBroad and passes escalating actions scoped to named resources', () => {
            assert.equal(escalates(stmt({ actions: ["*"], resources: ["*"] })), undefined);
            assert.equal(
                escalates(stmt({ actions: ["iam:CreateRole"], resources: ["arn:aws:iam::111122223333:role/okd-*"] })),
                undefined,
            );
            // Not every IAM resource: one kind of them in one account.
            assert.equal(
                escalates(stmt({ actions: ["iam:CreateRole"], resources: ["arn:aws:iam::111122223333:role/*"] })),
                undefined,
            );
            assert.equal(escalates(stmt({ effect: "Deny", actions: ["iam:CreateRole"], resources: ["*"] })), undefined);
            // Names that contain "okd-" in any IAM resource of the account: scoped, if loosely.
            assert.equal(
                escalates(stmt({ actions: ["iam:CreateRole"], resources: ["arn:aws:iam::111122223333:*okd-*"] })),
                undefined,
            );
            // An S3 object whose key looks like an IAM ARN is no IAM resource.
            assert.equal(
                escalates(
                    stmt({ actions: ["iam:CreateRole"], resources: ["arn:aws:s3:::b/arn:aws:iam::111122223333:*"] }),
                ),
                undefined,
            );
        });

        it("flags iam:PassRole on named roles unless iam:PassedToService names the service", () => {
            const roles = ["arn:aws:iam::111122223333:role/okd-node"];
            assert.equal(
                escalates(stmt({ actions: ["iam:PassRole"], resources: roles })),
                "allows iam:PassRole without an iam:PassedToService condition; name the service the roles go to",
            );
            assert.equal(
                escalates(
                    stmt({
                        actions: ["iam:PassRole"],
                        resources: roles,
                        hasCondition: true,
                        conditionKeys: ["aws:SourceAccount"],
                    }),
                ),
                "allows iam:PassRole without an iam:PassedToService condition; name the service the roles go to",
            );
            assert.equal(
                escalates(
                    stmt({
                        actions: ["iam:PassRole"],
                        resources: roles,
                        hasCondition: true,
                        conditionKeys: ["iam:PassedToService"],
                    }),
                ),
                undefined,
            );
        });
    });

    describe("isPublicStatement", () => {
        it('is an Allow to Principal "*" without a Condition', () => {
            assert.equal(isPublicStatement(stmt({ principals: ["*"] })), true);
            assert.equal(isPublicStatement(stmt({ principals: ["*"], hasCondition: true })), false);
            assert.equal(isPublicStatement(stmt({ principals: ["arn:aws:iam::1:root"] })), false);
            assert.equal(isPublicStatement(stmt({ effect: "Deny", principals: ["*"] })), false);
        });
    });

    describe("managed policies", () => {
        it("names the administrator policies in every partition, and no other", () => {
            for (const p of ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"]) {
                assert.match(`arn:aws:iam::aws:policy/${p}`, adminManagedPolicy);
                assert.match(`arn:aws-us-gov:iam::aws:policy/${p}`, adminManagedPolicy);
            }
            for (const arn of [
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "arn:aws:iam::aws:policy/AdministratorAccess-Amplify",
                "arn:aws:iam::111122223333:policy/AdministratorAccess",
                "xarn:aws:iam::aws:policy/AdministratorAccess",
            ]) {
                assert.doesNotMatch(arn, adminManagedPolicy);
            }
        });

        it("names the account-wide service policies, and not the read-only ones", () => {
            for (const p of [
                "AmazonS3FullAccess",
                "AmazonEC2ContainerRegistryPowerUser",
                "AmazonEC2ContainerRegistryFullAccess",
            ]) {
                assert.match(`arn:aws:iam::aws:policy/${p}`, accountWideManagedPolicy);
                assert.match(`arn:aws-cn:iam::aws:policy/${p}`, accountWideManagedPolicy);
            }
            for (const arn of [
                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
                "arn:aws:iam::aws:policy/AmazonS3FullAccessX",
                "arn:aws:iam::111122223333:policy/AmazonS3FullAccess",
                "xarn:aws:iam::aws:policy/AmazonS3FullAccess",
            ]) {
                assert.doesNotMatch(arn, accountWideManagedPolicy);
            }
        });
    });
});
