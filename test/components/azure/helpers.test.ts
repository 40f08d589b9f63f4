import * as assert from "node:assert/strict";

import * as YAML from "yaml";

import { withKubeloginMode } from "../../../components/azure/kubeconfig";
import { compactName, globalSuffix } from "../../../components/azure/naming";
import { deployerPrincipalType } from "../../../components/azure/roles";

/** The shape AKS returns for `listClusterUserCredential?format=exec` on an Entra ID cluster. */
const aksExecKubeconfig = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: Q0EtREFUQQ==
    server: https://okd-build-abc.hcp.westeurope.azmk8s.io:443
  name: okd-build
contexts:
- context:
    cluster: okd-build
    user: clusterUser_okd-ci_okd-build
  name: okd-build
current-context: okd-build
users:
- name: clusterUser_okd-ci_okd-build
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - 11111111-2222-3333-4444-555555555555
      - --login
      - devicecode
      command: kubelogin
      env: null
      provideClusterInfo: false
`;

describe("azure kubeconfig", () => {
    it("replaces AKS's interactive device code login with the configured mode", () => {
        const doc = YAML.parse(withKubeloginMode(aksExecKubeconfig, "azurecli"));
        assert.deepEqual(doc.users[0].user.exec.args, [
            "get-token",
            "--environment",
            "AzurePublicCloud",
            "--server-id",
            "6dae42f8-4368-4678-94ff-3960e28e3630",
            "--tenant-id",
            "11111111-2222-3333-4444-555555555555",
            "--login",
            "azurecli",
        ]);
    });

    it("drops the device code client id, which would override AZURE_CLIENT_ID for workload identity", () => {
        const out = withKubeloginMode(aksExecKubeconfig, "workloadidentity");
        assert.equal(out.includes("80faf920-1908-4b52-b5ef-a8e7bedfc67a"), false);
        assert.match(out, /- workloadidentity/);
    });

    it("keeps the server and CA and embeds no token", () => {
        const doc = YAML.parse(withKubeloginMode(aksExecKubeconfig, "azurecli"));
        assert.equal(doc.clusters[0].cluster.server, "https://okd-build-abc.hcp.westeurope.azmk8s.io:443");
        assert.equal(doc.clusters[0].cluster["certificate-authority-data"], "Q0EtREFUQQ==");
        assert.equal(doc.users[0].user.token, undefined);
    });

    it("leaves a kubeconfig without a kubelogin user unchanged", () => {
        const plain = "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: abc\n";
        assert.equal(withKubeloginMode(plain, "azurecli"), plain);
    });
});

describe("azure names", () => {
    it("derives globally unique names from the subscription, stable across runs", () => {
        const a = globalSuffix("sub-a", "azure", "okd");
        assert.match(a, /^[0-9a-f]{8}$/);
        assert.equal(globalSuffix("sub-a", "azure", "okd"), a);
        assert.notEqual(globalSuffix("sub-b", "azure", "okd"), a);
    });

    it("fits storage account names into 24 lower-case letters and digits, or refuses", () => {
        assert.equal(compactName("okd-ci", "", "0123abcd", 24), "okdci0123abcd");
        assert.throws(() => compactName("abcdefghijklmnopq", "", "0123abcd", 24), /longer than 24 characters/);
    });

    it("tells a person at the Azure CLI from a service principal", () => {
        assert.equal(deployerPrincipalType("04b07795-8ddb-461a-bbee-02f9e1bf7b46"), "User");
        assert.equal(deployerPrincipalType("0f4e5c3a-0000-4000-8000-000000000000"), "ServicePrincipal");
    });
});
