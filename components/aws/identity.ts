import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";

import { e2eServiceAccount, pipelineIdentitySubjects, pipelineNamespace } from "../shared/site";
import {
    type AccountContext,
    type PolicyDocument,
    ecrRepositoryArn,
    podIdentityTrustPolicyFor,
    policyDocument,
    s3BucketArn,
} from "./policy";

/** Push and pull, and the reads `skopeo`/`oc image` do around them; no delete. */
export const ecrPushPullActions = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:ListImages",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
];

/** List the bucket (sync, index reads). */
export const s3BucketActions = ["s3:GetBucketLocation", "s3:ListBucket"];

/**
 * Read and write objects, including multipart uploads of large logs. No `s3:DeleteObject`: the pipelines never
 * delete, logs expire by lifecycle, and with versioning an overwrite stays recoverable.
 */
export const s3ObjectActions = [
    "s3:AbortMultipartUpload",
    "s3:GetObject",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
];

/**
 * The pipeline identity: `ecr:GetAuthorizationToken` (an account-level call that has no resource), push and pull on
 * exactly the site's repositories, and objects in exactly the artifact bucket.
 */
export function pipelinePolicy(c: AccountContext, repositoryNames: string[], bucket: string): PolicyDocument {
    const bucketArn = s3BucketArn(c, bucket);
    return policyDocument([
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
            Sid: "EcrPushPull",
            Effect: "Allow",
            Action: ecrPushPullActions,
            Resource: repositoryNames.map((n) => ecrRepositoryArn(c, n)),
        },
        { Sid: "ArtifactsBucket", Effect: "Allow", Action: s3BucketActions, Resource: bucketArn },
        { Sid: "ArtifactsObjects", Effect: "Allow", Action: s3ObjectActions, Resource: `${bucketArn}/*` },
    ]);
}

export interface PipelineIdentityArgs {
    cluster: eks.Cluster;
    /** The cluster's name, which the role's trust policy names. */
    clusterName: string;
    /** IAM role name (account-wide, so it carries the prefix and region). */
    roleName: string;
    account: pulumi.Output<AccountContext>;
    repositoryNames: string[];
    bucketName: pulumi.Output<string>;
}

/**
 * One IAM role handed by EKS Pod Identity to the pipeline ServiceAccount and to the Tekton Chains controller. Pod
 * Identity needs no OIDC provider and no ServiceAccount annotation: the association names the ServiceAccount.
 */
export function createPipelineIdentity(
    name: string,
    args: PipelineIdentityArgs,
    opts: pulumi.CustomResourceOptions,
): { role: iam.Role; associations: eks.PodIdentityAssociation[] } {
    const role = new iam.Role(
        `${name}-pipeline`,
        {
            name: args.roleName,
            // Only the pipeline subjects of this cluster may use the role.
            assumeRolePolicy: args.account.apply((c) =>
                JSON.stringify(podIdentityTrustPolicyFor(c, args.clusterName, pipelineIdentitySubjects)),
            ),
        },
        opts,
    );
    const policy = new iam.RolePolicy(
        `${name}-pipeline`,
        {
            role: role.name,
            policy: pulumi
                .all([args.account, args.bucketName])
                .apply(([c, bucket]) => JSON.stringify(pipelinePolicy(c, args.repositoryNames, bucket))),
        },
        opts,
    );
    const associations = pipelineIdentitySubjects.map(
        (s) =>
            new eks.PodIdentityAssociation(
                `${name}-pipeline-${s.namespace}-${s.serviceAccount}`,
                {
                    clusterName: args.cluster.name,
                    namespace: s.namespace,
                    serviceAccount: s.serviceAccount,
                    roleArn: role.arn,
                },
                { ...opts, dependsOn: [policy] },
            ),
    );
    return { role, associations };
}

/** What a registry client needs to pull an image (the registry v2 API's manifest and blob reads); nothing writes. */
export const ecrPullActions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

/** The e2e pull identity: an ECR login whose token can only pull, from exactly the site's repositories. */
export function registryPullPolicy(c: AccountContext, repositoryNames: string[]): PolicyDocument {
    return policyDocument([
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
            Sid: "EcrPull",
            Effect: "Allow",
            Action: ecrPullActions,
            Resource: repositoryNames.map((n) => ecrRepositoryArn(c, n)),
        },
    ]);
}

export interface RegistryPullIdentityArgs {
    cluster: eks.Cluster;
    /** The cluster's name, which the role's trust policy names. */
    clusterName: string;
    /** IAM role name (account-wide, so it carries the prefix and region). */
    roleName: string;
    account: pulumi.Output<AccountContext>;
    repositoryNames: string[];
}

/**
 * The role the e2e ServiceAccount gets through EKS Pod Identity: `aws ecr get-login-password` under it yields a
 * token with the role's rights, so the e2e pull secret it mints can only pull.
 */
export function createRegistryPullIdentity(
    name: string,
    args: RegistryPullIdentityArgs,
    opts: pulumi.CustomResourceOptions,
): { role: iam.Role; association: eks.PodIdentityAssociation } {
    const role = new iam.Role(
        `${name}-e2e-pull`,
        {
            name: args.roleName,
            assumeRolePolicy: args.account.apply((c) =>
                JSON.stringify(
                    podIdentityTrustPolicyFor(c, args.clusterName, [
                        { namespace: pipelineNamespace, serviceAccount: e2eServiceAccount },
                    ]),
                ),
            ),
            description: "okd-ci: pulls e2e payloads from the site registry; mints the e2e clusters' pull secret",
        },
        opts,
    );
    const policy = new iam.RolePolicy(
        `${name}-e2e-pull`,
        {
            role: role.name,
            policy: args.account.apply((c) => JSON.stringify(registryPullPolicy(c, args.repositoryNames))),
        },
        opts,
    );
    const association = new eks.PodIdentityAssociation(
        `${name}-e2e-pull`,
        {
            clusterName: args.cluster.name,
            namespace: pipelineNamespace,
            serviceAccount: e2eServiceAccount,
            roleArn: role.arn,
        },
        { ...opts, dependsOn: [policy] },
    );
    return { role, association };
}
