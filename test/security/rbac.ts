/**
 * What a Kubernetes subject may do, read off rendered RBAC objects the way the RBAC authorizer decides
 * (https://kubernetes.io/docs/reference/access-authn-authz/rbac/): the union of the rules of every Role and ClusterRole
 * bound to it, a RoleBinding's rules counting only in its namespace, `*` matching any verb, resource or group, and
 * `resourceNames` limiting a rule to those objects. ClusterRoles the program only references (Triggers' own) are read
 * from the pinned Triggers release in the Go module cache, so a binding to one counts with the rules it really has.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import * as YAML from "yaml";

import { tektonVersions } from "../../components/tekton/versions";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered RBAC objects are untyped YAML
type Doc = Record<string, any>;

export interface Rule {
    apiGroups?: string[];
    resources?: string[];
    verbs: string[];
    resourceNames?: string[];
}

/** `namespace/name` of a ServiceAccount, the form RBAC subjects take. */
export interface Subject {
    namespace: string;
    serviceAccount: string;
}

/** Triggers' ClusterRoles as the pinned release ships them (config/200-clusterrole.yaml of the module). */
export function upstreamTriggersClusterRoles(): Doc[] {
    const out = execFileSync(
        "go",
        ["mod", "download", "-json", `github.com/tektoncd/triggers@${tektonVersions.triggers}`],
        {
            encoding: "utf8",
        },
    );
    const dir = (JSON.parse(out) as { Dir: string }).Dir;
    return YAML.parseAllDocuments(fs.readFileSync(path.join(dir, "config", "200-clusterrole.yaml"), "utf8"))
        .map((d) => d.toJSON() as Doc)
        .filter((d) => d?.kind === "ClusterRole");
}

export class Rbac {
    private readonly roles: Doc[];
    private readonly bindings: Doc[];

    constructor(objects: Doc[]) {
        this.roles = objects.filter((o) => o.kind === "Role" || o.kind === "ClusterRole");
        this.bindings = objects.filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding");
    }

    /** The rules granted to `s`, each with the namespace it applies in (undefined: every namespace). */
    rulesOf(s: Subject): { namespace?: string; rule: Rule; via: string }[] {
        const out: { namespace?: string; rule: Rule; via: string }[] = [];
        for (const b of this.bindings) {
            const bindingNs: string | undefined = b.kind === "RoleBinding" ? b.metadata.namespace : undefined;
            const names = (b.subjects ?? []).some(
                (x: Doc) =>
                    (x.kind === "ServiceAccount" &&
                        x.name === s.serviceAccount &&
                        (x.namespace ?? bindingNs) === s.namespace) ||
                    (x.kind === "Group" &&
                        [
                            "system:serviceaccounts",
                            `system:serviceaccounts:${s.namespace}`,
                            "system:authenticated",
                        ].includes(x.name)),
            );
            if (!names) continue;
            const role = this.roles.find(
                (r) =>
                    r.kind === b.roleRef.kind &&
                    r.metadata.name === b.roleRef.name &&
                    (r.kind === "ClusterRole" || r.metadata.namespace === bindingNs),
            );
            if (role === undefined) {
                throw new Error(
                    `${b.kind} ${b.metadata.name} binds ${b.roleRef.kind} ${b.roleRef.name}, which is nowhere`,
                );
            }
            for (const rule of (role.rules ?? []) as Rule[]) {
                out.push({
                    namespace: bindingNs,
                    rule,
                    via: `${b.kind} ${b.metadata.name} → ${role.kind} ${role.metadata.name}`,
                });
            }
        }
        return out;
    }

    /** Whether `s` may `verb` the `resource` (`group/resource`, core group as `/resource`) in `namespace`, optionally by name. */
    can(s: Subject, verb: string, groupResource: string, namespace: string, name?: string): boolean {
        const [group, resource] = groupResource.split("/");
        const any = (list: string[] | undefined, value: string) => (list ?? []).some((x) => x === "*" || x === value);
        return this.rulesOf(s).some(
            ({ namespace: ns, rule }) =>
                (ns === undefined || ns === namespace) &&
                any(rule.verbs, verb) &&
                any(rule.apiGroups, group) &&
                any(rule.resources, resource) &&
                (rule.resourceNames === undefined ||
                    rule.resourceNames.length === 0 ||
                    (name !== undefined && rule.resourceNames.includes(name))),
        );
    }
}
