/**
 * listener-least-privilege and listener-runs-admitted, case by case: which ServiceAccount a listener runs as, which
 * Role a binding means, which Roles create PipelineRuns, and which admission policy, binding and quota count.
 * (identity.test.ts has the stack-shaped cases.)
 */
import * as assert from "node:assert/strict";

import { listenerLeastPrivilege, listenerRunsAdmitted } from "../../policy/rules";
import { t } from "../../policy/types";
import { UNKNOWN, res, run, violations } from "./fixtures";

const el = (name: string, spec: object, namespace: unknown = "okd-builds") =>
    res(t.tekton.eventListener, name, { metadata: { name, namespace }, spec });
const listener = el("el", { serviceAccountName: "okd-triggers" });
const sa = (name: string, namespace?: string) => ({ kind: "ServiceAccount", name, namespace });
const role = (name: string, rules: object[], namespace = "okd-builds", resource = name) =>
    res(t.k8s.role, resource, { metadata: { name, namespace }, rules });
const clusterRole = (name: string, rules: object[], resource = name) =>
    res(t.k8s.clusterRole, resource, { metadata: { name }, rules });
const roleBinding = (name: string, roleRef: object, subjects: object[], namespace: unknown = "okd-builds") =>
    res(t.k8s.roleBinding, name, { metadata: { name, namespace }, roleRef, subjects });
const noPolicy = (user: string) =>
    `no ValidatingAdmissionPolicy matches the PipelineRuns system:serviceaccount:${user} creates`;
const noQuota = (ns: string) => `namespace ${ns} bounds no PipelineRun count (count/pipelineruns.tekton.dev)`;
const creates = { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["create"] };
const secrets = { apiGroups: [""], resources: ["secrets"], verbs: ["get"] };

describe("policy listener-least-privilege, case by case", () => {
    const bind = (roleRef: object, subjects = [sa("okd-triggers", "okd-builds")]) =>
        roleBinding("b", roleRef, subjects);

    it("judges the ServiceAccount the listener's pods run as: the pod template's, its own, or default", () => {
        const toSecrets = [role("reader", [secrets]), bind({ kind: "Role", name: "reader" }, [sa("runner")])];
        const template = { kubernetesResource: { spec: { template: { spec: { serviceAccountName: "runner" } } } } };
        const message = "b gives the listener Secrets through Role reader";
        assert.deepEqual(violations(listenerLeastPrivilege, [el("x", { resources: template }), ...toSecrets]), [
            message,
        ]);
        assert.deepEqual(
            violations(listenerLeastPrivilege, [
                el("x", { serviceAccountName: "other", resources: template }),
                ...toSecrets,
            ]),
            [message],
        );
        assert.deepEqual(
            violations(listenerLeastPrivilege, [el("x", { serviceAccountName: "runner" }), ...toSecrets]),
            [message],
        );
        const toDefault = [role("reader", [secrets]), bind({ kind: "Role", name: "reader" }, [sa("default")])];
        assert.deepEqual(violations(listenerLeastPrivilege, [el("x", {}), ...toDefault]), [message]);
        assert.deepEqual(violations(listenerLeastPrivilege, [el("x", { serviceAccountName: "" }), ...toDefault]), [
            message,
        ]);
        // A name or namespace only known after apply: listed as not evaluated, neither passed nor failed.
        const unknownTemplate = {
            kubernetesResource: { spec: { template: { spec: { serviceAccountName: UNKNOWN } } } },
        };
        for (const unknown of [
            el("x", { serviceAccountName: UNKNOWN }),
            el("x", { serviceAccountName: "runner", resources: unknownTemplate }),
            el("x", {}, UNKNOWN),
        ]) {
            const result = run(listenerLeastPrivilege, [unknown, ...toSecrets, ...toDefault]);
            assert.deepEqual(result.violations, []);
            assert.deepEqual(
                result.notEvaluated.map((v) => v.message),
                ["x: the ServiceAccount its pods run as is only known after apply"],
            );
        }
        // An EventListener without a namespace is none of the stack's namespaces: nothing to judge.
        const nowhere = res(t.tekton.eventListener, "x", { metadata: { name: "x" }, spec: {} });
        assert.deepEqual(run(listenerLeastPrivilege, [nowhere, ...toDefault]).violations, []);
        assert.deepEqual(run(listenerLeastPrivilege, [nowhere, ...toDefault]).notEvaluated, []);
    });

    it("finds the Role by name and kind, a Role in the binding's namespace only", () => {
        const harmless = { apiGroups: ["triggers.tekton.dev"], resources: ["triggers"], verbs: ["get"] };
        // A harmful role of another name, kind or namespace listed first is not the one bound.
        assert.deepEqual(
            violations(listenerLeastPrivilege, [
                listener,
                clusterRole("other", [secrets]),
                clusterRole("okd-triggers", [harmless]),
                bind({ kind: "ClusterRole", name: "okd-triggers" }),
            ]),
            [],
        );
        assert.deepEqual(
            violations(listenerLeastPrivilege, [
                listener,
                role("okd-triggers", [secrets]),
                clusterRole("okd-triggers", [harmless], "cluster"),
                bind({ kind: "ClusterRole", name: "okd-triggers" }),
            ]),
            [],
        );
        const clusterWithNamespace = res(t.k8s.clusterRole, "c", {
            metadata: { name: "okd-triggers", namespace: "okd-builds" },
            rules: [secrets],
        });
        assert.deepEqual(
            violations(listenerLeastPrivilege, [
                listener,
                clusterWithNamespace,
                bind({ kind: "Role", name: "okd-triggers" }),
            ]),
            [],
        );
        assert.deepEqual(
            violations(listenerLeastPrivilege, [
                listener,
                role("okd-triggers", [harmless], "okd-release", "elsewhere"),
                role("okd-triggers", [secrets]),
                bind({ kind: "Role", name: "okd-triggers" }),
            ]),
            ["b gives the listener Secrets through Role okd-triggers"],
        );
        // A role the stack does not make (a built-in ClusterRole) has no rules to read here.
        assert.deepEqual(
            violations(listenerLeastPrivilege, [listener, bind({ kind: "ClusterRole", name: "view" })]),
            [],
        );
    });

    it("lists a listener's binding whose role is only known after apply as not evaluated", () => {
        for (const roleRef of [
            { kind: "Role", name: UNKNOWN },
            { kind: UNKNOWN, name: "r" },
        ]) {
            const result = run(listenerLeastPrivilege, [listener, role("r", [secrets]), bind(roleRef)]);
            assert.deepEqual(result.violations, []);
            assert.deepEqual(
                result.notEvaluated.map((v) => v.message),
                ["b: the role it gives the listener is only known after apply"],
            );
        }
        // Another ServiceAccount's binding is not the listener's business.
        const others = roleBinding("o", { kind: "Role", name: UNKNOWN }, [sa("okd-records")]);
        assert.deepEqual(run(listenerLeastPrivilege, [listener, others]).notEvaluated, []);
    });

    it("names every reason of a rule in one report", () => {
        const wide = { apiGroups: ["tekton.dev"], resources: ["secrets", "taskruns"], verbs: ["impersonate"] };
        assert.deepEqual(
            violations(listenerLeastPrivilege, [listener, role("r", [wide]), bind({ kind: "Role", name: "r" })]),
            ["b gives the listener Secrets, TaskRuns, impersonation through Role r"],
        );
    });
});

describe("policy listener-runs-admitted, case by case", () => {
    const vap = (name: string, expressions: string[]) =>
        res(t.k8s.validatingAdmissionPolicy, `vap-${name}`, {
            metadata: { name },
            spec: { matchConditions: expressions.map((expression) => ({ expression })) },
        });
    const vapb = (name: string, policyName: string, validationActions: string[]) =>
        res(t.k8s.validatingAdmissionPolicyBinding, name, { spec: { policyName, validationActions } });
    const quota = (namespace: string, hard: object | undefined) =>
        res(t.k8s.resourceQuota, `q-${namespace}`, { metadata: { namespace }, spec: { hard } });
    const user = (s: string) => `request.userInfo.username == 'system:serviceaccount:${s}'`;
    const held = (s: string) => [vap(s, [user(s)]), vapb(`b-${s}`, s, ["Deny"])];

    it("holds each listener's ServiceAccount, one report per ServiceAccount", () => {
        const second = el("el2", { serviceAccountName: "okd-other" });
        const again = el("el3", { serviceAccountName: "okd-triggers" });
        assert.deepEqual(violations(listenerRunsAdmitted, [listener, second, again]), [
            noPolicy("okd-builds:okd-triggers"),
            noPolicy("okd-builds:okd-other"),
        ]);
        assert.deepEqual(violations(listenerRunsAdmitted, [el("x", {})]), [noPolicy("okd-builds:default")]);
        // A namespace or name only known after apply names nobody yet; no namespace names nobody.
        for (const unknown of [el("x", {}, UNKNOWN), el("x", { serviceAccountName: UNKNOWN })]) {
            assert.deepEqual(run(listenerRunsAdmitted, [unknown]).violations, []);
            assert.deepEqual(
                run(listenerRunsAdmitted, [unknown]).notEvaluated.map((v) => v.message),
                ["x: the ServiceAccount its pods run as is only known after apply"],
            );
        }
        const nowhere = res(t.tekton.eventListener, "x", { metadata: { name: "x" }, spec: {} });
        assert.deepEqual(run(listenerRunsAdmitted, [nowhere]).violations, []);
    });

    it("adds the ServiceAccounts a Role or ClusterRole lets create PipelineRuns, each once", () => {
        const creator = (subjects: object[], roleRef = { kind: "Role", name: "starter" }) => [
            role("starter", [creates]),
            roleBinding("starter", roleRef, subjects),
        ];
        // The listener's own ServiceAccount bound to a creating Role is not a second subject.
        assert.deepEqual(
            violations(listenerRunsAdmitted, [
                listener,
                ...creator([sa("okd-triggers")]),
                quota("okd-builds", { pods: "9" }),
            ]),
            [noPolicy("okd-builds:okd-triggers"), noQuota("okd-builds")],
        );
        // Another name in the same namespace, or the same name in another, is.
        assert.deepEqual(
            violations(listenerRunsAdmitted, [
                listener,
                ...held("okd-builds:okd-triggers"),
                ...creator([sa("okd-reaper"), sa("okd-triggers", "okd-release")]),
                quota("okd-builds", { "count/pipelineruns.tekton.dev": "5" }),
            ]),
            [noPolicy("okd-builds:okd-reaper"), noPolicy("okd-release:okd-triggers")],
        );
        // Users, groups and unnamed subjects are not ServiceAccounts: the binding adds nobody.
        const others = [{ kind: "User", name: "alice" }, { kind: "Group", name: "devs" }, { kind: "ServiceAccount" }];
        assert.deepEqual(violations(listenerRunsAdmitted, creator(others)), []);
        // A RoleBinding to a ClusterRole that creates: the runs land in the binding's namespace.
        assert.deepEqual(
            violations(listenerRunsAdmitted, [
                clusterRole("starter", [creates]),
                roleBinding("starter", { kind: "ClusterRole", name: "starter" }, [sa("okd-reaper")], "okd-release"),
            ]),
            [noPolicy("okd-release:okd-reaper"), noQuota("okd-release")],
        );
    });

    it("finds a creating Role by kind, name and namespace, and skips a binding it cannot place", () => {
        const subjects = [sa("okd-reaper")];
        const reads = { ...creates, verbs: ["get", "list"] };
        for (const [why, resources] of [
            ["a ClusterRole does not answer a roleRef of kind Role", [clusterRole("starter", [creates])]],
            [
                "nor does one whose manifest names a namespace",
                [
                    res(t.k8s.clusterRole, "c", {
                        metadata: { name: "starter", namespace: "okd-builds" },
                        rules: [creates],
                    }),
                ],
            ],
            ["another Role of the namespace does not answer", [role("other", [creates]), role("starter", [reads])]],
            ["a Role of another namespace does not answer", [role("starter", [creates], "okd-release")]],
            ["a Role the stack does not make has no rules to read", []],
        ] as const) {
            const binding = roleBinding("starter", { kind: "Role", name: "starter" }, subjects);
            assert.deepEqual(violations(listenerRunsAdmitted, [...resources, binding]), [], why);
        }
        // A Role does not answer a roleRef of kind ClusterRole.
        assert.deepEqual(
            violations(listenerRunsAdmitted, [
                role("starter", [creates]),
                clusterRole("starter", [reads], "cluster"),
                roleBinding("starter", { kind: "ClusterRole", name: "starter" }, subjects),
            ]),
            [],
        );
        // A binding without a namespace or a roleRef name places nobody (a roleRef without a name names no role, not an
        // unnamed one); one whose namespace or role is only known after apply is listed as not evaluated.
        const starter = clusterRole("starter", [creates]);
        const unnamed = res(t.k8s.clusterRole, "unnamed", { metadata: {}, rules: [creates] });
        const toStarter = { kind: "ClusterRole", name: "starter" };
        for (const binding of [
            res(t.k8s.roleBinding, "b", { metadata: { name: "b" }, roleRef: toStarter, subjects }),
            roleBinding("b", { kind: "ClusterRole" }, subjects),
        ]) {
            assert.deepEqual(run(listenerRunsAdmitted, [starter, unnamed, binding]).violations, []);
            assert.deepEqual(run(listenerRunsAdmitted, [starter, unnamed, binding]).notEvaluated, []);
        }
        for (const binding of [
            roleBinding("b", toStarter, subjects, UNKNOWN),
            roleBinding("b", { ...toStarter, name: UNKNOWN }, subjects),
            roleBinding("b", { ...toStarter, kind: UNKNOWN }, subjects),
        ]) {
            const result = run(listenerRunsAdmitted, [starter, binding]);
            assert.deepEqual(result.violations, []);
            assert.deepEqual(
                result.notEvaluated.map((v) => v.message),
                ["b: its namespace or role is only known after apply"],
            );
        }
    });

    it("counts a rule that creates PipelineRuns in tekton.dev, wildcards included, in any of a Role's rules", () => {
        const binding = roleBinding("s", { kind: "Role", name: "s" }, [sa("okd-reaper")]);
        const judged = (rules: object[]) => violations(listenerRunsAdmitted, [role("s", rules), binding]).length > 0;
        const get = { apiGroups: ["tekton.dev"], resources: ["pods"], verbs: ["get"] };
        assert.equal(judged([get, creates]), true);
        assert.equal(judged([{ ...creates, apiGroups: ["*"] }]), true);
        assert.equal(judged([{ ...creates, resources: ["*"] }]), true);
        assert.equal(judged([{ ...creates, verbs: ["*"] }]), true);
        assert.equal(judged([{ ...creates, apiGroups: [""] }]), false);
        assert.equal(judged([{ ...creates, resources: ["taskruns"] }]), false);
        assert.equal(judged([{ ...creates, verbs: ["update"] }]), false);
        assert.equal(judged([get]), false);
    });

    it("takes a policy any of whose conditions names the user, and needs a Deny binding of that policy", () => {
        const s = "okd-builds:okd-triggers";
        const policy = vap("p", ["request.userInfo.username == 'someone'", user(s)]);
        const quota5 = quota("okd-builds", { "count/pipelineruns.tekton.dev": "5" });
        assert.deepEqual(
            violations(listenerRunsAdmitted, [listener, policy, vapb("a", "p", ["Audit"]), vapb("d", "p", ["Deny"])]),
            [],
        );
        assert.deepEqual(violations(listenerRunsAdmitted, [listener, policy, vapb("d", "other", ["Deny"]), quota5]), [
            "ValidatingAdmissionPolicy p has no binding that denies",
        ]);
        assert.deepEqual(violations(listenerRunsAdmitted, [listener, vap("p", ["true"]), quota5]), [noPolicy(s)]);
    });

    it("bounds each namespace a TriggerTemplate's PipelineRuns land in, and only those", () => {
        const tt = (namespace: unknown, templates: object[]) =>
            res(t.tekton.triggerTemplate, "tt", { metadata: { namespace }, spec: { resourcetemplates: templates } });
        const admitted = [listener, ...held("okd-builds:okd-triggers")];
        assert.deepEqual(
            violations(listenerRunsAdmitted, [
                ...admitted,
                tt("okd-builds", [
                    { kind: "PipelineRun", metadata: { namespace: "okd-release" } },
                    { kind: "TaskRun", metadata: { namespace: "okd-other" } },
                ]),
            ]),
            [noQuota("okd-release")],
        );
        // A template without a namespace: its runs land in the namespace of the listener that fires it, whatever
        // the TriggerTemplate's (one whose namespace is only known after apply adds none).
        const released = el("el-r", { serviceAccountName: "okd-triggers" }, "okd-release");
        const unplaced = el("el-u", { serviceAccountName: "okd-triggers" }, UNKNOWN);
        assert.deepEqual(
            violations(listenerRunsAdmitted, [
                ...admitted,
                released,
                unplaced,
                ...held("okd-release:okd-triggers"),
                tt(UNKNOWN, [{ kind: "PipelineRun" }]),
            ]),
            [noQuota("okd-builds"), noQuota("okd-release")],
        );
        const runs = tt("okd-release", [{ kind: "PipelineRun" }]);
        for (const q of [
            quota("okd-release", { "count/pipelineruns.tekton.dev": "5" }),
            quota("okd-builds", { pods: "5" }),
            quota("okd-builds", undefined),
        ]) {
            assert.deepEqual(violations(listenerRunsAdmitted, [...admitted, runs, q]), [noQuota("okd-builds")]);
        }
        // Without a listener or a ServiceAccount that creates runs, a TriggerTemplate starts nothing.
        const placed = tt("okd-release", [{ kind: "PipelineRun", metadata: { namespace: "okd-release" } }]);
        assert.deepEqual(violations(listenerRunsAdmitted, [runs, placed]), []);
    });
});
