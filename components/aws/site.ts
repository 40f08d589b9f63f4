import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { Provider } from "@pulumi/aws/provider";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { gateComponentName, siteGates } from "../shared/gates";
import { physicalName, standardTags } from "../shared/naming";
import {
    type BuildPlacement,
    type GateAccess,
    type PipelineIdentity,
    type RegistryPullIdentity,
    type Site,
    type SiteArtifacts,
    type SiteRegistry,
    type WebhookExposure,
    buildPlacement,
    repositoryRoles,
} from "../shared/site";
import type { CloudSiteArgs } from "../shared/site-args";
import { createClusterAutoscaler } from "./autoscaler";
import { createCluster, createCoreDns, createKubernetesProvider, createNodeGroups, kubeconfigFor } from "./cluster";
import { E2eGate } from "./e2e-gate";
import { createPipelineIdentity, createRegistryPullIdentity } from "./identity";
import { createNetwork } from "./network";
import type { AccountContext } from "./policy";
import { createRegistry } from "./registry";
import { createArtifactBucket } from "./storage";

export interface AwsSiteArgs extends CloudSiteArgs {
    /** IAM role ARNs granted cluster-admin through EKS access entries, besides the identity that runs `pulumi up`. Default none. */
    adminPrincipalArns?: string[];
    /** VPC CIDR, a 10.x.0.0/16 block. Default 10.0.0.0/16. */
    vpcCidr?: string;
}

/**
 * The webhook listener behind an internet-facing Network Load Balancer made by the service controller EKS runs in
 * its control plane (cloud-provider-aws, `aws-load-balancer-type: nlb`). The AWS Load Balancer Controller would be
 * one more Deployment, IAM role and chart to keep current, for one TCP listener that needs none of its features.
 * Build nodes carry `node.kubernetes.io/exclude-from-external-load-balancers`, so only system nodes are targets.
 */
export const awsWebhook: WebhookExposure = {
    serviceType: "LoadBalancer",
    serviceAnnotations: {
        "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
        "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
    },
    description:
        "Internet-facing AWS Network Load Balancer (EKS's built-in service controller) in front of the EventListener; point the webhook hostname's DNS at its address.",
};

/**
 * The AWS site: an EKS build cluster (an on-demand system group and a spot build group that scales to zero), ECR
 * repositories, an S3 artifact bucket, an IAM role for the pipelines through EKS Pod Identity, and access for the
 * AWS e2e gate. Every resource and invoke goes through one explicit provider that stamps the standard tags.
 */
export class AwsSite extends pulumi.ComponentResource implements Site {
    public readonly platform = "aws" as const;
    public readonly provider: k8s.Provider;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly ready: pulumi.Resource[];
    public readonly registry: SiteRegistry;
    public readonly artifacts: SiteArtifacts;
    public readonly identity: PipelineIdentity;
    public readonly buildPool: BuildPlacement = buildPlacement();
    public readonly webhook: WebhookExposure = awsWebhook;
    public readonly gates: GateAccess[];
    public readonly e2ePull?: RegistryPullIdentity;
    public readonly clusterName: string;
    public readonly awsProvider: Provider;

    constructor(name: string, args: AwsSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:aws:Site", name, {}, opts);
        if (args.region === "") throw new Error("the aws site needs a region (okd-ci:region)");

        this.awsProvider = new Provider(
            `${name}-aws`,
            { region: args.region, defaultTags: { tags: standardTags(args.tags) } },
            { parent: this },
        );
        const o: pulumi.CustomResourceOptions = { parent: this, provider: this.awsProvider };
        const { account, partition } = accountContext(args.region, o);
        this.clusterName = physicalName(args.namePrefix, ["builds"], 100);

        const network = createNetwork(
            name,
            { region: args.region, clusterName: this.clusterName, cidr: args.vpcCidr },
            o,
        );
        const cluster = createCluster(
            name,
            {
                clusterName: this.clusterName,
                kubernetesVersion: args.kubernetesVersion,
                region: args.region,
                partition,
                privateSubnetIds: network.privateSubnetIds,
                publicSubnetIds: network.publicSubnetIds,
                adminPrincipalArns: args.adminPrincipalArns ?? [],
            },
            o,
        );
        const nodes = createNodeGroups(
            name,
            {
                cluster: cluster.cluster,
                nodeRole: cluster.nodeRole,
                subnetIds: network.privateSubnetIds,
                systemPool: args.systemPool,
                buildPool: args.buildPool,
                dependsOn: cluster.nodeDependencies,
            },
            o,
        );
        const coreDns = createCoreDns(name, cluster.cluster, nodes.system, o);

        this.kubeconfig = pulumi.secret(kubeconfigFor(cluster.cluster, args.region));
        this.provider = createKubernetesProvider(
            name,
            cluster.cluster,
            this.clusterName,
            args.region,
            this.kubeconfig,
            o,
        );
        createClusterAutoscaler(
            name,
            {
                cluster: cluster.cluster,
                clusterName: this.clusterName,
                roleName: roleName(args, "autoscaler"),
                region: args.region,
                kubernetesVersion: args.kubernetesVersion,
                build: nodes.build,
                buildDiskGb: args.buildPool.diskGb,
                k8sProvider: this.provider,
                dependsOn: [nodes.system, cluster.podIdentityAgent],
            },
            o,
        );

        const registry = createRegistry(
            name,
            {
                namePrefix: args.namePrefix,
                protect: args.protect,
                retention: { taggedDays: args.retention.nightlyDays, untaggedDays: args.retention.untaggedDays },
            },
            o,
        );
        const host = account.apply((c) => `${c.accountId}.dkr.ecr.${c.region}.${c.dnsSuffix}`);
        this.registry = {
            host,
            insecure: false,
            repositories: Object.fromEntries(
                repositoryRoles.map((role) => [role, pulumi.interpolate`${host}/${registry.names[role]}`]),
            ) as SiteRegistry["repositories"],
        };

        const bucket = createArtifactBucket(
            name,
            { namePrefix: args.namePrefix, account, logDays: args.retention.logDays, protect: args.protect },
            o,
        );
        this.artifacts = { kind: "s3", bucket: bucket.name, url: pulumi.interpolate`s3://${bucket.name}/` };

        createPipelineIdentity(
            name,
            {
                cluster: cluster.cluster,
                roleName: roleName(args, "pipeline"),
                account,
                repositoryNames: repositoryRoles.map((r) => registry.names[r]),
                bucketName: bucket.name,
            },
            o,
        );
        this.identity = {
            // Pod Identity associations name the ServiceAccounts; nothing goes on them.
            serviceAccountAnnotations: pulumi.output<Record<string, string>>({}),
            podLabels: {},
            env: { AWS_REGION: pulumi.output(args.region) },
        };

        this.gates = siteGates(
            "aws",
            args,
            (gate) =>
                new E2eGate(
                    gateComponentName(name, "aws"),
                    {
                        gate,
                        namePrefix: args.namePrefix,
                        account,
                        userName: roleName(args, "e2e-installer"),
                        credentials: args.gateSecrets.aws,
                    },
                    { parent: this, provider: this.awsProvider },
                ).access,
        );
        let pullAssociation: pulumi.Resource[] = [];
        if (this.gates.length > 0) {
            const pull = createRegistryPullIdentity(
                name,
                {
                    cluster: cluster.cluster,
                    roleName: roleName(args, "e2e-pull"),
                    account,
                    repositoryNames: repositoryRoles.map((r) => registry.names[r]),
                },
                o,
            );
            pullAssociation = [pull.association];
            // Pod Identity binds by ServiceAccount name: nothing to annotate or label.
            this.e2ePull = { serviceAccountAnnotations: pulumi.output<Record<string, string>>({}), podLabels: {} };
        }
        this.ready = [nodes.system, nodes.build, coreDns, ...cluster.nodeAddons, ...pullAssociation];

        this.registerOutputs({
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            registryHost: this.registry.host,
            artifactsUrl: this.artifacts.url,
        });
    }
}

/** IAM names are account-wide: prefix and region keep two sites in one account apart. */
const roleName = (args: AwsSiteArgs, role: string): string => physicalName(args.namePrefix, [args.region, role], 64);

interface AccountWithSuffix extends AccountContext {
    /** `amazonaws.com`, or the partition's own (China, GovCloud). */
    dnsSuffix: string;
}

/** Account, partition and region, read once through the site's provider. */
function accountContext(
    region: string,
    o: pulumi.CustomResourceOptions,
): { account: pulumi.Output<AccountWithSuffix>; partition: pulumi.Output<string> } {
    const invokeOpts = { parent: o.parent, provider: o.provider };
    const caller = getCallerIdentityOutput({}, invokeOpts);
    const partition = getPartitionOutput({}, invokeOpts);
    const account = pulumi
        .all([caller.accountId, partition.partition, partition.dnsSuffix])
        .apply(([accountId, p, dnsSuffix]) => ({ accountId, partition: p, region, dnsSuffix }));
    return { account, partition: partition.partition };
}
