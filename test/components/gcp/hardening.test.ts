/**
 * The GCP site as a hardened project meets it: its own network and private nodes, its own node account on every pool
 * (the default pool included), the APIs its IAM calls need, NetworkPolicy enforced, the control plane limited to the
 * configured CIDRs, and a webhook at an address that does not change, with TLS when a host name is set.
 */
import * as assert from "node:assert/strict";

import type { GcpSite } from "../../../components/gcp";
import { armorRules } from "../../../components/gcp/webhook";
import { find, settled, under, useMocks, valueOf } from "../../helpers";

// Recorded inputs are untyped JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const inputs = (type: string, name: string): any => find(type, name).inputs;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (r: { inputs: unknown }): any => r.inputs;

const T = {
    service: "gcp:projects/service:Service",
    network: "gcp:compute/network:Network",
    subnet: "gcp:compute/subnetwork:Subnetwork",
    router: "gcp:compute/router:Router",
    nat: "gcp:compute/routerNat:RouterNat",
    cluster: "gcp:container/cluster:Cluster",
    pool: "gcp:container/nodePool:NodePool",
    projectIam: "gcp:projects/iAMMember:IAMMember",
    address: "gcp:compute/address:Address",
    globalAddress: "gcp:compute/globalAddress:GlobalAddress",
    cert: "gcp:compute/managedSslCertificate:ManagedSslCertificate",
    sslPolicy: "gcp:compute/sSLPolicy:SSLPolicy",
    namedPort: "gcp:compute/instanceGroupNamedPort:InstanceGroupNamedPort",
    firewall: "gcp:compute/firewall:Firewall",
    healthCheck: "gcp:compute/healthCheck:HealthCheck",
    armor: "gcp:compute/securityPolicy:SecurityPolicy",
    backend: "gcp:compute/backendService:BackendService",
    urlMap: "gcp:compute/uRLMap:URLMap",
    proxy: "gcp:compute/targetHttpsProxy:TargetHttpsProxy",
    rule: "gcp:compute/globalForwardingRule:GlobalForwardingRule",
    record: "gcp:dns/recordSet:RecordSet",
    zone: "gcp:dns/managedZone:ManagedZone",
} as const;

const base = {
    tags: {},
    protect: true,
    region: "europe-west4",
    kubernetesVersion: "1.35",
    systemPool: { instanceType: "e2-standard-2", nodes: 2 },
    buildPool: { instanceTypes: ["n2-standard-8"], spot: true, minNodes: 0, maxNodes: 12, diskGb: 200 },
    retention: { nightlyDays: 14, untaggedDays: 1, logDays: 90 },
    gates: {},
    gateSecrets: {},
    project: "okd-ci-hard",
};
const nodeAccount = "okh-gke-nodes@okd-ci-hard.iam.gserviceaccount.com";

describe("gcp site hardening", () => {
    useMocks();

    let site: GcpSite;
    let tls: GcpSite;
    before(async () => {
        const { GcpSite } = await import("../../../components/gcp");
        // A gate in the site's project, keyless, whose zone the stack creates.
        const gate = { blocking: false, baseDomain: "gcp.hard.example.org", region: "europe-west4" };
        site = new GcpSite("gcph", {
            ...base,
            namePrefix: "okh",
            gates: { gcp: gate },
            controlPlaneCidrs: ["203.0.113.0/24", "198.51.100.0/24"],
            webhook: { sourceRanges: ["192.30.252.0/22"] },
        });
        tls = new GcpSite("gcps", {
            ...base,
            namePrefix: "oks",
            protect: false,
            gates: { gcp: gate },
            profile: "small",
            systemPool: { instanceType: "e2-standard-2", nodes: 1 },
            webhook: {
                hostname: "hooks.okd.example.org",
                dnsZone: "okd-example-org",
                sourceRanges: Array.from({ length: 12 }, (_, i) => `192.0.2.${i * 16}/28`),
            },
        });
        await settled();
    });

    describe("network", () => {
        it("creates its own custom-mode network and a subnet with secondary ranges for pods and Services", () => {
            const n = inputs(T.network, "gcph-network");
            assert.equal(n.autoCreateSubnetworks, false);
            assert.equal(n.name, "okh-build");
            const s = inputs(T.subnet, "gcph-nodes");
            assert.equal(s.region, "europe-west4");
            assert.equal(s.ipCidrRange, "10.0.0.0/22");
            assert.deepEqual(s.secondaryIpRanges, [
                { rangeName: "pods", ipCidrRange: "10.64.0.0/16" },
                { rangeName: "services", ipCidrRange: "10.68.0.0/20" },
            ]);
            assert.equal(s.privateIpGoogleAccess, true, "Google APIs without NAT");
            assert.ok(find(T.subnet, "gcph-nodes").dependencies.includes(find(T.network, "gcph-network").urn));
        });

        it("runs the cluster in that network, VPC-native on its secondary ranges, never in the default network", () => {
            const c = find(T.cluster, "gcph-cluster");
            assert.ok(c.dependencies.includes(find(T.network, "gcph-network").urn));
            assert.ok(c.dependencies.includes(find(T.subnet, "gcph-nodes").urn));
            assert.equal(json(c).networkingMode, "VPC_NATIVE");
            assert.deepEqual(json(c).ipAllocationPolicy, {
                clusterSecondaryRangeName: "pods",
                servicesSecondaryRangeName: "services",
                stackType: "IPV4",
            });
        });

        it("gives the nodes no external address and Cloud NAT on every range of their subnet", () => {
            const c = inputs(T.cluster, "gcph-cluster");
            assert.deepEqual(c.privateClusterConfig, { enablePrivateNodes: true, enablePrivateEndpoint: false });
            const nat = find(T.nat, "gcph-nat");
            assert.ok(nat.dependencies.includes(find(T.router, "gcph-router").urn));
            assert.ok(nat.dependencies.includes(find(T.subnet, "gcph-nodes").urn));
            assert.equal(json(nat).natIpAllocateOption, "AUTO_ONLY");
            assert.equal(json(nat).sourceSubnetworkIpRangesToNat, "LIST_OF_SUBNETWORKS");
            assert.deepEqual(json(nat).subnetworks[0].sourceIpRangesToNats, ["ALL_IP_RANGES"]);
            assert.deepEqual(json(nat).logConfig, { enable: true, filter: "ERRORS_ONLY" });
            assert.ok(
                find(T.router, "gcph-router").dependencies.includes(find(T.network, "gcph-network").urn),
                "the router is in the site's network",
            );
        });
    });

    describe("node identity", () => {
        it("runs the default pool GKE creates, and deletes, as the site's node account with the GKE metadata server", () => {
            const c = find(T.cluster, "gcph-cluster");
            assert.equal(json(c).removeDefaultNodePool, true);
            assert.equal(json(c).nodeConfig.serviceAccount, nodeAccount);
            assert.deepEqual(json(c).nodeConfig.oauthScopes, ["https://www.googleapis.com/auth/cloud-platform"]);
            assert.equal(json(c).nodeConfig.workloadMetadataConfig.mode, "GKE_METADATA");
            assert.deepEqual(c.ignoreChanges, ["nodeConfig"], "a later difference there would replace the cluster");
        });

        it("creates the cluster only once the node account holds its role, so the default pool's node can report", () => {
            const grant = under("gcph-nodes-default", T.projectIam);
            assert.equal(grant.length, 1);
            assert.equal(grant[0].inputs.role, "roles/container.defaultNodeServiceAccount");
            assert.ok(find(T.cluster, "gcph-cluster").dependencies.includes(grant[0].urn));
        });

        it("sets project IAM bindings only once the Cloud Resource Manager API is on", () => {
            const crm = under("gcph-api", T.service).find(
                (s) => s.inputs.service === "cloudresourcemanager.googleapis.com",
            );
            assert.ok(crm, "the site enables cloudresourcemanager.googleapis.com");
            for (const b of under("gcph", T.projectIam)) {
                assert.ok(b.dependencies.includes(crm.urn), `${b.name} waits for the API`);
            }
        });
    });

    describe("cluster", () => {
        it("enforces NetworkPolicy with GKE Dataplane V2", () => {
            assert.equal(inputs(T.cluster, "gcph-cluster").datapathProvider, "ADVANCED_DATAPATH");
        });

        it("admits only controlPlaneCidrs to the public endpoint, and no other Google Cloud address", () => {
            assert.deepEqual(inputs(T.cluster, "gcph-cluster").masterAuthorizedNetworksConfig, {
                cidrBlocks: [
                    { cidrBlock: "203.0.113.0/24", displayName: "okd-ci-0" },
                    { cidrBlock: "198.51.100.0/24", displayName: "okd-ci-1" },
                ],
                gcpPublicCidrsAccessEnabled: false,
            });
        });

        it("leaves the endpoint open to any address when controlPlaneCidrs is empty", () => {
            assert.equal(inputs(T.cluster, "gcps-cluster").masterAuthorizedNetworksConfig, undefined);
        });
    });

    describe("small profile", () => {
        it("gives the system nodes smaller disks, and the standard profile 50 GB", () => {
            assert.equal(inputs(T.pool, "gcps-system").nodeConfig.diskSizeGb, 30);
            assert.equal(inputs(T.pool, "gcps-system").nodeCount, 1);
            assert.equal(inputs(T.pool, "gcph-system").nodeConfig.diskSizeGb, 50);
        });
    });

    describe("webhook without a host name", () => {
        it("reserves a regional address and names it in the LoadBalancer Service's annotations", async () => {
            const a = inputs(T.address, "gcph-webhook");
            assert.equal(a.name, "okh-webhook");
            assert.equal(a.region, "europe-west4");
            assert.equal(a.addressType, "EXTERNAL");
            assert.equal(site.webhook.serviceType, "LoadBalancer");
            assert.deepEqual(site.webhook.serviceAnnotations, {
                "cloud.google.com/l4-rbs": "enabled",
                "networking.gke.io/load-balancer-ip-addresses": "okh-webhook",
            });
            // The address is Google's to choose: known after `pulumi up`, as the webhookUrl output.
            assert.match(await valueOf(site.webhook.url), /^http:\/\/[^/]*\/$/);
            assert.match(await valueOf(site.webhook.dns), /nothing to do/);
        });

        it("creates no load balancer of its own: GKE's service controller makes it from the Service", () => {
            assert.equal(under("gcph", T.rule).length, 0);
            assert.equal(under("gcph", T.globalAddress).length, 0);
        });
    });

    describe("webhook with a host name", () => {
        it("hands the in-cluster layer a NodePort Service on the fixed port", () => {
            assert.equal(tls.webhook.serviceType, "NodePort");
            assert.equal(tls.webhook.nodePort, 30808);
            assert.equal(under("gcps", T.address).length, 0, "no regional address");
        });

        it("terminates TLS 1.2+ with a Google-managed certificate for the host name on a reserved global address", () => {
            assert.deepEqual(inputs(T.cert, "gcps-webhook").managed, { domains: ["hooks.okd.example.org"] });
            const policy = inputs(T.sslPolicy, "gcps-webhook");
            assert.equal(policy.minTlsVersion, "TLS_1_2");
            assert.equal(policy.profile, "MODERN");
            const proxy = find(T.proxy, "gcps-webhook");
            assert.ok(proxy.dependencies.includes(find(T.cert, "gcps-webhook").urn));
            assert.ok(proxy.dependencies.includes(find(T.sslPolicy, "gcps-webhook").urn));
            const rule = find(T.rule, "gcps-webhook");
            assert.equal(json(rule).portRange, "443");
            assert.equal(json(rule).loadBalancingScheme, "EXTERNAL_MANAGED");
            assert.ok(rule.dependencies.includes(find(T.globalAddress, "gcps-webhook").urn));
            assert.ok(rule.dependencies.includes(proxy.urn));
        });

        it("forwards to the node port of the system nodes only, through their instance group", () => {
            const port = inputs(T.namedPort, "gcps-webhook");
            assert.equal(port.port, 30808);
            assert.equal(port.zone, "europe-west4-b");
            const backend = find(T.backend, "gcps-webhook");
            assert.equal(json(backend).portName, port.name);
            assert.equal(json(backend).loadBalancingScheme, "EXTERNAL_MANAGED");
            assert.ok(backend.dependencies.includes(find(T.pool, "gcps-system").urn), "the system pool's group");
            assert.equal(inputs(T.healthCheck, "gcps-webhook").tcpHealthCheck.port, 30808);
            const fw = inputs(T.firewall, "gcps-webhook");
            assert.deepEqual(fw.sourceRanges, ["35.191.0.0/16", "130.211.0.0/22"]);
            assert.deepEqual(fw.allows, [{ protocol: "tcp", ports: ["30808"] }]);
            assert.deepEqual(fw.targetTags, inputs(T.pool, "gcps-system").nodeConfig.tags);
            assert.deepEqual(fw.targetTags, ["oks-system"]);
        });

        it("admits only webhookSourceRanges, through Cloud Armor, ten ranges a rule, and refuses the rest", () => {
            const armor = find(T.armor, "gcps-webhook");
            assert.ok(find(T.backend, "gcps-webhook").dependencies.includes(armor.urn));
            const rules = json(armor).rules as {
                action: string;
                priority: number;
                match: { config: { srcIpRanges: string[] } };
            }[];
            assert.deepEqual(
                rules.map((r) => [r.action, r.match.config.srcIpRanges.length]),
                [
                    ["allow", 10],
                    ["allow", 2],
                    ["deny(403)", 1],
                ],
            );
            assert.deepEqual(rules[2].match.config.srcIpRanges, ["*"]);
            assert.equal(rules[2].priority, 2147483647);
            assert.equal(under("gcph", T.armor).length, 0, "no Cloud Armor without a host name");
            assert.equal(armorRules([]).length, 1);
        });

        it("writes the host name's A record in the given zone and says so in the outputs", async () => {
            const r = inputs(T.record, "gcps-webhook");
            assert.equal(r.managedZone, "okd-example-org");
            assert.equal(r.name, "hooks.okd.example.org.");
            assert.equal(r.type, "A");
            assert.equal(await valueOf(tls.webhook.url), "https://hooks.okd.example.org/");
            assert.match(await valueOf(tls.webhook.dns), /A record .* in Cloud DNS zone okd-example-org/);
        });
    });

    describe("e2e gate zone", () => {
        it("protects the public zone of the base domain, whose name servers the parent domain delegates to", () => {
            assert.equal(find(T.zone, "gcph-e2e-gcp-zone").protect, true);
            assert.equal(find(T.zone, "gcps-e2e-gcp-zone").protect, false, "unless the stack turns protection off");
        });
    });
});
