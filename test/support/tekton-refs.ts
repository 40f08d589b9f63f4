/**
 * Tekton's own wiring in a rendered Task or Pipeline: every `$(params…)`, `$(results…)`, `$(workspaces…)`,
 * `$(steps…)`, `$(tasks…)` and `$(context…)` reference names something declared (tektoncd/pipeline docs/variables.md),
 * every declared param is used and every declared result written, and each pipeline task passes and binds what its
 * Task takes. The step-to-script half of the contract is test/support/step-contract.ts.
 */
import { escape, name, runningSteps } from "./step-contract";

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered objects are untyped JSON */
type Obj = any;

/** Every string under `x`, with its path. */
function strings(x: unknown, at = ""): [string, string][] {
    if (typeof x === "string") return [[at, x]];
    if (Array.isArray(x)) return x.flatMap((v, i) => strings(v, `${at}[${i}]`));
    if (x !== null && typeof x === "object") return Object.entries(x).flatMap(([k, v]) => strings(v, `${at}.${k}`));
    return [];
}

/** `$(kind.rest)` references in a string: Tekton's variable substitution (tektoncd/pipeline docs/variables.md). */
const references = (s: string) => [...s.matchAll(/\$\((params|results|workspaces|steps|tasks|context)\.([^)]*)\)/g)];

/**
 * Names Tekton takes (tektoncd/pipeline docs/tasks.md): a param's begins with a letter or `_` and holds letters,
 * digits, `_`, `-` and `.`; a result's holds letters, digits, `_` and `-`, starting and ending with a letter or digit; a
 * step's and a workspace's, and a pipeline task's, are DNS labels. An emptied name shows here even where its
 * declaration and its references come from one constant.
 */
const valid = {
    param: /^[A-Za-z_][A-Za-z0-9_.-]*$/,
    result: /^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$/,
    label: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
};

/** Each name of `items` that Tekton would refuse, as a problem. */
export function invalidNames(where: string, kind: keyof typeof valid, items: Obj[] | undefined): string[] {
    return (items ?? [])
        .filter((x: Obj) => typeof x.name !== "string" || !valid[kind].test(x.name))
        .map((x: Obj) => `${where}: ${kind} name '${x.name}' is not one Tekton takes`);
}

/**
 * What `tkn task describe` and the dashboard show an operator: the Task's, and each param's, result's and workspace's,
 * description. An emptied one is documentation lost from the cluster.
 */
function undescribed(where: string, ...lists: (Obj | Obj[] | undefined)[]): string[] {
    return lists
        .flatMap((l) => (Array.isArray(l) ? l : l === undefined ? [] : [l]))
        .filter((x: Obj) => typeof x.description !== "string" || x.description.trim() === "")
        .map((x: Obj) => `${where}: ${x.name ?? "the object"} has no description`);
}

/** What does not resolve in a Task: references to undeclared params, results, workspaces or steps; unused params. */
export function taskProblems(task: Obj): string[] {
    const where = `Task ${task.metadata.name}`;
    const spec = task.spec;
    const problems: string[] = [];
    const params = new Set<string>((spec.params ?? []).map((p: Obj) => p.name));
    const results = new Set<string>((spec.results ?? []).map((r: Obj) => r.name));
    const workspaces = new Set<string>((spec.workspaces ?? []).map((w: Obj) => w.name));
    const steps = new Set<string>((spec.steps ?? []).map((s: Obj) => s.name));
    const used = new Set<string>();
    const written = new Set<string>();
    problems.push(
        ...undescribed(where, { description: spec.description }, spec.params, spec.results, spec.workspaces),
        ...invalidNames(where, "param", spec.params),
        ...invalidNames(where, "result", spec.results),
        ...invalidNames(where, "label", spec.workspaces),
        ...invalidNames(where, "label", spec.steps),
    );
    // Not the step scripts: they take their inputs from env, never from Tekton's substitution (a comment may name one).
    const scriptless = {
        ...spec,
        params: undefined,
        results: undefined,
        steps: spec.steps?.map((st: Obj) => ({ ...st, script: undefined })),
    };
    for (const [at, s] of strings(scriptless)) {
        for (const [ref, kind, rest] of references(s)) {
            const id = /^[A-Za-z0-9_-]+/.exec(rest)?.[0] ?? "";
            const known =
                kind === "params"
                    ? params.has(id)
                    : kind === "results"
                      ? results.has(id) && /^[A-Za-z0-9_-]+\.path$/.test(rest)
                      : kind === "workspaces"
                        ? workspaces.has(id) && /^[A-Za-z0-9_-]+\.(path|bound|claim|volume)$/.test(rest)
                        : kind === "steps"
                          ? /^step-/.test(id) && steps.has(id.slice("step-".length)) && /\.exitCode\.path$/.test(rest)
                          : kind === "context"
                            ? /^(taskRun\.(name|namespace|uid)|task\.(name|retry-count))$/.test(rest)
                            : false;
            if (!known) problems.push(`${where}: ${ref} at ${at} names nothing the Task declares`);
            // `[*]` expands an array param, and only one (tektoncd/pipeline docs/tasks.md, section Substituting Array parameters).
            const declared = (spec.params ?? []).find((p: Obj) => p.name === id);
            if (kind === "params" && declared !== undefined && rest.endsWith("[*]") !== (declared.type === "array")) {
                problems.push(
                    `${where}: ${ref} at ${at} is not how a param of type ${declared.type ?? "string"} expands`,
                );
            }
            if (kind === "params") used.add(id);
            if (kind === "results") written.add(id);
        }
    }
    for (const p of params) if (!used.has(p)) problems.push(`${where}: param ${p} is declared and never used`);
    // A step handed Tekton's results directory itself writes `<dir>/<prefix>SUFFIX` for a prefix its env names
    // (mirror-release.sh's RESULTS_DIR and TARGETS).
    for (const step of runningSteps(where, spec.steps, spec.stepTemplate?.env)) {
        const dirs = step.env.filter((e: Obj) => e.value === "/tekton/results").map((e: Obj) => e.name as string);
        for (const d of dirs) {
            const suffixes = [
                ...step.script.text.matchAll(new RegExp(String.raw`\$\{${d}\}/\$\{[a-z_]+\}(${name})"`, "g")),
            ];
            const values = step.env.map((e: Obj) => (typeof e.value === "string" ? e.value : "")).join("\n");
            for (const r of results) {
                const m = suffixes.find((x) => r.endsWith(x[1]));
                if (
                    m !== undefined &&
                    new RegExp(`(^|\\s)${escape(r.slice(0, -m[1].length))}(\\s|$)`, "m").test(values)
                ) {
                    written.add(r);
                }
            }
        }
    }
    for (const r of results) if (!written.has(r)) problems.push(`${where}: result ${r} is declared and never written`);
    return problems;
}

/**
 * What does not resolve in a Pipeline, against the Tasks its tasks name (`tasks`: the rendered Tasks of its
 * namespace, by name): params, task results, workspaces, runAfter, and the params and workspaces each Task takes.
 */
export function pipelineProblems(pipeline: Obj, tasks: Map<string, Obj>): string[] {
    const where = `Pipeline ${pipeline.metadata.name}`;
    const spec = pipeline.spec;
    const problems: string[] = [];
    const params = new Set<string>((spec.params ?? []).map((p: Obj) => p.name));
    const workspaces = new Set<string>((spec.workspaces ?? []).map((w: Obj) => w.name));
    const all: Obj[] = [...(spec.tasks ?? []), ...(spec.finally ?? [])];
    problems.push(
        ...undescribed(where, { description: spec.description }, spec.params, spec.workspaces),
        ...invalidNames(where, "param", spec.params),
        ...invalidNames(where, "label", spec.workspaces),
        ...invalidNames(where, "label", all),
        ...all.flatMap((t) => invalidNames(`${where} task ${t.name}`, "param", t.params)),
    );
    const taskOf = new Map<string, Obj>();
    for (const t of all) {
        const task = t.taskSpec !== undefined ? { spec: t.taskSpec } : tasks.get(t.taskRef?.name);
        if (task === undefined) {
            problems.push(`${where}: task ${t.name} runs Task ${t.taskRef?.name}, which is not rendered`);
        } else taskOf.set(t.name, task.spec);
    }
    const used = new Set<string>();
    for (const [at, s] of strings({ ...spec, params: undefined })) {
        for (const [ref, kind, rest] of references(s)) {
            const [id, field, result] = rest.split(".");
            let known = false;
            if (kind === "params") known = params.has(/^[A-Za-z0-9_-]+/.exec(rest)?.[0] ?? "");
            if (kind === "params") used.add(/^[A-Za-z0-9_-]+/.exec(rest)?.[0] ?? "");
            if (kind === "workspaces") known = workspaces.has(id) && field === "bound";
            // A pipeline task's param may carry `$(context.taskRun.…)`: the TaskRun substitutes its params first and its
            // context after, so the param resolves to that TaskRun's own (tektoncd/pipeline pkg/reconciler/taskrun/
            // taskrun.go: ApplyParameters, then ApplyContexts). The upgrade gate names its cluster so.
            if (kind === "context") {
                known =
                    /^pipelineRun\.(name|namespace|uid)$|^pipeline\.name$/.test(rest) ||
                    (/^taskRun\.(name|namespace|uid)$/.test(rest) && /\.params\[\d+\]\.value$/.test(at));
            }
            if (kind === "tasks") {
                const target = taskOf.get(id);
                known =
                    id === "status" ||
                    (target !== undefined &&
                        (field === "status" ||
                            field === "reason" ||
                            (field === "results" &&
                                (target.results ?? []).some((r: Obj) => r.name === result.replace(/\[\*\]$/, "")))));
            }
            if (!known) problems.push(`${where}: ${ref} at ${at} names nothing the Pipeline or its Task declares`);
        }
    }
    for (const p of params) if (!used.has(p)) problems.push(`${where}: param ${p} is declared and never used`);
    const names = new Set(all.map((t) => t.name));
    for (const t of all) {
        const task = taskOf.get(t.name);
        for (const after of t.runAfter ?? []) {
            if (!names.has(after)) problems.push(`${where}: ${t.name} runs after ${after}, no task`);
        }
        if (task === undefined) continue;
        const given = [...(t.params ?? []), ...(t.matrix?.params ?? []), ...(t.matrix?.include?.[0]?.params ?? [])].map(
            (p: Obj) => p.name,
        );
        const declared = new Map<string, Obj>((task.params ?? []).map((p: Obj) => [p.name, p]));
        for (const g of given) {
            if (!declared.has(g)) problems.push(`${where}: ${t.name} passes ${g}, which its Task does not take`);
        }
        for (const [n, p] of declared) {
            if (p.default === undefined && !given.includes(n)) problems.push(`${where}: ${t.name} does not pass ${n}`);
        }
        const bound = new Map<string, string>((t.workspaces ?? []).map((w: Obj) => [w.name, w.workspace]));
        for (const [n, w] of bound) {
            if (!(task.workspaces ?? []).some((x: Obj) => x.name === n)) {
                problems.push(`${where}: ${t.name} binds ${n}, which its Task does not take`);
            }
            if (!workspaces.has(w)) {
                problems.push(`${where}: ${t.name} binds ${n} to ${w}, which the Pipeline does not declare`);
            }
        }
        for (const w of task.workspaces ?? []) {
            if (w.optional !== true && !bound.has(w.name)) {
                problems.push(`${where}: ${t.name} leaves workspace ${w.name} unbound`);
            }
        }
    }
    return problems;
}
