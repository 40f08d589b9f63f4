import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { type Site, identityPodLabel, secretNames, serviceAccounts } from "../shared/site";
import { tektonLayerImages } from "../tekton/versions";
import { type PipelineImages, registryAuthImage } from "./images";
import { loadScript } from "./scripts";
import { envOf } from "./tekton";

/** How often the push token is minted: well within the shortest lifetime (GCP's one hour). */
export const registryTokenSchedule = "*/10 * * * *";

/** Labels of the minter's pods. */
export const registryTokenLabels = {
    "app.kubernetes.io/name": "okd-registry-token",
    "app.kubernetes.io/part-of": "okd-ci",
};

export interface RegistryTokenArgs {
    /** The site whose registry the token is minted for, with the identity that mints it. */
    site: Site;
    /** Images the minter runs (the pipelines' pinned images). */
    images: PipelineImages;
    /** The build namespace (its output): where the Secret is and the builds mount it. */
    buildsNamespace: pulumi.Input<string>;
    /** The release namespace (its output): where the minter runs, away from pushed code. */
    releaseNamespace: pulumi.Input<string>;
    /** What the minter waits for (the site and the Tekton install). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The restricted Pod Security Standard's container half; the pod sets runAsNonRoot and the seccomp profile. */
const restricted: k8s.types.input.core.v1.SecurityContext = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    readOnlyRootFilesystem: true,
    seccompProfile: { type: "RuntimeDefault" },
};

/**
 * The builds' registry push token, minted apart from them. Build pods run pushed code privileged, so they hold no cloud
 * identity at all (on GKE a pod that can reach the metadata server can mint its ServiceAccount's tokens, on every cloud
 * a pod that carries an identity's token file can use it). Instead the `okd-registry-token` CronJob, in the restricted
 * release namespace under the build identity (which can push to the build repositories and nothing else), mints a
 * short-lived registry token every ten minutes (registry-auth.sh) and writes it with its expiry into the
 * `okd-registry-push` Secret of the build namespace (store-registry-token.sh), which the build Tasks mount read-only.
 * A mounted Secret follows its updates, so a build that runs for hours pushes with a token at most ten minutes old.
 *
 * RBAC: the minter may get and patch that one Secret and nothing else. The Secret is created here with an empty
 * token (anonymous on the local registry, which needs none) and its data then belongs to the minter.
 */
export class RegistryToken extends pulumi.ComponentResource {
    constructor(name: string, args: RegistryTokenArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:pipelines:RegistryToken", name, {}, opts);
        const site = args.site;
        const k = { parent: this, provider: site.provider, dependsOn: args.dependsOn };

        const secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            {
                metadata: {
                    name: secretNames.registryPush,
                    namespace: args.buildsNamespace,
                    labels: registryTokenLabels,
                },
                type: "Opaque",
                stringData: {
                    "auth.json": '{"auths":{}}',
                    expires: site.platform === "local" ? "never" : "0",
                },
            },
            // The minter rewrites the data every ten minutes; Pulumi must not put the empty token back.
            { ...k, ignoreChanges: ["data", "stringData"] },
        );
        const role = new k8s.rbac.v1.Role(
            `${name}-role`,
            {
                metadata: { name: serviceAccounts.registryToken, namespace: args.buildsNamespace },
                rules: [
                    {
                        apiGroups: [""],
                        resources: ["secrets"],
                        resourceNames: [secretNames.registryPush],
                        verbs: ["get", "patch"],
                    },
                ],
            },
            k,
        );
        const binding = new k8s.rbac.v1.RoleBinding(
            `${name}-binding`,
            {
                metadata: { name: serviceAccounts.registryToken, namespace: args.buildsNamespace },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: serviceAccounts.registryToken },
                subjects: [
                    {
                        kind: "ServiceAccount",
                        name: serviceAccounts.registryToken,
                        namespace: args.releaseNamespace,
                    },
                ],
            },
            { ...k, dependsOn: [role] },
        );

        const identity = site.identities.build;
        const labels = { ...registryTokenLabels, ...identity.podLabels, [identityPodLabel]: "build" };
        // The local registry is anonymous: any image with bash writes its (empty) auth file.
        const mintImage =
            site.platform === "local" ? tektonLayerImages.kubectl : registryAuthImage(args.images, site.platform);
        const work = { name: "work", mountPath: "/work" };
        const tmp = { name: "tmp", mountPath: "/tmp" };
        new k8s.batch.v1.CronJob(
            `${name}-cronjob`,
            {
                metadata: { name: serviceAccounts.registryToken, namespace: args.releaseNamespace, labels },
                spec: {
                    schedule: registryTokenSchedule,
                    timeZone: "Etc/UTC",
                    concurrencyPolicy: "Forbid",
                    startingDeadlineSeconds: 300,
                    successfulJobsHistoryLimit: 1,
                    failedJobsHistoryLimit: 3,
                    jobTemplate: {
                        spec: {
                            backoffLimit: 2,
                            activeDeadlineSeconds: 300,
                            ttlSecondsAfterFinished: 3600,
                            template: {
                                metadata: { labels },
                                spec: {
                                    serviceAccountName: serviceAccounts.registryToken,
                                    // kubectl patch is an API call; the account itself mounts no token by default.
                                    automountServiceAccountToken: true,
                                    restartPolicy: "Never",
                                    securityContext: {
                                        runAsNonRoot: true,
                                        fsGroup: 65532,
                                        seccompProfile: { type: "RuntimeDefault" },
                                    },
                                    initContainers: [
                                        {
                                            name: "mint",
                                            image: mintImage,
                                            command: [
                                                "/bin/bash",
                                                "-c",
                                                loadScript("registry-auth.sh"),
                                                "registry-auth",
                                            ],
                                            env: [
                                                ...envOf(site.identities.env),
                                                ...envOf(identity.env ?? {}),
                                                { name: "PLATFORM", value: site.platform },
                                                { name: "REGISTRY_HOST", value: site.registry.host },
                                                { name: "AUTH_FILE", value: "/work/auth.json" },
                                                { name: "EXPIRES_FILE", value: "/work/expires" },
                                                // The CLIs keep state under HOME (gcloud, az) or need one (aws).
                                                { name: "HOME", value: "/tmp" },
                                            ],
                                            resources: {
                                                requests: { cpu: "50m", memory: "128Mi" },
                                                limits: { memory: "512Mi" },
                                            },
                                            securityContext: restricted,
                                            volumeMounts: [work, tmp],
                                        },
                                    ],
                                    containers: [
                                        {
                                            name: "store",
                                            image: tektonLayerImages.kubectl,
                                            command: [
                                                "/bin/bash",
                                                "-c",
                                                loadScript("store-registry-token.sh"),
                                                "store-registry-token",
                                            ],
                                            env: [
                                                { name: "AUTH_FILE", value: "/work/auth.json" },
                                                { name: "EXPIRES_FILE", value: "/work/expires" },
                                                { name: "SECRET_NAME", value: secretNames.registryPush },
                                                { name: "SECRET_NAMESPACE", value: args.buildsNamespace },
                                                { name: "HOME", value: "/tmp" },
                                            ],
                                            resources: {
                                                requests: { cpu: "10m", memory: "32Mi" },
                                                limits: { memory: "128Mi" },
                                            },
                                            securityContext: restricted,
                                            volumeMounts: [work, tmp],
                                        },
                                    ],
                                    volumes: [
                                        { name: "work", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                                        { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                                    ],
                                },
                            },
                        },
                    },
                },
            },
            { ...k, dependsOn: [binding, secret] },
        );
        this.registerOutputs({});
    }
}
