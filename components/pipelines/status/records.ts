/**
 * What the status page reads: the release records `components/pipelines/scripts/release-record.sh` writes to artifact
 * storage, the release notes the release pipeline stores, and the names of the gate logs `upload-logs.sh` uploaded.
 *
 * The layout is the bucket's own, so any copy of it (a directory, or an rclone remote read by `fetch.ts`) renders:
 *
 *   releases/<minor>/<name>.json   one record per payload (the truth; `index.json` beside them is only a summary)
 *   promoted/<minor>/<name>.json   the payload's promotion (written by the promotion identity only; present iff promoted)
 *   notes/<minor>/<name>.json      release notes written at promotion (`release-notes.sh`), when present
 *   logs/<minor>/<name>/<gate>/…   gate logs and JUnit (expire after logRetentionDays); `install-outcome` is read
 *
 * Records are parsed leniently: fields a newer writer adds are kept and ignored, fields an older record lacks take
 * their empty value, and a record that is not JSON or lacks its identity (stream, name, digest, verdict) becomes a
 * problem shown on the page instead of stopping the render. Facts later pipeline versions add are typed here as
 * optional so the page shows them when present: per payload `fallbacks` (components that kept the base payload's
 * image), per gate `kind` (`install` or `upgrade`), `from` (an upgrade gate's starting release) and `reason`.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import en from "zod/v4/locales/en.js";
import * as z from "zod/mini";

// zod/mini words no issue ("Invalid input") until a locale is loaded, and any module loading zod's classic API loads
// English for the whole process: load it here, so the problems the page lists (and the renderer's errors) always say
// what was expected and what was found, whatever else the process imported. English alone: `z.locales` would bundle
// every language into the renderer.
z.config(en());

const nullishString = z.nullish(z.string());

export const gateRecordSchema = z.looseObject({
    gate: z.string(),
    blocking: z.boolean(),
    /** `passed` or `failed` (verdict.sh); anything else counts as not passed. */
    outcome: z.string(),
    /** `install` (the default: install and conformance) or `upgrade`. */
    kind: z.optional(z.string()),
    /** An upgrade gate's starting release. */
    from: z.optional(z.string()),
    /** Why the gate failed, in a sentence, when the pipeline knows. */
    reason: z.optional(z.string()),
});
export type GateRecord = z.infer<typeof gateRecordSchema>;

export const sourceRecordSchema = z.looseObject({
    image: z.string(),
    /** `io.openshift.build.source-location` of the build (null when the image carries no such label). */
    source: nullishString,
    /** `io.openshift.build.commit.id`. */
    commit: nullishString,
});
export type SourceRecord = z.infer<typeof sourceRecordSchema>;

export const promotionTargetSchema = z.looseObject({
    /** `<repository>:<name>@<digest>`. */
    release: z.string(),
    pullSpec: z.optional(z.string()),
    digest: z.optional(z.string()),
    content: z.optional(z.string()),
    copied: z.optional(z.boolean()),
});
export type PromotionTarget = z.infer<typeof promotionTargetSchema>;

export const fallbackRecordSchema = z.looseObject({
    component: z.string(),
    reason: z.optional(z.string()),
    /** The base payload's image the payload kept for that tag. */
    image: z.optional(z.string()),
});
export type FallbackRecord = z.infer<typeof fallbackRecordSchema>;

export const releaseRecordSchema = z.looseObject({
    schemaVersion: z.optional(z.number()),
    stream: z.string(),
    name: z.string(),
    pullSpec: z.string(),
    digest: z.string(),
    created: z.string(),
    pipelineRun: z.optional(z.string()),
    basePayload: nullishString,
    sources: z._default(z.record(z.string(), sourceRecordSchema), {}),
    previous: z._default(z.array(z.string()), []),
    gates: z._default(z.array(gateRecordSchema), []),
    /** `pending` → `accepted` | `rejected` | `unfinished`. */
    verdict: z.string(),
    decided: z.optional(z.string()),
    finished: z.optional(z.string()),
    pipelineStatus: z.optional(z.string()),
    /** Where upload-logs.sh put the gate logs, e.g. `s3://bucket/logs/4.15/<name>/`. */
    logs: nullishString,
    /** How finalize's log upload ended: `uploaded`, `failed` (with its exit code) or `unknown`. */
    logsUpload: z.optional(z.looseObject({ status: z.string(), exitCode: z.optional(z.string()) })),
    promotion: z.nullish(
        z.looseObject({
            at: z.string(),
            verified: z.optional(z.string()),
            targets: z._default(z.array(promotionTargetSchema), []),
        }),
    ),
    fallbacks: z.optional(z.array(fallbackRecordSchema)),
    /** The name the release is published under when it is not the nightly's (OKD/SCOS: `4.Y.0-okd-scos.N`). */
    promotedName: nullishString,
});
export type ReleaseRecord = z.infer<typeof releaseRecordSchema>;

/**
 * Promoted: the record has a promotion. `readTree` sets it from `promoted/<minor>/<name>.json` alone (the promotion
 * identity's object), never from what the record file says: the nightly's identity writes the records.
 */
export const isPromoted = (r: ReleaseRecord): boolean => r.promotion !== undefined && r.promotion !== null;

/**
 * The name a promoted payload was published under when it is not its own (OKD/SCOS `promotedName`; OKD/FCOS
 * releases keep the nightly's name); undefined otherwise and until it is promoted (a claimed name is not published).
 */
export const publishedName = (r: ReleaseRecord): string | undefined =>
    isPromoted(r) && r.promotedName && r.promotedName !== r.name ? r.promotedName : undefined;

/** Everything the renderer reads, already parsed. */
export interface RecordTree {
    /** Records by stream (minor), in no particular order. */
    records: Map<string, ReleaseRecord[]>;
    /** Stored release notes by `<minor>/<name>` (the JSON release-notes.sh wrote), unparsed. */
    notes: Map<string, unknown>;
    /** Every object under `logs/`, as a path from the bucket root (`logs/4.15/<name>/aws/e2e.log`). */
    logFiles: string[];
    /** Content of each `install-outcome` under `logs/`, by its path from the bucket root. */
    installOutcomes: Map<string, string>;
    /** Records or notes that could not be read, one sentence each. */
    problems: string[];
}

/** A record file's name: the payload name and `.json`, never the index. */
const isRecordFile = (f: string) => f.endsWith(".json") && f !== "index.json";

/** A stream directory's name: a minor version such as `4.15`. */
const isStreamDir = (d: string) => /^\d+\.\d+$/.test(d);

function readJson(file: string): unknown {
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Parses one record file; a problem (as a sentence) instead of a record when it cannot be used. */
export function parseRecord(file: string, text: string, stream: string): ReleaseRecord | string {
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (err) {
        return `${file} is not JSON (${(err as Error).message}); the payload is left out`;
    }
    const r = releaseRecordSchema.safeParse(json);
    if (!r.success) {
        const issue = r.error.issues[0];
        return `${file} is not a release record (${issue.path.join(".") || "record"}: ${issue.message}); the payload is left out`;
    }
    if (r.data.stream !== stream) {
        return `${file} says it belongs to stream ${r.data.stream}, not ${stream}; the payload is left out`;
    }
    return r.data;
}

/** The directory holding `releases/`: `dir` itself, or `dir` when it is a copy of `releases/` alone. */
export function releasesDirOf(dir: string): string | undefined {
    const releases = path.join(dir, "releases");
    if (fs.existsSync(releases) && fs.statSync(releases).isDirectory()) return releases;
    if (fs.existsSync(dir) && fs.readdirSync(dir).some((d) => isStreamDir(d))) return dir;
    return undefined;
}

function listFiles(dir: string, prefix: string): string[] {
    if (!fs.existsSync(dir)) return [];
    const out: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const rel = `${prefix}${entry.name}`;
        if (entry.isDirectory()) out.push(...listFiles(path.join(dir, entry.name), `${rel}/`));
        else if (entry.isFile()) out.push(rel);
    }
    return out;
}

/**
 * Reads a copy of the bucket (or of its `releases/` alone). `logListing`, when given, replaces walking `logs/`: a
 * remote's listing (fetch.ts) names logs that were not copied.
 */
export function readTree(dir: string, logListing?: string[]): RecordTree {
    const releases = releasesDirOf(dir);
    if (releases === undefined) {
        throw new Error(`no release records under ${dir} (expected releases/<minor>/<name>.json)`);
    }
    const tree: RecordTree = {
        records: new Map(),
        notes: new Map(),
        logFiles: [],
        installOutcomes: new Map(),
        problems: [],
    };
    for (const stream of fs.readdirSync(releases).filter(isStreamDir).sort()) {
        const streamDir = path.join(releases, stream);
        if (!fs.statSync(streamDir).isDirectory()) continue;
        const records: ReleaseRecord[] = [];
        for (const file of fs.readdirSync(streamDir).filter(isRecordFile).sort()) {
            const shown = `releases/${stream}/${file}`;
            const parsed = parseRecord(shown, fs.readFileSync(path.join(streamDir, file), "utf8"), stream);
            if (typeof parsed === "string") tree.problems.push(parsed);
            else if (`${parsed.name}.json` !== file) {
                tree.problems.push(`${shown} holds the record of ${parsed.name}; the payload is left out`);
            } else records.push(parsed);
        }
        tree.records.set(stream, records);
    }

    const root = releases === dir ? undefined : dir;
    for (const [stream, records] of tree.records) {
        tree.records.set(stream, withPromotions(records, root, stream, tree.problems));
    }
    if (root !== undefined) {
        const notesDir = path.join(root, "notes");
        for (const file of listFiles(notesDir, "")) {
            const m = /^(\d+\.\d+)\/(.+)\.json$/.exec(file);
            if (!m) continue;
            try {
                tree.notes.set(`${m[1]}/${m[2]}`, readJson(path.join(notesDir, file)));
            } catch (err) {
                tree.problems.push(`notes/${file} is not JSON (${(err as Error).message}); it is not shown`);
            }
        }
        const logsDir = path.join(root, "logs");
        tree.logFiles = (logListing ?? listFiles(logsDir, "")).map((f) => `logs/${f}`).sort();
        for (const file of listFiles(logsDir, "").filter((f) => path.basename(f) === "install-outcome")) {
            tree.installOutcomes.set(`logs/${file}`, fs.readFileSync(path.join(logsDir, file), "utf8").trim());
        }
    }
    return tree;
}

/** The promotion an object of `promoted/<minor>/` holds (release-record.sh `promote`). */
const promotedObjectSchema = z.looseObject({
    name: z.string(),
    digest: z.string(),
    promotedName: nullishString,
    promotion: releaseRecordSchema.shape.promotion,
});

/**
 * The records with their promotions merged from `<root>/promoted/<stream>/<name>.json`: a record is promoted iff that
 * object exists and holds a promotion. Whatever promotion fields a record file carries are dropped first; sites whose
 * records still carry them adopt them once (release-record.sh `adopt`). Without a root (a copy of `releases/` alone)
 * nothing is promoted.
 */
function withPromotions(records: ReleaseRecord[], root: string | undefined, stream: string, problems: string[]) {
    const dir = root === undefined ? undefined : path.join(root, "promoted", stream);
    return records.map((record) => {
        const own: ReleaseRecord = { ...record, promotion: null, promotedName: undefined };
        const file = dir === undefined ? undefined : path.join(dir, `${record.name}.json`);
        if (file === undefined || !fs.existsSync(file)) return own;
        const shown = `promoted/${stream}/${record.name}.json`;
        let parsed: ReturnType<typeof promotedObjectSchema.safeParse>;
        try {
            parsed = promotedObjectSchema.safeParse(readJson(file));
        } catch (err) {
            problems.push(`${shown} is not JSON (${(err as Error).message}); the payload is shown unpromoted`);
            return own;
        }
        if (!parsed.success || parsed.data.name !== record.name || !parsed.data.promotion) {
            problems.push(`${shown} is not a promotion of ${record.name}; the payload is shown unpromoted`);
            return own;
        }
        if (parsed.data.digest !== record.digest) {
            problems.push(
                `${shown} promoted ${record.name} at ${parsed.data.digest}, but its record now says ${record.digest}`,
            );
        }
        return { ...own, promotion: parsed.data.promotion, promotedName: parsed.data.promotedName ?? undefined };
    });
}
