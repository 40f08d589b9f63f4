/**
 * What expires and what never does, written once for every cloud.
 *
 * Registries: images in the expiring repositories (nightly payloads, machine-os and component builds) go after
 * `nightlyDays`, untagged images after `untaggedDays`; the newest `keepPayloads` payloads stay whatever their age, and
 * a payload's content never expires while a kept payload uses it (each platform's registry module says how its rules
 * express this). The durable repositories (promoted releases and their content) carry no expiry rule at all, so no
 * lifecycle rule can ever remove a promoted release.
 *
 * Artifact storage: CI logs and JUnit files under `logs/` go after `logDays`; release records under `releases/`
 * never expire; the promoted state under `promoted/` never expires and no rule removes any version of it.
 */
export interface RegistryRetention {
    /** Days tagged images in expiring repositories are kept. */
    taggedDays: number;
    /** Days untagged images are kept (every repository). */
    untaggedDays: number;
    /** Nightly payloads kept whatever their age, over all streams. */
    keepPayloads: number;
}

export const artifactPrefixes = {
    /** Per-run logs, JUnit and installer output: expire after `logDays`. */
    logs: "logs/",
    /** Per-payload records and per-stream indexes: never expire. */
    releases: "releases/",
    /** Promotions and published-name claims (the promotion identity's only): never expire, nor their old versions. */
    promoted: "promoted/",
} as const;

export interface ArtifactRule {
    /** Object key prefix the rule applies to. */
    prefix: string;
    /** Days after which objects are deleted. */
    expireDays: number;
    /** Days after which noncurrent versions are deleted (versioned storage). */
    noncurrentDays: number;
}

/** Lifecycle of the artifact bucket: only logs expire. */
export function artifactRules(logDays: number): ArtifactRule[] {
    return [{ prefix: artifactPrefixes.logs, expireDays: logDays, noncurrentDays: Math.min(logDays, 7) }];
}

/**
 * Noncurrent versions of release records (and of the other prefixes that do not expire) are kept this long, so an
 * overwrite can be undone. Those of `promoted/` are kept for good.
 */
export const recordVersionDays = 365;

/** Prefixes whose noncurrent versions expire after `recordVersionDays`: all but the logs (their own rule) and promoted/. */
export const versionExpiringPrefixes = ["releases/", "notes/", "status/", "clusters/"] as const;
