/**
 * policy/rules/isolation.ts: the cases test/policy/isolation.test.ts and gke.test.ts leave open. Which add-on makes
 * EKS enforce NetworkPolicy, the AKS engine/dataplane/plugin combinations one at a time, GKE's network policy
 * add-on, peers without an ipBlock, what makes an egress rule the GKE metadata server's, which pod selectors select
 * identity pods only, the release namespace, and values only known after apply. Messages compared in full.
 */
import * as assert from "node:assert/strict";

import {
    buildPodsNoInstanceMetadata,
    eksNodeMetadataRestricted,
    gkeNodeIdentity,
    gkePrivateNodes,
    networkPolicyEnforced,
} from "../../policy/rules";
import { t } from "../../policy/types";
import { UNKNOWN, res, run, violations } from "./fixtures";

const eksGap = (name: string) =>
    `EKS cluster ${name} has no vpc-cni add-on with enableNetworkPolicy "true" and NETWORK_POLICY_ENFORCING_MODE "strict": the VPC CNI would ignore every NetworkPolicy, or let each new pod run unrestricted until its policies apply`;

describe("policy network-policy-enforced: edges", () => {
    describe("EKS", () => {
        const cluster = res(t.aws.eksCluster, "okd-cluster", { name: "okd-builds" });
        const addon = (addonName: string, configurationValues: unknown, dependsOn = [cluster]) =>
            res(
                t.aws.eksAddon,
                `okd-${addonName}`,
                { addonName, clusterName: "okd-builds", configurationValues },
                {
                    dependsOn,
                },
            );
        const enabling = JSON.stringify({
            enableNetworkPolicy: "true",
            env: { NETWORK_POLICY_ENFORCING_MODE: "strict" },
        });

        it("needs one vpc-cni add-on that enables it, whatever the other add-ons", () => {
            assert.deepEqual(
                violations(networkPolicyEnforced, [cluster, addon("coredns", "{}"), addon("vpc-cni", enabling)]),
                [],
            );
        });

        it("does not take another add-on's enableNetworkPolicy for the VPC CNI's", () => {
            assert.deepEqual(violations(networkPolicyEnforced, [cluster, addon("aws-ebs-csi-driver", enabling)]), [
                eksGap("okd-cluster"),
            ]);
        });

        it("finds the add-on by its clusterName when there is no dependency", () => {
            assert.deepEqual(violations(networkPolicyEnforced, [cluster, addon("vpc-cni", enabling, [])]), []);
        });

        it('fails a configuration that is not JSON, only known after apply, sets enableNetworkPolicy "false" or is not strict', () => {
            for (const config of [
                "enableNetworkPolicy: true",
                UNKNOWN,
                JSON.stringify({ enableNetworkPolicy: "false" }),
                // Enabled, but in the default standard mode: a new pod runs unrestricted until its policies apply.
                JSON.stringify({ enableNetworkPolicy: "true" }),
                JSON.stringify({ enableNetworkPolicy: "true", env: { NETWORK_POLICY_ENFORCING_MODE: "standard" } }),
            ]) {
                assert.deepEqual(
                    violations(networkPolicyEnforced, [cluster, addon("vpc-cni", config)]),
                    [eksGap("okd-cluster")],
                    String(config),
                );
            }
        });
    });

    describe("AKS", () => {
        const aks = (networkProfile: object) => res(t.azure.aksCluster, "okd-cluster", { networkProfile });
        const gap = (why: string) => [`AKS cluster okd-cluster ${why}: every NetworkPolicy would be ignored`];

        it("fails Azure NPM with the cilium dataplane", () => {
            assert.deepEqual(
                violations(networkPolicyEnforced, [
                    aks({ networkPlugin: "azure", networkDataplane: "cilium", networkPolicy: "azure" }),
                ]),
                gap("uses the azure network policy engine with the cilium dataplane, which takes only cilium"),
            );
        });

        it("passes Azure NPM with the azure plugin and Calico with kubenet; fails Azure NPM without a plugin", () => {
            assert.deepEqual(
                violations(networkPolicyEnforced, [aks({ networkPlugin: "azure", networkPolicy: "azure" })]),
                [],
            );
            assert.deepEqual(
                violations(networkPolicyEnforced, [aks({ networkPlugin: "kubenet", networkPolicy: "calico" })]),
                [],
            );
            assert.deepEqual(
                violations(networkPolicyEnforced, [aks({ networkPolicy: "azure" })]),
                gap("uses Azure Network Policy Manager without the azure network plugin (networkPlugin unset)"),
            );
        });
    });

    describe("GKE", () => {
        const gke = (props: Record<string, unknown>) => res(t.gcp.gkeCluster, "okd-gke", props);
        const gap = [
            "GKE cluster okd-gke runs neither Dataplane V2 (datapathProvider ADVANCED_DATAPATH) nor the network policy add-on: GKE would ignore every NetworkPolicy",
        ];

        it("needs both networkPolicy.enabled and the add-on for Calico", () => {
            const addonOn = { networkPolicyConfig: { disabled: false } };
            assert.deepEqual(
                violations(networkPolicyEnforced, [gke({ networkPolicy: { enabled: true }, addonsConfig: addonOn })]),
                [],
            );
            assert.deepEqual(
                violations(networkPolicyEnforced, [gke({ networkPolicy: { enabled: false }, addonsConfig: addonOn })]),
                gap,
            );
            assert.deepEqual(violations(networkPolicyEnforced, [gke({ networkPolicy: { enabled: true } })]), gap);
        });
    });
});

const netpol = (name: string, egress: object[], namespace = "okd-builds", podSelector: object = {}) =>
    res(t.k8s.networkPolicy, name, { metadata: { name, namespace }, spec: { podSelector, egress } });
const identityPods = { matchExpressions: [{ key: "okd-ci/identity", operator: "Exists" }] };
const concealed = { nodeConfig: { workloadMetadataConfig: { mode: "GKE_METADATA" } } };
const gkeCluster = res(t.gcp.gkeCluster, "gke", concealed);
const metadataReach = (name: string, i: number, addresses: string) =>
    `NetworkPolicy okd-builds/${name} egress[${i}] reaches the instance metadata service (${addresses}); add it to the ipBlock's except`;
const agentReach = (name: string, i: number, addresses: string) =>
    `NetworkPolicy okd-builds/${name} egress[${i}] lets pods that hold no identity reach the EKS Pod Identity agent (${addresses}); select okd-ci/identity pods only`;

describe("policy build-pods-no-instance-metadata: edges", () => {
    it("passes egress to pods or namespaces (no ipBlock) and to a CIDR it cannot read", () => {
        const p = netpol("okd-allow-dns", [
            { to: [{ namespaceSelector: {} }, { podSelector: { matchLabels: { app: "dns" } } }] },
            { to: [{ ipBlock: { cidr: "not-a-cidr" } }] },
        ]);
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [p]), []);
    });

    describe("on GKE, the metadata server rule is 169.254.169.254/32 alone, port 80 alone", () => {
        const cases: [string, object][] = [
            ["no destination", { ports: [{ port: 80 }] }],
            [
                "another peer besides it",
                {
                    to: [{ ipBlock: { cidr: "169.254.169.254/32" } }, { ipBlock: { cidr: "10.0.0.0/8" } }],
                    ports: [{ port: 80 }],
                },
            ],
            ["a wider block", { to: [{ ipBlock: { cidr: "169.254.0.0/16" } }], ports: [{ port: 80 }] }],
            [
                "an except list",
                { to: [{ ipBlock: { cidr: "169.254.169.254/32", except: ["10.0.0.0/8"] } }], ports: [{ port: 80 }] },
            ],
            ["no port", { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }] }],
        ];
        for (const [what, rule] of cases) {
            it(`takes a rule with ${what} for one that reaches the VM's metadata service`, () => {
                const p = netpol("okd-allow-credentials", [rule], "okd-builds", identityPods);
                const found = violations(buildPodsNoInstanceMetadata, [p, gkeCluster]);
                assert.ok(
                    found.some((v) =>
                        v.startsWith(
                            "NetworkPolicy okd-builds/okd-allow-credentials egress[0] reaches the instance metadata service (169.254.169.254",
                        ),
                    ),
                    found.join("\n"),
                );
            });
        }
    });

    it("takes In and Exists on okd-ci/identity for identity pods, and neither DoesNotExist nor another key", () => {
        const agent = [{ to: [{ ipBlock: { cidr: "169.254.170.23/32" } }] }];
        const selecting = (expression: object) =>
            netpol("okd-allow-credentials", agent, "okd-builds", { matchExpressions: [expression] });
        assert.deepEqual(
            violations(buildPodsNoInstanceMetadata, [
                selecting({ key: "okd-ci/identity", operator: "In", values: ["records"] }),
            ]),
            [],
        );
        assert.deepEqual(
            violations(buildPodsNoInstanceMetadata, [
                netpol("okd-allow-credentials", agent, "okd-builds", { matchLabels: { "okd-ci/identity": "records" } }),
            ]),
            [],
        );
        for (const expression of [
            { key: "okd-ci/identity", operator: "DoesNotExist" },
            { key: "okd-ci/identity", operator: "NotIn", values: ["x"] },
            { key: "app", operator: "Exists" },
        ]) {
            assert.deepEqual(
                violations(buildPodsNoInstanceMetadata, [selecting(expression)]),
                [agentReach("okd-allow-credentials", 0, "169.254.170.23")],
                JSON.stringify(expression),
            );
        }
    });

    it("checks the release namespace too, and names a policy by its metadata name", () => {
        const p = res(t.k8s.networkPolicy, "pulumi-name", {
            metadata: { name: "okd-allow-web", namespace: "okd-release" },
            spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "168.63.129.0/24" } }] }] },
        });
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [p]), [
            "NetworkPolicy okd-release/okd-allow-web egress[0] reaches the instance metadata service (168.63.129.16); add it to the ipBlock's except",
        ]);
        const unnamed = res(t.k8s.networkPolicy, "pulumi-name", {
            metadata: { namespace: "okd-builds" },
            spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: "168.63.129.16/32" } }] }] },
        });
        assert.deepEqual(violations(buildPodsNoInstanceMetadata, [unnamed]), [
            metadataReach("pulumi-name", 0, "168.63.129.16"),
        ]);
    });

    it("lists a policy whose namespace or spec is only known after apply as not evaluated", () => {
        const r = run(buildPodsNoInstanceMetadata, [
            res(t.k8s.networkPolicy, "ns-later", { metadata: { name: "a", namespace: UNKNOWN }, spec: {} }),
            res(t.k8s.networkPolicy, "spec-later", { metadata: { name: "b", namespace: "okd-builds" }, spec: UNKNOWN }),
        ]);
        assert.deepEqual(r.violations, []);
        assert.deepEqual(
            r.notEvaluated.map((v) => v.message),
            [
                "NetworkPolicy ns-later's namespace is only known after apply",
                "NetworkPolicy spec-later's spec is only known after apply",
            ],
        );
    });
});

describe("policy eks-node-metadata-restricted: edges", () => {
    const good = res(t.aws.launchTemplate, "okd-build", {
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
    });

    it("takes only the launch template the node group depends on", () => {
        const group = res(t.aws.eksNodeGroup, "okd-system", { clusterName: "okd-builds" });
        assert.deepEqual(violations(eksNodeMetadataRestricted, [good, group]), [
            "EKS node group okd-system has no launch template of the stack: its nodes get EKS's default metadata options",
        ]);
    });

    it("fails IMDSv1 (httpTokens optional) even with one hop", () => {
        const loose = res(t.aws.launchTemplate, "okd-loose", {
            metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 },
        });
        const group = res(t.aws.eksNodeGroup, "okd-build", { clusterName: "okd-builds" }, { dependsOn: [loose] });
        assert.deepEqual(violations(eksNodeMetadataRestricted, [loose, group]), [
            'EKS node group okd-build launches from okd-loose with httpTokens optional and hop limit 1; expected "required" and 1',
        ]);
    });
});

describe("policy gke-node-identity and gke-private-nodes: edges", () => {
    it("lists a node config only known after apply as not evaluated", () => {
        const r = run(gkeNodeIdentity, [res(t.gcp.gkeNodePool, "okd-builds", { nodeConfig: UNKNOWN })]);
        assert.deepEqual(r.violations, []);
        assert.deepEqual(
            r.notEvaluated.map((v) => v.message),
            ["GKE node pool okd-builds's node config is only known after apply"],
        );
    });

    it("names the network a cluster runs in when the stack did not create it", () => {
        const cluster = res(t.gcp.gkeCluster, "okd-gke", {
            network: "projects/p/global/networks/shared",
            privateClusterConfig: { enablePrivateNodes: true },
        });
        assert.deepEqual(violations(gkePrivateNodes, [cluster]), [
            "GKE cluster okd-gke runs in network projects/p/global/networks/shared, not one the stack creates",
        ]);
    });
});
