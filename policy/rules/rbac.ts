/**
 * Inside the cluster, the pipelines are no administrators: no cluster-admin (or cluster-wide admin/edit) binding for
 * a pipeline ServiceAccount, and no role with wildcard write verbs bound to one.
 */
import { type StackRule, arr, at, isPipelineServiceAccount, obj, ofType, pipelineNamespaces, str } from "../model";
import { t } from "../types";

const writeVerbs = ["create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate"];
/** Groups every pipeline ServiceAccount belongs to. */
const pipelineGroups = [
    "system:serviceaccounts",
    "system:authenticated",
    "system:unauthenticated",
    ...pipelineNamespaces.map((ns) => `system:serviceaccounts:${ns}`),
];

/** The pipeline subjects of a binding, as `kind namespace/name` text. */
function pipelineSubjects(binding: Record<string, unknown>, bindingNamespace: string | undefined): string[] {
    return arr(binding.subjects)
        .map(obj)
        .filter((s): s is Record<string, unknown> => s !== undefined)
        .filter((s) =>
            s.kind === "ServiceAccount"
                ? isPipelineServiceAccount(str(s.namespace) ?? bindingNamespace, str(s.name))
                : s.kind === "Group" && pipelineGroups.includes(String(s.name)),
        )
        .map((s) => `${String(s.kind)} ${s.namespace ? `${String(s.namespace)}/` : ""}${String(s.name)}`);
}

/** Why a rule of a (Cluster)Role is a wildcard write, or undefined. */
function wildcardWrite(rule: unknown): string | undefined {
    const verbs = arr(at(rule, "verbs")).map(String);
    const resources = arr(at(rule, "resources")).map(String);
    if (verbs.includes("*")) return `verbs "*" on ${resources.join(", ") || "(no resources)"}`;
    const writes = verbs.filter((v) => writeVerbs.includes(v));
    if (writes.length > 0 && resources.includes("*")) return `${writes.join(", ")} on resources "*"`;
    return undefined;
}

export const rbacLeastPrivilege: StackRule = {
    kind: "stack",
    name: "rbac-least-privilege",
    description:
        "No pipeline ServiceAccount is bound to cluster-admin, to admin or edit cluster-wide, or to a role with wildcard write verbs.",
    enforcementLevel: "mandatory",
    remediation:
        "Bind the pipeline ServiceAccounts to a Role in their namespace that lists the resources and verbs they use.",
    check(all, report) {
        const roles = ofType(all, t.k8s.clusterRole, t.k8s.role);
        for (const b of ofType(all, t.k8s.clusterRoleBinding, t.k8s.roleBinding)) {
            const namespace = str(at(b.props, "metadata.namespace"));
            const subjects = pipelineSubjects(b.props, namespace);
            if (subjects.length === 0) continue;
            const refKind = str(at(b.props, "roleRef.kind"));
            const refName = str(at(b.props, "roleRef.name"));
            const clusterWide = b.type === t.k8s.clusterRoleBinding;
            if (
                refKind === "ClusterRole" &&
                (refName === "cluster-admin" || (clusterWide && (refName === "admin" || refName === "edit")))
            ) {
                report(
                    `${b.name} binds ${subjects.join(", ")} to ClusterRole ${refName}${clusterWide ? " cluster-wide" : ""}`,
                    b.urn,
                );
                continue;
            }
            const role = roles.find(
                (r) =>
                    at(r.props, "metadata.name") === refName &&
                    (refKind === "ClusterRole"
                        ? r.type === t.k8s.clusterRole
                        : r.type === t.k8s.role && at(r.props, "metadata.namespace") === namespace),
            );
            for (const rule of arr(role?.props.rules)) {
                const why = wildcardWrite(rule);
                if (why !== undefined) {
                    report(
                        `${b.name} binds ${subjects.join(", ")} to ${refKind} ${refName}, which allows ${why}`,
                        b.urn,
                    );
                }
            }
        }
    },
};
