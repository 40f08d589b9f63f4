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
            description: `Public Azure Standard load balancer on the static IP ${args.ipName}: GitHub posts to http://<its DNS name>/ (port 80), the name from az network public-ip show -g ${args.resourceGroupPlainName} -n ${args.ipName} --query dnsSettings.fqdn -o tsv; GitHub signs every delivery with githubWebhookSecret.`,
        },
    };
}
