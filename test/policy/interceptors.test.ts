import * as assert from "node:assert/strict";

import { coreInterceptorsCallers } from "../../policy/rules";
import { t } from "../../policy/types";
import { UNKNOWN, res, violations } from "./fixtures";

const listener = res(t.tekton.eventListener, "listener", {
    metadata: { name: "okd-github", namespace: "okd-release" },
});
const interceptors = { "app.kubernetes.io/name": "core-interceptors", "app.kubernetes.io/part-of": "tekton-triggers" };
const netpol = (name: string, spec: object, namespace = "tekton-pipelines") =>
    res(t.k8s.networkPolicy, name, { metadata: { name, namespace }, spec });
const fromListeners = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "okd-release" } },
    podSelector: { matchLabels: { "app.kubernetes.io/managed-by": "EventListener" } },
};
const ingressSpec = (from: object[] | undefined) => ({
    podSelector: { matchLabels: interceptors },
    policyTypes: ["Ingress"],
    ingress: [{ ...(from === undefined ? {} : { from }), ports: [{ protocol: "TCP", port: 8443 }] }],
});

describe("policy core-interceptors-callers", () => {
    it("passes a policy that admits only EventListener pods of a named namespace", () => {
        assert.deepEqual(
            violations(coreInterceptorsCallers, [listener, netpol("ok", ingressSpec([fromListeners]))]),
            [],
        );
    });

    it("fails a stack with listeners and no policy on the interceptors (what every stack was before)", () => {
        assert.deepEqual(violations(coreInterceptorsCallers, [listener]), [
            "no NetworkPolicy in tekton-pipelines restricts who may connect to the core interceptors",
        ]);
        // A policy in another namespace, or one selecting other pods, does not count.
        assert.equal(
            violations(coreInterceptorsCallers, [
                listener,
                netpol("elsewhere", ingressSpec([fromListeners]), "okd-release"),
            ]).length,
            1,
        );
        assert.equal(
            violations(coreInterceptorsCallers, [
                listener,
                netpol("webhook", {
                    ...ingressSpec([fromListeners]),
                    podSelector: { matchLabels: { app: "webhook" } },
                }),
            ]).length,
            1,
        );
    });

    it("fails a rule that admits every caller, an address block, or pods not EventListeners'", () => {
        assert.deepEqual(violations(coreInterceptorsCallers, [listener, netpol("open", ingressSpec(undefined))]), [
            "open: ingress rule 0 admits every caller",
        ]);
        const v = violations(coreInterceptorsCallers, [
            listener,
            netpol("wide", ingressSpec([fromListeners, { ipBlock: { cidr: "10.0.0.0/8" } }])),
            netpol("any-pod", ingressSpec([{ ...fromListeners, podSelector: {} }])),
            netpol("any-ns", ingressSpec([{ podSelector: fromListeners.podSelector }])),
        ]);
        assert.equal(v.length, 3, v.join("\n"));
        assert.match(v[0], /^wide: ingress rule 0 admits \{"ipBlock"/);
        assert.match(v[1], /^any-pod: ingress rule 0 admits /);
        assert.match(v[2], /^any-ns: ingress rule 0 admits /);
    });

    it("counts only an Ingress policy whose selector, labels only, picks the interceptors' pods", () => {
        const none = ["no NetworkPolicy in tekton-pipelines restricts who may connect to the core interceptors"];
        const spec = ingressSpec([fromListeners]);
        const judged = (changes: object) =>
            violations(coreInterceptorsCallers, [listener, netpol("p", { ...spec, ...changes })]);
        // A selector with an expression, or a label the interceptors' pods do not carry, may select none of them.
        const exists = [{ key: "app.kubernetes.io/name", operator: "Exists" }];
        assert.deepEqual(judged({ podSelector: { matchLabels: interceptors, matchExpressions: exists } }), none);
        assert.deepEqual(judged({ podSelector: { matchLabels: { ...interceptors, app: "webhook" } } }), none);
        // An empty selector selects every pod of the namespace, the interceptors' too.
        assert.deepEqual(judged({ podSelector: {} }), []);
        // Only an Egress policy does not restrict who connects; no policyTypes (or an unknown list) means Ingress.
        assert.deepEqual(judged({ policyTypes: ["Egress"] }), none);
        assert.deepEqual(judged({ policyTypes: ["Egress", "Ingress"] }), []);
        assert.deepEqual(judged({ policyTypes: [] }), []);
        assert.deepEqual(judged({ policyTypes: undefined }), []);
        assert.deepEqual(judged({ policyTypes: UNKNOWN }), []);
        assert.deepEqual(judged({ policyTypes: UNKNOWN, ingress: [{}] }), ["p: ingress rule 0 admits every caller"]);
    });

    it("fails a peer that adds an address block to the listeners' selectors", () => {
        const peer = { ...fromListeners, ipBlock: { cidr: "10.0.0.0/8" } };
        assert.deepEqual(violations(coreInterceptorsCallers, [listener, netpol("mixed", ingressSpec([peer]))]), [
            `mixed: ingress rule 0 admits ${JSON.stringify(peer)}, not EventListener pods of a named namespace`,
        ]);
    });

    it("has nothing to check on a stack without listeners", () => {
        assert.deepEqual(violations(coreInterceptorsCallers, []), []);
    });
});
