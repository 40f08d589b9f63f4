import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import type * as azureInputs from "@pulumi/azure-native/types/input";

import { type SiteArtifacts, artifactRules, recordVersionDays, stateful } from "../shared";
import { nameOf } from "./naming";

/** Days deleted blobs and containers can be restored (soft delete). */
export const softDeleteDays = 14;

export interface ArtifactsArgs {
    resourceGroupName: pulumi.Input<string>;
    /** Globally unique storage account name (3-24 lower-case letters and digits). */
    accountName: pulumi.Input<string>;
    /** Blob container of the artifacts. */
    containerName: string;
    location: string;
    logDays: number;
    protect: boolean;
    tags: Record<string, string>;
}

export interface Artifacts {
    account: storage.StorageAccount;
    container: storage.BlobContainer;
    /** Resolves to the storage account's name once it exists. */
    accountName: pulumi.Output<string>;
    site: SiteArtifacts;
}

/**
 * Artifact storage: a StorageV2 account reachable only over HTTPS with TLS 1.2+, no anonymous access and no shared
 * keys (every client, the pipelines included, authenticates with Entra ID), versioning and soft delete so an overwrite
 * or a deletion can be undone, and a lifecycle policy under which only `logs/` expires.
 */
export function createArtifacts(name: string, args: ArtifactsArgs, opts: pulumi.CustomResourceOptions): Artifacts {
    const account = new storage.StorageAccount(
        `${name}-artifacts`,
        {
            accountName: args.accountName,
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            kind: "StorageV2",
            sku: { name: "Standard_LRS" },
            accessTier: "Hot",
            enableHttpsTrafficOnly: true,
            minimumTlsVersion: "TLS1_2",
            allowBlobPublicAccess: false,
            allowSharedKeyAccess: false,
            defaultToOAuthAuthentication: true,
            allowCrossTenantReplication: false,
            isLocalUserEnabled: false,
            isSftpEnabled: false,
            tags: args.tags,
        },
        { ...opts, ...stateful(args.protect) },
    );
    const accountName = nameOf(account, args.accountName);
    const inAccount = { resourceGroupName: args.resourceGroupName, accountName };

    const blobService = new storage.BlobServiceProperties(
        `${name}-artifacts-blob`,
        {
            ...inAccount,
            blobServicesName: "default",
            isVersioningEnabled: true,
            deleteRetentionPolicy: { enabled: true, days: softDeleteDays },
            containerDeleteRetentionPolicy: { enabled: true, days: softDeleteDays },
        },
        opts,
    );

    new storage.ManagementPolicy(
        `${name}-artifacts-lifecycle`,
        { ...inAccount, managementPolicyName: "default", policy: { rules: lifecycleRules(args.logDays) } },
        // Version rules need versioning on first.
        { ...opts, dependsOn: [blobService] },
    );

    const container = new storage.BlobContainer(
        `${name}-artifacts-container`,
        { ...inAccount, containerName: args.containerName, publicAccess: storage.PublicAccess.None },
        { ...opts, ...stateful(args.protect) },
    );
    const containerName = nameOf(container, args.containerName);

    return {
        account,
        container,
        accountName,
        site: {
            kind: "azure-blob",
            bucket: containerName,
            url: pulumi.interpolate`https://${accountName}.blob.core.windows.net/${containerName}/`,
        },
    };
}

/**
 * The shared retention rules as Azure lifecycle rules: each expiring prefix deletes its blobs after `expireDays` and
 * their old versions after `noncurrentDays`; old versions of everything else (release records) go after
 * `recordVersionDays`. No rule deletes a current blob outside `logs/`.
 */
export function lifecycleRules(logDays: number): azureInputs.storage.ManagementPolicyRuleArgs[] {
    const expiring = artifactRules(logDays).map((rule) => ({
        name: `expire-${rule.prefix.replace(/[^a-z0-9]/g, "")}`,
        enabled: true,
        type: "Lifecycle",
        definition: {
            filters: { blobTypes: ["blockBlob"], prefixMatch: [rule.prefix] },
            actions: {
                baseBlob: { delete: { daysAfterModificationGreaterThan: rule.expireDays } },
                version: { delete: { daysAfterCreationGreaterThan: rule.noncurrentDays } },
            },
        },
    }));
    return [
        ...expiring,
        {
            name: "expire-old-versions",
            enabled: true,
            type: "Lifecycle",
            definition: {
                filters: { blobTypes: ["blockBlob"] },
                actions: { version: { delete: { daysAfterCreationGreaterThan: recordVersionDays } } },
            },
        },
    ];
}
