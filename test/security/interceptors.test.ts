/**
 * Issue 15 path 8, the Triggers core interceptors: they read every Secret of the cluster (a cluster-wide informer,
 * which cannot be narrowed to a namespace), and their HTTPS endpoint authenticates no caller while its `github`
 * interceptor will send the value of any Secret a request names to the host the request names
 * (components/tekton/triggers.ts, createInterceptorsIngress). As a build pod or any other pod would try it: connect to
 * the interceptors' port. Every stack's rendered NetworkPolicies are evaluated as the API defines them
 * (test/security/network.ts); only the okd-ci EventListener pods get through.
 */
import * as assert from "node:assert/strict";

import { pipelineNamespace, releaseNamespace } from "../../components/shared/site";
import {
    coreInterceptorsPodLabels,
    coreInterceptorsPort,
    eventListenerPodLabels,
} from "../../components/tekton/interceptors";
import { listenerNames } from "../../components/tekton/triggers";
import { tektonNamespaces } from "../../components/tekton/versions";
import { egressTo, ingressFrom } from "./network";
import { podsOf } from "./pods";
import { upstreamTriggersClusterRoles } from "./rbac";
import { type StackObjects, stackObjects, stacks } from "./stack-objects";

/** The pod labels the pinned Triggers release gives the core interceptors (what the policy must select). */
const releasedPodLabels = {
    "app.kubernetes.io/name": "core-interceptors",
    "app.kubernetes.io/component": "interceptors",
    "app.kubernetes.io/instance": "default",
    "app.kubernetes.io/version": "v0.37.0",
    "app.kubernetes.io/part-of": "tekton-triggers",
};

describe("security: the Triggers core interceptors' Secret read (upstream facts the design rests on)", () => {
    it("still reads every Secret cluster-wide in the pinned release, so the key must not depend on narrowing it", function () {
        this.timeout(120_000);
        const role = upstreamTriggersClusterRoles().find(
            (r) => r.metadata.name === "tekton-triggers-core-interceptors",
        );
        assert.ok(role, "the release ships tekton-triggers-core-interceptors");
        // If Triggers ever narrows this (resourceNames, or no list/watch), revisit docs/security.md path 8.
        assert.deepEqual(role.rules, [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] }]);
    });
});

for (const stack of stacks()) {
    describe(`security: who may call the core interceptors on stack ${stack}`, () => {
        let s: StackObjects;
        before(async function () {
            this.timeout(180_000);
            s = await stackObjects(stack, true);
        });
        const target = (from: { namespace: string; labels: Record<string, string> }) =>
            ingressFrom(s.objects, tektonNamespaces.pipelines, releasedPodLabels, from, coreInterceptorsPort);

        it("selects the interceptors' pods as the release labels them", () => {
            for (const [k, v] of Object.entries(coreInterceptorsPodLabels)) {
                assert.equal(releasedPodLabels[k as keyof typeof releasedPodLabels], v, k);
            }
        });

        it("lets the okd-ci EventListeners through, on the interceptors' port only", () => {
            for (const listener of Object.values(listenerNames)) {
                const pod = {
                    namespace: releaseNamespace,
                    labels: { ...eventListenerPodLabels, eventlistener: listener },
                };
                assert.deepEqual(target(pod).allowedBy, ["okd-core-interceptors-ingress"], listener);
                assert.deepEqual(
                    ingressFrom(s.objects, tektonNamespaces.pipelines, releasedPodLabels, pod, 9000).allowedBy,
                    [],
                );
            }
        });

        it("refuses every run pod, builds and gates included, and pods of any other namespace", () => {
            const pods = s.runs.flatMap((run) => podsOf(s, run));
            assert.ok(pods.some((p) => p.namespace === pipelineNamespace));
            assert.ok(pods.some((p) => p.namespace === releaseNamespace));
            for (const p of pods) {
                const r = target({ namespace: p.namespace, labels: p.labels });
                assert.ok(r.isolated, "the interceptors are isolated for ingress");
                assert.deepEqual(r.allowedBy, [], `${p.run}${p.pipelineTask} reaches the core interceptors`);
                // Its own namespace's egress stops it too, whatever address the interceptors' pod has.
                assert.deepEqual(
                    egressTo(s.objects, p.namespace, p.labels, "10.244.1.7", coreInterceptorsPort).allowedBy,
                    [],
                    `${p.run}${p.pipelineTask} may open a connection on ${coreInterceptorsPort}`,
                );
            }
            // An EventListener-labelled pod elsewhere (another team's listener, or a pod that copies the label).
            for (const namespace of [pipelineNamespace, tektonNamespaces.pipelines, "default", "kube-system"]) {
                assert.deepEqual(target({ namespace, labels: { ...eventListenerPodLabels } }).allowedBy, [], namespace);
            }
            assert.deepEqual(target({ namespace: releaseNamespace, labels: { app: "other" } }).allowedBy, []);
        });
    });
}
