/**
 * Artifact Registry's cleanup policy semantics, as documented, to judge a set of policies against what the nightly
 * pipeline leaves in the repository. No emulator of Artifact Registry exists; this model follows the documentation
 * rule for rule (https://cloud.google.com/artifact-registry/docs/repositories/cleanup-policy,
 * https://cloud.google.com/artifact-registry/docs/repositories/cleanup-policy-overview):
 *
 * - policies act on versions (digests) of a package (a Docker image path inside the repository);
 * - `olderThan`/`newerThan` compare with the time the version was uploaded; a tag added to an existing version later
 *   (tonight's payload mirroring an unchanged image) does not change it;
 * - `tagState` TAGGED/UNTAGGED/ANY, and each prefix list matches when any prefix matches;
 * - `mostRecentVersions` keeps the `keepCount` most recently uploaded versions of each matching package;
 * - a version that a KEEP policy matches is kept, whatever DELETE policies match it; otherwise any matching DELETE
 *   policy deletes it, with every tag on it.
 */

export interface Version {
    /** Package: the image path inside the repository (`release`, `content`, …). */
    pkg: string;
    digest: string;
    /** Days since the version was first uploaded. */
    age: number;
    tags: string[];
}

export interface CleanupPolicy {
    id: string;
    action: string;
    condition?: {
        tagState?: string;
        tagPrefixes?: string[];
        versionNamePrefixes?: string[];
        packageNamePrefixes?: string[];
        olderThan?: string;
        newerThan?: string;
    };
    mostRecentVersions?: { packageNamePrefixes?: string[]; keepCount?: number };
}

const days = (duration: string): number => {
    const m = /^(\d+)s$/.exec(duration);
    if (m === null) throw new Error(`the model reads durations in seconds ("86400s"), not ${duration}`);
    return Number(m[1]) / 86400;
};

const anyPrefix = (prefixes: string[] | undefined, values: string[]): boolean =>
    prefixes === undefined || prefixes.length === 0 || values.some((v) => prefixes.some((p) => v.startsWith(p)));

function conditionMatches(c: NonNullable<CleanupPolicy["condition"]>, v: Version): boolean {
    const state = c.tagState ?? "ANY";
    if (state === "TAGGED" && v.tags.length === 0) return false;
    if (state === "UNTAGGED" && v.tags.length > 0) return false;
    if (c.tagPrefixes !== undefined && c.tagPrefixes.length > 0 && !anyPrefix(c.tagPrefixes, v.tags)) return false;
    if (!anyPrefix(c.versionNamePrefixes, [v.digest])) return false;
    if (!anyPrefix(c.packageNamePrefixes, [v.pkg])) return false;
    if (c.olderThan !== undefined && !(v.age > days(c.olderThan))) return false;
    if (c.newerThan !== undefined && !(v.age < days(c.newerThan))) return false;
    return true;
}

function keptByMostRecent(p: NonNullable<CleanupPolicy["mostRecentVersions"]>, v: Version, all: Version[]): boolean {
    if (!anyPrefix(p.packageNamePrefixes, [v.pkg])) return false;
    const newer = all.filter((o) => o.pkg === v.pkg && o.age < v.age).length;
    return newer < (p.keepCount ?? 0);
}

/** The versions the policies delete. */
export function deletedBy(policies: CleanupPolicy[], versions: Version[]): Version[] {
    return versions.filter((v) => {
        const kept = policies.some(
            (p) =>
                p.action === "KEEP" &&
                ((p.condition !== undefined && conditionMatches(p.condition, v)) ||
                    (p.mostRecentVersions !== undefined && keptByMostRecent(p.mostRecentVersions, v, versions))),
        );
        if (kept) return false;
        return policies.some(
            (p) => p.action === "DELETE" && p.condition !== undefined && conditionMatches(p.condition, v),
        );
    });
}
