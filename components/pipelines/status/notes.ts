/**
 * Release notes between the previous promoted release and a payload: the components whose image changed and their
 * commit ranges, from the two records' `sources` (image by digest, source repository and commit, as the assembly
 * recorded them from the build labels). At promotion, release-notes.sh adds what `oc adm release info --changelog`
 * says (the merged pull requests of each range, read from the component repositories' git history) and stores the
 * result in `notes/<minor>/<name>.json` and `.md`; the page shows the stored notes when present, else these.
 */
import { type ReleaseRecord, isPromoted, publishedName } from "./records";
import { type ComponentChange, type Notes, statusSchemaVersion } from "./schema";

/** `4.15` → `4.14`, none below x.0: the same rule as the nightly's upgrade edges (components/pipelines/nightly.ts). */
export function previousMinorOf(minor: string): string {
    const [major, m] = minor.split(".").map(Number);
    return m > 0 ? `${major}.${m - 1}` : "";
}

const timeOf = (r: ReleaseRecord) => {
    const m = /(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(r.name);
    return m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : Date.parse(r.created);
};

/**
 * The release a payload's notes start from: the newest promoted payload of its stream made before it, else the newest
 * promoted payload of the previous minor (the release users upgrade from), else none.
 */
export function previousPromoted(r: ReleaseRecord, all: ReleaseRecord[]): ReleaseRecord | undefined {
    const newest = (rs: ReleaseRecord[]) => rs.sort((a, b) => timeOf(b) - timeOf(a))[0];
    const same = all.filter(
        (x) => x.stream === r.stream && isPromoted(x) && x.name !== r.name && timeOf(x) < timeOf(r),
    );
    if (same.length > 0) return newest(same);
    const prev = previousMinorOf(r.stream);
    return newest(all.filter((x) => x.stream === prev && isPromoted(x)));
}

const commitPattern = /^[0-9a-f]{7,64}$/;

/** oc's compare link (`https://github.com/<org>/<repo>/compare/<from>...<to>`), only for github.com sources. */
export function compareUrl(source: string | undefined, from: string, to: string): string | undefined {
    if (!source || !commitPattern.test(from) || !commitPattern.test(to)) return undefined;
    const m = /^https:\/\/github\.com\/([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(source);
    return m ? `https://github.com/${m[1]}/${m[2]}/compare/${from}...${to}` : undefined;
}

const opt = <K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> =>
    value ? ({ [key]: value } as Record<K, string>) : {};

export function componentChanges(to: ReleaseRecord, from: ReleaseRecord | undefined): ComponentChange[] {
    const before = from?.sources ?? {};
    const names = [...new Set([...Object.keys(to.sources), ...Object.keys(before)])].sort();
    const changes: ComponentChange[] = [];
    // A component that fell back is missing from `sources` but not from the payload: it kept the base payload's image.
    const fellBack = new Map((to.fallbacks ?? []).map((f) => [f.component, f]));
    const fellBackBefore = new Set((from?.fallbacks ?? []).map((f) => f.component));
    for (const component of names) {
        const now = to.sources[component];
        const was = before[component];
        if (now && was) {
            if (now.image === was.image) continue;
            const moved = now.commit && was.commit && now.commit !== was.commit;
            const source = now.source ?? was.source ?? undefined;
            changes.push({
                component,
                change: moved ? "updated" : "rebuilt",
                ...opt("source", source),
                ...opt("fromCommit", was.commit),
                ...opt("toCommit", now.commit),
                fromImage: was.image,
                toImage: now.image,
                ...(moved ? opt("compare", compareUrl(source, was.commit as string, now.commit as string)) : {}),
            });
        } else if (now) {
            changes.push({
                component,
                change: fellBackBefore.has(component) ? "built-again" : "added",
                ...opt("source", now.source),
                ...opt("toCommit", now.commit),
                toImage: now.image,
            });
        } else if (was) {
            const fallback = fellBack.get(component);
            changes.push(
                fallback
                    ? {
                          component,
                          change: "kept-base",
                          ...opt("reason", fallback.reason),
                          ...opt("source", was.source),
                          ...opt("fromCommit", was.commit),
                          fromImage: was.image,
                          ...opt("toImage", fallback.image),
                      }
                    : { component, change: "removed", ...opt("source", was.source), fromImage: was.image },
            );
        }
    }
    return changes;
}

export function notesFromRecords(to: ReleaseRecord, from: ReleaseRecord | undefined): Notes {
    return {
        schemaVersion: statusSchemaVersion,
        stream: to.stream,
        name: to.name,
        ...opt("publishedName", publishedName(to)),
        from: from ? { name: from.name, stream: from.stream, ...opt("publishedName", publishedName(from)) } : null,
        basePayload: { ...opt("from", from?.basePayload), ...opt("to", to.basePayload) },
        components: componentChanges(to, from),
    };
}

/** The part of `oc adm release info --changelog --output=json` the notes keep (openshift/oc pkg/cli/admin/release/info.go, ChangeLog). */
export interface OcChangeLog {
    updatedImages?: {
        name: string;
        commits?: { subject?: string; pullURL?: string; pullID?: number; commitURL?: string; commitID?: string }[];
        /**
         * First-parent commits in the range that are not merges (squash or rebase merges), counted, not listed; oc
         * omits `commits` when it lists none. From oc 4.20 (openshift/oc 977ac887f); older oc lists merges only.
         */
        elidedCommits?: number;
    }[];
}

/** An https URL with a host: oc builds pull request URLs from any source location, e.g. `https:///path/pull/1` for a local one. */
const webUrl = (u: string | undefined) => (u && /^https:\/\/[a-z0-9.-]+\//i.test(u) ? u : undefined);

/** The notes with oc's merged pull requests per component (oc names a group of images sharing one range "a, b"). */
export function withChangelog(notes: Notes, changelog: OcChangeLog): Notes {
    const commits: NonNullable<Notes["commits"]> = {};
    const elided: NonNullable<Notes["elidedCommits"]> = {};
    for (const image of changelog.updatedImages ?? []) {
        if (image.elidedCommits !== undefined && image.elidedCommits > 0) elided[image.name] = image.elidedCommits;
        commits[image.name] = (image.commits ?? []).map((c) => ({
            // oc escapes < and > for Markdown (replaceUnsafeInput); the notes keep the text, each output escapes it.
            subject: (c.subject ?? "").replace(/&lt;/g, "<").replace(/&gt;/g, ">"),
            ...opt("url", webUrl(c.pullURL ?? c.commitURL)),
            ...opt("id", c.pullID !== undefined ? `#${c.pullID}` : c.commitID),
        }));
    }
    const merged: Notes = { ...notes, commits };
    delete merged.elidedCommits;
    if (Object.keys(elided).length > 0) merged.elidedCommits = elided;
    delete merged.changelogError;
    return merged;
}

/** What oc's Markdown changelog says of commits it does not list (openshift/oc pkg/cli/admin/release/info.go). */
export const elidedText = (n: number) =>
    `And ${n} elided commit${n === 1 ? "" : "s"} (e.g. from squash or rebase merges)`;

/** Markdown text a person (or a GitHub release) reads. */
export function notesMarkdown(n: Notes): string {
    const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    const short = (c?: string) => (c ? c.slice(0, 12) : "");
    const lines = [`# ${n.publishedName ?? n.name}`, ""];
    if (n.publishedName && n.publishedName !== n.name) lines.push(`Published from the nightly ${n.name}.`, "");
    lines.push(
        n.from
            ? `Changes since ${n.from.publishedName ?? n.from.name}${n.from.stream !== n.stream ? ` (stream ${n.from.stream})` : ""}.`
            : "The first promoted release of the stream: every rebuilt component is listed.",
        "",
    );
    if (n.basePayload.from !== n.basePayload.to && n.basePayload.to) {
        lines.push(`Base payload: ${n.basePayload.from ?? "(none)"} → ${n.basePayload.to}`, "");
    }
    if (n.components.length === 0) lines.push("No component changed.", "");
    else {
        lines.push("| Component | Change | Source | Commits |", "|---|---|---|---|");
        for (const c of n.components) {
            const range =
                c.change === "updated"
                    ? c.compare
                        ? `[${short(c.fromCommit)}...${short(c.toCommit)}](${c.compare})`
                        : `${short(c.fromCommit)}...${short(c.toCommit)}`
                    : short(c.toCommit ?? c.fromCommit);
            lines.push(
                `| ${cell(c.component)} | ${c.change}${c.reason ? `: ${cell(c.reason)}` : ""} | ${cell(c.source ?? "")} | ${cell(range)} |`,
            );
        }
        lines.push("");
    }
    // An image with neither listed nor elided commits has nothing to show (oc itself never lists one).
    const groups = Object.entries(n.commits ?? {}).filter(
        ([image, commits]) => commits.length > 0 || n.elidedCommits?.[image] !== undefined,
    );
    if (groups.length > 0) {
        lines.push("## Merged pull requests", "");
        for (const [image, commits] of groups) {
            lines.push(`### ${image}`, "");
            for (const c of commits) {
                const ref = c.id ? (c.url ? ` ([${c.id}](${c.url}))` : ` (${c.id})`) : "";
                lines.push(`- ${cell(c.subject)}${ref}`);
            }
            const elided = n.elidedCommits?.[image];
            if (elided !== undefined) lines.push(`- ${elidedText(elided)}`);
            lines.push("");
        }
    }
    if (n.changelogError) lines.push(`Pull requests are not listed: ${n.changelogError}`, "");
    return `${lines.join("\n").trimEnd()}\n`;
}
