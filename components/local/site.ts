import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import {
    type BuildPlacement,
    type Site,
    type SiteArtifacts,
    type SiteIdentities,
    type SiteRegistry,
    type WebhookExposure,
    type WorkloadIdentity,
    repositoryPaths,
    repositoryRoles,
} from "../shared/site";
import { artifactBucket, createObjectStore, s3Port } from "./object-store";
import { localImages, persistentService } from "./services";

export { derivedKeys, seaweedIdentities } from "./object-store";
export { localImages } from "./services";

export interface LocalSiteArgs {
    /** Path to a kubeconfig; default: $KUBECONFIG or ~/.kube/config, as kubectl resolves it. */
    kubeconfig?: string;
    /** Context in the kubeconfig; default: the current context. */
    context?: string;
    /** StorageClass of the registry and object store volumes; default: the cluster default (kind: `standard`). */
    storageClass?: string;
    /** Namespace of the in-cluster registry and object store. Default `okd-site`. */
    namespace?: string;
    /**
     * NodePort the registry is also published on, so the nodes' container runtime can pull what the pipelines push
     * (the cluster DNS name does not resolve on a node). Default 30500; the kind config in
     * `.github/kind/` maps the registry's in-cluster name to it.
     */
    registryNodePort?: number;
    /** Volume sizes in GiB. Defaults: registry 20, object store 10. */
    registryGb?: number;
    /** Volume size of the object store in GiB. Default 10. */
    objectStoreGb?: number;
    /** Keys of the object store (`objectStoreAccessKey`/`objectStoreSecretKey`, secret); default: generated, kept. */
    objectStoreCredentials?: { accessKeyId: pulumi.Input<string>; secretAccessKey: pulumi.Input<string> };
}

const registryPort = 5000;

/**
 * The preview environment's site: an existing cluster (kind in CI) with an in-cluster OCI registry and an
 * S3-compatible object store. It creates no cloud resource.
 */
export class LocalSite extends pulumi.ComponentResource implements Site {
    public readonly platform = "local" as const;
    public readonly provider: k8s.Provider;
    public readonly ready: pulumi.Resource[];
    public readonly registry: SiteRegistry;
    public readonly artifacts: SiteArtifacts;
    public readonly identities: SiteIdentities;
    public readonly buildPool: BuildPlacement;
    public readonly webhook: WebhookExposure;
    public readonly gates = [];

    constructor(name: string, args: LocalSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:local:Site", name, {}, opts);
        const namespace = args.namespace ?? "okd-site";

        this.provider = new k8s.Provider(
            `${name}-k8s`,
            {
                kubeconfig: args.kubeconfig,
                context: args.context,
                // A stable identifier keeps a kubeconfig edit (new token, renamed user) from replacing every object.
                clusterIdentifier: `okd-ci-local-${args.context ?? "current-context"}`,
            },
            { parent: this },
        );
        const k = { parent: this, provider: this.provider };

        const ns = new k8s.core.v1.Namespace(
            `${name}-ns`,
            {
                metadata: {
                    name: namespace,
                    labels: {
                        "app.kubernetes.io/part-of": "okd-ci",
                        // Both services run as their images' users and need no privilege.
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                    },
                },
            },
            k,
        );
        // Objects take the namespace from the Namespace's output, so each depends on it.
        const nsName = ns.metadata.name;
        const registry = createRegistry(name, nsName, args, k);
        const store = createObjectStore(name, nsName, args, k);

        const host = pulumi.output(`registry.${namespace}.svc.cluster.local:${registryPort}`);
        this.registry = {
            host,
            insecure: true,
            repositories: Object.fromEntries(
                repositoryRoles.map((role) => [role, host.apply((h) => `${h}/okd/${repositoryPaths[role]}`)]),
            ) as SiteRegistry["repositories"],
        };
        this.artifacts = {
            kind: "s3",
            bucket: pulumi.output(artifactBucket),
            url: pulumi.output(`s3://${artifactBucket}/`),
            endpoint: pulumi.output(`http://objects.${namespace}.svc.cluster.local:${s3Port}`),
            staticCredentials: store.credentials,
        };
        // No cloud, so no keyless identity: the registry is anonymous inside the cluster (no role separation there),
        // and object storage takes one static key pair per role (`staticCredentials`), each scoped like the clouds'.
        const none: WorkloadIdentity = {
            serviceAccountAnnotations: pulumi.output<Record<string, string>>({}),
            podLabels: {},
        };
        this.identities = {
            build: none,
            records: none,
            promote: none,
            chains: none,
            env: { AWS_REGION: pulumi.output("us-east-1") },
        };
        // kind has one node pool; builds run wherever they fit.
        this.buildPool = { nodeSelector: {}, tolerations: [] };
        this.webhook = {
            serviceType: "ClusterIP",
            serviceAnnotations: {},
            description:
                "ClusterIP only: the preview environment is not reachable from GitHub; fire triggers with kubectl port-forward or the CronJobs.",
        };
        this.ready = [registry, store.deployment, store.bucketJob];

        this.registerOutputs({
            registryHost: this.registry.host,
            artifactsUrl: this.artifacts.url,
            artifactsEndpoint: this.artifacts.endpoint,
        });
    }
}

function createRegistry(
    name: string,
    namespace: pulumi.Input<string>,
    args: LocalSiteArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.Deployment {
    return persistentService(
        `${name}-registry`,
        {
            app: "registry",
            namespace,
            port: { name: "http", number: registryPort },
            container: {
                image: localImages.registry,
                env: [
                    { name: "REGISTRY_HTTP_ADDR", value: `:${registryPort}` },
                    { name: "REGISTRY_STORAGE_DELETE_ENABLED", value: "true" },
                    { name: "OTEL_TRACES_EXPORTER", value: "none" },
                ],
                readinessProbe: { httpGet: { path: "/v2/", port: registryPort } },
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "512Mi" } },
            },
            nodePort: args.registryNodePort ?? 30500,
            dataPath: "/var/lib/registry",
            dataGb: args.registryGb ?? 20,
            storageClass: args.storageClass,
        },
        opts,
    );
}
