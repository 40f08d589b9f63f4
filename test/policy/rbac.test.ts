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
});
