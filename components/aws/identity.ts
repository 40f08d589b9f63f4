import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";

import { pipelineIdentitySubjects } from "../shared/site";
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
