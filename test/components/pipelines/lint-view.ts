/* eslint-disable @typescript-eslint/no-explicit-any -- Tekton objects are untyped JSON here */

/**
 * @ibm/tekton-lint predates `matrix` (tektoncd/pipeline docs/matrix.md): it does not see that each matrix combination
 * supplies params, and reports them missing. The lint view folds the params every `matrix.include` entry supplies
 * into the pipeline task's `params`, exactly what Tekton does per combination. Nor does it know a matrixed task's
 * results are consumed as a whole array, `$(tasks.<t>.results.<r>[*])` (tektoncd/pipeline docs/matrix.md,
 * "Results from fanned out Matrixed PipelineTasks"), so the view drops the `[*]` of references to a matrixed task's
 * results, and of no other.
 */
export function lintView(objects: unknown[]): unknown[] {
    return objects.map((obj: any) => {
        if (obj?.kind !== "Pipeline") return obj;
        const fold = (t: any) => {
            const include: any[] = t.matrix?.include ?? [];
            if (include.length === 0) return t;
            const supplied = include[0].params.map((p: any) => p.name);
            for (const entry of include) {
                const names = entry.params.map((p: any) => p.name);
                if (JSON.stringify(names) !== JSON.stringify(supplied)) {
                    throw new Error(`matrix entry ${entry.name} of ${t.name} supplies ${names} instead of ${supplied}`);
                }
            }
            const rest = { ...t };
            delete rest.matrix;
            return { ...rest, params: [...(t.params ?? []), ...include[0].params] };
        };
        const matrixed = new Set<string>(
            [...obj.spec.tasks, ...obj.spec.finally].filter((t: any) => t.matrix).map((t: any) => t.name),
        );
        const unstar = (v: any): any =>
            typeof v === "string"
                ? v.replace(
                      /\$\(tasks\.([a-z0-9-]+)\.results\.([A-Za-z0-9_-]+)\[\*\]\)/g,
                      (all, t: string, r: string) => (matrixed.has(t) ? `$(tasks.${t}.results.${r})` : all),
                  )
                : Array.isArray(v)
                  ? v.map(unstar)
                  : v;
        const view = (t: any) => ({
            ...t,
            params: (t.params ?? []).map((p: any) => ({ ...p, value: unstar(p.value) })),
        });
        return {
            ...obj,
            spec: {
                ...obj.spec,
                tasks: obj.spec.tasks.map(fold).map(view),
                finally: obj.spec.finally.map(fold).map(view),
            },
        };
    });
}
