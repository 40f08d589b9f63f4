import type * as pulumi from "@pulumi/pulumi";

import type { CloudPlatform, Gate, SiteProfile } from "./model";

/** What every cloud site takes; each site's own Args extends it. */
export interface CloudSiteArgs {
    /** Prefix of every physical name, e.g. `okd` gives `okd-build`, `okd-artifacts-…`. */
    namePrefix: string;
    /** Tags (labels on GCP) for every cloud resource; the standard okd-ci tags are added. */
    tags: Record<string, string>;
    /** Protect and retain what holds promoted releases (release repositories, artifact storage). */
    protect: boolean;
    /** Region (aws, gcp) or location (azure). */
    region: string;
    /** Kubernetes minor version, e.g. `1.34`. */
    kubernetesVersion: string;
    /** The system node pool: Tekton's controllers, the listeners and the cluster add-ons. */
    systemPool: {
        /** Machine type. */
        instanceType: string;
        /** Fixed node count. */
        nodes: number;
    };
    /** The build node pool, where pipeline pods run; it scales with the work. */
    buildPool: {
        /** Machine types, most preferred first. */
        instanceTypes: string[];
        /** Spot/preemptible capacity. */
        spot: boolean;
        /** Minimum nodes; 0 scales to zero when idle. */
        minNodes: number;
        /** Maximum nodes. */
        maxNodes: number;
        /** Root disk per node, GiB. */
        diskGb: number;
    };
    /** How long what expires is kept; promoted releases and release records never expire. */
    retention: {
        /** Days nightly images are kept. */
        nightlyDays: number;
        /** Days untagged images are kept. */
        untaggedDays: number;
        /**
         * Nightly payloads kept whatever their age, over all streams; default `nightlyDays`. The stack sets
         * `nightlyDays` times the number of streams: one payload a night per stream.
         */
        keepPayloads?: number;
        /** Days CI logs are kept in artifact storage. */
        logDays: number;
    };
    /** E2E gates configured for the stack. */
    gates: Partial<Record<CloudPlatform, Gate>>;
    /** Credentials for gates on other clouds than the site's (secret Outputs). */
    gateSecrets: Partial<Record<CloudPlatform, pulumi.Output<string>>>;
    /**
     * `standard` (default) or `small`: the cheapest layout the platform allows for a site that idles most of the day
     * (fewer, smaller system nodes, no NAT gateway where the cloud allows it). What it changes is the platform page's
     * "Small profile" section; a site that does not implement it is refused by config validation.
     */
    profile?: SiteProfile;
    /**
     * Principals granted cluster-admin on the build cluster besides the identity that deploys, in the platform's own
     * form (aws: IAM role or user ARNs). Default none.
     */
    adminPrincipals?: string[];
    /** CIDRs that may reach the Kubernetes API endpoint; unset or empty: any address (authentication still applies). */
    controlPlaneCidrs?: string[];
    /** How the GitHub webhook is published (config keys `webhookHostname`, `webhookDnsZone`, `webhookSourceRanges`). */
    webhook?: WebhookArgs;
}

/** What the stack asks of the webhook's public side; each site turns it into its `WebhookExposure`. */
export interface WebhookArgs {
    /** Public host name GitHub delivers to; the site serves TLS for it where it can get a certificate. */
    hostname?: string;
    /** Existing public DNS zone that holds `hostname` (aws: Route 53 hosted zone id). */
    dnsZone?: string;
    /** Source CIDRs allowed to reach the webhook; unset or empty: any address (deliveries are HMAC-signed). */
    sourceRanges?: string[];
}
