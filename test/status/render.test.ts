import * as assert from "node:assert/strict";

import { buildStatus } from "../../components/pipelines/status/model";
import {
    compareUrl,
    componentChanges,
    notesMarkdown,
    notesFromRecords,
    previousPromoted,
    withChangelog,
} from "../../components/pipelines/status/notes";
import { type RecordTree, type ReleaseRecord, parseRecord } from "../../components/pipelines/status/records";
import { renderSite } from "../../components/pipelines/status/site";
import type { ThrottleState } from "../../components/pipelines/status/throttle";
import { nextFiring, parseCronJobSchedule } from "../../components/shared/cron";

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

    it("says an upgrade gate without an earlier release was skipped, not failed, blocking or optional", () => {
        const upgrade = (blocking: boolean) => ({
            gate: "upgrade-aws",
            kind: "upgrade",
            blocking,
            outcome: "skipped",
            reason: "no accepted release to upgrade from",
        });
        const first = record("4.15.0-0.okd-2025-01-01-000000", {
            verdict: "accepted",
            gates: [{ gate: "aws", blocking: true, outcome: "passed" }, upgrade(false)],
        });
        const second = record("4.15.0-0.okd-2025-01-02-000000", {
            verdict: "rejected",
            gates: [{ gate: "aws", blocking: true, outcome: "failed" }, upgrade(true)],
        });
        const site = renderSite(
            buildStatus(tree([first, second]), { now: new Date("2025-01-02T01:00:00Z"), limit: 10 }),
            {},
        );
        const text = (name: string) => (site.get(`4.15/${name}.html`) as string).replace(/<[^>]+>/g, " ");
        const accepted = text(first.name);
        assert.match(accepted, /accepted: every blocking gate passed; upgrade-aws skipped \(no earlier release\)/);
        assert.doesNotMatch(accepted, /optional upgrade-aws failed/);
        const rejected = text(second.name);
        assert.match(rejected, /rejected: blocking gate aws failed; upgrade-aws skipped \(no earlier release\)/);
        assert.doesNotMatch(rejected, /gates aws, upgrade-aws failed/);
    });

    it("calls a component that fell back kept-base, not removed, and one built again after a fallback built-again", () => {
        const src = (image: string, commit: string) => ({
            image,
            source: "https://github.com/openshift/installer",
            commit,
        });
        const built = record("4.15.0-0.okd-2025-01-01-000000", {
            verdict: "accepted",
            sources: { installer: src("r/okd@sha256:aa", "1111111"), ironic: src("r/okd@sha256:bb", "2222222") },
        });
        const fellBack = record("4.15.0-0.okd-2025-01-02-000000", {
            verdict: "accepted",
            sources: { ironic: src("r/okd@sha256:bb", "2222222") },
            fallbacks: [
                {
                    component: "installer",
                    reason: "the build failed: exit 1",
                    image: "quay.io/openshift/okd@sha256:00",
                },
            ],
        });
        const again = record("4.15.0-0.okd-2025-01-03-000000", {
            verdict: "accepted",
            sources: { installer: src("r/okd@sha256:cc", "3333333"), ironic: src("r/okd@sha256:bb", "2222222") },
        });
        assert.deepEqual(componentChanges(fellBack, built), [
            {
                component: "installer",
                change: "kept-base",
                reason: "the build failed: exit 1",
                source: "https://github.com/openshift/installer",
                fromCommit: "1111111",
                fromImage: "r/okd@sha256:aa",
                toImage: "quay.io/openshift/okd@sha256:00",
            },
        ]);
        assert.deepEqual(
            componentChanges(again, fellBack).map((c) => [c.component, c.change, c.toCommit]),
            [["installer", "built-again", "3333333"]],
        );
        const md = notesMarkdown(notesFromRecords(fellBack, built));
        assert.match(md, /\| installer \| kept-base: the build failed: exit 1 \|/);
        assert.doesNotMatch(md, /removed/);
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

    it("shows an OKD/SCOS release under its published name, and resolves upgrade edges that name it", () => {
        const p0 = record("4.16.0-0.okd-scos-2025-01-01-000000", {
            verdict: "accepted",
            promotion,
            promotedName: "4.16.0-okd-scos.0",
        });
        // Claimed by a promotion still running: not published yet.
        const claimed = record("4.16.0-0.okd-scos-2025-01-02-000000", {
            verdict: "accepted",
            promotedName: "4.16.0-okd-scos.1",
        });
        const next = record("4.16.0-0.okd-scos-2025-01-03-000000", {
            verdict: "accepted",
            previous: ["4.16.0-okd-scos.0"],
        });
        const status = buildStatus(tree([p0, claimed, next]), { now: new Date("2025-01-03T01:00:00Z"), limit: 10 });
        const s = status.streams[0];
        assert.equal(s.latestPromoted?.publishedName, "4.16.0-okd-scos.0");
        const byName = new Map(s.payloads.map((p) => [p.name, p]));
        assert.equal(byName.get(p0.name)?.publishedName, "4.16.0-okd-scos.0");
        assert.equal(byName.get(claimed.name)?.publishedName, undefined);
        assert.deepEqual(s.graph.edges, [{ from: p0.name, to: next.name }]);
        assert.equal(s.graph.nodes.find((n) => n.name === p0.name)?.known, true);

        // The candidate's notes start from the release as published.
        const notes = byName.get(next.name)?.notes;
        assert.deepEqual(notes?.from, { name: p0.name, stream: "4.16", publishedName: "4.16.0-okd-scos.0" });
        assert.match(notesMarkdown(notes as NonNullable<typeof notes>), /^Changes since 4\.16\.0-okd-scos\.0\.$/m);

        const site = renderSite(status, {});
        assert.match(site.get(`4.16/${p0.name}.html`) as string, /promoted as 4\.16\.0-okd-scos\.0/);
        const nextPage = site.get(`4.16/${next.name}.html`) as string;
        assert.ok(nextPage.includes(`${p0.name}</a> (4.16.0-okd-scos.0)`), "the edge links the payload's page");
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

describe("pushes waiting for a nightly (the throttle's state)", () => {
    const sha = (c: string) => c.repeat(40);
    const now = new Date("2025-03-01T12:00:00Z");
    const throttle = (stream: Partial<ThrottleState["streams"][number]>): ThrottleState => ({
        observed: "2025-03-01T12:03:00Z",
        dispatchSchedule: "*/10 * * * *",
        streams: [{ stream: "4.15", pending: [], unfinished: 0, lastStarted: null, ...stream }],
    });
    const settings = ["4.15", "4.16"].map((minor) => ({
        minor,
        throttle: { minIntervalMinutes: 240, maxUnfinished: 1 },
    }));
    const render = (state: ThrottleState) => {
        const status = buildStatus(tree([]), { now, limit: 10, streams: settings, throttle: state });
        return { status, site: renderSite(status, {}, state) };
    };
    const pending = [
        { repository: "openshift/installer", revision: sha("a"), since: "2025-03-01T10:00:00Z" },
        { repository: "openshift/oc", revision: sha("b"), since: "2025-03-01T11:30:00Z" },
    ];

    it("names each waiting push and the dispatcher's next firing once minIntervalMinutes have passed", () => {
        const { status, site } = render(throttle({ pending, lastStarted: "2025-03-01T09:55:00Z" }));
        const pushes = status.streams.find((s) => s.stream === "4.15")?.pushes;
        // 09:55 + 240 min = 13:55, and the dispatcher fires every ten minutes: 14:00.
        assert.equal(pushes?.nextDispatch, "2025-03-01T14:00:00Z");
        assert.equal(pushes?.next, "2 pushes wait; next dispatch at 2025-03-01T14:00:00Z");
        const page = site.get("4.15/index.html") as string;
        assert.match(page, /<h2 id="pushes">Pushes waiting<\/h2>/);
        assert.match(
            page,
            /<td>openshift\/oc<\/td><td><code title="b{40}">b{12}<\/code><\/td><td>2025-03-01T11:30:00Z<\/td>/,
        );
        // One row per line, in the table's body.
        assert.match(
            page,
            /<tbody>\n<tr class="push"><td>openshift\/installer<\/td>.*<\/tr>\n<tr class="push"><td>openshift\/oc<\/td>.*<\/tr>\n<\/tbody>\n<\/table>/,
        );
        assert.match(
            page,
            /As of 2025-03-01T12:03:00Z: 0 nightly runs unfinished; the last started 2025-03-01T09:55:00Z\./,
        );
        assert.match(site.get("index.html") as string, /pushes: 2 pushes wait; next dispatch at 2025-03-01T14:00:00Z/);
        // The site carries the state on for the next render of the bucket.
        assert.deepEqual(
            JSON.parse(site.get("throttle.json") as string),
            throttle({ pending, lastStarted: "2025-03-01T09:55:00Z" }),
        );
    });

    it("says a push waits for an unfinished nightly, and that nothing waits", () => {
        const busy = render(
            throttle({ pending: pending.slice(0, 1), unfinished: 1, lastStarted: "2025-03-01T11:00:00Z" }),
        );
        assert.equal(busy.status.streams.find((s) => s.stream === "4.15")?.pushes?.nextDispatch, null);
        assert.equal(
            busy.status.streams.find((s) => s.stream === "4.15")?.pushes?.next,
            "1 push waits until a nightly finishes: 1 unfinished, at most 1",
        );
        // Past the interval already: the next firing after the snapshot.
        const due = render(throttle({ pending, lastStarted: "2025-03-01T01:00:00Z" }));
        assert.equal(due.status.streams.find((s) => s.stream === "4.15")?.pushes?.nextDispatch, "2025-03-01T12:10:00Z");
        const idle = render(throttle({}));
        assert.equal(idle.status.streams.find((s) => s.stream === "4.15")?.pushes?.next, "no pushes waiting");
        assert.doesNotMatch(idle.site.get("4.15/index.html") as string, /<table class="pushes">/);
        // Nothing after what the dispatcher does next: the section ends there.
        assert.match(
            idle.site.get("4.15/index.html") as string,
            /<p class="muted">As of 2025-03-01T12:03:00Z: [^<]*\.<\/p>\n\n/,
        );
    });

    it("counts a due scheduled nightly among what waits, as the dispatcher does, alone or with pushes", () => {
        const scheduled = "2025-03-01T02:00:00Z";
        const alone = render(throttle({ scheduled, lastStarted: "2025-03-01T09:55:00Z" }));
        const pushes = alone.status.streams.find((s) => s.stream === "4.15")?.pushes;
        assert.equal(pushes?.scheduled, scheduled);
        assert.equal(pushes?.nextDispatch, "2025-03-01T14:00:00Z");
        assert.equal(
            pushes?.next,
            "the scheduled nightly (due since 2025-03-01T02:00:00Z) waits; next dispatch at 2025-03-01T14:00:00Z",
        );
        const page = alone.site.get("4.15/index.html") as string;
        assert.match(
            page,
            /<p class="pushes-scheduled">Scheduled nightly waiting since <time datetime="2025-03-01T02:00:00Z">2025-03-01T02:00:00Z<\/time>/,
        );
        assert.match(
            alone.site.get("index.html") as string,
            /pushes: the scheduled nightly \(due since 2025-03-01T02:00:00Z\) waits; next dispatch at/,
        );
        assert.equal(JSON.parse(alone.site.get("throttle.json") as string).streams[0].scheduled, scheduled);
        const both = render(throttle({ scheduled, pending, unfinished: 1 }));
        assert.equal(
            both.status.streams.find((s) => s.stream === "4.15")?.pushes?.next,
            "the scheduled nightly (due since 2025-03-01T02:00:00Z) and 2 pushes wait until a nightly finishes: 1 unfinished, at most 1",
        );
        // Not due (null), or a snapshot from before the starter read it (absent): nothing scheduled is shown.
        for (const idle of [render(throttle({ scheduled: null })), render(throttle({}))]) {
            const p = idle.status.streams.find((s) => s.stream === "4.15")?.pushes;
            assert.equal(p?.scheduled, null);
            assert.equal(p?.next, "no pushes waiting");
            assert.doesNotMatch(idle.site.get("4.15/index.html") as string, /pushes-scheduled/);
        }
    });

    it("leaves pushes out of a stream the snapshot does not name, and escapes what records carry", () => {
        const { status, site } = render({
            ...throttle({ pending: [{ repository: "<b>x</b>/y", revision: "<i>", since: "2025-03-01T10:00:00Z" }] }),
            streams: [
                {
                    stream: "4.16",
                    pending: [{ repository: "<b>x</b>/y", revision: "<i>", since: "2025-03-01T10:00:00Z" }],
                    unfinished: 0,
                    lastStarted: null,
                },
            ],
        });
        assert.equal(status.streams.find((s) => s.stream === "4.15")?.pushes, undefined);
        const page = site.get("4.16/index.html") as string;
        assert.ok(!page.includes("<b>x</b>") && page.includes("&lt;b&gt;x&lt;/b&gt;/y"));
    });
});

describe("nextFiring (the dispatcher's next firing, as robfig/cron/v3 schedules it)", () => {
    const at = (spec: string, from: string) => {
        const parsed = parseCronJobSchedule(spec);
        assert.ok("schedule" in parsed, spec);
        return nextFiring(parsed.schedule, new Date(from))?.toISOString();
    };
    it("finds the first whole minute at or after the time", () => {
        assert.equal(at("*/10 * * * *", "2025-03-01T13:55:00Z"), "2025-03-01T14:00:00.000Z");
        assert.equal(at("*/10 * * * *", "2025-03-01T14:00:00Z"), "2025-03-01T14:00:00.000Z");
        assert.equal(at("*/10 * * * *", "2025-03-01T14:00:01Z"), "2025-03-01T14:10:00.000Z");
        assert.equal(at("@hourly", "2025-03-01T14:00:01Z"), "2025-03-01T15:00:00.000Z");
        assert.equal(at("0 4 * * mon", "2025-03-01T14:00:00Z"), "2025-03-03T04:00:00.000Z");
        // Day of month and day of week both restricted: either matches (2025-03-02 is a Sunday).
        assert.equal(at("0 0 15 * sun", "2025-03-01T14:00:00Z"), "2025-03-02T00:00:00.000Z");
        assert.equal(at("@every 1h", "2025-03-01T14:00:00Z"), undefined);
    });
});
