import * as ec2 from "@pulumi/aws/ec2";
import { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
import * as pulumi from "@pulumi/pulumi";

/**
 * The VPC of the build cluster, sized for cost.
 *
 * NAT choice (standard profile): ONE zonal NAT gateway for both private subnets, plus a free S3 gateway endpoint.
 * - Builds pull many GB a night. ECR serves image layers from S3, and the artifact bucket is S3, so the gateway
 *   endpoint takes the bulk of registry and artifact traffic off the NAT ($0.045/GB processed in us-east-1).
 * - What still crosses the NAT is quay.io, GitHub and Fedora downloads. One NAT costs ~$32.85/month idle; one per AZ
 *   doubles that for an availability the CI does not need: a build cluster can wait out an AZ outage, a NAT in the
 *   other AZ only adds cross-AZ data ($0.01/GB) for that subnet.
 *
 * The small profile has no NAT gateway: nodes run in the public subnets with a public IPv4 address each
 * ($0.005/h), reachable only where the cluster security group allows (from the cluster itself and the webhook load
 * balancer). See docs/platforms/aws.md "Small profile".
 */
export interface NetworkArgs {
    /** VPC CIDR; default 10.0.0.0/16. Pods take VPC addresses (VPC CNI), so the subnets are large. */
    cidr?: string;
    /** Region, to look up its availability zones. */
    region: string;
    /** EKS cluster name, for the subnet tags load balancers and the cluster look for. */
    clusterName: string;
    /** No NAT gateway; nodes get public addresses in the public subnets. */
    natGateway: boolean;
}

export interface Network {
    vpc: ec2.Vpc;
    publicSubnetIds: pulumi.Output<string>[];
    privateSubnetIds: pulumi.Output<string>[];
    /** Where the nodes run: the private subnets behind the NAT gateway, or the public subnets without one. */
    nodeSubnetIds: pulumi.Output<string>[];
    natGateway?: ec2.NatGateway;
    s3Endpoint: ec2.VpcEndpoint;
}

/** EKS needs subnets in two AZs; two is also the cheapest layout that satisfies it. */
const zoneCount = 2;

/**
 * Availability Zone IDs EKS does not accept for a cluster's subnets (the control plane's network interfaces), from
 * "Subnet requirements for clusters" in docs.aws.amazon.com/eks/latest/userguide/network-reqs.html#cluster-subnets
 * (checked 2026-11-30). By zone *ID*: zone names map to different IDs in every account.
 */
export const eksUnsupportedZoneIds: Record<string, string[]> = {
    "us-east-1": ["use1-az3"],
    "us-west-1": ["usw1-az2"],
    "ca-central-1": ["cac1-az3"],
};

/**
 * Plain Availability Zones the account can use without opting in: Local Zones and Wavelength Zones (which sort before
 * `us-east-1a` and need opt-in) and the zone IDs EKS refuses are filtered out by the EC2 API itself.
 */
export function zoneQuery(region: string) {
    return {
        region,
        state: "available",
        excludeZoneIds: eksUnsupportedZoneIds[region] ?? [],
        filters: [
            { name: "zone-type", values: ["availability-zone"] },
            { name: "opt-in-status", values: ["opt-in-not-required"] },
        ],
    };
}

/** /18 private subnets (16k addresses each: pod addresses come from here) and /20 public ones (NAT, NLB, small-profile nodes). */
function subnetCidrs(cidr: string): { private: string[]; public: string[] } {
    const match = /^10\.(\d{1,3})\.0\.0\/16$/.exec(cidr);
    if (!match) throw new Error(`VPC CIDR ${cidr}: expected a 10.x.0.0/16 block`);
    const b = match[1];
    return {
        private: [`10.${b}.0.0/18`, `10.${b}.64.0/18`],
        public: [`10.${b}.128.0/20`, `10.${b}.144.0/20`],
    };
}

export function createNetwork(name: string, args: NetworkArgs, opts: pulumi.CustomResourceOptions): Network {
    const cidr = args.cidr ?? "10.0.0.0/16";
    const cidrs = subnetCidrs(cidr);
    const zones = getAvailabilityZonesOutput(zoneQuery(args.region), {
        parent: opts.parent,
        provider: opts.provider,
    }).names.apply((names) => {
        if (names.length < zoneCount) {
            throw new Error(
                `region ${args.region} has ${names.length} Availability Zone(s) EKS accepts without opt-in; an EKS cluster needs ${zoneCount}`,
            );
        }
        return names.slice(0, zoneCount);
    });
    const clusterTag = `kubernetes.io/cluster/${args.clusterName}`;

    const vpc = new ec2.Vpc(
        `${name}-vpc`,
        { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: `${name}-vpc` } },
        opts,
    );
    const igw = new ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: `${name}-igw` } }, opts);

    const publicTable = new ec2.RouteTable(
        `${name}-public`,
        { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: { Name: `${name}-public` } },
        opts,
    );
    const publicSubnets = Array.from({ length: zoneCount }, (_, i) => {
        const subnet = new ec2.Subnet(
            `${name}-public-${i}`,
            {
                vpcId: vpc.id,
                cidrBlock: cidrs.public[i],
                availabilityZone: zones[i],
                // Without a NAT gateway the nodes live here and need their own public address to reach the internet.
                mapPublicIpOnLaunch: !args.natGateway,
                // The webhook NLB lands here.
                tags: { Name: `${name}-public-${i}`, "kubernetes.io/role/elb": "1", [clusterTag]: "shared" },
            },
            opts,
        );
        new ec2.RouteTableAssociation(
            `${name}-public-${i}`,
            { subnetId: subnet.id, routeTableId: publicTable.id },
            opts,
        );
        return subnet;
    });

    let natGateway: ec2.NatGateway | undefined;
    if (args.natGateway) {
        const eip = new ec2.Eip(
            `${name}-nat`,
            { domain: "vpc", tags: { Name: `${name}-nat` } },
            { ...opts, dependsOn: [igw] },
        );
        natGateway = new ec2.NatGateway(
            `${name}-nat`,
            { allocationId: eip.id, subnetId: publicSubnets[0].id, tags: { Name: `${name}-nat` } },
            opts,
        );
    }
    const privateTable = new ec2.RouteTable(
        `${name}-private`,
        {
            vpcId: vpc.id,
            routes: natGateway !== undefined ? [{ cidrBlock: "0.0.0.0/0", natGatewayId: natGateway.id }] : [],
            tags: { Name: `${name}-private` },
        },
        opts,
    );
    const privateSubnets = Array.from({ length: zoneCount }, (_, i) => {
        const subnet = new ec2.Subnet(
            `${name}-private-${i}`,
            {
                vpcId: vpc.id,
                cidrBlock: cidrs.private[i],
                availabilityZone: zones[i],
                tags: { Name: `${name}-private-${i}`, "kubernetes.io/role/internal-elb": "1", [clusterTag]: "shared" },
            },
            opts,
        );
        new ec2.RouteTableAssociation(
            `${name}-private-${i}`,
            { subnetId: subnet.id, routeTableId: privateTable.id },
            opts,
        );
        return subnet;
    });

    // Free, and it keeps ECR layer pulls and artifact uploads off the NAT (see the comment at the top).
    const s3Endpoint = new ec2.VpcEndpoint(
        `${name}-s3`,
        {
            vpcId: vpc.id,
            serviceName: `com.amazonaws.${args.region}.s3`,
            vpcEndpointType: "Gateway",
            routeTableIds: [privateTable.id, publicTable.id],
            tags: { Name: `${name}-s3` },
        },
        opts,
    );

    const publicSubnetIds = publicSubnets.map((s) => s.id);
    const privateSubnetIds = privateSubnets.map((s) => s.id);
    return {
        vpc,
        publicSubnetIds,
        privateSubnetIds,
        nodeSubnetIds: args.natGateway ? privateSubnetIds : publicSubnetIds,
        natGateway,
        s3Endpoint,
    };
}
