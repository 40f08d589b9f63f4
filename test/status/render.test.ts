import * as assert from "node:assert/strict";

import { buildStatus } from "../../components/pipelines/status/model";
import { compareUrl, notesMarkdown, previousPromoted, withChangelog } from "../../components/pipelines/status/notes";
import { type RecordTree, type ReleaseRecord, parseRecord } from "../../components/pipelines/status/records";
import { renderSite } from "../../components/pipelines/status/site";

/** A record as release-record.sh writes it (create, then the given fields). */
function record(name: string, fields: Partial<ReleaseRecord> = {}): ReleaseRecord {
    const parsed = parseRecord(
        `releases/${name.slice(0, 4)}/${name}.json`,
        JSON.stringify({
            schemaVersion: 1,
            stream: name.slice(0, 4),
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
        name.slice(0, 4),
    );
    assert.ok(typeof parsed !== "string", parsed as string);
    return parsed;
}

const tree = (records: ReleaseRecord[]): RecordTree => {
    const byStream = new Map<string, ReleaseRecord[]>();
    for (const r of records) byStream.set(r.stream, [...(byStream.get(r.stream) ?? []), r]);
    return { records: byStream, notes: new Map(), logFiles: [], installOutcomes: new Map(), problems: [] };
};
const promotion = { at: "2025-01-02T00:00:00Z", targets: [] };

describe("status rendering", () => {
    it("escapes whatever the records carry: a source label cannot inject markup", () => {
        const evil = record("4.15.0-0.okd-2025-01-02-000000", {
            verdict: "accepted",
            sources: { installer: { image: "x@sha256:1", source: '"><script>alert(1)</script>', commit: "<b>c</b>" } },
        });
        const site = renderSite(buildStatus(tree([evil]), { now: new Date("2025-01-02T01:00:00Z"), limit: 10 }), {});
        const page = site.get("4.15/4.15.0-0.okd-2025-01-02-000000.html") as string;
        assert.ok(!page.includes("<script>alert"), "the label is not markup");
        assert.ok(page.includes("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert.ok(page.includes("&lt;b&gt;c&lt;/b&gt;"));
        // One script on every page, the page's own, allowed by hash; nothing else may load or run.
        assert.equal(page.match(/<script>/g)?.length, 1);
        assert.match(
            page,
            /content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-[A-Za-z0-9+/=]+'/,
        );
        assert.doesNotMatch(page, /\b(src|href)="(https?:)?\/\/(?!github\.com)/);
    });

    it("refuses a record without its identity and one filed under another name or stream", () => {
        assert.match(
            parseRecord("releases/4.15/x.json", JSON.stringify({ name: "x" }), "4.15") as string,
            /^releases\/4\.15\/x\.json is not a release record \(stream: /,
        );
        const other = JSON.stringify({ ...record("4.14.0-0.okd-2025-01-01-000000") });
        assert.match(
            parseRecord("releases/4.15/y.json", other, "4.15") as string,
            /says it belongs to stream 4\.14, not 4\.15/,
        );
    });

    it("starts notes at the stream's previous promoted release, else the previous minor's newest", () => {
        const r14a = record("4.14.0-0.okd-2024-12-01-000000", { verdict: "accepted", promotion });
        const r14b = record("4.14.0-0.okd-2024-12-15-000000", { verdict: "accepted", promotion });
        const p1 = record("4.15.0-0.okd-2025-01-01-000000", { verdict: "accepted", promotion });
        const p2 = record("4.15.0-0.okd-2025-01-05-000000", { verdict: "accepted" });
        const later = record("4.15.0-0.okd-2025-01-09-000000", { verdict: "accepted", promotion });
        const all = [r14a, r14b, p1, p2, later];
        assert.equal(previousPromoted(p1, all)?.name, r14b.name);
        assert.equal(previousPromoted(p2, all)?.name, p1.name);
        assert.equal(previousPromoted(r14a, all), undefined);
    });

    it("links commit ranges only on github.com, as oc does, and only real commits", () => {
        const a = "0123456789abcdef0123456789abcdef01234567";
        const b = "89abcdef0123456789abcdef0123456789abcdef";
        assert.equal(
            compareUrl("https://github.com/openshift/installer.git", a, b),
            `https://github.com/openshift/installer/compare/${a}...${b}`,
        );
        assert.equal(compareUrl("https://gitlab.com/x/y", a, b), undefined);
        assert.equal(compareUrl("https://github.com/openshift/installer", "main", b), undefined);
    });

    it("keeps oc's pull request links only when they are web pages", () => {
        const notes = withChangelog(
            {
                schemaVersion: 1,
                stream: "4.15",
                name: "n",
                from: null,
                basePayload: {},
                components: [],
                changelogError: "stale",
            },
            {
                updatedImages: [
                    {
                        name: "installer, installer-artifacts",
                        commits: [
                            {
                                subject: "Fix | pipes",
                                pullID: 7,
                                pullURL: "https://github.com/openshift/installer/pull/7",
                            },
                            { subject: "Local", pullID: 8, pullURL: "https:///tmp/repo/pull/8" },
                        ],
                    },
                ],
            },
        );
        assert.equal(notes.changelogError, undefined);
        assert.deepEqual(notes.commits, {
            "installer, installer-artifacts": [
                { subject: "Fix | pipes", url: "https://github.com/openshift/installer/pull/7", id: "#7" },
                { subject: "Local", id: "#8" },
            ],
        });
        // Each image of oc's group shows the group's pull requests on the page.
        const r = record("4.15.0-0.okd-2025-01-02-000000", { verdict: "accepted", promotion });
        const stored = {
            ...notes,
            name: r.name,
            components: ["installer", "installer-artifacts"].map((component) => ({
                component,
                change: "updated" as const,
                fromCommit: "1111111",
                toCommit: "2222222",
            })),
        };
        const status = buildStatus(
            { ...tree([r]), notes: new Map([[`4.15/${r.name}`, stored]]) },
            { now: new Date("2025-01-02T01:00:00Z"), limit: 10 },
        );
        const page = renderSite(status, {}).get(`4.15/${r.name}.html`) as string;
        const pr = /<li>Fix \| pipes <a href="https:\/\/github\.com\/openshift\/installer\/pull\/7">#7<\/a><\/li>/g;
        assert.equal(page.match(pr)?.length, 2);
        assert.match(
            notesMarkdown(notes),
            /- Fix \\\| pipes \(\[#7\]\(https:\/\/github\.com\/openshift\/installer\/pull\/7\)\)\n- Local \(#8\)/,
        );
    });
});
