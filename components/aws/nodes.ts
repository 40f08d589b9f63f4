import * as ec2 from "@pulumi/aws/ec2";
import * as eks from "@pulumi/aws/eks";
import type * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";

import { assertNodeLabels } from "../shared/node-labels";
import { buildPoolLabel, buildPoolTaint } from "../shared/site";
import type { CloudSiteArgs } from "../shared/site-args";

/** Amazon Linux 2023: AL2 AMIs are not published for Kubernetes 1.33 and later. */
export const amiType = "AL2023_x86_64_STANDARD";

/**
 * Instance metadata on every node: IMDSv2 only, and a PUT response hop limit of 1, so a token never reaches a pod
 * behind the node's network namespace. Host-network pods (the VPC CNI, the Pod Identity agent) still read it; every
 * okd-ci pod gets AWS credentials from EKS Pod Identity (169.254.170.23), which does not use IMDS
 * (docs.aws.amazon.com/eks/latest/userguide/launch-templates.html, "Metadata response hop limit"; best practices
 * "Restrict access to the instance profile assigned to the worker node"). The build namespace also denies pods
 * egress to 169.254.169.254 by NetworkPolicy (components/tekton/network-policies.ts): two independent locks.
 */
export const nodeMetadataOptions = {
    httpEndpoint: "enabled",
    httpTokens: "required",
    httpPutResponseHopLimit: 1,
    // The hop limit is what keeps pods out; IMDS over IPv6 is off as the VPC is IPv4-only.
    httpProtocolIpv6: "disabled",
} as const;

/** Root device of the AL2023 EKS AMIs. */
const rootDevice = "/dev/xvda";

export interface NodeGroupsArgs {
    cluster: eks.Cluster;
    nodeRole: iam.Role;
    kubernetesVersion: string;
    /** Subnets of the nodes: private ones behind the NAT gateway, or public ones with the small profile. */
    subnetIds: pulumi.Input<string>[];
    systemPool: CloudSiteArgs["systemPool"];
    /** Root disk of a system node, GiB. */
    systemDiskGb: number;
    buildPool: CloudSiteArgs["buildPool"];
    /** Whether the stack has gates: their install pods run on the system nodes (src/config/system-pool.ts). */
    gates: boolean;
    /**
     * The site's tags (`okd-ci-project`, `okd-ci-stack`) for each node's instance, root volume and launch-time ENIs:
     * the gate installer's site guard denies EC2 writes on what carries them (site-guard.ts), and the
     * provider's default tags reach the launch template, not what EC2 launches from it.
     */
    siteTags: Record<string, string>;
    /** Resources the node groups wait for (add-ons and the node role's policy attachments). */
    dependsOn: pulumi.Resource[];
}

export interface NodeGroups {
    system: eks.NodeGroup;
    build: eks.NodeGroup;
    launchTemplates: { system: ec2.LaunchTemplate; build: ec2.LaunchTemplate };
}

/**
 * The launch template of a managed node group. No AMI: EKS picks the AMI of `amiType` for the group's Kubernetes
 * `version` and merges its own user data, so `version` keeps moving the nodes with the control plane. No security
 * groups: EKS then puts the cluster security group on the nodes.
 */
function launchTemplate(
    name: string,
    pool: string,
    diskGb: number,
    instanceTypes: string[],
    cpuCredits: "standard" | "unlimited",
    siteTags: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
): ec2.LaunchTemplate {
    const tags = { ...siteTags, Name: `${name}-${pool}` };
    return new ec2.LaunchTemplate(
        `${name}-${pool}`,
        {
            description: `okd-ci ${pool} nodes`,
            metadataOptions: nodeMetadataOptions,
            blockDeviceMappings: [
                {
                    deviceName: rootDevice,
                    // gp3: 20% cheaper than gp2 per GiB, 3000 IOPS whatever the size. Encrypted with the account's
                    // AWS-managed EBS key (no key charge).
                    ebs: { volumeSize: diskGb, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                },
            ],
            creditSpecification: instanceTypes.every((t) => /^t\d/.test(t)) ? { cpuCredits } : undefined,
            tagSpecifications: [
                { resourceType: "instance", tags },
                { resourceType: "volume", tags },
                { resourceType: "network-interface", tags },
            ],
        },
        opts,
    );
}

/**
 * CPU credits of burstable system nodes (the small profile's t3/t3a). Without gates, `standard`: the nodes never run up
 * surplus-credit charges, and idle controllers stay under the baseline. With gates, `unlimited`: the gates' installs run
 * on the system node, and "T4g, T3a, and T3 instances do not receive launch credits" (EC2 User Guide,
 * docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-performance-instances-standard-mode-concepts.html#launch-credits),
 * so in `standard` mode a node just replaced (an AMI update, a Kubernetes upgrade) starts at zero credits and would run
 * the night's installs at its baseline (40% of a t3a.xlarge). `unlimited` bursts at once and bills only surplus credits
 * (docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-performance-instances-unlimited-mode-concepts.html).
 */
export function systemCpuCredits(gates: boolean): "standard" | "unlimited" {
    return gates ? "unlimited" : "standard";
}

const templateRef = (lt: ec2.LaunchTemplate) => ({ id: lt.id, version: lt.latestVersion.apply(String) });

export function createNodeGroups(name: string, args: NodeGroupsArgs, opts: pulumi.CustomResourceOptions): NodeGroups {
    const systemLabels = { [buildPoolLabel.key]: "system" };
    // Only the okd-ci label: EKS refuses any key containing kubernetes.io/, k8s.io/ or eks.amazonaws.com/.
    const buildLabels = { [buildPoolLabel.key]: buildPoolLabel.value };
    assertNodeLabels("aws", `${name}-system`, systemLabels);
    assertNodeLabels("aws", `${name}-build`, buildLabels);

    const lts = {
        system: launchTemplate(
            name,
            "system",
            args.systemDiskGb,
            [args.systemPool.instanceType],
            systemCpuCredits(args.gates),
            args.siteTags,
            opts,
        ),
        build: launchTemplate(
            name,
            "build",
            args.buildPool.diskGb,
            args.buildPool.instanceTypes,
            "standard",
            args.siteTags,
            opts,
        ),
    };
    const common = {
        clusterName: args.cluster.name,
        nodeRoleArn: args.nodeRole.arn,
        subnetIds: args.subnetIds,
        amiType,
        // The nodes follow the control plane: a new `kubernetesVersion` rolls both groups after the add-ons.
        version: args.kubernetesVersion,
    };
    const system = new eks.NodeGroup(
        `${name}-system`,
        {
            ...common,
            launchTemplate: templateRef(lts.system),
            capacityType: "ON_DEMAND",
            instanceTypes: [args.systemPool.instanceType],
            scalingConfig: {
                minSize: args.systemPool.nodes,
                desiredSize: args.systemPool.nodes,
                maxSize: args.systemPool.nodes,
            },
            labels: systemLabels,
            updateConfig: { maxUnavailable: 1 },
        },
        { ...opts, dependsOn: args.dependsOn },
    );
    const build = new eks.NodeGroup(
        `${name}-build`,
        {
            ...common,
            launchTemplate: templateRef(lts.build),
            capacityType: args.buildPool.spot ? "SPOT" : "ON_DEMAND",
            // Types of the same size (8 vCPU, 32 GiB by default): the autoscaler sizes the group from the first one,
            // and several types give spot many capacity pools to choose from.
            instanceTypes: args.buildPool.instanceTypes,
            scalingConfig: {
                minSize: args.buildPool.minNodes,
                desiredSize: args.buildPool.minNodes,
                maxSize: args.buildPool.maxNodes,
            },
            labels: buildLabels,
            taints: [{ key: buildPoolTaint.key, value: buildPoolTaint.value, effect: "NO_SCHEDULE" }],
            updateConfig: { maxUnavailablePercentage: 50 },
        },
        // The cluster autoscaler owns the size between min and max; Pulumi must not reset it on every update.
        { ...opts, dependsOn: args.dependsOn, ignoreChanges: ["scalingConfig.desiredSize"] },
    );
    return { system, build, launchTemplates: lts };
}
