import * as eks from "@pulumi/aws/eks";
import { getAddonVersionOutput } from "@pulumi/aws/eks/getAddonVersion";
import * as pulumi from "@pulumi/pulumi";

/**
 * The EKS-managed add-ons, each at the version EKS names as the *default* for the cluster's Kubernetes minor.
 *
 * Why the default version from `aws.eks.getAddonVersion` and not a pinned table: a table would need a version string
 * per add-on and minor that nobody here can check against the EKS API (`aws eks describe-addon-versions`), and a
 * wrong string fails `pulumi up`. The default version is what EKS itself installs on a new cluster of that minor, so
 * it changes when `kubernetesVersion` changes (the add-ons then follow the control plane in the same `pulumi up`) or
 * when EKS moves its default for a minor, which a preview shows as an `addonVersion` update to review. `mostRecent`
 * stays false: "latest" would move on every EKS release and make previews noisy.
 * (docs.aws.amazon.com/eks/latest/userguide/updating-an-add-on.html; the data source's `mostRecent` flag.)
 */
export const managedAddons = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent", "coredns"] as const;
export type ManagedAddon = (typeof managedAddons)[number];

/**
 * VPC CNI settings:
 * - `enableNetworkPolicy`: without it the VPC CNI ignores NetworkPolicy objects, and the build namespace's
 *   default-deny does nothing (docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html: set
 *   `"enableNetworkPolicy": "true"` in the add-on's configuration values; the controller runs in the control plane).
 * - `NETWORK_POLICY_ENFORCING_MODE: strict`: in the default `standard` mode a new pod starts with a default-allow policy
 *   and is unrestricted until the agent has applied its policies; in `strict` mode it starts default-deny, then gets
 *   its policies (docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html, "Step 1: Set up policy
 *   enforcement at Pod startup": the variable of the `aws-node` container, which the add-on's configuration values
 *   set through `env`, as `ENABLE_PREFIX_DELEGATION`). So a build pod never reaches the instance metadata service or
 *   anything else its namespace's policies refuse, even for its first second. Strict mode also leaves a pod that no
 *   policy selects at default-deny ("you must have a network policy for every endpoint that your pods need to access
 *   ... this requirement applies to the CoreDNS pods"; host-network pods are exempt): the site gives kube-system an
 *   allow-all policy before CoreDNS starts, and the Tekton layer gives Tekton's namespaces one
 *   (`Site.strictNetworkPolicy`).
 * - `ENABLE_PREFIX_DELEGATION`: each ENI slot carries a /28 prefix instead of one address, so a node runs up to 110
 *   pods instead of the ENI limit (17 on a t3.medium, 29 on an m6i.large); managed node groups without a custom AMI
 *   compute max-pods from it (docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html). It must be
 *   set before the node groups exist, which the dependency order guarantees.
 */
export const vpcCniConfiguration = {
    enableNetworkPolicy: "true",
    env: { ENABLE_PREFIX_DELEGATION: "true", NETWORK_POLICY_ENFORCING_MODE: "strict" },
} as const;

export interface AddonsArgs {
    cluster: eks.Cluster;
    kubernetesVersion: string;
}

function addon(
    name: string,
    addonName: ManagedAddon,
    args: AddonsArgs,
    opts: pulumi.CustomResourceOptions,
    extra: Partial<eks.AddonArgs> = {},
): eks.Addon {
    const version = getAddonVersionOutput(
        { addonName, kubernetesVersion: args.kubernetesVersion, mostRecent: false },
        { parent: opts.parent, provider: opts.provider },
    );
    return new eks.Addon(
        `${name}-${addonName}`,
        {
            clusterName: args.cluster.name,
            addonName,
            addonVersion: version.version,
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            ...extra,
        },
        opts,
    );
}

/** DaemonSets every node needs to become Ready: created before the node groups, so nodes join a working network. */
export function createNodeAddons(
    name: string,
    args: AddonsArgs,
    opts: pulumi.CustomResourceOptions,
): { vpcCni: eks.Addon; kubeProxy: eks.Addon; podIdentityAgent: eks.Addon } {
    return {
        vpcCni: addon(name, "vpc-cni", args, opts, { configurationValues: JSON.stringify(vpcCniConfiguration) }),
        kubeProxy: addon(name, "kube-proxy", args, opts),
        podIdentityAgent: addon(name, "eks-pod-identity-agent", args, opts),
    };
}

/**
 * CoreDNS is a Deployment: created after the system nodes exist, or the add-on would sit DEGRADED, and (strict mode)
 * after kube-system's allow-all policy, or its pods would sit at default-deny.
 */
export function createCoreDns(
    name: string,
    args: AddonsArgs,
    dependsOn: pulumi.Resource[],
    opts: pulumi.CustomResourceOptions,
): eks.Addon {
    return addon(name, "coredns", args, { ...opts, dependsOn });
}
