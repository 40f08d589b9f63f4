import * as autoscaling from "@pulumi/aws/autoscaling";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { buildPoolLabel, buildPoolTaint } from "../shared/site";
import { type AccountContext, type PolicyDocument, podIdentityTrustPolicyFor, policyDocument } from "./policy";

/**
 * Scale-up and scale-to-zero of the build pool: the Kubernetes cluster-autoscaler, with our own objects.
 *
 * Why cluster-autoscaler and not Karpenter or EKS Auto Mode: the build pool is an EKS managed node group (spot,
 * several instance types, min 0), and cluster-autoscaler scales exactly that, with one small Deployment and one IAM
 * role. Karpenter would replace the managed group with its own provisioning (NodePools, an SQS interruption queue,
 * EventBridge rules, a controller that must not run on the nodes it manages); Auto Mode adds a management fee on
 * every instance-hour. For one spot pool that sits at zero most of the day, neither pays for itself.
 *
 * Why our own objects and not the Helm chart: under the mock runtime a chart has no children, so nothing in it could
 * be tested, and the RBAC and arguments below are short. The image tag follows the cluster's Kubernetes minor, as
 * the autoscaler project requires.
 */

/**
 * Latest cluster-autoscaler patch per Kubernetes minor (kubernetes/autoscaler releases of 2026-07-23,
 * https://github.com/kubernetes/autoscaler/releases/tag/cluster-autoscaler-1.36.1 and its 1.35.2, 1.34.5, 1.33.6
 * siblings, each listing its `registry.k8s.io/autoscaling/cluster-autoscaler` image). v1.35.2 by its
 * multi-architecture index digest, as several public projects pin it (found through a code index); the image
 * promoter's manifest that would be the authority (kubernetes/k8s.io `registry.k8s.io/images/k8s-staging-autoscaling/
 * images.yaml`) was readable here only in a version that ends at v1.28.2. The others are by tag: no public digest was
 * found (docs/security.md).
 */
export const clusterAutoscalerImages: Record<string, string> = {
    "1.32": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.32.3",
    "1.33": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.6",
    "1.34": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.34.5",
    "1.35": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.2@sha256:aac369dc283927a623deb1af54696efcc722ae79255aa07788422e495bab887d",
    "1.36": "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1",
};

const namespace = "kube-system";
const serviceAccount = "cluster-autoscaler";

/**
 * What the autoscaler may do (kubernetes/autoscaler `cloudprovider/aws/README.md`): read groups, instance types and,
 * for scale-from-zero, the managed node group's labels and taints (`eks:DescribeNodegroup`); change the size of and
 * terminate instances in this cluster's groups only (EKS tags each managed group's ASG with
 * `k8s.io/cluster-autoscaler/<cluster>=owned`).
 */
export function autoscalerPolicy(clusterName: string): PolicyDocument {
    return policyDocument([
        {
            Sid: "Discover",
            Effect: "Allow",
            Action: [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
                "eks:DescribeNodegroup",
            ],
            Resource: "*",
        },
        {
            Sid: "ScaleOwnGroups",
            Effect: "Allow",
            Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            Resource: "*",
            Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
        },
    ]);
}

export interface AutoscalerArgs {
    cluster: eks.Cluster;
    clusterName: string;
    /** Account, partition and region: the role's trust policy names the cluster. */
    account: pulumi.Output<AccountContext>;
    /** IAM role name of the autoscaler (account-wide, so it carries the prefix and region). */
    roleName: string;
    region: string;
    kubernetesVersion: string;
    build: eks.NodeGroup;
    /** Root disk of a build node, GiB: advertised so pods that request ephemeral storage can scale the group up from zero. */
    buildDiskGb: number;
    k8sProvider: k8s.Provider;
    /** What the Deployment waits for: the system nodes and the Pod Identity agent. */
    dependsOn: pulumi.Resource[];
}

export function createClusterAutoscaler(name: string, args: AutoscalerArgs, opts: pulumi.CustomResourceOptions) {
    const image = clusterAutoscalerImages[args.kubernetesVersion];
    if (image === undefined) {
        throw new Error(
            `no cluster-autoscaler image for Kubernetes ${args.kubernetesVersion}; add one to clusterAutoscalerImages`,
        );
    }
    const role = new iam.Role(
        `${name}-autoscaler`,
        {
            name: args.roleName,
            assumeRolePolicy: args.account.apply((c) =>
                JSON.stringify(podIdentityTrustPolicyFor(c, args.clusterName, [{ namespace, serviceAccount }])),
            ),
        },
        opts,
    );
    const policy = new iam.RolePolicy(
        `${name}-autoscaler`,
        { role: role.name, policy: JSON.stringify(autoscalerPolicy(args.clusterName)) },
        opts,
    );
    const association = new eks.PodIdentityAssociation(
        `${name}-autoscaler`,
        { clusterName: args.cluster.name, namespace, serviceAccount, roleArn: role.arn },
        { ...opts, dependsOn: [policy] },
    );
    tagBuildGroupForScaleFromZero(name, args, opts);

    const k = { parent: opts.parent, provider: args.k8sProvider };
    const labels = { "app.kubernetes.io/name": "cluster-autoscaler", "app.kubernetes.io/part-of": "okd-ci" };
    const sa = new k8s.core.v1.ServiceAccount(
        `${name}-autoscaler`,
        { metadata: { name: serviceAccount, namespace, labels } },
        k,
    );
    const clusterRole = new k8s.rbac.v1.ClusterRole(
        `${name}-autoscaler`,
        { metadata: { name: "cluster-autoscaler", labels }, rules: clusterAutoscalerRules },
        k,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-autoscaler`,
        {
            metadata: { name: "cluster-autoscaler", labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: serviceAccount, namespace }],
        },
        k,
    );
    const namespacedRole = new k8s.rbac.v1.Role(
        `${name}-autoscaler`,
        {
            metadata: { name: "cluster-autoscaler", namespace, labels },
            rules: [
                { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "list", "watch"] },
                {
                    apiGroups: [""],
                    resources: ["configmaps"],
                    resourceNames: ["cluster-autoscaler-status"],
                    verbs: ["delete", "get", "update", "watch"],
                },
            ],
        },
        k,
    );
    new k8s.rbac.v1.RoleBinding(
        `${name}-autoscaler`,
        {
            metadata: { name: "cluster-autoscaler", namespace, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: namespacedRole.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: serviceAccount, namespace }],
        },
        k,
    );
    return new k8s.apps.v1.Deployment(
        `${name}-autoscaler`,
        {
            metadata: { name: "cluster-autoscaler", namespace, labels },
            spec: {
                replicas: 1,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        serviceAccountName: sa.metadata.name,
                        priorityClassName: "system-cluster-critical",
                        // Never on a build node: it would be evicted by the scale-down it decides.
                        nodeSelector: { [buildPoolLabel.key]: "system" },
                        securityContext: {
                            runAsNonRoot: true,
                            runAsUser: 65534,
                            fsGroup: 65534,
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        containers: [
                            {
                                name: "cluster-autoscaler",
                                image,
                                command: [
                                    "./cluster-autoscaler",
                                    "--cloud-provider=aws",
                                    `--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/${args.clusterName}`,
                                    "--balance-similar-node-groups",
                                    "--expander=least-waste",
                                    "--skip-nodes-with-system-pods=false",
                                    "--skip-nodes-with-local-storage=false",
                                    // Builds come in bursts a few minutes apart; don't drop a warm node in between.
                                    "--scale-down-unneeded-time=10m",
                                    "--scale-down-delay-after-add=5m",
                                ],
                                env: [{ name: "AWS_REGION", value: args.region }],
                                resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } },
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    readOnlyRootFilesystem: true,
                                    capabilities: { drop: ["ALL"] },
                                },
                            },
                        ],
                    },
                },
            },
        },
        // Without the association the pod starts with no AWS credentials and crash-loops until it exists.
        { ...k, dependsOn: [association, ...args.dependsOn] },
    );
}

/**
 * Scale-from-zero needs to know what a node of the group would look like before any exists. `eks:DescribeNodegroup`
 * gives the labels and taints; the node-template tags on the group's ASG say the same for autoscaler versions or
 * paths that only read tags, and add the ephemeral storage, which the EKS API does not report.
 */
function tagBuildGroupForScaleFromZero(name: string, args: AutoscalerArgs, opts: pulumi.CustomResourceOptions): void {
    const asgName = args.build.resources.apply((r) => r?.[0]?.autoscalingGroups?.[0]?.name ?? "");
    const template = "k8s.io/cluster-autoscaler/node-template";
    const tags = [
        { id: "label", key: `${template}/label/${buildPoolLabel.key}`, value: buildPoolLabel.value },
        {
            id: "taint",
            key: `${template}/taint/${buildPoolTaint.key}`,
            value: `${buildPoolTaint.value}:${buildPoolTaint.effect}`,
        },
        { id: "storage", key: `${template}/resources/ephemeral-storage`, value: `${args.buildDiskGb}Gi` },
    ];
    for (const { id, key, value } of tags) {
        new autoscaling.Tag(
            `${name}-build-template-${id}`,
            { autoscalingGroupName: asgName, tag: { key, value, propagateAtLaunch: false } },
            opts,
        );
    }
}

/** ClusterRole of the upstream `cluster-autoscaler-autodiscover.yaml` example (kubernetes/autoscaler, AWS). */
export const clusterAutoscalerRules: k8s.types.input.rbac.v1.PolicyRule[] = [
    { apiGroups: [""], resources: ["events", "endpoints"], verbs: ["create", "patch"] },
    { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
    { apiGroups: [""], resources: ["pods/status"], verbs: ["update"] },
    { apiGroups: [""], resources: ["endpoints"], resourceNames: ["cluster-autoscaler"], verbs: ["get", "update"] },
    { apiGroups: [""], resources: ["nodes"], verbs: ["watch", "list", "get", "update"] },
    {
        apiGroups: [""],
        resources: [
            "namespaces",
            "pods",
            "services",
            "replicationcontrollers",
            "persistentvolumeclaims",
            "persistentvolumes",
        ],
        verbs: ["watch", "list", "get"],
    },
    { apiGroups: ["extensions"], resources: ["replicasets", "daemonsets"], verbs: ["watch", "list", "get"] },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["watch", "list"] },
    { apiGroups: ["apps"], resources: ["statefulsets", "replicasets", "daemonsets"], verbs: ["watch", "list", "get"] },
    {
        apiGroups: ["storage.k8s.io"],
        resources: ["storageclasses", "csinodes", "csidrivers", "csistoragecapacities", "volumeattachments"],
        verbs: ["watch", "list", "get"],
    },
    { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ["watch", "list", "get"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    {
        apiGroups: ["coordination.k8s.io"],
        resourceNames: ["cluster-autoscaler"],
        resources: ["leases"],
        verbs: ["get", "update"],
    },
    {
        apiGroups: ["resource.k8s.io"],
        resources: ["resourceclaims", "resourceslices", "deviceclasses"],
        verbs: ["get", "list", "watch"],
    },
];
