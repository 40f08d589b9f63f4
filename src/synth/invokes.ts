/**
 * Placeholder results for the invokes (data sources) the program makes. Offline there is no cloud to ask, so each
 * returns values that say so: a synth plan shows `[unknown: ...]` where only the cloud can answer.
 * An invoke that is not listed here fails the synth and the tests, so none slips in unnoticed.
 */
export type InvokeTable = Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>;

export const unknown = (what: string): string => `[unknown: ${what}]`;

const kubeconfigPlaceholder = Buffer.from(
    "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n# [unknown: cluster credentials]\n",
).toString("base64");

interface Zone {
    name: string;
    id: string;
    type: "availability-zone" | "local-zone" | "wavelength-zone";
    optIn: "opt-in-not-required" | "opted-in" | "not-opted-in";
}

/**
 * What DescribeAvailabilityZones would list for an account that opted into one Local Zone group: the Local Zone sorts
 * first, as real ones do (`us-east-1-bos-1a` < `us-east-1a`). Zone name-to-ID mappings differ per account; here
 * `<region>a` is the region's `az3` (in us-east-1 the zone EKS refuses). The names are stand-ins, so the plan shows
 * which *kind* of zone was picked, not which one a real account gets.
 */
function zonesOf(region: string): Zone[] {
    const short = region.replace(
        /^([a-z]{2})-([a-z]+)-(\d+)$/,
        (_, a: string, b: string, n: string) => `${a}${b[0]}${n}`,
    );
    const az = (letter: string, n: number): Zone => ({
        name: `${region}${letter}`,
        id: `${short}-az${n}`,
        type: "availability-zone",
        optIn: "opt-in-not-required",
    });
    return [
        { name: `${region}-bos-1a`, id: `${short}-bos1-az1`, type: "local-zone", optIn: "opted-in" },
        az("a", 3),
        az("b", 1),
        az("c", 2),
    ];
}

/** The EC2 API's filtering of DescribeAvailabilityZones: `state`, `excludeZoneIds`, and the zone-type and opt-in filters. */
function awsZones(inputs: Record<string, unknown>): Record<string, unknown> {
    const region = String(inputs.region ?? "region");
    const excluded = (inputs.excludeZoneIds as string[] | undefined) ?? [];
    const filters = (inputs.filters as { name: string; values: string[] }[] | undefined) ?? [];
    const field: Record<string, (z: Zone) => string> = { "zone-type": (z) => z.type, "opt-in-status": (z) => z.optIn };
    const zones = zonesOf(region).filter(
        (z) =>
            !excluded.includes(z.id) &&
            filters.every((f) => {
                const read = field[f.name];
                if (read === undefined) throw new Error(`getAvailabilityZones: filter ${f.name} is not emulated here`);
                return f.values.includes(read(z));
            }),
    );
    return { names: zones.map((z) => z.name), zoneIds: zones.map((z) => z.id), id: region };
}

export const defaultInvokes: InvokeTable = {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: unknown("aws account id"),
        arn: unknown("aws caller arn"),
        userId: unknown("aws user id"),
        id: unknown("aws account id"),
    }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": (inputs) => awsZones(inputs),
    "aws:eks/getAddonVersion:getAddonVersion": (inputs) => ({
        addonName: inputs.addonName,
        kubernetesVersion: inputs.kubernetesVersion,
        mostRecent: inputs.mostRecent ?? false,
        version: unknown(
            `${String(inputs.addonName)} default version for Kubernetes ${String(inputs.kubernetesVersion)}`,
        ),
        id: String(inputs.addonName),
    }),
    "gcp:organizations/getClientConfig:getClientConfig": () => ({
        accessToken: unknown("gcp access token"),
        project: unknown("gcp project"),
        id: unknown("gcp client"),
    }),
    "gcp:organizations/getProject:getProject": (inputs) => ({
        projectId: inputs.projectId,
        number: unknown("gcp project number"),
        id: inputs.projectId,
    }),
    "azure-native:authorization:getClientConfig": () => ({
        clientId: unknown("azure client id"),
        objectId: unknown("azure object id"),
        subscriptionId: unknown("azure subscription id"),
        tenantId: unknown("azure tenant id"),
    }),
    "azure-native:containerservice:listManagedClusterUserCredentials": () => ({
        kubeconfigs: [{ name: "clusterUser", value: kubeconfigPlaceholder }],
    }),
};
