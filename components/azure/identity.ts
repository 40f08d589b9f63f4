import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";

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
    roleDefinition: Parameters<typeof roleDefinitionId>[1];
    scope: pulumi.Input<string>;
    description: string;
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
                    roleDefinitionId: roleDefinitionId(subscriptionId, g.roleDefinition),
                    scope: g.scope,
                    description: g.description,
                },
                opts,
            ),
    );
}
