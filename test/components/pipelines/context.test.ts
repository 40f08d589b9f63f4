/**
 * What every Task builder takes from the site (`pipelineContext`), value by value: the registry and its TLS setting,
 * rclone's `artifacts` remote per object store, the static keys of the local store, the signing key, and the two
 * first steps every registry-facing Task starts with (registry-auth, and registry-token in the builds).
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import {
    awaitPushTokenStep,
    pipelineContext,
    pushAuthFile,
    rcloneEnv,
    registryAuthStep,
    siteAuthFile,
    storageAccountOf,
    storageEnv,
} from "../../../components/pipelines/context";
import { defaultImages } from "../../../components/pipelines/images";
import { loadScript } from "../../../components/pipelines/scripts";
import type { EnvVar } from "../../../components/pipelines/tekton";
import type { Platform } from "../../../src/config/schema";
import type { SiteArtifacts } from "../../../components/shared/site";
import { useMocks, valueOf } from "../../helpers";
import { fakeKmsRef, fakeSite } from "../tekton/fixtures";

/** Env as name → resolved value, in order. */
const resolved = async (env: EnvVar[]): Promise<[string, string | undefined][]> =>
    Promise.all(env.map(async (e) => [e.name, e.value === undefined ? undefined : await valueOf(e.value)] as const));

const artifacts = (a: Partial<SiteArtifacts> & Pick<SiteArtifacts, "kind">): SiteArtifacts => ({
    bucket: pulumi.output("okd-artifacts"),
    url: pulumi.output("s3://okd-artifacts/"),
    ...a,
});

describe("the pipeline context of a site", () => {
    useMocks();

    it("configures rclone's artifacts remote on AWS S3 with the pod's identity, never checking for the bucket", async () => {
        assert.deepEqual(await resolved(rcloneEnv(artifacts({ kind: "s3" }))), [
            ["RCLONE_CONFIG_ARTIFACTS_TYPE", "s3"],
            ["RCLONE_CONFIG_ARTIFACTS_PROVIDER", "AWS"],
            ["RCLONE_CONFIG_ARTIFACTS_ENV_AUTH", "true"],
            ["RCLONE_CONFIG_ARTIFACTS_NO_CHECK_BUCKET", "true"],
            ["ARTIFACTS_BUCKET", "okd-artifacts"],
        ]);
    });

    it("points rclone at an S3-compatible endpoint by path-style addressing where the site has its own store", async () => {
        const env = rcloneEnv(artifacts({ kind: "s3", endpoint: pulumi.output("http://objects.svc:8333") }));
        assert.deepEqual(await resolved(env), [
            ["RCLONE_CONFIG_ARTIFACTS_TYPE", "s3"],
            ["RCLONE_CONFIG_ARTIFACTS_PROVIDER", "Other"],
            ["RCLONE_CONFIG_ARTIFACTS_ENV_AUTH", "true"],
            ["RCLONE_CONFIG_ARTIFACTS_NO_CHECK_BUCKET", "true"],
            ["RCLONE_CONFIG_ARTIFACTS_ENDPOINT", "http://objects.svc:8333"],
            ["RCLONE_CONFIG_ARTIFACTS_FORCE_PATH_STYLE", "true"],
            ["ARTIFACTS_BUCKET", "okd-artifacts"],
        ]);
    });

    it("reaches GCS with uniform bucket-level access and Azure blob storage by the URL's storage account", async () => {
        assert.deepEqual(await resolved(rcloneEnv(artifacts({ kind: "gcs", bucket: pulumi.output("b") }))), [
            ["RCLONE_CONFIG_ARTIFACTS_TYPE", "google cloud storage"],
            ["RCLONE_CONFIG_ARTIFACTS_ENV_AUTH", "true"],
            ["RCLONE_CONFIG_ARTIFACTS_BUCKET_POLICY_ONLY", "true"],
            ["RCLONE_CONFIG_ARTIFACTS_NO_CHECK_BUCKET", "true"],
            ["ARTIFACTS_BUCKET", "b"],
        ]);
        const azure = artifacts({
            kind: "azure-blob",
            bucket: pulumi.output("records"),
            url: pulumi.output("https://okdci123.blob.core.windows.net/records/"),
        });
        assert.deepEqual(await resolved(rcloneEnv(azure)), [
            ["RCLONE_CONFIG_ARTIFACTS_TYPE", "azureblob"],
            ["RCLONE_CONFIG_ARTIFACTS_ENV_AUTH", "true"],
            ["RCLONE_CONFIG_ARTIFACTS_ACCOUNT", "okdci123"],
            ["RCLONE_CONFIG_ARTIFACTS_NO_CHECK_CONTAINER", "true"],
            ["ARTIFACTS_BUCKET", "records"],
        ]);
    });

    it("takes the storage account from an Azure blob container URL only, naming a URL that is not one", () => {
        assert.equal(storageAccountOf("https://acct.blob.core.windows.net/container/"), "acct");
        for (const url of [
            "s3://okd-artifacts/",
            "xhttps://acct.blob.core.windows.net/container/",
            "https://ac.blob.core.windows.net/container/",
            "https://Acct.blob.core.windows.net/container/",
        ]) {
            assert.throws(() => storageAccountOf(url), {
                message: `artifact URL ${url} is not an Azure blob container URL`,
            });
        }
    });

    it("gives steps the site's registry, TLS setting, storage and identity environment, and its signing key", async () => {
        const check = async (platform: Platform, tlsVerify: string, host: string) => {
            const site = fakeSite(`ctx-${platform}`, platform);
            const ctx = pipelineContext(site, defaultImages);
            assert.equal(ctx.platform, platform);
            assert.equal(ctx.images, defaultImages);
            assert.equal(ctx.tlsVerify, tlsVerify);
            assert.equal(await valueOf(ctx.registryHost), host);
            assert.equal(ctx.repositories, site.registry.repositories);
            assert.equal(ctx.artifactsUrl, site.artifacts.url);
            assert.deepEqual(await resolved(ctx.storageEnv), await resolved(rcloneEnv(site.artifacts)));
            assert.equal(storageEnv(ctx), ctx.storageEnv);
            assert.equal(
                ctx.signingKeyRef === undefined ? undefined : await valueOf(ctx.signingKeyRef),
                fakeKmsRef[platform],
            );
            return ctx;
        };
        const local = await check("local", "false", "registry.okd-site.svc.cluster.local:5000");
        assert.ok(!("signingKeyRef" in local), "the local site signs with a key in a Secret, not a KMS key");
        // Only the local store has static keys: one Secret per storage role.
        assert.deepEqual(local.storageEnvFrom, {
            records: [{ secretRef: { name: "okd-artifacts-records" } }],
            promote: [{ secretRef: { name: "okd-artifacts-promote" } }],
        });
        const aws = await check("aws", "true", "123456789012.dkr.ecr.us-east-1.amazonaws.com");
        assert.deepEqual(aws.storageEnvFrom, { records: [], promote: [] });
        await check("gcp", "true", "us-central1-docker.pkg.dev/okd-proj/okd");

        const site = fakeSite("ctx-identity-env", "azure");
        const withEnv = {
            ...site,
            identities: {
                ...site.identities,
                env: { AZURE_TENANT_ID: pulumi.output("t"), REGION: pulumi.output("r") },
            },
        };
        assert.deepEqual(await resolved(pipelineContext(withEnv, defaultImages).identityEnv), [
            ["AZURE_TENANT_ID", "t"],
            ["REGION", "r"],
        ]);
    });

    it("starts registry-facing Tasks with registry-auth: the platform's CLI, the auth file, a small request", async () => {
        const ctx = pipelineContext(fakeSite("ctx-auth", "gcp"), defaultImages);
        const step = registryAuthStep(ctx);
        assert.deepEqual(Object.keys(step), ["name", "image", "script", "env", "computeResources"]);
        assert.equal(step.name, "registry-auth");
        assert.equal(step.image, defaultImages.gcloud);
        assert.equal(step.script, loadScript("registry-auth.sh"));
        assert.deepEqual(await resolved(step.env!), [
            ["PLATFORM", "gcp"],
            ["REGISTRY_HOST", "us-central1-docker.pkg.dev/okd-proj/okd"],
            ["AUTH_FILE", siteAuthFile],
            ["FAKE_PULL_AUTH", "false"],
            ["HOME", "/workspace/home"],
        ]);
        assert.equal(siteAuthFile, "/workspace/auth/site.json");
        assert.deepEqual(step.computeResources, { requests: { cpu: "50m", memory: "128Mi" } });

        const other = registryAuthStep(ctx, "/workspace/auth/other.json", true);
        assert.deepEqual((await resolved(other.env!)).slice(2, 4), [
            ["AUTH_FILE", "/workspace/auth/other.json"],
            ["FAKE_PULL_AUTH", "true"],
        ]);
    });

    it("starts build Tasks with registry-token: waits for the mounted push token, read-only, with a tiny request", async () => {
        const ctx = pipelineContext(fakeSite("ctx-token", "aws"), defaultImages);
        const step = awaitPushTokenStep(ctx, "tools@sha256:1");
        assert.deepEqual(Object.keys(step), ["name", "image", "script", "env", "computeResources", "volumeMounts"]);
        assert.equal(step.name, "registry-token");
        assert.equal(step.image, "tools@sha256:1");
        assert.equal(step.script, loadScript("await-registry-token.sh"));
        assert.deepEqual(await resolved(step.env!), [
            ["TOKEN_DIR", "/var/run/okd-registry"],
            ["REGISTRY_HOST", "123456789012.dkr.ecr.us-east-1.amazonaws.com"],
            ["PLATFORM", "aws"],
        ]);
        assert.deepEqual(step.computeResources, { requests: { cpu: "10m", memory: "16Mi" } });
        assert.deepEqual(step.volumeMounts, [
            { name: "registry-push", mountPath: "/var/run/okd-registry", readOnly: true },
        ]);
        assert.equal(pushAuthFile, "/var/run/okd-registry/auth.json");
    });
});
