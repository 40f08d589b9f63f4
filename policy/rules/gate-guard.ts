/**
 * An AWS e2e gate that shares the site's account (`gates.aws.sharedWithSite`) runs the payload's own installer with
 * EC2, ELB and Auto Scaling on `*` in its region (docs/security.md, issue 15 path 10). Its IAM user must carry the
 * site guard (`siteGuardPolicy`, components/aws/site-guard.ts): explicit denies on the site's tagged
 * compute, its registry, cluster and key, and IAM writes on the site's names.
 */
import {
    type PolicyResourceLike,
    type Report,
    type Skip,
    type StackRule,
    dependenciesOf,
    obj,
    ofType,
    readKnown,
} from "../model";
import { t } from "../types";
import { actionMatches, statements } from "./aws-documents";

/** What the guard must deny, each an action a hostile installer would use against the site. */
const mustDeny: { action: string; why: string; tagged?: boolean }[] = [
    { action: "ec2:TerminateInstances", why: "terminating the site's tagged instances", tagged: true },
    { action: "ec2:AuthorizeSecurityGroupIngress", why: "opening the site's tagged security groups", tagged: true },
    { action: "elasticloadbalancing:DeleteLoadBalancer", why: "deleting the site's load balancer", tagged: true },
    { action: "ecr:PutImage", why: "pushing to the site's registry" },
    { action: "kms:Sign", why: "signing with the site's key" },
    { action: "eks:CreateAccessEntry", why: "entering the build cluster" },
    { action: "iam:PutRolePolicy", why: "rewriting the site's roles" },
];

const isInstaller = (u: PolicyResourceLike) => obj(u.props.tags)?.["okd-ci/role"] === "e2e-installer";

function check(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    for (const user of ofType(all, t.aws.iamUser).filter(isInstaller)) {
        const policies = ofType(all, t.aws.iamUserPolicyAttachment)
            .filter((a) => a.dependencies.includes(user.urn))
            .flatMap((a) => dependenciesOf(a, all, t.aws.iamPolicy));
        const denies = [];
        let unknown = false;
        for (const p of policies) {
            const doc = readKnown(() => p.props.policy);
            if (!doc.known) {
                unknown = true;
                continue;
            }
            denies.push(...(statements(doc.value) ?? []).filter((s) => s.effect === "Deny"));
        }
        if (unknown && denies.length === 0) {
            skip(`${user.name}: its policies are only known after apply`, user.urn);
            continue;
        }
        for (const { action, why, tagged } of mustDeny) {
            const covered = denies.some(
                (s) =>
                    s.actions.some((a) => actionMatches(a, action)) &&
                    (!tagged || s.conditionKeys.some((k) => /^aws:ResourceTag\/okd-ci-stack$/i.test(k))),
            );
            if (!covered) {
                report(
                    `e2e installer user ${user.name} has no explicit Deny of ${action}${tagged ? " on resources tagged okd-ci-stack" : ""} (${why})`,
                    user.urn,
                );
            }
        }
    }
}

export const gateInstallerGuarded: StackRule = {
    kind: "stack",
    name: "gate-installer-guarded",
    description:
        "An AWS e2e installer user in the site's account (gates.aws.sharedWithSite) carries the site guard: explicit denies on the site's tagged compute, ECR, EKS, KMS and IAM writes on the site's names.",
    enforcementLevel: "mandatory",
    remediation:
        "Attach siteGuardPolicy (components/aws/site-guard.ts) to the installer's user, as components/aws/e2e-gate.ts does when the gate shares the site's account.",
    check,
};
