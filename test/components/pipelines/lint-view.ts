/* eslint-disable @typescript-eslint/no-explicit-any -- Tekton objects are untyped JSON here */

/**
 * @ibm/tekton-lint predates `matrix` (tektoncd/pipeline docs/matrix.md): it does not see that each matrix combination
 * supplies params, and reports them missing. The lint view folds the params every `matrix.include` entry supplies
 * into the pipeline task's `params`, exactly what Tekton does per combination, and changes nothing else.
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
        return { ...obj, spec: { ...obj.spec, tasks: obj.spec.tasks.map(fold), finally: obj.spec.finally.map(fold) } };
    });
}
