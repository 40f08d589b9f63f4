import * as assert from "node:assert/strict";

import { allowAllPolicies } from "../../../components/shared/network-policy";

// NetworkPolicy semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/): an empty
// podSelector selects every pod of the namespace, a rule list of one empty rule (`[{}]`) allows all traffic in that
// direction, and policies add up, so the ingress policy must not select the pods another policy holds narrower.
describe("allow-all NetworkPolicies for a namespace under a default-deny CNI", () => {
    it("allows every pod all egress and all ingress, in two policies named for okd-ci", () => {
        assert.deepEqual(allowAllPolicies("kube-system"), [
            {
                apiVersion: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                metadata: { name: "okd-ci-allow-egress", namespace: "kube-system" },
                spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{}] },
            },
            {
                apiVersion: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                metadata: { name: "okd-ci-allow-ingress", namespace: "kube-system" },
                spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] },
            },
        ]);
    });

    it("leaves the pods a label names out of the allow-all ingress, but not out of the egress", () => {
        const [egress, ingress] = allowAllPolicies("tekton-pipelines", {
            key: "app.kubernetes.io/component",
            values: ["interceptors", "webhook"],
        });
        assert.deepEqual(egress.metadata, { name: "okd-ci-allow-egress", namespace: "tekton-pipelines" });
        assert.deepEqual(egress.spec, { podSelector: {}, policyTypes: ["Egress"], egress: [{}] });
        assert.deepEqual(ingress.metadata, { name: "okd-ci-allow-ingress", namespace: "tekton-pipelines" });
        assert.deepEqual(ingress.spec, {
            podSelector: {
                matchExpressions: [
                    { key: "app.kubernetes.io/component", operator: "NotIn", values: ["interceptors", "webhook"] },
                ],
            },
            policyTypes: ["Ingress"],
            ingress: [{}],
        });
    });
});
