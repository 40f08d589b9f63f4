/**
 * Keys whose meaning depends on the platform: Kubernetes minors in each service's standard support, the keys only
 * some sites implement, and the AWS forms of admin principals, CIDRs and the webhook's zone.
 */
import * as assert from "node:assert/strict";

import { type ConfigProblem, ConfigError, loadConfig } from "../../src/config/load";
import { kubernetesSupport, supportedMinors } from "../../components/shared/kubernetes";
import { platformSupport } from "../../src/config/schema";
import { mapSource } from "../helpers";

const aws = {
    platform: "aws",
    region: "us-east-1",
    adminPrincipals: ["arn:aws:iam::111122223333:role/okd-ci-deployer"],
};
const gcp = { platform: "gcp", region: "us-central1", gcpProject: "okd-proj" };
const azure = { platform: "azure", region: "westeurope" };

function problems(values: Record<string, unknown>): ConfigProblem[] {
    try {
        loadConfig(mapSource(values));
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
    return [];
}
const lines = (values: Record<string, unknown>) => problems(values).map((p) => `${p.key} = ${p.value}: ${p.message}`);

describe("platform-specific configuration", () => {
    describe("Kubernetes versions", () => {
        it("keeps one dated list per platform, with its default among its minors", () => {
            for (const [platform, k] of Object.entries(kubernetesSupport)) {
                assert.ok(supportedMinors(platform as "aws").includes(k.default), platform);
                assert.match(k.checked, /^\d{4}-\d{2}(-\d{2})?$/, platform);
            }
            assert.equal(kubernetesSupport.aws.unverified, undefined, "the aws list is checked");
            for (const m of kubernetesSupport.aws.minors) assert.match(m.standardSupportEnds, /^\d{4}-\d{2}-\d{2}$/);
        });

        it("accepts on aws only the minors in EKS standard support on the day the list was checked", () => {
            assert.deepEqual(supportedMinors("aws"), ["1.34", "1.35", "1.36"]);
            assert.deepEqual(problems({ ...aws, kubernetesVersion: "1.35" }), []);
            assert.deepEqual(lines({ ...aws, kubernetesVersion: "1.32" }), [
                'okd-ci:kubernetesVersion = "1.32": is not in Amazon EKS standard support (checked 2026-11-30); expected one of 1.34, 1.35, 1.36',
            ]);
        });

        it("judges the same minor by each platform's own list", () => {
            assert.deepEqual(problems({ ...aws, kubernetesVersion: "1.34" }), []);
            assert.equal(problems({ ...gcp, kubernetesVersion: "1.34" }).length, 1);
        });

        it("defaults to the platform's own default minor", () => {
            assert.equal(loadConfig(mapSource(aws)).kubernetesVersion, kubernetesSupport.aws.default);
            assert.equal(loadConfig(mapSource(gcp)).kubernetesVersion, kubernetesSupport.gcp.default);
        });
    });

    describe("keys a site must implement", () => {
        it("refuses a key on a platform whose site does not honour it, naming the sites that do", () => {
            assert.deepEqual(lines({ ...gcp, adminPrincipals: ["user:alice@example.org"] }), [
                'okd-ci:adminPrincipals = ["user:alice@example.org"]: is not supported on gcp yet; the aws, azure sites implement it',
            ]);
        });

        it("lists every such key with at least the aws site", () => {
            for (const [key, platforms] of Object.entries(platformSupport)) {
                assert.ok((platforms as readonly string[]).includes("aws"), key);
            }
        });
    });

    describe("admin principals", () => {
        it("requires at least one on aws, where the cluster gives its creator no access entry", () => {
            assert.deepEqual(lines({ platform: "aws", region: "us-east-1" }), [
                "okd-ci:adminPrincipals = (not set): is required on aws: the EKS cluster gives access only to these principals, the identity that runs pulumi up included; expected IAM role or user ARNs such as [arn:aws:iam::111122223333:role/okd-ci-deployer]",
            ]);
        });

        it("takes <kind>:<object id> on azure, refusing a bare id, an unknown kind and a duplicate by position", () => {
            const id = "5b0c5f0e-1d7e-4c3a-9a51-0f2d7a1c9e11";
            assert.deepEqual(
                problems({ ...azure, adminPrincipals: [`user:${id}`, `group:${id.replace("5b", "6b")}`] }),
                [],
            );
            assert.deepEqual(
                problems({
                    ...azure,
                    adminPrincipals: [id, `app:${id}`, `user:${id}`, `servicePrincipal:${id.toUpperCase()}`],
                }).map((p) => [p.key, p.message.split(",")[0]]),
                [
                    ["okd-ci:adminPrincipals[0]", "expected <kind>:<Entra object id>"],
                    ["okd-ci:adminPrincipals[1]", "expected <kind>:<Entra object id>"],
                    [
                        "okd-ci:adminPrincipals[3]",
                        "is listed twice; Azure allows one assignment of a role per principal and scope",
                    ],
                ],
            );
        });
    });

    describe("aws forms", () => {
        it("takes IAM role and user ARNs as admin principals, a role with a path included", () => {
            const c = loadConfig(
                mapSource({
                    ...aws,
                    adminPrincipals: [
                        "arn:aws:iam::111122223333:role/okd-ci-deployer",
                        "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123",
                        "arn:aws:iam::111122223333:user/alice",
                    ],
                }),
            );
            assert.equal(c.adminPrincipals?.length, 3);
        });

        it("refuses a session ARN, a non-ARN and a duplicate, each by position", () => {
            const role = "arn:aws:iam::111122223333:role/okd-ci-deployer";
            assert.deepEqual(
                problems({
                    ...aws,
                    adminPrincipals: [
                        "arn:aws:sts::111122223333:assumed-role/okd-ci-deployer/session",
                        "alice",
                        role,
                        role,
                    ],
                }).map((p) => [p.key, p.message.split(";")[0]]),
                [
                    ["okd-ci:adminPrincipals[0]", "is an assumed-role session"],
                    [
                        "okd-ci:adminPrincipals[1]",
                        "expected an IAM role or user ARN such as arn:aws:iam::111122223333:role/okd-ci-deployer",
                    ],
                    [
                        "okd-ci:adminPrincipals[3]",
                        `is listed twice: it names the same principal (aws:111122223333:role/okd-ci-deployer) as adminPrincipals[2] = ${role}`,
                    ],
                ],
            );
        });

        it("refuses a role listed with and without its path, naming both entries", () => {
            const sso = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123";
            assert.deepEqual(
                lines({
                    ...aws,
                    adminPrincipals: [
                        sso,
                        "arn:aws:iam::111122223333:role/okd-ci",
                        "arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123",
                    ],
                }),
                [
                    `okd-ci:adminPrincipals[2] = "arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123": is listed twice: it names the same principal (aws:111122223333:role/AWSReservedSSO_Admin_0123) as adminPrincipals[0] = ${sso}; EKS allows one access entry per principal, and a role with or without its path is one principal; expected it once`,
                ],
            );
            // A user and a role of one name, or one role name in two accounts, are different principals.
            assert.deepEqual(
                problems({
                    ...aws,
                    adminPrincipals: [
                        "arn:aws:iam::111122223333:role/ci",
                        "arn:aws:iam::111122223333:user/ci",
                        "arn:aws:iam::444455556666:role/ci",
                    ],
                }),
                [],
            );
        });

        it("refuses control-plane CIDRs that are not network addresses, or IPv6 for an IPv4 EKS endpoint", () => {
            assert.deepEqual(lines({ ...aws, controlPlaneCidrs: ["203.0.113.7/24", "nope"] }), [
                'okd-ci:controlPlaneCidrs[0] = "203.0.113.7/24": is not a network address; expected 203.0.113.0/24',
                'okd-ci:controlPlaneCidrs[1] = "nope": expected a CIDR block such as 203.0.113.0/24 or 2001:db8::/32',
            ]);
            assert.deepEqual(lines({ ...aws, controlPlaneCidrs: ["203.0.113.0/24", "2001:db8::/32"] }), [
                'okd-ci:controlPlaneCidrs[1] = "2001:db8::/32": is IPv6; the EKS public endpoint of an IPv4 cluster is reached over IPv4 only; expected an IPv4 block',
            ]);
        });

        it("takes IPv4 and IPv6 webhook source ranges, up to the 60 rules a security group holds", () => {
            const c = loadConfig(mapSource({ ...aws, webhookSourceRanges: ["192.30.252.0/22", "2606:50c0::/32"] }));
            assert.deepEqual(c.webhookSourceRanges, ["192.30.252.0/22", "2606:50c0::/32"]);
            const many = Array.from({ length: 61 }, (_, i) => `10.${i}.0.0/16`);
            assert.match(lines({ ...aws, webhookSourceRanges: many })[0], /has 61 blocks; .*expected at most 60/);
            assert.deepEqual(problems({ ...gcp, webhookSourceRanges: many }), []);
        });

        it("needs the Route 53 zone with a webhook host name, and a zone id that looks like one", () => {
            assert.deepEqual(
                lines({ ...aws, webhookHostname: "hooks.okd.example.org" }).map((l) => l.split(";")[0]),
                [
                    "okd-ci:webhookDnsZone = (not set): is required with webhookHostname on aws: the site validates the webhook's ACM certificate and writes its alias record in that Route 53 public hosted zone",
                ],
            );
            assert.deepEqual(lines({ ...aws, webhookHostname: "hooks.okd.example.org", webhookDnsZone: "okd-zone" }), [
                'okd-ci:webhookDnsZone = "okd-zone": expected a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ',
            ]);
            assert.deepEqual(
                problems({ ...aws, webhookHostname: "hooks.okd.example.org", webhookDnsZone: "Z0123456789ABCDEFGHIJ" }),
                [],
            );
        });
    });

    describe("small profile", () => {
        it("makes one t3.medium the system pool on aws unless the stack says otherwise", () => {
            const small = loadConfig(mapSource({ ...aws, profile: "small" }));
            assert.deepEqual([small.systemInstanceType, small.systemNodes], ["t3.medium", 1]);
            const chosen = loadConfig(
                mapSource({ ...aws, profile: "small", systemNodes: 2, systemInstanceType: "t3.large" }),
            );
            assert.deepEqual([chosen.systemInstanceType, chosen.systemNodes], ["t3.large", 2]);
            const standard = loadConfig(mapSource(aws));
            assert.deepEqual(
                [standard.profile, standard.systemInstanceType, standard.systemNodes],
                ["standard", "m6i.large", 2],
            );
        });
    });

    // https://learn.microsoft.com/azure/aks/supported-kubernetes-versions, calendar checked 2026-11-30.
    describe("azure forms", () => {
        it("accepts on azure only the minors in AKS standard support on the day the list was checked", () => {
            assert.equal(kubernetesSupport.azure.unverified, undefined, "the azure list is checked");
            assert.deepEqual(supportedMinors("azure"), ["1.34", "1.35", "1.36"]);
            for (const m of kubernetesSupport.azure.minors) assert.match(m.standardSupportEnds, /^\d{4}-\d{2}-\d{2}$/);
            assert.equal(loadConfig(mapSource(azure)).kubernetesVersion, "1.36");
            assert.deepEqual(lines({ ...azure, kubernetesVersion: "1.33" }), [
                'okd-ci:kubernetesVersion = "1.33": is not in AKS standard support (checked 2026-11-30); expected one of 1.34, 1.35, 1.36',
            ]);
        });

        // azure-cli acs/_validators.py validate_ip_ranges; https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges
        it("takes public IPv4 control-plane CIDRs only", () => {
            assert.deepEqual(
                loadConfig(mapSource({ ...azure, controlPlaneCidrs: ["20.50.0.0/16"] })).controlPlaneCidrs,
                ["20.50.0.0/16"],
            );
            assert.deepEqual(lines({ ...azure, controlPlaneCidrs: ["2001:db8::/32", "10.0.0.0/8"] }), [
                'okd-ci:controlPlaneCidrs[0] = "2001:db8::/32": is IPv6; the AKS API server is reached over IPv4 only; expected an IPv4 block',
                'okd-ci:controlPlaneCidrs[1] = "10.0.0.0/8": is a private range; AKS authorizes public addresses only (the API server is public); expected a public IPv4 block',
            ]);
        });

        it("takes IPv4 and IPv6 webhook source ranges", () => {
            assert.deepEqual(problems({ ...azure, webhookSourceRanges: ["192.30.252.0/22", "2606:50c0::/32"] }), []);
        });

        const zoneId =
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dns/providers/Microsoft.Network/dnszones/okd.example.org";
        it("takes a webhook host name with or without the Azure DNS zone's resource id, and source ranges with it", () => {
            assert.deepEqual(problems({ ...azure, webhookHostname: "hooks.okd.example.org" }), []);
            assert.deepEqual(
                problems({
                    ...azure,
                    webhookHostname: "hooks.okd.example.org",
                    webhookDnsZone: zoneId,
                    webhookSourceRanges: ["192.30.252.0/22"],
                }),
                [],
            );
        });

        it("refuses a zone that is not an Azure DNS zone id, a zone without host name, and a host not below the zone", () => {
            assert.deepEqual(
                lines({ ...azure, webhookHostname: "hooks.okd.example.org", webhookDnsZone: "okd-zone" }),
                [
                    'okd-ci:webhookDnsZone = "okd-zone": expected the resource id of an Azure DNS zone such as /subscriptions/<subscription id>/resourceGroups/dns/providers/Microsoft.Network/dnszones/okd.example.org',
                ],
            );
            // The long value is shortened in the message; the key and the rule are what matter.
            assert.deepEqual(
                problems({ ...azure, webhookDnsZone: zoneId }).map((p) => `${p.key}: ${p.message}`),
                ["okd-ci:webhookDnsZone: is set without webhookHostname; expected webhookHostname too, or neither"],
            );
            assert.deepEqual(lines({ ...azure, webhookHostname: "hooks.example.com", webhookDnsZone: zoneId }), [
                'okd-ci:webhookHostname = "hooks.example.com": is not below the Azure DNS zone okd.example.org (webhookDnsZone); expected a name below it such as hooks.okd.example.org, which Front Door\'s CNAME can name',
            ]);
            assert.deepEqual(lines({ ...azure, webhookHostname: "okd.example.org", webhookDnsZone: zoneId }), [
                'okd-ci:webhookHostname = "okd.example.org": is the apex of the Azure DNS zone okd.example.org (webhookDnsZone); expected a name below it such as hooks.okd.example.org, which Front Door\'s CNAME can name',
            ]);
        });

        it("makes one Standard_D2s_v5 the system pool with the small profile unless the stack says otherwise", () => {
            const small = loadConfig(mapSource({ ...azure, profile: "small" }));
            assert.deepEqual([small.systemInstanceType, small.systemNodes], ["Standard_D2s_v5", 1]);
            const standard = loadConfig(mapSource(azure));
            assert.deepEqual([standard.systemInstanceType, standard.systemNodes], ["Standard_D2s_v5", 2]);
        });
    });
});
