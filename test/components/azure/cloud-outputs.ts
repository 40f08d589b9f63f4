import type * as pulumi from "@pulumi/pulumi";

import { recorder } from "../../helpers";

/**
 * What Azure computes and the mocks cannot know: the AKS OIDC issuer and identities, the client and principal ids of
 * a managed identity. Without them those Outputs are undefined under mocks, and so are the inputs (and dependencies)
 * of everything that uses them. Values are derived from the resource name so tests can assert exact bindings.
 */
export const computed = {
    issuerUrl: (cluster: string) => `https://westeurope.oic.prod-aks.azure.com/tenant/${cluster}/`,
    kubeletObjectId: (cluster: string) => `${cluster}-kubelet-object-id`,
    clusterPrincipalId: (cluster: string) => `${cluster}-principal-id`,
    clientId: (identity: string) => `${identity}-client-id`,
    principalId: (identity: string) => `${identity}-principal-id`,
    /** A custom role definition's name, the GUID Azure (or azure-native's auto-naming) gives it. */
    roleDefinitionName: (role: string) => `${role}-guid`,
    /** Front Door endpoint host name (`<name>-<hash>.z01.azurefd.net`) and a custom domain's validation token. */
    frontDoorHost: (endpoint: string) => `${endpoint}-h4sh.z01.azurefd.net`,
    validationToken: (domain: string) => `${domain}-validation-token`,
};

function cloudState(type: string, name: string): Record<string, unknown> {
    switch (type) {
        case "azure-native:containerservice:ManagedCluster":
            return {
                oidcIssuerProfile: { enabled: true, issuerURL: computed.issuerUrl(name) },
                identityProfile: { kubeletidentity: { objectId: computed.kubeletObjectId(name) } },
                identity: { type: "SystemAssigned", principalId: computed.clusterPrincipalId(name) },
            };
        case "azure-native:authorization:RoleDefinition":
            return { name: computed.roleDefinitionName(name) };
        case "azure-native:cdn:AFDEndpoint":
            return { hostName: computed.frontDoorHost(name) };
        case "azure-native:cdn:AFDCustomDomain":
            return { validationProperties: { validationToken: computed.validationToken(name), expirationDate: "" } };
        case "azure-native:managedidentity:UserAssignedIdentity":
            return { clientId: computed.clientId(name), principalId: computed.principalId(name) };
        default:
            return {};
    }
}

/**
 * Runs `build` (which creates components and waits for them) with Azure's computed outputs added to the mocks'
 * state, then puts the suite's recorder back as it was.
 */
export async function withAzureOutputs<T>(build: () => Promise<T>): Promise<T> {
    const mocks = recorder();
    const original = mocks.newResource;
    mocks.newResource = (args: pulumi.runtime.MockResourceArgs) => {
        const result = original.call(mocks, args);
        return { ...result, state: { ...result.state, ...cloudState(args.type, args.name) } };
    };
    try {
        return await build();
    } finally {
        mocks.newResource = original;
    }
}
