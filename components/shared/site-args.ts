import type * as pulumi from "@pulumi/pulumi";

import type { CloudPlatform, Gate } from "../../src/config/schema";

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
    systemPool: {
        /** Machine type. */
        instanceType: string;
        /** Fixed node count. */
        nodes: number;
    };
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
    retention: {
        /** Days nightly images are kept. */
        nightlyDays: number;
        /** Days untagged images are kept. */
        untaggedDays: number;
        /** Days CI logs are kept in artifact storage. */
        logDays: number;
    };
    /** E2E gates configured for the stack. */
    gates: Partial<Record<CloudPlatform, Gate>>;
    /** Credentials for gates on other clouds than the site's (secret Outputs). */
    gateSecrets: Partial<Record<CloudPlatform, pulumi.Output<string>>>;
}
