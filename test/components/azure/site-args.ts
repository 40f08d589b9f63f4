import * as pulumi from "@pulumi/pulumi";

import type { AzureSiteArgs } from "../../../components/azure";

/** Stands for the installer's osServicePrincipal.json; must never appear in a recorded input. */
export const installerSentinel = "azure-installer-sentinel-b2tkLWNp";

/** A complete AzureSite configuration, as `cloudSiteArgs` builds it, with an Azure gate. */
export function azureSiteArgs(overrides: Partial<AzureSiteArgs> = {}): AzureSiteArgs {
    return {
        namePrefix: "azt",
        tags: { team: "okd-release" },
        protect: true,
        region: "westeurope",
        kubernetesVersion: "1.36",
        systemPool: { instanceType: "Standard_D2s_v5", nodes: 2 },
        buildPool: { instanceTypes: ["Standard_D8s_v5"], spot: true, minNodes: 0, maxNodes: 10, diskGb: 200 },
        retention: { nightlyDays: 14, untaggedDays: 1, logDays: 90 },
        gates: { azure: { blocking: false, baseDomain: "azure.ci.example.org", region: "westeurope" } },
        gateSecrets: { azure: pulumi.secret(installerSentinel) },
        ...overrides,
    };
}
