import * as assert from "node:assert/strict";

import { buildPodsNoInstanceMetadata, eksNodeMetadataRestricted, networkPolicyEnforced } from "../../policy/rules";
import { t } from "../../policy/types";
import { res, violations } from "./fixtures";

const cluster = res(t.aws.eksCluster, "okd-cluster", { name: "okd-builds" });
const cni = (config: object | undefined) =>
    res(
        t.aws.eksAddon,
        "okd-vpc-cni",
        {
            addonName: "vpc-cni",
            clusterName: "okd-builds",
            ...(config ? { configurationValues: JSON.stringify(config) } : {}),
        },
        { dependsOn: [cluster] },
    );

describe("policy network-policy-enforced", () => {
    const strict = { enableNetworkPolicy: "true", env: { NETWORK_POLICY_ENFORCING_MODE: "strict" } };
    const message =
        'EKS cluster okd-cluster has no vpc-cni add-on with enableNetworkPolicy "true" and NETWORK_POLICY_ENFORCING_MODE "strict": the VPC CNI would ignore every NetworkPolicy, or let each new pod run unrestricted until its policies apply';

    it("passes an EKS cluster whose vpc-cni add-on enforces network policy in strict mode", () => {
        assert.deepEqual(violations(networkPolicyEnforced, [cluster, cni(strict)]), []);
    });

    it("fails an EKS cluster whose vpc-cni add-on runs with the default configuration", () => {
        assert.deepEqual(violations(networkPolicyEnforced, [cluster, cni(undefined)]), [message]);
    });

    // docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html: standard mode starts a pod open.
    it("fails network policy in the default standard mode, where a new pod is briefly unrestricted", () => {
        assert.deepEqual(violations(networkPolicyEnforced, [cluster, cni({ enableNetworkPolicy: "true" })]), [message]);
        const standard = { ...strict, env: { NETWORK_POLICY_ENFORCING_MODE: "standard" } };
        assert.deepEqual(violations(networkPolicyEnforced, [cluster, cni(standard)]), [message]);
    });

    it("does not count another cluster's add-on", () => {
        const other = res(t.aws.eksAddon, "other", {
            addonName: "vpc-cni",
            clusterName: "other",
            configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
        });
        assert.equal(violations(networkPolicyEnforced, [cluster, other]).length, 1);
    });
});

// https://learn.microsoft.com/azure/aks/use-network-policies, azure-cni-powered-by-cilium
describe("policy network-policy-enforced on AKS", () => {
    const aks = (networkProfile: object) => res(t.azure.aksCluster, "okd-cluster", { networkProfile });

    it("passes Azure CNI Powered by Cilium with the cilium engine", () => {
        const cilium = {
            networkPlugin: "azure",
            networkPluginMode: "overlay",
            networkDataplane: "cilium",
            networkPolicy: "cilium",
        };
        assert.deepEqual(violations(networkPolicyEnforced, [aks(cilium)]), []);
        assert.deepEqual(
            violations(networkPolicyEnforced, [aks({ networkPlugin: "azure", networkPolicy: "calico" })]),
            [],
        );
    });

    it("fails a cluster without an engine, and engines that do not match the dataplane", () => {
        assert.deepEqual(
            [
                aks({ networkPlugin: "azure", networkDataplane: "cilium" }),
                aks({ networkPlugin: "azure", networkPolicy: "none" }),
                aks({ networkPlugin: "azure", networkPolicy: "cilium" }),
                aks({ networkPlugin: "azure", networkDataplane: "cilium", networkPolicy: "calico" }),
                aks({ networkPlugin: "kubenet", networkPolicy: "azure" }),
            ].map((c) => violations(networkPolicyEnforced, [c])),
            [
                [
                    "AKS cluster okd-cluster has no network policy engine (networkProfile.networkPolicy unset): every NetworkPolicy would be ignored",
                ],
                [
                    "AKS cluster okd-cluster has no network policy engine (networkProfile.networkPolicy none): every NetworkPolicy would be ignored",
                ],
                [
                    "AKS cluster okd-cluster uses the cilium network policy engine without the cilium dataplane (networkDataplane unset): every NetworkPolicy would be ignored",
                ],
                [
                    "AKS cluster okd-cluster uses the calico network policy engine with the cilium dataplane, which takes only cilium: every NetworkPolicy would be ignored",
                ],
                [
                    "AKS cluster okd-cluster uses Azure Network Policy Manager without the azure network plugin (networkPlugin kubenet): every NetworkPolicy would be ignored",
                ],
            ],
        );
    });
});

const netpol = (name: string, egress: object[], namespace = "okd-builds", podSelector: object = {}) =>
    res(t.k8s.networkPolicy, name, { metadata: { name, namespace }, spec: { podSelector, egress } });
/** What components/tekton/namespace.ts selects for the credential agents: pods that hold an identity. */
const identityPods = { matchExpressions: [{ key: "okd-ci/identity", operator: "Exists" }] };
const credentials = (egress: object[]) => netpol("okd-allow-credentials", egress, "okd-builds", identityPods);
const web = (except4: string[], except6: string[]) => ({
    to: [{ ipBlock: { cidr: "0.0.0.0/0", except: except4 } }, { ipBlock: { cidr: "::/0", except: except6 } }],
    ports: [{ protocol: "TCP", port: 80 }],
});

describe("policy build-pods-no-instance-metadata", () => {
    it("passes egress to anywhere but the link-local ranges and Azure's WireServer", () => {
        const p = netpol("okd-allow-web", [web(["169.254.0.0/16", "168.63.129.16/32"], ["fd00:ec2::/32"])]);
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [p]), []);
    });

    it("fails egress to anywhere that leaves the metadata service open, naming each address", () => {
        const p = netpol("okd-allow-web", [web([], ["fd00:ec2::/32"])]);
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [p]), [
            "NetworkPolicy okd-builds/okd-allow-web egress[0] lets pods that hold no identity reach the EKS Pod Identity agent (169.254.170.23); select okd-ci/identity pods only",
            "NetworkPolicy okd-builds/okd-allow-web egress[0] reaches the instance metadata service (169.254.169.254, 168.63.129.16); add it to the ipBlock's except",
        ]);
    });

    it("fails egress to anywhere over IPv6 that leaves EC2's IPv6 metadata endpoint open", () => {
        const p = netpol("okd-allow-web", [web(["169.254.0.0/16", "168.63.129.16/32"], [])]);
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [p]), [
            "NetworkPolicy okd-builds/okd-allow-web egress[0] lets pods that hold no identity reach the EKS Pod Identity agent (fd00:ec2::23); select okd-ci/identity pods only",
            "NetworkPolicy okd-builds/okd-allow-web egress[0] reaches the instance metadata service (fd00:ec2::254); add it to the ipBlock's except",
        ]);
    });

    it("fails egress that holds out the link-local ranges but not Azure's WireServer (not link-local)", () => {
        const p = netpol("okd-allow-web", [web(["169.254.0.0/16"], ["fd00:ec2::/32"])]);
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [p]), [
            "NetworkPolicy okd-builds/okd-allow-web egress[0] reaches the instance metadata service (168.63.129.16); add it to the ipBlock's except",
        ]);
    });

    it("fails general egress that excepts only the metadata service: pods without identity reach the Pod Identity agent", () => {
        const p = netpol("okd-allow-web", [web(["169.254.169.254/32", "168.63.129.16/32"], ["fd00:ec2::254/128"])]);
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [p]), [
            "NetworkPolicy okd-builds/okd-allow-web egress[0] lets pods that hold no identity reach the EKS Pod Identity agent (169.254.170.23, fd00:ec2::23); select okd-ci/identity pods only",
        ]);
    });

    it("lets identity pods, and only them, reach the EKS Pod Identity agent", () => {
        const agent = [{ to: [{ ipBlock: { cidr: "169.254.170.23/32" } }, { ipBlock: { cidr: "fd00:ec2::23/128" } }] }];
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [credentials(agent)]), []);
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [netpol("okd-allow-credentials", agent)]), [
            "NetworkPolicy okd-builds/okd-allow-credentials egress[0] lets pods that hold no identity reach the EKS Pod Identity agent (169.254.170.23, fd00:ec2::23); select okd-ci/identity pods only",
        ]);
    });

    it("fails a rule with no destinations (it reaches everything) and an explicit link-local range", () => {
        const p = netpol("x", [{ ports: [{ port: 80 }] }, { to: [{ ipBlock: { cidr: "169.254.0.0/16" } }] }]);
        // Each rule reaches both the metadata service and the Pod Identity agent.
        assert.equal(violations(buildPodsNoInstanceMetadata, [p]).length, 4);
    });

    it("allows the GKE metadata server's port on GKE only, and ignores other namespaces", () => {
        const gke = credentials([{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ port: 80 }] }]);
        const concealed = { nodeConfig: { workloadMetadataConfig: { mode: "GKE_METADATA" } } };
        const gkeCluster = res(t.gcp.gkeCluster, "gke", concealed);
        const gkePool = res(t.gcp.gkeNodePool, "gke-builds", concealed);
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [gke, gkeCluster, gkePool]), []);
        const everyPod = netpol("okd-allow-credentials", [
            { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ port: 80 }] },
        ]);
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [everyPod, gkeCluster, gkePool]), [
            "NetworkPolicy okd-builds/okd-allow-credentials egress[0] lets pods that hold no identity reach the GKE metadata server, which mints a token for any pod's ServiceAccount; select okd-ci/identity pods only",
        ]);
        assert.equal(violations(buildPodsNoInstanceMetadata, [gke]).length, 1, "the same rule on EKS");
        const elsewhere = netpol("other", [{}], "kube-system");
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [elsewhere]), []);
    });

    it("treats 169.254.169.254 as the VM's metadata server on GKE when a pool does not run the GKE metadata server", () => {
        const gke = credentials([{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ port: 80 }] }]);
        const gkeCluster = res(t.gcp.gkeCluster, "gke", {
            nodeConfig: { workloadMetadataConfig: { mode: "GKE_METADATA" } },
        });
        const exposed = res(t.gcp.gkeNodePool, "gke-builds", { nodeConfig: {} });
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [gke, gkeCluster, exposed]), [
            "NetworkPolicy okd-builds/okd-allow-credentials egress[0] reaches the instance metadata service (169.254.169.254); add it to the ipBlock's except",
        ]);
    });

    it("allows on GKE only port 80, where Dataplane V2 sees the metadata server", () => {
        const gke = credentials([
            { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ port: 80 }, { port: 988 }] },
        ]);
        const gkeCluster = res(t.gcp.gkeCluster, "gke", {
            nodeConfig: { workloadMetadataConfig: { mode: "GKE_METADATA" } },
        });
        assert.equal(violations(buildPodsNoInstanceMetadata, [gke, gkeCluster]).length, 1);
    });
});

describe("policy eks-node-metadata-restricted", () => {
    const lt = (options: object) => res(t.aws.launchTemplate, "okd-build", { metadataOptions: options });
    const group = (...deps: ReturnType<typeof lt>[]) =>
        res(t.aws.eksNodeGroup, "okd-build", { clusterName: "okd-builds" }, { dependsOn: deps });

    it("passes a node group whose launch template requires IMDSv2 with hop limit 1", () => {
        const template = lt({ httpTokens: "required", httpPutResponseHopLimit: 1 });
        assert.deepEqual(violations(eksNodeMetadataRestricted, [template, group(template)]), []);
    });

    it("fails a node group without a launch template and one whose template allows two hops", () => {
        const loose = lt({ httpTokens: "required", httpPutResponseHopLimit: 2 });
        assert.deepEqual(violations(eksNodeMetadataRestricted, [group()]), [
            "EKS node group okd-build has no launch template of the stack: its nodes get EKS's default metadata options",
        ]);
        assert.deepEqual(violations(eksNodeMetadataRestricted, [loose, group(loose)]), [
            'EKS node group okd-build launches from okd-build with httpTokens required and hop limit 2; expected "required" and 1',
        ]);
    });
});
