/**
 * The modelled critical path of a rendered Tekton Pipeline: the longest chain of pipeline tasks through the DAG Tekton
 * builds (tektoncd/pipeline@v1.15.0 pkg/reconciler/pipeline/dag: `runAfter` and result references
 * `$(tasks.<name>.results.…)` both make an edge), with `finally` tasks starting together once every task has ended,
 * and per-task durations from the table in docs/performance.md. A matrixed task lasts as long as its slowest
 * combination (its TaskRuns run in parallel; the task ends when all have).
 *
 * It models the path of a run where everything succeeds: no retries, no skipped tasks, pods scheduled at once.
 */
import * as fs from "node:fs";

import YAML from "yaml";

export interface Duration {
    /** The Task (`taskRef.name`) a row applies to. */
    task: string;
    /** The matrix combination (`matrix.include[].name`, the component), or "" for every run of the Task. */
    combination: string;
    minutes: number;
    /** Pipeline tasks (names, `*` a wildcard) this task also waits for inside its script, not in the DAG. */
    waitsFor: string[];
    /** Where the number comes from: a published timing, a measurement, or "estimate: <why>". */
    source: string;
}

export interface PipelineTaskNode {
    name: string;
    task: string;
    deps: string[];
    finally: boolean;
    /** Matrix combination names, empty without a matrix. */
    combinations: string[];
}

export interface CriticalPath {
    pipeline: string;
    minutes: number;
    /** The tasks along the path, first to last, with when each ends (minutes from the start of the run). */
    path: { name: string; minutes: number; endsAt: number }[];
}

const begin = "<!-- durations:begin -->";
const end = "<!-- durations:end -->";

/** The duration rows of docs/performance.md (`| Task | combination | minutes | also waits for | source |`). */
export function readDurations(doc: string): Duration[] {
    const text = fs.readFileSync(doc, "utf8");
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    if (i < 0 || j < 0) throw new Error(`${doc} has no ${begin} … ${end} table of task durations`);
    const rows: Duration[] = [];
    for (const line of text.slice(i + begin.length, j).split("\n")) {
        const cells = line
            .trim()
            .replace(/^\||\|$/g, "")
            .split("|")
            .map((c) => c.trim());
        if (cells.length < 5 || !cells[0].startsWith("`")) continue;
        const minutes = Number(cells[2]);
        if (!Number.isFinite(minutes) || minutes < 0) throw new Error(`${doc}: bad minutes in ${line.trim()}`);
        const code = (c: string) => c.replace(/`/g, "");
        rows.push({
            task: code(cells[0]),
            combination: code(cells[1]),
            minutes,
            waitsFor: cells[3] === "" ? [] : cells[3].split(",").map((w) => code(w.trim())),
            source: cells[4],
        });
    }
    return rows;
}

/** The pipeline tasks of a rendered Pipeline object and their DAG edges. */
export function pipelineTasks(pipeline: {
    spec: { tasks?: Record<string, unknown>[]; finally?: Record<string, unknown>[] };
}): PipelineTaskNode[] {
    const node = (t: Record<string, unknown>, isFinally: boolean): PipelineTaskNode => {
        const name = t.name as string;
        const refs = [...JSON.stringify({ ...t, runAfter: undefined }).matchAll(/\$\(tasks\.([a-z0-9-]+)\.results\./g)];
        const deps = new Set([...((t.runAfter as string[] | undefined) ?? []), ...refs.map((m) => m[1])]);
        deps.delete(name);
        const matrix = t.matrix as { include?: { name?: string }[] } | undefined;
        return {
            name,
            task: (t.taskRef as { name: string }).name,
            deps: [...deps],
            finally: isFinally,
            combinations: (matrix?.include ?? []).map((c) => c.name ?? ""),
        };
    };
    return [
        ...(pipeline.spec.tasks ?? []).map((t) => node(t, false)),
        ...(pipeline.spec.finally ?? []).map((t) => node(t, true)),
    ];
}

/** `okd-e2e-*` as a whole-string pattern. */
const glob = (pattern: string) =>
    new RegExp(
        `^${pattern
            .split("*")
            .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
    );

/** The row of a Task and combination: the one whose Task pattern matches with the most literal text. */
function rowFor(task: string, combination: string, durations: Duration[]): Duration | undefined {
    const literal = (d: Duration) => d.task.replace(/\*/g, "").length;
    return durations
        .filter((d) => d.combination === combination && glob(d.task).test(task))
        .sort((a, b) => literal(b) - literal(a))[0];
}

/** How long one pipeline task takes: its slowest combination, by the most specific row; throws if none matches. */
export function taskMinutes(t: PipelineTaskNode, durations: Duration[]): number {
    const of = (combination: string) => {
        const row = rowFor(t.task, combination, durations) ?? rowFor(t.task, "", durations);
        if (row === undefined) {
            throw new Error(`docs/performance.md has no duration for Task ${t.task} (pipeline task ${t.name})`);
        }
        return row.minutes;
    };
    return t.combinations.length === 0 ? of("") : Math.max(...t.combinations.map(of));
}

/** The longest path through a Pipeline's tasks, then its finally tasks. */
export function criticalPath(pipeline: string, nodes: PipelineTaskNode[], durations: Duration[]): CriticalPath {
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const ends = new Map<string, { at: number; via?: string }>();
    const tasksEnd = () => Math.max(0, ...nodes.filter((n) => !n.finally).map((n) => endOf(n.name).at));
    const endOf = (name: string, seen: string[] = []): { at: number; via?: string } => {
        const known = ends.get(name);
        if (known) return known;
        if (seen.includes(name)) throw new Error(`${pipeline}: a cycle through ${[...seen, name].join(" → ")}`);
        const n = byName.get(name);
        if (n === undefined) throw new Error(`${pipeline}: ${seen.at(-1)} depends on ${name}, which is no task of it`);
        const waits = rowFor(n.task, "", durations)?.waitsFor ?? [];
        const extra = waits.flatMap((w) =>
            nodes.filter((m) => m.name !== name && glob(w).test(m.name)).map((m) => m.name),
        );
        let start = 0;
        let via: string | undefined;
        if (n.finally) {
            start = tasksEnd();
            via = "(all tasks)";
        }
        for (const d of [...n.deps, ...extra]) {
            const e = endOf(d, [...seen, name]).at;
            if (e > start) {
                start = e;
                via = d;
            }
        }
        const result = { at: start + taskMinutes(n, durations), via };
        ends.set(name, result);
        return result;
    };
    for (const n of nodes) endOf(n.name);
    let last = nodes.reduce((a, b) => (endOf(b.name).at > endOf(a.name).at ? b : a));
    const path: CriticalPath["path"] = [];
    for (;;) {
        const e = endOf(last.name);
        path.unshift({ name: last.name, minutes: taskMinutes(last, durations), endsAt: e.at });
        let prev: string | undefined = e.via;
        if (prev === "(all tasks)") {
            const tasks = nodes.filter((n) => !n.finally);
            prev = tasks.reduce((a, b) => (endOf(b.name).at > endOf(a.name).at ? b : a)).name;
        }
        if (prev === undefined) break;
        last = byName.get(prev) as PipelineTaskNode;
    }
    return { pipeline, minutes: endOf(path[path.length - 1].name).at, path };
}

/** The critical path of every Pipeline in a synth's manifests directory, by Pipeline name. */
export function manifestsCriticalPaths(manifestsDir: string, durations: Duration[]): CriticalPath[] {
    return fs
        .readdirSync(manifestsDir)
        .filter((f) => f.startsWith("pipeline_"))
        .sort()
        .map((f) => {
            const doc = YAML.parse(fs.readFileSync(`${manifestsDir}/${f}`, "utf8")) as {
                metadata: { name: string };
                spec: { tasks?: Record<string, unknown>[]; finally?: Record<string, unknown>[] };
            };
            return criticalPath(doc.metadata.name, pipelineTasks(doc), durations);
        });
}

/** `3h05m` */
export const hm = (minutes: number) =>
    `${Math.floor(minutes / 60)}h${String(Math.round(minutes % 60)).padStart(2, "0")}m`;
