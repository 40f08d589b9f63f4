/**
 * The listeners' admission policy (components/tekton/admission.ts) as kube-apiserver decides with it: every
 * expression compiled and evaluated by vap-eval (k8s.io/apiserver's own validating admission policy code,
 * test/tools/go/vap-eval), over the runs two streams' TriggerTemplates create and each way a creator could stray from
 * them. Each denial is pinned with the exact messages the API server would return. test/security/listener.test.ts
 * makes the attacker's attempts against every stack's rendered policy; this file pins each condition of the builder.
 */
import * as assert from "node:assert/strict";

import { admittedRuns, createdSpec, listenerRunPolicy } from "../../../components/tekton/admission";
import { type Case, type Outcome, clone, defaulted, evaluate, variant } from "../../security/vap";
import type { Doc } from "../../security/stack-objects";
import { policyStreams } from "./admission-fixtures";

const listenerUser = "system:serviceaccount:okd-release:okd-triggers";
const nightlyMessage =
    "a listener's okd-nightly-4-15 run must be the one its TriggerTemplate makes: namespace okd-builds, its " +
    "ServiceAccounts, pod templates, task run specs, workspaces and params, no identity label or Chains annotation, " +
    "timeouts within its own";
const releaseMessage = nightlyMessage
    .replace(/okd-nightly-4-15/, "okd-release-4-15")
    .replace(/okd-builds/, "okd-release");
const byName = (name: string) =>
    `a listener may only run an okd-ci Pipeline by name (no resolver, bundle or params), not ${name}`;

/** The PipelineRun a TriggerTemplate's run creates, its event params filled. */
function created(kind: "nightly" | "release"): Doc {
    const run = admittedRuns(policyStreams).find((r) => r.kind === kind);
    assert.ok(run);
    const spec = clone(createdSpec(run)) as Doc;
    for (const p of spec.params) p.value = p.value.replace(/^\$\(tt\.params\.[\w-]+\)$/, "0123abcd");
    return {
        apiVersion: "tekton.dev/v1",
        kind: "PipelineRun",
        metadata: { name: `${run.template.pipelineName}-x1`, labels: { "okd-ci/stream": "4.15", "okd-ci/run": kind } },
        spec,
    };
}

describe("the listeners' admission policy, as kube-apiserver evaluates it", () => {
    const outcomes = new Map<string, Outcome>();
    let compileErrors: string[] | null;
    const outcome = (name: string): Outcome => {
        const o = outcomes.get(name);
        assert.ok(o, `no case ${name}`);
        return o;
    };
    const admitted = (name: string) =>
        assert.deepEqual(outcome(name), { name, matched: true, denied: false, messages: [] });
    const denied = (name: string, messages: string[]) =>
        assert.deepEqual(outcome(name), { name, matched: true, denied: true, messages });
    /** Denied because the run's expression fails on it: the policy fails closed (failurePolicy Fail). */
    const failedOn = (name: string, error: string) => {
        const o = outcome(name);
        assert.deepEqual([o.matched, o.denied, o.messages.length], [true, true, 1], o.messages.join("; "));
        assert.ok(o.messages[0].startsWith("expression '!has(object.spec.pipelineRef) || "), o.messages[0]);
        assert.ok(o.messages[0].endsWith(`' resulted in error: ${error}`), o.messages[0]);
    };

    before(function () {
        this.timeout(60_000);
        const spec = listenerRunPolicy({
            runs: admittedRuns(policyStreams),
            listener: { namespace: "okd-release", serviceAccount: "okd-triggers" },
        });
        const policy = {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingAdmissionPolicy",
            metadata: { name: "okd-ci-listener-pipelineruns" },
            spec,
        };
        const nightly = created("nightly");
        const release = created("release");
        const cases: Case[] = [];
        const add = (name: string, object: Doc, namespace = "okd-builds", username = listenerUser) =>
            cases.push({ name, namespace, username, object });
        const n = (name: string, change: (r: Doc) => void) => add(name, variant(nightly, change));
        const r = (name: string, change: (r: Doc) => void) => add(name, variant(release, change), "okd-release");
        const timeouts = (t: Record<string, string>) => (x: Doc) => (x.spec.timeouts = { ...x.spec.timeouts, ...t });

        add("nightly as created", nightly);
        add("nightly defaulted", defaulted(nightly));
        add("release as created", release, "okd-release");
        add("release defaulted", defaulted(release), "okd-release");
        add("nightly in okd-release", nightly, "okd-release");
        add("release in okd-builds", release, "okd-builds");
        // Who is held: the listeners' ServiceAccount, in its own namespace, and no one else.
        add(
            "an operator's run",
            variant(nightly, (x) => (x.spec.pipelineRef = { name: "anything" })),
            "okd-builds",
            "kubernetes-admin",
        );
        add(
            "another ServiceAccount of the namespace",
            variant(nightly, (x) => (x.spec.pipelineRef = { name: "x" })),
            "okd-builds",
            "system:serviceaccount:okd-release:okd-promote",
        );
        add(
            "the same name in another namespace",
            variant(nightly, (x) => (x.spec.pipelineRef = { name: "x" })),
            "okd-builds",
            "system:serviceaccount:okd-builds:okd-triggers",
        );
        // What it runs.
        n("inline pipelineSpec", (x) => {
            delete x.spec.pipelineRef;
            x.spec.pipelineSpec = { tasks: [{ name: "x", taskSpec: { steps: [{ name: "x", image: "evil" }] } }] };
        });
        n("no pipeline at all", (x) => delete x.spec.pipelineRef);
        n("another pipeline", (x) => (x.spec.pipelineRef = { name: "evil" }));
        n("a resolver", (x) => (x.spec.pipelineRef = { name: "okd-nightly-4-15", resolver: "git" }));
        n("a reference without a name", (x) => (x.spec.pipelineRef = { resolver: "git" }));
        // Pod templates.
        n(
            "the nightly's pod template elsewhere",
            (x) => (x.spec.taskRunTemplate.podTemplate.nodeSelector = { pool: "x" }),
        );
        n("a toleration more", (x) => x.spec.taskRunTemplate.podTemplate.tolerations.push({ operator: "Exists" }));
        n("defaulted to another fsGroup", (x) => (x.spec.taskRunTemplate.podTemplate.securityContext = { fsGroup: 0 }));
        n("builds as okd-records", (x) => (x.spec.taskRunTemplate.serviceAccountName = "okd-records"));
        r("release on the host network", (x) => (x.spec.taskRunTemplate.podTemplate = { hostNetwork: true }));
        // Task run specs and workspaces: exactly the template's, or none where it has none.
        n("no task run specs", (x) => delete x.spec.taskRunSpecs);
        n("no workspaces", (x) => delete x.spec.workspaces);
        n("no params", (x) => delete x.spec.params);
        n("no task run template", (x) => delete x.spec.taskRunTemplate);
        n("e2e as okd-promote", (x) => (x.spec.taskRunSpecs[0].serviceAccountName = "okd-promote"));
        n("a task run spec more", (x) =>
            x.spec.taskRunSpecs.push({ pipelineTaskName: "build", serviceAccountName: "x" }),
        );
        r("release with no task run specs, spelt out", (x) => (x.spec.taskRunSpecs = []));
        r("release with a task run spec", (x) => (x.spec.taskRunSpecs = [{ pipelineTaskName: "promote" }]));
        n(
            "a bigger workspace",
            (x) => (x.spec.workspaces[0].volumeClaimTemplate.spec.resources.requests.storage = "1Ti"),
        );
        n("a Secret as a workspace too", (x) => x.spec.workspaces.push({ name: "e2e", secret: { secretName: "s" } }));
        r("release with no workspaces, spelt out", (x) => (x.spec.workspaces = []));
        r("release with a workspace", (x) => (x.spec.workspaces = [{ name: "shared", emptyDir: {} }]));
        // Params: the fixed ones with their values, the event ones with any value or none, no other.
        n("another revision", (x) => (x.spec.params[1].value = "refs/heads/evil"));
        n("no revision", (x) => x.spec.params.splice(1, 1));
        n("another stream", (x) => (x.spec.params[0].value = "4.16"));
        n("a param more", (x) => x.spec.params.push({ name: "base-payload", value: "quay.io/evil/evil:1" }));
        r("release without params", (x) => delete x.spec.params);
        r("release with a param", (x) => (x.spec.params = [{ name: "tags", value: "evil" }]));
        // Labels and annotations Tekton copies onto every pod.
        n("no labels", (x) => delete x.metadata.labels);
        n("an unrelated label", (x) => (x.metadata.labels["example.org/team"] = "a"));
        n("the identity label", (x) => (x.metadata.labels["okd-ci/identity"] = "records"));
        n("a task's identity label", (x) => (x.metadata.labels["azure.workload.identity/use"] = "true"));
        n("an unrelated annotation", (x) => (x.metadata.annotations = { "example.org/note": "hi" }));
        n("a Chains annotation", (x) => (x.metadata.annotations = { "chains.tekton.dev/signed": "true" }));
        // Timeouts: none set, each within the template's (finally within the pipeline's where it sets none).
        n("no timeouts", (x) => delete x.spec.timeouts);
        n("only a pipeline timeout", (x) => (x.spec.timeouts = { pipeline: "1h" }));
        n(
            "the template's own timeouts, defaulted form",
            timeouts({ pipeline: "8h0m0s", tasks: "7h0m0s", finally: "8h0m0s" }),
        );
        n("pipeline timeout off", timeouts({ pipeline: "0s" }));
        n("pipeline past the template", timeouts({ pipeline: "8h0m1s" }));
        n("tasks timeout off", timeouts({ tasks: "0s" }));
        n("tasks past the template", timeouts({ tasks: "7h1m" }));
        n("finally timeout off", timeouts({ finally: "0s" }));
        n("finally past the pipeline's", timeouts({ finally: "8h1m" }));
        n("an unreadable timeout", timeouts({ tasks: "a week" }));
        r("release finally at the template's", timeouts({ finally: "30m" }));
        r("release finally past the template", timeouts({ finally: "31m" }));
        r("release tasks past the template", timeouts({ tasks: "1h31m" }));

        const result = evaluate(policy, cases);
        compileErrors = result.compileErrors;
        for (const o of result.results) outcomes.set(o.name, o);
        assert.equal(outcomes.size, cases.length);
    });

    it("compiles every expression with the API server's CEL", () => assert.deepEqual(compileErrors, null));

    it("admits what the TriggerTemplates create, as created and as Tekton defaults them", () => {
        for (const name of ["nightly as created", "nightly defaulted", "release as created", "release defaulted"]) {
            admitted(name);
        }
    });

    it("holds each run to its own namespace", () => {
        denied("nightly in okd-release", [nightlyMessage]);
        denied("release in okd-builds", [releaseMessage]);
    });

    it("matches the listeners' ServiceAccount only", () => {
        for (const name of [
            "an operator's run",
            "another ServiceAccount of the namespace",
            "the same name in another namespace",
        ]) {
            assert.deepEqual(outcome(name), { name, matched: false, denied: false, messages: [] });
        }
    });

    it("refuses an inline spec, another Pipeline, a resolver or an unnamed reference, naming what was asked", () => {
        denied("inline pipelineSpec", [
            "a listener may not run an inline pipelineSpec",
            byName("an unnamed reference"),
        ]);
        denied("no pipeline at all", [byName("an unnamed reference")]);
        denied("another pipeline", [byName("evil")]);
        denied("a resolver", [byName("okd-nightly-4-15")]);
        denied("a reference without a name", [byName("an unnamed reference")]);
    });

    it("refuses any other pod template or ServiceAccount, the defaulted one included", () => {
        for (const name of [
            "the nightly's pod template elsewhere",
            "a toleration more",
            "defaulted to another fsGroup",
            "builds as okd-records",
        ]) {
            denied(name, [nightlyMessage]);
        }
        denied("release on the host network", [releaseMessage]);
    });

    it("holds task run specs and workspaces to the template's, and to none where it has none", () => {
        // Left out, a field the template sets is refused with the policy's message, not a CEL "no such key" error.
        for (const name of ["no task run specs", "no workspaces", "no params", "no task run template"]) {
            denied(name, [nightlyMessage]);
        }
        for (const name of ["e2e as okd-promote", "a task run spec more"]) denied(name, [nightlyMessage]);
        for (const name of ["a bigger workspace", "a Secret as a workspace too"]) denied(name, [nightlyMessage]);
        admitted("release with no task run specs, spelt out");
        admitted("release with no workspaces, spelt out");
        denied("release with a task run spec", [releaseMessage]);
        denied("release with a workspace", [releaseMessage]);
    });

    it("lets the event params take any value or none, and pins the fixed ones", () => {
        admitted("another revision");
        admitted("no revision");
        denied("another stream", [nightlyMessage]);
        denied("a param more", [nightlyMessage]);
        admitted("release without params");
        denied("release with a param", [releaseMessage]);
    });

    it("refuses the identity labels of the run's tasks and Chains annotations, and no others", () => {
        admitted("no labels");
        admitted("an unrelated label");
        admitted("an unrelated annotation");
        denied("the identity label", [nightlyMessage]);
        denied("a task's identity label", [nightlyMessage]);
        denied("a Chains annotation", [nightlyMessage]);
    });

    it("admits timeouts up to the template's, and refuses any off, past it or unreadable", () => {
        admitted("no timeouts");
        admitted("only a pipeline timeout");
        admitted("the template's own timeouts, defaulted form");
        admitted("release finally at the template's");
        for (const name of [
            "pipeline timeout off",
            "pipeline past the template",
            "tasks timeout off",
            "tasks past the template",
            "finally timeout off",
            "finally past the pipeline's",
        ]) {
            denied(name, [nightlyMessage]);
        }
        denied("release finally past the template", [releaseMessage]);
        denied("release tasks past the template", [releaseMessage]);
        failedOn("an unreadable timeout", "type conversion error from 'string' to 'google.protobuf.Duration'");
    });
});
