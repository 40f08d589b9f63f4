import * as assert from "node:assert/strict";

import { assertNodeLabels, refusedNodeLabels } from "../../../components/shared/node-labels";

describe("reserved node labels", () => {
    it("refuses on EKS every key containing kubernetes.io/, k8s.io/ or eks.amazonaws.com/", () => {
        assert.deepEqual(
            refusedNodeLabels("aws", {
                "okd-ci/pool": "builds",
                "node.kubernetes.io/exclude-from-external-load-balancers": "true",
                "topology.kubernetes.io/zone": "a",
                "sigs.k8s.io/x": "1",
                "eks.amazonaws.com/nodegroup": "x",
            }),
            [
                "node.kubernetes.io/exclude-from-external-load-balancers",
                "topology.kubernetes.io/zone",
                "sigs.k8s.io/x",
                "eks.amazonaws.com/nodegroup",
            ],
        );
    });

    it("lets GKE and AKS pools use what the kubelet may set, and nothing else in its namespaces", () => {
        assert.deepEqual(
            refusedNodeLabels("gcp", {
                "node.kubernetes.io/exclude-from-external-load-balancers": "true",
                "kubelet.kubernetes.io/x": "1",
                "topology.kubernetes.io/zone": "a",
                "node-role.kubernetes.io/builds": "",
                "example.k8s.io/x": "1",
                "okd-ci/pool": "builds",
            }),
            ["node-role.kubernetes.io/builds", "example.k8s.io/x"],
        );
        assert.deepEqual(refusedNodeLabels("azure", { "kubernetes.io/role": "x" }), ["kubernetes.io/role"]);
        // Every well-known label the kubelet sets itself (k8s.io/kubelet well_known_labels.go) passes its rule; AKS
        // refuses those it sets on every node.
        const wellKnown = [
            "kubernetes.io/hostname",
            "kubernetes.io/os",
            "kubernetes.io/arch",
            "beta.kubernetes.io/os",
            "beta.kubernetes.io/arch",
            "beta.kubernetes.io/instance-type",
            "node.kubernetes.io/instance-type",
            "failure-domain.beta.kubernetes.io/zone",
            "failure-domain.beta.kubernetes.io/region",
            "topology.kubernetes.io/zone",
            "topology.kubernetes.io/region",
        ];
        const all = Object.fromEntries(wellKnown.map((k) => [k, "x"]));
        assert.deepEqual(refusedNodeLabels("gcp", all), []);
        assert.deepEqual(refusedNodeLabels("azure", all), [
            "kubernetes.io/hostname",
            "kubernetes.io/os",
            "kubernetes.io/arch",
            "node.kubernetes.io/instance-type",
            "topology.kubernetes.io/zone",
            "topology.kubernetes.io/region",
        ]);
    });

    // https://learn.microsoft.com/azure/aks/use-labels, "Reserved system labels" and "Reserved prefixes".
    it("refuses on AKS its reserved prefixes and the labels it sets, but not the spot label it writes into the pool", () => {
        assert.deepEqual(
            refusedNodeLabels("azure", {
                "kubernetes.azure.com/agentpool": "builds",
                "kubernetes.azure.com/mode": "user",
                "topology.kubernetes.io/zone": "1",
                "node.kubernetes.io/instance-type": "Standard_D8s_v5",
                "node.kubernetes.io/exclude-from-external-load-balancers": "true",
                "kubernetes.azure.com/scalesetpriority": "spot",
                "okd-ci/pool": "builds",
            }),
            [
                "kubernetes.azure.com/agentpool",
                "kubernetes.azure.com/mode",
                "topology.kubernetes.io/zone",
                "node.kubernetes.io/instance-type",
            ],
        );
    });

    it("refuses on GKE labels in GKE's own cloud.google.com namespace, which the node pool API reserves", () => {
        assert.deepEqual(
            refusedNodeLabels("gcp", {
                "cloud.google.com/compute-class": "builds",
                "cloud.google.com/gke-spot": "true",
                "x.cloud.google.com/y": "1",
                "google.com/other": "1",
                "okd-ci/pool": "builds",
            }),
            ["cloud.google.com/compute-class", "cloud.google.com/gke-spot", "x.cloud.google.com/y"],
        );
        assert.deepEqual(refusedNodeLabels("azure", { "cloud.google.com/gke-spot": "true" }), []);
    });

    it("throws at construction naming the pool, the key and the rule", () => {
        assert.throws(
            () =>
                assertNodeLabels("aws", "okd-build", {
                    "node.kubernetes.io/exclude-from-external-load-balancers": "true",
                }),
            /node pool okd-build: label node\.kubernetes\.io\/exclude-from-external-load-balancers would be refused on aws \(no key containing kubernetes\.io\/, k8s\.io\/, eks\.amazonaws\.com\/; EKS managed node group API/,
        );
        assert.doesNotThrow(() => assertNodeLabels("aws", "okd-build", { "okd-ci/pool": "builds" }));
        assert.throws(
            () =>
                assertNodeLabels("gcp", "okd-system", {
                    "cloud.google.com/gke-spot": "true",
                    "okd-ci/pool": "system",
                    "node-role.kubernetes.io/infra": "",
                }),
            new Error(
                "node pool okd-system: labels cloud.google.com/gke-spot, node-role.kubernetes.io/infra would be refused on gcp (no kubernetes.io/ or k8s.io/ namespace except node.kubernetes.io/, kubelet.kubernetes.io/ and the kubelet's well-known labels, and nothing in GKE's cloud.google.com/ namespace; GKE node pool API (hashicorp/terraform-provider-google#6003, #19677))",
            ),
        );
    });

    it("names AKS's rule and where it is written when an AKS pool's label is refused", () => {
        assert.throws(
            () => assertNodeLabels("azure", "builds", { "kubernetes.azure.com/mode": "user" }),
            new Error(
                "node pool builds: label kubernetes.azure.com/mode would be refused on azure (no kubernetes.azure.com/ (except kubernetes.azure.com/scalesetpriority on a spot pool) or kubernetes.io/ key, none of the labels AKS sets itself, and the kubelet's rule; AKS reserved labels and prefixes (https://learn.microsoft.com/azure/aks/use-labels) and the kubelet's rule)",
            ),
        );
    });

    it("reads a key's namespace only before its slash: a key with no prefix is in no namespace", () => {
        // A key with no "/" has no prefix (k8s.io/apimachinery IsQualifiedName), however it is spelled.
        for (const platform of ["gcp", "azure"] as const) {
            assert.deepEqual(
                refusedNodeLabels(platform, { "kubernetes.iox": "1", "k8s.iox": "1", "cloud.google.comx": "1" }),
                [],
                platform,
            );
        }
    });
});
