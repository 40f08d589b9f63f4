import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import type { AzureSite } from "../../../components/azure";
import { find, settled, under, useMocks, valueOf } from "../../helpers";
import { azureSiteArgs } from "./site-args";

const gate = { blocking: true, baseDomain: "azure.ci.example.org", region: "westeurope" };
const zoneId =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dns-rg/providers/Microsoft.Network/dnszones/azure.ci.example.org";

describe("azure e2e gate", () => {
    useMocks();

    it("references an existing zone by resource id and creates none", async () => {
        const { AzureE2eGate } = await import("../../../components/azure");
        const e2e = new AzureE2eGate("aze-existing", {
            gate: { ...gate, existingZone: zoneId },
            installerCredentials: pulumi.secret("{}"),
            siteSubscription: pulumi.output("11111111-2222-3333-4444-555555555555"),
            namePrefix: "aze",
            location: "westeurope",
            tags: {},
            protect: true,
        });
        await settled();
        assert.equal(under("aze-existing", "azure-native:dns:Zone").length, 0);
        assert.equal(await valueOf(e2e.access.zone), zoneId);
        assert.equal(await valueOf(e2e.access.env.AZURE_BASE_DOMAIN_RESOURCE_GROUP), "dns-rg");
    });

    it("rejects an existingZone that is not an Azure DNS zone resource id", async () => {
        const { parseZoneId } = await import("../../../components/azure");
        assert.deepEqual(parseZoneId(zoneId), { resourceGroup: "dns-rg", zone: "azure.ci.example.org" });
        assert.throws(() => parseZoneId("azure.ci.example.org"), /is not an Azure DNS zone resource id/);
        assert.throws(() => parseZoneId(zoneId.replace("dnszones", "privateDnsZones")), /resource id/);
    });

    it("refuses to run without the installer's service principal, which workload identity cannot replace", async () => {
        const { AzureE2eGate } = await import("../../../components/azure");
        assert.throws(
            () =>
                new AzureE2eGate("aze-nocreds", {
                    gate,
                    siteSubscription: pulumi.output("11111111-2222-3333-4444-555555555555"),
                    namePrefix: "aze",
                    location: "westeurope",
                    tags: {},
                    protect: true,
                }),
            /gateCredentialsAzure even on an Azure site: openshift-install cannot authenticate with workload identity/,
        );
    });

    it("installs in Passthrough mode, the installer's default on Azure, which has no Mint mode", async () => {
        const { AzureE2eGate } = await import("../../../components/azure");
        const e2e = new AzureE2eGate("aze-mode", {
            gate: { ...gate, existingZone: zoneId, subscription: "00000000-0000-0000-0000-000000000000" },
            installerCredentials: pulumi.secret("{}"),
            siteSubscription: pulumi.output("11111111-2222-3333-4444-555555555555"),
            namePrefix: "aze",
            location: "westeurope",
            tags: {},
            protect: true,
        });
        assert.equal(e2e.access.credentialsMode, "Passthrough");
        assert.equal(e2e.access.clusterPrefix, "aze-e2e");
        assert.equal(await valueOf(e2e.access.zone), zoneId);
    });

    it("refuses a separate gate subscription that is the site's own", async () => {
        const { AzureE2eGate } = await import("../../../components/azure");
        const e2e = new AzureE2eGate("aze-self", {
            gate: { ...gate, existingZone: zoneId, subscription: "00000000-0000-0000-0000-000000000000" },
            installerCredentials: pulumi.secret("{}"),
            siteSubscription: pulumi.output("00000000-0000-0000-0000-000000000000"),
            namePrefix: "aze",
            location: "westeurope",
            tags: {},
            protect: true,
        });
        // Output.promise() is how the SDK itself awaits an Output; a failed apply rejects it.
        await assert.rejects(
            (e2e.access.zone as unknown as { promise(): Promise<unknown> }).promise(),
            /gates\.azure\.subscription = "00000000-0000-0000-0000-000000000000" is the subscription the site deploys into/,
        );
    });
});

describe("azure site with a gate on another cloud", () => {
    useMocks();

    let site: AzureSite;
    before(async () => {
        const { AzureSite } = await import("../../../components/azure");
        site = new AzureSite(
            "azf",
            azureSiteArgs({
                namePrefix: "azf",
                gates: {
                    aws: {
                        blocking: true,
                        baseDomain: "aws.ci.example.org",
                        region: "us-east-1",
                        existingZone: "Z123",
                    },
                },
                gateSecrets: { aws: pulumi.secret("[default]\naws_access_key_id = x\n") },
            }),
        );
        await settled();
    });

    it("creates nothing for it in Azure and hands its credentials over as a secret", async () => {
        assert.equal(under("azf", "azure-native:dns:Zone").length, 0);
        assert.equal(under("azf", "okd-ci:azure:E2eGate").length, 0);
        assert.equal(site.gates.length, 1);
        const [aws] = site.gates;
        assert.equal(aws.platform, "aws");
        assert.equal(await valueOf(aws.zone), "Z123");
        assert.equal(aws.credentials.fileName, ".awscred");
        assert.equal(await pulumi.isSecret(aws.credentials.value as pulumi.Output<string>), true);
    });

    it("still builds the site around it", async () => {
        const aks = find("azure-native:containerservice:ManagedCluster", "azf-cluster").inputs as Record<
            string,
            unknown
        >;
        assert.deepEqual(aks.oidcIssuerProfile, { enabled: true });
        assert.deepEqual(aks.securityProfile, { workloadIdentity: { enabled: true } });
        // The registry and artifact store the pipelines use are the site's own, whatever cloud the gate runs on.
        assert.match(await valueOf(site.registry.host), /^azf[a-z0-9]*\.azurecr\.io$/);
        assert.equal(site.artifacts.kind, "azure-blob");
    });
});
