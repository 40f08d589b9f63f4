import * as network from "@pulumi/azure-native/network";
import * as pulumi from "@pulumi/pulumi";

import type { WebhookExposure } from "../shared";

export interface WebhookAddressArgs {
    resourceGroupName: pulumi.Input<string>;
    /** Physical name of the public IP; the Service annotation names it. */
    ipName: string;
    /** Plain name of the resource group (annotations are plain strings). */
    resourceGroupPlainName: string;
    /** DNS label, unique in the region: `<label>.<location>.cloudapp.azure.com`. */
    dnsLabel: pulumi.Input<string>;
    location: string;
    tags: Record<string, string>;
}

export interface WebhookAddress {
    ip: network.PublicIPAddress;
    /** `<label>.<location>.cloudapp.azure.com`, the host GitHub delivers to. */
    fqdn: pulumi.Output<string>;
    exposure: WebhookExposure;
}

/**
 * A static public IP with a DNS name for the EventListener's LoadBalancer Service. The Service names it through AKS
 * annotations, so the address GitHub delivers to survives a re-created Service or cluster. AKS attaches it only if
 * the cluster identity may use it (Network Contributor on its resource group, granted by the site).
 */
export function createWebhookAddress(
    name: string,
    args: WebhookAddressArgs,
    opts: pulumi.CustomResourceOptions,
): WebhookAddress {
    const ip = new network.PublicIPAddress(
        `${name}-webhook-ip`,
        {
            publicIpAddressName: args.ipName,
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            // Standard SKU: the AKS load balancer is Standard and cannot use Basic IPs.
            sku: { name: "Standard", tier: "Regional" },
            publicIPAllocationMethod: "Static",
            publicIPAddressVersion: "IPv4",
            dnsSettings: { domainNameLabel: args.dnsLabel },
            tags: args.tags,
        },
        opts,
    );
    const fqdn = pulumi.interpolate`${args.dnsLabel}.${args.location}.cloudapp.azure.com`;
    return {
        ip,
        fqdn,
        exposure: {
            serviceType: "LoadBalancer",
            serviceAnnotations: {
                "service.beta.kubernetes.io/azure-pip-name": args.ipName,
                "service.beta.kubernetes.io/azure-load-balancer-resource-group": args.resourceGroupPlainName,
            },
            description: `An Azure Standard load balancer rule on the static public IP ${args.ipName} (plain HTTP on port 80), made by AKS for the webhook Service; webhookSourceRanges become its network security group rules. GitHub posts to the webhookUrl output and signs every delivery with githubWebhookSecret.`,
            url: pulumi.interpolate`http://${fqdn}/`,
            dns: pulumi.interpolate`nothing to do: ${fqdn} is Azure's DNS name of the static IP (or point a CNAME of your own at it)`,
        },
    };
}
