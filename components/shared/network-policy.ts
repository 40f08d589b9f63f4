interface AllowSpec {
    podSelector: { matchExpressions?: { key: string; operator: string; values: string[] }[] };
    policyTypes: string[];
    ingress?: object[];
    egress?: object[];
}

/**
 * Allow-all NetworkPolicies for `namespace`, as manifest objects: where the CNI keeps every pod no policy selects at
 * default-deny (EKS strict mode, `Site.strictNetworkPolicy`), the namespaces okd-ci does not police as a whole (Tekton's,
 * kube-system) keep the traffic they have on every other platform; what strict mode adds there is that a new pod waits
 * for these policies instead of starting open. Two policies, egress and ingress, so that pods another policy holds to
 * narrower ingress stay held: `ingressExcept` names them by a label (`NotIn` its values), and they get no allow-all
 * ingress (NetworkPolicies add up: an allow-all selecting them would open them to every caller).
 */
export function allowAllPolicies(namespace: string, ingressExcept?: { key: string; values: string[] }) {
    const policy = (name: string, spec: AllowSpec) => ({
        apiVersion: "networking.k8s.io/v1" as const,
        kind: "NetworkPolicy" as const,
        metadata: { name, namespace },
        spec,
    });
    return [
        policy("okd-ci-allow-egress", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] }),
        policy("okd-ci-allow-ingress", {
            podSelector:
                ingressExcept === undefined
                    ? {}
                    : {
                          matchExpressions: [
                              { key: ingressExcept.key, operator: "NotIn", values: ingressExcept.values },
                          ],
                      },
            policyTypes: ["Ingress"],
            ingress: [{}],
        }),
    ];
}
