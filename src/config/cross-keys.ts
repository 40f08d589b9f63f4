/**
 * Rules that involve more than one key, or whose meaning depends on the platform: regions and gates per cloud, where
 * a gate's e2e clusters go, and the keys each platform's site implements. They run after each key is checked alone.
 */
import ipaddr from "ipaddr.js";

import { principalKey } from "../../components/aws/principal";
import { azureAdminPrincipal } from "../../components/azure/roles";
import { kubernetesSupport, supportedMinors } from "../../components/shared/kubernetes";
import { type CloudPlatform, type Gate, type Platform, cloudPlatforms } from "../../components/shared/model";
import { quoteHint } from "./formats";
import { regionsByPlatform } from "./regions";
import type { ParsedConfig } from "./schema";

/**
 * Keys (or values) that each site has to implement, and the platforms whose site does. A key set on a platform not
 * listed is refused, so a stack never believes it got something its site ignores. A platform joins a list when its
 * site honours the key.
 */
export const platformSupport = {
    adminPrincipals: ["aws", "azure"],
    controlPlaneCidrs: ["aws", "gcp", "azure"],
    webhookHostname: ["aws", "gcp", "azure"],
    webhookDnsZone: ["aws", "gcp", "azure"],
    webhookSourceRanges: ["aws", "gcp", "azure"],
    "profile: small": ["aws", "gcp", "azure"],
} as const satisfies Record<string, readonly Platform[]>;

export interface CrossKeyIssue {
    path: (string | number)[];
    message: string;
}

/**
 * Rules that involve more than one key. They run on every key that is valid on its own, so a stack with a type error
 * in one key still hears about a bad region in another: every problem is reported at once.
 */
export function crossKeyIssues(c: Partial<ParsedConfig>): CrossKeyIssue[] {
    const issues: CrossKeyIssue[] = [];
    const issue = (path: (string | number)[], message: string) => issues.push({ path, message });
    if (c.platform !== undefined && c.platform !== "local") {
        const allowed = regionsByPlatform[c.platform];
        if (c.region === undefined) {
            issue(["region"], `is required on ${c.platform}; expected one of ${allowed.join(", ")}`);
        } else if (!allowed.includes(c.region)) {
            issue(["region"], `is not a region of ${c.platform}; expected one of ${allowed.join(", ")}`);
        }
    }
    if (c.platform === "gcp" && c.gcpProject === undefined) {
        issue(["gcpProject"], "is required on gcp; expected the id of the project the site is created in");
    }
    if (c.buildMaxNodes !== undefined && c.buildMinNodes !== undefined && c.buildMaxNodes < c.buildMinNodes) {
        issue(["buildMaxNodes"], `is below buildMinNodes (${c.buildMinNodes}); expected at least ${c.buildMinNodes}`);
    }
    for (const [cloud, gate] of Object.entries(c.gates ?? {}) as [CloudPlatform, Gate | undefined][]) {
        if (gate === undefined) continue;
        if (!regionsByPlatform[cloud].includes(gate.region)) {
            issue(
                ["gates", cloud, "region"],
                `is not a region of ${cloud}; expected one of ${regionsByPlatform[cloud].join(", ")}`,
            );
        }
        if (c.platform !== undefined && cloud !== c.platform && gate.existingZone === undefined) {
            issue(
                ["gates", cloud, "existingZone"],
                `is required because the site is on ${c.platform}: a ${cloud} gate's DNS zone must already exist; expected its ${cloud === "aws" ? "Route 53 zone id" : cloud === "gcp" ? "Cloud DNS managed zone name" : "Azure DNS zone resource id"}`,
            );
        }
        if (cloud === "gcp" && gate.project === undefined && c.gcpProject === undefined) {
            issue(["gates", "gcp", "project"], "is required when gcpProject is not set; expected a GCP project id");
        }
        issues.push(...gateTenancyIssues(cloud, gate, c));
    }
    (c.streams ?? []).forEach((stream, i) => {
        const upgrade = stream.upgradeGate;
        if (upgrade !== undefined && c.gates?.[upgrade.gate] === undefined) {
            const configured = Object.keys(c.gates ?? {}).filter((g) => c.gates?.[g as CloudPlatform] !== undefined);
            issue(
                ["streams", i, "upgradeGate", "gate"],
                `is ${upgrade.gate}, but gates.${upgrade.gate} is not configured; expected one of the configured gates (${configured.join(", ") || "none"})`,
            );
        }
    });
    issues.push(...platformIssues(c));
    return issues;
}

/** The key of a gate that names its own account, project or subscription, and what it holds. */
const tenancyKey = {
    aws: { key: "account", what: "the 12-digit id of a separate AWS account" },
    gcp: { key: "project", what: "the id of a separate GCP project" },
    azure: { key: "subscription", what: "the id of a separate Azure subscription" },
} as const;

/**
 * Where a gate's e2e clusters go. The gate runs the payload under test (its installer and its tests) with an identity
 * that can create IAM identities in its account, project or subscription; by default that must not be the site's,
 * which holds the registry, the artifacts and the pipeline identity. `sharedWithSite: true` accepts it explicitly.
 */
function gateTenancyIssues(cloud: CloudPlatform, gate: Gate, c: Partial<ParsedConfig>): CrossKeyIssue[] {
    const issues: CrossKeyIssue[] = [];
    const { key, what } = tenancyKey[cloud];
    for (const other of cloudPlatforms) {
        const otherKey = tenancyKey[other].key;
        // A project on a non-gcp gate is src/config/consumers.ts's (rule gate-project); one message per mistake.
        if (other !== cloud && otherKey !== key && otherKey !== "project" && gate[otherKey] !== undefined) {
            issues.push({
                path: ["gates", cloud, otherKey],
                message: `applies only to the ${other} gate; a ${cloud} gate names its own ${tenancyKey[cloud].key}`,
            });
        }
    }
    if (c.platform !== cloud) {
        if (gate.sharedWithSite) {
            issues.push({
                path: ["gates", cloud, "sharedWithSite"],
                message: `is true, but the site is on ${c.platform ?? "another platform"}: a ${cloud} gate cannot share its account with it; remove it`,
            });
        }
        return issues;
    }
    // Without gcpProject the site's project is unknown; that key's own issue says so.
    if (cloud === "gcp" && c.gcpProject === undefined) return issues;
    const tenancy = cloud === "gcp" ? (gate.project ?? c.gcpProject) : gate[key];
    const shares = cloud === "gcp" ? tenancy === c.gcpProject : tenancy === undefined;
    if (shares && !gate.sharedWithSite) {
        const where =
            cloud === "gcp"
                ? gate.project === undefined
                    ? `is not set, so the gate would install in the site's project (${c.gcpProject})`
                    : "is the site's project"
                : `is not set, so the gate would install in the site's own ${cloud === "aws" ? "account" : "subscription"}`;
        issues.push({
            path: ["gates", cloud, key],
            message: `${where}: the gate runs the payload's installer and tests with rights to create IAM identities there; expected ${what}, or gates.${cloud}.sharedWithSite: true to accept sharing it`,
        });
    }
    if (!shares && gate.sharedWithSite) {
        issues.push({
            path: ["gates", cloud, "sharedWithSite"],
            message: `is true, but gates.${cloud}.${key} names a separate one; expected one or the other`,
        });
    }
    if (!shares && cloud !== "gcp" && gate.existingZone === undefined) {
        issues.push({
            path: ["gates", cloud, "existingZone"],
            message: `is required with gates.${cloud}.${key}: the stack creates nothing in the gate's ${cloud === "aws" ? "account" : "subscription"}, so its public zone must already exist there; expected its ${cloud === "aws" ? "Route 53 zone id" : "Azure DNS zone resource id"}`,
        });
    }
    if (cloud === "azure" && gate.subscription !== undefined && gate.existingZone !== undefined) {
        const zoneSubscription = /^\/subscriptions\/([^/]+)\//i.exec(gate.existingZone)?.[1]?.toLowerCase();
        if (zoneSubscription !== undefined && zoneSubscription !== gate.subscription) {
            issues.push({
                path: ["gates", "azure", "existingZone"],
                message: `is in subscription ${zoneSubscription}, not gates.azure.subscription (${gate.subscription}); openshift-install looks the zone up in its own subscription`,
            });
        }
    }
    return issues;
}

/** An IAM role or user ARN, as an EKS access entry takes it (a role ARN may carry a path). */
const iamPrincipalArn = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;
/** A Route 53 hosted zone id (`Z` and up to 32 upper-case letters and digits). */
const route53ZoneId = /^Z[A-Z0-9]{1,32}$/;
/** A Cloud DNS managed zone name (https://cloud.google.com/dns/docs/reference/rest/v1/managedZones: `name`). */
/** An Azure DNS zone's resource id (components/azure/webhook.ts). */
const azureDnsZoneId =
    /^\/subscriptions\/([0-9a-f-]{36})\/resourceGroups\/([-\w.()]{1,90})\/providers\/Microsoft\.Network\/dnszones\/([a-z0-9.-]{1,253})$/i;
const cloudDnsZoneName = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Keys whose meaning depends on the platform: support by site, Kubernetes minors, each cloud's own formats. */
function platformIssues(c: Partial<ParsedConfig>): CrossKeyIssue[] {
    const issues: CrossKeyIssue[] = [];
    const issue = (path: (string | number)[], message: string) => issues.push({ path, message });
    const platform = c.platform;
    if (platform === undefined) return issues;

    const set: Record<keyof typeof platformSupport, boolean> = {
        adminPrincipals: (c.adminPrincipals ?? []).length > 0,
        controlPlaneCidrs: (c.controlPlaneCidrs ?? []).length > 0,
        webhookHostname: c.webhookHostname !== undefined,
        webhookDnsZone: c.webhookDnsZone !== undefined,
        webhookSourceRanges: (c.webhookSourceRanges ?? []).length > 0,
        "profile: small": c.profile === "small",
    };
    for (const [key, platforms] of Object.entries(platformSupport) as [
        keyof typeof platformSupport,
        readonly Platform[],
    ][]) {
        if (!set[key] || platforms.includes(platform)) continue;
        const path = key === "profile: small" ? "profile" : key;
        issue(
            [path],
            `is not supported on ${platform} yet; the ${platforms.join(", ")} site${platforms.length === 1 ? "" : "s"} implement${platforms.length === 1 ? "s" : ""} it`,
        );
    }

    if (platform !== "local" && c.kubernetesVersion !== undefined) {
        const k = kubernetesSupport[platform];
        const allowed = supportedMinors(platform);
        if (!allowed.includes(c.kubernetesVersion)) {
            issue(
                ["kubernetesVersion"],
                `is not in ${k.service} standard support (checked ${k.checked}); expected one of ${allowed.join(", ")}${quoteHint(c.kubernetesVersion, (t) => `okd-ci:kubernetesVersion: ${t}`)}`,
            );
        }
    }

    if (platform === "aws") {
        // The cluster gives no access entry to its creator (components/aws/cluster.ts): the list is every admin.
        if ((c.adminPrincipals ?? []).length === 0) {
            issue(
                ["adminPrincipals"],
                "is required on aws: the EKS cluster gives access only to these principals, the identity that runs pulumi up included; expected IAM role or user ARNs such as [arn:aws:iam::111122223333:role/okd-ci-deployer]",
            );
        }
        // By principal, as the cluster's access entries and its deployer check match them (principalKey): a role
        // named with and without its path is one principal, and EKS takes one access entry per principal.
        const seen = new Map<string, number>();
        (c.adminPrincipals ?? []).forEach((arn, i) => {
            const key = principalKey(arn);
            const first = key === undefined ? undefined : seen.get(key);
            if (/^arn:aws[\w-]*:sts::\d{12}:assumed-role\//.test(arn)) {
                issue(
                    ["adminPrincipals", i],
                    "is an assumed-role session; expected the ARN of the role it came from (arn:aws:iam::<account>:role/<name>), as EKS access entries name roles",
                );
            } else if (!iamPrincipalArn.test(arn)) {
                issue(
                    ["adminPrincipals", i],
                    "expected an IAM role or user ARN such as arn:aws:iam::111122223333:role/okd-ci-deployer",
                );
            } else if (first !== undefined) {
                const other = c.adminPrincipals?.[first];
                issue(
                    ["adminPrincipals", i],
                    `is listed twice: it names the same principal (${key}) as adminPrincipals[${first}] = ${other}; EKS allows one access entry per principal, and a role with or without its path is one principal; expected it once`,
                );
            } else if (key !== undefined) {
                seen.set(key, i);
            }
        });
        // An IPv4 cluster's public endpoint is reached over IPv4 only (EKS network requirements, "IP address family
        // usage by component"), so an IPv6 block would admit nobody.
        (c.controlPlaneCidrs ?? []).forEach((cidr, i) => {
            if (cidr.includes(":")) {
                issue(
                    ["controlPlaneCidrs", i],
                    "is IPv6; the EKS public endpoint of an IPv4 cluster is reached over IPv4 only; expected an IPv4 block",
                );
            }
        });
        // One security group rule per block; a security group takes 60 inbound rules unless the VPC quota
        // "Inbound or outbound rules per security group" is raised (docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html).
        if ((c.webhookSourceRanges ?? []).length > 60) {
            issue(
                ["webhookSourceRanges"],
                `has ${c.webhookSourceRanges?.length} blocks; the webhook load balancer's security group takes 60 inbound rules by default; expected at most 60, or summarise the ranges`,
            );
        }
        if (c.webhookHostname !== undefined && c.webhookDnsZone === undefined) {
            issue(
                ["webhookDnsZone"],
                "is required with webhookHostname on aws: the site validates the webhook's ACM certificate and writes its alias record in that Route 53 public hosted zone; expected its id such as Z0123456789ABCDEFGHIJ",
            );
        }
        if (c.webhookDnsZone !== undefined && c.webhookHostname === undefined) {
            issue(["webhookDnsZone"], "is set without webhookHostname; expected webhookHostname too, or neither");
        }
        if (c.webhookDnsZone !== undefined && !route53ZoneId.test(c.webhookDnsZone)) {
            issue(["webhookDnsZone"], "expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ");
        }
    }
    if (platform === "azure") {
        const seenAdmins = new Set<string>();
        (c.adminPrincipals ?? []).forEach((p, i) => {
            const m = azureAdminPrincipal.exec(p);
            if (m === null) {
                issue(
                    ["adminPrincipals", i],
                    "expected <kind>:<Entra object id>, kind user, group or servicePrincipal, such as group:00000000-0000-4000-8000-000000000000 (the object id, not an application's client id)",
                );
            } else if (seenAdmins.has(m[2].toLowerCase())) {
                issue(
                    ["adminPrincipals", i],
                    "is listed twice; Azure allows one assignment of a role per principal and scope",
                );
            } else seenAdmins.add(m[2].toLowerCase());
        });
        if (c.webhookDnsZone !== undefined && c.webhookHostname === undefined) {
            issue(["webhookDnsZone"], "is set without webhookHostname; expected webhookHostname too, or neither");
        }
        if (c.webhookDnsZone !== undefined) {
            const zone = azureDnsZoneId.exec(c.webhookDnsZone)?.[3]?.toLowerCase();
            const host = c.webhookHostname?.toLowerCase();
            if (zone === undefined) {
                issue(
                    ["webhookDnsZone"],
                    "expected the resource id of an Azure DNS zone such as /subscriptions/<subscription id>/resourceGroups/dns/providers/Microsoft.Network/dnszones/okd.example.org",
                );
            } else if (host !== undefined && !host.endsWith(`.${zone}`)) {
                // Front Door needs a CNAME for a custom domain, and DNS allows none at a zone's apex
                // (https://learn.microsoft.com/azure/frontdoor/apex-domain).
                issue(
                    ["webhookHostname"],
                    `${host === zone ? "is the apex of" : "is not below"} the Azure DNS zone ${zone} (webhookDnsZone); expected a name below it such as hooks.${zone}, which Front Door's CNAME can name`,
                );
            }
        }
        // AKS API server authorized IP ranges: public IPv4 only (the API server has an IPv4 address only, and the Azure
        // CLI refuses "IPv6 addresses" and non-"global" ranges, azure-cli acs/_validators.py validate_ip_ranges). AKS
        // takes up to 200 (https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges), above cidrList's 100.
        const cidrs = c.controlPlaneCidrs ?? [];
        cidrs.forEach((cidr, i) => {
            if (cidr.includes(":")) {
                issue(
                    ["controlPlaneCidrs", i],
                    "is IPv6; the AKS API server is reached over IPv4 only; expected an IPv4 block",
                );
            } else if (ipaddr.parseCIDR(cidr)[0].range() !== "unicast") {
                issue(
                    ["controlPlaneCidrs", i],
                    `is a ${ipaddr.parseCIDR(cidr)[0].range()} range; AKS authorizes public addresses only (the API server is public); expected a public IPv4 block`,
                );
            }
        });
    }
    if (platform === "gcp") {
        if (c.webhookHostname !== undefined && c.webhookDnsZone === undefined) {
            issue(
                ["webhookDnsZone"],
                "is required with webhookHostname on gcp: the site writes the webhook's A record, which its Google-managed certificate is validated through, in that Cloud DNS zone of gcpProject; expected the zone's name such as okd-example-org",
            );
        }
        if (c.webhookDnsZone !== undefined && c.webhookHostname === undefined) {
            issue(["webhookDnsZone"], "is set without webhookHostname; expected webhookHostname too, or neither");
        }
        if (c.webhookDnsZone !== undefined && !cloudDnsZoneName.test(c.webhookDnsZone)) {
            issue(
                ["webhookDnsZone"],
                "expected the name of a Cloud DNS managed zone (1-63 lower-case letters, digits and dashes, starting with a letter), not its DNS name",
            );
        }
    }
    return issues;
}
