/**
 * The domain model every component stands on: where a site runs, the release streams it builds, the components each
 * stream rebuilds and the e2e gates a payload must pass. Plain types, with no dependency on how a stack is
 * configured: the program's configuration schemas (src/config/model-schema.ts) validate stack configuration into exactly
 * these types, and a compile-time check there fails when a schema and its type drift apart.
 */

/** Where a build cluster runs: a cloud site, or `local` (an existing cluster such as kind). */
export const platforms = ["aws", "gcp", "azure", "local"] as const;
export type Platform = (typeof platforms)[number];

/** The platforms with a cloud account behind them: sites that create their cluster, and e2e gates. */
export const cloudPlatforms = ["aws", "gcp", "azure"] as const;
export type CloudPlatform = (typeof cloudPlatforms)[number];

/** Site layouts: `small` idles at the lowest cost the platform allows (see each platform page). */
export const siteProfiles = ["standard", "small"] as const;
export type SiteProfile = (typeof siteProfiles)[number];

/**
 * The OKD variants: `okd` is OKD on Fedora CoreOS (4.12–4.15), `scos` OKD on CentOS Stream CoreOS (4.12 and later);
 * components/shared/variants.ts says what each is, minor by minor.
 */
export const variants = ["okd", "scos"] as const;
export type Variant = (typeof variants)[number];

/** Fedora CoreOS streams an `okd` stream's machine-os can be layered on. */
export const fcosStreams = ["stable", "testing", "next", "testing-devel", "next-devel"] as const;
export type FcosStream = (typeof fcosStreams)[number];

/** Which earlier release an upgrade gate installs: see `UpgradeGate.from`. */
export const upgradeSources = ["promoted", "accepted"] as const;
export type UpgradeSource = (typeof upgradeSources)[number];

/** One image OKD builds itself instead of taking it from the base payload. */
export interface Component {
    /** Payload tag the image replaces, e.g. `installer`. */
    name: string;
    /** GitHub repository, `org/name`. */
    repository: string;
    /** Containerfile path inside the repository. */
    dockerfile: string;
    /** Build context inside the repository; `.` is the repository root. */
    context: string;
    /** Extra `--build-arg`s; `TAGS` is set from the stream variant (fcos or scos) unless given here. */
    buildArgs: Record<string, string>;
    /** Branch of this repository, when it is not the stream's (development branches differ between repositories). */
    branch?: string;
    /**
     * What the final stage builds on, as ci-operator's `from:` (which replaces the image of the last FROM): `base`
     * (the stream's OKD base image) or a payload tag (this run's image of it, else the base payload's). Unset: the
     * Containerfile's own FROM lines, with OpenShift CI images substituted.
     */
    from?: string;
}

/**
 * An upgrade gate: install the earlier release `from` names on the cloud of a configured gate and upgrade it to the
 * nightly with `openshift-tests run-upgrade`.
 */
export interface UpgradeGate {
    /** The gate (`aws`, `gcp` or `azure`) whose cloud, zone and credentials it uses. */
    gate: CloudPlatform;
    /** A failing blocking upgrade gate rejects the payload; an optional one is recorded and shown only. */
    blocking: boolean;
    /**
     * `promoted`: the newest promoted release of the stream, else the previous minor's newest promoted one, both
     * upgrade edges the payload records (`--previous`). `accepted`: the newest accepted nightly of the stream (else as
     * `promoted`), added to the payload's upgrade edges. With neither, the gate reports `skipped`.
     */
    from: UpgradeSource;
    /** `openshift-tests run-upgrade --options`, e.g. `abort-at=random`; empty for none. */
    options: string;
}

/** When a stream's pipelines run (UTC cron schedules as Kubernetes CronJobs take them). */
export interface StreamSchedules {
    /** When the nightly pipeline runs. */
    nightly: string;
    /** When the promotion pipeline may run; see `releaseEveryWeeks`. */
    release: string;
    /**
     * Promote on every Nth week `release` fires (weeks counted from the Unix epoch's first Monday, so the cadence
     * never skips at a year boundary); 2 = every two weeks.
     */
    releaseEveryWeeks: number;
}

/**
 * How pushes start a stream's nightly: a push is recorded, and the dispatcher starts one nightly for all pushes
 * recorded since, once `minIntervalMinutes` have passed since the stream's last nightly started and fewer than
 * `maxUnfinished` nightlies of the stream are unfinished.
 */
export interface StreamThrottle {
    /** Minutes from the start of the stream's last nightly (any trigger) before a push starts another. */
    minIntervalMinutes: number;
    /** A push starts no nightly while this many of the stream's nightlies are unfinished. */
    maxUnfinished: number;
}

/**
 * A release stream: one OKD minor, built nightly from a branch, gated and (optionally) promoted. `fcosStream` is set
 * exactly on `okd` streams, `nodeImage` exactly on `scos` streams.
 */
export interface Stream {
    /** Minor version, e.g. `4.22`; names the stream and its payloads (`4.22.0-0.okd-scos-…`, `4.15.0-0.okd-…`). */
    minor: string;
    /** Branch of the component repositories the stream builds, e.g. `release-4.22`. */
    branch: string;
    /** `okd` (Fedora CoreOS node OS) or `scos` (CentOS Stream CoreOS). */
    variant: Variant;
    /** okd only: the Fedora CoreOS stream machine-os is layered on. */
    fcosStream?: FcosStream;
    /** scos only: the CentOS Stream CoreOS node image the payload carries (`stream-coreos`), by tag or digest. */
    nodeImage?: string;
    /** scos only: its extensions image (`stream-coreos-extensions`), where the minor's payload has one. */
    nodeExtensionsImage?: string;
    /** Release payload the stream starts from; rebuilt components override its images. */
    basePayload: string;
    /** Images rebuilt for OKD. */
    components: Component[];
    /** When the stream's nightlies and releases are started. */
    schedules: StreamSchedules;
    /** Promote accepted nightlies of this stream and mirror them to the mirror repositories. */
    promote: boolean;
    /**
     * With `promote`: `scheduled`, the release CronJob promotes the newest accepted nightly with no person involved;
     * `manual`, no release CronJob: an operator starts the release run by hand.
     */
    promotion: "scheduled" | "manual";
    /** How pushes start nightlies: the minimum interval between them and the most left unfinished. */
    throttle: StreamThrottle;
    /** The stream's upgrade gate; unset: none. */
    upgradeGate?: UpgradeGate;
}

/** An e2e gate on one cloud: where its clusters are installed and whether a failure rejects the payload. */
export interface Gate {
    /** A failing blocking gate rejects the payload; an optional gate is recorded only. */
    blocking: boolean;
    /** Base domain of e2e clusters; the stack creates (or references) its public DNS zone. */
    baseDomain: string;
    /** Region or location e2e clusters are installed in. */
    region: string;
    /**
     * Existing public zone to use instead of creating one (Route 53 zone id, Cloud DNS zone name, Azure DNS zone
     * resource id).
     */
    existingZone?: string;
    /** GCP gate only: project e2e clusters are installed in (default: the site's project). */
    project?: string;
    /** AWS gate only: the 12-digit id of the separate AWS account e2e clusters are installed in. */
    account?: string;
    /** Azure gate only: the id of the separate subscription e2e clusters are installed in. */
    subscription?: string;
    /** The gate installs in the site's own account, project or subscription, said explicitly. */
    sharedWithSite?: boolean;
}
