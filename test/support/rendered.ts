/**
 * Reading the objects the Tekton builders render, as the API server gets them: the helpers the Task-builder tests
 * (test/components/pipelines/*-tasks.test.ts, nightly-objects.test.ts) share.
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import { valueOf } from "../helpers";

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered Tekton objects are read as untyped JSON */
export type Obj = any;

/** Every Output in `x` replaced by its value; fields left `undefined` stay (a test can tell them from absent ones). */
export async function resolved(x: unknown): Promise<Obj> {
    if (pulumi.Output.isInstance(x)) return resolved(await valueOf(x));
    if (Array.isArray(x)) return Promise.all(x.map(resolved));
    if (x !== null && typeof x === "object") {
        return Object.fromEntries(await Promise.all(Object.entries(x).map(async ([k, v]) => [k, await resolved(v)])));
    }
    return x;
}

/** The object as serialized for the API server: Outputs resolved, `undefined` fields gone. */
export async function serialized(x: unknown): Promise<Obj> {
    return JSON.parse(JSON.stringify(await valueOf(pulumi.output(x as Obj))));
}

/** The one step of a Task spec with this name, failing with the names there are when there is none or several. */
export function stepOf(spec: Obj, name: string): Obj {
    const found = (spec.steps as Obj[]).filter((s) => s.name === name);
    assert.equal(found.length, 1, `one step ${name} in ${(spec.steps as Obj[]).map((s) => s.name).join(", ")}`);
    return found[0];
}

/**
 * The securityContext of a restricted step (Pod Security "restricted", as the pipelines namespace enforces), written
 * out here rather than imported from the builders so a change to theirs fails the tests.
 */
export const restrictedStep = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    seccompProfile: { type: "RuntimeDefault" },
};
