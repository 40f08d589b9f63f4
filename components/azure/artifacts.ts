import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import type * as azureInputs from "@pulumi/azure-native/types/input";

import { type SiteArtifacts, artifactRules, stateful } from "../shared";
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
    /** Child resources of the account (blob service properties, lifecycle policy, container). */
    children: pulumi.Resource[];
    /** Resolves to the storage account's name once it exists. */
    accountName: pulumi.Output<string>;
    site: SiteArtifacts;
}

/**
 * Artifact storage: a StorageV2 account reachable only over HTTPS with TLS 1.2+, no anonymous access and no shared
 * keys (every client, the pipelines included, authenticates with Entra ID), versioning and soft delete so an overwrite
 * or a deletion can be undone, and a lifecycle policy under which only `logs/` expires (see `lifecycleRules`).
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

    const lifecycle = new storage.ManagementPolicy(
        `${name}-artifacts-lifecycle`,
        {
            ...inAccount,
            managementPolicyName: "default",
            policy: { rules: lifecycleRules(args.containerName, args.logDays) },
        },
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
        children: [blobService, lifecycle, container],
        accountName,
        site: {
            kind: "azure-blob",
            bucket: containerName,
            url: pulumi.interpolate`https://${accountName}.blob.core.windows.net/${containerName}/`,
        },
    };
}

/**
 * The shared retention rules as Azure lifecycle rules. Two rules of the Azure lifecycle engine shape them
 * (https://learn.microsoft.com/azure/storage/blobs/lifecycle-management-policy-structure):
 *
 * - "A prefix string must start with a container name": `prefixMatch` is `<container>/<prefix>`, e.g.
 *   `artifacts/logs/`. A bare `logs/` would name a container called `logs` and match nothing here, so logs would
 *   never expire.
 * - "Rules for previous versions use the creation time of that version when the blob was first written (not when the
 *   version became a previous version)": `daysAfterCreationGreaterThan` on `version` counts from the write that
 *   created the version, and no condition counts from when it was superseded. A version superseded on the day it
 *   was written and one superseded a year later are judged alike.
 *
 * So each expiring prefix deletes its current blobs `expireDays` after their last write and their previous versions
 * `expireDays + noncurrentDays` after they were written: the base rule supersedes every version within `expireDays`
 * of its write, so each previous version is kept at least `noncurrentDays` after it was superseded, as the shared
 * rule intends. Outside the expiring prefixes (release records) no rule deletes anything, previous versions included:
 * a creation-based age cannot promise that an overwrite stays undoable for `recordVersionDays`, since a record may be
 * overwritten years after it was written, so its old versions are kept (small JSON documents, one per overwrite).
 */
export function lifecycleRules(containerName: string, logDays: number): azureInputs.storage.ManagementPolicyRuleArgs[] {
    return artifactRules(logDays).map((rule) => ({
        name: `expire-${rule.prefix.replace(/[^a-z0-9]/g, "")}`,
        enabled: true,
        type: "Lifecycle",
        definition: {
            filters: { blobTypes: ["blockBlob"], prefixMatch: [`${containerName}/${rule.prefix}`] },
            actions: {
                baseBlob: { delete: { daysAfterModificationGreaterThan: rule.expireDays } },
                version: { delete: { daysAfterCreationGreaterThan: rule.expireDays + rule.noncurrentDays } },
            },
        },
    }));
}
