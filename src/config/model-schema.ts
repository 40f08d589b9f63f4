/**
 * The schemas of the structured values (streams with their components and upgrade gate, and e2e gates): each
 * validates stack configuration into exactly one type of the domain model (components/shared/model.ts), with the
 * model's defaults filled in; `ModelChecks` fails to compile when a schema and its type drift apart.
 */
import * as z from "zod";

import {
    type Component,
    type Gate,
    type Stream,
    type StreamSchedules,
    type StreamThrottle,
    type UpgradeGate,
    cloudPlatforms,
    fcosStreams,
    upgradeSources,
    variants,
} from "../../components/shared/model";
import { defaultComponents, defaultNodeImages, defaultVariant, variantIssues } from "../../components/shared/variants";
import {
    buildArgName,
    count,
    cronSchedule,
    dnsLabel,
    domainName,
    gcpProjectId,
    gitBranch,
    githubRepo,
    pattern,
    pullSpec,
    quoteHint,
    repoPath,
    strictObject,
} from "./formats";

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
     * With `promote`: `scheduled`, the release CronJob (`schedules.release`) promotes the newest accepted nightly with
     * no person involved; `manual`, no release CronJob: an operator starts the release run by hand
     * (`out/<stack>/runs/okd-release-<minor>.yaml`). The gates are no security control (docs/security.md).
     */
    promotion: z.enum(["scheduled", "manual"], { error: "expected scheduled or manual" }).default("scheduled"),
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
        if (s.promotion === "manual" && !s.promote) {
            ctx.addIssue({
                code: "custom",
                path: ["promotion"],
                message:
                    "manual needs promote: true (a stream that does not promote has no release Pipeline to start by hand)",
            });
        }
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
