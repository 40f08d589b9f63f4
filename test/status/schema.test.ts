import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { buildStatus } from "../../components/pipelines/status/model";
import {
    type Notes,
    notesSchema,
    stalenessRules,
    statusJsonSchema,
    statusSchema,
} from "../../components/pipelines/status/schema";
import { renderSite, throttleFile, writeFiles } from "../../components/pipelines/status/site";
import type { ThrottleState } from "../../components/pipelines/status/throttle";
import { promotion, record, tree } from "./records";

const n15 = (day: string) => `4.15.0-0.okd-2025-01-${day}-000000`;
const gh = "https://github.com/openshift/installer";

/** A status with every optional fact the model can give: notes of every change, artifacts of every kind, pushes. */
function richStatus() {
    const dir = `logs/4.15/${n15("02")}/aws`;
    const from = record(n15("01"), {
        verdict: "accepted",
        promotion,
        promotedName: "4.15.0-okd-scos.0",
        sources: {
            a: { image: "r@sha256:01", source: gh, commit: "1111111" },
            b: { image: "r@sha256:02", commit: "1111111" },
            c: { image: "r@sha256:03" },
            d: { image: "r@sha256:04" },
        },
        fallbacks: [{ component: "e", reason: "exit 1" }],
    });
    const to = record(n15("02"), {
        verdict: "accepted",
        decided: "2025-01-02T01:00:00Z",
        finished: "2025-01-02T02:00:00Z",
        pipelineStatus: "Succeeded",
        logs: "s3://b/logs/4.15/x/",
        previous: ["4.15.0-okd-scos.0", "4.14.0-okd.1"],
        promotion: {
            at: "2025-01-03T00:00:00Z",
            targets: [{ release: "q:x@sha256:7", pullSpec: "q@sha256:7", digest: "sha256:7", copied: true }],
        },
        promotedName: "4.15.0-okd-scos.1",
        gates: [
            { gate: "aws", blocking: true, outcome: "passed" },
            { gate: "up", blocking: false, outcome: "failed", kind: "upgrade", from: "4.14.0-okd.1" },
        ],
        sources: {
            a: { image: "r@sha256:11", source: gh, commit: "2222222" },
            b: { image: "r@sha256:12", commit: "1111111" },
            e: { image: "r@sha256:15" },
            f: { image: "r@sha256:16" },
        },
        fallbacks: [{ component: "c", reason: "exit 2", image: "base@sha256:00" }],
    });
    const throttle: ThrottleState = {
        observed: "2025-01-03T00:00:00Z",
        dispatchSchedule: "*/10 * * * *",
        streams: [
            {
                stream: "4.15",
                pending: [{ repository: "openshift/oc", revision: "a".repeat(40), since: "2025-01-02T00:00:00Z" }],
                unfinished: 0,
                lastStarted: null,
                scheduled: "2025-01-02T12:00:00Z",
            },
        ],
    };
    const status = buildStatus(
        tree([from, to], {
            logFiles: [`${dir}/e2e.log`, `${dir}/junit/junit_e2e.xml`, `${dir}/metadata.json`],
            problems: ["one"],
        }),
        {
            now: new Date("2025-01-03T00:00:00Z"),
            limit: 5,
            streams: [
                {
                    minor: "4.15",
                    variant: "okd-scos",
                    promote: true,
                    gates: [{ gate: "aws", blocking: true }],
                    throttle: { minIntervalMinutes: 60, maxUnfinished: 1, schedule: "@daily", enabled: true },
                },
            ],
            throttle,
        },
    );
    return { status, throttle, from, to };
}

describe("status.json and its schema", () => {
    it("describes every fact the model gives: a status parses to itself", () => {
        const { status } = richStatus();
        const to = status.streams[0].payloads[0];
        // What the status holds, so that the round trip below covers each part of the schema.
        assert.deepEqual(
            to.notes?.components.map((c) => c.change),
            ["updated", "rebuilt", "kept-base", "removed", "built-again", "added"],
        );
        assert.deepEqual(
            to.gates[0].artifacts.map((a) => a.kind),
            ["log", "junit", "other"],
        );
        assert.equal(status.streams[0].pushes?.scheduled, "2025-01-02T12:00:00Z");
        assert.deepEqual(statusSchema.parse(status), status);
        assert.deepEqual(JSON.parse(JSON.stringify(status)), status, "nothing but JSON");
    });

    it("refuses what is not the page's facts, naming the field", () => {
        const { status } = richStatus();
        const issue = (edit: (s: typeof status) => void) => {
            const copy = structuredClone(status);
            edit(copy);
            const r = statusSchema.safeParse(copy);
            return r.success ? "accepted" : r.error.issues.map((i) => i.path.join(".")).join(" ");
        };
        assert.equal(
            issue(() => undefined),
            "accepted",
        );
        assert.equal(
            issue((s) => Object.assign(s, { schemaVersion: 2 })),
            "schemaVersion",
        );
        assert.equal(
            issue((s) => Object.assign(s.streams[0].payloads[0].gates[0].artifacts[0], { kind: "pdf" })),
            "streams.0.payloads.0.gates.0.artifacts.0.kind",
        );
        assert.equal(
            issue((s) => Object.assign(s.streams[0].payloads[0].notes?.components[0] ?? {}, { change: "moved" })),
            "streams.0.payloads.0.notes.components.0.change",
        );
        assert.equal(
            issue((s) => Object.assign(s.streams[0].staleness.accepted, { limitHours: "48" })),
            "streams.0.staleness.accepted.limitHours",
        );
        assert.equal(
            issue((s) => Object.assign(s.streams[0], { throttle: { a: null } })),
            "streams.0.throttle.a",
        );
        const notes: Notes = {
            schemaVersion: 1,
            stream: "4.15",
            name: "n",
            from: null,
            basePayload: {},
            components: [],
        };
        assert.equal(notesSchema.safeParse(notes).success, true);
        assert.equal(notesSchema.safeParse({ ...notes, schemaVersion: 2 }).success, false);
        assert.equal(notesSchema.safeParse({ ...notes, from: { stream: "4.14" } }).success, false);
        for (const change of ["updated", "rebuilt", "added", "removed", "kept-base", "built-again"]) {
            assert.equal(
                notesSchema.safeParse({ ...notes, components: [{ component: "c", change }] }).success,
                true,
                change,
            );
        }
    });

    it("is published as JSON Schema draft 2020-12, with a title and what it describes", () => {
        const schema = statusJsonSchema() as {
            $schema: string;
            title: string;
            description: string;
            type: string;
            required: string[];
            properties: Record<string, { const?: number }>;
        };
        assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
        assert.equal(schema.title, "okd-ci release status");
        assert.equal(
            schema.description,
            "Release status of the OKD streams a site builds, from its release records (docs/status.md). status.json at the site's root; <minor>/status.json holds one element of streams with the same top-level fields.",
        );
        assert.equal(schema.type, "object");
        assert.deepEqual(schema.required, ["schemaVersion", "generated", "rules", "streams", "problems"]);
        assert.equal(schema.properties.schemaVersion.const, 1);
        const text = JSON.stringify(schema);
        for (const enumerated of [
            '["junit","log","other"]',
            '["updated","rebuilt","added","removed","kept-base","built-again"]',
        ]) {
            assert.ok(text.includes(enumerated), enumerated);
        }
    });

    it("follows the watcher's staleness limits, and says where they come from", () => {
        assert.deepEqual(stalenessRules, {
            acceptedHours: 48,
            builtHours: 72,
            source: "okd-project/okd-release-watcher pkg/report/report.go (AcceptedStalenessLimit 48h, BuiltStalenessLimit 72h)",
        });
    });
});

describe("the site's files", () => {
    it("holds the overview, the facts and schema, and a page and the facts per stream and payload", () => {
        const { status, throttle, from, to } = richStatus();
        const site = renderSite(status, {}, throttle);
        assert.deepEqual(
            [...site.keys()],
            [
                "throttle.json",
                "index.html",
                "status.json",
                "schema.json",
                "4.15/index.html",
                "4.15/status.json",
                `4.15/${to.name}.html`,
                `4.15/${from.name}.html`,
            ],
        );
        assert.equal(throttleFile, "throttle.json");
        assert.equal(site.get("throttle.json"), `${JSON.stringify(throttle, null, 2)}\n`);
        assert.equal(site.get("status.json"), `${JSON.stringify(status, null, 2)}\n`);
        assert.equal(site.get("schema.json"), `${JSON.stringify(statusJsonSchema(), null, 2)}\n`);
        assert.equal(
            site.get("4.15/status.json"),
            `${JSON.stringify({ ...status, streams: status.streams }, null, 2)}\n`,
        );
        // Without the throttle's state there is none to carry.
        assert.equal(renderSite(status, {}).has("throttle.json"), false);
        // Each stream's facts hold that stream alone.
        const two = buildStatus(tree([from, record("4.14.0-0.okd-2024-12-01-000000")]), {
            now: new Date("2025-01-03T00:00:00Z"),
            limit: 5,
        });
        const perStream = JSON.parse(renderSite(two, {}).get("4.14/status.json") as string);
        assert.deepEqual(
            perStream.streams.map((s: { stream: string }) => s.stream),
            ["4.14"],
        );
        assert.equal(perStream.generated, two.generated);
    });

    it("writes the files under a directory, making the directories they need", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-status-site-"));
        try {
            writeFiles(
                dir,
                new Map([
                    ["index.html", "a"],
                    ["4.15/x/y.html", "b"],
                ]),
            );
            assert.equal(fs.readFileSync(path.join(dir, "index.html"), "utf8"), "a");
            assert.equal(fs.readFileSync(path.join(dir, "4.15", "x", "y.html"), "utf8"), "b");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
