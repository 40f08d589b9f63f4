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

export const defaultInvokes: InvokeTable = {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: unknown("aws account id"),
        arn: unknown("aws caller arn"),
        userId: unknown("aws user id"),
        id: unknown("aws account id"),
    }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": (inputs) => {
        const region = String(inputs.region ?? "region");
        return { names: ["a", "b", "c"].map((z) => `${region}${z}`), zoneIds: [], id: region };
    },
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
