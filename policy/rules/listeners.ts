/**
 * What the Triggers listeners may do (docs/security.md): their ServiceAccount is bound to its own roles, never to
 * Triggers' eventlistener ClusterRoles (which read every Secret); only they may connect to the Triggers core
 * interceptors; and the PipelineRuns a listener (or another ServiceAccount a Role lets create them) makes are held to
 * the okd-ci Pipelines by an admission policy.
 */

import {
    type PolicyResourceLike,
    type Skip,
    type StackRule,
    arr,
    at,
    known,
    obj,
    ofType,
    readKnown,
    str,
} from "../model";
import { coreInterceptorsPodLabels, eventListenerPodLabels } from "../../components/tekton/interceptors";
import { tektonNamespaces } from "../../components/tekton/versions";
import { t } from "../types";

// ---------------------------------------------------------------------------------------------------------------
// listener-least-privilege, listener-runs-admitted

/**
 * The ServiceAccount a listener's pods run as, which is the one that creates its resources: the pod template's
 * `serviceAccountName` (spec.resources.kubernetesResource.spec.template.spec) when set, else the EventListener's
 * `serviceAccountName`, else Triggers' `default-service-account` (`default` unless config-defaults-triggers says
 * otherwise, and okd-ci never does). From tektoncd/triggers@088902973c89e356b40bc0745618df0e9b2d8198:
 * pkg/reconciler/eventlistener/resources/deployment.go, pkg/apis/config/default.go. Undefined while a name is unknown.
 */
function listenerServiceAccount(el: PolicyResourceLike): string | undefined {
    const template = readKnown(() =>
        str(at(el.props, "spec.resources.kubernetesResource.spec.template.spec.serviceAccountName")),
    );
    const own = readKnown(() => str(at(el.props, "spec.serviceAccountName")));
    if (!template.known) return undefined;
    if (template.value) return template.value;
    if (!own.known) return undefined;
    return own.value || "default";
}

/** The listeners' ServiceAccounts: those their pods run as. A name only known after apply is listed as not evaluated. */
function listenerSubjects(all: PolicyResourceLike[], skip: Skip): { namespace: string; serviceAccount: string }[] {
    const seen = new Map<string, { namespace: string; serviceAccount: string }>();
    for (const el of ofType(all, t.tekton.eventListener)) {
        const namespace = readKnown(() => str(at(el.props, "metadata.namespace")));
        const serviceAccount = listenerServiceAccount(el);
        if (!namespace.known || serviceAccount === undefined) {
            skip(`${el.name}: the ServiceAccount its pods run as is only known after apply`, el.urn);
        } else if (namespace.value) {
            seen.set(`${namespace.value}/${serviceAccount}`, { namespace: namespace.value, serviceAccount });
        }
    }
    return [...seen.values()];
}

/** Triggers' ClusterRoles that give a listener every Secret, TaskRuns and impersonation. */
const upstreamListenerRoles = ["tekton-triggers-eventlistener-roles", "tekton-triggers-eventlistener-clusterroles"];

export const listenerLeastPrivilege: StackRule = {
    kind: "stack",
    name: "listener-least-privilege",
    description:
        "The webhook listener's ServiceAccount reads no Secret, creates no TaskRun, impersonates nobody and holds no wildcard: it is bound to its own roles, never to Triggers' eventlistener ClusterRoles.",
    enforcementLevel: "mandatory",
    remediation:
        "Bind the listener to listenerRules (components/tekton/triggers.ts): its triggers and ConfigMaps read, events, and create on pipelineruns.",
    check(all, report, skip) {
        const subjects = listenerSubjects(all, skip);
        const roles = ofType(all, t.k8s.role, t.k8s.clusterRole);
        for (const b of ofType(all, t.k8s.roleBinding, t.k8s.clusterRoleBinding)) {
            const bindingNs = known(() => str(at(b.props, "metadata.namespace")));
            const bound = arr(known(() => b.props.subjects)).some((x) =>
                subjects.some(
                    (s) =>
                        at(x, "kind") === "ServiceAccount" &&
                        at(x, "name") === s.serviceAccount &&
                        (str(at(x, "namespace")) ?? bindingNs) === s.namespace,
                ),
            );
            if (!bound) continue;
            const ref = readKnown(() => [str(at(b.props, "roleRef.name")), str(at(b.props, "roleRef.kind"))]);
            if (!ref.known) {
                skip(`${b.name}: the role it gives the listener is only known after apply`, b.urn);
                continue;
            }
            const [refName, refKind] = ref.value;
            if (upstreamListenerRoles.some((n) => n === refName)) {
                report(
                    `${b.name} binds the listener to ${refName}, which reads Secrets or creates TaskRuns and impersonates`,
                    b.urn,
                );
                continue;
            }
            // A RoleBinding's Role is the one of that name in the binding's namespace.
            const role = roles.find(
                (r) =>
                    known(() => at(r.props, "metadata.name")) === refName &&
                    (refKind === "ClusterRole"
                        ? r.type === t.k8s.clusterRole
                        : r.type === t.k8s.role && known(() => at(r.props, "metadata.namespace")) === bindingNs),
            );
            for (const rule of arr(known(() => role?.props.rules))) {
                const resources = arr(at(rule, "resources")).map(String);
                const verbs = arr(at(rule, "verbs")).map(String);
                const why = [
                    resources.includes("secrets") ? "Secrets" : undefined,
                    resources.includes("taskruns") ? "TaskRuns" : undefined,
                    verbs.includes("impersonate") ? "impersonation" : undefined,
                    resources.includes("*") || verbs.includes("*") ? "a wildcard" : undefined,
                ].filter((w) => w !== undefined);
                if (why.length > 0) {
                    report(`${b.name} gives the listener ${why.join(", ")} through ${refKind} ${refName}`, b.urn);
                }
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------------------------
// core-interceptors-callers

/** How the stack selects the core interceptors' pods must match how the Triggers release labels them. */
const interceptorPodLabels: Record<string, string> = coreInterceptorsPodLabels;

export const coreInterceptorsCallers: StackRule = {
    kind: "stack",
    name: "core-interceptors-callers",
    description:
        "Only EventListener pods may connect to the Triggers core interceptors, which read every Secret of the cluster and send one a request names to a host it names (a NetworkPolicy in tekton-pipelines admits the listeners' namespace and pods only).",
    enforcementLevel: "mandatory",
    remediation:
        "Keep createInterceptorsIngress (components/tekton/triggers.ts): a NetworkPolicy selecting the core interceptors' pods whose every ingress peer names a namespace and EventListener pods, with no ipBlock and no empty from.",
    check(all, report) {
        if (ofType(all, t.tekton.eventListener).length === 0) return;
        const selectsInterceptors = (p: PolicyResourceLike) => {
            const labels = obj(known(() => at(p.props, "spec.podSelector.matchLabels"))) ?? {};
            const expressions = arr(known(() => at(p.props, "spec.podSelector.matchExpressions")));
            return expressions.length === 0 && Object.entries(labels).every(([k, v]) => interceptorPodLabels[k] === v);
        };
        const policies = ofType(all, t.k8s.networkPolicy).filter(
            (p) =>
                known(() => str(at(p.props, "metadata.namespace"))) === tektonNamespaces.pipelines &&
                selectsInterceptors(p),
        );
        const ingress = policies.filter((p) => {
            const types = known(() => arr(at(p.props, "spec.policyTypes")).map(String));
            return types === undefined || types.length === 0 || types.includes("Ingress");
        });
        if (ingress.length === 0) {
            report(
                `no NetworkPolicy in ${tektonNamespaces.pipelines} restricts who may connect to the core interceptors`,
            );
            return;
        }
        for (const p of ingress) {
            for (const [i, rule] of arr(known(() => at(p.props, "spec.ingress"))).entries()) {
                const peers = arr(at(rule, "from"));
                if (peers.length === 0) {
                    report(`${p.name}: ingress rule ${i} admits every caller`, p.urn);
                    continue;
                }
                for (const peer of peers) {
                    const podLabels = obj(at(peer, "podSelector.matchLabels")) ?? {};
                    const listenerPods = Object.entries(eventListenerPodLabels).every(([k, v]) => podLabels[k] === v);
                    if (
                        at(peer, "ipBlock") !== undefined ||
                        at(peer, "namespaceSelector") === undefined ||
                        !listenerPods
                    ) {
                        report(
                            `${p.name}: ingress rule ${i} admits ${JSON.stringify(peer)}, not EventListener pods of a named namespace`,
                            p.urn,
                        );
                    }
                }
            }
        }
    },
};

/**
 * ServiceAccounts a Role of the stack lets create PipelineRuns (the cluster reaper's starter), with the namespace the
 * binding grants it in: creating a PipelineRun chooses its ServiceAccounts, so each needs an admission policy too. A
 * binding whose namespace or role is only known after apply is listed as not evaluated.
 */
function pipelineRunCreators(
    all: PolicyResourceLike[],
    skip: Skip,
): { subject: { namespace: string; serviceAccount: string }; in: string }[] {
    const roles = ofType(all, t.k8s.role, t.k8s.clusterRole);
    const found: { subject: { namespace: string; serviceAccount: string }; in: string }[] = [];
    for (const b of ofType(all, t.k8s.roleBinding)) {
        const namespace = readKnown(() => str(at(b.props, "metadata.namespace")));
        const name = readKnown(() => str(at(b.props, "roleRef.name")));
        const kind = readKnown(() => str(at(b.props, "roleRef.kind")));
        if (!namespace.known || !name.known || !kind.known) {
            skip(`${b.name}: its namespace or role is only known after apply`, b.urn);
            continue;
        }
        const [bindingNs, refName, refKind] = [namespace.value, name.value, kind.value];
        if (bindingNs === undefined || refName === undefined) continue;
        const role = roles.find(
            (r) =>
                r.type === (refKind === "ClusterRole" ? t.k8s.clusterRole : t.k8s.role) &&
                known(() => str(at(r.props, "metadata.name"))) === refName &&
                (refKind === "ClusterRole" || known(() => str(at(r.props, "metadata.namespace"))) === bindingNs),
        );
        if (role === undefined) continue;
        const creates = arr(known(() => at(role.props, "rules"))).some((rule) => {
            const groups = arr(at(rule, "apiGroups")).map(String);
            const resources = arr(at(rule, "resources")).map(String);
            const verbs = arr(at(rule, "verbs")).map(String);
            return (
                (groups.includes("tekton.dev") || groups.includes("*")) &&
                (resources.includes("pipelineruns") || resources.includes("*")) &&
                (verbs.includes("create") || verbs.includes("*"))
            );
        });
        if (!creates) continue;
        for (const x of arr(known(() => b.props.subjects))) {
            const name = str(at(x, "name"));
            if (at(x, "kind") !== "ServiceAccount" || name === undefined) continue;
            found.push({
                subject: { namespace: str(at(x, "namespace")) ?? bindingNs, serviceAccount: name },
                in: bindingNs,
            });
        }
    }
    return found;
}

export const listenerRunsAdmitted: StackRule = {
    kind: "stack",
    name: "listener-runs-admitted",
    description:
        "A ValidatingAdmissionPolicy, bound with Deny, matches the PipelineRuns the listener's ServiceAccount, and every other ServiceAccount a Role lets create PipelineRuns (the cluster reaper's starter), creates; and every namespace a TriggerTemplate or such a Role starts runs in bounds its PipelineRun count with a ResourceQuota.",
    enforcementLevel: "mandatory",
    remediation:
        "Keep ListenerAdmission (components/tekton/admission.ts), the reaper's okd-ci-reaper-pipelineruns (components/pipelines/reaper.ts) and the count/pipelineruns.tekton.dev quota of each pipeline namespace (components/tekton/namespace.ts).",
    check(all, report, skip) {
        const creators = pipelineRunCreators(all, skip);
        const subjects = [...listenerSubjects(all, skip)];
        for (const { subject } of creators) {
            if (
                !subjects.some((s) => s.namespace === subject.namespace && s.serviceAccount === subject.serviceAccount)
            ) {
                subjects.push(subject);
            }
        }
        if (subjects.length === 0) return;
        const policies = ofType(all, t.k8s.validatingAdmissionPolicy);
        const bindings = ofType(all, t.k8s.validatingAdmissionPolicyBinding);
        for (const s of subjects) {
            const user = `system:serviceaccount:${s.namespace}:${s.serviceAccount}`;
            const policy = policies.find((p) =>
                arr(known(() => at(p.props, "spec.matchConditions"))).some((c) =>
                    String(at(c, "expression")).includes(user),
                ),
            );
            if (policy === undefined) {
                report(`no ValidatingAdmissionPolicy matches the PipelineRuns ${user} creates`);
                continue;
            }
            const name = known(() => at(policy.props, "metadata.name"));
            const deny = bindings.some(
                (b) =>
                    known(() => at(b.props, "spec.policyName")) === name &&
                    arr(known(() => at(b.props, "spec.validationActions"))).includes("Deny"),
            );
            if (!deny) report(`ValidatingAdmissionPolicy ${String(name)} has no binding that denies`, policy.urn);
        }
        // A PipelineRun template without a namespace is created in the namespace of the EventListener that fires it
        // (tektoncd/triggers@088902973c89e356b40bc0745618df0e9b2d8198: pkg/resources/create.go), so in any
        // listener's.
        const listenerNamespaces = ofType(all, t.tekton.eventListener).flatMap(
            (el) => known(() => str(at(el.props, "metadata.namespace"))) ?? [],
        );
        const runNamespaces = new Set([
            ...creators.map((c) => c.in),
            ...ofType(all, t.tekton.triggerTemplate).flatMap((tt) =>
                arr(known(() => at(tt.props, "spec.resourcetemplates")))
                    .filter((r) => at(r, "kind") === "PipelineRun")
                    .flatMap((r) => str(at(r, "metadata.namespace")) ?? listenerNamespaces),
            ),
        ]);
        const quotas = ofType(all, t.k8s.resourceQuota);
        for (const ns of runNamespaces) {
            const bounded = quotas.some(
                (q) =>
                    known(() => at(q.props, "metadata.namespace")) === ns &&
                    obj(known(() => at(q.props, "spec.hard")))?.["count/pipelineruns.tekton.dev"] !== undefined,
            );
            if (!bounded) report(`namespace ${ns} bounds no PipelineRun count (count/pipelineruns.tekton.dev)`);
        }
    },
};
