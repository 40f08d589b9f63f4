import * as assert from "node:assert/strict";

import { rbacLeastPrivilege } from "../../policy/rules";
import { t } from "../../policy/types";
import { res, violations } from "./fixtures";

const binding = (
    type: string,
    name: string,
    roleRef: Record<string, string>,
    subjects: Record<string, string>[],
    namespace?: string,
) =>
    res(type, name, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: type.split(":").pop(),
        metadata: { name, ...(namespace ? { namespace } : {}) },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
        subjects,
    });
const pipelineSa = { kind: "ServiceAccount", name: "okd-records", namespace: "okd-builds" };

describe("policy rbac-least-privilege", () => {
    it("fails a cluster-admin binding for the pipeline ServiceAccount", () => {
        const b = binding(t.k8s.clusterRoleBinding, "pipeline-admin", { kind: "ClusterRole", name: "cluster-admin" }, [
            pipelineSa,
        ]);
        assert.deepEqual(violations(rbacLeastPrivilege, [b]), [
            "pipeline-admin binds ServiceAccount okd-builds/okd-records to ClusterRole cluster-admin cluster-wide",
        ]);
    });

    it("fails a cluster-admin binding for every ServiceAccount, which includes the pipeline's", () => {
        const b = binding(t.k8s.clusterRoleBinding, "all-sa", { kind: "ClusterRole", name: "cluster-admin" }, [
            { kind: "Group", name: "system:serviceaccounts", apiGroup: "rbac.authorization.k8s.io" },
        ]);
        assert.equal(violations(rbacLeastPrivilege, [b]).length, 1);
    });

    it("accepts cluster-admin for a ServiceAccount outside the pipeline namespaces", () => {
        const b = binding(t.k8s.clusterRoleBinding, "other", { kind: "ClusterRole", name: "cluster-admin" }, [
            { kind: "ServiceAccount", name: "x", namespace: "kube-system" },
        ]);
        assert.deepEqual(violations(rbacLeastPrivilege, [b]), []);
    });

    it("takes a RoleBinding subject without a namespace from the binding's namespace", () => {
        const b = binding(
            t.k8s.roleBinding,
            "ns-admin",
            { kind: "ClusterRole", name: "cluster-admin" },
            [{ kind: "ServiceAccount", name: "okd-records" }],
            "okd-builds",
        );
        assert.deepEqual(violations(rbacLeastPrivilege, [b]), [
            "ns-admin binds ServiceAccount okd-records to ClusterRole cluster-admin",
        ]);
    });

    it("fails a binding to a ClusterRole with wildcard verbs or write verbs on every resource", () => {
        const role = res(t.k8s.clusterRole, "wide", {
            metadata: { name: "okd-wide" },
            rules: [
                { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["*"] },
                { apiGroups: [""], resources: ["*"], verbs: ["get", "delete"] },
            ],
        });
        const b = binding(t.k8s.clusterRoleBinding, "pipeline-wide", { kind: "ClusterRole", name: "okd-wide" }, [
            pipelineSa,
        ]);
        assert.deepEqual(violations(rbacLeastPrivilege, [role, b]), [
            'pipeline-wide binds ServiceAccount okd-builds/okd-records to ClusterRole okd-wide, which allows verbs "*" on pipelineruns',
            'pipeline-wide binds ServiceAccount okd-builds/okd-records to ClusterRole okd-wide, which allows delete on resources "*"',
        ]);
    });

    it("accepts a namespaced Role that names its resources and verbs", () => {
        const role = res(t.k8s.role, "runs", {
            metadata: { name: "okd-runs", namespace: "okd-builds" },
            rules: [
                { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list", "create", "delete"] },
            ],
        });
        const b = binding(
            t.k8s.roleBinding,
            "pipeline-runs",
            { kind: "Role", name: "okd-runs" },
            [pipelineSa],
            "okd-builds",
        );
        assert.deepEqual(violations(rbacLeastPrivilege, [role, b]), []);
    });
    it("fails admin or edit bound cluster-wide, and accepts them bound in a namespace", () => {
        const wide = ["admin", "edit"].map((name) =>
            binding(t.k8s.clusterRoleBinding, `pipeline-${name}`, { kind: "ClusterRole", name }, [pipelineSa]),
        );
        assert.deepEqual(violations(rbacLeastPrivilege, wide), [
            "pipeline-admin binds ServiceAccount okd-builds/okd-records to ClusterRole admin cluster-wide",
            "pipeline-edit binds ServiceAccount okd-builds/okd-records to ClusterRole edit cluster-wide",
        ]);
        // The aggregated edit role inside the pipeline's own namespace is how Tekton's docs grant a run's workspace.
        const inNamespace = binding(
            t.k8s.roleBinding,
            "ns-edit",
            { kind: "ClusterRole", name: "edit" },
            [pipelineSa],
            "okd-builds",
        );
        assert.deepEqual(violations(rbacLeastPrivilege, [inNamespace]), []);
    });

    it("reads a RoleBinding's Role from the binding's own namespace", () => {
        const rules = [{ apiGroups: [""], resources: ["*"], verbs: ["create"] }];
        const own = res(t.k8s.role, "own", { metadata: { name: "okd-writer", namespace: "okd-builds" }, rules });
        const elsewhere = res(t.k8s.role, "elsewhere", {
            metadata: { name: "okd-writer", namespace: "other" },
            rules: [{ apiGroups: [""], resources: ["*"], verbs: ["*"] }],
        });
        const b = binding(
            t.k8s.roleBinding,
            "pipeline-writer",
            { kind: "Role", name: "okd-writer" },
            [pipelineSa],
            "okd-builds",
        );
        // create on every resource is a write (a Pod, a Secret, a RoleBinding); the same-named Role in another
        // namespace is not the one bound.
        assert.deepEqual(violations(rbacLeastPrivilege, [elsewhere, own, b]), [
            'pipeline-writer binds ServiceAccount okd-builds/okd-records to Role okd-writer, which allows create on resources "*"',
        ]);
        // A ClusterRole of that name is not the Role the binding names either.
        const clusterRole = res(t.k8s.clusterRole, "cr", { metadata: { name: "okd-writer" }, rules });
        assert.deepEqual(violations(rbacLeastPrivilege, [clusterRole, b]), []);
    });

    it("counts each write verb on every resource as a wildcard write, and reads alone as none", () => {
        const writes = ["create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate"];
        for (const verb of [...writes, "get", "list", "watch"]) {
            const role = res(t.k8s.clusterRole, "r", {
                metadata: { name: "okd-r" },
                rules: [{ apiGroups: [""], resources: ["*"], verbs: [verb] }],
            });
            const b = binding(t.k8s.clusterRoleBinding, "b", { kind: "ClusterRole", name: "okd-r" }, [pipelineSa]);
            assert.equal(violations(rbacLeastPrivilege, [role, b]).length, writes.includes(verb) ? 1 : 0, verb);
        }
    });
    it("counts every group a pipeline ServiceAccount is in as the pipeline, and no other subject", () => {
        const admin = (name: string, subject: Record<string, string>) =>
            binding(t.k8s.clusterRoleBinding, name, { kind: "ClusterRole", name: "cluster-admin" }, [subject]);
        const group = (name: string) => ({ kind: "Group", name, apiGroup: "rbac.authorization.k8s.io" });
        assert.deepEqual(
            violations(rbacLeastPrivilege, [
                admin("authenticated", group("system:authenticated")),
                admin("unauthenticated", group("system:unauthenticated")),
                admin("builds", group("system:serviceaccounts:okd-builds")),
                admin("masters", group("system:masters")),
                admin("user", { kind: "User", name: "system:serviceaccounts", apiGroup: "rbac.authorization.k8s.io" }),
            ]),
            [
                "authenticated binds Group system:authenticated to ClusterRole cluster-admin cluster-wide",
                "unauthenticated binds Group system:unauthenticated to ClusterRole cluster-admin cluster-wide",
                "builds binds Group system:serviceaccounts:okd-builds to ClusterRole cluster-admin cluster-wide",
            ],
        );
    });

    it("looks roles up by kind and name: a Role named like a built-in is not the ClusterRole, nor the other way round", () => {
        const readOnly = [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }];
        const wildcard = [{ apiGroups: [""], resources: ["*"], verbs: ["*"] }];
        // A namespaced Role that happens to be called admin grants what it lists, not what the ClusterRole admin does.
        const role = res(t.k8s.role, "r", { metadata: { name: "admin", namespace: "okd-builds" }, rules: readOnly });
        const toRole = binding(
            t.k8s.roleBinding,
            "to-role",
            { kind: "Role", name: "admin" },
            [pipelineSa],
            "okd-builds",
        );
        assert.deepEqual(violations(rbacLeastPrivilege, [role, toRole]), []);
        const named = res(t.k8s.role, "r0", {
            metadata: { name: "cluster-admin", namespace: "okd-builds" },
            rules: readOnly,
        });
        const toNamed = binding(
            t.k8s.roleBinding,
            "to-named",
            { kind: "Role", name: "cluster-admin" },
            [pipelineSa],
            "okd-builds",
        );
        assert.deepEqual(violations(rbacLeastPrivilege, [named, toNamed]), []);
        // The ClusterRole bound is the one with its name and kind: not a Role of that name, not another ClusterRole.
        const sameNameRole = res(t.k8s.role, "r2", {
            metadata: { name: "okd-read", namespace: "okd-builds" },
            rules: wildcard,
        });
        const other = res(t.k8s.clusterRole, "c2", { metadata: { name: "okd-other" }, rules: wildcard });
        const bound = res(t.k8s.clusterRole, "c1", { metadata: { name: "okd-read" }, rules: readOnly });
        const toClusterRole = binding(t.k8s.clusterRoleBinding, "to-cr", { kind: "ClusterRole", name: "okd-read" }, [
            pipelineSa,
        ]);
        assert.deepEqual(violations(rbacLeastPrivilege, [sameNameRole, other, bound, toClusterRole]), []);
        // A wildcard verb on a rule that names no resources still says so.
        const empty = res(t.k8s.clusterRole, "c3", { metadata: { name: "okd-empty" }, rules: [{ verbs: ["*"] }] });
        const toEmpty = binding(t.k8s.clusterRoleBinding, "to-empty", { kind: "ClusterRole", name: "okd-empty" }, [
            pipelineSa,
        ]);
        assert.deepEqual(violations(rbacLeastPrivilege, [empty, toEmpty]), [
            'to-empty binds ServiceAccount okd-builds/okd-records to ClusterRole okd-empty, which allows verbs "*" on (no resources)',
        ]);
    });
    it("names every pipeline subject and every write verb of a binding, and skips subjects that are not objects", () => {
        const role = res(t.k8s.clusterRole, "r", {
            metadata: { name: "okd-w" },
            rules: [{ apiGroups: [""], resources: ["*", "pods"], verbs: ["create", "patch"] }],
        });
        const other = { kind: "Group", name: "system:serviceaccounts:okd-builds" };
        const b = res(t.k8s.clusterRoleBinding, "b", {
            metadata: { name: "b" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "okd-w" },
            subjects: [null, "okd-pipeline", pipelineSa, other],
        });
        const admin = res(t.k8s.clusterRoleBinding, "a", {
            metadata: { name: "a" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
            subjects: [pipelineSa, other],
        });
        const subjects = "ServiceAccount okd-builds/okd-records, Group system:serviceaccounts:okd-builds";
        assert.deepEqual(violations(rbacLeastPrivilege, [role, b, admin]), [
            `b binds ${subjects} to ClusterRole okd-w, which allows create, patch on resources "*"`,
            `a binds ${subjects} to ClusterRole cluster-admin cluster-wide`,
        ]);
    });

    it("does not take a ClusterRole for the Role of a RoleBinding that leaves its namespace to the provider", () => {
        const cr = res(t.k8s.clusterRole, "cr", {
            metadata: { name: "okd-x" },
            rules: [{ apiGroups: [""], resources: ["*"], verbs: ["*"] }],
        });
        const b = binding(t.k8s.roleBinding, "b", { kind: "Role", name: "okd-x" }, [pipelineSa]);
        assert.deepEqual(violations(rbacLeastPrivilege, [cr, b]), []);
    });
});
