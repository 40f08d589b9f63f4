import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { buildPoolLabel, buildPoolTaint } from "../shared/site";
import type { CloudSiteArgs } from "../shared/site-args";
import { managedPolicyArn, serviceTrustPolicy } from "./policy";

export interface ClusterArgs {
    /** EKS cluster name (regional, unique per account). */
    clusterName: string;
    /** Kubernetes minor, e.g. `1.34`. */
    kubernetesVersion: string;
    region: string;
    partition: pulumi.Input<string>;
    /** Subnets of the control plane's network interfaces and of every node. */
    privateSubnetIds: pulumi.Input<string>[];
    /** Endpoint access stays public (the deployer and CI reach it), but the nodes use private subnets. */
    publicSubnetIds: pulumi.Input<string>[];
    /** IAM principals (role ARNs) granted cluster-admin through access entries, on top of the creator. */
    adminPrincipalArns: string[];
}

export interface Cluster {
    cluster: eks.Cluster;
    nodeRole: iam.Role;
    /** What node groups wait for: the node role's policies and the add-ons. */
    nodeDependencies: pulumi.Resource[];
    /** Add-ons every node needs before it is Ready (CNI, kube-proxy, Pod Identity agent). */
    nodeAddons: eks.Addon[];
    /** The Pod Identity agent: pods that use Pod Identity wait for it. */
    podIdentityAgent: eks.Addon;
}

/** AWS-managed policy on the cluster role. */
const clusterPolicies = ["AmazonEKSClusterPolicy"];
/** AWS-managed policies on the node role: join the cluster, run the VPC CNI, pull from ECR. */
const nodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"];

function roleWithPolicies(
    name: string,
    service: string,
    policies: string[],
    partition: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): { role: iam.Role; attachments: iam.RolePolicyAttachment[] } {
    const role = new iam.Role(name, { assumeRolePolicy: JSON.stringify(serviceTrustPolicy(service)) }, opts);
    const attachments = policies.map(
        (policy) =>
            new iam.RolePolicyAttachment(
                `${name}-${policy}`,
                { role: role.name, policyArn: pulumi.output(partition).apply((p) => managedPolicyArn(p, policy)) },
                opts,
            ),
    );
    return { role, attachments };
}

/**
 * The EKS control plane in API authentication mode: who may act in the cluster is a list of access entries in the
 * EKS API, not an `aws-auth` ConfigMap that a bad apply can lock everyone out with.
 */
export function createCluster(name: string, args: ClusterArgs, opts: pulumi.CustomResourceOptions): Cluster {
    const clusterRole = roleWithPolicies(`${name}-cluster`, "eks.amazonaws.com", clusterPolicies, args.partition, opts);
    const cluster = new eks.Cluster(
        `${name}-cluster`,
        {
            name: args.clusterName,
            version: args.kubernetesVersion,
            roleArn: clusterRole.role.arn,
            accessConfig: {
                authenticationMode: "API",
                // The identity running `pulumi up` gets cluster-admin through an access entry EKS creates for it.
                // We cannot create that entry ourselves: getCallerIdentity returns an STS session ARN, which an
                // access entry does not accept, and the role behind it is not knowable without more IAM reads.
                bootstrapClusterCreatorAdminPermissions: true,
            },
            // The add-ons below are EKS-managed (versioned and updated by EKS), not self-managed leftovers.
            bootstrapSelfManagedAddons: false,
            upgradePolicy: { supportType: "STANDARD" },
            vpcConfig: {
                subnetIds: [...args.privateSubnetIds, ...args.publicSubnetIds],
                endpointPublicAccess: true,
                endpointPrivateAccess: true,
            },
            enabledClusterLogTypes: ["api", "audit", "authenticator"],
        },
        {
            ...opts,
            // EKS checks the role's permissions when it creates the cluster.
            dependsOn: clusterRole.attachments,
            // Both are replace-only in EKS and read back differently after import (pulumi/pulumi-aws#3997).
            ignoreChanges: ["accessConfig.bootstrapClusterCreatorAdminPermissions", "bootstrapSelfManagedAddons"],
        },
    );

    for (const [i, principalArn] of args.adminPrincipalArns.entries()) {
        const entry = new eks.AccessEntry(
            `${name}-admin-${i}`,
            { clusterName: cluster.name, principalArn, type: "STANDARD" },
            opts,
        );
        new eks.AccessPolicyAssociation(
            `${name}-admin-${i}`,
            {
                clusterName: cluster.name,
                principalArn,
                policyArn: pulumi
                    .output(args.partition)
                    .apply((p) => `arn:${p}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`),
                accessScope: { type: "cluster" },
            },
            { ...opts, dependsOn: [entry] },
        );
    }

    const node = roleWithPolicies(`${name}-node`, "ec2.amazonaws.com", nodePolicies, args.partition, opts);
    // DaemonSets every node needs to become Ready: created before the node groups, so nodes join a working network.
    const nodeAddons = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"].map(
        (addon) =>
            new eks.Addon(
                `${name}-${addon}`,
                {
                    clusterName: cluster.name,
                    addonName: addon,
                    resolveConflictsOnCreate: "OVERWRITE",
                    resolveConflictsOnUpdate: "OVERWRITE",
                },
                opts,
            ),
    );
    return {
        cluster,
        nodeRole: node.role,
        nodeDependencies: [...node.attachments, ...nodeAddons],
        nodeAddons,
        podIdentityAgent: nodeAddons[2],
    };
}

export interface NodeGroupsArgs {
    cluster: eks.Cluster;
    nodeRole: iam.Role;
    subnetIds: pulumi.Input<string>[];
    systemPool: CloudSiteArgs["systemPool"];
    buildPool: CloudSiteArgs["buildPool"];
    /** Resources the node groups wait for (add-ons and the node role's policy attachments). */
    dependsOn: pulumi.Resource[];
}

export interface NodeGroups {
    system: eks.NodeGroup;
    build: eks.NodeGroup;
}

/** Amazon Linux 2023: AL2 AMIs are not published for Kubernetes 1.33 and later. */
const amiType = "AL2023_x86_64_STANDARD";

export function createNodeGroups(name: string, args: NodeGroupsArgs, opts: pulumi.CustomResourceOptions): NodeGroups {
    const common = {
        clusterName: args.cluster.name,
        nodeRoleArn: args.nodeRole.arn,
        subnetIds: args.subnetIds,
        amiType,
    };
    const system = new eks.NodeGroup(
        `${name}-system`,
        {
            ...common,
            capacityType: "ON_DEMAND",
            instanceTypes: [args.systemPool.instanceType],
            diskSize: 50,
            scalingConfig: {
                minSize: args.systemPool.nodes,
                desiredSize: args.systemPool.nodes,
                maxSize: args.systemPool.nodes,
            },
            labels: { [buildPoolLabel.key]: "system" },
            updateConfig: { maxUnavailable: 1 },
        },
        { ...opts, dependsOn: args.dependsOn },
    );
    const build = new eks.NodeGroup(
        `${name}-build`,
        {
            ...common,
            capacityType: args.buildPool.spot ? "SPOT" : "ON_DEMAND",
            // Types of the same size (8 vCPU, 32 GiB by default): the autoscaler sizes the group from the first one,
            // and several types give spot many capacity pools to choose from.
            instanceTypes: args.buildPool.instanceTypes,
            diskSize: args.buildPool.diskGb,
            scalingConfig: {
                minSize: args.buildPool.minNodes,
                desiredSize: args.buildPool.minNodes,
                maxSize: args.buildPool.maxNodes,
            },
            labels: {
                [buildPoolLabel.key]: buildPoolLabel.value,
                // Spot build nodes come and go: keep them out of the webhook load balancer's targets.
                "node.kubernetes.io/exclude-from-external-load-balancers": "true",
            },
            taints: [{ key: buildPoolTaint.key, value: buildPoolTaint.value, effect: "NO_SCHEDULE" }],
            updateConfig: { maxUnavailablePercentage: 50 },
        },
        // The cluster autoscaler owns the size between min and max; Pulumi must not reset it on every update.
        { ...opts, dependsOn: args.dependsOn, ignoreChanges: ["scalingConfig.desiredSize"] },
    );
    return { system, build };
}

/**
 * A kubeconfig with no credential in it: kubectl (and the Kubernetes provider) run `aws eks get-token` for a
 * short-lived token on each use, so the text never changes and previews stay quiet. Needs the aws CLI on PATH.
 */
export function kubeconfigFor(cluster: eks.Cluster, region: string): pulumi.Output<string> {
    return pulumi
        .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
        .apply(([clusterName, endpoint, ca]) =>
            JSON.stringify({
                apiVersion: "v1",
                kind: "Config",
                clusters: [
                    { name: clusterName, cluster: { server: endpoint, "certificate-authority-data": ca?.data } },
                ],
                contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
                "current-context": clusterName,
                users: [
                    {
                        name: clusterName,
                        user: {
                            exec: {
                                apiVersion: "client.authentication.k8s.io/v1beta1",
                                command: "aws",
                                args: [
                                    "--region",
                                    region,
                                    "eks",
                                    "get-token",
                                    "--cluster-name",
                                    clusterName,
                                    "--output",
                                    "json",
                                ],
                                interactiveMode: "Never",
                            },
                        },
                    },
                ],
            }),
        );
}

export function createKubernetesProvider(
    name: string,
    cluster: eks.Cluster,
    clusterName: string,
    region: string,
    kubeconfig: pulumi.Output<string>,
    opts: pulumi.CustomResourceOptions,
): k8s.Provider {
    return new k8s.Provider(
        `${name}-k8s`,
        {
            kubeconfig,
            // Stable across endpoint or certificate rotation, so neither replaces every in-cluster object.
            clusterIdentifier: `eks-${region}-${clusterName}`,
        },
        { parent: opts.parent, dependsOn: [cluster] },
    );
}

/** CoreDNS is a Deployment: created after the system nodes exist, or the add-on would sit DEGRADED. */
export function createCoreDns(
    name: string,
    cluster: eks.Cluster,
    system: eks.NodeGroup,
    opts: pulumi.CustomResourceOptions,
) {
    return new eks.Addon(
        `${name}-coredns`,
        {
            clusterName: cluster.name,
            addonName: "coredns",
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
        },
        { ...opts, dependsOn: [system] },
    );
}
