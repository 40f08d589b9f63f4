import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";

import { upgradeGraphSvg } from "../../components/pipelines/status/graph";
import { esc, overviewPage, pagePath, payloadPage, streamPage } from "../../components/pipelines/status/html";
import { buildStatus } from "../../components/pipelines/status/model";
import type { Notes, Payload, Status, StreamStatus } from "../../components/pipelines/status/schema";
import { renderSite } from "../../components/pipelines/status/site";
import { promotion, record, tree } from "./records";

const n15 = (day: string) => `4.15.0-0.okd-2025-01-${day}-000000`;
const gh = "https://github.com/openshift/installer";
const c1 = "0123456789abcdef0123456789abcdef01234567";
const c2 = "89abcdef0123456789abcdef0123456789abcdef";

describe("status pages (HTML)", () => {
    it("escapes the five characters HTML gives meaning to", () => {
        assert.equal(
            esc(`<a href="x" title='y'>&amp;</a>`),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;",
        );
        assert.equal(esc("plain 4.15"), "plain 4.15");
    });

    it("styles a verdict or outcome it does not know by its letters only, and shows it as recorded", () => {
        const r = record(n15("01"), {
            verdict: "Odd_1 <x>",
            gates: [{ gate: "aws", blocking: true, outcome: "timed-out 2" }],
        });
        const status = buildStatus(tree([r]), { now: new Date("2025-01-02T00:00:00Z"), limit: 5 });
        const s = status.streams[0];
        const page = payloadPage(status, s, s.payloads[0], {});
        assert.ok(page.includes(`<h1>${r.name} <span class="verdict verdict-ddx">Odd_1 &lt;x&gt;</span></h1>`));
        assert.ok(page.includes(`<td><span class="verdict outcome-timedout">timed-out 2</span></td>`));
        assert.ok(
            streamPage(status, s).includes(
                `<strong>aws</strong> (blocking): <span class="verdict outcome-timedout">timed-out 2</span>`,
            ),
        );
    });

    it("says only what a record holds: a payload with nothing optional, its stream and the overview", () => {
        const r = record(n15("04"), { verdict: "rejected", pipelineRun: undefined, basePayload: null });
        const status = buildStatus(tree([r]), { now: new Date("2025-01-06T00:00:00Z"), limit: 10 });
        const s = status.streams[0];
        const body = (html: string, from: string) => html.slice(html.indexOf(from), html.indexOf("<footer>"));
        const link = (depth: string) => `<a href="${depth}4.15/${r.name}.html">${r.name}</a>`;
        const badge = `<span class="verdict verdict-rejected">rejected</span>`;
        const none = `<span class="muted">none</span>`;
        assert.equal(
            body(payloadPage(status, s, s.payloads[0], {}), "<dl>"),
            [
                "<dl>",
                `<dt>Stream</dt><dd><a href="index.html">4.15</a></dd>`,
                "<dt>Made</dt><dd>2025-01-04T00:00:00Z</dd>",
                "",
                "",
                "",
                `<dt>Pull spec</dt><dd class="mono">r/okd/release:${r.name}</dd>`,
                `<dt>Digest</dt><dd class="mono">sha256:11</dd>`,
                "",
                "",
                "</dl>",
                "<h2>Gates</h2>",
                `<p class="muted">No gate ran: rejected.</p>`,
                "",
                "<h2>Upgrade edges</h2>",
                "<h3>Upgrades from (recorded as previous)</h3>",
                `<p class="muted">none</p>`,
                "<h3>Upgrades to (payloads shown that record this one)</h3>",
                `<p class="muted">none</p>`,
                "",
                "",
                "<h2>Sources</h2>",
                `<p class="muted">none recorded</p>`,
                "",
            ].join("\n"),
        );
        assert.equal(
            body(streamPage(status, s), "<dl>"),
            [
                "<dl>",
                `<dt>Latest accepted</dt><dd>${none}</dd>`,
                `<dt>Latest promoted</dt><dd>${none}</dd>`,
                `<dt>Latest payload</dt><dd>${link("../")} ${badge}<br><span class="muted">2025-01-04T00:00:00Z</span></dd>`,
                "",
                "",
                "",
                "",
                "<dt>Payloads</dt><dd>1 recorded, 1 shown (the newest and every promoted one)</dd>",
                "</dl>",
                "",
                "<h2>Upgrade graph</h2>",
                `<p class="muted">No payload shown records an upgrade edge.</p>`,
                "<h2>Payloads</h2>",
                `<table class="payloads">`,
                "<thead><tr><th>Payload</th><th>Made</th><th>Verdict</th><th>Gates</th></tr></thead>",
                "<tbody>",
                `<tr class="payload" data-name="${r.name}">`,
                `<td>${link("../")}</td>`,
                "<td>2025-01-04T00:00:00Z</td>",
                `<td>${badge}<br><span class="why">rejected</span></td>`,
                `<td><span class="muted">no gate reported</span></td>`,
                "</tr>",
                "</tbody>",
                "</table>",
                `<p><a href="status.json">This stream as JSON</a></p>`,
                "",
            ].join("\n"),
        );
        assert.equal(
            body(overviewPage(status), "<h1>"),
            [
                "<h1>OKD release status</h1>",
                `<div class="health stale" role="alert"><strong>STALE: 4.15</strong>: no accepted payload in 48 h.</div>`,
                `<table class="streams">`,
                "<thead><tr><th>Stream</th><th>Health</th><th>Latest accepted</th><th>Latest promoted</th><th>Latest payload</th><th>Payloads</th></tr></thead>",
                "<tbody>",
                `<tr class="stream" data-stream="4.15">`,
                `<td><a href="4.15/index.html">4.15</a> <span class="muted">(not configured)</span></td>`,
                `<td class="health-cell stale"><span data-live="STALE: no accepted payload since ever (more than 48 h, by your browser&#39;s clock)">STALE: stream 4.15 has never had an accepted payload</span></td>`,
                `<td>${none}</td>`,
                `<td>${none}</td>`,
                `<td>${link("")} ${badge}<br><span class="muted">2025-01-04T00:00:00Z</span></td>`,
                "<td>1 (0 accepted, 1 rejected, 0 unfinished, 0 pending; 0 promoted)</td>",
                "</tr>",
                "</tbody>",
                "</table>",
                "",
                "",
            ].join("\n"),
        );
    });

    it("puts the overview at the root, a page per stream and per payload under the stream", () => {
        assert.equal(pagePath.overview, "index.html");
        assert.equal(pagePath.stream("4.15"), "4.15/index.html");
        assert.equal(pagePath.payload("4.15", n15("01")), `4.15/${n15("01")}.html`);
    });

    describe("every page", () => {
        const r = record(n15("01"), { verdict: "accepted" });
        // Built in a hook, not while mocha loads the file: a mutant in what renders it can then fail the tests below.
        let site: Map<string, string>;
        before(() => {
            site = renderSite(buildStatus(tree([r]), { now: new Date("2025-01-02T00:00:00Z"), limit: 5 }), {});
        });

        it("allows only its own styles and its one script, by that script's hash", () => {
            for (const [file, page] of site) {
                if (!file.endsWith(".html")) continue;
                const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
                assert.equal(scripts.length, 1, file);
                const hash = createHash("sha256").update(scripts[0]).digest("base64");
                assert.ok(
                    page.includes(
                        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'">`,
                    ),
                    file,
                );
                assert.match(page, /^<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">/);
            }
        });

        it("links the overview and the JSON facts from its depth, and says when and by which rule it was rendered", () => {
            const overview = site.get("index.html") as string;
            const payload = site.get(`4.15/${r.name}.html`) as string;
            assert.ok(overview.includes(`<nav><a href="index.html">OKD release status</a></nav>`));
            assert.ok(
                payload.includes(
                    `<nav><a href="../index.html">OKD release status</a> › <a href="index.html">4.15</a> › ${r.name}</nav>`,
                ),
            );
            assert.ok(
                (site.get("4.15/index.html") as string).includes(
                    `<nav><a href="../index.html">OKD release status</a> › <a href="index.html">4.15</a></nav>`,
                ),
            );
            assert.ok(overview.includes(`<title>OKD release status</title>`));
            assert.ok((site.get("4.15/index.html") as string).includes(`<title>OKD 4.15</title>`));
            assert.ok(payload.includes(`<title>${r.name}</title>`));
            const footer = [
                "<footer>Rendered 2025-01-02T00:00:00Z from the release records alone; staleness is as of then, and as of now in a browser that runs the page's one script.",
                "A stream is stale when it has no accepted payload for 48 h (okd-project/okd-release-watcher pkg/report/report.go (AcceptedStalenessLimit 48h, BuiltStalenessLimit 72h)).",
                `The same facts as JSON: <a href="status.json">status.json</a> (<a href="schema.json">schema</a>).</footer>`,
            ].join("\n");
            assert.ok(overview.includes(footer));
            assert.ok(
                payload.includes(
                    `The same facts as JSON: <a href="../status.json">status.json</a> (<a href="../schema.json">schema</a>).</footer>`,
                ),
            );
        });
    });

    describe("health: the watcher's accepted-staleness rule, loudly when stale", () => {
        const fresh = record(n15("01"), { verdict: "accepted" });
        const old = record("4.14.0-0.okd-2024-12-01-000000", { verdict: "accepted" });
        const oldRejected = record("4.14.0-0.okd-2024-12-02-000000", { verdict: "rejected" });
        // Built in a hook, not while mocha loads the file: a mutant in what renders it can then fail the tests below.
        let status: Status;
        let s16: StreamStatus, s15: StreamStatus, s14: StreamStatus;
        before(() => {
            status = buildStatus(tree([fresh, old, oldRejected]), {
                now: new Date("2025-01-02T00:00:00Z"),
                limit: 5,
                streams: [
                    { minor: "4.16", variant: "okd-scos" },
                    { minor: "4.15", variant: "okd" },
                ],
            });
            [s16, s15, s14] = status.streams;
        });
        const live = (t: string) =>
            `STALE: no accepted payload since ${t} (more than 48 h, by your browser&#39;s clock)`;

        it("says a fresh stream is OK until when, and lets the page's script turn it stale", () => {
            const page = streamPage(status, s15);
            assert.ok(
                page.includes(
                    `<div class="health fresh" role="status" data-stale-at="2025-01-03T00:00:00Z"><strong data-live="${live("2025-01-01T00:00:00Z")}">OK: accepted payload ${fresh.name} from 2025-01-01T00:00:00Z; stale from 2025-01-03T00:00:00Z unless a newer one is accepted</strong></div>`,
                ),
            );
        });

        it("says a stale stream is stale since when, and that nothing finished gating", () => {
            const page = streamPage(status, s14);
            assert.ok(
                page.includes(
                    `<div class="health stale" role="alert"><strong data-live="${live("2024-12-01T00:00:00Z")}">STALE: no accepted payload in more than 48 h; the newest, ${old.name}, is from 2024-12-01T00:00:00Z (stale since 2024-12-03T00:00:00Z)</strong><br>No payload finished gating in more than 72 h (the newest, ${oldRejected.name}).</div>`,
                ),
            );
        });

        it("says a stream never had an accepted payload", () => {
            const page = streamPage(status, s16);
            assert.ok(
                page.includes(
                    `<div class="health stale" role="alert"><strong data-live="${live("ever")}">STALE: stream 4.16 has never had an accepted payload</strong><br>No payload finished gating in more than 72 h.</div>`,
                ),
            );
        });

        it("lists the stale streams first on the overview, each row with its health and payloads", () => {
            const page = overviewPage(status);
            assert.ok(
                page.includes(
                    `<div class="health stale" role="alert"><strong>STALE: 4.16, 4.14</strong>: no accepted payload in 48 h.</div>`,
                ),
            );
            assert.ok(
                page.includes(
                    `<tr class="stream" data-stream="4.15">\n<td><a href="4.15/index.html">4.15</a> <span class="muted">okd</span></td>\n<td class="health-cell fresh" data-stale-at="2025-01-03T00:00:00Z"><span data-live="${live("2025-01-01T00:00:00Z")}">OK: accepted payload`,
                ),
            );
            assert.ok(
                page.includes(
                    `<tr class="stream" data-stream="4.14">\n<td><a href="4.14/index.html">4.14</a> <span class="muted">(not configured)</span></td>\n<td class="health-cell stale"><span data-live=`,
                ),
            );
            assert.ok(page.includes(`<td>2 (1 accepted, 1 rejected, 0 unfinished, 0 pending; 0 promoted)</td>\n</tr>`));
            assert.ok(page.includes(`<td><span class="muted">none</span></td>`), "4.16 has no latest payload");
            assert.ok(
                page.includes(
                    `<td><a href="4.15/${fresh.name}.html">${fresh.name}</a> <span class="verdict verdict-accepted">accepted</span><br><span class="muted">2025-01-01T00:00:00Z</span></td>`,
                ),
            );
            assert.doesNotMatch(page, /class="problems"/);
            // One row per line.
            assert.ok(page.includes(`</tr>\n<tr class="stream" data-stream="4.14">`));
            // Nothing stale: no banner.
            const ok = buildStatus(tree([fresh]), { now: new Date("2025-01-02T00:00:00Z"), limit: 5 });
            assert.doesNotMatch(overviewPage(ok), /<div class="health/);
            assert.ok(overviewPage(ok).includes(`<h1>OKD release status</h1>\n\n<table class="streams">`));
        });
    });

    it("lists the records it could not read on the overview, escaped", () => {
        const status = buildStatus(tree([], { problems: ["releases/4.15/<x>.json is not JSON", "second"] }), {
            now: new Date("2025-01-02T00:00:00Z"),
            limit: 5,
        });
        assert.ok(
            overviewPage(status).includes(
                `<div class="problems"><strong>Records that could not be read:</strong><ul><li>releases/4.15/&lt;x&gt;.json is not JSON</li><li>second</li></ul></div>`,
            ),
        );
    });

    describe("a stream's page", () => {
        const p1 = record(n15("01"), {
            verdict: "accepted",
            promotion,
            promotedName: "4.15.0-okd-scos.0",
            gates: [{ gate: "aws", blocking: true, outcome: "passed" }],
        });
        const p2 = record(n15("02"), {
            verdict: "rejected",
            previous: ["4.15.0-okd-scos.0", "4.14.0-0.okd-2024-12-01-000000", "4.13.0-0.okd-2024-11-01-000000"],
            gates: [
                { gate: "aws", blocking: true, outcome: "failed", reason: "bootstrap <timed> out" },
                { gate: "upgrade-gcp", kind: "upgrade", blocking: false, outcome: "passed" },
            ],
            fallbacks: [{ component: "installer" }, { component: "<oc>" }],
        });
        const p3 = record(n15("03"), { verdict: "accepted" });
        const p4 = record(n15("04"), { verdict: "unfinished" });
        const p5 = record(n15("05"), { verdict: "pending" });
        const r14 = record("4.14.0-0.okd-2024-12-01-000000", { verdict: "accepted" });
        let status: Status;
        let s: StreamStatus;
        let page: string;
        before(() => {
            status = buildStatus(tree([p1, p2, p3, p4, p5, r14]), {
                now: new Date("2025-01-06T00:00:00Z"),
                limit: 10,
                streams: [
                    {
                        minor: "4.15",
                        promote: true,
                        gates: [
                            { gate: "aws", blocking: true },
                            { gate: "upgrade-gcp", blocking: false, kind: "upgrade" },
                        ],
                        throttle: { minIntervalMinutes: 240, maxUnfinished: 1, "<b>": "<i>" },
                    },
                    { minor: "4.14", promote: false, gates: [] },
                ],
            });
            s = status.streams[0];
            page = streamPage(status, s);
        });

        it("names the stream's configuration: gates, promotion and throttle", () => {
            assert.ok(page.includes(`<h1>Stream 4.15</h1>`));
            assert.ok(page.includes(`<dt>Gates</dt><dd>aws (blocking), upgrade-gcp upgrade (optional)</dd>`));
            assert.ok(page.includes(`<dt>Promotes</dt><dd>yes</dd>`));
            assert.ok(
                page.includes(
                    `<dt>Throttle</dt><dd>minIntervalMinutes: 240, maxUnfinished: 1, &lt;b&gt;: &lt;i&gt;</dd>`,
                ),
            );
            assert.ok(
                page.includes(`<dt>Payloads</dt><dd>5 recorded, 5 shown (the newest and every promoted one)</dd>`),
            );
            assert.ok(page.includes(`<p><a href="status.json">This stream as JSON</a></p>`));
            assert.doesNotMatch(page, /Pushes waiting/);
            const p14 = streamPage(status, status.streams[1]);
            assert.ok(p14.includes(`<dt>Gates</dt><dd>none (every payload is accepted)</dd>`));
            assert.ok(p14.includes(`<dt>Promotes</dt><dd>no</dd>`));
            assert.doesNotMatch(p14, /<dt>Throttle<\/dt>/);
            // Without a configuration, nothing about it is said.
            const bare = buildStatus(tree([p3]), { now: new Date("2025-01-06T00:00:00Z"), limit: 5 });
            const barePage = streamPage(bare, bare.streams[0]);
            assert.doesNotMatch(barePage, /<dt>(Gates|Promotes|Throttle)<\/dt>/);
            assert.ok(
                overviewPage(status).includes(
                    `<br><span class="muted">throttle: minIntervalMinutes: 240, maxUnfinished: 1, &lt;b&gt;: &lt;i&gt;</span></td>`,
                ),
            );
        });

        it("names the latest accepted, promoted and made payloads", () => {
            assert.ok(
                page.includes(
                    `<dt>Latest accepted</dt><dd><a href="../4.15/${p3.name}.html">${p3.name}</a> <span class="verdict verdict-accepted">accepted</span><br><span class="muted">2025-01-03T00:00:00Z</span></dd>`,
                ),
            );
            assert.ok(
                page.includes(
                    `<dt>Latest promoted</dt><dd><a href="../4.15/${p1.name}.html">${p1.name}</a> <span class="verdict verdict-accepted">accepted</span> <span class="promoted">promoted as 4.15.0-okd-scos.0</span><br>`,
                ),
            );
            assert.ok(
                page.includes(
                    `<dt>Latest payload</dt><dd><a href="../4.15/${p5.name}.html">${p5.name}</a> <span class="verdict verdict-pending">pending</span><br>`,
                ),
            );
        });

        it("shows every payload with its verdict, why, and gates, newest first", () => {
            assert.match(page, /<\/tr>\n<tr class="payload" data-name="/, "one row per line");
            const rows = [...page.matchAll(/<tr class="payload" data-name="([^"]+)">/g)].map((m) => m[1]);
            assert.deepEqual(rows, [p5.name, p4.name, p3.name, p2.name, p1.name]);
            const row = (name: string) =>
                page.slice(page.indexOf(`<tr class="payload" data-name="${name}">`)).split("</tr>")[0];
            assert.equal(
                row(p2.name),
                `<tr class="payload" data-name="${p2.name}">\n<td><a href="../4.15/${p2.name}.html">${p2.name}</a></td>\n<td>2025-01-02T00:00:00Z</td>\n<td><span class="verdict verdict-rejected">rejected</span><br><span class="why">rejected: blocking gate aws failed</span></td>\n<td><span class="gate gate-aws"><strong>aws</strong> (blocking): <span class="verdict outcome-failed">failed</span> <span class="why">bootstrap &lt;timed&gt; out</span></span><span class="gate gate-upgrade-gcp"><strong>upgrade-gcp</strong> upgrade (optional): <span class="verdict outcome-passed">passed</span></span><br><strong>Fell back:</strong> installer, &lt;oc&gt;</td>\n`,
            );
            assert.ok(row(p5.name).includes(`<td><span class="muted">gating</span></td>`));
            assert.ok(row(p3.name).includes(`<td><span class="muted">no gate</span></td>`));
            assert.ok(row(p4.name).includes(`<td><span class="muted">no gate reported</span></td>`));
            assert.ok(row(p1.name).includes(` <span class="promoted">promoted as 4.15.0-okd-scos.0</span><br>`));
            const empty = buildStatus(tree([]), {
                now: new Date("2025-01-06T00:00:00Z"),
                limit: 5,
                streams: [{ minor: "4.16" }],
            });
            const emptyPage = streamPage(empty, empty.streams[0]);
            assert.ok(emptyPage.includes(`<tr><td colspan="4" class="muted">No payload recorded yet.</td></tr>`));
            assert.ok(emptyPage.includes(`<p class="muted">No payload shown records an upgrade edge.</p>`));
        });

        it("draws the upgrade graph, linking each release with a record to its page", () => {
            const svg = page.slice(page.indexOf("<svg"), page.indexOf("</svg>"));
            // Same stream: beside this page; another stream: that stream's page; no record here: no link.
            assert.ok(svg.includes(`<a href="${p1.name}.html"><text`));
            assert.ok(svg.includes(`<a href="../4.14/${r14.name}.html"><text`));
            assert.ok(
                svg.includes(
                    `<g class="node" data-name="4.13.0-0.okd-2024-11-01-000000"><circle cx="230" cy="16" r="4" fill="#fff" stroke="#6e7781" stroke-width="2"><title>4.13.0-0.okd-2024-11-01-000000: unknown</title></circle><text x="242" y="20" font-size="12" fill="#1f2328">4.13.0-0.okd-2024-11-01-000000 (no record here)</text></g>`,
                ),
            );
        });
    });

    describe("a payload's page", () => {
        const dir = `logs/4.15/${n15("03")}`;
        const from = record(n15("01"), { verdict: "accepted", promotion, promotedName: "4.15.0-okd-scos.0" });
        const p = record(n15("03"), {
            verdict: "accepted",
            decided: "2025-01-03T02:00:00Z",
            finished: "2025-01-03T02:05:00Z",
            pipelineStatus: "Succeeded",
            pipelineRun: "okd-nightly-4-15-x",
            basePayload: "quay.io/openshift/okd:<base>",
            logs: "s3://okd-artifacts/logs/4.15/x/",
            previous: ["4.15.0-okd-scos.0", "4.14.0-0.okd-2024-12-01-000000"],
            gates: [
                { gate: "aws", blocking: true, outcome: "passed" },
                { gate: "upgrade-gcp", kind: "upgrade", from: "4.15.0-okd-scos.0", blocking: false, outcome: "failed" },
            ],
            promotion: {
                at: "2025-01-04T00:00:00Z",
                targets: [
                    { release: "quay.io/openshift/okd:a@sha256:77", digest: "sha256:77", copied: true },
                    { release: "registry.example/okd:a@sha256:77", copied: false },
                    { release: "mirror.example/okd:a" },
                ],
            },
            fallbacks: [
                { component: "ironic", reason: "exit <1>", image: "quay.io/openshift/okd@sha256:00" },
                { component: "keys", reason: "no image" },
            ],
            sources: {
                installer: { image: "r/okd@sha256:aa", source: gh, commit: c2 },
                "machine-os": { image: "r/okd/os@sha256:bb" },
            },
        });
        const next = record(n15("04"), {
            verdict: "rejected",
            previous: [p.name],
            pipelineRun: undefined,
            basePayload: null,
        });
        const other = record(n15("05"), { verdict: "rejected", previous: ["4.15.0-okd-scos.0"] });
        let status: Status;
        let s: StreamStatus;
        let payload: Payload;
        before(() => {
            status = buildStatus(
                tree([from, p, next, other], {
                    logFiles: [
                        // Sorted, as readTree lists them.
                        `${dir}/aws/artifacts/a b#c.log`,
                        `${dir}/aws/artifacts/e2e.log`,
                        `${dir}/aws/artifacts/junit/junit_e2e.xml`,
                    ],
                }),
                { now: new Date("2025-01-06T00:00:00Z"), limit: 10 },
            );
            s = status.streams[0];
            const found = s.payloads.find((x) => x.name === p.name);
            assert.ok(found);
            payload = found;
        });
        const page = (href?: string) =>
            payloadPage(status, s, payload, href === undefined ? {} : { artifactsHref: href });

        it("names the run, pull spec, digest, base payload and logs of the payload, escaped", () => {
            const html = page();
            assert.ok(
                html.includes(
                    `<h1>${p.name} <span class="verdict verdict-accepted">accepted</span> <span class="promoted">promoted</span></h1>\n<p class="why-verdict"><strong>accepted: every blocking gate passed; optional upgrade-gcp failed</strong></p>`,
                ),
            );
            for (const line of [
                `<dt>Stream</dt><dd><a href="index.html">4.15</a></dd>`,
                `<dt>Made</dt><dd>2025-01-03T00:00:00Z</dd>`,
                `<dt>Decided</dt><dd>2025-01-03T02:00:00Z</dd>`,
                `<dt>Run finished</dt><dd>2025-01-03T02:05:00Z (Succeeded)</dd>`,
                `<dt>PipelineRun</dt><dd class="mono">okd-nightly-4-15-x</dd>`,
                `<dt>Pull spec</dt><dd class="mono">r/okd/release:${p.name}</dd>`,
                `<dt>Digest</dt><dd class="mono">sha256:11</dd>`,
                `<dt>Base payload</dt><dd class="mono">quay.io/openshift/okd:&lt;base&gt;</dd>`,
                `<dt>Logs</dt><dd class="mono">s3://okd-artifacts/logs/4.15/x/</dd>`,
            ]) {
                assert.ok(html.includes(`\n${line}\n`), line);
            }
            // The bare payload: none of those.
            const bare = s.payloads.find((x) => x.name === next.name);
            assert.ok(bare);
            const bareHtml = payloadPage(status, s, bare, {});
            assert.doesNotMatch(bareHtml, /<dt>(Decided|Run finished|PipelineRun|Base payload|Logs)<\/dt>/);
            assert.ok(bareHtml.includes(`<p class="muted">No gate ran: rejected.</p>`));
            assert.ok(bareHtml.includes(`<h2>Sources</h2>\n<p class="muted">none recorded</p>`));
            assert.doesNotMatch(bareHtml, /<h2>(Promotion|Components that kept)/);
            const finishedOnly = payloadPage(status, s, { ...bare, finished: "2025-01-04T01:00:00Z" }, {});
            assert.ok(finishedOnly.includes(`<dt>Run finished</dt><dd>2025-01-04T01:00:00Z</dd>`));
        });

        it("lists each gate with why, its logs and its JUnit, linked where the site says artifacts are", () => {
            const row = (html: string) =>
                html.slice(html.indexOf(`<tr class="gate-row" data-gate="aws">`)).split("</tr>")[0];
            assert.equal(
                row(page()),
                `<tr class="gate-row" data-gate="aws">\n<td>aws</td><td>install</td><td>blocking</td>\n<td><span class="verdict outcome-passed">passed</span></td><td class="why"></td>\n<td><span class="mono">${dir}/aws/artifacts/a b#c.log</span><br><span class="mono">${dir}/aws/artifacts/e2e.log</span></td>\n<td><span class="mono">${dir}/aws/artifacts/junit/junit_e2e.xml</span></td>\n`,
            );
            const enc = `logs/4.15/${n15("03")}/aws/artifacts`;
            assert.ok(
                row(page("../")).includes(
                    `<td><a class="artifact artifact-log" href="../../${enc}/a%20b%23c.log">artifacts/a b#c.log</a><br><a class="artifact artifact-log" href="../../${enc}/e2e.log">artifacts/e2e.log</a></td>\n<td><a class="artifact artifact-junit" href="../../${enc}/junit/junit_e2e.xml">artifacts/junit/junit_e2e.xml</a></td>`,
                ),
            );
            assert.ok(
                row(page("https://bucket.example/")).includes(
                    `<a class="artifact artifact-log" href="https://bucket.example/${enc}/e2e.log">artifacts/e2e.log</a>`,
                ),
            );
            assert.ok(row(page("")).includes(`href="../${enc}/e2e.log"`));
            // Relative unless it starts with a scheme: a "://" further on does not make it absolute.
            assert.ok(row(page("files/https://x/")).includes(`href="../files/https://x/${enc}/e2e.log"`));
            // The gates' rows side by side.
            assert.ok(page().includes(`</tr><tr class="gate-row" data-gate="upgrade-gcp">`));
            const upgrade = page()
                .slice(page().indexOf(`<tr class="gate-row" data-gate="upgrade-gcp">`))
                .split("</tr>")[0];
            assert.equal(
                upgrade,
                `<tr class="gate-row" data-gate="upgrade-gcp">\n<td>upgrade-gcp</td><td>upgrade from 4.15.0-okd-scos.0</td><td>optional</td>\n<td><span class="verdict outcome-failed">failed</span></td><td class="why">the upgrade from 4.15.0-okd-scos.0 failed</td>\n<td><span class="muted">none uploaded</span></td>\n<td><span class="muted">none uploaded</span></td>\n`,
            );
        });

        it("lists the upgrade edges both ways, by payload and published name", () => {
            const html = page();
            assert.ok(
                html.includes(
                    `<ul class="previous"><li><a href="../4.15/${from.name}.html">${from.name}</a> (4.15.0-okd-scos.0)</li><li>4.14.0-0.okd-2024-12-01-000000</li></ul>`,
                ),
            );
            assert.ok(
                html.includes(`<ul class="next"><li><a href="../4.15/${next.name}.html">${next.name}</a></li></ul>`),
            );
            // Recorded as previous by its own name: linked, the name once.
            const nextPayload = s.payloads.find((x) => x.name === next.name);
            assert.ok(nextPayload);
            assert.ok(
                payloadPage(status, s, nextPayload, {}).includes(
                    `<ul class="previous"><li><a href="../4.15/${p.name}.html">${p.name}</a></li></ul>`,
                ),
            );
            // Recorded as previous by its published name.
            const fromPayload = s.payloads.find((x) => x.name === from.name);
            assert.ok(fromPayload);
            const fromHtml = payloadPage(status, s, fromPayload, {});
            assert.ok(
                fromHtml.includes(
                    `<ul class="next"><li><a href="../4.15/${other.name}.html">${other.name}</a></li><li><a href="../4.15/${p.name}.html">${p.name}</a></li></ul>`,
                ),
            );
            assert.ok(fromHtml.includes(`<h3>Upgrades from (recorded as previous)</h3>\n<p class="muted">none</p>`));
            const lastHtml = payloadPage(status, s, s.payloads[0], {});
            assert.ok(
                lastHtml.includes(
                    `<h3>Upgrades to (payloads shown that record this one)</h3>\n<p class="muted">none</p>`,
                ),
            );
        });

        it("shows the promotion, the fallbacks and the sources", () => {
            const html = page();
            assert.ok(
                html.includes(
                    `<h2>Promotion</h2><p>Promoted 2025-01-04T00:00:00Z.</p><table><thead><tr><th>Release</th><th>Digest</th><th>Copied</th></tr></thead><tbody><tr><td class="mono">quay.io/openshift/okd:a@sha256:77</td><td class="mono">sha256:77</td><td>copied</td></tr><tr><td class="mono">registry.example/okd:a@sha256:77</td><td class="mono"></td><td>already there</td></tr><tr><td class="mono">mirror.example/okd:a</td><td class="mono"></td><td></td></tr></tbody></table>`,
                ),
            );
            assert.ok(
                html.includes(
                    `<h2>Components that kept the base payload's image</h2><table class="fallbacks"><thead><tr><th>Component</th><th>Why</th><th>Image kept</th></tr></thead><tbody><tr><td>ironic</td><td>exit &lt;1&gt;</td><td class="mono">quay.io/openshift/okd@sha256:00</td></tr><tr><td>keys</td><td>no image</td><td class="mono"></td></tr></tbody></table><p>A component that fell back is never counted as passed.</p>`,
                ),
            );
            assert.ok(
                html.includes(
                    `<tbody><tr><td>installer</td><td class="mono">r/okd@sha256:aa</td><td class="mono">${gh}</td><td class="mono">${c2}</td></tr><tr><td>machine-os</td><td class="mono">r/okd/os@sha256:bb</td><td class="mono"></td><td class="mono"></td></tr></tbody>`,
                ),
            );
            const fromPayload = s.payloads.find((x) => x.name === from.name);
            assert.ok(fromPayload);
            assert.ok(
                payloadPage(status, s, fromPayload, {}).includes(
                    `<span class="verdict verdict-accepted">accepted</span> <span class="promoted">promoted as 4.15.0-okd-scos.0</span></h1>`,
                ),
            );
            const ownName = payloadPage(status, s, { ...fromPayload, publishedName: undefined }, {});
            assert.ok(ownName.includes(` <span class="promoted">promoted</span></h1>`));
        });
    });

    describe("release notes on a payload's page", () => {
        const from = record("4.14.0-0.okd-2024-12-01-000000", {
            verdict: "accepted",
            promotion,
            promotedName: "4.14.0-okd.9",
        });
        const p = record(n15("03"), { verdict: "accepted", promotion });
        const notes: Notes = {
            schemaVersion: 1,
            stream: "4.15",
            name: p.name,
            from: { name: from.name, stream: "4.14", publishedName: "4.14.0-okd.9" },
            basePayload: { from: "quay.io/okd:<a>", to: "quay.io/okd:b" },
            components: [
                {
                    component: "installer",
                    change: "updated",
                    source: gh,
                    fromCommit: c1,
                    toCommit: c2,
                    compare: `${gh}/compare/${c1}...${c2}`,
                },
                { component: "installer-artifacts", change: "updated", fromCommit: c1, toCommit: c2 },
                { component: "ironic", change: "kept-base", reason: "exit <1>", fromCommit: c1 },
                { component: "keys", change: "added", toCommit: c2 },
                { component: "os", change: "rebuilt" },
            ],
            commits: {
                "installer, installer-artifacts": [
                    { subject: "Fix <x>", url: `${gh}/pull/7`, id: "#7" },
                    { subject: "Plain", url: "http://example/pull/8", id: "#8" },
                    { subject: "No id", url: `${gh}/pull/9` },
                    // Stored notes are data: only an https URL becomes a link.
                    { subject: "Script", url: "javascript:alert(1)//https://x/", id: "#10" },
                ],
                keys: [],
                os: [],
            },
            elidedCommits: { "installer, installer-artifacts": 1, os: 2 },
            changelogError: "oc <failed>",
        };
        let section: string;
        before(() => {
            const status = buildStatus(tree([from, p], { notes: new Map([[`4.15/${p.name}`, notes]]) }), {
                now: new Date("2025-01-06T00:00:00Z"),
                limit: 10,
            });
            const s = status.streams.find((x) => x.stream === "4.15");
            assert.ok(s);
            const html = payloadPage(status, s, s.payloads[0], {});
            section = html.slice(html.indexOf(`<section class="notes">`), html.indexOf("</section>"));
        });

        it("says where the notes start, where they come from, and the base payloads", () => {
            assert.ok(
                section.includes(
                    `<h2>Release notes</h2>\n<p>Changes since <a href="../4.14/${from.name}.html">${from.name}</a> (4.14.0-okd.9) (stream 4.14). Stored at promotion; pull requests from <code>oc adm release info --changelog</code>.</p>\n<p>Base payload: <code>quay.io/okd:&lt;a&gt;</code> → <code>quay.io/okd:b</code></p>`,
                ),
            );
            assert.ok(section.includes(`<p class="muted">Pull requests are not listed: oc &lt;failed&gt;</p>`));
        });

        it("gives each component its change, range and pull requests", () => {
            const rows = section
                .split(`<tr class="change"`)
                .slice(1)
                .map((r) => `<tr class="change"${r.split("</tr>")[0]}</tr>`);
            assert.deepEqual(rows, [
                `<tr class="change" data-component="installer"><td>installer</td><td>updated</td><td class="mono">${gh}</td><td><a href="${gh}/compare/${c1}...${c2}"><code>0123456789ab...89abcdef0123</code></a><ul><li>Fix &lt;x&gt; <a href="${gh}/pull/7">#7</a></li><li>Plain #8</li><li>No id</li><li>Script #10</li><li class="muted">And 1 elided commit (e.g. from squash or rebase merges)</li></ul></td></tr>`,
                `<tr class="change" data-component="installer-artifacts"><td>installer-artifacts</td><td>updated</td><td class="mono"></td><td><code>0123456789ab...89abcdef0123</code><ul><li>Fix &lt;x&gt; <a href="${gh}/pull/7">#7</a></li><li>Plain #8</li><li>No id</li><li>Script #10</li><li class="muted">And 1 elided commit (e.g. from squash or rebase merges)</li></ul></td></tr>`,
                `<tr class="change" data-component="ironic"><td>ironic</td><td>kept-base: exit &lt;1&gt;</td><td class="mono"></td><td><code>0123456789ab</code></td></tr>`,
                `<tr class="change" data-component="keys"><td>keys</td><td>added</td><td class="mono"></td><td><code>89abcdef0123</code></td></tr>`,
                `<tr class="change" data-component="os"><td>os</td><td>rebuilt</td><td class="mono"></td><td><code></code><ul><li class="muted">And 2 elided commits (e.g. from squash or rebase merges)</li></ul></td></tr>`,
            ]);
        });

        it("puts the rows side by side and names a base payload first recorded now from (none)", () => {
            assert.ok(section.includes(`</tr><tr class="change" data-component="installer-artifacts">`));
            const st = buildStatus(
                tree([from, p], {
                    notes: new Map([[`4.15/${p.name}`, { ...notes, basePayload: { to: "quay.io/okd:b" } }]]),
                }),
                { now: new Date("2025-01-06T00:00:00Z"), limit: 10 },
            );
            const s = st.streams.find((x) => x.stream === "4.15");
            assert.ok(s);
            assert.ok(
                payloadPage(st, s, s.payloads[0], {}).includes(
                    `<p>Base payload: <code>(none)</code> → <code>quay.io/okd:b</code></p>`,
                ),
            );
        });

        it("calls computed notes of an unpromoted payload the next release's candidate", () => {
            const q = record(n15("04"), { verdict: "accepted" });
            const st = buildStatus(tree([p, q]), { now: new Date("2025-01-06T00:00:00Z"), limit: 10 });
            const qPayload = st.streams[0].payloads[0];
            const qHtml = payloadPage(st, st.streams[0], qPayload, {});
            assert.ok(
                qHtml.includes(
                    `<h2>Changes since the last promoted release (candidate)</h2>\n<p>Changes since <a href="../4.15/${p.name}.html">${p.name}</a>. Computed from the release records.</p>\n\n<p>No component changed.</p>\n\n</section>`,
                ),
            );
            const first = payloadPage(st, st.streams[0], st.streams[0].payloads[1], {});
            assert.ok(
                first.includes(
                    `<h2>Release notes</h2>\n<p>The first promoted release of the stream: every rebuilt component is listed. Computed from the release records.</p>`,
                ),
            );
        });
    });

    describe("the upgrade graph (inline SVG)", () => {
        const graph: Status["streams"][number]["graph"] = {
            nodes: [
                { name: "a", stream: "4.15", verdict: "accepted", promoted: true, known: true },
                { name: "b", stream: "4.15", verdict: "rejected", promoted: false, known: true },
                { name: "c<&>", stream: "4.15", verdict: "unfinished", promoted: false, known: false },
                { name: "d", stream: "4.15", verdict: "pending", promoted: false, known: true },
                { name: "e", stream: "4.15", verdict: "odd", promoted: true, known: true },
            ],
            edges: [
                { from: "a", to: "b" },
                { from: "a", to: "e" },
                { from: "c<&>", to: "d" },
                { from: "gone", to: "d" },
            ],
        };
        let lines: string[];
        before(() => {
            lines = upgradeGraphSvg(graph, (name) => (name === "b" ? undefined : `${name}"x.html`)).split("\n");
        });

        it("is nothing without an edge", () => {
            assert.equal(
                upgradeGraphSvg({ nodes: graph.nodes, edges: [] }, () => "x"),
                "",
            );
        });

        it("sizes itself to its rows and says what it shows", () => {
            assert.equal(
                lines[0],
                `<svg class="graph" role="img" aria-label="Upgrade graph: 4 upgrade edges among 5 releases" xmlns="http://www.w3.org/2000/svg" width="760" height="120" viewBox="0 0 760 120">`,
            );
            assert.equal(
                lines[1],
                `<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#57606a"/></marker></defs>`,
            );
            assert.equal(lines.at(-1), "</svg>");
            assert.equal(lines.length, 2 + 3 + 5 + 1, "an arc per edge between rows shown, a node per release");
        });

        it("draws an arc from each release to the payload that records it, coloured by that payload's verdict", () => {
            assert.deepEqual(lines.slice(2, 5), [
                `<path class="edge" d="M 230 16 C 192 16, 192 38, 226 38" stroke="#cf222e" fill="none" stroke-width="1.5" marker-end="url(#arrow)"><title>a upgrades to b</title></path>`,
                `<path class="edge" d="M 230 16 C 150 16, 150 104, 226 104" stroke="#6e7781" fill="none" stroke-width="1.5" marker-end="url(#arrow)"><title>a upgrades to e</title></path>`,
                `<path class="edge" d="M 230 60 C 192 60, 192 82, 226 82" stroke="#6e7781" fill="none" stroke-width="1.5" marker-end="url(#arrow)"><title>c&lt;&amp;&gt; upgrades to d</title></path>`,
            ]);
            // A long arc bends at most to the left edge.
            const many = Array.from({ length: 30 }, (_, i) => ({
                name: `n${i}`,
                stream: "4.15",
                verdict: "accepted",
                promoted: false,
                known: true,
            }));
            const long = upgradeGraphSvg({ nodes: many, edges: [{ from: "n0", to: "n29" }] }, () => undefined);
            assert.ok(long.includes(`d="M 230 16 C 10 16, 10 654, 226 654" stroke="#1a7f37"`));
        });

        it("draws each release as a dot, filled when promoted, with its name and a link to its page", () => {
            assert.deepEqual(lines.slice(5, 10), [
                `<g class="node" data-name="a"><circle cx="230" cy="16" r="6" fill="#1a7f37" stroke="#1a7f37" stroke-width="2"><title>a: accepted</title></circle><a href="a&quot;x.html"><text x="242" y="20" font-size="12" fill="#1f2328">a (promoted)</text></a></g>`,
                `<g class="node" data-name="b"><circle cx="230" cy="38" r="4" fill="#fff" stroke="#cf222e" stroke-width="2"><title>b: rejected</title></circle><text x="242" y="42" font-size="12" fill="#1f2328">b</text></g>`,
                `<g class="node" data-name="c&lt;&amp;&gt;"><circle cx="230" cy="60" r="4" fill="#fff" stroke="#bc4c00" stroke-width="2"><title>c&lt;&amp;&gt;: unfinished</title></circle><a href="c&lt;&amp;&gt;&quot;x.html"><text x="242" y="64" font-size="12" fill="#1f2328">c&lt;&amp;&gt; (no record here)</text></a></g>`,
                `<g class="node" data-name="d"><circle cx="230" cy="82" r="4" fill="#fff" stroke="#6e7781" stroke-width="2"><title>d: pending</title></circle><a href="d&quot;x.html"><text x="242" y="86" font-size="12" fill="#1f2328">d</text></a></g>`,
                `<g class="node" data-name="e"><circle cx="230" cy="104" r="6" fill="#6e7781" stroke="#6e7781" stroke-width="2"><title>e: odd</title></circle><a href="e&quot;x.html"><text x="242" y="108" font-size="12" fill="#1f2328">e (promoted)</text></a></g>`,
            ]);
        });
    });
});
