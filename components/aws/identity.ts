import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";

import {
    type IdentityGrant,
    type IdentityRole,
    type RepositoryRole,
    identityGrants,
    identitySubjects,
    prunedPrefixes,
} from "../shared/site";
import {
    type AccountContext,
    type PolicyDocument,
    type PolicyStatement,
    ecrRepositoryArn,
    podIdentityTrustPolicyFor,
    policyDocument,
    s3BucketArn,
} from "./policy";

/** What a registry client needs to pull an image (the registry v2 API's manifest and blob reads) and list tags. */
export const ecrPullActions = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:ListImages",
];

/** What a push adds to a pull: layer uploads and the manifest. No delete, no repository or policy change. */
export const ecrPushActions = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
];

/** List the bucket (sync, index reads). */
export const s3BucketActions = ["s3:GetBucketLocation", "s3:ListBucket"];

/**
 * Write objects under a prefix, including multipart uploads of large logs. No `s3:DeleteObject`: the pipelines never
 * delete, logs expire by lifecycle, and with versioning an overwrite stays recoverable.
 */
export const s3WriteActions = ["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:PutObject"];

/** What signing with, and reading the public key of, the KMS key take (sigstore's awskms signer and verifier). */
export const kmsActions = {
    sign: ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"],
    verify: ["kms:DescribeKey", "kms:GetPublicKey"],
} as const;

/** The resources an identity's grants name: repository names by role and the bucket. */
export interface IdentityResources {
    repositoryNames: Record<RepositoryRole, string>;
    bucket: string;
}

const stmt = (Sid: string, Action: string[], Resource: string | string[]): PolicyStatement => ({
    Sid,
    Effect: "Allow",
    Action,
    Resource,
});

/**
 * The IAM policy of one identity, from `identityGrants`: ECR pull and push on exactly its repositories, S3 reads of
 * the artifact bucket and writes under exactly its prefixes (S3 scopes a grant to a key prefix in the resource ARN,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/security_iam_service-with-iam.html#security_iam_service-with-iam-id-based-policies-resources).
 * `ecr:GetAuthorizationToken` is account-level and has no resource. The KMS key is `signingKeyPolicy`'s, apart, as
 * its ARN is known only once the key exists.
 */
export function identityPolicy(c: AccountContext, grant: IdentityGrant, r: IdentityResources): PolicyDocument {
    const arns = (roles: readonly RepositoryRole[]) =>
        roles.map((role) => ecrRepositoryArn(c, r.repositoryNames[role]));
    const bucketArn = s3BucketArn(c, r.bucket);
    const statements: PolicyStatement[] = [];
    if (grant.pull.length + grant.push.length > 0) {
        statements.push({ Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" });
    }
    if (grant.pull.length > 0) statements.push(stmt("EcrPull", ecrPullActions, arns(grant.pull)));
    if (grant.push.length > 0) statements.push(stmt("EcrPush", ecrPushActions, arns(grant.push)));
    if (grant.storage.read) {
        statements.push(stmt("ArtifactsList", s3BucketActions, bucketArn));
        statements.push(stmt("ArtifactsRead", ["s3:GetObject"], `${bucketArn}/*`));
    }
    if (grant.storage.write.length > 0) {
        statements.push(
            stmt(
                "ArtifactsWrite",
                s3WriteActions,
                grant.storage.write.map((prefix) => `${bucketArn}/${prefix}*`),
            ),
        );
        const pruned = grant.storage.write.filter((prefix) => prunedPrefixes.includes(prefix));
        if (pruned.length > 0) {
            statements.push(
                stmt(
                    "ArtifactsPrune",
                    ["s3:DeleteObject"],
                    pruned.map((prefix) => `${bucketArn}/${prefix}*`),
                ),
            );
        }
    }
    return policyDocument(statements);
}

/** Signing with (Chains) or reading the public key of (promotion) exactly the site's KMS key. */
export function signingKeyPolicy(use: "sign" | "verify", keyArn: string): PolicyDocument {
    return policyDocument([stmt("SigningKey", [...kmsActions[use]], keyArn)]);
}

export interface SiteIdentityArgs {
    cluster: eks.Cluster;
    /** The cluster's name, which the roles' trust policies name. */
    clusterName: string;
    /** IAM role name of each identity (account-wide, so it carries the prefix and region). */
    roleName: (role: IdentityRole) => string;
    account: pulumi.Output<AccountContext>;
    repositoryNames: Record<RepositoryRole, string>;
    bucketName: pulumi.Output<string>;
    signingKeyArn?: pulumi.Output<string>;
}

/** Pulumi names of each role's resources; `e2e-pull` is the name the pull-only role has had since it was added. */
export const roleResourceSuffix: Record<IdentityRole, string> = {
    build: "build",
    records: "records",
    promote: "promote",
    chains: "chains",
    e2ePull: "e2e-pull",
};

const descriptions: Record<IdentityRole, string> = {
    build: "okd-ci: pushes component and machine-os builds; held by the registry token minter only",
    records: "okd-ci: pushes nightly payloads, writes release records and logs",
    promote: "okd-ci: the only writer of promoted releases; marks records promoted",
    chains: "okd-ci: Tekton Chains signs with the site key and writes the attestation repository",
    e2ePull: "okd-ci: pulls e2e payloads from the site registry; mints the e2e clusters' pull secret",
};

/**
 * One IAM role per identity, handed by EKS Pod Identity to exactly its ServiceAccounts (`identitySubjects`) of this
 * cluster, with exactly its grants. Pod Identity needs no OIDC provider and no ServiceAccount annotation: the
 * association names the ServiceAccount.
 */
export function createIdentity(
    name: string,
    role: IdentityRole,
    args: SiteIdentityArgs,
    opts: pulumi.CustomResourceOptions,
): { role: iam.Role; policy: iam.RolePolicy; associations: eks.PodIdentityAssociation[] } {
    const suffix = roleResourceSuffix[role];
    const subjects = identitySubjects[role];
    const iamRole = new iam.Role(
        `${name}-${suffix}`,
        {
            name: args.roleName(role),
            assumeRolePolicy: args.account.apply((c) =>
                JSON.stringify(podIdentityTrustPolicyFor(c, args.clusterName, subjects)),
            ),
            description: descriptions[role],
        },
        opts,
    );
    const policy = new iam.RolePolicy(
        `${name}-${suffix}`,
        {
            role: iamRole.name,
            policy: pulumi
                .all([args.account, args.bucketName])
                .apply(([c, bucket]) =>
                    JSON.stringify(
                        identityPolicy(c, identityGrants[role], { repositoryNames: args.repositoryNames, bucket }),
                    ),
                ),
        },
        opts,
    );
    const use = identityGrants[role].signingKey;
    const keyPolicy =
        use !== undefined && args.signingKeyArn !== undefined
            ? [
                  new iam.RolePolicy(
                      `${name}-${suffix}-signing`,
                      {
                          role: iamRole.name,
                          policy: args.signingKeyArn.apply((arn) => JSON.stringify(signingKeyPolicy(use, arn))),
                      },
                      opts,
                  ),
              ]
            : [];
    const associations = subjects.map(
        (s, i) =>
            new eks.PodIdentityAssociation(
                subjects.length === 1 ? `${name}-${suffix}` : `${name}-${suffix}-${i}`,
                {
                    clusterName: args.cluster.name,
                    namespace: s.namespace,
                    serviceAccount: s.serviceAccount,
                    roleArn: iamRole.arn,
                },
                { ...opts, dependsOn: [policy, ...keyPolicy] },
            ),
    );
    return { role: iamRole, policy, associations };
}
