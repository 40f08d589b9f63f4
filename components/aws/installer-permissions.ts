import { type PolicyDocument, type PolicyStatement, policyDocument } from "./policy";

/**
 * What `openshift-install` and the cloud-credential-operator need on AWS for the gate's installs, from the
 * fine-grained permission groups of openshift/installer `pkg/asset/installconfig/aws/permissions.go` (the version
 * with the cluster-api groups, as stored for openshift/installer; the groups are the same on release-4.15 except for
 * the cluster-api bucket name below) and the cloud-credential-operator's mint list it copies
 * (openshift/cloud-credential-operator `pkg/aws/utils.go` credMintingActions, release-4.15 at cffd42537).
 * The gate installs the default IPI topology: a new VPC, an installer-created private zone, installer-created
 * instance roles and profiles, default zones, no customer KMS key, and it destroys what it created.
 * `RequiredPermissionGroups` then selects the groups below; nothing else (no AdministratorAccess). The gate installs
 * in `Mint` mode, so the operator's mint group is needed too.
 *
 * Bump this list with the installer; `scopeOf` below refuses an action it does not know how to scope.
 */
export const installerPermissionGroups: Record<string, string[]> = {
    "create-base": [
        "ec2:AttachNetworkInterface",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:CopyImage",
        "ec2:CreateNetworkInterface",
        "ec2:CreateSecurityGroup",
        "ec2:CreateTags",
        "ec2:CreateVolume",
        "ec2:DeleteSecurityGroup",
        "ec2:DeleteSnapshot",
        "ec2:DeregisterImage",
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeAddresses",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeImages",
        "ec2:DescribeInstanceAttribute",
        "ec2:DescribeInstanceCreditSpecifications",
        "ec2:DescribeInstanceTypeOfferings",
        "ec2:DescribeInstances",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeKeyPairs",
        "ec2:DescribeNatGateways",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribePrefixLists",
        "ec2:DescribeRegions",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroupRules",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeTags",
        "ec2:DescribeVolumes",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeVpcClassicLink",
        "ec2:DescribeVpcClassicLinkDnsSupport",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeVpcs",
        "ec2:GetConsoleOutput",
        "ec2:GetEbsDefaultKmsKeyId",
        "ec2:ModifyInstanceAttribute",
        "ec2:ModifyNetworkInterfaceAttribute",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RunInstances",
        "ec2:TerminateInstances",
        "elasticloadbalancing:AddTags",
        "elasticloadbalancing:ApplySecurityGroupsToLoadBalancer",
        "elasticloadbalancing:AttachLoadBalancerToSubnets",
        "elasticloadbalancing:ConfigureHealthCheck",
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:CreateLoadBalancer",
        "elasticloadbalancing:CreateLoadBalancerListeners",
        "elasticloadbalancing:CreateTargetGroup",
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
        "elasticloadbalancing:DeregisterTargets",
        "elasticloadbalancing:DescribeInstanceHealth",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes",
        "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:SetLoadBalancerPoliciesOfListener",
        "elasticloadbalancing:SetSecurityGroups",
        "iam:GetInstanceProfile",
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:GetUser",
        "iam:ListInstanceProfilesForRole",
        "iam:ListRoles",
        "iam:ListUsers",
        "iam:PassRole",
        "iam:SimulatePrincipalPolicy",
        "iam:TagInstanceProfile",
        "iam:TagRole",
        "route53:ChangeResourceRecordSets",
        "route53:ChangeTagsForResource",
        "route53:GetChange",
        "route53:GetHostedZone",
        "route53:ListHostedZones",
        "route53:ListHostedZonesByName",
        "route53:ListResourceRecordSets",
        "route53:ListTagsForResource",
        "route53:UpdateHostedZoneComment",
        "s3:CreateBucket",
        "s3:GetAccelerateConfiguration",
        "s3:GetBucketAcl",
        "s3:GetBucketCors",
        "s3:GetBucketLocation",
        "s3:GetBucketLogging",
        "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketPolicy",
        "s3:GetBucketRequestPayment",
        "s3:GetBucketTagging",
        "s3:GetBucketVersioning",
        "s3:GetBucketWebsite",
        "s3:GetEncryptionConfiguration",
        "s3:GetLifecycleConfiguration",
        "s3:GetReplicationConfiguration",
        "s3:ListBucket",
        "s3:PutBucketAcl",
        "s3:PutBucketPolicy",
        "s3:PutBucketTagging",
        "s3:PutEncryptionConfiguration",
        "s3:GetObject",
        "s3:GetObjectAcl",
        "s3:GetObjectTagging",
        "s3:GetObjectVersion",
        "s3:PutObject",
        "s3:PutObjectAcl",
        "s3:PutObjectTagging",
    ],
    "delete-base": [
        // `openshift-install destroy` looks for Auto Scaling groups tagged with the cluster.
        "autoscaling:DescribeAutoScalingGroups",
        "ec2:DeleteNetworkInterface",
        "ec2:DeletePlacementGroup",
        "ec2:DeleteTags",
        "ec2:DeleteVolume",
        "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:DescribeTargetGroups",
        "iam:DeleteAccessKey",
        "iam:DeleteUser",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfiles",
        "iam:ListRolePolicies",
        "iam:ListUserPolicies",
        "s3:DeleteBucket",
        "s3:DeleteObject",
        "s3:ListBucketVersions",
        "tag:GetResources",
    ],
    "create-networking": [
        "ec2:AllocateAddress",
        "ec2:AssociateAddress",
        "ec2:AssociateDhcpOptions",
        "ec2:AssociateRouteTable",
        "ec2:AttachInternetGateway",
        "ec2:CreateDhcpOptions",
        "ec2:CreateInternetGateway",
        "ec2:CreateNatGateway",
        "ec2:CreateRoute",
        "ec2:CreateRouteTable",
        "ec2:CreateSubnet",
        "ec2:CreateVpc",
        "ec2:CreateVpcEndpoint",
        "ec2:ModifySubnetAttribute",
        "ec2:ModifyVpcAttribute",
        "ec2:ReplaceRoute",
    ],
    "delete-networking": [
        "ec2:DeleteDhcpOptions",
        "ec2:DeleteInternetGateway",
        "ec2:DeleteNatGateway",
        "ec2:DeleteRoute",
        "ec2:DeleteRouteTable",
        "ec2:DeleteSubnet",
        "ec2:DeleteVpc",
        "ec2:DeleteVpcEndpoints",
        "ec2:DetachInternetGateway",
        "ec2:DisassociateRouteTable",
        "ec2:ReleaseAddress",
        "ec2:ReplaceRouteTableAssociation",
    ],
    "create-hosted-zone": ["route53:CreateHostedZone"],
    "delete-hosted-zone": ["route53:DeleteHostedZone"],
    "delete-ignition-objects": ["s3:DeleteBucket", "s3:DeleteObject"],
    "create-instance-role": ["iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:PutRolePolicy"],
    "create-instance-profile": [
        "iam:AddRoleToInstanceProfile",
        "iam:CreateInstanceProfile",
        "iam:DeleteInstanceProfile",
        "iam:RemoveRoleFromInstanceProfile",
    ],
    "permission-validate-instance-type": ["ec2:DescribeInstanceTypes"],
    "permission-default-zones": ["ec2:DescribeAvailabilityZones", "ec2:DescribeInstanceTypeOfferings"],
    /** The cloud-credential-operator's mint mode: the default when install-config sets no `credentialsMode`. */
    "permission-mint-creds": [
        "iam:CreateAccessKey",
        "iam:CreateUser",
        "iam:DeleteAccessKey",
        "iam:DeleteUser",
        "iam:DeleteUserPolicy",
        "iam:GetUser",
        "iam:GetUserPolicy",
        "iam:ListAccessKeys",
        "iam:PutUserPolicy",
        "iam:TagUser",
        "iam:SimulatePrincipalPolicy",
    ],
};

/** Every action of every group, once, sorted. */
export function installerActions(): string[] {
    return [...new Set(Object.values(installerPermissionGroups).flat())].sort();
}

/** Services whose calls are regional and go to the gate's region only. */
export const regionalServices = ["ec2", "elasticloadbalancing", "autoscaling"];

/** Where the gate's IAM reaches: names every e2e cluster's resources start with (see `gateClusterPrefix`). */
export interface InstallerScope {
    /** The gate's region: EC2, ELB and Auto Scaling calls go nowhere else. */
    region: string;
    /** `aws`, `aws-cn`, `aws-us-gov`. */
    partition: string;
    /** `<namePrefix>-e2e`: infrastructure ids, so role, instance profile, bucket and minted user names, start with it. */
    clusterPrefix: string;
}

type Scope = "regional" | "global" | "roles" | "profiles" | "passRole" | "users" | "buckets";

const iamRoleWrites = ["CreateRole", "DeleteRole", "PutRolePolicy", "DeleteRolePolicy", "TagRole"];
const iamProfileWrites = [
    "CreateInstanceProfile",
    "DeleteInstanceProfile",
    "AddRoleToInstanceProfile",
    "RemoveRoleFromInstanceProfile",
    "TagInstanceProfile",
];
const iamUserWrites = [
    "CreateUser",
    "DeleteUser",
    "PutUserPolicy",
    "DeleteUserPolicy",
    "CreateAccessKey",
    "DeleteAccessKey",
    "TagUser",
];

/** Which statement an installer action belongs to; throws on an action nobody decided how to scope. */
export function scopeOf(action: string): Scope {
    const [service, name] = action.split(":");
    if (regionalServices.includes(service)) return "regional";
    if (service === "route53" || service === "tag") return "global";
    if (service === "s3") return "buckets";
    if (service === "iam") {
        if (name === "PassRole") return "passRole";
        if (iamRoleWrites.includes(name)) return "roles";
        if (iamProfileWrites.includes(name)) return "profiles";
        if (iamUserWrites.includes(name)) return "users";
        // Reads: listing and simulating need `Resource: *`; none changes anything.
        if (/^(Get|List)/.test(name) || name === "SimulatePrincipalPolicy") return "global";
    }
    throw new Error(`installer action ${action} has no scope in components/aws/installer-permissions.ts; decide one`);
}

/**
 * The gate's IAM policies, split in two managed policies (an IAM user takes at most 2,048 characters inline and
 * 6,144 per managed policy):
 * - `regional`: EC2, ELB and Auto Scaling, only in the gate's region (`aws:RequestedRegion`; the installer's own
 *   permission check simulates with that key set).
 * - `global`: IAM writes only on roles, instance profiles and users whose names start with the cluster prefix;
 *   `iam:PassRole` only of those roles and only to EC2 (`iam:PassedToService`); S3 only on the buckets the installer
 *   names (`<infraID>-bootstrap` with Terraform, `openshift-bootstrap-data-<infraID>` with cluster-api
 *   (pkg/asset/manifests/aws/cluster.go GetIgnitionBucketName), `<infraID>-image-registry-…`), so never the site's
 *   artifact bucket; Route 53, the tagging API and IAM reads on `*`, as zone ids and minted names are not known in
 *   advance and `destroy` searches by tag.
 */
export function installerPolicies(scope: InstallerScope): { regional: PolicyDocument; global: PolicyDocument } {
    const byScope = new Map<Scope, string[]>();
    for (const action of installerActions()) {
        const s = scopeOf(action);
        byScope.set(s, [...(byScope.get(s) ?? []), action]);
    }
    const iam = (kind: string) => `arn:${scope.partition}:iam::*:${kind}/${scope.clusterPrefix}-*`;
    const bucketNames = [`${scope.clusterPrefix}-*`, `openshift-bootstrap-data-${scope.clusterPrefix}-*`];
    const buckets = bucketNames.map((b) => `arn:${scope.partition}:s3:::${b}`);
    const statement = (s: Scope, sid: string, rest: Omit<PolicyStatement, "Effect" | "Action" | "Sid">) =>
        byScope.has(s) ? [{ Sid: sid, Effect: "Allow" as const, Action: byScope.get(s) ?? [], ...rest }] : [];
    return {
        regional: policyDocument(
            statement("regional", "InstallerRegional", {
                Resource: "*",
                Condition: { StringEquals: { "aws:RequestedRegion": scope.region } },
            }),
        ),
        global: policyDocument([
            ...statement("global", "InstallerGlobalReadAndDns", { Resource: "*" }),
            ...statement("roles", "InstanceRolesOfGateClusters", { Resource: iam("role") }),
            ...statement("profiles", "InstanceProfilesOfGateClusters", { Resource: iam("instance-profile") }),
            ...statement("passRole", "PassGateClusterRolesToEc2Only", {
                Resource: iam("role"),
                Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
            }),
            ...statement("users", "MintUsersOfGateClusters", { Resource: iam("user") }),
            ...statement("buckets", "BucketsOfGateClusters", {
                Resource: [...buckets, ...buckets.map((b) => `${b}/*`)],
            }),
        ]),
    };
}

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
