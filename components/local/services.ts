/**
 * The local site's in-cluster services (the registry and the object store): their pinned images and the one way each
 * is run, a Deployment with a Service and a volume claim under the restricted Pod Security Standard.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Pinned images of the in-cluster services. Bump deliberately; both projects publish release notes per tag. Digests as
 * public repositories pin these tags (found through a code index; components/pipelines/images.ts says what such a pin
 * proves): the registry's as several unrelated projects pin it, one of them from Docker Hub's tag metadata (Docker
 * Official Images are rebuilt, so other digests of 3.0.0 exist too); aws-cli's as several files pin it; SeaweedFS's as
 * one project's image list pins it.
 */
export const localImages = {
    /** CNCF Distribution, the reference OCI registry. */
    registry:
        "docker.io/library/registry:3.0.0@sha256:6c5666b861f3505b116bb9aa9b25175e71210414bd010d92035ff64018f9457e",
    /** SeaweedFS: S3-compatible object store, maintained, one process for master, volume, filer and S3. */
    objectStore:
        "docker.io/chrislusf/seaweedfs:3.99@sha256:8d5b323911a996d5ea152115306bed468d9a849d72bcbb3800ea8d91b7728563",
    /** Creates the artifact bucket once the object store answers. */
    awsCli: "docker.io/amazon/aws-cli:2.27.50@sha256:48c3d4212e2f5b0e24bdc6af7708f9412ce65425a79575e0f78b8f8c0dcd70ab",
} as const;

export const restrictedContainer = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
};

export interface PersistentServiceArgs {
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
export function persistentService(
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
