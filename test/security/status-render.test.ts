/**
 * The scheduled status render's starter, as an attacker who holds its token (it runs in the release namespace with an
 * API token) would use it: create a PipelineRun that runs something else or as another identity, or delete the
 * release runs. RBAC over the rendered roles; the create policy with kube-apiserver's own validating admission policy
 * code (test/tools/go/vap-eval), and the delete policy, which reads the stored run (`oldObject`), with DELETE requests.
 */
import * as assert from "node:assert/strict";

import { Rbac } from "./rbac";
import { type Doc, type StackObjects, ofKind, stackObjects, stacks } from "./stack-objects";
import { type Case, type Outcome, defaulted, evaluate, variant } from "./vap";

const starter = { namespace: "okd-release", serviceAccount: "okd-status-render" };
const starterUser = `system:serviceaccount:${starter.namespace}:${starter.serviceAccount}`;
const createPolicy = "okd-ci-status-render-pipelineruns";
const deletePolicy = "okd-ci-status-render-deletes";

for (const stack of stacks()) {
    describe(`the status render's starter on stack ${stack}`, function () {
        this.timeout(300_000);
        let s: StackObjects;
        let cron: Doc;
        // The streams' scheduled-nightly CronJobs (triggers.ts scheduledNightlyCronJob), as the stack makes them.
        let nightlyCronJobs: string[];
        before(async () => {
            s = await stackObjects(stack);
            cron = ofKind(s, "CronJob").find((c) => c.metadata.name === "okd-status-render") as Doc;
            nightlyCronJobs = ofKind(s, "CronJob")
                .filter((c) => c.metadata.namespace === "okd-release" && /^okd-nightly-/.test(c.metadata.name))
                .map((c) => c.metadata.name as string);
        });

        it("exists on every site, in the release namespace, with the Pipeline it starts beside the release's Tasks", () => {
            assert.ok(cron, "no okd-status-render CronJob");
            assert.equal(cron.metadata.namespace, "okd-release");
            const pod = cron.spec.jobTemplate.spec.template.spec;
            assert.equal(pod.serviceAccountName, starter.serviceAccount);
            assert.equal(cron.spec.schedule, "20 * * * *", "statusSchedule's default");
            const env = Object.fromEntries((pod.containers[0].env as Doc[]).map((e) => [e.name, e.value]));
            assert.equal(env.RECORDS_NAMESPACE, "okd-release");
            assert.equal(env.RUNS_NAMESPACE, "okd-builds");
            assert.equal(env.DISPATCH_SCHEDULE, "*/10 * * * *");
            // Each stream's scheduled-nightly CronJob, the very ones the stack makes.
            assert.deepEqual(
                (env.SCHEDULE_CRONJOBS as string).split(" ").map((p) => p.split("=")[1]),
                nightlyCronJobs,
            );
            const pipeline = ofKind(s, "Pipeline").find((p) => p.metadata.name === "okd-render-status");
            assert.equal(pipeline?.metadata.namespace, "okd-release");
            const refs = (pipeline?.spec.tasks as Doc[]).map((t) => t.taskRef.name);
            assert.deepEqual(refs, ["okd-tools-image-resolve", "okd-publish-status"]);
            for (const name of refs) {
                assert.ok(
                    ofKind(s, "Task").some((t) => t.metadata.name === name && t.metadata.namespace === "okd-release"),
                    `${name} is not in okd-release`,
                );
            }
        });

        it("may read the push records and runs, and create and delete PipelineRuns in the release namespace only", () => {
            const rbac = new Rbac(s.objects);
            assert.equal(rbac.can(starter, "create", "tekton.dev/pipelineruns", "okd-release"), true);
            assert.equal(rbac.can(starter, "create", "tekton.dev/pipelineruns", "okd-builds"), false);
            assert.equal(rbac.can(starter, "delete", "tekton.dev/pipelineruns", "okd-builds"), false);
            assert.equal(rbac.can(starter, "get", "secrets", "okd-release"), false);
            assert.equal(rbac.can(starter, "delete", "configmaps", "okd-release"), false);
            const rules = rbac
                .rulesOf(starter)
                .map(
                    ({ namespace, rule }) =>
                        `${namespace ?? "*"}: ${rule.verbs.join(",")} ${rule.resources?.join(",")}`,
                )
                .sort();
            assert.deepEqual(rules, [
                "okd-builds: get,list pipelineruns",
                "okd-release: get cronjobs",
                "okd-release: get,list configmaps",
                "okd-release: get,list,create,delete pipelineruns",
            ]);
            // The CronJobs by name: each stream's scheduled-nightly CronJob, no other.
            const cronjobs = rbac.rulesOf(starter).filter(({ rule }) => rule.resources?.includes("cronjobs"));
            assert.deepEqual(
                cronjobs.map(({ rule }) => ({ apiGroups: rule.apiGroups, resourceNames: rule.resourceNames })),
                [{ apiGroups: ["batch"], resourceNames: nightlyCronJobs }],
            );
            assert.ok(nightlyCronJobs.length > 0, "no scheduled-nightly CronJob on this stack");
            for (const name of nightlyCronJobs) {
                assert.equal(rbac.can(starter, "get", "batch/cronjobs", "okd-release", name), true, name);
            }
            assert.equal(rbac.can(starter, "get", "batch/cronjobs", "okd-release", "okd-status-render"), false);
            assert.equal(rbac.can(starter, "list", "batch/cronjobs", "okd-release"), false);
            assert.equal(rbac.can(starter, "patch", "batch/cronjobs", "okd-release", nightlyCronJobs[0]), false);
        });

        describe("admission of what it creates", () => {
            const outcomes = new Map<string, Outcome>();
            let compileErrors: string[] = [];
            const outcome = (name: string): Outcome => {
                const o = outcomes.get(name);
                assert.ok(o, `no case ${name}`);
                return o;
            };

            before(() => {
                const env = cron.spec.jobTemplate.spec.template.spec.containers[0].env as Doc[];
                const template = JSON.parse(env.find((e) => e.name === "PIPELINERUN_JSON")?.value as string) as Doc;
                // As start-status-render.sh creates it: the template with the throttle's state.
                const run = variant(template, (r) => (r.spec.params = [{ name: "throttle", value: '{"streams":[]}' }]));
                const policy = ofKind(s, "ValidatingAdmissionPolicy").find((p) => p.metadata.name === createPolicy);
                const nightly = s.runs.find((r) => r.metadata.labels["okd-ci/run"] === "nightly") as Doc;
                const cases: Case[] = [];
                const add = (name: string, object: Doc, namespace = "okd-release", username = starterUser) =>
                    cases.push({ name, namespace, username, object });
                add("as started", run);
                add("as started, defaulted", defaulted(run));
                add("a nightly", nightly, "okd-builds");
                add(
                    "another param",
                    variant(run, (r) => r.spec.params.push({ name: "tools-image", value: "evil@sha256:0" })),
                );
                add(
                    "publish as another ServiceAccount",
                    variant(run, (r) => {
                        for (const t of r.spec.taskRunSpecs) t.serviceAccountName = "okd-triggers";
                    }),
                );
                add(
                    "an inline pipelineSpec",
                    variant(run, (r) => {
                        delete r.spec.pipelineRef;
                        r.spec.pipelineSpec = {
                            tasks: [{ name: "x", taskSpec: { steps: [{ name: "x", image: "e" }] } }],
                        };
                    }),
                );
                add("in the build namespace", run, "okd-builds");
                const result = evaluate(policy as Doc, cases);
                compileErrors = result.compileErrors ?? [];
                for (const r of result.results) outcomes.set(r.name, r);
            });

            it("compiles with the API server's CEL and is bound to deny, as the delete policy", () => {
                assert.deepEqual(compileErrors, []);
                for (const name of [createPolicy, deletePolicy]) {
                    const binding = ofKind(s, "ValidatingAdmissionPolicyBinding").find(
                        (b) => b.spec.policyName === name,
                    );
                    assert.deepEqual(binding?.spec.validationActions, ["Deny"], name);
                }
                const del = ofKind(s, "ValidatingAdmissionPolicy").find((p) => p.metadata.name === deletePolicy);
                assert.deepEqual(del?.spec.matchConstraints.resourceRules[0].operations, ["DELETE"]);
            });

            it("lets the starter delete its own finished runs only, and holds no one else", () => {
                const del = ofKind(s, "ValidatingAdmissionPolicy").find((p) => p.metadata.name === deletePolicy);
                const env = cron.spec.jobTemplate.spec.template.spec.containers[0].env as Doc[];
                const own = JSON.parse(env.find((e) => e.name === "PIPELINERUN_JSON")?.value as string) as Doc;
                // A run the stack makes (a nightly, or a release where a stream promotes), as stored.
                const other = s.runs.find((r) => r.metadata.labels["okd-ci/run"] !== "status") as Doc;
                assert.ok(other, "the stack makes no run");
                const relabelled = (value: string) => variant(own, (r) => (r.metadata.labels["okd-ci/run"] = value));
                const unlabelled = variant(own, (r) => delete r.metadata.labels);
                const deleting = (name: string, oldObject: Doc, username = starterUser): Case => ({
                    name,
                    operation: "DELETE",
                    namespace: "okd-release",
                    username,
                    oldObject,
                });
                const result = evaluate(del as Doc, [
                    deleting("its own run", own),
                    deleting("an okd-ci run", other),
                    deleting("a run labelled another kind", relabelled("nightly")),
                    deleting("a run without labels", unlabelled),
                    deleting("an okd-ci run, by an operator", other, "kubernetes-admin"),
                ]);
                assert.deepEqual(result.compileErrors ?? [], []);
                const refused = [
                    "the status render's starter may delete only its own PipelineRuns (okd-ci/run=status)",
                ];
                assert.deepEqual(result.results, [
                    { name: "its own run", matched: true, denied: false, messages: [] },
                    { name: "an okd-ci run", matched: true, denied: true, messages: refused },
                    { name: "a run labelled another kind", matched: true, denied: true, messages: refused },
                    { name: "a run without labels", matched: true, denied: true, messages: refused },
                    { name: "an okd-ci run, by an operator", matched: false, denied: false, messages: [] },
                ]);
            });

            it("admits the render's run as the starter makes it, as created and as Tekton defaults it", () => {
                for (const name of ["as started", "as started, defaulted"]) {
                    const o = outcome(name);
                    assert.ok(o.matched && !o.denied, `${name}: ${o.messages.join("; ")}`);
                }
            });

            it("refuses anything else: another Pipeline, params, identities, inline specs, the build namespace", () => {
                for (const name of [
                    "a nightly",
                    "another param",
                    "publish as another ServiceAccount",
                    "an inline pipelineSpec",
                    "in the build namespace",
                ]) {
                    assert.ok(outcome(name).denied, `${name} was admitted`);
                }
            });
        });
    });
}
