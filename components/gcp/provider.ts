import { Provider } from "@pulumi/gcp/provider";
import type * as pulumi from "@pulumi/pulumi";

/**
 * The site's one GCP provider. Every GCP resource of the site uses it explicitly, so neither an ambient
 * `gcp:project` nor a developer's gcloud default project can redirect a resource.
 */
export function gcpProvider(
    name: string,
    args: { project: string; region: string; labels: Record<string, string> },
    opts: pulumi.ResourceOptions,
): Provider {
    return new Provider(
        `${name}-gcp`,
        {
            project: args.project,
            region: args.region,
            // Labels on every labelled resource (buckets, repositories, clusters, zones) without repeating them.
            defaultLabels: args.labels,
        },
        opts,
    );
}
