/** vap-eval (kube-apiserver's own validating admission policy code, test/tools/go/vap-eval) over policies and cases. */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { requireTool, tempDir } from "../scripts/harness";
import type { Doc } from "./stack-objects";

export interface Case {
    name: string;
    /** CREATE when left out. */
    operation?: "CREATE" | "UPDATE" | "DELETE";
    namespace: string;
    username: string;
    /** The requested object; none on a DELETE. */
    object?: Doc;
    /** The stored object, which the policy reads as `oldObject`: what a DELETE carries (and an UPDATE beside `object`). */
    oldObject?: Doc;
}
export interface Outcome {
    name: string;
    matched: boolean;
    denied: boolean;
    messages: string[];
}

/** Runs vap-eval over the stack's policy and `cases`. */
export function evaluate(policy: Doc, cases: Case[]): { compileErrors: string[] | null; results: Outcome[] } {
    requireTool("vap-eval");
    const dir = tempDir("vap");
    try {
        fs.writeFileSync(path.join(dir, "policy.json"), JSON.stringify(policy));
        fs.writeFileSync(path.join(dir, "cases.json"), JSON.stringify(cases));
        const r = spawnSync("vap-eval", [path.join(dir, "policy.json"), path.join(dir, "cases.json")], {
            encoding: "utf8",
        });
        assert.ok(r.status === 0 || r.status === 1, `vap-eval exited ${r.status}: ${r.stderr}`);
        return JSON.parse(r.stdout) as { compileErrors: string[] | null; results: Outcome[] };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** A hostile variant of a run: `change` edits a copy of it. */
export function variant(run: Doc, change: (r: Doc) => void): Doc {
    const r = clone(run);
    change(r);
    return r;
}

/** As Tekton's defaulting webhook leaves a run before any validating admission: the default pod template merged in. */
export function defaulted(run: Doc): Doc {
    return variant(run, (r) => {
        r.spec.taskRunTemplate.podTemplate = {
            securityContext: { fsGroup: 65532 },
            ...r.spec.taskRunTemplate.podTemplate,
        };
    });
}
