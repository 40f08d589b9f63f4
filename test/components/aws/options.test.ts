/**
 * The aws site with every optional key the stack can set: a webhook host name in a Route 53 zone (TLS), webhook
 * source ranges, control-plane CIDRs, admin principals, and the small profile.
 */
import * as assert from "node:assert/strict";

import type * as pulumi from "@pulumi/pulumi";

import type { AwsSite } from "../../../components/aws";
import { find, recorder, settled, under, useMocks, valueOf } from "../../helpers";
import { type Json, inputs, siteArgs } from "./fixtures";

const github = ["192.30.252.0/22", "185.199.108.0/22", "2606:50c0::/32"];

describe("aws site options", () => {
    useMocks();

    let site: AwsSite;
    before(async () => {
        const { AwsSite } = await import("../../../components/aws");
        site = new AwsSite(
            "awso",
            siteArgs({
                namePrefix: "okdo",
                profile: "small",
                systemPool: { instanceType: "t3.medium", nodes: 1 },
                controlPlaneCidrs: ["203.0.113.0/24"],
                webhook: { hostname: "hooks.okd.example.org", dnsZone: "Z0123456789EXAMPLE", sourceRanges: github },
            }),
        );
        await settled();
    });

    describe("webhook with a host name", () => {
        it("issues an ACM certificate for the host name, validated by a record in the given zone", () => {
            const cert = inputs("aws:acm/certificate:Certificate", "awso-webhook");
            assert.deepEqual([cert.domainName, cert.validationMethod], ["hooks.okd.example.org", "DNS"]);
            const record = inputs("aws:route53/record:Record", "awso-webhook-validation");
            assert.equal(record.zoneId, "Z0123456789EXAMPLE");
            const validation = find("aws:acm/certificateValidation:CertificateValidation", "awso-webhook");
            assert.ok(
                validation.dependencies.includes(find("aws:route53/record:Record", "awso-webhook-validation").urn),
            );
        });

        it("terminates TLS 1.2/1.3 on 443 with the validated certificate", () => {
            const listener = find("aws:lb/listener:Listener", "awso-webhook");
            assert.deepEqual([listener.inputs.protocol, listener.inputs.port], ["TLS", 443]);
            assert.equal(listener.inputs.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
            const validation = find("aws:acm/certificateValidation:CertificateValidation", "awso-webhook");
            assert.ok(listener.dependencies.includes(validation.urn), "the listener waits for an issued certificate");
        });

        it("points the host name at the NLB with an alias record, and says so in the outputs", async () => {
            const alias = inputs("aws:route53/record:Record", "awso-webhook");
            assert.deepEqual(
                [alias.zoneId, alias.name, alias.type],
                ["Z0123456789EXAMPLE", "hooks.okd.example.org", "A"],
            );
            assert.equal(alias.aliases.length, 1);
            assert.equal(await valueOf(site.webhook.url as pulumi.Output<string>), "https://hooks.okd.example.org/");
            assert.match(
                await valueOf(site.webhook.dns as pulumi.Output<string>),
                /alias record in Route 53 zone Z0123456789EXAMPLE/,
            );
        });

        it("admits only the configured source ranges, IPv4 and IPv6, on 443", () => {
            const rules = recorder()
                .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                .filter((r) => r.name.startsWith("awso-webhook-from-"))
                .map((r) => r.inputs as Json);
            assert.deepEqual(
                rules.map((r) => [r.cidrIpv4 ?? r.cidrIpv6, r.fromPort, r.toPort]),
                github.map((c) => [c, 443, 443]),
            );
        });
    });

    it("restricts the public Kubernetes endpoint to controlPlaneCidrs", () => {
        assert.deepEqual(inputs("aws:eks/cluster:Cluster", "awso-cluster").vpcConfig.publicAccessCidrs, [
            "203.0.113.0/24",
        ]);
    });

    describe("small profile", () => {
        it("creates no NAT gateway or Elastic IP, and nothing routes the private subnets to the internet", () => {
            assert.equal(under("awso", "aws:ec2/natGateway:NatGateway").length, 0);
            assert.equal(under("awso", "aws:ec2/eip:Eip").length, 0);
            assert.deepEqual(inputs("aws:ec2/routeTable:RouteTable", "awso-private").routes, []);
        });

        it("runs the nodes in the public subnets, which give them public addresses", () => {
            for (const group of ["awso-system", "awso-build"]) {
                const subnets = find("aws:eks/nodeGroup:NodeGroup", group).dependencies;
                assert.ok(subnets.includes(find("aws:ec2/subnet:Subnet", "awso-public-0").urn), group);
                assert.ok(!subnets.includes(find("aws:ec2/subnet:Subnet", "awso-private-0").urn), group);
            }
            assert.equal(inputs("aws:ec2/subnet:Subnet", "awso-public-0").mapPublicIpOnLaunch, true);
        });

        it("runs one burstable system node on a 20 GiB disk that never buys CPU credits", () => {
            const g = inputs("aws:eks/nodeGroup:NodeGroup", "awso-system");
            assert.deepEqual(g.instanceTypes, ["t3.medium"]);
            assert.deepEqual(g.scalingConfig, { minSize: 1, desiredSize: 1, maxSize: 1 });
            const lt = inputs("aws:ec2/launchTemplate:LaunchTemplate", "awso-system");
            assert.equal(lt.blockDeviceMappings[0].ebs.volumeSize, 20);
            assert.deepEqual(lt.creditSpecification, { cpuCredits: "standard" });
            assert.equal(inputs("aws:ec2/launchTemplate:LaunchTemplate", "awso-build").creditSpecification, undefined);
        });

        it("puts the webhook NLB in one zone (one public address) with cross-zone load balancing", () => {
            const nlb = inputs("aws:lb/loadBalancer:LoadBalancer", "awso-webhook");
            assert.equal(nlb.subnets.length, 1);
            assert.equal(nlb.enableCrossZoneLoadBalancing, true);
        });

        it("keeps only the audit log, for 7 days", () => {
            assert.deepEqual(inputs("aws:eks/cluster:Cluster", "awso-cluster").enabledClusterLogTypes, ["audit"]);
            assert.equal(inputs("aws:cloudwatch/logGroup:LogGroup", "awso-control-plane").retentionInDays, 7);
        });
    });

    it("refuses a host name without the zone that holds it", async () => {
        const { AwsSite } = await import("../../../components/aws");
        assert.throws(
            () => new AwsSite("awsx", siteArgs({ namePrefix: "okdx", webhook: { hostname: "hooks.example.org" } })),
            /webhook hooks\.example\.org: a host name needs the Route 53 zone that holds it \(webhookDnsZone\)/,
        );
    });
});

describe("aws Kubernetes support dates", () => {
    useMocks();

    it("warns a month ahead that a minor leaves EKS standard support, naming the minor to move to", async () => {
        const { standardSupportWarning } = await import("../../../components/aws/site");
        assert.equal(standardSupportWarning("1.34", new Date("2026-10-01T00:00:00Z")), undefined);
        assert.equal(
            standardSupportWarning("1.34", new Date("2026-11-30T00:00:00Z")),
            "Kubernetes 1.34 leaves Amazon EKS standard support on 2026-12-02: set okd-ci:kubernetesVersion to 1.35, so control plane, add-ons and nodes move together instead of EKS upgrading the control plane alone.",
        );
        assert.match(
            standardSupportWarning("1.34", new Date("2027-01-01T00:00:00Z")) ?? "",
            /^Kubernetes 1\.34 left Amazon EKS standard support on 2026-12-02/,
        );
        // EKS upgrades one minor at a time: the next minor, not the newest.
        assert.match(
            standardSupportWarning("1.35", new Date("2027-03-27T00:00:00Z")) ?? "",
            /: set okd-ci:kubernetesVersion to 1\.36,/,
        );
        assert.match(
            standardSupportWarning("1.36", new Date("2027-08-01T00:00:00Z")) ?? "",
            /: move to a newer minor,/,
        );
    });
});
