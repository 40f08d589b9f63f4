import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import { Provider } from "@pulumi/aws/provider";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { standardSupportEnds, supportedMinors } from "../shared/kubernetes";
import { gateComponentName, siteGates } from "../shared/gates";
import { physicalName, standardTags } from "../shared/naming";
import { allowAllPolicies } from "../shared/network-policy";
import {
    type BuildPlacement,
    type GateAccess,
    type IdentityRole,
    type Site,
    type SiteIdentities,
    type SiteSigningKey,
    type SiteArtifacts,
    type SiteRegistry,
    type WebhookExposure,
    buildPlacement,
    repositoryRoles,
} from "../shared/site";
import type { CloudSiteArgs } from "../shared/site-args";
import { createCoreDns } from "./addons";
import { createClusterAutoscaler } from "./autoscaler";
import { type ControlPlaneLogType, createCluster, createKubernetesProvider, kubeconfigFor } from "./cluster";
import { E2eGate } from "./e2e-gate";
import { createIdentity } from "./identity";
import { createNetwork } from "./network";
import { createNodeGroups } from "./nodes";
import type { AccountContext } from "./policy";
import { createRegistry } from "./registry";
import { createSigningKey } from "./signing";
import { createArtifactBucket } from "./storage";
import { createWebhookLoadBalancer } from "./webhook";

export interface AwsSiteArgs extends CloudSiteArgs {
    /** VPC CIDR, a 10.x.0.0/16 block. Default 10.0.0.0/16. */
    vpcCidr?: string;
}

/** What the two profiles change on AWS (docs/platforms/aws.md, "Small profile"). */
export interface AwsLayout {
    /** A NAT gateway for nodes in private subnets; without it nodes run in the public subnets with public IPs. */
    natGateway: boolean;
    /** Root disk of a system node, GiB. */
    systemDiskGb: number;
    /** Control-plane log types sent to CloudWatch Logs. */
    logTypes: ControlPlaneLogType[];
    /** Days the control-plane log group keeps events. */
    logRetentionDays: number;
    /** Availability Zones the webhook NLB spans (one public IPv4 address, $3.65 a month, each). */
    webhookZones: 1 | 2;
}

export const awsLayouts: Record<"standard" | "small", AwsLayout> = {
    standard: {
        natGateway: true,
        systemDiskGb: 50,
        logTypes: ["api", "audit", "authenticator"],
        logRetentionDays: 30,
        webhookZones: 2,
    },
    // The audit log stays: it is the record of who did what in a cluster that runs pushed code. The NLB in one zone
    // still reaches a system node in the other (cross-zone load balancing); it stops if its own zone fails.
    small: { natGateway: false, systemDiskGb: 20, logTypes: ["audit"], logRetentionDays: 7, webhookZones: 1 },
};

/**
 * The AWS site: an EKS build cluster (an on-demand system group and a spot build group that scales to zero), ECR
 * repositories, an S3 artifact bucket, one IAM role per pipeline identity through EKS Pod Identity, Chains' signing
 * key in KMS, and access for the AWS e2e gate. Every resource and invoke goes through one explicit provider that stamps the standard tags.
 */
export class AwsSite extends pulumi.ComponentResource implements Site {
    public readonly platform = "aws" as const;
    public readonly provider: k8s.Provider;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly ready: pulumi.Resource[];
    public readonly registry: SiteRegistry;
    public readonly artifacts: SiteArtifacts;
    public readonly identities: SiteIdentities;
    public readonly signing: SiteSigningKey;
    public readonly buildPool: BuildPlacement = buildPlacement();
    public readonly webhook: WebhookExposure;
    public readonly gates: GateAccess[];
    /** The VPC CNI's strict mode (addons.ts): Tekton's namespaces get allow-all policies with its install. */
    public readonly strictNetworkPolicy = true;
    public readonly clusterName: string;
    public readonly awsProvider: Provider;

    constructor(name: string, args: AwsSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:aws:Site", name, {}, opts);
        if (args.region === "") throw new Error("the aws site needs a region (okd-ci:region)");
        const supportWarning = standardSupportWarning(args.kubernetesVersion, new Date());
        if (supportWarning !== undefined) pulumi.log.warn(supportWarning, this);

        this.awsProvider = new Provider(
            `${name}-aws`,
            { region: args.region, defaultTags: { tags: standardTags(args.tags) } },
            { parent: this },
        );
        const o: pulumi.CustomResourceOptions = { parent: this, provider: this.awsProvider };
        const { account, partition, callerArn } = accountContext(args.region, o);
        this.clusterName = physicalName(args.namePrefix, ["builds"], 100);

        const layout = awsLayouts[args.profile ?? "standard"];
        const network = createNetwork(
            name,
            {
                region: args.region,
                clusterName: this.clusterName,
                cidr: args.vpcCidr,
                natGateway: layout.natGateway,
            },
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
                adminPrincipals: args.adminPrincipals ?? [],
                callerArn,
                publicAccessCidrs: args.controlPlaneCidrs ?? [],
                logTypes: layout.logTypes,
                logRetentionDays: layout.logRetentionDays,
            },
            o,
        );
        const nodes = createNodeGroups(
            name,
            {
                cluster: cluster.cluster,
                nodeRole: cluster.nodeRole,
                kubernetesVersion: args.kubernetesVersion,
                subnetIds: network.nodeSubnetIds,
                systemPool: args.systemPool,
                systemDiskGb: layout.systemDiskGb,
                buildPool: args.buildPool,
                gates: Object.values(args.gates).some((g) => g !== undefined),
                siteTags: pick(standardTags({}), ["okd-ci-project", "okd-ci-stack"]),
                dependsOn: cluster.nodeDependencies,
            },
            o,
        );
        this.kubeconfig = pulumi.secret(kubeconfigFor(cluster.cluster, args.region));
        this.provider = createKubernetesProvider(name, cluster, this.clusterName, args.region, this.kubeconfig, o);
        // The VPC CNI runs in strict mode (addons.ts): a pod no policy selects stays at default-deny, CoreDNS and the
        // cluster-autoscaler included. kube-system keeps its traffic through an allow-all policy, there before either.
        const kubeSystemPolicies = allowAllPolicies("kube-system").map(
            (p) =>
                new k8s.networking.v1.NetworkPolicy(`${name}-kube-system-${p.metadata.name}`, p, {
                    parent: this,
                    provider: this.provider,
                }),
        );
        const coreDns = createCoreDns(
            name,
            { cluster: cluster.cluster, kubernetesVersion: args.kubernetesVersion },
            [nodes.system, ...kubeSystemPolicies],
            o,
        );
        createClusterAutoscaler(
            name,
            {
                cluster: cluster.cluster,
                clusterName: this.clusterName,
                account,
                roleName: roleName(args, "autoscaler"),
                region: args.region,
                kubernetesVersion: args.kubernetesVersion,
                build: nodes.build,
                buildDiskGb: args.buildPool.diskGb,
                k8sProvider: this.provider,
                dependsOn: [nodes.system, cluster.podIdentityAgent, ...kubeSystemPolicies],
            },
            o,
        );
        const webhook = createWebhookLoadBalancer(
            name,
            {
                ...args.webhook,
                vpcId: network.vpc.id,
                publicSubnetIds: network.publicSubnetIds.slice(0, layout.webhookZones),
                cluster: cluster.cluster,
                system: nodes.system,
            },
            o,
        );
        this.webhook = webhook.exposure;

        const registry = createRegistry(
            name,
            {
                namePrefix: args.namePrefix,
                protect: args.protect,
                retention: {
                    taggedDays: args.retention.nightlyDays,
                    untaggedDays: args.retention.untaggedDays,
                    keepPayloads: args.retention.keepPayloads ?? args.retention.nightlyDays,
                },
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

        const signingKey = createSigningKey(
            name,
            {
                aliasName: roleName(args, "chains-signing"),
                account,
                signerRoleName: roleName(args, identityRoleNames.chains),
                protect: args.protect,
            },
            o,
        );
        this.signing = { kmsRef: signingKey.kmsRef, ready: [signingKey.alias] };
        const identityArgs = {
            cluster: cluster.cluster,
            clusterName: this.clusterName,
            roleName: (role: IdentityRole) => roleName(args, identityRoleNames[role]),
            account,
            repositoryNames: registry.names,
            bucketName: bucket.name,
            signingKeyArn: signingKey.key.arn,
        };
        const identityRoles = (["build", "records", "promote", "chains"] as const).map((role) =>
            createIdentity(name, role, identityArgs, o),
        );
        // Pod Identity associations name the ServiceAccounts; nothing goes on them.
        const podIdentity = { serviceAccountAnnotations: pulumi.output<Record<string, string>>({}), podLabels: {} };
        this.identities = {
            build: podIdentity,
            records: podIdentity,
            promote: podIdentity,
            chains: podIdentity,
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
                        siteGuard: {
                            // The two keys only okd-ci sets (src/config refuses a stack tag of either name).
                            siteTags: pick(standardTags({}), ["okd-ci-project", "okd-ci-stack"]),
                            clusterName: this.clusterName,
                            iamPrefix: `${physicalName(args.namePrefix, [args.region], 64)}-`,
                            bucketName: bucket.name,
                            kmsKeyArns: [signingKey.key.arn],
                            roleArns: [cluster.clusterRole.arn, cluster.nodeRole.arn],
                        },
                    },
                    { parent: this, provider: this.awsProvider },
                ).access,
        );
        let pullAssociation: pulumi.Resource[] = [];
        if (this.gates.length > 0) {
            pullAssociation = createIdentity(name, "e2ePull", identityArgs, o).associations;
            this.identities = { ...this.identities, e2ePull: podIdentity };
        }
        this.ready = [
            nodes.system,
            nodes.build,
            coreDns,
            ...cluster.nodeAddons,
            ...identityRoles.flatMap((r) => r.associations),
            ...pullAssociation,
        ];

        this.registerOutputs({
            clusterName: this.clusterName,
            kubeconfig: this.kubeconfig,
            registryHost: this.registry.host,
            artifactsUrl: this.artifacts.url,
            webhookUrl: this.webhook.url,
        });
    }
}

/**
 * A warning when `minor` leaves EKS standard support within 30 days of `today`, or has left it. With
 * `upgradePolicy.supportType: STANDARD`, EKS then upgrades the control plane by itself, some time after the date;
 * the node groups and add-ons stay behind, and the next `pulumi up` would try to move the control plane back (EKS
 * refuses downgrades). Moving `kubernetesVersion` first upgrades all of them together.
 */
export function standardSupportWarning(minor: string, today: Date): string | undefined {
    const end = standardSupportEnds("aws", minor);
    if (end === undefined) return undefined;
    const days = Math.floor((Date.parse(`${end}T00:00:00Z`) - today.getTime()) / 86_400_000);
    if (days > 30) return undefined;
    const minorOf = (v: string) => Number(v.split(".")[1]);
    // EKS upgrades a control plane one minor at a time
    // (https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html), so name the next one, not the newest.
    const newer = supportedMinors("aws").filter((m) => minorOf(m) > minorOf(minor));
    const next = newer.length > 0 ? `set okd-ci:kubernetesVersion to ${newer[0]}` : "move to a newer minor";
    return `Kubernetes ${minor} ${days >= 0 ? `leaves Amazon EKS standard support on ${end}` : `left Amazon EKS standard support on ${end}`}: ${next}, so control plane, add-ons and nodes move together instead of EKS upgrading the control plane alone.`;
}

/** Role name suffix of each identity (`e2e-pull` as it was first named). */
const identityRoleNames: Record<IdentityRole, string> = {
    build: "build",
    records: "records",
    promote: "promote",
    chains: "chains",
    e2ePull: "e2e-pull",
};

/** IAM names are account-wide: prefix and region keep two sites in one account apart. */
const pick = (tags: Record<string, string>, keys: string[]): Record<string, string> =>
    Object.fromEntries(keys.map((k) => [k, tags[k]]));

const roleName = (args: AwsSiteArgs, role: string): string => physicalName(args.namePrefix, [args.region, role], 64);

interface AccountWithSuffix extends AccountContext {
    /** `amazonaws.com`, or the partition's own (China, GovCloud). */
    dnsSuffix: string;
}

/** Account, partition and region, read once through the site's provider. */
function accountContext(
    region: string,
    o: pulumi.CustomResourceOptions,
): { account: pulumi.Output<AccountWithSuffix>; partition: pulumi.Output<string>; callerArn: pulumi.Output<string> } {
    const invokeOpts = { parent: o.parent, provider: o.provider };
    const caller = getCallerIdentityOutput({}, invokeOpts);
    const partition = getPartitionOutput({}, invokeOpts);
    const account = pulumi
        .all([caller.accountId, partition.partition, partition.dnsSuffix])
        .apply(([accountId, p, dnsSuffix]) => ({ accountId, partition: p, region, dnsSuffix }));
    return { account, partition: partition.partition, callerArn: caller.arn };
}
