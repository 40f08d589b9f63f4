import type { OkdCiConfig } from "./config/load";
import type { CloudPlatform } from "./config/schema";
import type { CloudSiteArgs, Site } from "../components/shared";

/** Maps the stack configuration to what every cloud site takes. */
export function cloudSiteArgs(config: OkdCiConfig): CloudSiteArgs {
    const gateSecrets: CloudSiteArgs["gateSecrets"] = {};
    const secretFor: Record<CloudPlatform, keyof OkdCiConfig["secrets"]> = {
        aws: "gateCredentialsAws",
        gcp: "gateCredentialsGcp",
        azure: "gateCredentialsAzure",
    };
    for (const cloud of Object.keys(config.gates) as CloudPlatform[]) {
        const secret = config.secrets[secretFor[cloud]];
        if (secret !== undefined) gateSecrets[cloud] = secret;
    }
    return {
        namePrefix: config.namePrefix,
        tags: config.tags,
        protect: config.protect,
        region: config.region ?? "",
        kubernetesVersion: config.kubernetesVersion,
        systemPool: { instanceType: config.systemInstanceType, nodes: config.systemNodes },
        buildPool: {
            instanceTypes: config.buildInstanceTypes,
            spot: config.buildSpot,
            minNodes: config.buildMinNodes,
            maxNodes: config.buildMaxNodes,
            diskGb: config.buildDiskGb,
        },
        retention: {
            nightlyDays: config.nightlyRetentionDays,
            untaggedDays: config.untaggedRetentionDays,
            keepPayloads: config.nightlyRetentionDays * Math.max(1, config.streams.length),
            logDays: config.logRetentionDays,
        },
        gates: config.gates,
        gateSecrets,
        profile: config.profile,
        adminPrincipals: config.adminPrincipals ?? [],
        controlPlaneCidrs: config.controlPlaneCidrs ?? [],
        webhook: {
            hostname: config.webhookHostname,
            dnsZone: config.webhookDnsZone,
            sourceRanges: config.webhookSourceRanges ?? [],
        },
    };
}

/**
 * Builds the selected platform's site. Each platform's module (and so its cloud SDK) is loaded only when selected:
 * an aws stack never loads @pulumi/gcp or @pulumi/azure-native.
 */
export async function createSite(config: OkdCiConfig): Promise<Site> {
    const name = config.namePrefix;
    switch (config.platform) {
        case "local": {
            const { LocalSite } = await import("../components/local");
            return new LocalSite(name, {
                kubeconfig: config.kubeconfig,
                context: config.kubeContext,
                storageClass: config.storageClass,
                objectStoreCredentials:
                    config.secrets.objectStoreAccessKey !== undefined &&
                    config.secrets.objectStoreSecretKey !== undefined
                        ? {
                              accessKeyId: config.secrets.objectStoreAccessKey,
                              secretAccessKey: config.secrets.objectStoreSecretKey,
                          }
                        : undefined,
            });
        }
        case "aws": {
            const { AwsSite } = await import("../components/aws");
            return new AwsSite(name, cloudSiteArgs(config));
        }
        case "gcp": {
            const { GcpSite } = await import("../components/gcp");
            // crossKeyIssues guarantees gcpProject on gcp.
            return new GcpSite(name, { ...cloudSiteArgs(config), project: config.gcpProject as string });
        }
        case "azure": {
            const { AzureSite } = await import("../components/azure");
            return new AzureSite(name, cloudSiteArgs(config));
        }
    }
}
