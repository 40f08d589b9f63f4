/**
 * Tekton Chains configured for each kind of site (components/tekton/chains.ts), built on its own: the exact
 * `chains-config` keys (each one tektoncd/chains docs/config.md documents at v0.29.1, 3041e34317ba;
 * `slsa/v2alpha4` is its SLSA v1.0 format, `simplesigning` its only OCI format), what goes into `signing-secrets`
 * (tektoncd/chains docs/signing.md at the same commit: `cosign.key` + `cosign.password`, or `x509.pem`, an
 * unencrypted PKCS#8 PEM), the controller's
 * identity, and the order.
 */
import * as assert from "node:assert/strict";

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { ChainsConfig } from "../../../components/tekton/chains";
import type { Site } from "../../../components/shared/site";
import type { Platform } from "../../../src/config/schema";
import { find, recorder, settled, under, useMocks, valueOf } from "../../helpers";
import { type Json, fakeKmsRef, fakeSite, identityAnnotationsOf } from "./fixtures";
import { registeredOutputs } from "./registered-outputs";

const T = {
    chains: "okd-ci:tekton:Chains",
    cmPatch: "kubernetes:core/v1:ConfigMapPatch",
    secretPatch: "kubernetes:core/v1:SecretPatch",
    saPatch: "kubernetes:core/v1:ServiceAccountPatch",
    deployPatch: "kubernetes:apps/v1:DeploymentPatch",
    key: "tls:index/privateKey:PrivateKey",
    ns: "kubernetes:core/v1:Namespace",
    provider: "pulumi:providers:kubernetes",
} as const;
const inputs = (type: string, name: string): Json => find(type, name).inputs;
const chainsRelease = "https://infra.tekton.dev/tekton-releases/chains/previous/v0.29.1/release.yaml";
const patched = { "pulumi.com/patchForce": "true", "okd-ci/applied-after": chainsRelease };

/** Every key of chains-config, for a signer and a registry. */
function expectedSettings(signer: "kms" | "x509", repository: string, insecure: boolean, kmsRef?: string) {
    return {
        "artifacts.taskrun.format": "slsa/v2alpha4",
        "artifacts.taskrun.storage": "oci",
        "artifacts.taskrun.signer": signer,
        "artifacts.pipelinerun.format": "slsa/v2alpha4",
        "artifacts.pipelinerun.storage": "oci",
        "artifacts.pipelinerun.signer": signer,
        "artifacts.pipelinerun.enable-deep-inspection": "true",
        "artifacts.oci.format": "simplesigning",
        "artifacts.oci.storage": "oci",
        "artifacts.oci.signer": signer,
        ...(kmsRef !== undefined ? { "signers.kms.kmsref": kmsRef } : {}),
        "storage.oci.repository": repository,
        "storage.oci.repository.insecure": String(insecure),
        "transparency.enabled": "false",
    };
}

/** A fake site whose KMS key is ready only once `signingReady` is (as a cloud site's key and its grants). */
function siteWithSigningReady(name: string, platform: Platform): Site {
    const site = fakeSite(name, platform);
    if (site.signing === undefined) return site;
    const signingReady = new k8s.core.v1.Namespace(`${name}-signing-ready`, {}, { provider: site.provider });
    return { ...site, signing: { ...site.signing, ready: [signingReady] } };
}

describe("Tekton Chains on sites with a KMS key", () => {
    useMocks();

    const made: Partial<Record<Platform, ChainsConfig>> = {};
    before(async () => {
        const { ChainsConfig } = await import("../../../components/tekton/chains");
        for (const platform of ["aws", "gcp", "azure"] as const) {
            const site = siteWithSigningReady(`chk-${platform}-site`, platform);
            const release = new k8s.core.v1.Namespace(`chk-${platform}-release`, {}, { provider: site.provider });
            made[platform] = new ChainsConfig(`chk-${platform}`, { site, dependsOn: [release] });
        }
        await settled();
    });

    for (const platform of ["aws", "gcp", "azure"] as const) {
        const n = `chk-${platform}`;
        const host = {
            aws: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
            gcp: "us-central1-docker.pkg.dev/okd-proj/okd",
            azure: "okdci.azurecr.io",
        }[platform];

        it(`${platform}: signs through the site's KMS key, storing in the attestations repository over TLS`, async () => {
            assert.deepEqual(inputs(T.cmPatch, `${n}-config`), {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "chains-config", namespace: "tekton-chains", annotations: patched },
                data: expectedSettings("kms", `${host}/attestations`, false, fakeKmsRef[platform]),
            });
            assert.equal(await valueOf(made[platform]?.kmsRef), fakeKmsRef[platform]);
            assert.equal(made[platform]?.publicKey, undefined);
            assert.deepEqual(await registeredOutputs(find(T.chains, n).urn), { kmsRef: fakeKmsRef[platform] });
        });

        it(`${platform}: keeps no key in any Secret and generates none`, () => {
            assert.deepEqual(under(n, T.secretPatch), []);
            assert.deepEqual(under(n, T.key), []);
        });

        it(`${platform}: gives the controller's ServiceAccount the chains identity, and labels its pods only where the identity asks`, () => {
            assert.deepEqual(inputs(T.saPatch, `${n}-controller-sa`), {
                apiVersion: "v1",
                kind: "ServiceAccount",
                metadata: {
                    name: "tekton-chains-controller",
                    namespace: "tekton-chains",
                    annotations: { ...identityAnnotationsOf(platform, "chains"), ...patched },
                },
            });
            const labels = under(n, T.deployPatch).map((r) => r.inputs as Json);
            if (platform !== "azure") {
                assert.deepEqual(labels, []);
                return;
            }
            // AKS Workload Identity injects its token only into pods labelled azure.workload.identity/use.
            assert.deepEqual(labels, [
                {
                    apiVersion: "apps/v1",
                    kind: "Deployment",
                    metadata: { name: "tekton-chains-controller", namespace: "tekton-chains", annotations: patched },
                    spec: { template: { metadata: { labels: { "azure.workload.identity/use": "true" } } } },
                },
            ]);
        });

        it(`${platform}: patches only after the Chains release and the site's signing key are ready`, () => {
            const expected = [find(T.ns, `${n}-release`).urn, find(T.ns, `${n}-site-signing-ready`).urn].sort();
            const patches = recorder().resources.filter((r) => r.name.startsWith(`${n}-`) && r.type.endsWith("Patch"));
            assert.equal(patches.length, platform === "azure" ? 3 : 2);
            for (const p of patches) assert.deepEqual(p.dependencies, expected, p.name);
        });

        it(`${platform}: creates its objects under the Chains component with the site's provider`, () => {
            const parent = find(T.chains, n).urn;
            const provider = find(T.provider, `${n}-site-k8s`).urn;
            for (const r of recorder().resources.filter((x) => x.name.startsWith(`${n}-`) && x.parent === parent)) {
                assert.ok(r.provider.startsWith(`${provider}::`), `${r.name}: provider ${r.provider}`);
            }
            assert.equal(recorder().resources.filter((r) => r.parent === parent).length, platform === "azure" ? 3 : 2);
        });
    }

    it("refuses a configured cosign key where the site signs with KMS, naming the platform", async () => {
        const { ChainsConfig } = await import("../../../components/tekton/chains");
        assert.throws(
            () =>
                new ChainsConfig("chk-refused", {
                    site: fakeSite("chk-site-refused", "gcp"),
                    dependsOn: [],
                    signingKey: pulumi.secret("KEY"),
                }),
            (e: Error) => e.message === "chainsSigningKey is not used on gcp: Chains signs with the site's KMS key",
        );
        await settled();
        // Nothing of Chains was started before the refusal.
        assert.deepEqual(
            under("chk-refused").map((r) => r.type),
            [T.chains],
        );
    });
});

describe("Tekton Chains settings and signing-secrets keys", () => {
    useMocks();

    it("sets signers.kms.kmsref only for the kms signer, and no key at all for x509", async () => {
        const { chainsSettings } = await import("../../../components/tekton/chains");
        const site = fakeSite("chs-site", "aws");
        const host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
        const x509 = chainsSettings(site, "attestations", { kind: "x509" });
        assert.deepEqual(
            { ...x509, "storage.oci.repository": await valueOf(x509["storage.oci.repository"]) },
            {
                ...expectedSettings("x509", `${host}/attestations`, false),
            },
        );
        const kms = chainsSettings(site, "promoted", { kind: "kms", kmsRef: "awskms:///alias/other" });
        assert.deepEqual(
            { ...kms, "storage.oci.repository": await valueOf(kms["storage.oci.repository"]) },
            {
                ...expectedSettings("kms", `${host}/promoted`, false, "awskms:///alias/other"),
            },
        );
        await settled();
    });

    it("writes cosign.key and cosign.password for a cosign key, x509.pem for a PKCS#8 one, and refuses any other", async () => {
        const { signingSecretData } = await import("../../../components/tekton/chains");
        assert.deepEqual(signingSecretData({ kind: "cosign", key: "K", password: "P" }), {
            "cosign.key": "K",
            "cosign.password": "P",
        });
        assert.deepEqual(signingSecretData({ kind: "x509", pkcs8Pem: "PEM" }), { "x509.pem": "PEM" });
        assert.throws(
            () => signingSecretData({ kind: "pgp" } as unknown as Parameters<typeof signingSecretData>[0]),
            /^Error: signing key of unknown kind "pgp"$/,
        );
    });
});

describe("Tekton Chains on a site without KMS", () => {
    useMocks();

    const made: Record<string, ChainsConfig> = {};
    before(async () => {
        // The tls provider computes a key's PEMs (registry.terraform.io/providers/hashicorp/tls, tls_private_key:
        // private_key_pem_pkcs8, public_key_pem); the mocks echo inputs only, so give each key distinct ones here.
        const mocks = recorder();
        const echo = mocks.newResource.bind(mocks);
        mocks.newResource = (args) =>
            args.type === T.key
                ? {
                      id: `${args.name}-id`,
                      state: {
                          ...args.inputs,
                          privateKeyPem: `SEC1 PEM of ${args.name}`,
                          privateKeyPemPkcs8: `PKCS8 PEM of ${args.name}`,
                          publicKeyPem: `public PEM of ${args.name}`,
                      },
                  }
                : echo(args);
        const { ChainsConfig } = await import("../../../components/tekton/chains");
        const site = fakeSite("chl-site", "local");
        made.generated = new ChainsConfig("chl-gen", { site, dependsOn: [] });
        made.cosign = new ChainsConfig("chl-cosign", {
            site,
            dependsOn: [],
            signingKey: pulumi.secret("COSIGN-KEY"),
            signingKeyPassword: pulumi.secret("COSIGN-PASSWORD"),
        });
        made.nopass = new ChainsConfig("chl-nopass", {
            site,
            dependsOn: [],
            signingKey: pulumi.secret("COSIGN-KEY"),
            attestationRepository: "promoted",
        });
        await settled();
    });

    it("signs with the signing-secrets key (x509) and stores in the plain-HTTP in-cluster registry", async () => {
        const host = "registry.okd-site.svc.cluster.local:5000";
        assert.deepEqual(
            inputs(T.cmPatch, "chl-gen-config").data,
            expectedSettings("x509", `${host}/attestations`, true),
        );
        assert.deepEqual(
            inputs(T.cmPatch, "chl-nopass-config").data,
            expectedSettings("x509", `${host}/promoted`, true),
        );
        assert.equal(made.generated.kmsRef, undefined);
    });

    it("generates an ECDSA P-256 key, fills signing-secrets with its PKCS#8 PEM, and publishes its public half", async () => {
        const key = find(T.key, "chl-gen-signing-key");
        assert.deepEqual(key.inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        assert.equal(key.parent, find(T.chains, "chl-gen").urn);
        const patch = find(T.secretPatch, "chl-gen-signing-secret");
        assert.deepEqual((patch.inputs as Json).metadata, {
            name: "signing-secrets",
            namespace: "tekton-chains",
            annotations: patched,
        });
        // Chains reads an unencrypted private key from x509.pem in PKCS#8 form (tektoncd/chains docs/signing.md).
        assert.deepEqual((patch.inputs as Json).stringData, { "x509.pem": "PKCS8 PEM of chl-gen-signing-key" });
        assert.ok(patch.dependencies.includes(key.urn));
        assert.equal(await valueOf(made.generated.publicKey), "public PEM of chl-gen-signing-key");
        assert.deepEqual(await registeredOutputs(find(T.chains, "chl-gen").urn), {
            publicKey: "public PEM of chl-gen-signing-key",
        });
        assert.deepEqual(await registeredOutputs(find(T.chains, "chl-cosign").urn), {});
    });

    it("fills signing-secrets with a configured cosign key and its password, or an empty password", () => {
        assert.deepEqual(inputs(T.secretPatch, "chl-cosign-signing-secret").stringData, {
            "cosign.key": "COSIGN-KEY",
            "cosign.password": "COSIGN-PASSWORD",
        });
        assert.deepEqual(inputs(T.secretPatch, "chl-nopass-signing-secret").stringData, {
            "cosign.key": "COSIGN-KEY",
            "cosign.password": "",
        });
        assert.deepEqual(under("chl-cosign", T.key), []);
        assert.equal(made.cosign.publicKey, undefined);
    });

    it("sends the signing-secrets data as a secret, never in plain text", () => {
        for (const name of ["chl-gen", "chl-cosign", "chl-nopass"]) {
            // On the wire the whole stringData is wrapped in Pulumi's secret signature (@pulumi/pulumi
            // runtime/rpc.js specialSigKey, specialSecretSig), which state, plans and synth output then encrypt or redact.
            const wire = find(T.secretPatch, `${name}-signing-secret`).object as Json;
            assert.equal(wire.stringData["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270", name);
        }
    });

    it("gives the controller's ServiceAccount only the patch annotations, and labels no pod, on a local site", () => {
        assert.deepEqual(inputs(T.saPatch, "chl-gen-controller-sa").metadata.annotations, patched);
        assert.deepEqual(under("chl", T.deployPatch), []);
    });
});
