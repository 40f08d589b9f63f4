import { Network, Router, RouterNat, Subnetwork } from "@pulumi/gcp/compute";
import type * as pulumi from "@pulumi/pulumi";

import { physicalName } from "../shared/naming";

/**
 * Address plan of the build network. VPC-native GKE takes pods and Services from named secondary ranges of the
 * nodes' subnet (https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips):
 * - nodes: a /22, room for 1,020 nodes;
 * - pods: a /16; GKE gives each node a /24 for its 110 pods, so the range caps the cluster at 256 nodes, above
 *   `buildMaxNodes`' limit of 100 plus the system pool;
 * - Services: a /20, 4,096 ClusterIPs.
 * None overlaps 172.16.0.0/12, where GKE and the e2e clusters' installers put their own ranges.
 */
export const buildNetworkRanges = {
    nodes: "10.0.0.0/22",
    pods: { rangeName: "pods", ipCidrRange: "10.64.0.0/16" },
    services: { rangeName: "services", ipCidrRange: "10.68.0.0/20" },
} as const;

export interface BuildNetworkArgs {
    project: string;
    region: string;
    namePrefix: string;
}

export interface BuildNetwork {
    network: Network;
    subnet: Subnetwork;
    router: Router;
    nat: RouterNat;
}

/**
 * The site's own VPC: one regional subnet for the nodes with secondary ranges for pods and Services, and Cloud NAT
 * for the private nodes' way out (GitHub, quay.io, RPM mirrors). Nothing depends on the project's `default` network,
 * which hardened projects delete (constraints/compute.skipDefaultNetworkCreation).
 *
 * Private Google Access lets the nodes reach Google APIs (Artifact Registry pulls, GCS, Logging) without NAT, so the
 * bulk of a build's traffic bypasses NAT's per-GB processing charge
 * (https://cloud.google.com/vpc/docs/private-google-access).
 */
export function createBuildNetwork(
    name: string,
    args: BuildNetworkArgs,
    opts: pulumi.CustomResourceOptions,
): BuildNetwork {
    const base = physicalName(args.namePrefix, ["build"]);
    const network = new Network(
        `${name}-network`,
        {
            project: args.project,
            name: base,
            description: "okd-ci: the build cluster's network",
            // Custom mode: no subnet appears in every region by itself.
            autoCreateSubnetworks: false,
            routingMode: "REGIONAL",
        },
        opts,
    );
    const subnet = new Subnetwork(
        `${name}-nodes`,
        {
            project: args.project,
            region: args.region,
            name: physicalName(args.namePrefix, ["build", "nodes"]),
            description: "okd-ci: build cluster nodes; secondary ranges for pods and Services",
            network: network.id,
            ipCidrRange: buildNetworkRanges.nodes,
            secondaryIpRanges: [buildNetworkRanges.pods, buildNetworkRanges.services],
            privateIpGoogleAccess: true,
            stackType: "IPV4_ONLY",
        },
        opts,
    );
    const router = new Router(
        `${name}-router`,
        { project: args.project, region: args.region, name: base, network: network.id },
        opts,
    );
    const nat = new RouterNat(
        `${name}-nat`,
        {
            project: args.project,
            region: args.region,
            name: base,
            router: router.name,
            // Google allocates and releases the NAT addresses; nothing outside needs to know them.
            natIpAllocateOption: "AUTO_ONLY",
            // Nodes and pods (GKE masquerades pod traffic to the node's address for outside destinations, but NAT
            // covering every range of the subnet is what GKE documents for private clusters:
            // https://cloud.google.com/kubernetes-engine/docs/how-to/private-clusters#cloud_nat).
            sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
            subnetworks: [{ name: subnet.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
            // A build pulls from many hosts at once; dynamic allocation grows a VM's ports from 64 as it needs them
            // instead of failing connections once a fixed share is used up
            // (https://cloud.google.com/nat/docs/ports-and-addresses#dynamic-port).
            enableDynamicPortAllocation: true,
            enableEndpointIndependentMapping: false,
            minPortsPerVm: 64,
            maxPortsPerVm: 8192,
            // Dropped connections (port exhaustion) are logged; translations are not, they would cost more than NAT.
            logConfig: { enable: true, filter: "ERRORS_ONLY" },
        },
        opts,
    );
    return { network, subnet, router, nat };
}
