import { Service } from "@pulumi/gcp/projects";
import type * as pulumi from "@pulumi/pulumi";

/** APIs the site uses in its own project. */
export const siteServices = [
    "artifactregistry.googleapis.com",
    // Tekton Chains signs with a Cloud KMS key.
    "cloudkms.googleapis.com",
    // Project IAM bindings (the node account's role) are set through the Cloud Resource Manager API, off in some
    // new projects; the bindings wait for it.
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "container.googleapis.com",
    // Artifact Analysis scans every image pushed to Artifact Registry (the registry-scans-images policy).
    "containerscanning.googleapis.com",
    "iam.googleapis.com",
    // Workload Identity exchanges Kubernetes tokens for Google access tokens through the IAM Credentials API.
    "iamcredentials.googleapis.com",
    "storage.googleapis.com",
] as const;

/** APIs `openshift-install` needs in the gate project (openshift/installer docs/user/gcp/apis.md). */
export const gateServices = [
    "cloudapis.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "dns.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "servicemanagement.googleapis.com",
    "serviceusage.googleapis.com",
    "storage-api.googleapis.com",
    "storage-component.googleapis.com",
] as const;

/**
 * Enables `services` on `project`. `disableOnDestroy: false`: turning an API off when this stack goes away would break
 * anything else in the project that uses it (and GKE clusters of other stacks), so an API, once on, stays on.
 */
export function enableServices(
    name: string,
    project: string,
    services: readonly string[],
    opts: pulumi.CustomResourceOptions,
): Record<string, Service> {
    return Object.fromEntries(
        services.map((service) => [
            service,
            new Service(
                `${name}-${service.split(".")[0]}`,
                { project, service, disableOnDestroy: false, disableDependentServices: false },
                opts,
            ),
        ]),
    );
}
