import { createHash } from "node:crypto";

import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import { getSessionContext } from "@pulumi/aws/iam/getSessionContext";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { createNodeAddons } from "./addons";
import { managedPolicyArn, serviceTrustPolicy } from "./policy";
import { principalKey } from "./principal";

export interface ClusterArgs {
    /** EKS cluster name (regional, unique per account). */
    clusterName: string;
    /** Kubernetes minor, e.g. `1.35`. */
    kubernetesVersion: string;
    region: string;
    partition: pulumi.Input<string>;
    /** Subnets of the control plane's network interfaces and of every node. */
    privateSubnetIds: pulumi.Input<string>[];
    /** Endpoint access stays public (the deployer and CI reach it), but the nodes use private subnets. */
    publicSubnetIds: pulumi.Input<string>[];
    /** IAM principals (role or user ARNs) granted cluster-admin through access entries; the deployer must be one. */
    adminPrincipals: string[];
    /** The ARN `pulumi up` runs as (sts:GetCallerIdentity): checked against `adminPrincipals`. */
    callerArn: pulumi.Input<string>;
    /** CIDRs allowed to reach the public endpoint; empty: any address. */
    publicAccessCidrs: string[];
    /** Control-plane log types sent to CloudWatch Logs. */
    logTypes: ControlPlaneLogType[];
    /** Days the control-plane log group keeps events. */
    logRetentionDays: number;
}

export { principalKey };

export type ControlPlaneLogType = "api" | "audit" | "authenticator" | "controllerManager" | "scheduler";

export interface Cluster {
    cluster: eks.Cluster;
    /** The EKS cluster's service role. */
    clusterRole: iam.Role;
    nodeRole: iam.Role;
    /** The control-plane log group EKS writes to, created (with its retention) before the cluster. */
    logGroup: cloudwatch.LogGroup;
    /** What node groups wait for: the node role's policies and the add-ons. */
    nodeDependencies: pulumi.Resource[];
    /** Add-ons every node needs before it is Ready (CNI, kube-proxy, Pod Identity agent). */
    nodeAddons: eks.Addon[];
    /** The Pod Identity agent: pods that use Pod Identity wait for it. */
    podIdentityAgent: eks.Addon;
    /** The admins' access policy associations: the Kubernetes provider waits for them (there is no creator entry). */
    adminAccess: eks.AccessPolicyAssociation[];
    /** Resolves once the newest association is old enough to be effective (`adminAccessEffective`). */
    adminAccessEffective: pulumi.Output<true>;
    /**
     * Resolves once the deployer is known to be one of `adminPrincipals`; rejects, naming the key, when it is not.
     * The Kubernetes provider's kubeconfig waits for it, so a preview stops before any in-cluster object is planned.
     */
    deployerIsAdmin: pulumi.Output<true>;
}

/** AWS-managed policy on the cluster role. */
const clusterPolicies = ["AmazonEKSClusterPolicy"];
/** AWS-managed policies on the node role: join the cluster, run the VPC CNI, pull from ECR. */
const nodePolicies = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"];

/** Valid values of CloudWatch Logs `retentionInDays` (PutRetentionPolicy). */
export const logRetentionValues = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Where EKS writes control-plane logs (docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html). */
export const controlPlaneLogGroupName = (clusterName: string): string => `/aws/eks/${clusterName}/cluster`;

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

/** A stable resource name per principal, so reordering `adminPrincipals` replaces nothing. */
const principalId = (arn: string): string => createHash("sha256").update(arn).digest("hex").slice(0, 10);

/**
 * The EKS control plane in API authentication mode: who may act in the cluster is a list of access entries in the
 * EKS API, not an `aws-auth` ConfigMap that a bad apply can lock everyone out with.
 */
export function createCluster(name: string, args: ClusterArgs, opts: pulumi.CustomResourceOptions): Cluster {
    if (args.adminPrincipals.length === 0) {
        throw new Error(
            "okd-ci:adminPrincipals is empty; expected at least one IAM role or user ARN (the identity that runs pulumi up, e.g. arn:aws:iam::111122223333:role/okd-ci-deployer): the cluster gives no access to its creator",
        );
    }
    const clusterRole = roleWithPolicies(`${name}-cluster`, "eks.amazonaws.com", clusterPolicies, args.partition, opts);
    if (!logRetentionValues.includes(args.logRetentionDays)) {
        throw new Error(
            `control-plane log retention ${args.logRetentionDays} days is not one CloudWatch Logs accepts (${logRetentionValues.join(", ")})`,
        );
    }
    // EKS creates `/aws/eks/<cluster>/cluster` itself when logging is on, with no retention, and leaves it behind on
    // delete. Created here first, EKS writes into ours: it expires events and goes with `pulumi destroy`.
    const logGroup = new cloudwatch.LogGroup(
        `${name}-control-plane`,
        { name: controlPlaneLogGroupName(args.clusterName), retentionInDays: args.logRetentionDays },
        opts,
    );
    const cluster = new eks.Cluster(
        `${name}-cluster`,
        {
            name: args.clusterName,
            version: args.kubernetesVersion,
            roleArn: clusterRole.role.arn,
            accessConfig: {
                authenticationMode: "API",
                // No access entry for whoever creates the cluster: every admin, the deployer included, is an
                // `adminPrincipals` entry below, so the set of entries is the config's, whoever runs `pulumi up`. With
                // `true` EKS makes an entry for the creator that the stack does not own: listing the creator then fails
                // with ResourceInUseException (one entry per principal), and another admin's `pulumi up` cannot see or
                // manage it (docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html, "bootstrap cluster
                // creator admin permissions"; CreateCluster API, accessConfig). Clusters created with `true` keep it:
                // the field is replace-only, so it is ignored below.
                bootstrapClusterCreatorAdminPermissions: false,
            },
            // The add-ons below are EKS-managed (versioned and updated by EKS), not self-managed leftovers.
            bootstrapSelfManagedAddons: false,
            // Standard support only: kubernetesVersion accepts only minors in standard support (components/shared/kubernetes.ts),
            // so EKS never bills extended support; at the end of standard support EKS upgrades the control plane
            // itself, which the version list's dates warn about in advance.
            upgradePolicy: { supportType: "STANDARD" },
            vpcConfig: {
                subnetIds: [...args.privateSubnetIds, ...args.publicSubnetIds],
                endpointPublicAccess: true,
                // Nodes reach the API inside the VPC, so restricting the public endpoint never cuts them off.
                endpointPrivateAccess: true,
                publicAccessCidrs: args.publicAccessCidrs.length > 0 ? args.publicAccessCidrs : ["0.0.0.0/0"],
            },
            enabledClusterLogTypes: args.logTypes,
        },
        {
            ...opts,
            // EKS checks the role's permissions when it creates the cluster; the log group must exist before EKS
            // creates its own.
            dependsOn: [...clusterRole.attachments, logGroup],
            // Both are replace-only in EKS and read back differently after import (pulumi/pulumi-aws#3997).
            ignoreChanges: ["accessConfig.bootstrapClusterCreatorAdminPermissions", "bootstrapSelfManagedAddons"],
        },
    );

    const adminAccess = args.adminPrincipals.map((principalArn) => {
        const id = `${name}-admin-${principalId(principalArn)}`;
        const entry = new eks.AccessEntry(id, { clusterName: cluster.name, principalArn, type: "STANDARD" }, opts);
        return new eks.AccessPolicyAssociation(
            id,
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
    });
    const deployerIsAdmin = deployerAmongAdmins(args.callerArn, args.adminPrincipals, opts);
    const node = roleWithPolicies(`${name}-node`, "ec2.amazonaws.com", nodePolicies, args.partition, opts);
    const addons = createNodeAddons(name, { cluster, kubernetesVersion: args.kubernetesVersion }, opts);
    const nodeAddons = [addons.vpcCni, addons.kubeProxy, addons.podIdentityAgent];
    return {
        cluster,
        clusterRole: clusterRole.role,
        nodeRole: node.role,
        logGroup,
        nodeDependencies: [...node.attachments, ...nodeAddons],
        nodeAddons,
        podIdentityAgent: addons.podIdentityAgent,
        adminAccess,
        adminAccessEffective: adminAccessEffective(adminAccess),
        deployerIsAdmin,
    };
}

/**
 * How long an access policy association is given to take effect before the first Kubernetes call. EKS: "access entry
 * creation and updates are eventually consistent, and may take several seconds to be effective after the initial API
 * call returns successfully" (docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html). The deployer has
 * no other access (`bootstrapClusterCreatorAdminPermissions: false`), so on a fresh stack its first call could be
 * refused. 15 s is a margin over "several seconds", not a figure EKS gives; it is unverified here (no EKS to test on).
 */
export const accessPropagationMs = 15_000;

/**
 * Milliseconds still to wait, at `now`, for associations made at `associatedAt` (RFC 3339, as EKS reports them) to be
 * effective: what is left of `settleMs` after the newest of them, never more than `settleMs` (a clock behind EKS's),
 * and 0 when none has a time (mocks, an offline synth).
 */
export function accessSettleDelay(
    associatedAt: (string | undefined)[],
    now: number,
    settleMs = accessPropagationMs,
): number {
    const times = associatedAt.map((t) => (t === undefined ? NaN : Date.parse(t))).filter(Number.isFinite);
    if (times.length === 0) return 0;
    return Math.min(settleMs, Math.max(0, Math.max(...times) + settleMs - now));
}

/**
 * Resolves when the admins' access is effective: during `pulumi up`, after waiting out `accessSettleDelay` (only an
 * association made within the last `settleMs` waits, so only its creation or replacement costs time); at once in a
 * preview, which makes no Kubernetes call that needs it.
 */
export function adminAccessEffective(
    adminAccess: eks.AccessPolicyAssociation[],
    settleMs = accessPropagationMs,
): pulumi.Output<true> {
    return pulumi.all(adminAccess.map((a) => a.associatedAt)).apply(async (times) => {
        if (pulumi.runtime.isDryRun()) return true as const;
        const delay = accessSettleDelay(times, Date.now(), settleMs);
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        return true as const;
    });
}

/**
 * The check that the identity running `pulumi up` will reach the cluster it creates: its role (the session's issuer,
 * `aws.iam.getSessionContext`) or user must be in `adminPrincipals`. The offline synth has no caller (its placeholder is
 * not an ARN) and skips the check.
 */
export function deployerAmongAdmins(
    callerArn: pulumi.Input<string>,
    adminPrincipals: string[],
    opts: pulumi.CustomResourceOptions,
): pulumi.Output<true> {
    const admins = new Set(adminPrincipals.map(principalKey));
    return pulumi.output(callerArn).apply(async (arn) => {
        if (!/^arn:aws[\w-]*:(iam|sts)::\d{12}:/.test(arn)) return true as const;
        const issuer = arn.includes(":assumed-role/")
            ? (await getSessionContext({ arn }, { parent: opts.parent, provider: opts.provider })).issuerArn
            : arn;
        const key = principalKey(issuer);
        if (key !== undefined && admins.has(key)) return true as const;
        throw new Error(
            `okd-ci:adminPrincipals does not include ${issuer}, the identity running pulumi up (${arn}); expected it among [${adminPrincipals.join(", ")}]: the cluster gives access only to adminPrincipals, so add it (pulumi config set --path 'okd-ci:adminPrincipals[${adminPrincipals.length}]' ${issuer}) or deploy as one of them`,
        );
    });
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
    cluster: Pick<Cluster, "cluster" | "adminAccess" | "adminAccessEffective" | "deployerIsAdmin">,
    clusterName: string,
    region: string,
    kubeconfig: pulumi.Output<string>,
    opts: pulumi.CustomResourceOptions,
): k8s.Provider {
    return new k8s.Provider(
        `${name}-k8s`,
        {
            // The same text, once the deployer is known to be an admin (a preview stops here otherwise) and its
            // access has had time to take effect (`adminAccessEffective`).
            kubeconfig: pulumi
                .all([kubeconfig, cluster.deployerIsAdmin, cluster.adminAccessEffective])
                .apply(([k]) => k),
            // Stable across endpoint or certificate rotation, so neither replaces every in-cluster object.
            clusterIdentifier: `eks-${region}-${clusterName}`,
        },
        // Without a creator entry, the API admits the deployer only once its access policy is associated.
        { parent: opts.parent, dependsOn: [cluster.cluster, ...cluster.adminAccess] },
    );
}
