import * as s3 from "@pulumi/aws/s3";
import * as pulumi from "@pulumi/pulumi";

import { stateful } from "../shared/naming";
import { artifactPrefixes, artifactRules, recordVersionDays } from "../shared/retention";
import { type AccountContext, type PolicyDocument, policyDocument, s3BucketArn } from "./policy";

export interface ArtifactBucketArgs {
    namePrefix: string;
    /** Account and region: the bucket name carries both, as S3 names are global. */
    account: pulumi.Output<AccountContext>;
    /** Days CI logs are kept. */
    logDays: number;
    protect: boolean;
}

export interface ArtifactBucket {
    bucket: s3.Bucket;
    /** Bucket name, known at preview time. */
    name: pulumi.Output<string>;
}

export const artifactBucketName = (prefix: string, c: AccountContext): string =>
    `${prefix}-artifacts-${c.accountId}-${c.region}`;

/** Refuses every request that is not over TLS, including from principals the bucket's IAM policies allow. */
export function tlsOnlyPolicy(bucketArn: string): PolicyDocument {
    return policyDocument([
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    ]);
}

/** Only `logs/` expires; noncurrent versions of release records are kept `recordVersionDays` so overwrites can be undone. */
export function artifactLifecycleRules(logDays: number): s3.BucketLifecycleConfigurationArgs["rules"] {
    return [
        ...artifactRules(logDays).map((r) => ({
            id: `expire-${r.prefix.replace(/\/$/, "")}`,
            status: "Enabled",
            filter: { prefix: r.prefix },
            expiration: { days: r.expireDays },
            noncurrentVersionExpiration: { noncurrentDays: r.noncurrentDays },
        })),
        {
            id: "keep-record-versions",
            status: "Enabled",
            filter: { prefix: artifactPrefixes.releases },
            noncurrentVersionExpiration: { noncurrentDays: recordVersionDays },
        },
        {
            id: "abort-incomplete-uploads",
            status: "Enabled",
            // The whole bucket. An empty `filter: {}` means the same to S3, but the provider warns that one of
            // prefix, tag, and or object size is required and that this will become an error
            // (hashicorp/terraform-provider-aws#42714); the empty prefix is its documented whole-bucket form.
            filter: { prefix: "" },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
    ];
}

/**
 * The artifact bucket: logs, JUnit and release records. Every part of its configuration is a resource of its own
 * (v7 S3 API) and shares the bucket's protection: deleting `BucketVersioning` would suspend versioning on a bucket
 * that is kept.
 */
export function createArtifactBucket(name: string, args: ArtifactBucketArgs, opts: pulumi.CustomResourceOptions) {
    const keep = { ...opts, ...stateful(args.protect) };
    const bucketName = args.account.apply((c) => artifactBucketName(args.namePrefix, c));
    const bucket = new s3.Bucket(`${name}-artifacts`, { bucket: bucketName, forceDestroy: false }, keep);
    const b = keep;

    new s3.BucketOwnershipControls(
        `${name}-artifacts`,
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        b,
    );
    const publicAccess = new s3.BucketPublicAccessBlock(
        `${name}-artifacts`,
        {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        b,
    );
    new s3.BucketVersioning(
        `${name}-artifacts`,
        { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
        b,
    );
    new s3.BucketServerSideEncryptionConfiguration(
        `${name}-artifacts`,
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        b,
    );
    new s3.BucketLifecycleConfiguration(
        `${name}-artifacts`,
        { bucket: bucket.id, rules: artifactLifecycleRules(args.logDays) },
        b,
    );
    new s3.BucketPolicy(
        `${name}-artifacts`,
        {
            bucket: bucket.id,
            policy: pulumi
                .all([args.account, bucketName])
                .apply(([c, n]) => JSON.stringify(tlsOnlyPolicy(s3BucketArn(c, n)))),
        },
        // S3 rejects concurrent bucket-policy and public-access-block changes.
        { ...b, dependsOn: [publicAccess] },
    );
    return { bucket, name: bucketName };
}
