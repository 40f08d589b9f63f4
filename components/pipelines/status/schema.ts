/**
 * The status page's facts as JSON (`status.json` at the site's root, `<minor>/status.json` per stream), and their
 * schema, published next to them as `schema.json` (JSON Schema draft 2020-12, generated from these definitions).
 * Paths to artifacts (`path` fields) are relative to the artifact bucket's root (`logs/4.15/<name>/aws/e2e.log`),
 * so a reader joins them to wherever it reads the bucket from. Times are RFC 3339 UTC.
 *
 * `schemaVersion` changes only when a field changes meaning or goes away; new optional fields keep it.
 */
import * as z from "zod/mini";

export const statusSchemaVersion = 1;

/** okd-project/okd-release-watcher pkg/report/report.go@3c1c6c0242cf (AcceptedStalenessLimit, BuiltStalenessLimit). */
export const stalenessRules = {
    acceptedHours: 48,
    builtHours: 72,
    source: "okd-project/okd-release-watcher pkg/report/report.go (AcceptedStalenessLimit 48h, BuiltStalenessLimit 72h)",
} as const;

/** RFC 3339 time, UTC. */
const time = z.string();

export const payloadRefSchema = z.object({
    name: z.string(),
    stream: z.string(),
    verdict: z.string(),
    promoted: z.boolean(),
    /** Once promoted, the name it was published under when not its own (OKD/SCOS: `4.Y.0-okd-scos.N`). */
    publishedName: z.optional(z.string()),
    /** When the payload was made: the time in its name (as the release-controller names payloads), else `created`. */
    time: time,
});
export type PayloadRef = z.infer<typeof payloadRefSchema>;

export const artifactSchema = z.object({
    /** From the bucket's root. */
    path: z.string(),
    /** `junit` (a JUnit XML file), `log`, or `other` (installer metadata, outcome files). */
    kind: z.enum(["junit", "log", "other"]),
});
export type Artifact = z.infer<typeof artifactSchema>;

export const gateSchema = z.object({
    gate: z.string(),
    /** `install` (install, then the conformance suite) or `upgrade`. */
    kind: z.string(),
    blocking: z.boolean(),
    /** `passed`, `failed`, or what the pipeline reported. */
    outcome: z.string(),
    passed: z.boolean(),
    /** Why it did not pass, in a sentence; empty when it passed. */
    why: z.string(),
    /** An upgrade gate's starting release. */
    from: z.optional(z.string()),
    artifacts: z.array(artifactSchema),
});
export type Gate = z.infer<typeof gateSchema>;

export const fallbackSchema = z.object({
    component: z.string(),
    reason: z.string(),
    image: z.optional(z.string()),
});

export const sourceSchema = z.object({
    /** The payload tag the image replaced. */
    component: z.string(),
    image: z.string(),
    source: z.optional(z.string()),
    commit: z.optional(z.string()),
});

export const componentChangeSchema = z.object({
    component: z.string(),
    /**
     * `updated` (built from another commit), `rebuilt` (same commit or none known, another image), `added` (rebuilt
     * now, taken from the base payload before), `removed` (taken from the base payload now), `kept-base` (its build
     * failed, so the payload kept the base payload's image: a fallback, `reason` says why), `built-again` (built now
     * after a fallback in the release before).
     */
    change: z.enum(["updated", "rebuilt", "added", "removed", "kept-base", "built-again"]),
    /** Why a `kept-base` component fell back, from the record's `fallbacks`. */
    reason: z.optional(z.string()),
    source: z.optional(z.string()),
    fromCommit: z.optional(z.string()),
    toCommit: z.optional(z.string()),
    fromImage: z.optional(z.string()),
    toImage: z.optional(z.string()),
    /** A web page comparing the two commits, when the source is on github.com. */
    compare: z.optional(z.string()),
});
export type ComponentChange = z.infer<typeof componentChangeSchema>;

export const commitSchema = z.object({
    subject: z.string(),
    url: z.optional(z.string()),
    id: z.optional(z.string()),
});

export const notesSchema = z.object({
    schemaVersion: z.literal(statusSchemaVersion),
    stream: z.string(),
    name: z.string(),
    /** Once promoted, the name it was published under when not its own (OKD/SCOS: `4.Y.0-okd-scos.N`). */
    publishedName: z.optional(z.string()),
    /** The previous promoted release (this stream's, else the previous minor's newest); null for the first. */
    from: z.nullable(z.object({ name: z.string(), stream: z.string(), publishedName: z.optional(z.string()) })),
    /** Pull specs of the two promoted copies oc compared (the site's durable repository), when known. */
    fromPullSpec: z.optional(z.string()),
    toPullSpec: z.optional(z.string()),
    basePayload: z.object({ from: z.optional(z.string()), to: z.optional(z.string()) }),
    components: z.array(componentChangeSchema),
    /** Merged pull requests per component, from `oc adm release info --changelog` when it ran. */
    commits: z.optional(z.record(z.string(), z.array(commitSchema))),
    /**
     * Per image group, the commits oc counted in the range but could not list as merged pull requests (squash or
     * rebase merges; oc's `elidedCommits`). oc lists an image with commits, elided ones, or both.
     */
    elidedCommits: z.optional(z.record(z.string(), z.int().check(z.positive()))),
    /** Why the commit lists are missing, when oc's changelog could not be made. */
    changelogError: z.optional(z.string()),
});
export type Notes = z.infer<typeof notesSchema>;

export const payloadSchema = z.object({
    name: z.string(),
    stream: z.string(),
    time: time,
    created: time,
    decided: z.optional(time),
    finished: z.optional(time),
    verdict: z.string(),
    /** Why the verdict is what it is, in a sentence. */
    why: z.string(),
    pullSpec: z.string(),
    digest: z.string(),
    basePayload: z.optional(z.string()),
    pipelineRun: z.optional(z.string()),
    pipelineStatus: z.optional(z.string()),
    promoted: z.boolean(),
    /** Once promoted, the name it was published under when not its own (OKD/SCOS: `4.Y.0-okd-scos.N`). */
    publishedName: z.optional(z.string()),
    promotion: z.optional(
        z.object({
            at: time,
            targets: z.array(
                z.object({
                    release: z.string(),
                    pullSpec: z.optional(z.string()),
                    digest: z.optional(z.string()),
                    copied: z.optional(z.boolean()),
                }),
            ),
        }),
    ),
    gates: z.array(gateSchema),
    fallbacks: z.array(fallbackSchema),
    sources: z.array(sourceSchema),
    /** Upgrade edges recorded in the payload (`oc adm release new --previous`): releases, by published name, that upgrade to it. */
    previous: z.array(z.string()),
    /** Where upload-logs.sh put the gate logs, as the record names it. */
    logs: z.optional(z.string()),
    /** Release notes: stored at promotion when present, else computed from the records. */
    notes: z.optional(notesSchema),
    notesStored: z.boolean(),
});
export type Payload = z.infer<typeof payloadSchema>;

export const stalenessSchema = z.object({
    stale: z.boolean(),
    /** The newest payload that counts (accepted; for `built`, any with a final verdict); null when there is none. */
    newest: z.nullable(payloadRefSchema),
    /** When the stream becomes (or became) stale unless a newer payload counts; null when it has none. */
    staleAt: z.nullable(time),
    limitHours: z.number(),
});

/** Pushes waiting for a nightly (throttle.ts), as the status render's starter last saw them in the cluster. */
export const pushesSchema = z.object({
    /** When they were seen. */
    observed: time,
    /** The pushes the dispatcher will build: repository, pushed commit, and since when each waits. */
    pending: z.array(z.object({ repository: z.string(), revision: z.string(), since: time })),
    /** Nightlies of the stream without a completion time. */
    unfinished: z.number(),
    /** When the stream's newest nightly (any trigger) started; null without any. */
    lastStarted: z.nullable(time),
    /** Since when the stream's scheduled nightly waits for the dispatcher (it builds every branch head); null: not due. */
    scheduled: z.nullable(time),
    /** When the dispatcher may next start a nightly for them; null when none waits or one waits for a run to end. */
    nextDispatch: z.nullable(time),
    /** What the dispatcher does next, in a sentence. */
    next: z.string(),
});

export const streamSchema = z.object({
    stream: z.string(),
    /** In the site's configuration (a stream with no record yet is listed, and stale). */
    configured: z.boolean(),
    variant: z.optional(z.string()),
    promotes: z.optional(z.boolean()),
    /** Configured gates, as the nightly runs them. */
    gates: z.optional(z.array(z.object({ gate: z.string(), blocking: z.boolean(), kind: z.string() }))),
    /** Creation throttling of the stream's nightlies, as configured, when the site sets any. */
    throttle: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
    /** Pushes waiting for a nightly, when the render was given the throttle's state (throttle.json). */
    pushes: z.optional(pushesSchema),
    latest: z.nullable(payloadRefSchema),
    latestAccepted: z.nullable(payloadRefSchema),
    latestPromoted: z.nullable(payloadRefSchema),
    staleness: z.object({ accepted: stalenessSchema, built: stalenessSchema }),
    counts: z.object({
        total: z.number(),
        shown: z.number(),
        accepted: z.number(),
        rejected: z.number(),
        unfinished: z.number(),
        pending: z.number(),
        promoted: z.number(),
    }),
    /** The newest payloads (up to the render's limit) and every promoted one, newest first. */
    payloads: z.array(payloadSchema),
    /** Upgrade edges among the payloads shown: `from` upgrades to `to` (a `previous` of `to`), by payload name. */
    graph: z.object({
        nodes: z.array(
            z.object({
                name: z.string(),
                stream: z.string(),
                verdict: z.string(),
                promoted: z.boolean(),
                publishedName: z.optional(z.string()),
                /** Its record is in the copy read (an edge may name a release of another minor). */
                known: z.boolean(),
            }),
        ),
        edges: z.array(z.object({ from: z.string(), to: z.string() })),
    }),
});
export type StreamStatus = z.infer<typeof streamSchema>;

export const statusSchema = z.object({
    schemaVersion: z.literal(statusSchemaVersion),
    /** When the page was rendered: staleness is as of this time. */
    generated: time,
    rules: z.object({ acceptedStaleHours: z.number(), builtStaleHours: z.number(), source: z.string() }),
    streams: z.array(streamSchema),
    /** Records or notes that could not be read. */
    problems: z.array(z.string()),
});
export type Status = z.infer<typeof statusSchema>;

/** The JSON Schema of `status.json`, published as `schema.json`. */
export function statusJsonSchema(): unknown {
    return {
        ...z.toJSONSchema(statusSchema, { target: "draft-2020-12" }),
        title: "okd-ci release status",
        description:
            "Release status of the OKD streams a site builds, from its release records (docs/status.md). status.json at the site's root; <minor>/status.json holds one element of streams with the same top-level fields.",
    };
}
