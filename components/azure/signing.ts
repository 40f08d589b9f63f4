import * as keyvault from "@pulumi/azure-native/keyvault";
import * as pulumi from "@pulumi/pulumi";

import { stateful } from "../shared";
import { nameOf } from "./naming";

export interface SigningKeyArgs {
    resourceGroupName: pulumi.Input<string>;
    /** Globally unique vault name (3-24 letters, digits and dashes). */
    vaultName: pulumi.Input<string>;
    location: string;
    tenantId: pulumi.Input<string>;
    /** Protect and retain the vault and key: without them no signature made with the key can be verified again. */
    protect: boolean;
    tags: Record<string, string>;
}

/** Name of the key in the vault. */
export const signingKeyName = "chains-signing";

/**
 * Tekton Chains' signing key in Azure Key Vault: an EC P-256 key that can only sign and verify, in a vault with RBAC
 * authorization (no access policies), purge protection and 90 days of soft delete. Chains signs through it with its
 * own workload identity (`signers.kms.kmsref: azurekms://<vault>.vault.azure.net/chains-signing`; sigstore's azurekms
 * client authenticates with azidentity's DefaultAzureCredential, which takes AKS workload identity's
 * AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_FEDERATED_TOKEN_FILE); promotion reads its public key.
 *
 * The reference names no version, so sigstore uses the key's current one: rotate by creating a key under a new name
 * and moving the reference, never by adding a version, or verifiers of older signatures would fetch the wrong public
 * key.
 */
export function createSigningKey(
    name: string,
    args: SigningKeyArgs,
    opts: pulumi.CustomResourceOptions,
): { vault: keyvault.Vault; key: keyvault.Key; kmsRef: pulumi.Output<string> } {
    const keep = { ...opts, ...stateful(args.protect) };
    const vault = new keyvault.Vault(
        `${name}-chains-vault`,
        {
            vaultName: args.vaultName,
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            properties: {
                tenantId: args.tenantId,
                sku: { family: "A", name: "standard" },
                enableRbacAuthorization: true,
                enableSoftDelete: true,
                softDeleteRetentionInDays: 90,
                // Once on, it cannot be turned off: a deleted key stays recoverable for the retention period.
                enablePurgeProtection: true,
                publicNetworkAccess: "Enabled",
            },
            tags: args.tags,
        },
        keep,
    );
    const vaultName = nameOf(vault, args.vaultName);
    const key = new keyvault.Key(
        `${name}-chains-key`,
        {
            resourceGroupName: args.resourceGroupName,
            vaultName,
            keyName: signingKeyName,
            properties: { kty: "EC", curveName: "P-256", keyOps: ["sign", "verify"] },
            tags: args.tags,
        },
        keep,
    );
    const kmsRef = vaultName.apply((v) => `azurekms://${v}.vault.azure.net/${signingKeyName}`);
    return { vault, key, kmsRef };
}
