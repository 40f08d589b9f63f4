import * as cdn from "@pulumi/azure-native/cdn";
import * as dns from "@pulumi/azure-native/dns";
import * as frontdoor from "@pulumi/azure-native/frontdoor";
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

/** Service tag of the addresses Azure Front Door connects to origins from. */
export const frontDoorBackendTag = "AzureFrontDoor.Backend";

/**
 * An Azure DNS zone's ARM id, as `webhookDnsZone` names it on azure (the `Microsoft.Network/dnszones` provider path;
 * ARM compares the segments case-insensitively). src/config/schema.ts checks the same form. The records are written
 * through the stack's provider, so the zone must be in the site's subscription.
 */
export const azureDnsZoneId =
    /^\/subscriptions\/([0-9a-f-]{36})\/resourceGroups\/([-\w.()]{1,90})\/providers\/Microsoft\.Network\/dnszones\/([a-z0-9.-]{1,253})$/i;

export interface FrontDoorArgs {
    resourceGroupName: pulumi.Input<string>;
    /** Physical names of the profile, endpoint, origin group, origin, custom domain and route. */
    baseName: string;
    /** The static IP's DNS name (`<label>.<location>.cloudapp.azure.com`): the origin Front Door forwards to. */
    originHost: pulumi.Input<string>;
    /** Public host name GitHub delivers to. */
    hostname: string;
    /** ARM id of the Azure DNS zone holding `hostname`; without it the user creates the two records. */
    dnsZoneId?: string;
    /** Client addresses admitted (`webhookSourceRanges`); empty: any. Enforced by a WAF policy on the domain. */
    sourceRanges: string[];
    /** WAF policy name: letters and digits only, starting with a letter. */
    wafPolicyName: string;
    tags: Record<string, string>;
}

export interface FrontDoor {
    profile: cdn.Profile;
    endpoint: cdn.AFDEndpoint;
    customDomain: cdn.AFDCustomDomain;
    route: cdn.Route;
    /** The WAF policy that admits only `sourceRanges`, when there are any. */
    waf?: frontdoor.Policy;
    /** The CNAME and `_dnsauth` TXT record, when the zone is given. */
    records: dns.RecordSet[];
    /** What DNS needs (done, or what to create). */
    dns: pulumi.Output<string>;
}

/**
 * Azure Front Door Standard in front of the webhook's load balancer, for `webhookHostname`:
 *
 * - A profile (SKU `Standard_AzureFrontDoor`), an endpoint `<name>-<hash>.z01.azurefd.net`, an origin group with a
 *   health probe, and one origin: the static IP's DNS name over plain HTTP on port 80. The hop from Front Door to the
 *   load balancer is on Microsoft's network but not encrypted; deliveries are HMAC-signed either way.
 * - A custom domain `hostname` with a Front Door managed certificate (`ManagedCertificate`, TLS 1.2 minimum), which
 *   Front Door issues and renews itself once the domain is validated: a TXT record `_dnsauth.<hostname>` holding
 *   the domain's `validationProperties.validationToken`, and a CNAME `hostname` → the endpoint's host name for traffic
 *   (https://learn.microsoft.com/azure/frontdoor/standard-premium/how-to-add-custom-domain,
 *   https://learn.microsoft.com/azure/frontdoor/domain#domain-validation,
 *   https://learn.microsoft.com/azure/frontdoor/standard-premium/how-to-configure-https-custom-domain). A CNAME
 *   cannot sit at a zone apex, so `hostname` must be below its zone (checked at validation).
 * - A route on the endpoint for `/*`, linked to the custom domain only (not the `azurefd.net` name), that accepts
 *   HTTP and HTTPS, redirects HTTP to HTTPS and forwards over HTTP.
 * - With `sourceRanges`: a WAF policy (SKU `Standard_AzureFrontDoor`, prevention mode) whose one custom rule blocks
 *   every request whose `SocketAddr` is outside the ranges, attached to the custom domain by a security policy. The
 *   load balancer only ever sees Front Door's addresses, so the ranges cannot be applied there. Custom rules are
 *   available on Front Door Standard (managed rule sets need Premium;
 *   https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-custom-rules-powershell).
 *   `SocketAddr` is the address of the TCP peer, GitHub's own; `RemoteAddr` would trust `X-Forwarded-For`, which a
 *   client sets (https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-configure-ip-restriction).
 *
 * With `dnsZoneId` the stack writes both records in that Azure DNS zone (the deployer needs *DNS Zone Contributor*
 * on it); without, the `webhookDns` output names the two records the user creates wherever the domain's DNS lives.
 * The Front Door API takes an `azureDnsZone` reference on the custom domain too; it is set when the zone is given,
 * so the portal shows the link, but validation still needs the TXT record, which the stack writes.
 */
export function createFrontDoor(name: string, args: FrontDoorArgs, opts: pulumi.CustomResourceOptions): FrontDoor {
    const common = { resourceGroupName: args.resourceGroupName };
    const profile = new cdn.Profile(
        `${name}-webhook-fd`,
        {
            ...common,
            profileName: args.baseName,
            location: "global",
            sku: { name: "Standard_AzureFrontDoor" },
            // Front Door gives up on the origin after this long; the EventListener answers within seconds.
            originResponseTimeoutSeconds: 60,
            tags: args.tags,
        },
        opts,
    );
    // Children name their parents by the physical names given above, and wait for them explicitly.
    const inProfile = { ...common, profileName: args.baseName };
    const afterProfile = { ...opts, dependsOn: [profile] };
    const endpoint = new cdn.AFDEndpoint(
        `${name}-webhook-fd`,
        {
            ...inProfile,
            endpointName: args.baseName,
            location: "global",
            enabledState: "Enabled",
            // `<name>-<hash>.z01.azurefd.net`, the hash unique to this tenant: a deleted endpoint's name cannot be
            // taken by another tenant.
            autoGeneratedDomainNameLabelScope: "TenantReuse",
            tags: args.tags,
        },
        afterProfile,
    );
    const originGroup = new cdn.AFDOriginGroup(
        `${name}-webhook-fd`,
        {
            ...inProfile,
            originGroupName: args.baseName,
            // The EventListener answers GET /live on its sink port with 200 (its own liveness and readiness probes:
            // tektoncd/triggers pkg/reconciler/eventlistener/resources/container.go), without running a trigger.
            healthProbeSettings: {
                probePath: "/live",
                probeProtocol: "Http",
                probeRequestType: "GET",
                // Front Door's default; the probes come from every Front Door point of presence, so a shorter
                // interval multiplies the requests the listener sees.
                probeIntervalInSeconds: 240,
            },
            loadBalancingSettings: { sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50 },
            sessionAffinityState: "Disabled",
        },
        afterProfile,
    );
    const origin = new cdn.AFDOrigin(
        `${name}-webhook-fd`,
        {
            ...inProfile,
            originGroupName: args.baseName,
            originName: args.baseName,
            hostName: args.originHost,
            originHostHeader: args.originHost,
            httpPort: 80,
            httpsPort: 443,
            priority: 1,
            weight: 1000,
            enabledState: "Enabled",
        },
        { ...opts, dependsOn: [originGroup] },
    );
    const customDomain = new cdn.AFDCustomDomain(
        `${name}-webhook-fd`,
        {
            ...inProfile,
            customDomainName: args.hostname.replace(/\./g, "-"),
            hostName: args.hostname,
            tlsSettings: { certificateType: "ManagedCertificate", minimumTlsVersion: "TLS12" },
            ...(args.dnsZoneId !== undefined ? { azureDnsZone: { id: args.dnsZoneId } } : {}),
        },
        afterProfile,
    );
    const route = new cdn.Route(
        `${name}-webhook-fd`,
        {
            ...inProfile,
            endpointName: args.baseName,
            routeName: args.baseName,
            originGroup: { id: originGroup.id },
            customDomains: [{ id: customDomain.id }],
            linkToDefaultDomain: "Disabled",
            supportedProtocols: ["Http", "Https"],
            httpsRedirect: "Enabled",
            forwardingProtocol: "HttpOnly",
            patternsToMatch: ["/*"],
            enabledState: "Enabled",
        },
        // The origin must exist before a route sends traffic to its group.
        { ...opts, dependsOn: [endpoint, origin] },
    );

    let waf: frontdoor.Policy | undefined;
    if (args.sourceRanges.length > 0) {
        waf = new frontdoor.Policy(
            `${name}-webhook-waf`,
            {
                ...common,
                policyName: args.wafPolicyName,
                location: "Global",
                sku: { name: "Standard_AzureFrontDoor" },
                policySettings: { enabledState: "Enabled", mode: "Prevention" },
                customRules: {
                    rules: [
                        {
                            name: "OnlyWebhookSourceRanges",
                            priority: 100,
                            ruleType: "MatchRule",
                            enabledState: "Enabled",
                            action: "Block",
                            matchConditions: [
                                {
                                    matchVariable: "SocketAddr",
                                    operator: "IPMatch",
                                    negateCondition: true,
                                    matchValue: args.sourceRanges,
                                },
                            ],
                        },
                    ],
                },
                tags: args.tags,
            },
            opts,
        );
        new cdn.SecurityPolicy(
            `${name}-webhook-waf`,
            {
                ...inProfile,
                securityPolicyName: args.baseName,
                parameters: {
                    type: "WebApplicationFirewall",
                    wafPolicy: { id: waf.id },
                    associations: [{ domains: [{ id: customDomain.id }], patternsToMatch: ["/*"] }],
                },
            },
            opts,
        );
    }

    const token = customDomain.validationProperties.apply((v) => v.validationToken);
    const records: dns.RecordSet[] = [];
    let dnsNote: pulumi.Output<string>;
    if (args.dnsZoneId !== undefined) {
        const [, , zoneGroup, zoneName] = azureDnsZoneId.exec(args.dnsZoneId) ?? [];
        const relative = relativeName(args.hostname, zoneName);
        records.push(
            new dns.RecordSet(
                `${name}-webhook-cname`,
                {
                    resourceGroupName: zoneGroup,
                    zoneName,
                    relativeRecordSetName: relative,
                    recordType: "CNAME",
                    ttl: 300,
                    cnameRecord: { cname: endpoint.hostName },
                },
                opts,
            ),
            new dns.RecordSet(
                `${name}-webhook-dnsauth`,
                {
                    resourceGroupName: zoneGroup,
                    zoneName,
                    relativeRecordSetName: `_dnsauth.${relative}`,
                    recordType: "TXT",
                    ttl: 300,
                    txtRecords: [{ value: [token] }],
                },
                opts,
            ),
        );
        dnsNote = pulumi.interpolate`${args.hostname} is a CNAME to ${endpoint.hostName} and _dnsauth.${args.hostname} the TXT record that validates it, in Azure DNS zone ${zoneName}, written by the stack; Front Door issues the certificate once both resolve`;
    } else {
        dnsNote = pulumi.interpolate`create a CNAME ${args.hostname} -> ${endpoint.hostName} and a TXT record _dnsauth.${args.hostname} = ${token}; Front Door validates the domain and issues its certificate once both resolve (the token expires: regenerate it in the portal if validation has not completed by then)`;
    }
    return { profile, endpoint, customDomain, route, waf, records, dns: dnsNote };
}

/** The webhook's exposure behind Front Door: the same LoadBalancer Service, open to Front Door's backend only. */
export function frontDoorExposure(address: WebhookAddress, hostname: string, fd: FrontDoor): WebhookExposure {
    const ranges = fd.waf === undefined ? "" : " Front Door's WAF admits only webhookSourceRanges.";
    return {
        serviceType: "LoadBalancer",
        serviceAnnotations: {
            ...address.exposure.serviceAnnotations,
            // The load balancer's network security group then admits Front Door's backend addresses only, so nobody
            // reaches the listener around Front Door
            // (https://learn.microsoft.com/azure/aks/load-balancer-standard#restrict-inbound-traffic-to-specific-ip-ranges,
            // https://kubernetes-sigs.github.io/cloud-provider-azure/topics/loadbalancer/ "azure-allowed-service-tags",
            // https://learn.microsoft.com/azure/frontdoor/origin-security).
            "service.beta.kubernetes.io/azure-allowed-service-tags": frontDoorBackendTag,
        },
        description: `Azure Front Door Standard with a managed certificate for ${hostname} (TLS 1.2+, HTTP redirected to HTTPS), forwarding over HTTP to the static public IP of the webhook's LoadBalancer Service, which admits only Front Door's backend addresses (service tag ${frontDoorBackendTag}). GitHub posts to https://${hostname}/; deliveries are HMAC-signed with githubWebhookSecret.${ranges}`,
        url: pulumi.output(`https://${hostname}/`),
        dns: fd.dns,
        // Front Door's WAF enforces them; the load balancer sees only Front Door's addresses.
        sourceRangesUpstream: true,
    };
}

/** `hostname` relative to the zone `zone` it must lie below (validated in the config). */
export function relativeName(hostname: string, zone: string): string {
    const suffix = `.${zone.toLowerCase()}`;
    if (!hostname.toLowerCase().endsWith(suffix)) {
        throw new Error(`webhook ${hostname}: not below the Azure DNS zone ${zone} (webhookDnsZone)`);
    }
    return hostname.slice(0, hostname.length - suffix.length);
}
