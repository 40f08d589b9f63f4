import {
    Address,
    BackendService,
    Firewall,
    GlobalAddress,
    GlobalForwardingRule,
    HealthCheck,
    InstanceGroupNamedPort,
    ManagedSslCertificate,
    SSLPolicy,
    SecurityPolicy,
    TargetHttpsProxy,
    URLMap,
} from "@pulumi/gcp/compute";
import type { NodePool } from "@pulumi/gcp/container";
import { RecordSet } from "@pulumi/gcp/dns";
import * as pulumi from "@pulumi/pulumi";

import { physicalName } from "../shared/naming";
import type { WebhookExposure } from "../shared/site";
import type { WebhookArgs } from "../shared/site-args";

/**
 * The node port the EventListener's Service (`okd-github-webhook`, type NodePort) listens on when the site's own
 * HTTPS load balancer serves the webhook. Fixed, inside the default NodePort range 30000-32767.
 */
export const webhookNodePort = 30808;

/** Named port of the system nodes' instance group that the HTTPS load balancer's backend service targets. */
export const webhookPortName = "okd-webhook";

/**
 * Where Google's external Application Load Balancers and their health checks connect from; the nodes' firewall must
 * admit them on the node port (https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges,
 * https://cloud.google.com/load-balancing/docs/https#firewall-rules).
 */
export const googleFrontEndRanges = ["35.191.0.0/16", "130.211.0.0/22"] as const;

/** Cloud Armor takes at most 10 source ranges in one rule's `srcIpRanges`. */
export const armorRangesPerRule = 10;

export interface GcpWebhookArgs extends WebhookArgs {
    project: string;
    region: string;
    namePrefix: string;
    /** The site's network (self link or id), for the firewall rule of the HTTPS load balancer. */
    network: pulumi.Input<string>;
    /** The system pool: its instance group is the HTTPS load balancer's backend. */
    systemPool: NodePool;
    /** Zone of the system pool (a zonal cluster's one zone). */
    zone: string;
    /** Network tags of the system nodes, which the firewall rule targets. */
    systemNetworkTags: string[];
}

export interface GcpWebhook {
    exposure: WebhookExposure;
    /** What the in-cluster Service must wait for (the reserved address it names). */
    ready: pulumi.Resource[];
}

/**
 * The webhook's public side on GCP, at an address that never changes:
 *
 * - Without `hostname`: a `LoadBalancer` Service; GKE makes a backend-service-based external passthrough Network
 *   Load Balancer (`cloud.google.com/l4-rbs`) on the site's reserved regional address, named in
 *   `networking.gke.io/load-balancer-ip-addresses` (kubernetes/ingress-gce pkg/address `IPv4ToUse`: the annotation
 *   wins over the deprecated `spec.loadBalancerIP`). `webhookSourceRanges` become the Service's
 *   `loadBalancerSourceRanges`, which GKE turns into the firewall rule of the load balancer; a passthrough load
 *   balancer keeps the client's address, so the rule sees GitHub's. GitHub posts to `http://<address>/`.
 * - With `hostname` (and `dnsZone`, a Cloud DNS zone of the site project): the site's own global external
 *   Application Load Balancer terminates TLS with a Google-managed certificate for `hostname`, behind a TLS 1.2+
 *   SSL policy, on a reserved global address that an A record in `dnsZone` names; it forwards to node port
 *   `webhookNodePort` of the system nodes (their instance group, as GKE's own Ingress controller does), and
 *   `webhookSourceRanges` become a Cloud Armor policy, as a proxy load balancer hides the client's address from
 *   the nodes' firewall. GitHub posts to `https://<hostname>/`.
 *
 * Why not a GKE Ingress or Gateway for TLS: either needs objects in the build namespace that only the in-cluster
 * layer could create (a ManagedCertificate or Certificate Manager map, a BackendConfig for Cloud Armor, a
 * FrontendConfig for the SSL policy), and the address, certificate and record could not be planned before the
 * cluster serves them. Owned by Pulumi, every piece is known at preview and removed by `pulumi destroy`.
 */
export function createWebhook(name: string, args: GcpWebhookArgs, opts: pulumi.CustomResourceOptions): GcpWebhook {
    if (args.hostname === undefined) return passthroughWebhook(name, args, opts);
    if (args.dnsZone === undefined) {
        throw new Error(
            `webhook ${args.hostname}: a host name needs the Cloud DNS zone that holds it (webhookDnsZone)`,
        );
    }
    return httpsWebhook(name, { ...args, hostname: args.hostname, dnsZone: args.dnsZone }, opts);
}

function passthroughWebhook(name: string, args: GcpWebhookArgs, opts: pulumi.CustomResourceOptions): GcpWebhook {
    const addressName = physicalName(args.namePrefix, ["webhook"]);
    const address = new Address(
        `${name}-webhook`,
        {
            project: args.project,
            region: args.region,
            name: addressName,
            description: "okd-ci: the GitHub webhook's load balancer",
            addressType: "EXTERNAL",
            networkTier: "PREMIUM",
        },
        opts,
    );
    return {
        exposure: {
            serviceType: "LoadBalancer",
            serviceAnnotations: {
                // A backend-service-based external passthrough Network Load Balancer, GKE's current L4 implementation.
                "cloud.google.com/l4-rbs": "enabled",
                "networking.gke.io/load-balancer-ip-addresses": addressName,
            },
            description: `A GKE LoadBalancer Service: an external passthrough Network Load Balancer on the reserved regional address ${addressName}. GitHub posts to http://<that address>/ (the webhookUrl output); deliveries are HMAC-signed with githubWebhookSecret. Set webhookHostname and webhookDnsZone for TLS.`,
            url: pulumi.interpolate`http://${address.address}/`,
            dns: pulumi.output("nothing to do: GitHub posts to the load balancer's reserved address (plain HTTP)"),
        },
        ready: [address],
    };
}

/** One Cloud Armor rule per 10 source ranges, then a default rule that refuses everything else. */
export function armorRules(sourceRanges: string[]) {
    const allow = [];
    for (let i = 0; i < sourceRanges.length; i += armorRangesPerRule) {
        allow.push({
            action: "allow",
            priority: 1000 + allow.length,
            description: "GitHub webhook deliveries",
            match: {
                versionedExpr: "SRC_IPS_V1",
                config: { srcIpRanges: sourceRanges.slice(i, i + armorRangesPerRule) },
            },
        });
    }
    return [
        ...allow,
        {
            action: "deny(403)",
            // The default rule: Cloud Armor requires it at the lowest priority.
            priority: 2147483647,
            description: "everything else",
            match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } },
        },
    ];
}

function httpsWebhook(
    name: string,
    args: GcpWebhookArgs & { hostname: string; dnsZone: string },
    opts: pulumi.CustomResourceOptions,
): GcpWebhook {
    const base = physicalName(args.namePrefix, ["webhook"]);
    const project = args.project;
    const address = new GlobalAddress(
        `${name}-webhook`,
        { project, name: base, description: `okd-ci: ${args.hostname}`, addressType: "EXTERNAL", ipVersion: "IPV4" },
        opts,
    );
    // Google provisions the certificate once the A record below resolves to the load balancer (minutes to an hour);
    // until then GitHub's deliveries fail the TLS handshake and GitHub shows them as failed. No fixed name: a new
    // host name needs a new certificate, made before the old one is detached (create-before-delete).
    const certificate = new ManagedSslCertificate(
        `${name}-webhook`,
        { project, description: `okd-ci: ${args.hostname}`, managed: { domains: [args.hostname] } },
        opts,
    );
    // TLS 1.2 and 1.3 with forward-secret ciphers only; the default policy would also accept TLS 1.0
    // (https://cloud.google.com/load-balancing/docs/ssl-policies-concepts).
    const sslPolicy = new SSLPolicy(
        `${name}-webhook`,
        { project, name: base, profile: "MODERN", minTlsVersion: "TLS_1_2" },
        opts,
    );

    // The system nodes' instance group (one, in the zonal cluster's zone) serves node port `webhookNodePort` under a
    // named port the backend service refers to.
    // Known once the pool exists (unknown in a preview).
    const group = args.systemPool.managedInstanceGroupUrls.apply((urls) => urls?.[0] ?? "");
    new InstanceGroupNamedPort(
        `${name}-webhook`,
        { project, zone: args.zone, group, name: webhookPortName, port: webhookNodePort },
        opts,
    );
    new Firewall(
        `${name}-webhook`,
        {
            project,
            name: base,
            description: "okd-ci: Google's load balancers and health checks to the webhook node port",
            network: args.network,
            direction: "INGRESS",
            sourceRanges: [...googleFrontEndRanges],
            targetTags: args.systemNetworkTags,
            allows: [{ protocol: "tcp", ports: [String(webhookNodePort)] }],
        },
        opts,
    );
    const healthCheck = new HealthCheck(
        `${name}-webhook`,
        {
            project,
            name: base,
            checkIntervalSec: 10,
            timeoutSec: 5,
            tcpHealthCheck: { port: webhookNodePort },
        },
        opts,
    );
    const ranges = args.sourceRanges ?? [];
    const armor =
        ranges.length > 0
            ? new SecurityPolicy(
                  `${name}-webhook`,
                  {
                      project,
                      name: base,
                      description: "okd-ci: only webhookSourceRanges reach the GitHub webhook",
                      type: "CLOUD_ARMOR",
                      rules: armorRules(ranges),
                  },
                  opts,
              )
            : undefined;
    const backend = new BackendService(
        `${name}-webhook`,
        {
            project,
            name: base,
            description: "okd-ci: the GitHub webhook on the system nodes",
            loadBalancingScheme: "EXTERNAL_MANAGED",
            protocol: "HTTP",
            portName: webhookPortName,
            timeoutSec: 30,
            healthChecks: healthCheck.id,
            backends: [{ group, balancingMode: "UTILIZATION" }],
            securityPolicy: armor?.id,
            // A record of each delivery (a handful a day) for when GitHub says one failed.
            logConfig: { enable: true, sampleRate: 1 },
        },
        opts,
    );
    const urlMap = new URLMap(`${name}-webhook`, { project, name: base, defaultService: backend.id }, opts);
    const proxy = new TargetHttpsProxy(
        `${name}-webhook`,
        { project, name: base, urlMap: urlMap.id, sslCertificates: [certificate.id], sslPolicy: sslPolicy.id },
        opts,
    );
    new GlobalForwardingRule(
        `${name}-webhook`,
        {
            project,
            name: base,
            loadBalancingScheme: "EXTERNAL_MANAGED",
            ipProtocol: "TCP",
            portRange: "443",
            // The reserved address by reference (projects/<p>/global/addresses/<name>), which the API accepts as well
            // as the literal IP.
            ipAddress: address.id,
            target: proxy.id,
        },
        opts,
    );
    const record = new RecordSet(
        `${name}-webhook`,
        {
            project,
            managedZone: args.dnsZone,
            name: `${args.hostname}.`,
            type: "A",
            ttl: 300,
            rrdatas: [address.address],
        },
        opts,
    );

    return {
        exposure: {
            serviceType: "NodePort",
            nodePort: webhookNodePort,
            serviceAnnotations: {},
            description: `A global external Application Load Balancer with a Google-managed certificate for ${args.hostname} (TLS 1.2+), forwarding to node port ${webhookNodePort} on the system nodes; ${args.hostname} is an A record in Cloud DNS zone ${args.dnsZone}. GitHub posts to https://${args.hostname}/.`,
            url: pulumi.output(`https://${args.hostname}/`),
            dns: pulumi.interpolate`${args.hostname} is an A record (${address.address}) in Cloud DNS zone ${args.dnsZone}, written by the stack; the certificate becomes active once it resolves`,
        },
        ready: [record],
    };
}
