import * as acm from "@pulumi/aws/acm";
import * as autoscaling from "@pulumi/aws/autoscaling";
import * as ec2 from "@pulumi/aws/ec2";
import type * as eks from "@pulumi/aws/eks";
import * as lb from "@pulumi/aws/lb";
import * as route53 from "@pulumi/aws/route53";
import * as vpc from "@pulumi/aws/vpc";
import * as pulumi from "@pulumi/pulumi";

import type { WebhookExposure } from "../shared/site";
import type { WebhookArgs } from "../shared/site-args";

/**
 * The node port the EventListener's Service (`okd-github-webhook`, type NodePort) listens on, on every node; the
 * webhook's target group forwards to it. Fixed, inside the default NodePort range 30000-32767.
 */
export const webhookNodePort = 30808;

/** TLS 1.3 and 1.2 only (Elastic Load Balancing security policies for NLB TLS listeners). */
export const webhookTlsPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06";

export interface WebhookLoadBalancerArgs extends WebhookArgs {
    vpcId: pulumi.Input<string>;
    /** Public subnets, one per AZ: the NLB's nodes and public addresses. */
    publicSubnetIds: pulumi.Input<string>[];
    cluster: eks.Cluster;
    /** The system node group: its Auto Scaling group is the target group's only source of targets. */
    system: eks.NodeGroup;
}

export interface WebhookLoadBalancer {
    loadBalancer: lb.LoadBalancer;
    listener: lb.Listener;
    securityGroup: ec2.SecurityGroup;
    exposure: WebhookExposure;
    /** The ACM certificate and DNS record, with `hostname`. */
    certificate?: acm.Certificate;
    record?: route53.Record;
}

/**
 * The webhook's public side on AWS, owned by Pulumi rather than by a controller in the cluster:
 *
 * - An internet-facing Network Load Balancer with its own security group, which admits `sourceRanges` (any address
 *   when unset) on the listener port and nothing else.
 * - A TCP target group of instance targets on `webhookNodePort`, fed by the system node group's Auto Scaling group:
 *   spot build nodes, which come and go, are never targets. (Attaching a target group to a managed node group's ASG
 *   is not in the EKS node group API, aws/containers-roadmap#709; EKS keeps one ASG per group for its lifetime, and a
 *   replaced group gets a new attachment, as the attachment depends on it.)
 * - With `hostname` (and `dnsZone`): an ACM certificate validated through a record in that Route 53 zone, a TLS
 *   listener on 443 (TLS 1.2/1.3) that terminates it, and an alias record `hostname` → the NLB. GitHub posts to
 *   `https://<hostname>/`. Without: a TCP listener on 80, and GitHub posts to `http://<NLB DNS name>/`; a load
 *   balancer's own `*.elb.amazonaws.com` name cannot get a public certificate.
 *
 * Why not a `LoadBalancer` Service: the in-tree service controller would create the NLB, but its address is only
 * known once the Service exists (so no DNS record or certificate could be planned), it cannot select targets by a
 * label EKS lets node groups carry (`node.kubernetes.io/exclude-from-external-load-balancers` is refused), and an NLB
 * left by a Service outlives a cluster destroyed out of order. Why not an Ingress: EKS has no ingress controller or
 * default IngressClass, and the Kubernetes provider waits for an address nothing would ever give.
 */
export function createWebhookLoadBalancer(
    name: string,
    args: WebhookLoadBalancerArgs,
    opts: pulumi.CustomResourceOptions,
): WebhookLoadBalancer {
    const tls = args.hostname !== undefined;
    if (tls && args.dnsZone === undefined) {
        throw new Error(`webhook ${args.hostname}: a host name needs the Route 53 zone that holds it (webhookDnsZone)`);
    }
    const port = tls ? 443 : 80;
    const nodeSecurityGroup = args.cluster.vpcConfig.clusterSecurityGroupId;

    const securityGroup = new ec2.SecurityGroup(
        `${name}-webhook`,
        {
            vpcId: args.vpcId,
            description: "okd-ci GitHub webhook load balancer",
            tags: { Name: `${name}-webhook` },
        },
        opts,
    );
    const sources = (args.sourceRanges ?? []).length > 0 ? (args.sourceRanges as string[]) : ["0.0.0.0/0"];
    sources.forEach((cidr, i) => {
        new vpc.SecurityGroupIngressRule(
            `${name}-webhook-from-${i}`,
            {
                securityGroupId: securityGroup.id,
                ...(cidr.includes(":") ? { cidrIpv6: cidr } : { cidrIpv4: cidr }),
                ipProtocol: "tcp",
                fromPort: port,
                toPort: port,
                description: "GitHub webhook deliveries",
            },
            opts,
        );
    });
    new vpc.SecurityGroupEgressRule(
        `${name}-webhook-to-nodes`,
        {
            securityGroupId: securityGroup.id,
            referencedSecurityGroupId: nodeSecurityGroup,
            ipProtocol: "tcp",
            fromPort: webhookNodePort,
            toPort: webhookNodePort,
            description: "to the webhook node port (traffic and health checks)",
        },
        opts,
    );
    // The nodes carry the cluster security group (no security group in their launch templates). A rule that names the
    // NLB's security group admits its traffic even with client IP preservation, which instance targets always have
    // (docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html).
    new vpc.SecurityGroupIngressRule(
        `${name}-nodes-from-webhook`,
        {
            securityGroupId: nodeSecurityGroup,
            referencedSecurityGroupId: securityGroup.id,
            ipProtocol: "tcp",
            fromPort: webhookNodePort,
            toPort: webhookNodePort,
            description: "okd-ci GitHub webhook load balancer",
        },
        opts,
    );

    const loadBalancer = new lb.LoadBalancer(
        `${name}-webhook`,
        {
            loadBalancerType: "network",
            internal: false,
            ipAddressType: "ipv4",
            subnets: args.publicSubnetIds,
            securityGroups: [securityGroup.id],
            enableCrossZoneLoadBalancing: true,
        },
        opts,
    );
    const targetGroup = new lb.TargetGroup(
        `${name}-webhook`,
        {
            vpcId: args.vpcId,
            targetType: "instance",
            protocol: "TCP",
            port: webhookNodePort,
            healthCheck: { protocol: "TCP", port: "traffic-port", healthyThreshold: 3, unhealthyThreshold: 3 },
            deregistrationDelay: 30,
        },
        opts,
    );
    const systemAsg = args.system.resources.apply((r) => r?.[0]?.autoscalingGroups?.[0]?.name ?? "");
    new autoscaling.TrafficSourceAttachment(
        `${name}-webhook`,
        { autoscalingGroupName: systemAsg, trafficSource: { identifier: targetGroup.arn, type: "elbv2" } },
        opts,
    );

    let certificate: acm.Certificate | undefined;
    let record: route53.Record | undefined;
    let listener: lb.Listener;
    if (tls) {
        const hostname = args.hostname as string;
        const zoneId = args.dnsZone as string;
        certificate = new acm.Certificate(`${name}-webhook`, { domainName: hostname, validationMethod: "DNS" }, opts);
        const option = certificate.domainValidationOptions[0];
        const validationRecord = new route53.Record(
            `${name}-webhook-validation`,
            {
                zoneId,
                name: option.resourceRecordName,
                type: option.resourceRecordType,
                records: [option.resourceRecordValue],
                ttl: 300,
                // ACM uses the same record for every certificate of a name: a re-issued certificate reuses it.
                allowOverwrite: true,
            },
            opts,
        );
        // Waits for ACM to see the record and issue the certificate (minutes), so the listener never gets a
        // certificate it would refuse.
        const validation = new acm.CertificateValidation(
            `${name}-webhook`,
            { certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn] },
            opts,
        );
        listener = new lb.Listener(
            `${name}-webhook`,
            {
                loadBalancerArn: loadBalancer.arn,
                port,
                protocol: "TLS",
                certificateArn: validation.certificateArn,
                sslPolicy: webhookTlsPolicy,
                defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
            },
            // Explicit as well as through `certificateArn`: the listener must never see a pending certificate.
            { ...opts, dependsOn: [validation] },
        );
        record = new route53.Record(
            `${name}-webhook`,
            {
                zoneId,
                name: hostname,
                type: "A",
                aliases: [{ name: loadBalancer.dnsName, zoneId: loadBalancer.zoneId, evaluateTargetHealth: true }],
            },
            opts,
        );
    } else {
        listener = new lb.Listener(
            `${name}-webhook`,
            {
                loadBalancerArn: loadBalancer.arn,
                port,
                protocol: "TCP",
                defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
            },
            opts,
        );
    }

    const url = tls ? pulumi.output(`https://${args.hostname}/`) : pulumi.interpolate`http://${loadBalancer.dnsName}/`;
    const dns = tls
        ? pulumi.output(`${args.hostname} is an alias record in Route 53 zone ${args.dnsZone}, written by the stack`)
        : pulumi.output("nothing to do: GitHub posts to the load balancer's own DNS name (plain HTTP)");
    const exposure: WebhookExposure = {
        serviceType: "NodePort",
        nodePort: webhookNodePort,
        serviceAnnotations: {},
        description: tls
            ? `An internet-facing AWS Network Load Balancer with a TLS listener (ACM certificate for ${args.hostname}) forwarding to node port ${webhookNodePort} on the system nodes; ${args.hostname} is its alias in Route 53. GitHub posts to https://${args.hostname}/.`
            : `An internet-facing AWS Network Load Balancer (plain TCP on port 80) forwarding to node port ${webhookNodePort} on the system nodes. GitHub posts to http://<its DNS name>/ (the webhookUrl output); set webhookHostname and webhookDnsZone for TLS.`,
        url,
        dns,
    };
    return { loadBalancer, listener, securityGroup, exposure, certificate, record };
}
