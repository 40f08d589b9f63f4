/**
 * Issue 15 path 9, as an attacker who holds the webhook listener's token (a flaw in the EventListener sink, a forged
 * delivery that got through) would try it: read the cluster's Secrets, start TaskRuns or anything by impersonation,
 * or create PipelineRuns that run their own spec or an okd-ci Pipeline with other ServiceAccounts, pods or params;
 * and as a replayed delivery would: start runs without end.
 *
 * The RBAC is evaluated over every stack's rendered roles, with Triggers' own ClusterRoles from the pinned release;
 * the admission policy with kube-apiserver's own validating admission policy code (test/tools/go/vap-eval, from
 * k8s.io/apiserver). `npm run test:engine` makes the same attempts against a real API server
 * (test/engine/identity-checks.sh).
 */
import * as assert from "node:assert/strict";

import { Rbac, type Subject, upstreamTriggersClusterRoles } from "./rbac";
import { type Doc, type StackObjects, ofKind, stackObjects, stacks } from "./stack-objects";
import { type Case, type Outcome, defaulted, evaluate, variant } from "./vap";

/** The listeners' ServiceAccount, as the EventListeners name it (whatever namespace they are in). */
function listenerOf(s: StackObjects): Subject {
    const listeners = ofKind(s, "EventListener").map((el) => ({
        namespace: el.metadata.namespace as string,
        serviceAccount: el.spec.serviceAccountName as string,
    }));
    assert.equal(listeners.length, 2);
    assert.deepEqual(listeners[0], listeners[1], "both listeners run as one ServiceAccount");
    return listeners[0];
}

for (const stack of stacks()) {
    describe(`the webhook listener on stack ${stack}`, () => {
        let s: StackObjects;
        let rbac: Rbac;
        let listener: Subject;
        let listenerUser: string;
        before(async function () {
            this.timeout(120_000);
            s = await stackObjects(stack);
            rbac = new Rbac([...s.objects, ...upstreamTriggersClusterRoles()]);
            listener = listenerOf(s);
            listenerUser = `system:serviceaccount:${listener.namespace}:${listener.serviceAccount}`;
        });

        it("cannot read any Secret, the webhook's included: the GitHub interceptor reads it, with its own rights", () => {
            for (const ns of ["okd-release", "okd-builds", "tekton-chains", "tekton-pipelines", "kube-system"]) {
                for (const verb of ["get", "list", "watch"]) {
                    for (const name of [undefined, "okd-github-webhook", "okd-mirror-credentials", "signing-secrets"]) {
                        assert.equal(
                            rbac.can(listener, verb, "/secrets", ns, name),
                            false,
                            `${verb} secrets ${ns} ${name}`,
                        );
                    }
                }
            }
        });

        it("cannot create TaskRuns, impersonate, or write anything but PipelineRuns", () => {
            for (const ns of ["okd-release", "okd-builds"]) {
                assert.equal(rbac.can(listener, "create", "tekton.dev/taskruns", ns), false, ns);
                assert.equal(rbac.can(listener, "impersonate", "/serviceaccounts", ns), false, ns);
                for (const verb of ["update", "patch", "delete"]) {
                    assert.equal(rbac.can(listener, verb, "tekton.dev/pipelineruns", ns), false, `${verb} ${ns}`);
                }
                for (const r of ["/pods", "/secrets", "/serviceaccounts", "rbac.authorization.k8s.io/rolebindings"]) {
                    assert.equal(rbac.can(listener, "create", r, ns), false, `create ${r} in ${ns}`);
                }
            }
            // Every rule it holds, listed: reads of its triggers, events, creating PipelineRuns, and creating push
            // records (ConfigMaps) beside itself, never in the build namespace.
            assert.equal(rbac.can(listener, "create", "/configmaps", "okd-release"), true);
            assert.equal(rbac.can(listener, "create", "/configmaps", "okd-builds"), false);
            const writes = rbac
                .rulesOf(listener)
                .filter(({ rule }) => rule.verbs.some((v) => !["get", "list", "watch"].includes(v)))
                .map(
                    ({ namespace, rule }) =>
                        `${namespace ?? "*"}: ${rule.verbs.join(",")} ${rule.resources?.join(",")}`,
                )
                .sort();
            assert.deepEqual(writes, [
                "okd-builds: create pipelineruns",
                "okd-release: create configmaps",
                "okd-release: create pipelineruns",
                "okd-release: create,patch events",
            ]);
        });

        it("may create PipelineRuns only where the okd-ci Pipelines run", () => {
            assert.equal(rbac.can(listener, "create", "tekton.dev/pipelineruns", "okd-builds"), true);
            assert.equal(rbac.can(listener, "create", "tekton.dev/pipelineruns", "okd-release"), true);
            for (const ns of ["default", "kube-system", "tekton-pipelines", "tekton-chains", "okd-site"]) {
                assert.equal(rbac.can(listener, "create", "tekton.dev/pipelineruns", ns), false, ns);
            }
        });

        describe("admission of what it creates", () => {
            let policy: Doc;
            let compileErrors: string[];
            const outcomes = new Map<string, Outcome>();
            const outcome = (name: string): Outcome => {
                const o = outcomes.get(name);
                assert.ok(o, `no case ${name}`);
                return o;
            };
            const admitted = (name: string) => {
                const o = outcome(name);
                assert.ok(o.matched && !o.denied, `${name}: ${o.messages.join("; ")}`);
            };
            const denied = (name: string, why?: RegExp) => {
                const o = outcome(name);
                assert.ok(o.denied, `${name} was admitted`);
                if (why) {
                    assert.ok(
                        o.messages.some((m) => why.test(m)),
                        `${name}: ${o.messages.join("; ")}`,
                    );
                }
            };

            // Every attempt, evaluated in one run of vap-eval.
            before(function () {
                this.timeout(60_000);
                // The cluster reaper's starter has its own policy (test/security/reaper.test.ts).
                const policies = ofKind(s, "ValidatingAdmissionPolicy").filter(
                    (p) => p.metadata.name === "okd-ci-listener-pipelineruns",
                );
                assert.equal(policies.length, 1);
                policy = policies[0];
                const nightly = s.runs.find((r) => r.metadata.labels["okd-ci/run"] === "nightly") as Doc;
                assert.ok(nightly);
                const builds = "okd-builds";
                const cases: Case[] = [];
                const add = (name: string, object: Doc, namespace = builds, username = listenerUser) =>
                    cases.push({ name, namespace, username, object });
                for (const run of s.runs) {
                    add(`${run.spec.pipelineRef.name} as created`, run, run.metadata.namespace);
                    add(`${run.spec.pipelineRef.name} defaulted`, defaulted(run), run.metadata.namespace);
                }
                add(
                    "inline pipelineSpec",
                    variant(nightly, (r) => {
                        delete r.spec.pipelineRef;
                        r.spec.pipelineSpec = {
                            tasks: [{ name: "x", taskSpec: { steps: [{ name: "x", image: "evil", script: "id" }] } }],
                        };
                    }),
                );
                add(
                    "another pipeline",
                    variant(nightly, (r) => (r.spec.pipelineRef = { name: "evil" })),
                );
                add(
                    "git resolver",
                    variant(nightly, (r) => {
                        r.spec.pipelineRef = {
                            name: nightly.spec.pipelineRef.name,
                            resolver: "git",
                            params: [{ name: "url", value: "https://github.com/evil/evil" }],
                        };
                    }),
                );
                add("nightly in okd-release", nightly, "okd-release");
                add(
                    "builds as okd-records",
                    variant(nightly, (r) => {
                        for (const spec of r.spec.taskRunSpecs) {
                            if (/^(tools-image|machine-os|build-components-\d+)$/.test(spec.pipelineTaskName)) {
                                spec.serviceAccountName = "okd-records";
                            }
                        }
                    }),
                );
                add(
                    "every task as okd-records",
                    variant(nightly, (r) => (r.spec.taskRunTemplate.serviceAccountName = "okd-records")),
                );
                add(
                    "host network and host path",
                    variant(nightly, (r) => {
                        r.spec.taskRunSpecs[0].podTemplate = {
                            ...r.spec.taskRunSpecs[0].podTemplate,
                            hostNetwork: true,
                            volumes: [{ name: "root", hostPath: { path: "/" } }],
                        };
                    }),
                );
                add(
                    "default pod template on the host network",
                    variant(nightly, (r) => (r.spec.taskRunTemplate.podTemplate = { hostNetwork: true })),
                );
                add(
                    "a Secret as the e2e workspace",
                    variant(
                        nightly,
                        (r) => (r.spec.workspaces = [{ name: "e2e", secret: { secretName: "okd-gate-aws" } }]),
                    ),
                );
                for (const name of ["base-payload", "builder-image", "tags"]) {
                    add(
                        `param ${name}`,
                        variant(
                            nightly,
                            (r) => (r.spec.params = [...(r.spec.params ?? []), { name, value: "quay.io/evil/evil:1" }]),
                        ),
                    );
                }
                // Tekton copies a run's labels and annotations onto its TaskRuns and pods.
                add(
                    "identity label on the run",
                    variant(
                        nightly,
                        (r) => (r.metadata.labels = { ...r.metadata.labels, "okd-ci/identity": "records" }),
                    ),
                );
                for (const spec of nightly.spec.taskRunSpecs as Doc[]) {
                    for (const key of Object.keys(spec.metadata?.labels ?? {})) {
                        if (key === "okd-ci/identity") continue;
                        add(
                            `platform identity label ${key}`,
                            variant(nightly, (r) => (r.metadata.labels = { ...r.metadata.labels, [key]: "true" })),
                        );
                    }
                }
                add(
                    "chains signed annotation",
                    variant(nightly, (r) => (r.metadata.annotations = { "chains.tekton.dev/signed": "true" })),
                );
                add(
                    "an unrelated annotation",
                    variant(nightly, (r) => (r.metadata.annotations = { "example.org/note": "hello" })),
                );
                // Timeouts: no timeout at all, one longer than the template's, and a shorter one (allowed).
                add(
                    "no pipeline timeout",
                    variant(nightly, (r) => (r.spec.timeouts = { ...r.spec.timeouts, pipeline: "0s" })),
                );
                add(
                    "a week-long finally",
                    variant(nightly, (r) => (r.spec.timeouts = { ...r.spec.timeouts, finally: "168h0m0s" })),
                );
                add(
                    "tasks past the template",
                    variant(nightly, (r) => (r.spec.timeouts = { ...r.spec.timeouts, tasks: "1000h" })),
                );
                add(
                    "shorter timeouts, defaulted form",
                    variant(
                        nightly,
                        (r) => (r.spec.timeouts = { pipeline: "2h0m0s", tasks: "1h30m0s", finally: "30m0s" }),
                    ),
                );
                add(
                    "by an operator",
                    variant(nightly, (r) => (r.spec.pipelineRef = { name: "anything" })),
                    builds,
                    "kubernetes-admin",
                );
                const result = evaluate(policy, cases);
                compileErrors = result.compileErrors ?? [];
                for (const r of result.results) outcomes.set(r.name, r);
            });

            it("binds the policy to deny, and compiles every expression with the API server's CEL", () => {
                const bindings = ofKind(s, "ValidatingAdmissionPolicyBinding").filter(
                    (b) => b.spec.policyName === policy.metadata.name,
                );
                assert.deepEqual(
                    bindings.map((b) => [b.spec.policyName, b.spec.validationActions]),
                    [[policy.metadata.name, ["Deny"]]],
                );
                assert.equal(policy.spec.failurePolicy, "Fail");
                assert.deepEqual(compileErrors, []);
            });

            it("admits the runs its TriggerTemplates make, as created and as Tekton defaults them", () => {
                assert.ok(s.runs.length > 0);
                for (const run of s.runs) {
                    admitted(`${run.spec.pipelineRef.name} as created`);
                    admitted(`${run.spec.pipelineRef.name} defaulted`);
                }
            });

            it("refuses an inline pipelineSpec", () => denied("inline pipelineSpec", /inline pipelineSpec/));

            it("refuses another Pipeline, a resolver, or an okd-ci Pipeline's name in the wrong namespace", () => {
                denied("another pipeline", /only run an okd-ci Pipeline by name/);
                denied("git resolver", /only run an okd-ci Pipeline by name/);
                denied("nightly in okd-release", /namespace okd-builds/);
            });

            it("refuses a run whose builds would run as an identity-holding ServiceAccount", () => {
                denied("builds as okd-records");
                denied("every task as okd-records");
            });

            it("refuses pods the template does not ask for: host network, host paths, Secrets as workspaces", () => {
                denied("host network and host path");
                denied("default pod template on the host network");
                denied("a Secret as the e2e workspace");
            });

            it("refuses params the template does not set (another base payload, builder image)", () => {
                for (const name of ["base-payload", "builder-image", "tags"]) denied(`param ${name}`);
            });

            it("refuses identity labels and Chains annotations on the run, which Tekton copies onto every pod (issue 15)", () => {
                denied("identity label on the run", /no identity label or Chains annotation/);
                const platform = [...outcomes.keys()].filter((n) => n.startsWith("platform identity label "));
                for (const name of platform) denied(name);
                denied("chains signed annotation", /no identity label or Chains annotation/);
                admitted("an unrelated annotation");
            });

            it("bounds the run's timeouts by the template's: none disabled, none longer (issue 15)", () => {
                denied("no pipeline timeout", /timeouts within its own/);
                denied("a week-long finally", /timeouts within its own/);
                denied("tasks past the template", /timeouts within its own/);
                admitted("shorter timeouts, defaulted form");
            });

            it("leaves PipelineRuns that others create to their own rights (an operator's hand run)", () => {
                assert.equal(outcome("by an operator").matched, false);
            });
        });

        it("bounds the PipelineRuns a replayed delivery can start in each namespace", () => {
            for (const ns of ["okd-builds", "okd-release"]) {
                const quotas = ofKind(s, "ResourceQuota", ns);
                const hard = quotas
                    .map((q) => q.spec.hard["count/pipelineruns.tekton.dev"])
                    .filter((h) => h !== undefined);
                assert.equal(hard.length, 1, ns);
                assert.ok(Number(hard[0]) > 0 && Number(hard[0]) <= 1000, `${ns}: ${hard[0]}`);
            }
        });
    });
}
