/**
 * An allow-all NetworkPolicy for `namespace`, as a manifest object: where the CNI keeps every pod no policy selects at
 * default-deny (EKS strict mode, `Site.strictNetworkPolicy`), the namespaces okd-ci does not police itself (Tekton's,
 * kube-system) keep the traffic they have on every other platform; what strict mode adds there is that a new pod waits
 * for this policy instead of starting open.
 */
export function allowAllPolicy(namespace: string) {
    return {
        apiVersion: "networking.k8s.io/v1" as const,
        kind: "NetworkPolicy" as const,
        metadata: { name: "okd-ci-allow-all", namespace },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
    };
}
