import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";

import { type ArtifactPrefix, type IdentityRole, identityGrants, identitySubjects } from "../shared/site";
import { roleDefinitionId } from "./roles";

/** The audience AKS workload identity tokens carry and Entra ID expects in a federated credential. */
export const workloadIdentityAudience = "api://AzureADTokenExchange";

/** Labels and annotations of AKS workload identity (the mutating webhook reads them). */
export const workloadIdentity = {
    clientIdAnnotation: "azure.workload.identity/client-id",
    podLabels: { "azure.workload.identity/use": "true" },
} as const;

export interface KubernetesSubject {
    namespace: string;
    serviceAccount: string;
}

export interface FederatedIdentityArgs {
    resourceGroupName: pulumi.Input<string>;
    /** Physical name of the user-assigned identity. */
    identityName: string;
    location: string;
    /** Issuer URL of the cluster whose ServiceAccount tokens are trusted. */
    issuer: pulumi.Input<string>;
    subjects: readonly KubernetesSubject[];
    tags: Record<string, string>;
}

export interface FederatedIdentity {
    identity: managedidentity.UserAssignedIdentity;
    credentials: managedidentity.FederatedIdentityCredential[];
    /** ServiceAccount annotations that bind a ServiceAccount to the identity. */
    serviceAccountAnnotations: pulumi.Output<Record<string, string>>;
}

/** `system:serviceaccount:<namespace>:<name>`, the `sub` claim of a Kubernetes ServiceAccount token. */
export function serviceAccountSubject(s: KubernetesSubject): string {
    return `system:serviceaccount:${s.namespace}:${s.serviceAccount}`;
}

/**
 * A user-assigned managed identity that Kubernetes ServiceAccounts of the build cluster act as, with no secret: one
 * federated credential per ServiceAccount trusts tokens the cluster's OIDC issuer signs for that subject only.
 */
export function createFederatedIdentity(
    name: string,
    args: FederatedIdentityArgs,
    opts: pulumi.CustomResourceOptions,
): FederatedIdentity {
    const identity = new managedidentity.UserAssignedIdentity(
        name,
        {
            resourceName: args.identityName,
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            tags: args.tags,
        },
        opts,
    );
    const credentials: managedidentity.FederatedIdentityCredential[] = [];
    for (const subject of args.subjects) {
        const previous = credentials[credentials.length - 1];
        credentials.push(
            new managedidentity.FederatedIdentityCredential(
                `${name}-${subject.namespace}-${subject.serviceAccount}`,
                {
                    resourceGroupName: args.resourceGroupName,
                    resourceName: args.identityName,
                    federatedIdentityCredentialResourceName: `${subject.namespace}-${subject.serviceAccount}`,
                    issuer: args.issuer,
                    subject: serviceAccountSubject(subject),
                    audiences: [workloadIdentityAudience],
                },
                // Entra ID rejects concurrent writes of federated credentials on one identity (HTTP 409
                // ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity): create them one at a time.
                { ...opts, dependsOn: [identity, ...(previous ? [previous] : [])] },
            ),
        );
    }
    return {
        identity,
        credentials,
        serviceAccountAnnotations: identity.clientId.apply((clientId): Record<string, string> => ({
            [workloadIdentity.clientIdAnnotation]: clientId,
        })),
    };
}

export interface Grant {
    /** Suffix of the Pulumi name of the role assignment. */
    role: string;
    /** A built-in role, or the full id of a custom role definition. */
    roleDefinition: Parameters<typeof roleDefinitionId>[1] | { id: pulumi.Input<string> };
    scope: pulumi.Input<string>;
    description: string;
    /** An Azure ABAC condition (version 2.0) that narrows the role, e.g. to blob paths. */
    condition?: pulumi.Input<string>;
}

/** Role assignments of a managed identity, each at the narrowest scope that works. */
export function grantRoles(
    name: string,
    principalId: pulumi.Input<string>,
    subscriptionId: pulumi.Input<string>,
    grants: Grant[],
    opts: pulumi.CustomResourceOptions,
): authorization.RoleAssignment[] {
    return grants.map(
        (g) =>
            new authorization.RoleAssignment(
                `${name}-${g.role}`,
                {
                    principalId,
                    // Skips the directory lookup that fails while a new identity is still replicating.
                    principalType: "ServicePrincipal",
                    roleDefinitionId:
                        typeof g.roleDefinition === "string"
                            ? roleDefinitionId(subscriptionId, g.roleDefinition)
                            : g.roleDefinition.id,
                    scope: g.scope,
                    description: g.description,
                    ...(g.condition !== undefined ? { condition: g.condition, conditionVersion: "2.0" } : {}),
                },
                opts,
            ),
    );
}

/** Data actions of Storage Blob Data Contributor that change a blob; reads and listing stay unconditioned. */
export const blobWriteActions = [
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
];

/**
 * The ABAC condition that lets a Storage Blob Data Contributor assignment change blobs under `prefixes` only, as
 * Azure's "read, write, or delete blobs in named containers with a path" example does
 * (https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-examples; the blob path attribute is the path
 * inside the container, https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-attributes).
 */
export function blobPathCondition(prefixes: readonly ArtifactPrefix[]): string {
    const notWrite = blobWriteActions.map((a) => `!(ActionMatches{'${a}'})`).join(" AND ");
    const path = prefixes
        .map(
            (p) =>
                `@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith '${p}'`,
        )
        .join(" OR ");
    return `((${notWrite}) OR (${path}))`;
}

/** Resource name suffix of each identity (`pipeline` is gone; `e2e-pull` as it was first named). */
export const identityNames: Record<IdentityRole, string> = {
    build: "build",
    records: "records",
    promote: "promote",
    chains: "chains",
    e2ePull: "e2e-pull",
};

export interface SiteIdentityScopes {
    registryId: pulumi.Input<string>;
    /** The custom role that generates the build token's passwords (registry.ts `tokenMinterActions`). */
    tokenMinterRoleId: pulumi.Input<string>;
    containerId: pulumi.Input<string>;
    /** The Chains signing key's resource id, when the site keeps one in Key Vault. */
    signingKeyId?: pulumi.Input<string>;
}

/**
 * What `identityGrants` gives a role, as Azure role assignments at the narrowest scope Azure offers here:
 * - ACR, build: no data-plane role at all, only the custom token minter role, with which it generates short-lived
 *   passwords of the build token, whose scope map allows the build repositories only (registry.ts `BuildToken`).
 * - ACR, the others: AcrPush (push) or AcrPull on the whole registry. Repository-scoped Entra permissions need the
 *   registry's ABAC repository permission mode (API 2024-11-01-preview and later), which this SDK's registry does not
 *   expose, and which also stops AcrPull/AcrPush from working for everyone else (the kubelet included): the records,
 *   promote and Chains identities can each push to every repository of the site registry on Azure (docs/security.md).
 * - Blob: Storage Blob Data Contributor with an ABAC condition that confines changes to its prefixes, or Reader.
 * - Key Vault: Key Vault Crypto User (sign) or Key Vault Reader (public key) on the key itself.
 */
export function roleGrants(role: IdentityRole, scopes: SiteIdentityScopes): Grant[] {
    const grant = identityGrants[role];
    const who = `okd-ci ${identityNames[role]}`;
    const grants: Grant[] = [];
    if (role === "build") {
        grants.push({
            role: "acr-token-minter",
            roleDefinition: { id: scopes.tokenMinterRoleId },
            scope: scopes.registryId,
            description: `${who} generates short-lived passwords of the build token (push ${grant.push.join(", ")} only)`,
        });
    } else if (grant.push.length > 0) {
        grants.push({
            role: "acr-push",
            roleDefinition: "acrPush",
            scope: scopes.registryId,
            description: `${who} pushes ${grant.push.join(", ")} (ACR: registry-wide)`,
        });
    } else if (grant.pull.length > 0) {
        grants.push({
            role: "acr-pull",
            roleDefinition: "acrPull",
            scope: scopes.registryId,
            description: `${who} pulls ${grant.pull.join(", ")}`,
        });
    }
    if (grant.storage.write.length > 0) {
        grants.push({
            role: "artifacts-writer",
            roleDefinition: "storageBlobDataContributor",
            scope: scopes.containerId,
            description: `${who} reads artifacts and writes ${grant.storage.write.join(", ")} only`,
            condition: blobPathCondition(grant.storage.write),
        });
    } else if (grant.storage.read) {
        grants.push({
            role: "artifacts-reader",
            roleDefinition: "storageBlobDataReader",
            scope: scopes.containerId,
            description: `${who} reads artifacts`,
        });
    }
    if (grant.signingKey !== undefined && scopes.signingKeyId !== undefined) {
        grants.push({
            role: `signing-key-${grant.signingKey}`,
            roleDefinition: grant.signingKey === "sign" ? "keyVaultCryptoUser" : "keyVaultReader",
            scope: scopes.signingKeyId,
            description:
                grant.signingKey === "sign"
                    ? `${who} signs with the Chains key`
                    : `${who} reads the Chains key's public part to verify`,
        });
    }
    return grants;
}

export interface SiteIdentityArgs extends SiteIdentityScopes {
    resourceGroupName: pulumi.Input<string>;
    /** Physical name of each identity. */
    identityName: (role: IdentityRole) => string;
    location: string;
    issuer: pulumi.Input<string>;
    tags: Record<string, string>;
    subscriptionId: pulumi.Input<string>;
}

/** One user-assigned identity for `role`, federated with exactly its ServiceAccounts, with `roleGrants`. */
export function createSiteIdentity(
    name: string,
    role: IdentityRole,
    args: SiteIdentityArgs,
    opts: pulumi.CustomResourceOptions,
): { identity: FederatedIdentity; grants: authorization.RoleAssignment[] } {
    const suffix = identityNames[role];
    const identity = createFederatedIdentity(
        `${name}-${suffix}`,
        {
            resourceGroupName: args.resourceGroupName,
            identityName: args.identityName(role),
            location: args.location,
            issuer: args.issuer,
            subjects: identitySubjects[role],
            tags: args.tags,
        },
        opts,
    );
    const grants = grantRoles(
        `${name}-${suffix}`,
        identity.identity.principalId,
        args.subscriptionId,
        roleGrants(role, args),
        opts,
    );
    return { identity, grants };
}
