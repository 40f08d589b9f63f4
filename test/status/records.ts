/**
 * Release records for the in-process tests of the status program: each is parsed by `parseRecord`, the function
 * `readTree` runs on every record file, so a test starts from what the renderer really reads.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { type RecordTree, type ReleaseRecord, parseRecord } from "../../components/pipelines/status/records";

/** The stream (minor) a payload name belongs to: `4.15.0-0.okd-…` → `4.15`. */
const minorOf = (name: string) => /^(\d+\.\d+)\./.exec(name)?.[1] ?? name.slice(0, 4);

/** A record as release-record.sh writes it (create, then the given fields). */
export function record(name: string, fields: Record<string, unknown> = {}): ReleaseRecord {
    const stream = minorOf(name);
    const parsed = parseRecord(
        `releases/${stream}/${name}.json`,
        JSON.stringify({
            schemaVersion: 1,
            stream,
            name,
            pullSpec: `r/okd/release:${name}`,
            digest: "sha256:11",
            created: "2025-01-01T00:00:00Z",
            pipelineRun: "run",
            basePayload: "quay.io/openshift/okd:base",
            sources: {},
            previous: [],
            gates: [],
            verdict: "pending",
            logs: null,
            promotion: null,
            ...fields,
        }),
        stream,
    );
    assert.ok(typeof parsed !== "string", parsed as string);
    return parsed;
}

/** What readTree would give for these records (no notes, logs or problems unless given). */
export function tree(records: ReleaseRecord[], extra: Partial<RecordTree> = {}): RecordTree {
    const byStream = new Map<string, ReleaseRecord[]>();
    for (const r of records) byStream.set(r.stream, [...(byStream.get(r.stream) ?? []), r]);
    return { records: byStream, notes: new Map(), logFiles: [], installOutcomes: new Map(), problems: [], ...extra };
}

/** A promotion as release-record.sh `promote` records it. */
export const promotion = { at: "2025-01-02T00:00:00Z", targets: [] };

/** A record file as release-record.sh writes it. */
export const recordJson = (stream: string, name: string, fields: object = {}) =>
    JSON.stringify({
        schemaVersion: 1,
        stream,
        name,
        pullSpec: `r/okd/release:${name}`,
        // The day of the payload name: sha256:01 for 4.15.0-0.okd-2025-01-01-000000.
        digest: `sha256:${name.slice(-9, -7)}`,
        created: "2025-01-01T00:00:00Z",
        sources: {},
        previous: [],
        gates: [],
        verdict: "accepted",
        ...fields,
    });

export function write(root: string, file: string, content: string): void {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
}
