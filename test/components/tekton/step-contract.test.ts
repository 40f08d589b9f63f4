/**
 * The wiring between the Tekton layer's objects and the scripts they run (test/support/step-contract.ts): each env
 * variable a CronJob hands its script is one the script reads, each variable the script requires is set and not
 * empty, each literal it branches on is one it takes; and the Triggers objects resolve: every `$(tt.params…)` a
 * TriggerTemplate uses is declared, every param it needs is bound by each trigger that uses it, and every binding
 * and template an EventListener names exists. On a layer of each site kind, as src/program.ts builds it.
 */
import * as assert from "node:assert/strict";

import type { Platform } from "../../../src/config/schema";
import { tektonLayerArgs } from "../../../src/layers";
import { recorder, settled, useMocks } from "../../helpers";
import { runningSteps, script, stepProblems } from "../../support/step-contract";
import { invalidNames } from "../../support/tekton-refs";
import { scriptsDir } from "../../../components/tekton/jobs";
import { fakeConfig, fakeRuns, fakeSite, stream415, stream416 } from "./fixtures";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON */
type Obj = any;

const T = {
    cronJob: "kubernetes:batch/v1:CronJob",
    job: "kubernetes:batch/v1:Job",
    template: "kubernetes:triggers.tekton.dev/v1beta1:TriggerTemplate",
    binding: "kubernetes:triggers.tekton.dev/v1beta1:TriggerBinding",
    listener: "kubernetes:triggers.tekton.dev/v1beta1:EventListener",
};

/** Every `$(tt.params.X)` in `x` (X as written, so that an emptied one shows). */
const templateRefs = (x: unknown): string[] =>
    [...JSON.stringify(x).matchAll(/\$\(tt\.params\.([^)]*)\)/g)].map((m) => m[1]);

/** What does not resolve among the Triggers objects of one namespace. */
export function triggerProblems(templates: Obj[], bindings: Obj[], listeners: Obj[]): string[] {
    const problems: string[] = [];
    const templateBy = new Map<string, Obj>(templates.map((t) => [t.metadata.name, t]));
    const bindingBy = new Map<string, Obj>(bindings.map((b) => [b.metadata.name, b]));
    for (const b of bindings) {
        problems.push(...invalidNames(`TriggerBinding ${b.metadata.name}`, "param", b.spec.params));
    }
    for (const t of templates) {
        problems.push(...invalidNames(`TriggerTemplate ${t.metadata.name}`, "param", t.spec.params));
        const declared = new Set<string>((t.spec.params ?? []).map((p: Obj) => p.name));
        for (const r of templateRefs(t.spec.resourcetemplates)) {
            if (!declared.has(r)) problems.push(`TriggerTemplate ${t.metadata.name} uses tt.params.${r}, undeclared`);
        }
    }
    for (const l of listeners) {
        for (const trigger of l.spec.triggers ?? []) {
            const where = `EventListener ${l.metadata.name} trigger ${trigger.name}`;
            const template = templateBy.get(trigger.template?.ref);
            if (template === undefined) {
                problems.push(`${where}: template ${trigger.template?.ref} is not rendered`);
                continue;
            }
            const bound = new Set<string>();
            for (const b of trigger.bindings ?? []) {
                if (b.ref !== undefined) {
                    const binding = bindingBy.get(b.ref);
                    if (binding === undefined) problems.push(`${where}: binding ${b.ref} is not rendered`);
                    for (const p of binding?.spec.params ?? []) bound.add(p.name);
                } else {
                    problems.push(...invalidNames(where, "param", [b]));
                    if (typeof b.value !== "string" || b.value === "") {
                        problems.push(`${where}: ${b.name} bound to nothing`);
                    }
                    bound.add(b.name);
                }
            }
            // Triggers substitutes only the params the template declares; one it uses must come from a binding.
            for (const used of new Set(templateRefs(template.spec.resourcetemplates))) {
                const spec = (template.spec.params ?? []).find((p: Obj) => p.name === used);
                if (!bound.has(used) && spec?.default === undefined) {
                    problems.push(`${where}: template ${template.metadata.name} uses ${used}, which no binding gives`);
                }
            }
        }
    }
    return problems;
}

const configurations: { platform: Platform; streams: object[] }[] = [
    { platform: "aws", streams: [stream415, stream416] },
    { platform: "gcp", streams: [stream415] },
    { platform: "azure", streams: [stream416] },
    { platform: "local", streams: [stream415, stream416] },
];

for (const { platform, streams } of configurations) {
    describe(`step contract: the Tekton layer of a ${platform} site`, () => {
        useMocks();
        let objects: { type: string; inputs: Obj }[];
        before(async () => {
            const { TektonLayer } = await import("../../../components/tekton");
            const config = fakeConfig(platform, streams);
            const name = `scl-${platform}`;
            new TektonLayer(
                name,
                tektonLayerArgs(config, { site: fakeSite(`${name}-site`, platform), runs: fakeRuns(config) }),
            );
            await settled();
            objects = recorder().resources.map((r) => ({ type: r.type, inputs: r.inputs as Obj }));
        });
        const of = (type: string) => objects.filter((o) => o.type === type).map((o) => o.inputs);

        it("runs a script in every CronJob and Job, each wired to what it reads and requires", () => {
            const pods = [
                ...of(T.cronJob).map((c) => ({
                    where: `CronJob ${c.metadata.name}`,
                    pod: c.spec.jobTemplate.spec.template.spec,
                })),
                ...of(T.job).map((j) => ({ where: `Job ${j.metadata.name}`, pod: j.spec.template.spec })),
            ];
            const containers = pods.flatMap(({ pod }) => [...(pod.initContainers ?? []), ...pod.containers]);
            const steps = pods.flatMap(({ where, pod }) =>
                runningSteps(where, [...(pod.initContainers ?? []), ...pod.containers]),
            );
            // The pruner, and per stream the dispatcher and the scheduled-nightly mark; the release trigger per
            // promoting stream: every container runs one of the scripts.
            assert.equal(steps.length, containers.length, containers.map((c) => c.name).join(", "));
            const files = new Set(steps.map((s) => s.script.file));
            for (const f of ["prune-runs.sh", "dispatch-nightly.sh", "mark-scheduled-nightly.sh"]) {
                assert.ok(files.has(f), `${f} in ${[...files].join(", ")}`);
            }
            assert.deepEqual(
                steps.flatMap((s) => stepProblems(s)),
                [],
            );
        });

        it("resolves every template param the triggers use, and every binding and template they name", () => {
            assert.ok(of(T.listener).length >= 2);
            assert.deepEqual(triggerProblems(of(T.template), of(T.binding), of(T.listener)), []);
        });
    });
}

describe("step contract checker (test/support/step-contract.ts) on the Tekton layer's scripts", () => {
    it("takes a CronJob's required variables from its script's Environment header and checks", () => {
        const s = script("dispatch-nightly.sh", scriptsDir);
        const required = new Set(s.required.map((r) => r.join(" or ")));
        for (const n of ["RECORDS_NAMESPACE", "RUNS_NAMESPACE", "STREAM", "BRANCH", "LISTENER_URL"]) {
            assert.ok(required.has(n), `${n} in ${[...required].join(", ")}`);
        }
        const step = (env: Obj[]) => ({ where: "x", script: script("prune-runs.sh", scriptsDir), env, inherited: [] });
        assert.deepEqual(
            stepProblems(
                step([
                    { name: "NAMESPACE", value: "okd-builds" },
                    { name: "KEEP", value: "25" },
                ]),
            ),
            [],
        );
        assert.deepEqual(
            stepProblems(
                step([
                    { name: "NAMESPACE", value: "okd-builds" },
                    { name: "KEEP", value: "" },
                ]),
            ),
            ["x: KEEP is set to nothing"],
        );
        assert.deepEqual(
            stepProblems(
                step([
                    { name: "NAMESPACE", value: "okd-builds" },
                    { name: "KEPT", value: "2" },
                ]),
            ),
            [
                "x: sets KEPT, which prune-runs.sh never reads",
                "x: prune-runs.sh requires KEEP, which the step does not set",
            ],
        );
    });

    it("finds a template param no binding gives, and a binding that is not there", () => {
        const template = {
            metadata: { name: "t" },
            spec: { params: [{ name: "a" }], resourcetemplates: [{ x: "$(tt.params.a)-$(tt.params.b)" }] },
        };
        const listener = {
            metadata: { name: "l" },
            spec: { triggers: [{ name: "n", bindings: [{ ref: "gone" }], template: { ref: "t" } }] },
        };
        assert.deepEqual(triggerProblems([template], [], [listener]), [
            "TriggerTemplate t uses tt.params.b, undeclared",
            "EventListener l trigger n: binding gone is not rendered",
            "EventListener l trigger n: template t uses a, which no binding gives",
            "EventListener l trigger n: template t uses b, which no binding gives",
        ]);
    });
});
