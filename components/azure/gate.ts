import * as dns from "@pulumi/azure-native/dns";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";

import type { Gate } from "../shared/model";
import {
    type GateAccess,
    gateClusterPrefix,
    gateCredentials,
    gateCredentialsKey,
    gateCredentialsModes,
    physicalName,
    stateful,
} from "../shared";
import { nameOf } from "./naming";

export interface AzureE2eGateArgs {
    /** The `gates.azure` entry of the stack. */
    gate: Gate;
    /**
     * `osServicePrincipal.json` of the installer's service principal (`gateCredentialsAzure`, a secret Output).
     * openshift-install authenticates to Azure only with a client secret, a client certificate or the managed identity
     * of the VM it runs on; it cannot use a federated (workload identity) token, so the gate needs this file even on
     * an Azure site. See docs/platforms/azure.md.
     */
    installerCredentials?: pulumi.Output<string>;
    /** The subscription the site deploys into; a separate gate subscription (`gates.azure.subscription`) must differ. */
    siteSubscription: pulumi.Output<string>;
    /** Prefix of the gate's resource names and of its e2e cluster names. */
    namePrefix: string;
    /** Location of the resource group that holds the zone (the zone itself is global). */
    location: string;
    /** Tags for every resource the gate creates. */
    tags: Record<string, string>;
    /** Protect and retain the zone: recreating it changes its name servers and breaks the delegation. */
    protect: boolean;
}

/** `/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/dnszones/<zone>` (ARM ids are case-insensitive). */
const zoneIdPattern =
    /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/dnszones\/([^/]+)$/i;

/** The resource group and zone name of an Azure DNS zone resource id; throws on anything else. */
export function parseZoneId(id: string): { resourceGroup: string; zone: string } {
    const m = zoneIdPattern.exec(id);
    if (m === null) {
        throw new pulumi.RunError(
            `gates.azure.existingZone = ${JSON.stringify(id)} is not an Azure DNS zone resource id; expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/dnszones/<zone>`,
        );
    }
    return { resourceGroup: m[1], zone: m[2] };
}

/**
 * What an Azure e2e gate needs from the site: the public DNS zone of its base domain and the installer's credentials.
 * The installer's service principal and its roles are created once by hand (docs/platforms/azure.md): azure-native
 * cannot create Entra ID applications, and the installer cannot use a keyless identity. It installs in Passthrough
 * mode, the installer's default on Azure.
 *
 * - Separate subscription (`gates.azure.subscription`, the default): the stack creates nothing there; the zone is
 *   `existingZone` in that subscription.
 * - The site's own subscription (`sharedWithSite: true`): the stack creates the zone in its own resource group.
 */
export class AzureE2eGate extends pulumi.ComponentResource {
    public readonly access: GateAccess;
    /** Id of the zone (created or existing). */
    public readonly zoneId: pulumi.Output<string>;
    /** Name servers to delegate `baseDomain` to; empty for an existing zone. */
    public readonly nameServers: pulumi.Output<string[]>;

    constructor(name: string, args: AzureE2eGateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:azure:E2eGate", name, {}, opts);
        if (args.installerCredentials === undefined) {
            throw new pulumi.RunError(
                `gates.azure needs okd-ci:${gateCredentialsKey("azure")} even on an Azure site: openshift-install cannot authenticate with workload identity. Create the installer's service principal as docs/platforms/azure.md describes and set its osServicePrincipal.json with \`pulumi config set --secret ${gateCredentialsKey("azure")} < osServicePrincipal.json\``,
            );
        }
        const { gate } = args;
        let zoneResourceGroup: pulumi.Output<string>;
        if (gate.existingZone !== undefined) {
            const existing = parseZoneId(gate.existingZone);
            zoneResourceGroup = pulumi.output(existing.resourceGroup);
            this.zoneId = pulumi.output(gate.existingZone);
            this.nameServers = pulumi.output([]);
        } else {
            const groupName = physicalName(args.namePrefix, ["e2e-dns"], 90);
            const group = new resources.ResourceGroup(
                `${name}-dns-rg`,
                { resourceGroupName: groupName, location: args.location, tags: args.tags },
                { parent: this, ...stateful(args.protect) },
            );
            zoneResourceGroup = nameOf(group, groupName);
            const zone = new dns.Zone(
                `${name}-zone`,
                {
                    zoneName: gate.baseDomain,
                    resourceGroupName: zoneResourceGroup,
                    location: "global",
                    zoneType: dns.ZoneType.Public,
                    tags: args.tags,
                },
                { parent: this, ...stateful(args.protect) },
            );
            this.zoneId = zone.id;
            this.nameServers = zone.nameServers.apply((ns) => ns ?? []);
        }

        const separate = gate.subscription;
        // Checked where the site's subscription is known (the provider's): the config alone cannot tell.
        const zone = pulumi.all([args.siteSubscription, this.zoneId]).apply(([site, zoneId]) => {
            if (separate !== undefined && site.toLowerCase() === separate) {
                throw new pulumi.RunError(
                    `gates.azure.subscription = "${separate}" is the subscription the site deploys into; expected a separate subscription, or gates.azure.sharedWithSite: true instead of gates.azure.subscription`,
                );
            }
            return zoneId;
        });
        this.access = {
            ...gate,
            platform: "azure",
            zone,
            env: {
                // install-config `platform.azure.baseDomainResourceGroupName`: where the installer finds the zone.
                AZURE_BASE_DOMAIN_RESOURCE_GROUP: zoneResourceGroup,
                // No AZURE_REGION: e2e-install.sh writes install-config's region from REGION (the gate's region).
            },
            credentials: gateCredentials(
                "azure",
                args.installerCredentials,
                `create the installer's service principal and run \`pulumi config set --secret ${gateCredentialsKey("azure")} < osServicePrincipal.json\` (docs/platforms/azure.md)`,
            ),
            credentialsMode: gateCredentialsModes.azure,
            clusterPrefix: gateClusterPrefix(args.namePrefix),
            setup: { nameServers: this.nameServers },
        };
        this.registerOutputs({ zoneId: this.zoneId, nameServers: this.nameServers });
    }
}
