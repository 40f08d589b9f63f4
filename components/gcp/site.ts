import { IAMMember as ProjectIAMMember } from "@pulumi/gcp/projects";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { gateComponentName, siteGates } from "../shared/gates";
import { physicalName, standardTags, toGcpLabels } from "../shared/naming";
import {
    type BuildPlacement,
    type GateAccess,
    type IdentityRole,
    type Site,
    type SiteIdentities,
    type SiteSigningKey,
    type WorkloadIdentity,
    type SiteArtifacts,
    type SiteRegistry,
    type WebhookExposure,
    buildPlacement,
} from "../shared/site";
import type { CloudSiteArgs } from "../shared/site-args";
import { createArtifactBucket } from "./artifacts";
import { createGke } from "./cluster";
import { GcpE2eGate } from "./gate";
import {
    type GoogleServiceAccount,
    createServiceAccount,
    createSiteIdentities,
    workloadIdentityAnnotations,
} from "./identity";
import { gkeContextName, gkeKubeconfig } from "./kubeconfig";
import { createBuildNetwork } from "./network";
import { gcpProvider } from "./provider";
import { createRegistry } from "./registry";
import { enableServices, siteServices } from "./services";
import { createSigningKey } from "./signing";
import { createWebhook } from "./webhook";

export interface GcpSiteArgs extends CloudSiteArgs {
    /** GCP project id the site is created in. */
    project: string;
    /** Zone of the zonal cluster and its system pool. Default: `<region>-b` (every GCP region has a `b` zone). */
    zone?: string;
    /**
     * Zones the build pool may use; more zones find spot capacity more often, at the price of cross-zone traffic
     * between builds and the system pool. Default: the cluster's zone.
     */
    buildZones?: string[];
}

/** What the two profiles change on GCP (docs/platforms/gcp.md, "Small profile"); node counts and types come from config. */
export interface GcpLayout {
    /** Root disk of a system node, GB. */
    systemDiskGb: number;
}

export const gcpLayouts: Record<"standard" | "small", GcpLayout> = {
    standard: { systemDiskGb: 50 },
    // COS and the images of the system pods (Tekton, Triggers, Chains, GKE's own) take a few GB.
    small: { systemDiskGb: 30 },
};

/**
 * The GCP site: a zonal GKE cluster with Workload Identity, a spot build pool that scales to zero, Artifact Registry,
 * a GCS artifact bucket, one keyless identity per pipeline role, Chains' signing key in Cloud KMS, and access for the
 * e2e gates.
 */
export class GcpSite extends pulumi.ComponentResource implements Site {
    public readonly platform = "gcp" as const;
    public readonly provider: k8s.Provider;
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly ready: pulumi.Resource[];
    public readonly registry: SiteRegistry;
    public readonly artifacts: SiteArtifacts;
    public readonly identities: SiteIdentities;
    public readonly signing: SiteSigningKey;
    public readonly buildPool: BuildPlacement;
    public readonly webhook: WebhookExposure;
    public readonly gates: GateAccess[];

    constructor(name: string, args: GcpSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:gcp:Site", name, {}, opts);
        const { project, region } = args;
        const zone = args.zone ?? `${region}-b`;
        const workloadPool = `${project}.svc.id.goog`;
        const labels = toGcpLabels(standardTags(args.tags));

        const gcp = gcpProvider(name, { project, region, labels }, { parent: this });
        const o: pulumi.CustomResourceOptions = { parent: this, provider: gcp };
        const services = enableServices(`${name}-api`, project, siteServices, o);
        const after: pulumi.CustomResourceOptions = { ...o, dependsOn: Object.values(services) };

        const layout = gcpLayouts[args.profile ?? "standard"];
        const network = createBuildNetwork(name, { project, region, namePrefix: args.namePrefix }, after);
        const nodes = createNodeServiceAccount(name, args, after);
        const systemNetworkTags = [physicalName(args.namePrefix, ["system"])];
        const gke = createGke(
            name,
            {
                project,
                zone,
                buildZones: args.buildZones,
                namePrefix: args.namePrefix,
                kubernetesVersion: args.kubernetesVersion,
                systemPool: args.systemPool,
                buildPool: args.buildPool,
                nodeServiceAccount: nodes.account.email,
                nodeServiceAccountReady: nodes.grants,
                network,
                controlPlaneCidrs: args.controlPlaneCidrs ?? [],
                systemDiskGb: layout.systemDiskGb,
                systemNetworkTags,
                labels,
            },
            after,
        );
        const webhook = createWebhook(
            name,
            {
                ...args.webhook,
                project,
                region,
                namePrefix: args.namePrefix,
                network: network.network.id,
                systemPool: gke.systemPool,
                zone,
                systemNetworkTags,
            },
            after,
        );

        const registry = createRegistry(
            name,
            {
                project,
                region,
                namePrefix: args.namePrefix,
                protect: args.protect,
                nightlyDays: args.retention.nightlyDays,
                untaggedDays: args.retention.untaggedDays,
                // One payload a night per stream: the stack passes nightlyDays × streams, so the last nightlyDays
                // payloads of every stream survive a run of failures.
                keepPayloads: args.retention.keepPayloads ?? args.retention.nightlyDays,
            },
            after,
        );
        // Nodes pull images the pipelines built (and run them as TaskRun steps).
        registry.grant(`${name}-nodes-pull`, nodes.account.member, "roles/artifactregistry.reader", o);

        const bucket = createArtifactBucket(
            name,
            { project, region, namePrefix: args.namePrefix, protect: args.protect, logDays: args.retention.logDays },
            after,
        );

        const context = gkeContextName(project, zone, gke.clusterName);
        this.kubeconfig = pulumi.secret(
            pulumi.all([gke.cluster.endpoint, gke.cluster.masterAuth]).apply(([endpoint, auth]) =>
                gkeKubeconfig({
                    project,
                    location: zone,
                    clusterName: gke.clusterName,
                    endpoint,
                    caCertificate: auth?.clusterCaCertificate ?? "",
                }),
            ),
        );
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            // The context name is fixed by project, zone and cluster name: a new endpoint or CA is an update of the
            // provider, not a replacement of every object it manages.
            { kubeconfig: this.kubeconfig, clusterIdentifier: context },
            { parent: this },
        );

        this.registry = registry.site;
        this.artifacts = {
            kind: "gcs",
            bucket: bucket.name,
            url: pulumi.interpolate`gs://${bucket.name}/`,
        };
        // GKE puts no taint on spot nodes (only the label cloud.google.com/gke-spot), so our own taint is all.
        this.buildPool = buildPlacement();
        this.webhook = webhook.exposure;
        this.gates = createGates(
            name,
            args,
            { workloadPool, gke: gke.cluster, services },
            { parent: this, providers: [gcp] },
        );
        const signingKey = createSigningKey(
            name,
            { project, region, namePrefix: args.namePrefix, protect: args.protect },
            after,
        );
        const gated = this.gates.length > 0;
        const roles: IdentityRole[] = [
            "build",
            "records",
            "promote",
            "chains",
            ...(gated ? (["e2ePull"] as const) : []),
        ];
        const identities = createSiteIdentities(
            name,
            {
                project,
                namePrefix: args.namePrefix,
                workloadPool,
                registry,
                bucket,
                signingKey: signingKey.key,
                cluster: gke.cluster,
                roles,
            },
            after,
        );
        const wi = (role: IdentityRole): WorkloadIdentity => ({
            serviceAccountAnnotations: workloadIdentityAnnotations(identities.account(role).email),
            podLabels: {},
        });
        this.identities = {
            build: {
                ...wi("build"),
                // registry-auth.sh then asks the IAM Credentials API for a fresh one-hour token of this account.
                env: { GCP_IMPERSONATE_SERVICE_ACCOUNT: identities.account("build").email },
            },
            records: wi("records"),
            promote: wi("promote"),
            chains: wi("chains"),
            ...(gated ? { e2ePull: wi("e2ePull") } : {}),
            env: { GOOGLE_CLOUD_PROJECT: pulumi.output(project), GCP_REGION: pulumi.output(region) },
        };
        this.signing = { kmsRef: signingKey.kmsRef, ready: [signingKey.key] };
        // In-cluster objects need nodes to run on, a way out for pulling their images (Cloud NAT; the nodes are
        // private), the identities bound before the first run, and the webhook's address.
        this.ready = [gke.systemPool, ...gke.buildPools, network.nat, ...identities.bindings, ...webhook.ready];

        this.registerOutputs({
            clusterName: gke.clusterName,
            zone,
            registryHost: this.registry.host,
            artifactsUrl: this.artifacts.url,
            identities: Object.fromEntries(Object.entries(identities.accounts).map(([role, gsa]) => [role, gsa.email])),
            kubeconfig: this.kubeconfig,
            webhookUrl: this.webhook.url,
        });
    }
}

/**
 * The nodes' own identity, instead of the Compute Engine default account (Editor on the project, and disabled in
 * hardened projects): `roles/container.defaultNodeServiceAccount`, the least-privilege role GKE documents for node
 * accounts (log and metric writing, resource metadata; https://cloud.google.com/kubernetes-engine/docs/how-to/service-accounts),
 * plus pulls from the site registry granted by the caller on its two repositories only.
 */
function createNodeServiceAccount(
    name: string,
    args: GcpSiteArgs,
    opts: pulumi.CustomResourceOptions,
): { account: GoogleServiceAccount; grants: pulumi.Resource[] } {
    const account = createServiceAccount(
        `${name}-nodes`,
        {
            project: args.project,
            namePrefix: args.namePrefix,
            role: "gke-nodes",
            description: "okd-ci: GKE nodes of the build cluster (logs, metrics, image pulls)",
        },
        opts,
    );
    // A project IAM binding goes through the Cloud Resource Manager API, which `opts` waits for.
    const grant = new ProjectIAMMember(
        `${name}-nodes-default`,
        { project: args.project, role: "roles/container.defaultNodeServiceAccount", member: account.member },
        opts,
    );
    return { account, grants: [grant] };
}

/** One GateAccess per configured gate: the GCP gate is built here, gates on other clouds come from secret config. */
function createGates(
    name: string,
    args: GcpSiteArgs,
    site: { workloadPool: string; gke: pulumi.Resource; services: Record<string, pulumi.Resource> },
    opts: pulumi.ComponentResourceOptions,
): GateAccess[] {
    return siteGates("gcp", args, (gate) => {
        const gateProject = gate.project ?? args.project;
        return new GcpE2eGate(
            gateComponentName(name, "gcp"),
            {
                gate,
                project: gateProject,
                namePrefix: args.namePrefix,
                enabledServices: gateProject === args.project ? site.services : {},
                keyFile: args.gateSecrets.gcp,
                protect: args.protect,
            },
            opts,
        ).access;
    });
}
