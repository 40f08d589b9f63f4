import * as pulumi from "@pulumi/pulumi";

/**
 * Azure built-in role definition GUIDs (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
 * They are the same in every subscription and tenant of the public cloud, so the stack names them directly instead
 * of looking them up with an invoke.
 */
export const builtInRoles = {
    /** Push and pull images in a registry (Microsoft.ContainerRegistry/registries/push/write, pull/read). */
    acrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
    /** Pull images from a registry. */
    acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    /** Read, write and delete blobs and containers (data plane). */
    storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    /** Read and list blobs and containers (data plane). */
    storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    /** Use keys of a Key Vault with RBAC authorization: read, sign, verify (and key operations the key itself refuses). */
    keyVaultCryptoUser: "12338af0-0e69-4776-bea7-57ae8d297424",
    /** Read Key Vault metadata, a key's public part included; no cryptographic operation, no secret value. */
    keyVaultReader: "21090545-7ca7-4776-b22c-e363652d74d2",
    /** Manage every resource, but not role assignments. */
    contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    /** Manage role assignments (what the installer needs to give the cluster its identities). */
    userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    /** Full access to the Kubernetes API of an AKS cluster with Azure RBAC for Kubernetes authorization. */
    aksRbacClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    /** Manage networking resources (AKS needs it to attach a public IP that lives outside its node resource group). */
    networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
} as const;
export type BuiltInRole = keyof typeof builtInRoles;

/** The full role definition id ARM expects in a role assignment. */
export function roleDefinitionId(subscriptionId: pulumi.Input<string>, role: BuiltInRole): pulumi.Output<string> {
    return pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${builtInRoles[role]}`;
}

/**
 * Public client applications people sign in through (Azure CLI, Azure PowerShell, Visual Studio Code). When the
 * deployer's token comes from one of them, the deployer is a user; otherwise a service principal or managed identity.
 */
export const interactiveClientIds = [
    "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
    "1950a258-227b-4e31-a9cf-717495945fc2",
    "aebc6443-996d-45c2-90f0-388ff96faa56",
];

/**
 * The principal type of the deployer, for its role assignment: ARM rejects an assignment whose principalType does not
 * match the principal, and azure-native defaults it to `User`.
 */
export function deployerPrincipalType(clientId: string): "User" | "ServicePrincipal" {
    return interactiveClientIds.includes(clientId.toLowerCase()) ? "User" : "ServicePrincipal";
}

/**
 * An Entra principal for an Azure role assignment: its kind (the assignment's `principalType`, which ARM checks against
 * the principal, and which azure-native otherwise sets to User) and its object id.
 */
export const azureAdminPrincipal =
    /^(user|group|servicePrincipal):([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;
