/**
 * `tsx scripts/plan-diff.ts --base <out dir> --head <out dir>`: what a change does to every stack's synth plan, as
 * Markdown for a pull request's job summary. Resources are matched by URN; a change lists the input paths that
 * differ (and protect, provider, parent, dependencies). Secrets are already `[secret]` in plans, so none can leak.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { Plan, PlanResource } from "../src/synth/render";
import { type Cli, UsageError, UserError, parseCli, readUserJson, runCli } from "./cli";

const cli: Cli = {
    name: "plan-diff",
    usage: `usage: npm run plan-diff -- --base <out dir of the base branch> --head <out dir of the change>

Prints, as Markdown, what the change does to every stack's synth plan (<dir>/<stack>/plan.json, written by
npm run synth -- --out <dir>): resources added, changed (with the input paths that differ) and deleted, by URN.
A base directory that does not exist counts as no stack (every head stack shows as added).

  --base <dir>   plans of the base branch
  --head <dir>   plans of the change
  -h, --help     this text`,
};

export interface ResourceChange {
    urn: string;
    /** Dotted paths whose values differ, e.g. `inputs.spec.replicas`, `protect`. */
    fields: string[];
}

export interface PlanDiff {
    stack: string;
    /** The stack exists only in head (added) or only in base (removed). */
    stackStatus: "added" | "removed" | "both";
    adds: string[];
    deletes: string[];
    changes: ResourceChange[];
    /** Resources in head, for context. */
    total: number;
}

const maxDepth = 4;

/** Paths under `prefix` where `a` and `b` differ; deeper than `maxDepth` levels the whole subtree counts as one. */
export function differingPaths(a: unknown, b: unknown, prefix: string, depth = 0): string[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
    if (!isObj(a) || !isObj(b) || depth >= maxDepth) return [prefix];
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
    return keys.flatMap((k) => differingPaths(ao[k], bo[k], prefix ? `${prefix}.${k}` : k, depth + 1));
}

function resourceFields(a: PlanResource, b: PlanResource): string[] {
    const fields: string[] = [];
    for (const key of ["protect", "retainOnDelete", "provider", "parent", "dependencies"] as const) {
        if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) fields.push(key);
    }
    return [...fields, ...differingPaths(a.inputs, b.inputs, "inputs")];
}

export function diffPlans(stack: string, base: Plan | undefined, head: Plan | undefined): PlanDiff {
    const before = new Map((base?.resources ?? []).map((r) => [r.urn, r]));
    const after = new Map((head?.resources ?? []).map((r) => [r.urn, r]));
    const changes: ResourceChange[] = [];
    for (const [urn, r] of after) {
        const old = before.get(urn);
        if (old === undefined) continue;
        const fields = resourceFields(old, r);
        if (fields.length > 0) changes.push({ urn, fields });
    }
    return {
        stack,
        stackStatus: base === undefined ? "added" : head === undefined ? "removed" : "both",
        adds: [...after.keys()].filter((u) => !before.has(u)).sort(),
        deletes: [...before.keys()].filter((u) => !after.has(u)).sort(),
        changes: changes.sort((x, y) => (x.urn < y.urn ? -1 : 1)),
        total: after.size,
    };
}

function readPlans(dir: string): Map<string, Plan> {
    const plans = new Map<string, Plan>();
    if (!fs.existsSync(dir)) return plans;
    for (const stack of fs.readdirSync(dir).sort()) {
        const file = path.join(dir, stack, "plan.json");
        if (fs.existsSync(file)) plans.set(stack, readUserJson<Plan>(file, "plan"));
    }
    return plans;
}

/** Diffs every stack that has a plan in either directory (`<dir>/<stack>/plan.json`). */
export function diffDirs(baseDir: string, headDir: string): PlanDiff[] {
    const base = readPlans(baseDir);
    const head = readPlans(headDir);
    const stacks = [...new Set([...base.keys(), ...head.keys()])].sort();
    return stacks.map((s) => diffPlans(s, base.get(s), head.get(s)));
}

/** `urn:pulumi:stack::project::a$b$type::name` → `type::name`, shorter for tables. */
export function shortUrn(urn: string): string {
    const [, , typeChain = "", name = ""] = urn.split("::");
    return `${typeChain.split("$").pop()}::${name}`;
}

export function renderMarkdown(diffs: PlanDiff[]): string {
    const lines = ["## Plan difference against the base branch", ""];
    if (diffs.length === 0) return [...lines, "No stack was synthesized.", ""].join("\n");
    lines.push("| stack | adds | changes | deletes | resources |", "| --- | ---: | ---: | ---: | ---: |");
    for (const d of diffs) {
        const name = d.stackStatus === "both" ? d.stack : `${d.stack} (${d.stackStatus})`;
        lines.push(`| ${name} | ${d.adds.length} | ${d.changes.length} | ${d.deletes.length} | ${d.total} |`);
    }
    for (const d of diffs) {
        if (d.adds.length + d.changes.length + d.deletes.length === 0) continue;
        lines.push(
            "",
            `<details><summary><b>${d.stack}</b>: +${d.adds.length} ~${d.changes.length} -${d.deletes.length}</summary>`,
            "",
        );
        lines.push(...d.adds.map((u) => `- \`+\` \`${shortUrn(u)}\``));
        lines.push(
            ...d.changes.map((c) => `- \`~\` \`${shortUrn(c.urn)}\`: ${c.fields.map((f) => `\`${f}\``).join(", ")}`),
        );
        lines.push(...d.deletes.map((u) => `- \`-\` \`${shortUrn(u)}\``));
        lines.push("", "</details>");
    }
    lines.push("");
    return lines.join("\n");
}

function main(): number {
    const { values } = parseCli(cli, { options: { base: { type: "string" }, head: { type: "string" } } });
    for (const flag of ["base", "head"] as const) {
        if (!values[flag]) throw new UsageError(`--${flag} is required`);
    }
    const [base, head] = [values.base as string, values.head as string];
    if (!fs.existsSync(head) || !fs.statSync(head).isDirectory()) {
        throw new UserError(
            `--head ${head} is not a directory; synthesize into it first: npm run synth -- --out ${head}`,
        );
    }
    if (fs.existsSync(base) && !fs.statSync(base).isDirectory()) {
        throw new UserError(`--base ${base} is not a directory`);
    }
    process.stdout.write(renderMarkdown(diffDirs(base, head)));
    return 0;
}

if (require.main === module) runCli(cli, main);
