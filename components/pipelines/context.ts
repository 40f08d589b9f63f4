import * as pulumi from "@pulumi/pulumi";

import type { Platform } from "../shared/model";
import {
    type RepositoryRole,
    type Site,
    type SiteArtifacts,
    type StorageRole,
    secretNames,
    storageRoles,
} from "../shared/site";
import { type PipelineImages, registryAuthImage } from "./images";
import { type EnvVar, type Step, envOf } from "./tekton";
import { loadScript } from "./scripts";

/** What every Task builder needs to know about the site, computed once from the `Site` contract. */
export interface PipelineContext {
    platform: Platform;
    images: PipelineImages;
    registryHost: pulumi.Output<string>;
    repositories: Record<RepositoryRole, pulumi.Output<string>>;
    /** "false" where the registry is plain HTTP (local). */
    tlsVerify: "true" | "false";
    /** Configures rclone's `artifacts` remote and names the bucket. */
    storageEnv: EnvVar[];
    /** Each storage role's static object-store keys, only where the site has no keyless identity (local). */
    storageEnvFrom: Record<StorageRole, Record<string, unknown>[]>;
    /** The site's non-secret step environment for steps that hold an identity (region, storage account, …). */
    identityEnv: EnvVar[];
    artifactsUrl: pulumi.Output<string>;
    /** The KMS key Chains signs with (`cosign verify --key <ref>`), where the site keeps one. */
    signingKeyRef?: pulumi.Output<string>;
}

export function pipelineContext(site: Site, images: PipelineImages): PipelineContext {
    return {
        platform: site.platform,
        images,
        registryHost: site.registry.host,
        repositories: site.registry.repositories,
        tlsVerify: site.registry.insecure ? "false" : "true",
        storageEnv: rcloneEnv(site.artifacts),
        storageEnvFrom: Object.fromEntries(
            storageRoles.map((role) => [
                role,
                site.artifacts.staticCredentials ? [{ secretRef: { name: secretNames.artifacts(role) } }] : [],
            ]),
        ) as unknown as Record<StorageRole, Record<string, unknown>[]>,
        identityEnv: envOf(site.identities.env),
        artifactsUrl: site.artifacts.url,
        ...(site.signing ? { signingKeyRef: site.signing.kmsRef } : {}),
    };
}

/**
 * rclone reaches all three object stores with the pod's own identity (`env_auth`: EKS Pod Identity, GKE Workload
 * Identity, AKS workload identity) or the local store's static keys, through one remote named `artifacts` configured
 * only by environment. One tool and one script for every cloud, instead of aws/gsutil/az variants of each.
 *
 * The bucket is Pulumi's: `no_check_bucket` / `no_check_container` keep rclone from checking for or creating it before
 * an upload (which needs bucket-level permissions the pipeline identity does not have, and could create a stray
 * bucket on a typo); a missing bucket then fails the upload, and release-record.sh lists the bucket first to say so.
 * Options an older rclone does not know are ignored by it (no_check_container, azureblob and gcs env_auth came after
 * Debian's 1.60; its gcs falls back to Google's default credentials anyway), which is why the tools image's rclone is
 * the one that matters.
 *
 * test/scripts/object-stores.ts runs these settings against moto (S3), Azurite and fake-gcs-server. What those
 * servers cannot prove, and is therefore unverified here: AWS itself (provider AWS, virtual-hosted addressing, EKS Pod
 * Identity credentials through the AWS SDK's container provider), AKS workload identity through azidentity, GKE
 * Workload Identity through Google's default credentials, and uniform bucket-level access enforcement.
 */
export function rcloneEnv(artifacts: SiteArtifacts): EnvVar[] {
    const remote: Record<string, pulumi.Input<string>> = {};
    switch (artifacts.kind) {
        case "s3":
            remote.TYPE = "s3";
            remote.PROVIDER = artifacts.endpoint ? "Other" : "AWS";
            remote.ENV_AUTH = "true";
            remote.NO_CHECK_BUCKET = "true";
            if (artifacts.endpoint) {
                remote.ENDPOINT = artifacts.endpoint;
                remote.FORCE_PATH_STYLE = "true";
            }
            break;
        case "gcs":
            remote.TYPE = "google cloud storage";
            remote.ENV_AUTH = "true";
            // Uniform bucket-level access: object ACLs are rejected.
            remote.BUCKET_POLICY_ONLY = "true";
            remote.NO_CHECK_BUCKET = "true";
            break;
        case "azure-blob":
            remote.TYPE = "azureblob";
            remote.ENV_AUTH = "true";
            remote.ACCOUNT = artifacts.url.apply(storageAccountOf);
            remote.NO_CHECK_CONTAINER = "true";
            break;
    }
    return [
        ...Object.entries(remote).map(([key, value]) => ({ name: `RCLONE_CONFIG_ARTIFACTS_${key}`, value })),
        { name: "ARTIFACTS_BUCKET", value: artifacts.bucket },
    ];
}

/** `https://acct.blob.core.windows.net/container/` → `acct`. */
export function storageAccountOf(url: string): string {
    const match = /^https:\/\/([a-z0-9]{3,24})\.blob\.core\.windows\.net\//.exec(url);
    if (!match) throw new Error(`artifact URL ${url} is not an Azure blob container URL`);
    return match[1];
}

/** Where steps write the site registry's auth file (the pod's /workspace is an emptyDir shared by its steps). */
export const siteAuthFile = "/workspace/auth/site.json";

/**
 * The first step of every Task that talks to the site registry: a short-lived credential minted from the pod's
 * identity, written where buildah, skopeo and oc read it.
 */
export function registryAuthStep(ctx: PipelineContext, authFile = siteAuthFile, fakePullAuth = false): Step {
    return {
        name: "registry-auth",
        image: registryAuthImage(ctx.images, ctx.platform),
        script: loadScript("registry-auth.sh"),
        env: [
            { name: "PLATFORM", value: ctx.platform },
            { name: "REGISTRY_HOST", value: ctx.registryHost },
            { name: "AUTH_FILE", value: authFile },
            { name: "FAKE_PULL_AUTH", value: fakePullAuth ? "true" : "false" },
            // gcloud and az keep state under HOME; the pod's may be read-only.
            { name: "HOME", value: "/workspace/home" },
        ],
        computeResources: { requests: { cpu: "50m", memory: "128Mi" } },
    };
}

/** Env of every step that reads or writes the records: rclone's `artifacts` remote and the bucket. */
export function storageEnv(ctx: PipelineContext): EnvVar[] {
    return ctx.storageEnv;
}

/**
 * Where build pods read the registry push token: the `okd-registry-push` Secret, which the `okd-registry-token`
 * CronJob keeps fresh from the build identity (registry-token.ts). Build pods hold no identity of their own, so this
 * short-lived token, which can push to the build repositories only, is all a build step can use.
 */
export const pushTokenDir = "/var/run/okd-registry";
export const pushAuthFile = `${pushTokenDir}/auth.json`;
export const pushTokenVolume = { name: "registry-push", secret: { secretName: secretNames.registryPush } };
export const pushTokenMount = { name: pushTokenVolume.name, mountPath: pushTokenDir, readOnly: true };

/**
 * The first step of a build Task: waits until the mounted push token exists and will not expire for a while (a site's
 * first run may start before the CronJob's first firing), and fails with what to do if it never comes.
 */
export function awaitPushTokenStep(ctx: PipelineContext, image: pulumi.Input<string>): Step {
    return {
        name: "registry-token",
        image,
        script: loadScript("await-registry-token.sh"),
        env: [
            { name: "TOKEN_DIR", value: pushTokenDir },
            { name: "REGISTRY_HOST", value: ctx.registryHost },
            { name: "PLATFORM", value: ctx.platform },
        ],
        computeResources: { requests: { cpu: "10m", memory: "16Mi" } },
        volumeMounts: [pushTokenMount],
    };
}
