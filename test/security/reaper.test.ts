/**
 * The e2e cluster reaper's starter, as an attacker who holds its token (it runs in the release namespace with an API
 * token) would use it: create a PipelineRun that runs something else, as another identity, or the reaper itself with
 * a zero TTL or no dry run, so that it destroys clusters of live runs. RBAC over the rendered roles; the admission
 * policy with kube-apiserver's own validating admission policy code (test/tools/go/vap-eval). `npm run test:engine`
 * makes the same attempts against a real API server where the stack has gates (test/engine/identity-checks.sh).
 */
import * as assert from "node:assert/strict";

import { Rbac } from "./rbac";
import { type Doc, type StackObjects, ofKind, stackObjects, stacks } from "./stack-objects";
import { type Case, type Outcome, defaulted, evaluate, variant } from "./vap";

const starter = { namespace: "okd-release", serviceAccount: "okd-cluster-reaper" };
const starterUser = `system:serviceaccount:${starter.namespace}:${starter.serviceAccount}`;
const policyName = "okd-ci-reaper-pipelineruns";

for (const stack of stacks()) {
    describe(`the cluster reaper's starter on stack ${stack}`, function () {
        this.timeout(300_000);
        let s: StackObjects;
        let cron: Doc | undefined;
        before(async () => {
            s = await stackObjects(stack);
            cron = ofKind(s, "CronJob").find((c) => c.metadata.name === "okd-cluster-reaper");
        });

        it("exists exactly where the site has gates, in the release namespace with its own policy", function () {
            const gated = ofKind(s, "Pipeline").some((p) => p.metadata.name === "okd-reap-clusters");
            const policies = ofKind(s, "ValidatingAdmissionPolicy").filter((p) => p.metadata.name === policyName);
            assert.equal(cron !== undefined, gated);
            assert.equal(policies.length, gated ? 1 : 0);
            if (!gated) this.skip();
            assert.equal(cron?.metadata.namespace, "okd-release");
            assert.equal(cron?.spec.jobTemplate.spec.template.spec.serviceAccountName, starter.serviceAccount);
        });

        it("may get, list and create PipelineRuns in the build namespace, and nothing else", function () {
            if (cron === undefined) this.skip();
            const rbac = new Rbac(s.objects);
            assert.equal(rbac.can(starter, "create", "tekton.dev/pipelineruns", "okd-builds"), true);
            for (const ns of ["okd-release", "default", "kube-system"]) {
                assert.equal(rbac.can(starter, "create", "tekton.dev/pipelineruns", ns), false, ns);
            }
            const rules = rbac
                .rulesOf(starter)
                .map(
                    ({ namespace, rule }) =>
                        `${namespace ?? "*"}: ${rule.verbs.join(",")} ${rule.resources?.join(",")}`,
                )
                .sort();
            assert.deepEqual(rules, ["okd-builds: get,list,create pipelineruns"]);
        });

        describe("admission of what it creates", () => {
            const outcomes = new Map<string, Outcome>();
            let compileErrors: string[] = [];
            const outcome = (name: string): Outcome => {
                const o = outcomes.get(name);
                assert.ok(o, `no case ${name}`);
                return o;
            };

            before(function () {
                if (cron === undefined) this.skip();
                const env = cron.spec.jobTemplate.spec.template.spec.containers[0].env as Doc[];
                const template = JSON.parse(env.find((e) => e.name === "PIPELINERUN_JSON")?.value as string) as Doc;
                // As start-reaper.sh creates it: the template with the live runs.
                const run = variant(
                    template,
                    (r) => (r.spec.params = [{ name: "live-runs", value: "okd-x-1 okd-x-2" }]),
                );
                const policy = ofKind(s, "ValidatingAdmissionPolicy").find((p) => p.metadata.name === policyName);
                const nightly = s.runs.find((r) => r.metadata.labels["okd-ci/run"] === "nightly") as Doc;
                const cases: Case[] = [];
                const add = (name: string, object: Doc, namespace = "okd-builds", username = starterUser) =>
                    cases.push({ name, namespace, username, object });
                add("as started", run);
                add("as started, defaulted", defaulted(run));
                add("with no live runs", template);
                add("a nightly", nightly);
                add(
                    "an inline pipelineSpec",
                    variant(run, (r) => {
                        delete r.spec.pipelineRef;
                        r.spec.pipelineSpec = {
                            tasks: [{ name: "x", taskSpec: { steps: [{ name: "x", image: "evil" }] } }],
                        };
                    }),
                );
                add(
                    "a zero TTL",
                    variant(run, (r) => r.spec.params.push({ name: "ttl-hours", value: "0" })),
                );
                add(
                    "dry-run off by param",
                    variant(run, (r) => r.spec.params.push({ name: "dry-run", value: "false" })),
                );
                add(
                    "select as the promotion ServiceAccount",
                    variant(run, (r) => {
                        for (const t of r.spec.taskRunSpecs) {
                            if (t.pipelineTaskName === "select") t.serviceAccountName = "okd-promote";
                        }
                    }),
                );
                add(
                    "every task as the e2e ServiceAccount",
                    variant(run, (r) => (r.spec.taskRunTemplate.serviceAccountName = "okd-e2e")),
                );
                add("in the release namespace", run, "okd-release");
                add(
                    "by the listener (its own policy's)",
                    nightly,
                    "okd-builds",
                    "system:serviceaccount:okd-release:okd-triggers",
                );
                const result = evaluate(policy as Doc, cases);
                compileErrors = result.compileErrors ?? [];
                for (const r of result.results) outcomes.set(r.name, r);
            });

            it("compiles with the API server's CEL and is bound to deny", () => {
                assert.deepEqual(compileErrors, []);
                const binding = ofKind(s, "ValidatingAdmissionPolicyBinding").find(
                    (b) => b.spec.policyName === policyName,
                );
                assert.deepEqual(binding?.spec.validationActions, ["Deny"]);
            });

            it("admits the reaper's run as the starter makes it, as created and as Tekton defaults it", () => {
                for (const name of ["as started", "as started, defaulted", "with no live runs"]) {
                    const o = outcome(name);
                    assert.ok(o.matched && !o.denied, `${name}: ${o.messages.join("; ")}`);
                }
            });

            it("refuses anything else: another Pipeline, inline specs, a TTL or dry-run of its own, other identities, the other namespace", () => {
                for (const name of [
                    "a nightly",
                    "an inline pipelineSpec",
                    "a zero TTL",
                    "dry-run off by param",
                    "select as the promotion ServiceAccount",
                    "every task as the e2e ServiceAccount",
                    "in the release namespace",
                ]) {
                    assert.ok(outcome(name).denied, `${name} was admitted`);
                }
                assert.ok(outcome("a nightly").messages.some((m) => /okd-reap-clusters by name/.test(m)));
            });

            it("holds only the starter: the listener's runs are its own policy's", () => {
                assert.equal(outcome("by the listener (its own policy's)").matched, false);
            });
        });
    });
}
