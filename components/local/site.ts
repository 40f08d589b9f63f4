import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import {
    type BuildPlacement,
    type PipelineIdentity,
    type Site,
    type SiteArtifacts,
    type SiteRegistry,
    type WebhookExposure,
    repositoryPaths,
    repositoryRoles,
} from "../shared/site";

/** Pinned images of the in-cluster services. Bump deliberately; both projects publish release notes per tag. */
export const localImages = {
    /** CNCF Distribution, the reference OCI registry. */
    registry: "docker.io/library/registry:3.0.0",
    /** SeaweedFS: S3-compatible object store, maintained, one process for master, volume, filer and S3. */
    objectStore: "docker.io/chrislusf/seaweedfs:3.99",
    /** Creates the artifact bucket once the object store answers. */
    awsCli: "docker.io/amazon/aws-cli:2.27.50",
} as const;

export interface LocalSiteArgs {
    /** Path to a kubeconfig; default: $KUBECONFIG or ~/.kube/config, as kubectl resolves it. */
    kubeconfig?: string;
    /** Context in the kubeconfig; default: the current context. */
    context?: string;
    /** StorageClass of the registry and object store volumes; default: the cluster default (kind: `standard`). */
    storageClass?: string;
    /** Namespace of the in-cluster registry and object store. Default `okd-site`. */
    namespace?: string;
    /** Volume sizes in GiB. Defaults: registry 20, object store 10. */
    registryGb?: number;
    objectStoreGb?: number;
}

const registryPort = 5000;
const s3Port = 8333;
const artifactBucket = "okd-artifacts";

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
    public readonly identity: PipelineIdentity;
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
        this.identity = {
            serviceAccountAnnotations: pulumi.output<Record<string, string>>({}),
            podLabels: {},
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

const restrictedContainer = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
};

function volumeClaim(
    name: string,
    claim: string,
    namespace: pulumi.Input<string>,
    sizeGb: number,
    storageClass: string | undefined,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.PersistentVolumeClaim {
    return new k8s.core.v1.PersistentVolumeClaim(
        name,
        {
            // kind's local-path provisioner binds on first consumer: waiting for Bound would deadlock the Deployment.
            metadata: { name: claim, namespace, annotations: { "pulumi.com/skipAwait": "true" } },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: storageClass,
                resources: { requests: { storage: `${sizeGb}Gi` } },
            },
        },
        opts,
    );
}

function createRegistry(
    name: string,
    namespace: pulumi.Input<string>,
    args: LocalSiteArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.Deployment {
    const labels = { "app.kubernetes.io/name": "registry", "app.kubernetes.io/part-of": "okd-ci" };
    const pvc = volumeClaim(
        `${name}-registry-data`,
        "registry-data",
        namespace,
        args.registryGb ?? 20,
        args.storageClass,
        opts,
    );
    const deployment = new k8s.apps.v1.Deployment(
        `${name}-registry`,
        {
            metadata: { name: "registry", namespace, labels },
            spec: {
                replicas: 1,
                strategy: { type: "Recreate" },
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
                        containers: [
                            {
                                name: "registry",
                                image: localImages.registry,
                                ports: [{ name: "http", containerPort: registryPort }],
                                env: [
                                    { name: "REGISTRY_HTTP_ADDR", value: `:${registryPort}` },
                                    { name: "REGISTRY_STORAGE_DELETE_ENABLED", value: "true" },
                                    { name: "OTEL_TRACES_EXPORTER", value: "none" },
                                ],
                                readinessProbe: { httpGet: { path: "/v2/", port: registryPort } },
                                resources: {
                                    requests: { cpu: "50m", memory: "64Mi" },
                                    limits: { memory: "512Mi" },
                                },
                                securityContext: restrictedContainer,
                                volumeMounts: [{ name: "data", mountPath: "/var/lib/registry" }],
                            },
                        ],
                        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "registry-data" } }],
                    },
                },
            },
        },
        { ...opts, dependsOn: [pvc] },
    );
    new k8s.core.v1.Service(
        `${name}-registry`,
        {
            metadata: { name: "registry", namespace, labels },
            spec: { selector: labels, ports: [{ name: "http", port: registryPort, targetPort: registryPort }] },
        },
        opts,
    );
    return deployment;
}

function createObjectStore(
    name: string,
    namespace: pulumi.Input<string>,
    args: LocalSiteArgs,
    opts: pulumi.CustomResourceOptions,
) {
    const labels = { "app.kubernetes.io/name": "objects", "app.kubernetes.io/part-of": "okd-ci" };
    const parentOnly = { parent: opts.parent };
    // Generated once and kept (encrypted) in state: no key is written in code or config.
    const accessKey = new random.RandomPassword(`${name}-s3-access-key`, { length: 20, special: false }, parentOnly);
    const secretKey = new random.RandomPassword(`${name}-s3-secret-key`, { length: 40, special: false }, parentOnly);
    const credentials = { accessKeyId: accessKey.result, secretAccessKey: secretKey.result };

    const s3Config = pulumi.secret(
        pulumi.all([accessKey.result, secretKey.result]).apply(([ak, sk]) =>
            JSON.stringify({
                identities: [
                    {
                        name: "okd-pipeline",
                        credentials: [{ accessKey: ak, secretKey: sk }],
                        actions: ["Read", "Write", "List", "Tagging"],
                    },
                ],
            }),
        ),
    );
    const secret = new k8s.core.v1.Secret(
        `${name}-objects-config`,
        { metadata: { name: "objects-s3-config", namespace }, stringData: { "s3.json": s3Config } },
        opts,
    );
    const pvc = volumeClaim(
        `${name}-objects-data`,
        "objects-data",
        namespace,
        args.objectStoreGb ?? 10,
        args.storageClass,
        opts,
    );
    const deployment = new k8s.apps.v1.Deployment(
        `${name}-objects`,
        {
            metadata: { name: "objects", namespace, labels },
            spec: {
                replicas: 1,
                strategy: { type: "Recreate" },
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
                        containers: [
                            {
                                name: "seaweedfs",
                                image: localImages.objectStore,
                                args: [
                                    "server",
                                    "-dir=/data",
                                    "-s3",
                                    `-s3.port=${s3Port}`,
                                    "-s3.config=/etc/seaweedfs/s3.json",
                                ],
                                ports: [{ name: "s3", containerPort: s3Port }],
                                readinessProbe: { tcpSocket: { port: s3Port } },
                                resources: {
                                    requests: { cpu: "100m", memory: "256Mi" },
                                    limits: { memory: "1Gi" },
                                },
                                securityContext: restrictedContainer,
                                volumeMounts: [
                                    { name: "data", mountPath: "/data" },
                                    { name: "config", mountPath: "/etc/seaweedfs", readOnly: true },
                                ],
                            },
                        ],
                        volumes: [
                            { name: "data", persistentVolumeClaim: { claimName: "objects-data" } },
                            { name: "config", secret: { secretName: "objects-s3-config" } },
                        ],
                    },
                },
            },
        },
        { ...opts, dependsOn: [pvc, secret] },
    );
    new k8s.core.v1.Service(
        `${name}-objects`,
        {
            metadata: { name: "objects", namespace, labels },
            spec: { selector: labels, ports: [{ name: "s3", port: s3Port, targetPort: s3Port }] },
        },
        opts,
    );
    const bucketCreds = new k8s.core.v1.Secret(
        `${name}-objects-client`,
        {
            metadata: { name: "objects-client", namespace },
            stringData: {
                AWS_ACCESS_KEY_ID: credentials.accessKeyId,
                AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
            },
        },
        opts,
    );
    const endpoint = pulumi.interpolate`http://objects.${namespace}.svc.cluster.local:${s3Port}`;
    const bucketJob = new k8s.batch.v1.Job(
        `${name}-objects-bucket`,
        {
            metadata: { name: "objects-create-bucket", namespace },
            spec: {
                backoffLimit: 10,
                template: {
                    spec: {
                        restartPolicy: "OnFailure",
                        securityContext: { runAsUser: 1000, runAsGroup: 1000 },
                        containers: [
                            {
                                name: "create-bucket",
                                image: localImages.awsCli,
                                // Idempotent: an existing bucket is fine, anything else fails and retries.
                                command: ["/bin/sh", "-c"],
                                args: [
                                    `aws --endpoint-url "$ENDPOINT" s3api head-bucket --bucket "$BUCKET" 2>/dev/null || aws --endpoint-url "$ENDPOINT" s3 mb "s3://$BUCKET"`,
                                ],
                                env: [
                                    { name: "ENDPOINT", value: endpoint },
                                    { name: "BUCKET", value: artifactBucket },
                                    { name: "AWS_REGION", value: "us-east-1" },
                                    { name: "HOME", value: "/tmp" },
                                ],
                                envFrom: [{ secretRef: { name: "objects-client" } }],
                                securityContext: restrictedContainer,
                            },
                        ],
                    },
                },
            },
        },
        { ...opts, dependsOn: [deployment, bucketCreds] },
    );
    return { deployment, bucketJob, credentials };
}
