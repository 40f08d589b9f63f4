/**
 * The contract between a rendered object and the bash scripts its steps run (components/pipelines/scripts,
 * components/tekton/scripts): a step hands its script every input through environment variables, so a renamed or
 * emptied name, a dropped variable or a dangling `$(params.…)` is a run that fails (or, worse, silently does less) on
 * a cluster. What each script reads and requires is taken from the script itself, never from a table kept here:
 * - read: `$NAME`, `${NAME…}`, a `for var in … NAME …` list checked through `${!var}`, a documented `PREFIX_*`
 *   family (rclone's RCLONE_CONFIG_ARTIFACTS_*), or the variable another one names when the script reads it through
 *   `${!X}` (e2e-install.sh's CREDENTIALS_ENV);
 * - required: `: "${X:?…}"`, `[ -n "${X:-}" ] || fail`, a top-level `for var in …` loop that fails on an empty one, a
 *   `need`-like helper (`for var in "$@"` failing on an empty `${!var}`) called at the top level, the same helper in
 *   the `case` arm of the literal the step passes (release-record.sh's RECORD_ACTION), and every entry of the
 *   `# Reads:` / `# Environment:` header that says neither optional nor when it applies;
 * - accepted literals: the arms of `case "${X}"` (or of a variable assigned from `${X:-…}`), and a header that lists
 *   the alternatives (`"true" or "false"`, `aws, gcp, azure or local`).
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { loadScript, scriptsDir as pipelineScripts } from "../../components/pipelines/scripts";
import { scriptsDir as layerScripts } from "../../components/tekton/jobs";

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered objects are untyped JSON */
type Obj = any;

export interface Script {
    file: string;
    text: string;
    /** Each requirement: one of these names must be set (more than one: the script derives it from another). */
    required: string[][];
    /** `case` arm patterns per variable, and whether a value no arm names is refused. */
    cases: Map<string, { patterns: string[]; refusesOthers: boolean }>;
    /** Alternatives the header lists for a variable. */
    documented: Map<string, string[]>;
    /** Every name the header lists (some are read by the tools the script runs, e.g. REGISTRY_AUTH_FILE by skopeo). */
    listed: Set<string>;
    /** Names the header says the platform injects into the pod (AKS workload identity): never the step's to set. */
    injected: Set<string>;
    /** Requirements of the `case` arm a literal selects: variable → arm pattern → requirements. */
    armNeeds: Map<string, Map<string, string[][]>>;
}

export const name = String.raw`[A-Z][A-Z0-9_]*`;
export const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The header's entries: the names an entry line starts with and its description, continuation lines joined. */
function headerEntries(text: string): { names: string[]; description: string }[] {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => /^# (Reads|Environment):\s*$/.test(l));
    if (start < 0) return [];
    const entries: { names: string[]; description: string }[] = [];
    for (const line of lines.slice(start + 1)) {
        if (!line.startsWith("#") || /^# ?\S/.test(line)) break; // code, or the next section (`# Writes:`)
        const entry = new RegExp(String.raw`^#   (${name}(?:, ${name})*)(?=\s|$)(.*)$`).exec(line);
        if (entry !== null) entries.push({ names: entry[1].split(", "), description: entry[2].trim() });
        else if (/^# {4,}\S/.test(line) && entries.length > 0) {
            const last = entries[entries.length - 1];
            last.description = `${last.description} ${line.slice(1).trim()}`.trim();
        } else if (/^# {3}\S/.test(line)) entries.push({ names: [], description: line }); // a per-action or note line
    }
    return entries;
}

/**
 * An entry the step need not set: optional, an alternative to another (`instead of X`), or needed only on some
 * platform, gate kind or other condition its description names.
 */
const conditional =
    /\boptional\b|\babsent\b|^instead of\b|^(aws|gcp|azure|local|upgrade)\b[,:]|\bneeded when\b|\brequired with\b|^\(/i;

/** `a, b or c` / `"true" or "false"` at the start of a description: the values the script takes. */
function alternativesOf(description: string): string[] | undefined {
    const clause = description
        .replace(/\([^)]*\)/g, "")
        .split(/[;:.]/)[0]
        .replace(/\s+/g, " ")
        .trim();
    const word = String.raw`"?[a-z0-9][a-z0-9.-]*"?`;
    if (!new RegExp(String.raw`^(${word}, )*${word} or ${word}$`).test(clause)) return undefined;
    return clause.split(/, | or /).map((w) => w.replace(/"/g, ""));
}

/** Variables a line reads, `$X` or `${X…}`. */
const readsOn = (line: string) => [...line.matchAll(new RegExp(String.raw`\$\{?[#!]?(${name})`, "g"))].map((m) => m[1]);

/** `case "${X}" in` blocks: the switched variable (through `x="${X:-…}"`), arms with their bodies. */
function caseBlocks(
    text: string,
): { variable: string; indent: number; arms: { patterns: string[]; body: string[] }[] }[] {
    const lines = text.split("\n");
    const alias = new Map<string, string>();
    for (const m of text.matchAll(new RegExp(String.raw`^\s*([a-z_]+)="\$\{(${name})(?::-[^}]*)?\}"\s*$`, "gm"))) {
        alias.set(m[1], m[2]);
    }
    const blocks = [];
    for (let i = 0; i < lines.length; i++) {
        const head = /^(\s*)case "\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}" in\s*(.*)$/.exec(lines[i]);
        if (head === null) continue;
        const variable = alias.get(head[2]) ?? head[2];
        const indent = head[1].length;
        const arms: { patterns: string[]; body: string[] }[] = [];
        if (head[3] !== "") {
            // One-line form: `case "${X}" in a | b) ;; *) fail … ;; esac`
            for (const arm of head[3].replace(/\s*esac\s*$/, "").split(";;")) {
                const m = /^\s*([^)]+)\)(.*)$/.exec(arm);
                if (m !== null) arms.push({ patterns: m[1].split("|").map((p) => p.trim()), body: [m[2]] });
            }
        } else {
            for (let j = i + 1; j < lines.length && !new RegExp(`^ {${indent}}esac\\b`).test(lines[j]); j++) {
                const arm = new RegExp(String.raw`^ {${indent + 2}}([^\s#][^)]*)\)(.*)$`).exec(lines[j]);
                if (arm !== null) arms.push({ patterns: arm[1].split("|").map((p) => p.trim()), body: [arm[2]] });
                else if (arms.length > 0) arms[arms.length - 1].body.push(lines[j]);
            }
        }
        blocks.push({ variable, indent, arms });
    }
    return blocks;
}

/** The names of `need`-like helpers: functions that fail on each empty `${!var}` of their arguments. */
function requireHelpers(text: string): string[] {
    return [
        ...text.matchAll(/^([a-z_]+)\(\) \{\n(?:\s+local var\n)?\s+for var in "\$@"; do\n\s+.*"\$\{!var:-\}"/gm),
    ].map((m) => m[1]);
}

const requiredAt = (lines: string[], indent: string, helpers: string[]): string[][] => {
    const out: string[][] = [];
    for (const [i, line] of lines.entries()) {
        if (!line.startsWith(indent) || /^\s/.test(line.slice(indent.length))) continue;
        const own = line.slice(indent.length);
        const check = new RegExp(String.raw`^: "\$\{(${name}):\?|^\[ -n "\$\{(${name}):-\}" \] \|\| (fail|exit)`).exec(
            own,
        );
        if (check !== null) out.push([check[1] ?? check[2]]);
        const loop = /^for var in ([A-Z0-9_ \\]+?);? *(do)?$/.exec(own);
        const body = lines.slice(i, i + 5).join("\n");
        if (loop !== null && /"\$\{!var:-\}"/.test(body) && /\b(fail|exit [1-9])/.test(body)) {
            const names = body.slice(body.indexOf("in ") + 3, body.indexOf("; do")).replace(/\\\n/g, " ");
            out.push(
                ...names
                    .split(/\s+/)
                    .filter((n) => n !== "" && n !== "\\")
                    .map((n) => [n]),
            );
        }
        const call = new RegExp(String.raw`^(${helpers.join("|") || "$^"}) ((?:${name} ?)+)$`).exec(own);
        if (call !== null) {
            for (const n of call[2].trim().split(" ")) {
                // Set by an assignment before the call that reads another variable: either one will do.
                const derived = lines
                    .slice(0, i)
                    .filter((l) => new RegExp(String.raw`\b${n}="\$\(`).test(l))
                    .flatMap((l) => readsOn(l).filter((r) => r !== n));
                out.push([n, ...new Set(derived)]);
            }
        }
    }
    return out;
};

const cache = new Map<string, Script>();

/** A script as its step runs it (lib/ includes inlined), with what it requires and accepts. */
export function script(file: string, dir: string): Script {
    const key = path.join(dir, file);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const text = loadScript(file, dir);
    const lines = text.split("\n");
    const helpers = requireHelpers(text);
    const required = requiredAt(lines, "", helpers);
    const documented = new Map<string, string[]>();
    const listed = new Set<string>();
    const injected = new Set<string>();
    const entries = headerEntries(text);
    for (const { names, description } of entries) {
        // Named in the header, as an entry or in a note (`AZURE_AUTH_LOCATION reach the suite as they are`).
        [...names, ...(description.match(new RegExp(`\\b${name}\\b`, "g")) ?? [])].forEach((n) => listed.add(n));
        const alternatives = alternativesOf(description);
        // `Y  instead of X, …`: either one will do.
        const instead = entries
            .filter((e) => e.names.length > 0 && names.some((n) => e.description.startsWith(`instead of ${n}`)))
            .flatMap((e) => e.names);
        for (const n of names) {
            if (/\binjected by\b/.test(description)) injected.add(n);
            else if (!conditional.test(description)) required.push([n, ...instead]);
            if (alternatives !== undefined) documented.set(n, alternatives);
        }
    }
    const cases = new Map<string, { patterns: string[]; refusesOthers: boolean }>();
    const armNeeds = new Map<string, Map<string, string[][]>>();
    for (const block of caseBlocks(text)) {
        const patterns = block.arms.flatMap((a) => a.patterns);
        const other = block.arms.find((a) => a.patterns.includes("*"));
        const refusesOthers = other !== undefined && other.body.some((l) => /\b(fail|exit [1-9]|>&2)/.test(l));
        // No `*)` arm: a value no arm names falls through and the script does nothing for it, which a step never means.
        cases.set(block.variable, { patterns, refusesOthers: other === undefined || refusesOthers });
        const needs = new Map<string, string[][]>();
        for (const arm of block.arms) {
            for (const p of arm.patterns) needs.set(p, requiredAt(arm.body, " ".repeat(block.indent + 4), helpers));
        }
        armNeeds.set(block.variable, needs);
    }
    const result = { file, text, required, cases, documented, listed, injected, armNeeds };
    cache.set(key, result);
    return result;
}

/** Every script file of both directories, keyed by the text a step runs. */
function byText(): Map<string, Script> {
    const out = new Map<string, Script>();
    for (const dir of [pipelineScripts, layerScripts]) {
        for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".sh"))) {
            const s = script(f, dir);
            out.set(s.text, s);
        }
    }
    return out;
}

export interface RunningStep {
    /** Where it is, for messages: `<object> step <name>`. */
    where: string;
    script: Script;
    /** The step's own env. */
    env: Obj[];
    /** What its Task's `stepTemplate` gives every step (the step's own entry of a name wins). */
    inherited: Obj[];
    /** The Task's string param defaults: what `$(params.X)` is when the run passes no X. */
    defaults?: Map<string, string>;
}

/** Steps of a Task spec and containers of a pod spec that run one of the scripts. */
export function runningSteps(
    where: string,
    steps: Obj[] | undefined,
    inherited: Obj[] = [],
    params: Obj[] = [],
): RunningStep[] {
    const defaults = new Map<string, string>(
        params.filter((p: Obj) => typeof p.default === "string").map((p: Obj) => [p.name, p.default]),
    );
    const scripts = byText();
    const out: RunningStep[] = [];
    for (const step of steps ?? []) {
        const text: unknown = step.script ?? (step.command?.[0] === "/bin/bash" ? step.command[2] : undefined);
        const s = typeof text === "string" ? scripts.get(text) : undefined;
        if (s !== undefined) {
            out.push({ where: `${where} step ${step.name}`, script: s, env: step.env ?? [], inherited, defaults });
        }
    }
    return out;
}

const globMatch = (pattern: string, value: string) =>
    new RegExp(`^${escape(pattern.replace(/^"|"$/g, "")).replace(/\\\*/g, ".*").replace(/\\\?/g, ".")}$`).test(value);

/**
 * Env variables the scripts leave to the tools they run, each with why the script itself never names it. A caller
 * adds its own (`tools`), each with its reason.
 */
export const toolEnv: Record<string, string> = {
    HOME: "kubectl keeps its discovery cache, gcloud and az their state, under HOME (the pod's may be read-only)",
};

/** Whether `s` reads `n`: see the module comment; `env` resolves `${!X}` to the variable X names. */
function reads(s: Script, n: string, env: Map<string, Obj>, tools: Record<string, string>): boolean {
    if (new RegExp(String.raw`\$\{?[#!]?${escape(n)}(?![A-Za-z0-9_])`).test(s.text)) return true;
    const loops = [...s.text.matchAll(/for var in ([A-Z0-9_ \\\n]+?); do/g)].flatMap((m) => m[1].split(/[\s\\]+/));
    const families = s.text
        .split("\n")
        .filter((l) => l.startsWith("#"))
        .flatMap((l) => [...l.matchAll(/\b([A-Z][A-Z0-9_]*_)\*/g)].map((m) => m[1]));
    const indirect = [...s.text.matchAll(new RegExp(String.raw`\$\{!(${name})`, "g"))].map((m) => env.get(m[1])?.value);
    return (
        loops.includes(n) ||
        families.some((f) => n.startsWith(f)) ||
        indirect.includes(n) ||
        s.documented.has(n) ||
        s.listed.has(n) ||
        n in toolEnv ||
        n in tools
    );
}

const emptyEntry = (where: string, e: Obj): string[] =>
    typeof e.name !== "string" || e.name === ""
        ? [`${where}: an env entry has no name`]
        : e.valueFrom === undefined && (e.value === undefined || e.value === "")
          ? [`${where}: ${e.name} is set to nothing`]
          : [];

/** What is wrong with one step's wiring to its script; empty when nothing. */
export function stepProblems(step: RunningStep, tools: Record<string, string> = {}): string[] {
    const { where, script: s } = step;
    const problems: string[] = [];
    const env = new Map<string, Obj>([...step.inherited, ...step.env].map((e: Obj) => [e.name, e]));
    const literal = (n: string): string | undefined => {
        const e = env.get(n);
        return e?.valueFrom === undefined && typeof e?.value === "string" && !e.value.includes("$(")
            ? e.value
            : undefined;
    };
    for (const e of step.env) {
        problems.push(...emptyEntry(where, e));
        if (typeof e.name === "string" && e.name !== "" && !reads(s, e.name, env, tools)) {
            problems.push(`${where}: sets ${e.name}, which ${s.file} never reads`);
        }
    }
    const needs = [...s.required];
    for (const [variable, arms] of s.armNeeds) {
        const value = literal(variable);
        if (value === undefined) continue;
        for (const [pattern, reqs] of arms) if (pattern !== "*" && globMatch(pattern, value)) needs.push(...reqs);
    }
    const missing = new Set<string>();
    for (const alternatives of needs) {
        if (!alternatives.some((n) => env.has(n) || s.injected.has(n))) missing.add(alternatives.join(" or "));
    }
    for (const m of missing) problems.push(`${where}: ${s.file} requires ${m}, which the step does not set`);
    for (const n of env.keys()) {
        // A literal, or the default of the one param it is (an empty default stands for unset: `${X:-}`).
        const param = /^\$\(params\.([A-Za-z0-9_.-]+)\)$/.exec(env.get(n)?.value ?? "")?.[1];
        const value = literal(n) ?? (param !== undefined ? step.defaults?.get(param) || undefined : undefined);
        if (value === undefined) continue;
        const c = s.cases.get(n);
        if (c !== undefined && c.refusesOthers && !c.patterns.some((p) => p !== "*" && globMatch(p, value))) {
            problems.push(`${where}: ${n}=${value}, which ${s.file} refuses (it takes ${c.patterns.join(", ")})`);
        }
        const documented = s.documented.get(n);
        if (documented !== undefined && documented.length > 0 && !documented.includes(value)) {
            problems.push(`${where}: ${n}=${value}, not one of the values ${s.file} takes (${documented.join(", ")})`);
        }
    }
    return problems;
}

/** A Task's `stepTemplate` env: each entry set, and read by the script of at least one of its steps. */
export function templateProblems(
    where: string,
    template: Obj[],
    steps: RunningStep[],
    tools: Record<string, string> = {},
): string[] {
    return template.flatMap((e: Obj) => [
        ...emptyEntry(where, e),
        ...(steps.some((st) => reads(st.script, e.name, new Map(st.inherited.map((x: Obj) => [x.name, x])), tools))
            ? []
            : [`${where}: its stepTemplate sets ${e.name}, which no step's script reads`]),
    ]);
}
