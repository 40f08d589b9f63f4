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
