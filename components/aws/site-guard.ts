import { type PolicyDocument, policyDocument } from "./policy";

/** What of the site's own a gate that shares its account must never change (`siteGuardPolicy`). */
export interface SiteGuard {
    partition: string;
    /** The tags the site's provider stamps on everything it creates (`standardTags`: okd-ci-project, okd-ci-stack). */
    siteTags: Record<string, string>;
    /** The build cluster's EKS name: its node groups, their instances and its load balancers carry it in tags. */
    clusterName: string;
    /** The site's IAM names start with this (`<namePrefix>-<region>-`: its roles and the installer user itself). */
    iamPrefix: string;
    /** The artifact bucket's name. */
    bucketName: string;
    /**
     * The site's own KMS keys (Chains' signing key). Only these: EC2 uses the account's default EBS key on the
     * installer's behalf for the e2e nodes' encrypted root volumes, checking the installer's own policies (forward
     * access sessions, https://docs.aws.amazon.com/IAM/latest/UserGuide/access_forward_access_sessions.html;
     * https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html), so a Deny of `kms:*` on `*`
     * would fail every install.
     */
    kmsKeyArns: string[];
    /** Site roles whose names do not start with `iamPrefix` (the EKS cluster and node roles, named by Pulumi). */
    roleArns: string[];
}

/**
 * Explicit denies for the installer's user when the gate shares the site's account (`sharedWithSite`): its `Allow`
 * statements reach EC2, ELB and Auto Scaling on `*` in the gate's region, which in a shared account includes the
 * build cluster's nodes, security groups, subnets and load balancers. An explicit Deny wins over every Allow
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), so these hold
 * whatever else is attached to the user later:
 * - EC2, ELB, Auto Scaling on anything tagged as the site's (`aws:ResourceTag/<key>`, evaluated per resource: the
 *   site's provider stamps okd-ci-project and okd-ci-stack on its VPC, subnets, security groups, launch templates
 *   and the webhook's load balancer) or as the build cluster's: `eks:cluster-name`, which EKS puts on a managed node
 *   group's Auto Scaling group and instances (the node group service-linked role's own policy is conditioned on it,
 *   https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSServiceRoleForAmazonEKSNodegroup.html), and
 *   `kubernetes.io/cluster/<name>` (the cluster security group EKS creates, the site's subnets). Describe calls have no
 *   resource tags and stay allowed. Removing or changing a site tag is itself a write on a site-tagged resource, so
 *   denied. The e2e clusters carry none of these tags (their install-config sets no `userTags`). Unverified here (no
 *   AWS account): that every instance of the node groups carries `eks:cluster-name` from its first second.
 * - ECR and EKS entirely (the installer's permission groups use neither), KMS on the site's own keys (not `*`: EC2
 *   calls KMS with the installer's own rights for the default EBS key of the e2e nodes' root volumes), S3 on the
 *   site's bucket, and every IAM write (PassRole included) on the site's IAM names and on the cluster and node roles,
 *   the installer's own user among them (it cannot loosen its own policies). The installer's reads of its own user
 *   (`iam:GetUser`, `iam:SimulatePrincipalPolicy`, its permission check) stay allowed.
 *
 * What this cannot bound: the roles and users the installer creates under the gate's prefix carry inline policies
 * the payload chooses (instance roles, the cloud-credential-operator's minted users), and IAM has no condition on a
 * policy's content; a hostile installer can therefore still create a principal with rights over the site. Only a
 * separate account (the default) bounds that (docs/security.md, path 10).
 */
export function siteGuardPolicy(guard: SiteGuard): PolicyDocument {
    const compute = ["ec2:*", "elasticloadbalancing:*", "autoscaling:*"];
    const tagged = (sid: string, condition: Record<string, Record<string, string>>) => ({
        Sid: sid,
        Effect: "Deny" as const,
        Action: compute,
        Resource: "*",
        Condition: condition,
    });
    const siteTagConditions = Object.fromEntries(
        Object.entries(guard.siteTags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]),
    );
    const iam = (kind: string) => `arn:${guard.partition}:iam::*:${kind}/${guard.iamPrefix}*`;
    const bucket = `arn:${guard.partition}:s3:::${guard.bucketName}`;
    return policyDocument([
        tagged("DenySiteTaggedCompute", { StringEquals: siteTagConditions }),
        tagged("DenyBuildClusterNodes", { StringEquals: { "aws:ResourceTag/eks:cluster-name": guard.clusterName } }),
        tagged("DenyBuildClusterResources", {
            Null: { [`aws:ResourceTag/kubernetes.io/cluster/${guard.clusterName}`]: "false" },
        }),
        { Sid: "DenySiteServices", Effect: "Deny", Action: ["ecr:*", "eks:*"], Resource: "*" },
        { Sid: "DenySiteKeys", Effect: "Deny", Action: "kms:*", Resource: guard.kmsKeyArns },
        { Sid: "DenySiteBucket", Effect: "Deny", Action: "s3:*", Resource: [bucket, `${bucket}/*`] },
        {
            Sid: "DenySiteIamWrites",
            Effect: "Deny",
            Action: [
                "iam:Add*",
                "iam:Attach*",
                "iam:Create*",
                "iam:Delete*",
                "iam:Detach*",
                "iam:PassRole",
                "iam:Put*",
                "iam:Remove*",
                "iam:Tag*",
                "iam:Untag*",
                "iam:Update*",
            ],
            Resource: [iam("role"), iam("user"), iam("instance-profile"), iam("policy"), ...guard.roleArns],
        },
    ]);
}
