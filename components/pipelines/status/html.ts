/**
 * The pages: an overview of every stream, a page per stream (health, latest accepted and promoted, the upgrade graph,
 * every payload with its gates) and a page per payload (gates with their logs and JUnit, why, sources, upgrade edges,
 * promotion, release notes). Plain HTML and inline CSS: they work without JavaScript and load nothing, from any host
 * (a Content-Security-Policy forbids every load but the page's own styles and its one hashed script). That script
 * only re-checks staleness with the reader's clock (a static page rendered before a stream went stale would still say
 * fresh); without it, each stream says when it turns stale.
 */
import { createHash } from "node:crypto";

import { upgradeGraphSvg } from "./graph";
import { elidedText } from "./notes";
import type { Artifact, Gate, Notes, Payload, PayloadRef, Status, StreamStatus } from "./schema";

export interface HtmlOptions {
    /**
     * Where the pages link artifact storage objects (`logs/…`): a URL, or a path relative to the site's root
     * (`../` when the site is published at `<bucket>/status/`). Undefined: artifacts are named, not linked.
     */
    artifactsHref?: string;
}

export const esc = (s: string): string =>
    s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** A path of the site or the bucket, each segment URL-encoded. */
const encodePath = (p: string) => p.split("/").map(encodeURIComponent).join("/");

export const pagePath = {
    overview: "index.html",
    stream: (stream: string) => `${stream}/index.html`,
    payload: (stream: string, name: string) => `${stream}/${name}.html`,
};

const liveScript = `(function(){var now=Date.now();var els=document.querySelectorAll("[data-stale-at]");for(var i=0;i<els.length;i++){var e=els[i];var t=Date.parse(e.getAttribute("data-stale-at"));if(!isNaN(t)&&now>t&&e.className.indexOf("stale")<0){e.className=e.className.replace("fresh","stale");var m=e.querySelector("[data-live]");if(m){m.textContent=m.getAttribute("data-live");}}}})();`;
const scriptHash = createHash("sha256").update(liveScript).digest("base64");

const style = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:0 auto;max-width:1200px;padding:16px 24px}
h1{font-size:24px;margin:8px 0}h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
a{color:#0969da}nav{font-size:13px;color:#57606a}nav a{margin-right:4px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;word-break:break-all}
.verdict{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px;color:#fff;background:#6e7781}
.verdict-accepted,.outcome-passed{background:#1a7f37}.verdict-rejected,.outcome-failed{background:#cf222e}
.verdict-unfinished{background:#bc4c00}.verdict-pending{background:#6e7781}
.promoted{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid #8250df;color:#8250df}
.gate{display:block;margin:2px 0}.why{color:#57606a}
.health{border-radius:6px;padding:10px 14px;margin:10px 0;font-size:15px}
.health.fresh{background:#dafbe1;border:1px solid #1a7f37}
.health.stale{background:#cf222e;color:#fff;border:3px solid #82071e;font-size:18px}
.health.stale a{color:#fff}
.health-cell.stale{background:#cf222e;color:#fff;font-weight:700}.health-cell.fresh{background:#dafbe1}
.health-cell.stale a{color:#fff}
.problems{background:#fff8c5;border:1px solid #d4a72c;padding:8px 14px;border-radius:6px}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:600}dd{margin:0}
.muted{color:#57606a}.graph{max-width:100%;height:auto;border:1px solid #d0d7de;border-radius:6px;background:#fff}
footer{margin-top:32px;font-size:12px;color:#57606a}
`;

function page(title: string, depth: number, nav: string, body: string, status: Status): string {
    const up = "../".repeat(depth);
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="generator" content="okd-ci status">
<title>${esc(title)}</title>
<style>${style}</style>
</head>
<body>
<nav><a href="${up}${pagePath.overview}">OKD release status</a>${nav}</nav>
${body}
<footer>Rendered ${esc(status.generated)} from the release records alone; staleness is as of then, and as of now in a browser that runs the page's one script.
A stream is stale when it has no accepted payload for ${status.rules.acceptedStaleHours} h (${esc(status.rules.source)}).
The same facts as JSON: <a href="${up}status.json">status.json</a> (<a href="${up}schema.json">schema</a>).</footer>
<script>${liveScript}</script>
</body>
</html>
`;
}

const verdictBadge = (verdict: string) =>
    `<span class="verdict verdict-${esc(verdict.replace(/[^a-z]/g, ""))}">${esc(verdict)}</span>`;
const promotedBadge = (p: { name: string; promoted: boolean; publishedName?: string }) =>
    p.promoted
        ? ` <span class="promoted">${p.publishedName && p.publishedName !== p.name ? `promoted as ${esc(p.publishedName)}` : "promoted"}</span>`
        : "";

function payloadLink(ref: PayloadRef | { name: string; stream: string }, depth: number): string {
    return `<a href="${"../".repeat(depth)}${encodePath(pagePath.payload(ref.stream, ref.name))}">${esc(ref.name)}</a>`;
}

function refText(ref: PayloadRef | null, depth: number): string {
    if (ref === null) return `<span class="muted">none</span>`;
    return `${payloadLink(ref, depth)} ${verdictBadge(ref.verdict)}${promotedBadge(ref)}<br><span class="muted">${esc(ref.time)}</span>`;
}

/** Health of a stream: the watcher's accepted-staleness rule, loudly when stale. */
function healthText(s: StreamStatus): { stale: boolean; text: string; live: string; staleAt: string | null } {
    const a = s.staleness.accepted;
    const live = `STALE: no accepted payload since ${a.newest?.time ?? "ever"} (more than ${a.limitHours} h, by your browser's clock)`;
    if (a.newest === null) {
        return {
            stale: true,
            text: `STALE: stream ${s.stream} has never had an accepted payload`,
            live,
            staleAt: null,
        };
    }
    if (a.stale) {
        return {
            stale: true,
            text: `STALE: no accepted payload in more than ${a.limitHours} h; the newest, ${a.newest.name}, is from ${a.newest.time} (stale since ${a.staleAt})`,
            live,
            staleAt: a.staleAt,
        };
    }
    return {
        stale: false,
        text: `OK: accepted payload ${a.newest.name} from ${a.newest.time}; stale from ${a.staleAt} unless a newer one is accepted`,
        live,
        staleAt: a.staleAt,
    };
}

function healthBanner(s: StreamStatus): string {
    const h = healthText(s);
    const built = s.staleness.built;
    const builtLine = built.stale
        ? `<br>No payload finished gating in more than ${built.limitHours} h${built.newest ? ` (the newest, ${esc(built.newest.name)})` : ""}.`
        : "";
    return `<div class="health ${h.stale ? "stale" : "fresh"}" role="${h.stale ? "alert" : "status"}"${h.staleAt && !h.stale ? ` data-stale-at="${esc(h.staleAt)}"` : ""}><strong data-live="${esc(h.live)}">${esc(h.text)}</strong>${builtLine}</div>`;
}

function artifactLinks(artifacts: Artifact[], depth: number, options: HtmlOptions): string {
    if (artifacts.length === 0) return `<span class="muted">none uploaded</span>`;
    const base = options.artifactsHref;
    return artifacts
        .map((a) => {
            const label = esc(a.path.split("/").slice(4).join("/"));
            if (base === undefined) return `<span class="mono">${esc(a.path)}</span>`;
            const href = /^[a-z]+:\/\//.test(base)
                ? `${base}${encodePath(a.path)}`
                : `${"../".repeat(depth)}${base}${encodePath(a.path)}`;
            return `<a class="artifact artifact-${a.kind}" href="${esc(href)}">${label}</a>`;
        })
        .join("<br>");
}

function gateCell(g: Gate): string {
    const kind = g.kind === "install" ? "" : ` ${esc(g.kind)}`;
    return `<span class="gate gate-${esc(g.gate)}"><strong>${esc(g.gate)}</strong>${kind} (${g.blocking ? "blocking" : "optional"}): <span class="verdict outcome-${esc(g.outcome.replace(/[^a-z]/g, ""))}">${esc(g.outcome)}</span>${g.why ? ` <span class="why">${esc(g.why)}</span>` : ""}</span>`;
}

/** The pushes waiting for a nightly and what the dispatcher does next, as of when they were seen. */
function pushesBlock(p: NonNullable<StreamStatus["pushes"]>): string {
    const rows = p.pending.map(
        (x) =>
            `<tr class="push"><td>${esc(x.repository)}</td><td><code title="${esc(x.revision)}">${esc(x.revision.slice(0, 12))}</code></td><td>${esc(x.since)}</td></tr>`,
    );
    const runs = `${p.unfinished} nightly run${p.unfinished === 1 ? "" : "s"} unfinished; the last started ${p.lastStarted ? esc(p.lastStarted) : "never"}`;
    return `<h2 id="pushes">Pushes waiting</h2>
<p class="pushes-next"><strong>${esc(p.next)}</strong></p>
${p.scheduled ? `<p class="pushes-scheduled">Scheduled nightly waiting since <time datetime="${esc(p.scheduled)}">${esc(p.scheduled)}</time> (it builds every branch head).</p>\n` : ""}<p class="muted">As of ${esc(p.observed)}: ${runs}.${p.nextDispatch ? ` Next dispatch: <time datetime="${esc(p.nextDispatch)}">${esc(p.nextDispatch)}</time>.` : ""}</p>
${
    rows.length > 0
        ? `<table class="pushes">
<thead><tr><th>Repository</th><th>Revision</th><th>Waiting since</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>`
        : ""
}`;
}

function throttleText(t: NonNullable<StreamStatus["throttle"]>): string {
    return Object.entries(t)
        .map(([k, v]) => `${esc(k)}: ${esc(String(v))}`)
        .join(", ");
}

export function overviewPage(status: Status): string {
    const stale = status.streams.filter((s) => healthText(s).stale);
    const banner =
        stale.length > 0
            ? `<div class="health stale" role="alert"><strong>STALE: ${stale.map((s) => esc(s.stream)).join(", ")}</strong>: no accepted payload in ${status.rules.acceptedStaleHours} h.</div>`
            : "";
    const rows = status.streams.map((s) => {
        const h = healthText(s);
        return `<tr class="stream" data-stream="${esc(s.stream)}">
<td><a href="${encodePath(pagePath.stream(s.stream))}">${esc(s.stream)}</a>${s.variant ? ` <span class="muted">${esc(s.variant)}</span>` : ""}${s.configured ? "" : ` <span class="muted">(not configured)</span>`}</td>
<td class="health-cell ${h.stale ? "stale" : "fresh"}"${h.staleAt && !h.stale ? ` data-stale-at="${esc(h.staleAt)}"` : ""}><span data-live="${esc(h.live)}">${esc(h.text)}</span></td>
<td>${refText(s.latestAccepted, 0)}</td>
<td>${refText(s.latestPromoted, 0)}</td>
<td>${refText(s.latest, 0)}</td>
<td>${s.counts.total} (${s.counts.accepted} accepted, ${s.counts.rejected} rejected, ${s.counts.unfinished} unfinished, ${s.counts.pending} pending; ${s.counts.promoted} promoted)${s.throttle ? `<br><span class="muted">throttle: ${throttleText(s.throttle)}</span>` : ""}${s.pushes ? `<br><span class="pushes-next">pushes: ${esc(s.pushes.next)}</span>` : ""}</td>
</tr>`;
    });
    const body = `<h1>OKD release status</h1>
${banner}
<table class="streams">
<thead><tr><th>Stream</th><th>Health</th><th>Latest accepted</th><th>Latest promoted</th><th>Latest payload</th><th>Payloads</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
${problemsBlock(status.problems)}`;
    return page("OKD release status", 0, "", body, status);
}

function problemsBlock(problems: string[]): string {
    if (problems.length === 0) return "";
    return `<div class="problems"><strong>Records that could not be read:</strong><ul>${problems.map((p) => `<li>${esc(p)}</li>`).join("")}</ul></div>`;
}

export function streamPage(status: Status, s: StreamStatus): string {
    const rows = s.payloads.map(
        (p) => `<tr class="payload" data-name="${esc(p.name)}">
<td>${payloadLink(p, 1)}</td>
<td>${esc(p.time)}</td>
<td>${verdictBadge(p.verdict)}${promotedBadge(p)}<br><span class="why">${esc(p.why)}</span></td>
<td>${p.gates.length > 0 ? p.gates.map(gateCell).join("") : `<span class="muted">${p.verdict === "pending" ? "gating" : p.verdict === "accepted" ? "no gate" : "no gate reported"}</span>`}${p.fallbacks.length > 0 ? `<br><strong>Fell back:</strong> ${p.fallbacks.map((f) => esc(f.component)).join(", ")}` : ""}</td>
</tr>`,
    );
    const gates = s.gates
        ? s.gates.length > 0
            ? s.gates
                  .map(
                      (g) =>
                          `${esc(g.gate)}${g.kind !== "install" ? ` ${esc(g.kind)}` : ""} (${g.blocking ? "blocking" : "optional"})`,
                  )
                  .join(", ")
            : "none (every payload is accepted)"
        : "";
    const graph = upgradeGraphSvg(s.graph, (name) => {
        const n = s.graph.nodes.find((x) => x.name === name);
        return n?.known
            ? n.stream === s.stream
                ? `${encodeURIComponent(name)}.html`
                : `../${encodePath(pagePath.payload(n.stream, name))}`
            : undefined;
    });
    const body = `<h1>Stream ${esc(s.stream)}</h1>
${healthBanner(s)}
<dl>
<dt>Latest accepted</dt><dd>${refText(s.latestAccepted, 1)}</dd>
<dt>Latest promoted</dt><dd>${refText(s.latestPromoted, 1)}</dd>
<dt>Latest payload</dt><dd>${refText(s.latest, 1)}</dd>
${gates ? `<dt>Gates</dt><dd>${gates}</dd>` : ""}
${s.promotes !== undefined ? `<dt>Promotes</dt><dd>${s.promotes ? "yes" : "no"}</dd>` : ""}
${s.throttle ? `<dt>Throttle</dt><dd>${throttleText(s.throttle)}</dd>` : ""}
${s.pushes ? `<dt>Pushes waiting</dt><dd class="pushes-next">${esc(s.pushes.next)}</dd>` : ""}
<dt>Payloads</dt><dd>${s.counts.total} recorded, ${s.counts.shown} shown (the newest and every promoted one)</dd>
</dl>
${s.pushes ? pushesBlock(s.pushes) : ""}
<h2>Upgrade graph</h2>
${graph || `<p class="muted">No payload shown records an upgrade edge.</p>`}
<h2>Payloads</h2>
<table class="payloads">
<thead><tr><th>Payload</th><th>Made</th><th>Verdict</th><th>Gates</th></tr></thead>
<tbody>
${rows.join("\n") || `<tr><td colspan="4" class="muted">No payload recorded yet.</td></tr>`}
</tbody>
</table>
<p><a href="status.json">This stream as JSON</a></p>`;
    return page(`OKD ${s.stream}`, 1, ` › <a href="index.html">${esc(s.stream)}</a>`, body, status);
}

function notesBlock(n: Notes, depth: number, stored: boolean, candidate: boolean): string {
    const from = n.from
        ? `Changes since ${payloadLink(n.from, depth)}${n.from.publishedName && n.from.publishedName !== n.from.name ? ` (${esc(n.from.publishedName)})` : ""}${n.from.stream !== n.stream ? ` (stream ${esc(n.from.stream)})` : ""}`
        : "The first promoted release of the stream: every rebuilt component is listed";
    const rows = n.components.map((c) => {
        const range =
            c.change === "updated"
                ? `${c.compare ? `<a href="${esc(c.compare)}">` : ""}<code>${esc((c.fromCommit ?? "").slice(0, 12))}...${esc((c.toCommit ?? "").slice(0, 12))}</code>${c.compare ? "</a>" : ""}`
                : `<code>${esc((c.toCommit ?? c.fromCommit ?? "").slice(0, 12))}</code>`;
        // oc names a group of images built from one range "a, b"; each of them shows the group's pull requests.
        const group = Object.entries(n.commits ?? {}).find(([names]) => names.split(", ").includes(c.component));
        const prs = group?.[1] ?? [];
        const elided = group ? n.elidedCommits?.[group[0]] : undefined;
        const items = [
            ...prs.map(
                (pr) =>
                    `<li>${esc(pr.subject)}${pr.id ? ` ${pr.url && /^https:\/\//.test(pr.url) ? `<a href="${esc(pr.url)}">${esc(pr.id)}</a>` : esc(pr.id)}` : ""}</li>`,
            ),
            ...(elided !== undefined ? [`<li class="muted">${esc(elidedText(elided))}</li>`] : []),
        ];
        const prList = items.length > 0 ? `<ul>${items.join("")}</ul>` : "";
        return `<tr class="change" data-component="${esc(c.component)}"><td>${esc(c.component)}</td><td>${esc(c.change)}${c.reason ? `: ${esc(c.reason)}` : ""}</td><td class="mono">${esc(c.source ?? "")}</td><td>${range}${prList}</td></tr>`;
    });
    const base =
        n.basePayload.to && n.basePayload.from !== n.basePayload.to
            ? `<p>Base payload: <code>${esc(n.basePayload.from ?? "(none)")}</code> → <code>${esc(n.basePayload.to)}</code></p>`
            : "";
    return `<section class="notes">
<h2>${candidate ? "Changes since the last promoted release (candidate)" : "Release notes"}</h2>
<p>${from}. ${stored ? "Stored at promotion" : "Computed from the release records"}${n.commits ? "; pull requests from <code>oc adm release info --changelog</code>" : ""}.</p>
${base}
${rows.length > 0 ? `<table><thead><tr><th>Component</th><th>Change</th><th>Source</th><th>Commits</th></tr></thead><tbody>${rows.join("")}</tbody></table>` : `<p>No component changed.</p>`}
${n.changelogError ? `<p class="muted">Pull requests are not listed: ${esc(n.changelogError)}</p>` : ""}
</section>`;
}

export function payloadPage(status: Status, s: StreamStatus, p: Payload, options: HtmlOptions): string {
    const gateRows = p.gates.map(
        (g) => `<tr class="gate-row" data-gate="${esc(g.gate)}">
<td>${esc(g.gate)}</td><td>${esc(g.kind)}${g.from ? ` from ${esc(g.from)}` : ""}</td><td>${g.blocking ? "blocking" : "optional"}</td>
<td><span class="verdict outcome-${esc(g.outcome.replace(/[^a-z]/g, ""))}">${esc(g.outcome)}</span></td><td class="why">${esc(g.why)}</td>
<td>${artifactLinks(
            g.artifacts.filter((a) => a.kind !== "junit"),
            1,
            options,
        )}</td>
<td>${artifactLinks(
            g.artifacts.filter((a) => a.kind === "junit"),
            1,
            options,
        )}</td>
</tr>`,
    );
    const known = new Set(s.graph.nodes.filter((n) => n.known).map((n) => n.name));
    // `previous` names releases as published; a node is found by either name.
    const edgeList = p.previous.map((name) => {
        const n = s.graph.nodes.find((x) => x.name === name || x.publishedName === name);
        return `<li>${n && known.has(n.name) ? `${payloadLink(n, 1)}${n.name !== name ? ` (${esc(name)})` : ""}` : esc(name)}</li>`;
    });
    const upgradesTo = s.payloads
        .filter((x) => x.previous.includes(p.publishedName ?? p.name))
        .map((x) => `<li>${payloadLink(x, 1)}</li>`);
    const promotion = p.promotion
        ? `<h2>Promotion</h2><p>Promoted ${esc(p.promotion.at)}.</p><table><thead><tr><th>Release</th><th>Digest</th><th>Copied</th></tr></thead><tbody>${p.promotion.targets
              .map(
                  (t) =>
                      `<tr><td class="mono">${esc(t.release)}</td><td class="mono">${esc(t.digest ?? "")}</td><td>${t.copied === undefined ? "" : t.copied ? "copied" : "already there"}</td></tr>`,
              )
              .join("")}</tbody></table>`
        : "";
    const candidate = !p.promoted && p.notes !== undefined && !p.notesStored;
    const body = `<h1>${esc(p.name)} ${verdictBadge(p.verdict)}${promotedBadge(p)}</h1>
<p class="why-verdict"><strong>${esc(p.why)}</strong></p>
<dl>
<dt>Stream</dt><dd><a href="index.html">${esc(p.stream)}</a></dd>
<dt>Made</dt><dd>${esc(p.time)}</dd>
${p.decided ? `<dt>Decided</dt><dd>${esc(p.decided)}</dd>` : ""}
${p.finished ? `<dt>Run finished</dt><dd>${esc(p.finished)}${p.pipelineStatus ? ` (${esc(p.pipelineStatus)})` : ""}</dd>` : ""}
${p.pipelineRun ? `<dt>PipelineRun</dt><dd class="mono">${esc(p.pipelineRun)}</dd>` : ""}
<dt>Pull spec</dt><dd class="mono">${esc(p.pullSpec)}</dd>
<dt>Digest</dt><dd class="mono">${esc(p.digest)}</dd>
${p.basePayload ? `<dt>Base payload</dt><dd class="mono">${esc(p.basePayload)}</dd>` : ""}
${p.logs ? `<dt>Logs</dt><dd class="mono">${esc(p.logs)}</dd>` : ""}
</dl>
<h2>Gates</h2>
${gateRows.length > 0 ? `<table class="gates"><thead><tr><th>Gate</th><th>Kind</th><th>Blocks</th><th>Outcome</th><th>Why</th><th>Logs</th><th>JUnit</th></tr></thead><tbody>${gateRows.join("")}</tbody></table>` : `<p class="muted">No gate ran: ${esc(p.why)}.</p>`}
${p.fallbacks.length > 0 ? `<h2>Components that kept the base payload's image</h2><table class="fallbacks"><thead><tr><th>Component</th><th>Why</th><th>Image kept</th></tr></thead><tbody>${p.fallbacks.map((f) => `<tr><td>${esc(f.component)}</td><td>${esc(f.reason)}</td><td class="mono">${esc(f.image ?? "")}</td></tr>`).join("")}</tbody></table><p>A component that fell back is never counted as passed.</p>` : ""}
<h2>Upgrade edges</h2>
<h3>Upgrades from (recorded as previous)</h3>
${edgeList.length > 0 ? `<ul class="previous">${edgeList.join("")}</ul>` : `<p class="muted">none</p>`}
<h3>Upgrades to (payloads shown that record this one)</h3>
${upgradesTo.length > 0 ? `<ul class="next">${upgradesTo.join("")}</ul>` : `<p class="muted">none</p>`}
${promotion}
${p.notes ? notesBlock(p.notes, 1, p.notesStored, candidate) : ""}
<h2>Sources</h2>
${p.sources.length > 0 ? `<table class="sources"><thead><tr><th>Component</th><th>Image</th><th>Source</th><th>Commit</th></tr></thead><tbody>${p.sources.map((x) => `<tr><td>${esc(x.component)}</td><td class="mono">${esc(x.image)}</td><td class="mono">${esc(x.source ?? "")}</td><td class="mono">${esc(x.commit ?? "")}</td></tr>`).join("")}</tbody></table>` : `<p class="muted">none recorded</p>`}`;
    return page(p.name, 1, ` › <a href="index.html">${esc(p.stream)}</a> › ${esc(p.name)}`, body, status);
}
