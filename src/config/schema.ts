import { closest, distance } from "fastest-levenshtein";
import ipaddr from "ipaddr.js";
import { z } from "zod";

import {
    type CloudPlatform,
    type Component,
    type Gate,
    type Platform,
    type Stream,
    type StreamSchedules,
    type StreamThrottle,
    type UpgradeGate,
    cloudPlatforms,
    fcosStreams,
    platforms,
    siteProfiles,
    upgradeSources,
    variants,
} from "../../components/shared/model";
import { tektonReleaseSite } from "../../components/tekton/versions";
import { parseCronJobSchedule } from "./cron";
import { kubernetesSupport, supportedMinors } from "../../components/shared/kubernetes";
import { regionsByPlatform } from "./regions";
import { defaultComponents, defaultNodeImages, defaultVariant, variantIssues } from "../../components/shared/variants";

/**
 * The single model of okd-ci's stack configuration.
 *
 * Every key is declared once here with its schema, its default and its description. `Pulumi.yaml`'s `config:` block
 * and the README's config reference are generated from this table (`npm run gen:config`), and a test fails when they
 * drift. Keys are flat where Pulumi's project config schema can type them (string, integer, boolean, array of
 * strings); lists of records (`streams`) and maps (`tags`, `gates`) are structured values.
 *
 * What the values mean to the components is the domain model (components/shared/model.ts): each record schema here
 * validates into exactly one of its types (`ModelChecks` below fails to compile when they drift apart).
 */

export {
    type CloudPlatform,
    type Component,
    type Gate,
    type Platform,
    type SiteProfile,
    type Stream,
    type UpgradeGate,
    cloudPlatforms,
    fcosStreams,
    platforms,
    siteProfiles,
    upgradeSources,
    variants,
} from "../../components/shared/model";

/**
 * Keys (or values) that each site has to implement, and the platforms whose site does. A key set on a platform not
 * listed is refused, so a stack never believes it got something its site ignores. A platform joins a list when its
 * site honours the key.
 */
export const platformSupport = {
    adminPrincipals: ["aws"],
    controlPlaneCidrs: ["aws", "gcp", "azure"],
    webhookHostname: ["aws", "gcp"],
    webhookDnsZone: ["aws", "gcp"],
    webhookSourceRanges: ["aws", "gcp", "azure"],
    "profile: small": ["aws", "gcp", "azure"],
} as const satisfies Record<string, readonly Platform[]>;

const dnsLabel = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const domainName = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/**
 * A branch `git check-ref-format --branch` accepts (https://git-scm.com/docs/git-check-ref-format: no `..`, no
 * component starting with `.` or ending with `.lock`, no `//`, no trailing `/` or `.`, no leading `-`, not `@` or
 * `HEAD`), in
 * letters, digits and `._/-` only: the push filter puts it in a CEL string ('refs/heads/<branch>') and
 * fire-trigger.sh in a JSON body, where a quote or backslash would break out. test/config/git.test.ts checks it
 * against the real git.
 */
const gitBranch =
    /^(?!-)(?!@$)(?!HEAD$)(?!.*\.\.)(?!.*\/\/)(?!.*(^|\/)\.)(?!.*\.lock(\/|$))(?!.*[/.]$)[A-Za-z0-9._/-]{1,200}$/;
/**
 * A GitHub repository `owner/name`: owner 1-39 letters, digits and single inner hyphens; name 1-100 letters,
 * digits and `._-`, not `.`/`..`, without the `.git` a clone URL adds (GitHub's username and repository name rules).
 */
const githubRepo = /^(?=[^/]{1,39}\/)[A-Za-z0-9](-?[A-Za-z0-9])*\/(?!\.{1,2}$)(?!.*\.git$)[A-Za-z0-9._-]{1,100}$/;
/**
 * Docker references as distribution/reference (regexp.go) defines them, with an explicit registry domain (a
 * first component with `.` or `:`, or `localhost`, as splitDockerDomain decides): oc and skopeo read them.
 */
const refDomain =
    "(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?";
const refPath = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const refName = `(?=[^/]*[.:]|localhost[:/])${refDomain}(?:/${refPath})+`;
/** A registry repository without tag or digest, e.g. `quay.io/openshift/okd`. */
const repository = new RegExp(`^(?=.{1,255}$)${refName}$`);
/** An image pull spec with a tag or a digest, e.g. `quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116`. */
const pullSpec = new RegExp(`^${refName}(?::[\\w][\\w.-]{0,127}(?:@sha256:[a-f0-9]{64})?|@sha256:[a-f0-9]{64})$`);
/** A relative path inside a repository: no leading `/`, no `..` segment, one line (build-image.sh joins it to the checkout). */
const repoPath = /^(?!\/)(?!(.*\/)?\.\.(\/|$))[^\n\r\0]{1,1024}$/;
/** A build arg name (build-image.sh splits KEY=VALUE at the first `=`; buildah exposes it to RUN as a variable). */
const buildArgName = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A GCP project id: 6-30 lower-case letters, digits and dashes, starting with a letter, not ending with a dash. */
const gcpProjectId = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** A DNS-1123 subdomain (Kubernetes object names such as StorageClasses): labels of [a-z0-9-], at most 253. */
const dnsSubdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** " (did you mean X?)" when a known name is close to what was written. */
export function didYouMean(given: string, known: readonly string[]): string {
    if (known.length === 0) return "";
    const best = closest(given, [...known]);
    const d = distance(given.toLowerCase(), best.toLowerCase());
    return d <= Math.max(2, Math.floor(given.length / 3)) ? ` (did you mean ${best}?)` : "";
}

/**
 * YAML reads an unquoted `4.20` as the number 4.2 and `1.30` as 1.3; the hint to quote it, for keys that hold
 * versions.
 */
export function quoteHint(value: unknown, example: (text: string) => string): string {
    const text = String(value);
    // A number is always a sign; a string only when it may have lost a trailing zero (1.3 from 1.30).
    if (!(typeof value === "number" ? /^\d+\.\d+$/ : /^\d+\.\d$/).test(text)) return "";
    const alt = /^\d+\.\d$/.test(text) ? ` (or ${text}0, which YAML reads as ${text})` : "";
    return `; YAML reads an unquoted version as a number, so quote it: ${example(`"${text}"`)}${alt}`;
}

/**
 * A Kubernetes CronJob schedule (UTC): whatever the API server accepts on create, and nothing it refuses
 * (src/config/cron.ts, checked against robfig/cron/v3, the parser Kubernetes uses).
 */
export const cronSchedule = z.string().superRefine((value, ctx) => {
    const parsed = parseCronJobSchedule(value);
    if ("error" in parsed) {
        ctx.addIssue({
            code: "custom",
            message: `is not a schedule Kubernetes accepts (${parsed.error}); expected five cron fields in UTC such as "0 5 * * 1", or @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>`,
        });
    }
});

const count = (min: number, max: number) =>
    z
        .number({ error: `expected a whole number from ${min} to ${max}` })
        .int({ error: `expected a whole number from ${min} to ${max}` })
        .min(min, { error: `expected a whole number from ${min} to ${max}` })
        .max(max, { error: `expected a whole number from ${min} to ${max}` });

const pattern = (re: RegExp, what: string) =>
    z.string({ error: `expected ${what}` }).regex(re, { error: `expected ${what}` });

/** An IPv4 or IPv6 CIDR block written as its network address (`203.0.113.0/24`, not `203.0.113.7/24`). */
export const cidrBlock = z
    .string({ error: "expected a CIDR block such as 203.0.113.0/24" })
    .superRefine((value, ctx) => {
        if (!ipaddr.isValidCIDR(value)) {
            ctx.addIssue({ code: "custom", message: "expected a CIDR block such as 203.0.113.0/24 or 2001:db8::/32" });
            return;
        }
        const [address, bits] = ipaddr.parseCIDR(value);
        const network = ipaddr.IPv4.isIPv4(address.toString())
            ? ipaddr.IPv4.networkAddressFromCIDR(value).toString()
            : ipaddr.IPv6.networkAddressFromCIDR(value).toString();
        if (network !== address.toString()) {
            ctx.addIssue({ code: "custom", message: `is not a network address; expected ${network}/${bits}` });
        }
    });
const cidrList = (what: string) =>
    z
        .array(cidrBlock, { error: `expected a list of CIDR blocks (${what})` })
        .max(100, { error: "expected at most 100 CIDR blocks" });

/**
 * An object that rejects unknown fields, naming them and the fields it allows (catches typos such as `brnach`).
 */
function strictObject<T extends z.ZodRawShape>(shape: T) {
    const known = Object.keys(shape);
    const allowed = known.join(", ");
    return z.strictObject(shape, {
        error: (issue) =>
            issue.code === "unrecognized_keys"
                ? `has unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.join(", ")}${issue.keys.length === 1 ? didYouMean(issue.keys[0], known) : ""}; expected only ${allowed}`
                : undefined,
    });
}

/** One image OKD builds itself instead of taking it from the base payload. */
export const componentSchema = strictObject({
    /** Payload tag the image replaces, e.g. `installer`. */
    name: pattern(dnsLabel, "a payload tag name (lower-case letters, digits and dashes)"),
    /** GitHub repository, `org/name`. */
    repository: pattern(githubRepo, "a GitHub repository as org/name"),
    /** Containerfile path inside the repository. */
    dockerfile: pattern(repoPath, "a relative path inside the repository (no leading /, no .., one line)"),
    /** Build context inside the repository. */
    context: pattern(repoPath, "a relative path inside the repository (no leading /, no .., one line)").default("."),
    /** Extra `--build-arg`s; `TAGS` is set from the stream variant (fcos or scos) and may be overridden here. */
    buildArgs: z
        .record(
            z.string(),
            z.string().regex(/^[^\n\r]*$/, {
                error: "expected one-line build arg values (build-image.sh reads one KEY=VALUE per line)",
            }),
        )
        .superRefine((args, ctx) => {
            for (const key of Object.keys(args).filter((k) => !buildArgName.test(k))) {
                ctx.addIssue({
                    code: "custom",
                    path: [key],
                    message:
                        "has a name buildah cannot take (build-image.sh splits KEY=VALUE at the first =); expected a letter or _ followed by letters, digits or _",
                });
            }
        })
        .default({}),
    /**
     * Branch of this repository, when it is not the stream's (development branches differ: openshift/installer and
     * the machine-config-operator have `main`, operator-framework/operator-marketplace `master`).
     */
    branch: pattern(
        gitBranch,
        'a git branch such as "main" or "release-4.22" (letters, digits, . _ / -, as git check-ref-format --branch accepts)',
    ).optional(),
    /**
     * What the final stage builds on, as ci-operator's `from:` (which replaces the image of the last FROM): `base`
     * (the stream's OKD base image) or a payload tag (this run's image of it, else the base payload's). Unset: the
     * Containerfile's own FROM lines, with OpenShift CI images substituted.
     */
    from: pattern(dnsLabel, 'a payload tag or "base"').optional(),
}) satisfies z.ZodType<Component>;

export const upgradeGateSchema = strictObject({
    /** The gate (`aws`, `gcp` or `azure`, configured under `gates`) whose cloud, zone and credentials it uses. */
    gate: z.enum(cloudPlatforms, { error: `expected one of ${cloudPlatforms.join(", ")}` }),
    /** A failing blocking upgrade gate rejects the payload; default optional (recorded and shown only). */
    blocking: z.boolean({ error: "expected true or false" }).default(false),
    /**
     * `promoted` (default): the newest promoted release of the stream, else the previous minor's newest promoted one,
     * both upgrade edges the payload records (`--previous`). `accepted`: the newest accepted nightly of the stream
     * (else as `promoted`), added to the payload's upgrade edges. With neither, the gate reports `skipped`.
     */
    from: z.enum(upgradeSources, { error: `expected one of ${upgradeSources.join(", ")}` }).default("promoted"),
    /** `openshift-tests run-upgrade --options`, e.g. `abort-at=random`; default none. */
    options: z
        .string()
        .regex(/^[A-Za-z0-9=,._-]*$/, { error: "expected openshift-tests upgrade options such as abort-at=random" })
        .default(""),
}) satisfies z.ZodType<UpgradeGate>;

export const streamFields = strictObject({
    /** Minor version, e.g. `4.22`; names the stream and its payloads (`4.22.0-0.okd-scos-…`, `4.15.0-0.okd-…`). */
    minor: z
        .string({ error: (i) => `expected a minor version such as "4.15"${quoteHint(i.input, (t) => `minor: ${t}`)}` })
        .regex(/^[45]\.(0|[1-9]\d?)$/, {
            error: 'expected a minor version such as "4.15" (4 or 5, a dot, a number without leading zero)',
        }),
    /** Branch of the component repositories the stream builds, e.g. `release-4.22` (every repository has it). */
    branch: pattern(
        gitBranch,
        'a git branch such as "master" or "release-4.15" (letters, digits, . _ / -, as git check-ref-format --branch accepts)',
    ),
    /**
     * `okd` (OKD on Fedora CoreOS, 4.12–4.15) or `scos` (OKD on CentOS Stream CoreOS, 4.12 and later); default: what
     * OKD shipped for the minor, `okd` up to 4.15 and `scos` from 4.16.
     */
    variant: z.enum(variants, { error: `expected one of ${variants.join(", ")}` }).optional(),
    /** okd only: Fedora CoreOS stream machine-os is layered on; default `stable`. */
    fcosStream: z.enum(fcosStreams, { error: `expected one of ${fcosStreams.join(", ")}` }).optional(),
    /**
     * scos only: the CentOS Stream CoreOS node image the payload carries (`stream-coreos`), by tag; resolved to its
     * digest at run time and recorded. Default per minor: `quay.io/okd/centos-stream-coreos-9:<minor>-x86_64` up to
     * 4.18, `registry.ci.openshift.org/origin/scos-<minor>:stream-coreos` from 4.19.
     */
    nodeImage: pattern(pullSpec, "an image pull spec with a tag or digest").optional(),
    /** scos only: its extensions image (`stream-coreos-extensions`); default alongside nodeImage. */
    nodeExtensionsImage: pattern(pullSpec, "an image pull spec with a tag or digest").optional(),
    /** Release payload the stream starts from; rebuilt components override its images. */
    basePayload: pattern(
        pullSpec,
        "an image pull spec with a tag or digest, e.g. quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
    ),
    /** Images rebuilt for OKD; default: the variant's list for the minor (see `defaultComponents` in variants.ts). */
    components: z
        .array(componentSchema)
        .min(1, {
            error: "expected at least one component: an empty list builds nothing (leave components out for OKD's default list)",
        })
        .optional(),
    schedules: strictObject({
        /** When the nightly pipeline runs (UTC). */
        nightly: cronSchedule.default("0 2 * * *"),
        /** When the promotion pipeline may run (UTC); see `releaseEveryWeeks`. */
        release: cronSchedule.default("0 5 * * 1"),
        /** Promote on every Nth week `release` fires (weeks counted from the Unix epoch's first Monday, so the cadence never skips at a year boundary); 2 = every two weeks. */
        releaseEveryWeeks: count(1, 8).default(2),
    }).default({ nightly: "0 2 * * *", release: "0 5 * * 1", releaseEveryWeeks: 2 }),
    /** Promote accepted nightlies of this stream and mirror them to `mirrorReleaseRepository`. */
    promote: z.boolean({ error: "expected true or false" }).default(false),
    /**
     * How pushes start this stream's nightly (docs/tekton.md, Throttling): a push is recorded, and the dispatcher
     * (on `nightlyDispatchSchedule`) starts one nightly for all pushes recorded since, building the pushed revisions,
     * once `minIntervalMinutes` have passed since the stream's last nightly started and fewer than `maxUnfinished`
     * nightlies of the stream are unfinished.
     */
    throttle: strictObject({
        /** Minutes from the start of the stream's last nightly (any trigger) before a push starts another. */
        minIntervalMinutes: count(0, 10080).default(240),
        /** A push starts no nightly while this many of the stream's nightlies are unfinished. */
        maxUnfinished: count(1, 10).default(1),
    }).default({ minIntervalMinutes: 240, maxUnfinished: 1 }),
    /**
     * An upgrade gate: install the earlier release `from` names on the cloud of `gates.<gate>` and upgrade it to the
     * nightly with `openshift-tests run-upgrade`. Unset: no upgrade gate.
     */
    upgradeGate: upgradeGateSchema.optional(),
});

/**
 * A release stream, with its variant's defaults filled in. Combinations no OKD release has (an FCOS stream above
 * 4.15, an SCOS stream below 4.12, FCOS settings on an SCOS stream) are rejected on the field, with the reason.
 */
export const streamSchema = streamFields
    .superRefine((s, ctx) => {
        for (const { field, message } of variantIssues(s)) ctx.addIssue({ code: "custom", path: [field], message });
    })
    .transform((s): Stream => {
        const variant = s.variant ?? defaultVariant(s.minor);
        const { fcosStream, nodeImage, nodeExtensionsImage, ...rest } = s;
        const out: Stream = { ...rest, variant, components: s.components ?? defaultComponents(variant, s.minor) };
        if (variant === "okd") {
            out.fcosStream = fcosStream ?? "stable";
        } else {
            const node = defaultNodeImages(s.minor);
            out.nodeImage = nodeImage ?? node.node;
            const extensions = nodeExtensionsImage ?? node.extensions;
            if (extensions !== undefined) out.nodeExtensionsImage = extensions;
        }
        return out;
    });

export const gateSchema = strictObject({
    /** A failing blocking gate rejects the payload; an optional gate is recorded only. */
    blocking: z.boolean({ error: "expected true or false" }).default(true),
    /** Base domain of e2e clusters; the stack creates (or references) its public DNS zone. */
    baseDomain: pattern(domainName, "a DNS domain such as ci.okd.example.org"),
    /** Region or location e2e clusters are installed in. */
    region: z.string(),
    /** Existing public zone to use instead of creating one (Route 53 zone id, Cloud DNS zone name, Azure DNS zone resource id). */
    existingZone: z.string().min(1).optional(),
    /** GCP gate only: project e2e clusters are installed in (defaults to `gcpProject`). */
    project: pattern(gcpProjectId, "a GCP project id (6-30 lower-case letters, digits, dashes)").optional(),
    /**
     * AWS gate only: the 12-digit id of the separate AWS account e2e clusters are installed in. The stack creates
     * nothing there: the installer's IAM user, its key (`gateCredentialsAws`) and the zone (`existingZone`) are made
     * in that account from the policy the stack outputs (docs/platforms/aws.md).
     */
    account: pattern(/^[0-9]{12}$/, "a 12-digit AWS account id").optional(),
    /**
     * Azure gate only: the id of the separate subscription e2e clusters are installed in (its service principal is
     * `gateCredentialsAzure`, its zone `existingZone`).
     */
    subscription: pattern(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        "an Azure subscription id (a lower-case GUID)",
    ).optional(),
    /**
     * The gate installs in the site's own account, project or subscription. The gate runs the payload's own
     * installer and tests with rights to create IAM identities there, so this must be said explicitly; without it a
     * gate on the site's cloud needs `account` (aws), a `project` other than `gcpProject` (gcp) or `subscription`
     * (azure).
     */
    sharedWithSite: z.boolean({ error: "expected true or false" }).optional(),
}) satisfies z.ZodType<Gate>;

/** Whether two types are assignable to each other. */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Whether two object types are the same: the same keys (so an optional field in one only counts), and assignable. */
type Same<A, B> = Mutual<keyof A, keyof B> extends true ? Mutual<A, B> : false;
type Expect<T extends true> = T;
/**
 * Compile-time checks that each record schema validates into exactly its model type, both ways (`satisfies` on the
 * schema checks one way only): a field added to, removed from or retyped in one and not the other fails to compile.
 * A stream's validated form is the transform's output, so its fields are checked too.
 */
export type ModelChecks = [
    Expect<Same<z.output<typeof componentSchema>, Component>>,
    Expect<Same<z.output<typeof upgradeGateSchema>, UpgradeGate>>,
    Expect<Same<z.output<typeof gateSchema>, Gate>>,
    Expect<Same<z.output<typeof streamSchema>, Stream>>,
    Expect<Same<Omit<z.output<typeof streamFields>, "variant" | "components">, Omit<Stream, "variant" | "components">>>,
    Expect<Same<z.output<typeof streamFields>["schedules"], StreamSchedules>>,
    Expect<Same<z.output<typeof streamFields>["throttle"], StreamThrottle>>,
];

/** How a key is declared in `Pulumi.yaml`. */
export interface KeySpec {
    schema: z.ZodType;
    description: string;
    /** Pulumi project config type; structured keys have none and are declared with a `value`. */
    pulumiType?: "string" | "integer" | "boolean" | "array";
    secret?: boolean;
    /** Shown in docs when the default depends on the platform. */
    defaultNote?: string;
}

export const keys = {
    platform: {
        schema: z.enum(platforms, { error: `expected one of ${platforms.join(", ")}` }),
        pulumiType: "string",
        description: "Where the build cluster runs: aws, gcp, azure, or local (an existing cluster such as kind).",
    },
    region: {
        schema: z.string().optional(),
        pulumiType: "string",
        description: "Cloud region (aws, gcp) or location (azure) of the site. Not used by local.",
    },
    gcpProject: {
        schema: pattern(gcpProjectId, "a GCP project id (6-30 lower-case letters, digits, dashes)").optional(),
        pulumiType: "string",
        description: "GCP project id of the site (gcp only).",
    },
    kubernetesVersion: {
        schema: z
            .string({
                error: (i) =>
                    `expected a Kubernetes minor such as "1.35"${quoteHint(i.input, (t) => `okd-ci:kubernetesVersion: ${t}`)}`,
            })
            .regex(/^1\.\d{1,2}$/, { error: 'expected a Kubernetes minor such as "1.35"' })
            .optional(),
        pulumiType: "string",
        description:
            "Kubernetes minor version of the build cluster; each platform accepts the minors in its standard support (components/shared/kubernetes.ts). Control plane, add-ons, nodes and the autoscaler follow it together.",
        defaultNote: (["aws", "gcp", "azure"] as const).map((p) => `${p} ${kubernetesSupport[p].default}`).join(", "),
    },
    profile: {
        schema: z.enum(siteProfiles, { error: `expected one of ${siteProfiles.join(", ")}` }).default("standard"),
        pulumiType: "string",
        description:
            "Site layout: standard, or small (one small system node, smaller disks, and on aws no NAT gateway, for a site that idles; see the platform page for what it trades).",
    },
    namePrefix: {
        schema: pattern(
            /^[a-z][a-z0-9-]{1,14}[a-z0-9]$/,
            "3-16 lower-case letters, digits and dashes, starting with a letter",
        ).default("okd"),
        pulumiType: "string",
        description: "Prefix of every cloud resource name.",
    },
    tags: {
        // What each cloud allows in keys and values is checked per platform (src/config/consumers.ts).
        schema: z
            .record(
                z.string().min(1).max(128, { error: "expected tag keys of 1-128 characters" }),
                z
                    .string({ error: "expected string tag values" })
                    .max(256, { error: "expected tag values of at most 256 characters" }),
            )
            .default({}),
        description: "Tags (AWS, Azure) or labels (GCP) added to every cloud resource, on top of the standard ones.",
    },
    protect: {
        schema: z.boolean({ error: "expected true or false" }).default(true),
        pulumiType: "boolean",
        description:
            "Protect resources that hold releases (release registries, artifact storage) from `pulumi destroy`, and retain them if they are ever removed from the program.",
    },
    systemInstanceType: {
        schema: z.string().min(1).optional(),
        pulumiType: "string",
        description: "Machine type of the system node pool.",
        defaultNote: "aws m6i.large (t3.medium with profile small), gcp e2-standard-2, azure Standard_D2s_v5",
    },
    systemNodes: {
        schema: count(1, 10).optional(),
        pulumiType: "integer",
        description: "Nodes in the system pool (Tekton controllers, triggers, registry add-ons).",
        defaultNote: "2; 1 with profile small",
    },
    buildInstanceTypes: {
        schema: z.array(z.string().min(1), { error: "expected a list of machine types" }).min(1).optional(),
        pulumiType: "array",
        description:
            "Machine types of the build pool, most preferred first; several types make spot capacity easier to find.",
        defaultNote: "aws m6i/m6a/m5/m7i.2xlarge, gcp n2-standard-8, azure Standard_D8s_v5",
    },
    buildSpot: {
        schema: z.boolean({ error: "expected true or false" }).default(true),
        pulumiType: "boolean",
        description: "Run the build pool on spot (preemptible) capacity.",
    },
    buildMinNodes: {
        schema: count(0, 100).default(0),
        pulumiType: "integer",
        description: "Minimum nodes in the build pool; 0 lets it scale to zero when idle.",
    },
    buildMaxNodes: {
        schema: count(1, 200).default(10),
        pulumiType: "integer",
        description: "Maximum nodes in the build pool.",
    },
    buildDiskGb: {
        schema: count(50, 2000).default(200),
        pulumiType: "integer",
        description: "Root disk of each build node in GiB (image layers and build caches).",
    },
    maxParallelBuilds: {
        // 256: Tekton's default-max-matrix-combinations-count (components/pipelines/runs.ts maxMatrixCombinations).
        schema: count(1, 256).optional(),
        pulumiType: "integer",
        description:
            "At most this many component builds of a nightly run at once (matrix batches run one after another). Unset, a nightly builds all its components in one fan-out and the build pool's autoscaler (buildMaxNodes) and the namespace quota pace them; set it when the cloud quota cannot hold that many build nodes.",
        defaultNote: "unset: all components at once (Tekton's matrix limit, 256 per batch)",
    },
    nightlyRetentionDays: {
        schema: count(1, 365).default(14),
        pulumiType: "integer",
        description:
            "Days nightly payloads and component images are kept in the site registry. Promoted releases are never expired.",
    },
    untaggedRetentionDays: {
        schema: count(1, 90).default(1),
        pulumiType: "integer",
        description: "Days untagged images are kept in the site registry.",
    },
    logRetentionDays: {
        schema: count(1, 3650).default(90),
        pulumiType: "integer",
        description: "Days CI logs and JUnit files are kept in artifact storage. Release records are never expired.",
    },
    streams: {
        schema: z
            .array(streamSchema, { error: "expected a list of release streams" })
            .default([])
            .superRefine((streams, ctx) => {
                const seen = new Map<string, number>();
                streams.forEach((s, i) => {
                    const first = seen.get(s.minor);
                    if (first !== undefined) {
                        ctx.addIssue({
                            code: "custom",
                            path: [i, "minor"],
                            message: `duplicates streams[${first}].minor; each minor version may have one stream`,
                        });
                    }
                    seen.set(s.minor, i);
                });
            }),
        description:
            "Release streams: for each OKD minor, its variant (okd: Fedora CoreOS up to 4.15; scos: CentOS Stream CoreOS, the default from 4.16), the branch it builds, its node OS source (fcosStream or nodeImage), the base payload, the components it rebuilds, its schedules, how pushes are throttled and whether it is promoted.",
    },
    mirrorReleaseRepository: {
        schema: pattern(repository, "a registry repository without tag, e.g. quay.io/openshift/okd").optional(),
        pulumiType: "string",
        description:
            "Where promoted release payloads are mirrored (quay.io release repository). Required when a stream promotes.",
    },
    mirrorContentRepository: {
        schema: pattern(repository, "a registry repository without tag, e.g. quay.io/openshift/okd-content").optional(),
        pulumiType: "string",
        description: "Where the component images of promoted releases are mirrored. Required when a stream promotes.",
    },
    mirrorCredentials: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "Push credentials for the mirror repositories, as a .dockerconfigjson document. Required when a stream promotes.",
    },
    gates: {
        schema: strictObject({
            aws: gateSchema.optional(),
            gcp: gateSchema.optional(),
            azure: gateSchema.optional(),
        }).default({}),
        description:
            "E2E gates by cloud (aws, gcp, azure): blocking or optional, the base domain, the region, an existing DNS zone, and the separate account (aws `account`), project (gcp `project`) or subscription (azure `subscription`) e2e clusters go to; `sharedWithSite: true` accepts installing in the site's own. Each gate's installer uses static credentials from gateCredentials<Cloud>.",
    },
    gateCredentialsAws: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "AWS credentials file (static access key of the gate's IAM user, no session token) for the aws gate's openshift-install.",
    },
    gateCredentialsGcp: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "GCP service account key (JSON) of the gate's installer account, for the gcp gate's openshift-install.",
    },
    gateCredentialsAzure: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "Azure service principal (osServicePrincipal.json) for the azure gate, on every platform: openshift-install cannot authenticate with workload identity.",
    },
    githubWebhookSecret: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description: "Shared secret GitHub signs webhook deliveries with; the EventListener rejects unsigned pushes.",
    },
    webhookHostname: {
        schema: pattern(domainName, "a DNS name such as hooks.okd.example.org").optional(),
        pulumiType: "string",
        description:
            "Public host name of the GitHub webhook (aws, gcp: needs webhookDnsZone; the site issues its TLS certificate and writes its DNS record). Unset: GitHub posts to the load balancer's own address over plain HTTP.",
    },
    webhookDnsZone: {
        schema: z.string().min(1).optional(),
        pulumiType: "string",
        description:
            "Existing public DNS zone that holds webhookHostname (aws: Route 53 hosted zone id; gcp: Cloud DNS managed zone name in gcpProject); the site writes the webhook's record and certificate validation there.",
    },
    webhookSourceRanges: {
        schema: cidrList(
            "the addresses GitHub delivers from, e.g. the hooks list of https://api.github.com/meta",
        ).optional(),
        pulumiType: "array",
        description:
            "CIDR blocks allowed to reach the GitHub webhook (e.g. the hooks ranges of https://api.github.com/meta); unset: any address, deliveries are still HMAC-signed.",
    },
    adminPrincipals: {
        schema: z.array(z.string().min(1), { error: "expected a list of principals" }).optional(),
        pulumiType: "array",
        description:
            "Principals granted cluster-admin on the build cluster besides the identity that runs `pulumi up` (aws: IAM role or user ARNs, e.g. the CI role).",
    },
    controlPlaneCidrs: {
        schema: cidrList("the addresses that run pulumi and kubectl").optional(),
        pulumiType: "array",
        description:
            "CIDR blocks allowed to reach the Kubernetes API endpoint (deployers, CI; gcp: GKE authorized networks); unset: any address, IAM authentication still applies.",
    },
    chainsSigningKey: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "local only: cosign private key Tekton Chains signs with (cosign.key); generated and kept in state when unset. The clouds sign with a KMS key the site creates.",
    },
    chainsSigningKeyPassword: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description: "local only: password of chainsSigningKey.",
    },
    chainsPublicKey: {
        schema: z
            .string()
            .regex(/-----BEGIN PUBLIC KEY-----/, "a PEM public key (-----BEGIN PUBLIC KEY-----), e.g. cosign.pub")
            .optional(),
        pulumiType: "string",
        description:
            "local only: PEM public key of chainsSigningKey (cosign.pub): promotion verifies each nightly's Tekton Chains attestation with it. Needed with chainsSigningKey when a stream promotes; a generated key needs none.",
    },
    tektonPruneKeep: {
        schema: count(1, 1000).default(50),
        pulumiType: "integer",
        description: "PipelineRuns (and their TaskRuns) kept per namespace by the pruner.",
    },
    tektonPruneSchedule: {
        schema: cronSchedule.default("0 4 * * *"),
        pulumiType: "string",
        description: "When old PipelineRuns and TaskRuns are pruned (UTC cron).",
    },
    nightlyDispatchSchedule: {
        schema: cronSchedule.default("*/10 * * * *"),
        pulumiType: "string",
        description:
            "When the dispatcher starts the nightly of each stream that has recorded pushes, within its throttle (UTC cron; streams[].throttle).",
    },
    reaperSchedule: {
        schema: cronSchedule.default("15 */6 * * *"),
        pulumiType: "string",
        description:
            "When the e2e cluster reaper runs (UTC cron; sites with gates): it destroys registered e2e clusters whose run is gone and that are older than reaperTtlHours, then re-renders the status site.",
    },
    reaperTtlHours: {
        schema: count(18, 720).default(24),
        pulumiType: "integer",
        description:
            "Hours after its registration before a leaked e2e cluster (its run gone) is destroyed; at least 18, since a nightly may run 17h30m.",
    },
    reaperDryRun: {
        schema: z.boolean({ error: "expected true or false" }).default(false),
        pulumiType: "boolean",
        description: "The e2e cluster reaper only logs what it would destroy.",
    },
    tektonManifestSource: {
        schema: z
            .string({ error: "expected an https:// URL or an absolute directory path" })
            .regex(/^(https:\/\/[^\s/]+(\/[^\s]*)?|\/[^\s]*)$/, {
                error: "expected an https:// URL or an absolute directory path, e.g. https://mirror.example.org/tekton-releases or /srv/tekton-releases",
            })
            .transform((v) => (v.length > 1 ? v.replace(/\/+$/, "") : v))
            .default(tektonReleaseSite),
        pulumiType: "string",
        description:
            "Where the Tekton release manifests are read from: the public release site, a mirror of it, or a local directory laid out the same way (`<project>/previous/<version>/release.yaml`, and `interceptors.yaml` for triggers), for air-gapped sites. The kubernetes provider reads them when it renders the install, so a directory must exist where the program runs.",
    },
    kubeconfig: {
        schema: z.string().min(1).optional(),
        pulumiType: "string",
        description:
            "local only: path to the kubeconfig of the existing cluster; default: $KUBECONFIG or ~/.kube/config.",
    },
    kubeContext: {
        schema: pattern(/^[A-Za-z0-9@._:/-]{1,253}$/, "a kubeconfig context name").optional(),
        pulumiType: "string",
        description: "local only: kubeconfig context; default: the current context (kind-kind in CI).",
    },
    objectStoreAccessKey: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description:
            "local only: access key id of the in-cluster object store, with objectStoreSecretKey; generated and kept in state when both are unset.",
    },
    objectStoreSecretKey: {
        schema: z.string().optional(),
        pulumiType: "string",
        secret: true,
        description: "local only: secret access key of the in-cluster object store, with objectStoreAccessKey.",
    },
    storageClass: {
        schema: pattern(
            dnsSubdomain,
            "a StorageClass name (a DNS-1123 subdomain: lower-case letters, digits, - and .)",
        ).optional(),
        pulumiType: "string",
        description:
            "local only: StorageClass of the in-cluster registry and object store volumes; default: the cluster default.",
    },
} satisfies Record<string, KeySpec>;

export type KeyName = keyof typeof keys;

/** The keys that hold secrets. Their values are never shown, logged or written. */
export type SecretKey = { [K in KeyName]: (typeof keys)[K] extends { secret: true } ? K : never }[KeyName];
export const secretKeys = (Object.keys(keys) as KeyName[]).filter(
    (k): k is SecretKey => (keys[k] as KeySpec).secret === true,
);

export const configSchema = z.object(
    Object.fromEntries(Object.entries(keys).map(([k, spec]) => [k, spec.schema])) as {
        [K in KeyName]: (typeof keys)[K]["schema"];
    },
);

export interface CrossKeyIssue {
    path: (string | number)[];
    message: string;
}

/**
 * Rules that involve more than one key. They run on every key that is valid on its own, so a stack with a type error
 * in one key still hears about a bad region in another: every problem is reported at once.
 */
export function crossKeyIssues(c: Partial<z.output<typeof configSchema>>): CrossKeyIssue[] {
    const issues: CrossKeyIssue[] = [];
    const issue = (path: (string | number)[], message: string) => issues.push({ path, message });
    if (c.platform !== undefined && c.platform !== "local") {
        const allowed = regionsByPlatform[c.platform];
        if (c.region === undefined) {
            issue(["region"], `is required on ${c.platform}; expected one of ${allowed.join(", ")}`);
        } else if (!allowed.includes(c.region)) {
            issue(["region"], `is not a region of ${c.platform}; expected one of ${allowed.join(", ")}`);
        }
    }
    if (c.platform === "gcp" && c.gcpProject === undefined) {
        issue(["gcpProject"], "is required on gcp; expected the id of the project the site is created in");
    }
    if (c.buildMaxNodes !== undefined && c.buildMinNodes !== undefined && c.buildMaxNodes < c.buildMinNodes) {
        issue(["buildMaxNodes"], `is below buildMinNodes (${c.buildMinNodes}); expected at least ${c.buildMinNodes}`);
    }
    for (const [cloud, gate] of Object.entries(c.gates ?? {}) as [CloudPlatform, Gate | undefined][]) {
        if (gate === undefined) continue;
        if (!regionsByPlatform[cloud].includes(gate.region)) {
            issue(
                ["gates", cloud, "region"],
                `is not a region of ${cloud}; expected one of ${regionsByPlatform[cloud].join(", ")}`,
            );
        }
        if (c.platform !== undefined && cloud !== c.platform && gate.existingZone === undefined) {
            issue(
                ["gates", cloud, "existingZone"],
                `is required because the site is on ${c.platform}: a ${cloud} gate's DNS zone must already exist; expected its ${cloud === "aws" ? "Route 53 zone id" : cloud === "gcp" ? "Cloud DNS managed zone name" : "Azure DNS zone resource id"}`,
            );
        }
        if (cloud === "gcp" && gate.project === undefined && c.gcpProject === undefined) {
            issue(["gates", "gcp", "project"], "is required when gcpProject is not set; expected a GCP project id");
        }
        issues.push(...gateTenancyIssues(cloud, gate, c));
    }
    (c.streams ?? []).forEach((stream, i) => {
        const upgrade = stream.upgradeGate;
        if (upgrade !== undefined && c.gates?.[upgrade.gate] === undefined) {
            const configured = Object.keys(c.gates ?? {}).filter((g) => c.gates?.[g as CloudPlatform] !== undefined);
            issue(
                ["streams", i, "upgradeGate", "gate"],
                `is ${upgrade.gate}, but gates.${upgrade.gate} is not configured; expected one of the configured gates (${configured.join(", ") || "none"})`,
            );
        }
    });
    issues.push(...platformIssues(c));
    return issues;
}

/** The key of a gate that names its own account, project or subscription, and what it holds. */
const tenancyKey = {
    aws: { key: "account", what: "the 12-digit id of a separate AWS account" },
    gcp: { key: "project", what: "the id of a separate GCP project" },
    azure: { key: "subscription", what: "the id of a separate Azure subscription" },
} as const;

/**
 * Where a gate's e2e clusters go. The gate runs the payload under test (its installer and its tests) with an identity
 * that can create IAM identities in its account, project or subscription; by default that must not be the site's,
 * which holds the registry, the artifacts and the pipeline identity. `sharedWithSite: true` accepts it explicitly.
 */
function gateTenancyIssues(
    cloud: CloudPlatform,
    gate: Gate,
    c: Partial<z.output<typeof configSchema>>,
): CrossKeyIssue[] {
    const issues: CrossKeyIssue[] = [];
    const { key, what } = tenancyKey[cloud];
    for (const other of cloudPlatforms) {
        const otherKey = tenancyKey[other].key;
        // A project on a non-gcp gate is src/config/consumers.ts's (rule gate-project); one message per mistake.
        if (other !== cloud && otherKey !== key && otherKey !== "project" && gate[otherKey] !== undefined) {
            issues.push({
                path: ["gates", cloud, otherKey],
                message: `applies only to the ${other} gate; a ${cloud} gate names its own ${tenancyKey[cloud].key}`,
            });
        }
    }
    if (c.platform !== cloud) {
        if (gate.sharedWithSite) {
            issues.push({
                path: ["gates", cloud, "sharedWithSite"],
                message: `is true, but the site is on ${c.platform ?? "another platform"}: a ${cloud} gate cannot share its account with it; remove it`,
            });
        }
        return issues;
    }
    // Without gcpProject the site's project is unknown; that key's own issue says so.
    if (cloud === "gcp" && c.gcpProject === undefined) return issues;
    const tenancy = cloud === "gcp" ? (gate.project ?? c.gcpProject) : gate[key];
    const shares = cloud === "gcp" ? tenancy === c.gcpProject : tenancy === undefined;
    if (shares && !gate.sharedWithSite) {
        const where =
            cloud === "gcp"
                ? gate.project === undefined
                    ? `is not set, so the gate would install in the site's project (${c.gcpProject})`
                    : "is the site's project"
                : `is not set, so the gate would install in the site's own ${cloud === "aws" ? "account" : "subscription"}`;
        issues.push({
            path: ["gates", cloud, key],
            message: `${where}: the gate runs the payload's installer and tests with rights to create IAM identities there; expected ${what}, or gates.${cloud}.sharedWithSite: true to accept sharing it`,
        });
    }
    if (!shares && gate.sharedWithSite) {
        issues.push({
            path: ["gates", cloud, "sharedWithSite"],
            message: `is true, but gates.${cloud}.${key} names a separate one; expected one or the other`,
        });
    }
    if (!shares && cloud !== "gcp" && gate.existingZone === undefined) {
        issues.push({
            path: ["gates", cloud, "existingZone"],
            message: `is required with gates.${cloud}.${key}: the stack creates nothing in the gate's ${cloud === "aws" ? "account" : "subscription"}, so its public zone must already exist there; expected its ${cloud === "aws" ? "Route 53 zone id" : "Azure DNS zone resource id"}`,
        });
    }
    if (cloud === "azure" && gate.subscription !== undefined && gate.existingZone !== undefined) {
        const zoneSubscription = /^\/subscriptions\/([^/]+)\//i.exec(gate.existingZone)?.[1]?.toLowerCase();
        if (zoneSubscription !== undefined && zoneSubscription !== gate.subscription) {
            issues.push({
                path: ["gates", "azure", "existingZone"],
                message: `is in subscription ${zoneSubscription}, not gates.azure.subscription (${gate.subscription}); openshift-install looks the zone up in its own subscription`,
            });
        }
    }
    return issues;
}

/** An IAM role or user ARN, as an EKS access entry takes it (a role ARN may carry a path). */
const iamPrincipalArn = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;
/** A Route 53 hosted zone id (`Z` and up to 32 upper-case letters and digits). */
const route53ZoneId = /^Z[A-Z0-9]{1,32}$/;
/** A Cloud DNS managed zone name (https://cloud.google.com/dns/docs/reference/rest/v1/managedZones: `name`). */
const cloudDnsZoneName = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Keys whose meaning depends on the platform: support by site, Kubernetes minors, each cloud's own formats. */
function platformIssues(c: Partial<z.output<typeof configSchema>>): CrossKeyIssue[] {
    const issues: CrossKeyIssue[] = [];
    const issue = (path: (string | number)[], message: string) => issues.push({ path, message });
    const platform = c.platform;
    if (platform === undefined) return issues;

    const set: Record<keyof typeof platformSupport, boolean> = {
        adminPrincipals: (c.adminPrincipals ?? []).length > 0,
        controlPlaneCidrs: (c.controlPlaneCidrs ?? []).length > 0,
        webhookHostname: c.webhookHostname !== undefined,
        webhookDnsZone: c.webhookDnsZone !== undefined,
        webhookSourceRanges: (c.webhookSourceRanges ?? []).length > 0,
        "profile: small": c.profile === "small",
    };
    for (const [key, platforms] of Object.entries(platformSupport) as [
        keyof typeof platformSupport,
        readonly Platform[],
    ][]) {
        if (!set[key] || platforms.includes(platform)) continue;
        const path = key === "profile: small" ? "profile" : key;
        issue(
            [path],
            `is not supported on ${platform} yet; the ${platforms.join(", ")} site${platforms.length === 1 ? "" : "s"} implement${platforms.length === 1 ? "s" : ""} it`,
        );
    }

    if (platform !== "local" && c.kubernetesVersion !== undefined) {
        const k = kubernetesSupport[platform];
        const allowed = supportedMinors(platform);
        if (!allowed.includes(c.kubernetesVersion)) {
            issue(
                ["kubernetesVersion"],
                `is not in ${k.service} standard support (checked ${k.checked}); expected one of ${allowed.join(", ")}${quoteHint(c.kubernetesVersion, (t) => `okd-ci:kubernetesVersion: ${t}`)}`,
            );
        }
    }

    if (platform === "aws") {
        const seen = new Set<string>();
        (c.adminPrincipals ?? []).forEach((arn, i) => {
            if (/^arn:aws[\w-]*:sts::\d{12}:assumed-role\//.test(arn)) {
                issue(
                    ["adminPrincipals", i],
                    "is an assumed-role session; expected the ARN of the role it came from (arn:aws:iam::<account>:role/<name>), as EKS access entries name roles",
                );
            } else if (!iamPrincipalArn.test(arn)) {
                issue(
                    ["adminPrincipals", i],
                    "expected an IAM role or user ARN such as arn:aws:iam::111122223333:role/okd-ci-deployer",
                );
            } else if (seen.has(arn)) {
                issue(["adminPrincipals", i], "is listed twice; EKS allows one access entry per principal");
            }
            seen.add(arn);
        });
        // An IPv4 cluster's public endpoint is reached over IPv4 only (EKS network requirements, "IP address family
        // usage by component"), so an IPv6 block would admit nobody.
        (c.controlPlaneCidrs ?? []).forEach((cidr, i) => {
            if (cidr.includes(":")) {
                issue(
                    ["controlPlaneCidrs", i],
                    "is IPv6; the EKS public endpoint of an IPv4 cluster is reached over IPv4 only; expected an IPv4 block",
                );
            }
        });
        // One security group rule per block; a security group takes 60 inbound rules unless the VPC quota
        // "Inbound or outbound rules per security group" is raised (docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html).
        if ((c.webhookSourceRanges ?? []).length > 60) {
            issue(
                ["webhookSourceRanges"],
                `has ${c.webhookSourceRanges?.length} blocks; the webhook load balancer's security group takes 60 inbound rules by default; expected at most 60, or summarise the ranges`,
            );
        }
        if (c.webhookHostname !== undefined && c.webhookDnsZone === undefined) {
            issue(
                ["webhookDnsZone"],
                "is required with webhookHostname on aws: the site validates the webhook's ACM certificate and writes its alias record in that Route 53 public hosted zone; expected its id such as Z0123456789ABCDEFGHIJ",
            );
        }
        if (c.webhookDnsZone !== undefined && c.webhookHostname === undefined) {
            issue(["webhookDnsZone"], "is set without webhookHostname; expected webhookHostname too, or neither");
        }
        if (c.webhookDnsZone !== undefined && !route53ZoneId.test(c.webhookDnsZone)) {
            issue(["webhookDnsZone"], "expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ");
        }
    }
    if (platform === "azure") {
        // AKS API server authorized IP ranges: public IPv4 only (the API server has an IPv4 address only, and the Azure
        // CLI refuses "IPv6 addresses" and non-"global" ranges, azure-cli acs/_validators.py validate_ip_ranges). AKS
        // takes up to 200 (https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges), above cidrList's 100.
        const cidrs = c.controlPlaneCidrs ?? [];
        cidrs.forEach((cidr, i) => {
            if (cidr.includes(":")) {
                issue(
                    ["controlPlaneCidrs", i],
                    "is IPv6; the AKS API server is reached over IPv4 only; expected an IPv4 block",
                );
            } else if (ipaddr.parseCIDR(cidr)[0].range() !== "unicast") {
                issue(
                    ["controlPlaneCidrs", i],
                    `is a ${ipaddr.parseCIDR(cidr)[0].range()} range; AKS authorizes public addresses only (the API server is public); expected a public IPv4 block`,
                );
            }
        });
    }
    if (platform === "gcp") {
        if (c.webhookHostname !== undefined && c.webhookDnsZone === undefined) {
            issue(
                ["webhookDnsZone"],
                "is required with webhookHostname on gcp: the site writes the webhook's A record, which its Google-managed certificate is validated through, in that Cloud DNS zone of gcpProject; expected the zone's name such as okd-example-org",
            );
        }
        if (c.webhookDnsZone !== undefined && c.webhookHostname === undefined) {
            issue(["webhookDnsZone"], "is set without webhookHostname; expected webhookHostname too, or neither");
        }
        if (c.webhookDnsZone !== undefined && !cloudDnsZoneName.test(c.webhookDnsZone)) {
            issue(
                ["webhookDnsZone"],
                "expected the name of a Cloud DNS managed zone (1-63 lower-case letters, digits and dashes, starting with a letter), not its DNS name",
            );
        }
    }
    return issues;
}

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
