import { Bucket, BucketIAMMember } from "@pulumi/gcp/storage";
import type * as pulumi from "@pulumi/pulumi";

import { physicalName, stateful } from "../shared/naming";
import { artifactRules, recordVersionDays, versionExpiringPrefixes } from "../shared/retention";

export interface ArtifactBucketArgs {
    project: string;
    region: string;
    namePrefix: string;
    protect: boolean;
    /** Days CI logs under `logs/` are kept. */
    logDays: number;
}

/**
 * Lifecycle of the artifact bucket: the shared rules (only `logs/` expires; its noncurrent versions soon after), and
 * noncurrent versions of the release records, notes, status site and cluster registrations kept `recordVersionDays`
 * so an overwrite can be undone; every version of the promoted state (`promoted/`) kept for good.
 */
export function artifactLifecycleRules(logDays: number) {
    const rules = artifactRules(logDays).flatMap((rule) => [
        {
            action: { type: "Delete" },
            // LIVE: on a versioned bucket this turns the object noncurrent; the next rule then removes it.
            condition: { age: rule.expireDays, matchesPrefixes: [rule.prefix], withState: "LIVE" },
        },
        {
            action: { type: "Delete" },
            condition: { daysSinceNoncurrentTime: rule.noncurrentDays, matchesPrefixes: [rule.prefix] },
        },
    ]);
    // Not promoted/: no rule removes any version of the promoted state (shared/retention.ts).
    return [
        ...rules,
        {
            action: { type: "Delete" },
            condition: { daysSinceNoncurrentTime: recordVersionDays, matchesPrefixes: [...versionExpiringPrefixes] },
        },
    ];
}

/**
 * Seconds GCS keeps a deleted object (or a deleted noncurrent generation) restorable: the most soft delete allows,
 * 90 days (cloud.google.com/storage/docs/soft-delete; the provider's `softDeletePolicy.retentionDurationSeconds`
 * accepts 604800 to 7776000). Versioning alone does not protect history here: the records and promote identities
 * hold `roles/storage.objectUser` (GCS needs `storage.objects.delete` to overwrite), which also deletes noncurrent
 * generations for good. Soft delete keeps what they delete, and what the lifecycle rules delete, for 90 more days.
 */
export const softDeleteRetentionSeconds = 90 * 24 * 3600;

/**
 * The artifact bucket: private, versioned, soft delete kept for 90 days, with the shared lifecycle; protected, as it
 * holds release records.
 */
export function createArtifactBucket(
    name: string,
    args: ArtifactBucketArgs,
    opts: pulumi.CustomResourceOptions,
): Bucket {
    return new Bucket(
        `${name}-artifacts`,
        {
            // Bucket names are global; the project id (itself globally unique) keeps ours from colliding.
            name: physicalName(args.namePrefix, ["artifacts", args.project]),
            project: args.project,
            location: args.region.toUpperCase(),
            storageClass: "STANDARD",
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            versioning: { enabled: true },
            softDeletePolicy: { retentionDurationSeconds: softDeleteRetentionSeconds },
            lifecycleRules: artifactLifecycleRules(args.logDays),
            // A non-empty bucket is never deleted with the stack, whatever `protect` says.
            forceDestroy: false,
        },
        { ...opts, ...stateful(args.protect) },
    );
}

/**
 * `roles/storage.objectUser` on the bucket only: create, read, list, overwrite and delete objects (overwriting an index
 * needs delete), and nothing on the bucket's IAM, settings or lifecycle.
 */
export function grantBucketWriter(
    name: string,
    bucket: Bucket,
    member: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): BucketIAMMember {
    return new BucketIAMMember(name, { bucket: bucket.name, role: "roles/storage.objectUser", member }, opts);
}
