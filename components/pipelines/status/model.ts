/**
 * From the records to the page's facts (`Status`, schema.ts): per stream the latest accepted and promoted payloads,
 * staleness by the okd-release-watcher rules, every shown payload with its gates and why, upgrade edges, and notes.
 */
import { notesFromRecords, previousPromoted } from "./notes";
import { type GateRecord, type RecordTree, type ReleaseRecord, isPromoted, publishedName } from "./records";
import { type ThrottleState, pushesOf } from "./throttle";
import {
    type Artifact,
    type Gate,
    type Notes,
    type Payload,
    type PayloadRef,
    type Status,
    type StreamStatus,
    notesSchema,
    stalenessRules,
    statusSchemaVersion,
} from "./schema";

/** A stream as the site configures it (the publish step passes them; the CLI reads them with --streams). */
export interface StreamConfig {
    minor: string;
    variant?: string;
    promote?: boolean;
    gates?: { gate: string; blocking: boolean; kind?: string }[];
    throttle?: Record<string, string | number | boolean>;
}

export interface BuildOptions {
    now: Date;
    /** Payloads shown per stream: the newest this many, plus every promoted one. */
    limit: number;
    streams?: StreamConfig[];
    /** What the status render's starter saw of the push records and nightlies (throttle.ts). */
    throttle?: ThrottleState;
}

const hour = 3600_000;

/** okd-release-watcher's ParseTagTimestamp: the `YYYY-MM-DD-HHMMSS` the release-controller ends payload names with. */
export function nameTime(name: string): Date | undefined {
    const m = /(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(name);
    if (!m) return undefined;
    const t = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
    return Number.isNaN(t.getTime()) ? undefined : t;
}

/** When a payload was made: the time in its name, else its record's `created`. */
export function payloadTime(r: ReleaseRecord): Date {
    return nameTime(r.name) ?? new Date(r.created);
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** Newest first: by time, then by name. */
function newestFirst(a: ReleaseRecord, b: ReleaseRecord): number {
    const d = payloadTime(b).getTime() - payloadTime(a).getTime();
    return d !== 0 ? d : b.name < a.name ? -1 : b.name > a.name ? 1 : 0;
}

export function refOf(r: ReleaseRecord): PayloadRef {
    return {
        name: r.name,
        stream: r.stream,
        verdict: r.verdict,
        promoted: isPromoted(r),
        ...(publishedName(r) ? { publishedName: publishedName(r) } : {}),
        time: iso(payloadTime(r)),
    };
}

/** The minor a payload name belongs to, `4.14.0-0.okd-…` → `4.14`. */
export function streamOfName(name: string): string {
    const m = /^(\d+)\.(\d+)\./.exec(name);
    return m ? `${m[1]}.${m[2]}` : "";
}

/** Final verdicts: the watcher's terminal phases (Accepted, Rejected, Failed; ours: unfinished). */
const finalVerdicts = new Set(["accepted", "rejected", "unfinished"]);

function staleness(newest: ReleaseRecord | undefined, limitHours: number, now: Date) {
    if (newest === undefined) return { stale: true, newest: null, staleAt: null, limitHours };
    const staleAt = new Date(payloadTime(newest).getTime() + limitHours * hour);
    // The watcher: stale when the newest is older than the limit (age > limit).
    return { stale: now.getTime() > staleAt.getTime(), newest: refOf(newest), staleAt: iso(staleAt), limitHours };
}

function artifactKind(file: string): Artifact["kind"] {
    // Any XML file with junit in its path: under a junit/ directory (openshift-tests) or named so.
    if (/junit.*\.xml$/.test(file)) return "junit";
    if (file.endsWith(".log")) return "log";
    return "other";
}

const skippedWhy = "skipped (no earlier release)";

/** Why a gate did not pass, from its record and, for installs, the `install-outcome` upload-logs.sh kept. */
function gateWhy(g: GateRecord, outcomeFile: string | undefined): string {
    if (g.outcome === "passed") return "";
    // verdict.sh: an upgrade gate with no earlier release tested nothing; it neither passes nor fails.
    if (g.outcome === "skipped" && g.kind === "upgrade") return skippedWhy;
    if (g.reason) return g.reason;
    if (g.outcome !== "failed") return `the gate reported "${g.outcome}", which is not a pass`;
    if (g.kind === "upgrade") return g.from ? `the upgrade from ${g.from} failed` : "the upgrade failed";
    if (outcomeFile === "failed") return "the cluster did not install";
    if (outcomeFile === "passed") return "the cluster installed; the conformance suite failed";
    return "failed (no install outcome was uploaded)";
}

function gatesOf(r: ReleaseRecord, tree: RecordTree): Gate[] {
    return r.gates.map((g) => {
        const dir = `logs/${r.stream}/${r.name}/${g.gate}/`;
        const artifacts = tree.logFiles
            .filter((f) => f.startsWith(dir) && !f.endsWith("/install-outcome"))
            .map((f) => ({ path: f, kind: artifactKind(f) }));
        return {
            gate: g.gate,
            kind: g.kind ?? "install",
            blocking: g.blocking,
            outcome: g.outcome,
            passed: g.outcome === "passed",
            why: gateWhy(g, tree.installOutcomes.get(`${dir}install-outcome`)),
            ...(g.from ? { from: g.from } : {}),
            artifacts,
        };
    });
}

function verdictWhy(r: ReleaseRecord, gates: Gate[]): string {
    const names = (gs: Gate[]) => gs.map((g) => g.gate).join(", ");
    // An upgrade gate's `skipped` (no earlier release) is neither a pass nor a failure (verdict.sh).
    const skipped = (g: Gate) => g.kind === "upgrade" && g.outcome === "skipped";
    const failedBlocking = gates.filter((g) => g.blocking && !g.passed && !skipped(g));
    const failedOptional = gates.filter((g) => !g.blocking && !g.passed && !skipped(g));
    const skippedText = gates.some(skipped) ? `; ${names(gates.filter(skipped))} ${skippedWhy}` : "";
    switch (r.verdict) {
        case "accepted":
            if (gates.filter((g) => g.blocking).length === 0) {
                return `accepted: no blocking gate is configured${skippedText}`;
            }
            return failedOptional.length > 0
                ? `accepted: every blocking gate passed; optional ${names(failedOptional)} failed${skippedText}`
                : `accepted: every blocking gate passed${skippedText}`;
        case "rejected":
            return failedBlocking.length > 0
                ? `rejected: blocking ${failedBlocking.length === 1 ? "gate" : "gates"} ${names(failedBlocking)} failed${skippedText}`
                : `rejected${skippedText}`;
        case "unfinished":
            return `unfinished: the run ended${r.pipelineStatus ? ` (${r.pipelineStatus})` : ""} before a verdict; never promoted`;
        case "pending":
            return "pending: the run is still gating it";
        default:
            return `verdict "${r.verdict}" is not one this page knows`;
    }
}

function storedNotes(tree: RecordTree, r: ReleaseRecord, problems: string[]): Notes | undefined {
    const raw = tree.notes.get(`${r.stream}/${r.name}`);
    if (raw === undefined) return undefined;
    const parsed = notesSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    problems.push(
        `notes/${r.stream}/${r.name}.json does not follow the notes schema; notes are computed from the records`,
    );
    return undefined;
}

function payloadOf(
    r: ReleaseRecord,
    tree: RecordTree,
    all: ReleaseRecord[],
    withNotes: boolean,
    problems: string[],
): Payload {
    const gates = gatesOf(r, tree);
    const stored = storedNotes(tree, r, problems);
    const notes = stored ?? (withNotes ? notesFromRecords(r, previousPromoted(r, all)) : undefined);
    return {
        name: r.name,
        stream: r.stream,
        time: iso(payloadTime(r)),
        created: r.created,
        ...(r.decided ? { decided: r.decided } : {}),
        ...(r.finished ? { finished: r.finished } : {}),
        verdict: r.verdict,
        why: verdictWhy(r, gates),
        pullSpec: r.pullSpec,
        digest: r.digest,
        ...(r.basePayload ? { basePayload: r.basePayload } : {}),
        ...(r.pipelineRun ? { pipelineRun: r.pipelineRun } : {}),
        ...(r.pipelineStatus ? { pipelineStatus: r.pipelineStatus } : {}),
        promoted: isPromoted(r),
        ...(publishedName(r) ? { publishedName: publishedName(r) } : {}),
        ...(r.promotion
            ? {
                  promotion: {
                      at: r.promotion.at,
                      targets: r.promotion.targets.map((t) => ({
                          release: t.release,
                          ...(t.pullSpec ? { pullSpec: t.pullSpec } : {}),
                          ...(t.digest ? { digest: t.digest } : {}),
                          ...(t.copied !== undefined ? { copied: t.copied } : {}),
                      })),
                  },
              }
            : {}),
        gates,
        fallbacks: (r.fallbacks ?? []).map((f) => ({
            component: f.component,
            reason: f.reason ?? "no reason recorded",
            ...(f.image ? { image: f.image } : {}),
        })),
        sources: Object.entries(r.sources)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([component, s]) => ({
                component,
                image: s.image,
                ...(s.source ? { source: s.source } : {}),
                ...(s.commit ? { commit: s.commit } : {}),
            })),
        previous: [...r.previous],
        ...(r.logs ? { logs: r.logs } : {}),
        ...(notes ? { notes } : {}),
        notesStored: stored !== undefined,
    };
}

function streamStatus(
    stream: string,
    config: StreamConfig | undefined,
    tree: RecordTree,
    all: ReleaseRecord[],
    options: BuildOptions,
    problems: string[],
): StreamStatus {
    const records = [...(tree.records.get(stream) ?? [])].sort(newestFirst);
    const accepted = records.filter((r) => r.verdict === "accepted");
    const promoted = records.filter((r) => isPromoted(r));
    const latestAccepted = accepted[0];
    // Notes: every promoted payload, and the newest accepted one (the next release's candidate).
    const noted = new Set([...promoted.map((r) => r.name), ...(latestAccepted ? [latestAccepted.name] : [])]);
    const shownNames = new Set([...records.slice(0, options.limit).map((r) => r.name), ...promoted.map((r) => r.name)]);
    const shown = records.filter((r) => shownNames.has(r.name));
    const payloads = shown.map((r) => payloadOf(r, tree, all, noted.has(r.name), problems));

    const byName = new Map(all.map((r) => [r.name, r]));
    // Edges name releases as published (`4.16.0-okd-scos.0`); the graph names payloads, as their pages do.
    const byPublished = new Map(
        all.flatMap((r) => (r.promotedName && isPromoted(r) ? [[r.promotedName, r.name]] : [])),
    );
    const edges = shown.flatMap((r) => r.previous.map((from) => ({ from: byPublished.get(from) ?? from, to: r.name })));
    const nodeNames = [...new Set([...shown.map((r) => r.name), ...edges.map((e) => e.from)])];
    const nodes = nodeNames
        .map((name) => {
            const r = byName.get(name);
            return {
                name,
                stream: r?.stream ?? streamOfName(name),
                verdict: r?.verdict ?? "unknown",
                promoted: r !== undefined && isPromoted(r),
                ...(r && publishedName(r) ? { publishedName: publishedName(r) } : {}),
                known: r !== undefined,
                time: r ? payloadTime(r).getTime() : (nameTime(name)?.getTime() ?? 0),
            };
        })
        .sort((a, b) => a.time - b.time || (a.name < b.name ? -1 : 1))
        .map(({ time: _time, ...n }) => n);

    const count = (v: string) => records.filter((r) => r.verdict === v).length;
    return {
        stream,
        configured: config !== undefined,
        ...(config?.variant ? { variant: config.variant } : {}),
        ...(config?.promote !== undefined ? { promotes: config.promote } : {}),
        ...(config?.gates
            ? { gates: config.gates.map((g) => ({ gate: g.gate, blocking: g.blocking, kind: g.kind ?? "install" })) }
            : {}),
        ...(config?.throttle && Object.keys(config.throttle).length > 0 ? { throttle: config.throttle } : {}),
        ...pushesField(options.throttle, stream, config),
        latest: records[0] ? refOf(records[0]) : null,
        latestAccepted: latestAccepted ? refOf(latestAccepted) : null,
        latestPromoted: promoted[0] ? refOf(promoted[0]) : null,
        staleness: {
            accepted: staleness(latestAccepted, stalenessRules.acceptedHours, options.now),
            built: staleness(
                records.find((r) => finalVerdicts.has(r.verdict)),
                stalenessRules.builtHours,
                options.now,
            ),
        },
        counts: {
            total: records.length,
            shown: shown.length,
            accepted: accepted.length,
            rejected: count("rejected"),
            unfinished: count("unfinished"),
            pending: count("pending"),
            promoted: promoted.length,
        },
        payloads,
        graph: { nodes, edges },
    };
}

function pushesField(state: ThrottleState | undefined, stream: string, config: StreamConfig | undefined) {
    const pushes = state ? pushesOf(state, stream, config?.throttle) : undefined;
    return pushes ? { pushes } : {};
}

/** Orders minors numerically, newest first (5.0 before 4.16 before 4.9). */
function byMinorDesc(a: string, b: string): number {
    const [am, an] = a.split(".").map(Number);
    const [bm, bn] = b.split(".").map(Number);
    return bm - am || bn - an;
}

export function buildStatus(tree: RecordTree, options: BuildOptions): Status {
    const problems = [...tree.problems];
    const configs = new Map((options.streams ?? []).map((s) => [s.minor, s]));
    const streams = [...new Set([...tree.records.keys(), ...configs.keys()])].sort(byMinorDesc);
    const all = [...tree.records.values()].flat();
    return {
        schemaVersion: statusSchemaVersion,
        generated: iso(options.now),
        rules: {
            acceptedStaleHours: stalenessRules.acceptedHours,
            builtStaleHours: stalenessRules.builtHours,
            source: stalenessRules.source,
        },
        streams: streams.map((s) => streamStatus(s, configs.get(s), tree, all, options, problems)),
        problems,
    };
}
