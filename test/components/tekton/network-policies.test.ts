/**
 * The pipeline namespaces' NetworkPolicies (components/tekton/network-policies.ts), each rendered in full on every
 * platform: selectors, policy types, peers and ports by value; and how an in-cluster Service address is read.
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import type { Platform } from "../../../src/config/schema";
import { settled, under, useMocks } from "../../helpers";
import { type Json, fakeSite } from "./fixtures";

const T = { netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy" } as const;
const platforms = ["aws", "gcp", "azure", "local"] as const;

describe("Tekton layer in-cluster Service addresses", () => {
    it("reads the namespace and port of a Service address, with the scheme's port when none is given", async () => {
        const { inClusterService } = await import("../../../components/tekton/network-policies");
        const cases: [string, { namespace: string; port: number } | undefined][] = [
            ["registry.okd-site.svc.cluster.local:5000", { namespace: "okd-site", port: 5000 }],
            ["http://objects.okd-site.svc.cluster.local:8333", { namespace: "okd-site", port: 8333 }],
            ["http://objects.store.svc", { namespace: "store", port: 80 }],
            ["https://objects.store.svc/bucket/key", { namespace: "store", port: 443 }],
            ["ftp://objects.store.svc", { namespace: "store", port: 443 }],
            ["objects.store.svc", { namespace: "store", port: 443 }],
            ["objects.store.svc:9000/x", { namespace: "store", port: 9000 }],
            // A scheme that is not at the start is part of a path, not the address's.
            ["objects.store.svc/http://elsewhere", { namespace: "store", port: 443 }],
            // Not in-cluster: a public host, a name that only contains `.svc`, a Service name with capitals.
            ["quay.io/openshift/okd", undefined],
            ["123456789012.dkr.ecr.us-east-1.amazonaws.com", undefined],
            ["objects.store.svc.example.org", undefined],
            ["objects.store.svc.cluster.local.example.org:443", undefined],
            ["Registry.store.svc", undefined],
            ["registry.store.svc:port", undefined],
            ["registry.svc", undefined],
        ];
        for (const [address, expected] of cases) assert.deepEqual(inClusterService(address), expected, address);
    });

    it("names the link-local and metadata endpoints general egress holds out, and each platform's agent", async () => {
        const np = await import("../../../components/tekton/network-policies");
        assert.deepEqual(np.linkLocalRanges, ["169.254.0.0/16", "fd00:ec2::/32"]);
        assert.deepEqual(np.instanceMetadataEndpoints, ["169.254.169.254/32", "fd00:ec2::254/128"]);
        assert.equal(np.azureHostEndpoint, "168.63.129.16/32");
        assert.deepEqual(np.credentialEndpoints, {
            aws: [
                { cidr: "169.254.170.23/32", ports: [80] },
                { cidr: "fd00:ec2::23/128", ports: [80] },
            ],
            gcp: [{ cidr: "169.254.169.254/32", ports: [80] }],
            azure: [],
            local: [],
        });
    });
});

describe("Tekton layer network policies", () => {
    useMocks();

    before(async () => {
        const { createNetworkPolicies } = await import("../../../components/tekton/network-policies");
        for (const platform of platforms) {
            createNetworkPolicies(
                `tknp-${platform}`,
                pulumi.output("okd-builds"),
                fakeSite(`tknp-${platform}-site`, platform),
                {},
            );
        }
        await settled();
    });

    /** Each policy of a platform by name, as `okd-<role>` in the namespace given. */
    const policies = (platform: Platform): Record<string, Json> =>
        Object.fromEntries(
            under(`tknp-${platform}-netpol`, T.netpol).map((r) => {
                const i = r.inputs as Json;
                assert.equal(r.name, `tknp-${platform}-netpol-${i.metadata.name.replace(/^okd-/, "")}`);
                assert.deepEqual(i.metadata, { name: i.metadata.name, namespace: "okd-builds" });
                return [i.metadata.name, i.spec];
            }),
        );

    const everywhere = [
        { ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16", "168.63.129.16/32"] } },
        { ipBlock: { cidr: "::/0", except: ["fd00:ec2::/32"] } },
    ];
    const common = {
        "okd-default-deny": { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        "okd-allow-dns": {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [
                        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } },
                        { ipBlock: { cidr: "169.254.20.10/32" } },
                    ],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
            ],
        },
        "okd-allow-web": {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: everywhere,
                    ports: [
                        { protocol: "TCP", port: 443 },
                        { protocol: "TCP", port: 6443 },
                        { protocol: "TCP", port: 80 },
                    ],
                },
            ],
        },
    };
    const identityHolders = { matchExpressions: [{ key: "okd-ci/identity", operator: "Exists" }] };
    const noSiteServices = { podSelector: {}, policyTypes: ["Egress"], egress: [] };

    it("on aws: lets only identity holders reach the Pod Identity agent, on IPv4 and IPv6, port 80", () => {
        assert.deepEqual(policies("aws"), {
            ...common,
            "okd-allow-credentials": {
                podSelector: identityHolders,
                policyTypes: ["Egress"],
                egress: [
                    { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
                    { to: [{ ipBlock: { cidr: "fd00:ec2::23/128" } }], ports: [{ protocol: "TCP", port: 80 }] },
                ],
            },
            "okd-allow-site-services": noSiteServices,
        });
    });

    it("on gcp: lets only identity holders reach the GKE metadata server", () => {
        assert.deepEqual(policies("gcp"), {
            ...common,
            "okd-allow-credentials": {
                podSelector: identityHolders,
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: "169.254.169.254/32" } }], ports: [{ protocol: "TCP", port: 80 }] }],
            },
            "okd-allow-site-services": noSiteServices,
        });
    });

    it("on azure: has no credential agent policy (Entra ID is reached over HTTPS)", () => {
        assert.deepEqual(policies("azure"), { ...common, "okd-allow-site-services": noSiteServices });
    });

    it("on local: reaches the in-cluster registry and object store by namespace, on their ports only", () => {
        assert.deepEqual(policies("local"), {
            ...common,
            "okd-allow-site-services": {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "okd-site" } } }],
                        ports: [{ protocol: "TCP", port: 5000 }],
                    },
                    {
                        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "okd-site" } } }],
                        ports: [{ protocol: "TCP", port: 8333 }],
                    },
                ],
            },
        });
    });
});
