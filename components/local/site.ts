import { createHmac } from "node:crypto";

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import {
    type BuildPlacement,
    type Site,
    type SiteArtifacts,
    type SiteIdentities,
    type SiteRegistry,
    type StaticKeys,
    type StorageRole,
    type WebhookExposure,
    type WorkloadIdentity,
    identityGrants,
    repositoryPaths,
    repositoryRoles,
    storageRoles,
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

const restrictedContainer = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
};

interface PersistentServiceArgs {
    /** Object name of the Deployment, Service and (with `-data`) the volume claim. */
    app: string;
    namespace: pulumi.Input<string>;
    port: { name: string; number: number };
    /** The container, without the fields every service here shares. */
    container: Omit<k8s.types.input.core.v1.Container, "name" | "ports" | "securityContext" | "volumeMounts">;
    /** Where the data volume is mounted. */
    dataPath: string;
    dataGb: number;
    storageClass?: string;
    /** Also publish the Service on this port of every node. */
    nodePort?: number;
    /** Extra volumes (name → Secret name) mounted read-only at the given path. */
    secretVolumes?: { name: string; secretName: string; mountPath: string }[];
    dependsOn?: pulumi.Resource[];
}

/**
 * One replica, a ReadWriteOnce volume and a ClusterIP Service: the shape of both in-cluster services. Recreate, since
 * two pods cannot share the volume. Runs as a non-root user under the restricted profile.
 */
function persistentService(
    name: string,
    args: PersistentServiceArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.apps.v1.Deployment {
    const labels = { "app.kubernetes.io/name": args.app, "app.kubernetes.io/part-of": "okd-ci" };
    const claim = `${args.app}-data`;
    const pvc = new k8s.core.v1.PersistentVolumeClaim(
        `${name}-data`,
        {
            // kind's local-path provisioner binds on first consumer: waiting for Bound would deadlock the Deployment.
            metadata: { name: claim, namespace: args.namespace, annotations: { "pulumi.com/skipAwait": "true" } },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: args.storageClass,
                resources: { requests: { storage: `${args.dataGb}Gi` } },
            },
        },
        opts,
    );
    const secretVolumes = args.secretVolumes ?? [];
    const deployment = new k8s.apps.v1.Deployment(
        name,
        {
            metadata: { name: args.app, namespace: args.namespace, labels },
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
                                ...args.container,
                                name: args.app,
                                ports: [{ name: args.port.name, containerPort: args.port.number }],
                                securityContext: restrictedContainer,
                                volumeMounts: [
                                    { name: "data", mountPath: args.dataPath },
                                    ...secretVolumes.map((v) => ({
                                        name: v.name,
                                        mountPath: v.mountPath,
                                        readOnly: true,
                                    })),
                                ],
                            },
                        ],
                        volumes: [
                            { name: "data", persistentVolumeClaim: { claimName: claim } },
                            ...secretVolumes.map((v) => ({ name: v.name, secret: { secretName: v.secretName } })),
                        ],
                    },
                },
            },
        },
        { ...opts, dependsOn: [pvc, ...(args.dependsOn ?? [])] },
    );
    new k8s.core.v1.Service(
        name,
        {
            metadata: { name: args.app, namespace: args.namespace, labels },
            spec: {
                type: args.nodePort === undefined ? "ClusterIP" : "NodePort",
                selector: labels,
                ports: [
                    {
                        name: args.port.name,
                        port: args.port.number,
                        targetPort: args.port.number,
                        ...(args.nodePort === undefined ? {} : { nodePort: args.nodePort }),
                    },
                ],
            },
        },
        opts,
    );
    return deployment;
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

function createObjectStore(
    name: string,
    namespace: pulumi.Input<string>,
    args: LocalSiteArgs,
    opts: pulumi.CustomResourceOptions,
) {
    const parentOnly = { parent: opts.parent };
    // The site's root pair: configured, or generated once and kept (encrypted) in state; no key is written in code.
    // Only the bucket Job uses it (as the store's admin); each storage role gets a pair derived from it.
    const configured = args.objectStoreCredentials;
    const admin: StaticKeys = configured
        ? {
              accessKeyId: pulumi.secret(configured.accessKeyId),
              secretAccessKey: pulumi.secret(configured.secretAccessKey),
          }
        : {
              accessKeyId: new random.RandomPassword(
                  `${name}-s3-access-key`,
                  { length: 20, special: false },
                  parentOnly,
              ).result,
              secretAccessKey: new random.RandomPassword(
                  `${name}-s3-secret-key`,
                  { length: 40, special: false },
                  parentOnly,
              ).result,
          };
    const credentials = Object.fromEntries(
        storageRoles.map((role) => [role, derivedKeys(admin.secretAccessKey, role)]),
    ) as Record<StorageRole, StaticKeys>;

    const s3Config = pulumi.secret(
        pulumi
            .all([admin.accessKeyId, admin.secretAccessKey, credentials.records, credentials.promote])
            .apply(([ak, sk, records, promote]) =>
                JSON.stringify(seaweedIdentities({ accessKeyId: ak, secretAccessKey: sk }, { records, promote })),
            ),
    );
    const secret = new k8s.core.v1.Secret(
        `${name}-objects-config`,
        { metadata: { name: "objects-s3-config", namespace }, stringData: { "s3.json": s3Config } },
        opts,
    );
    const deployment = persistentService(
        `${name}-objects`,
        {
            app: "objects",
            namespace,
            port: { name: "s3", number: s3Port },
            container: {
                image: localImages.objectStore,
                args: ["server", "-dir=/data", "-s3", `-s3.port=${s3Port}`, "-s3.config=/etc/seaweedfs/s3.json"],
                readinessProbe: { tcpSocket: { port: s3Port } },
                resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } },
            },
            dataPath: "/data",
            dataGb: args.objectStoreGb ?? 10,
            storageClass: args.storageClass,
            secretVolumes: [{ name: "config", secretName: "objects-s3-config", mountPath: "/etc/seaweedfs" }],
            dependsOn: [secret],
        },
        opts,
    );
    const bucketCreds = new k8s.core.v1.Secret(
        `${name}-objects-client`,
        {
            metadata: { name: "objects-client", namespace },
            stringData: {
                AWS_ACCESS_KEY_ID: admin.accessKeyId,
                AWS_SECRET_ACCESS_KEY: admin.secretAccessKey,
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

/**
 * A storage role's key pair, derived from the root secret with HMAC-SHA256 (so a configured root pair needs no
 * generated resource, and nothing but the root is kept): as unguessable as the root secret, and distinct per role.
 */
export function derivedKeys(rootSecret: pulumi.Input<string>, role: StorageRole): StaticKeys {
    const derive = (purpose: string, length: number) =>
        pulumi.secret(
            pulumi.output(rootSecret).apply((secret) =>
                // A mock runtime may resolve a generated secret to nothing: nothing to derive from then.
                typeof secret === "string"
                    ? createHmac("sha256", secret)
                          .update(`okd-ci object store ${role} ${purpose}`)
                          .digest("hex")
                          .slice(0, length)
                    : secret,
            ),
        );
    return { accessKeyId: derive("access key id", 20), secretAccessKey: derive("secret access key", 40) };
}

/**
 * The object store's identities (SeaweedFS `s3.json`): the admin pair, which only the bucket Job uses, and one pair
 * per storage role allowed what `identityGrants` gives that role: reading and listing the bucket, writing under its
 * prefixes only. SeaweedFS scopes an action to a bucket and an object prefix as `Write:<bucket>/<prefix>*`
 * (seaweedfs/seaweedfs weed/s3api/auth_credentials.go, `canDo`), as S3 does with a key prefix in a resource ARN.
 */
export function seaweedIdentities(
    admin: { accessKeyId: string; secretAccessKey: string },
    roles: Record<StorageRole, { accessKeyId: string; secretAccessKey: string }>,
): { identities: { name: string; credentials: { accessKey: string; secretKey: string }[]; actions: string[] }[] } {
    const pair = (k: { accessKeyId: string; secretAccessKey: string }) => [
        { accessKey: k.accessKeyId, secretKey: k.secretAccessKey },
    ];
    return {
        identities: [
            {
                name: "okd-site-admin",
                credentials: pair(admin),
                actions: ["Admin", "Read", "Write", "List", "Tagging"],
            },
            ...storageRoles.map((role) => {
                const grant = identityGrants[role].storage;
                return {
                    name: `okd-${role}`,
                    credentials: pair(roles[role]),
                    actions: [
                        ...(grant.read ? [`Read:${artifactBucket}`, `List:${artifactBucket}`] : []),
                        ...grant.write.map((prefix) => `Write:${artifactBucket}/${prefix}*`),
                    ],
                };
            }),
        ],
    };
}
