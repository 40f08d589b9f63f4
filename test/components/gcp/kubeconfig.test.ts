import * as assert from "node:assert/strict";

import { gkeContextName, gkeKubeconfig } from "../../../components/gcp/kubeconfig";

describe("gke kubeconfig", () => {
    const endpoint = {
        project: "okd-ci-test",
        location: "europe-west4-b",
        clusterName: "okd-build",
        endpoint: "203.0.113.10",
        caCertificate: "LS0tLS1CRUdJTg==",
    };

    it("names the context as gcloud does", () => {
        assert.equal(gkeContextName("p", "europe-west4-b", "c"), "gke_p_europe-west4-b_c");
    });

    it("points at the cluster endpoint over https with its CA", () => {
        const config = JSON.parse(gkeKubeconfig(endpoint));
        assert.deepEqual(config.clusters[0].cluster, {
            server: "https://203.0.113.10",
            "certificate-authority-data": "LS0tLS1CRUdJTg==",
        });
        assert.equal(config["current-context"], "gke_okd-ci-test_europe-west4-b_okd-build");
    });

    it("gets tokens from gke-gcloud-auth-plugin and embeds none", () => {
        const { user } = JSON.parse(gkeKubeconfig(endpoint)).users[0];
        assert.deepEqual(Object.keys(user), ["exec"]);
        assert.equal(user.exec.command, "gke-gcloud-auth-plugin");
        assert.equal(user.exec.apiVersion, "client.authentication.k8s.io/v1beta1");
        assert.equal(user.exec.provideClusterInfo, true);
    });

    it("is byte-identical for the same cluster, so previews stay quiet", () => {
        assert.equal(gkeKubeconfig(endpoint), gkeKubeconfig({ ...endpoint }));
    });
});
