/** The GKE parts of the isolation policies: NetworkPolicy enforced, the nodes' identity and metadata, private nodes. */
import * as assert from "node:assert/strict";

import { gkeNodeIdentity, gkePrivateNodes, networkPolicyEnforced } from "../../policy/rules";
import { t } from "../../policy/types";
import { UNKNOWN, res, violations } from "./fixtures";

const account = "okd-gke-nodes@okd-ci-example.iam.gserviceaccount.com";
const hardened = { serviceAccount: account, workloadMetadataConfig: { mode: "GKE_METADATA" } };

describe("policy network-policy-enforced on GKE", () => {
    it("passes a cluster on Dataplane V2, which always enforces NetworkPolicy", () => {
        const c = res(t.gcp.gkeCluster, "okd-cluster", { datapathProvider: "ADVANCED_DATAPATH" });
        assert.deepEqual(violations(networkPolicyEnforced, [c]), []);
    });

    it("passes a cluster with the network policy add-on enabled at both ends", () => {
        const c = res(t.gcp.gkeCluster, "okd-cluster", {
            networkPolicy: { enabled: true, provider: "CALICO" },
            addonsConfig: { networkPolicyConfig: { disabled: false } },
        });
        assert.deepEqual(violations(networkPolicyEnforced, [c]), []);
    });

    it("fails a cluster on the legacy dataplane without the add-on, or with only half of it", () => {
        const plain = res(t.gcp.gkeCluster, "okd-cluster", {});
        const half = res(t.gcp.gkeCluster, "okd-half", { networkPolicy: { enabled: true } });
        assert.deepEqual(violations(networkPolicyEnforced, [plain, half]), [
            "GKE cluster okd-cluster runs neither Dataplane V2 (datapathProvider ADVANCED_DATAPATH) nor the network policy add-on: GKE would ignore every NetworkPolicy",
            "GKE cluster okd-half runs neither Dataplane V2 (datapathProvider ADVANCED_DATAPATH) nor the network policy add-on: GKE would ignore every NetworkPolicy",
        ]);
    });
});

describe("policy gke-node-identity", () => {
    it("passes a cluster and pools that run as the stack's account with the GKE metadata server", () => {
        const c = res(t.gcp.gkeCluster, "okd-cluster", { nodeConfig: hardened, removeDefaultNodePool: true });
        const p = res(t.gcp.gkeNodePool, "okd-builds", { nodeConfig: { ...hardened, machineType: "n2-standard-8" } });
        assert.deepEqual(violations(gkeNodeIdentity, [c, p]), []);
    });

    it("fails the default pool of a cluster that names no account, even though it is removed after creation", () => {
        const c = res(t.gcp.gkeCluster, "okd-cluster", { removeDefaultNodePool: true });
        assert.deepEqual(violations(gkeNodeIdentity, [c]), [
            "GKE cluster okd-cluster's default pool runs as the Compute Engine default service account and gives pods the VM's metadata server (workloadMetadataConfig unset)",
        ]);
    });

    it("fails a pool on the Compute Engine default account or on the VM's metadata server", () => {
        const compute = res(t.gcp.gkeNodePool, "a", {
            nodeConfig: { ...hardened, serviceAccount: "123456789012-compute@developer.gserviceaccount.com" },
        });
        const exposed = res(t.gcp.gkeNodePool, "b", {
            nodeConfig: { serviceAccount: account, workloadMetadataConfig: { mode: "GCE_METADATA" } },
        });
        assert.deepEqual(violations(gkeNodeIdentity, [compute, exposed]), [
            "GKE node pool a runs as 123456789012-compute@developer.gserviceaccount.com",
            "GKE node pool b gives pods the VM's metadata server (workloadMetadataConfig GCE_METADATA)",
        ]);
    });

    it("fails GKE's `default` account by its exact name, and passes a stack account whose name starts with it", () => {
        const pool = (name: string, serviceAccount: string) =>
            res(t.gcp.gkeNodePool, name, { nodeConfig: { ...hardened, serviceAccount } });
        assert.deepEqual(
            violations(gkeNodeIdentity, [
                pool("a", "default"),
                pool("b", "default-nodes@okd-ci-example.iam.gserviceaccount.com"),
            ]),
            ["GKE node pool a runs as default"],
        );
    });

    it("leaves Autopilot clusters, whose nodes GKE configures, alone", () => {
        assert.deepEqual(violations(gkeNodeIdentity, [res(t.gcp.gkeCluster, "ap", { enableAutopilot: true })]), []);
    });

    it("does not judge a node config only known after apply", () => {
        const p = res(t.gcp.gkeNodePool, "p", { nodeConfig: UNKNOWN });
        assert.deepEqual(violations(gkeNodeIdentity, [p]), []);
    });
});

describe("policy gke-private-nodes", () => {
    const network = res(t.gcp.network, "okd-network", { autoCreateSubnetworks: false });

    it("passes private nodes in a network of the stack", () => {
        const c = res(
            t.gcp.gkeCluster,
            "okd-cluster",
            { privateClusterConfig: { enablePrivateNodes: true }, network: UNKNOWN },
            { dependsOn: [network] },
        );
        assert.deepEqual(violations(gkePrivateNodes, [network, c]), []);
    });

    it("fails nodes with external addresses in the project's default network", () => {
        const c = res(t.gcp.gkeCluster, "okd-cluster", {});
        assert.deepEqual(violations(gkePrivateNodes, [c]), [
            "GKE cluster okd-cluster gives its nodes external addresses (no private nodes)",
            "GKE cluster okd-cluster runs in network default, not one the stack creates",
        ]);
    });
});
