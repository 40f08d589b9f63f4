import * as assert from "node:assert/strict";

import { installerPolicies } from "../../components/aws/installer-permissions";
import { siteGuardPolicy } from "../../components/aws/site-guard";
import { gateInstallerGuarded } from "../../policy/rules/gate-guard";
import { t } from "../../policy/types";
import { UNKNOWN, res, run, violations } from "./fixtures";

describe("policy gate-installer-guarded", () => {
    const scope = { region: "us-east-2", partition: "aws", clusterPrefix: "okd-e2e" };
    const guard = siteGuardPolicy({
        partition: "aws",
        siteTags: { "okd-ci-project": "okd-ci", "okd-ci-stack": "aws" },
        clusterName: "okd-builds",
        iamPrefix: "okd-us-east-1-",
        bucketName: "okd-artifacts",
        kmsKeyArns: ["arn:aws:kms:us-east-1:123456789012:key/chains"],
        roleArns: ["arn:aws:iam::123456789012:role/okd-node-0a1b2c"],
    });
    const user = (tags: Record<string, string> = { "okd-ci/role": "e2e-installer" }) =>
        res(t.aws.iamUser, "installer", { name: "okd-us-east-1-e2e-installer", tags });
    const attached = (u: ReturnType<typeof res>, name: string, document: unknown) => {
        const policy = res(t.aws.iamPolicy, name, {
            policy: typeof document === "string" ? document : JSON.stringify(document),
        });
        return [
            policy,
            res(t.aws.iamUserPolicyAttachment, name, { user: UNKNOWN, policyArn: UNKNOWN }, { dependsOn: [u, policy] }),
        ];
    };
    const installer = (withGuard: boolean) => {
        const u = user();
        const { regional, global } = installerPolicies(scope);
        return [
            u,
            ...attached(u, "regional", regional),
            ...attached(u, "global", global),
            ...(withGuard ? attached(u, "site-guard", guard) : []),
        ];
    };

    it("denies KMS on the site's key and IAM writes on the EKS roles, and leaves the account's EBS key to the installer", () => {
        const deny = (sid: string) => guard.Statement.find((s) => s.Sid === sid);
        assert.deepEqual(deny("DenySiteKeys")?.Resource, ["arn:aws:kms:us-east-1:123456789012:key/chains"]);
        assert.deepEqual(deny("DenySiteKeys")?.Action, "kms:*");
        // EC2 calls KMS with the installer's own rights for the default EBS key of the e2e nodes' root volumes
        // (IAM forward access sessions), so no statement may deny KMS on every key.
        assert.ok(
            !guard.Statement.some((s) => [s.Action].flat().some((a) => a.startsWith("kms:")) && s.Resource === "*"),
        );
        assert.ok(
            [deny("DenySiteIamWrites")?.Resource].flat().includes("arn:aws:iam::123456789012:role/okd-node-0a1b2c"),
        );
    });

    it("passes the installer user with the site guard (the policy components/aws/e2e-gate.ts attaches)", () => {
        assert.deepEqual(violations(gateInstallerGuarded, installer(true)), []);
    });

    it("fails the installer user with only the installer's allows, naming each missing deny", () => {
        const v = violations(gateInstallerGuarded, installer(false));
        assert.equal(v.length, 7, v.join("\n"));
        assert.ok(v.some((m) => /no explicit Deny of ec2:TerminateInstances on resources tagged okd-ci-stack/.test(m)));
        assert.ok(v.some((m) => /no explicit Deny of iam:PutRolePolicy \(rewriting the site's roles\)/.test(m)));
    });

    it("names every deny the guard must carry, with its tag condition where the deny is on tagged compute", () => {
        const who = "installer";
        assert.deepEqual(violations(gateInstallerGuarded, installer(false)).sort(), [
            `e2e installer user ${who} has no explicit Deny of ec2:AuthorizeSecurityGroupIngress on resources tagged okd-ci-stack (opening the site's tagged security groups)`,
            `e2e installer user ${who} has no explicit Deny of ec2:TerminateInstances on resources tagged okd-ci-stack (terminating the site's tagged instances)`,
            `e2e installer user ${who} has no explicit Deny of ecr:PutImage (pushing to the site's registry)`,
            `e2e installer user ${who} has no explicit Deny of eks:CreateAccessEntry (entering the build cluster)`,
            `e2e installer user ${who} has no explicit Deny of elasticloadbalancing:DeleteLoadBalancer on resources tagged okd-ci-stack (deleting the site's load balancer)`,
            `e2e installer user ${who} has no explicit Deny of iam:PutRolePolicy (rewriting the site's roles)`,
            `e2e installer user ${who} has no explicit Deny of kms:Sign (signing with the site's key)`,
        ]);
    });

    it("fails each tagged-compute action denied only without the site-tag condition, and no other", () => {
        const u = user();
        const untagged = {
            ...guard,
            Statement: [
                ...guard.Statement.filter((s) => s.Sid !== "DenySiteTaggedCompute"),
                {
                    Sid: "DenyComputeEverywhere",
                    Effect: "Deny",
                    Action: [
                        "ec2:TerminateInstances",
                        "ec2:AuthorizeSecurityGroupIngress",
                        "elasticloadbalancing:DeleteLoadBalancer",
                    ],
                    Resource: "*",
                },
            ],
        };
        const v = violations(gateInstallerGuarded, [u, ...attached(u, "site-guard", untagged)]);
        assert.deepEqual(v.map((m) => /Deny of (\S+) on resources tagged okd-ci-stack/.exec(m)?.[1]).sort(), [
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:TerminateInstances",
            "elasticloadbalancing:DeleteLoadBalancer",
        ]);
    });

    it("fails a guard whose compute deny has no site-tag condition or misses a service", () => {
        const u = user();
        const weakened = {
            ...guard,
            Statement: guard.Statement.filter(
                (s) => !["DenySiteTaggedCompute", "DenySiteServices", "DenySiteKeys"].includes(s.Sid ?? ""),
            ),
        };
        const v = violations(gateInstallerGuarded, [u, ...attached(u, "site-guard", weakened)]);
        assert.ok(v.some((m) => /ec2:TerminateInstances/.test(m)));
        assert.ok(v.some((m) => /kms:Sign/.test(m)));
        assert.ok(!v.some((m) => /iam:PutRolePolicy/.test(m)));
    });

    it("ignores other users, and skips a user whose policies are only known after apply", () => {
        assert.deepEqual(violations(gateInstallerGuarded, [user({ "okd-ci/role": "other" })]), []);
        const u = user();
        const r = run(gateInstallerGuarded, [u, ...attached(u, "later", UNKNOWN)]);
        assert.deepEqual(r.violations, []);
        assert.equal(r.notEvaluated.length, 1);
    });
});
