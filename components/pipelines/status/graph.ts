/**
 * The upgrade graph as inline SVG, drawn as an arc diagram: one row per release, oldest at the top, and an arc on the
 * left from each release to every payload that records it as `previous` (an upgrade edge). No script, no external
 * resource: it is part of the page's HTML. Each arc and node has a <title> (a tooltip and what screen readers read);
 * the same edges are listed as text on each payload's page.
 */
import type { StreamStatus } from "./schema";

const rowHeight = 22;
const top = 16;
const dotX = 230;
const labelX = dotX + 12;
const width = 760;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const verdictColour: Record<string, string> = {
    accepted: "#1a7f37",
    rejected: "#cf222e",
    unfinished: "#bc4c00",
    pending: "#6e7781",
};

/** `href(name)`: where a node links (its payload page), or undefined for a release without a record here. */
export function upgradeGraphSvg(graph: StreamStatus["graph"], href: (name: string) => string | undefined): string {
    if (graph.edges.length === 0) return "";
    const rowOf = new Map(graph.nodes.map((n, i) => [n.name, i]));
    const y = (i: number) => top + i * rowHeight;
    const height = top * 2 + (graph.nodes.length - 1) * rowHeight;
    const arcs = graph.edges
        .filter((e) => rowOf.has(e.from) && rowOf.has(e.to))
        .map((e) => {
            const a = rowOf.get(e.from) as number;
            const b = rowOf.get(e.to) as number;
            const bend = Math.min(dotX - 10, 24 + Math.abs(b - a) * 14);
            const to = graph.nodes[b];
            const colour = verdictColour[to.verdict] ?? "#6e7781";
            return `<path class="edge" d="M ${dotX} ${y(a)} C ${dotX - bend} ${y(a)}, ${dotX - bend} ${y(b)}, ${dotX - 4} ${y(b)}" stroke="${colour}" fill="none" stroke-width="1.5" marker-end="url(#arrow)"><title>${esc(e.from)} upgrades to ${esc(e.to)}</title></path>`;
        });
    const nodes = graph.nodes.map((n, i) => {
        const colour = verdictColour[n.verdict] ?? "#6e7781";
        const label = `${n.name}${n.promoted ? " (promoted)" : ""}${n.known ? "" : " (no record here)"}`;
        const text = `<text x="${labelX}" y="${y(i) + 4}" font-size="12" fill="#1f2328">${esc(label)}</text>`;
        const link = href(n.name);
        const body = `<circle cx="${dotX}" cy="${y(i)}" r="${n.promoted ? 6 : 4}" fill="${n.promoted ? colour : "#fff"}" stroke="${colour}" stroke-width="2"><title>${esc(n.name)}: ${esc(n.verdict)}</title></circle>${link ? `<a href="${esc(link)}">${text}</a>` : text}`;
        return `<g class="node" data-name="${esc(n.name)}">${body}</g>`;
    });
    return [
        `<svg class="graph" role="img" aria-label="Upgrade graph: ${graph.edges.length} upgrade edges among ${graph.nodes.length} releases" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
        `<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#57606a"/></marker></defs>`,
        ...arcs,
        ...nodes,
        "</svg>",
    ].join("\n");
}
