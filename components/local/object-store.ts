/**
 * The local site's S3-compatible object store (SeaweedFS) for CI artifacts: the store, the Job that creates the
 * artifact bucket, and one key pair per storage role, derived from the site's root pair.
 */
import { createHmac } from "node:crypto";

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { type StaticKeys, type StorageRole, identityGrants, storageRoles } from "../shared/site";
import { localImages, persistentService, restrictedContainer } from "./services";
import type { LocalSiteArgs } from "./site";

export const s3Port = 8333;
export const artifactBucket = "okd-artifacts";

export function createObjectStore(
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
