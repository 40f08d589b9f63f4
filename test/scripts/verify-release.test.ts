import * as assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { type Registry, freePort, pushTinyImage, requireTool, runScript, startRegistry, tempDir } from "./harness";

/**
 * The predicate Tekton Chains v0.29 writes for a nightly PipelineRun with the site's chains-config (slsa/v2alpha4):
 * SLSA v1 provenance whose buildDefinition.externalParameters.runSpec is the PipelineRun's spec (tektoncd/chains
 * pkg/chains/formats/slsa/internal/provenance/provenance.go, internal/external_parameters PipelineRun, v0.29.1). With
 * deep inspection its subjects are every child TaskRun's image results: what a gate step that forged its termination
 * message gets signed.
 */
export function chainsPredicate(pipeline: string, invocation = "1d0c5bb0-0000-4000-8000-000000000001") {
    return {
        buildDefinition: {
            buildType: "https://tekton.dev/chains/v2/slsa",
            externalParameters: {
                runSpec: {
                    pipelineRef: { name: pipeline },
                    params: [],
                    taskRunTemplate: { serviceAccountName: "okd-pipeline" },
                    timeouts: { pipeline: "16h0m0s" },
                },
            },
            internalParameters: { "tekton-pipelines-feature-flags": { EnableAPIFields: "beta" } },
            resolvedDependencies: [],
        },
        runDetails: {
            builder: { id: "https://tekton.dev/chains/v2" },
            metadata: {
                invocationID: invocation,
                startedOn: "2026-01-01T02:00:00Z",
                finishedOn: "2026-01-01T09:00:00Z",
            },
            byproducts: [],
        },
    };
}

/**
 * The predicate Chains v0.29 writes for a TaskRun (slsa/v2alpha4): runSpec is the TaskRun's spec, which for a
 * Pipeline's child TaskRun carries the PipelineTask's taskRef and its resolved params (tektoncd/chains
 * pkg/chains/formats/slsa/v2alpha4/internal/taskrun/taskrun.go, internal/external_parameters TaskRun, v0.29.1;
 * tektoncd/pipeline pkg/reconciler/pipelinerun createTaskRun). The assemble TaskRun's, by default.
 */
export function chainsTaskRunPredicate(
    task = "okd-assemble-release",
    minor = "4.15",
    invocation = "7f3a0c11-0000-4000-8000-000000000002",
) {
    const predicate = chainsPredicate("unused", invocation);
    predicate.buildDefinition.externalParameters = {
        runSpec: {
            taskRef: { kind: "Task", name: task },
            params: [
                { name: "minor", value: minor },
                { name: "pipeline-run", value: "okd-nightly-4-15-x1" },
            ],
            serviceAccountName: "okd-pipeline",
            timeout: "2h0m0s",
        },
    } as never;
    return predicate;
}

/** A signing key as the Tekton layer generates one (ECDSA P-256, PKCS#8), imported for cosign to sign with. */
export function siteKey(dir: string, name: string): { cosignKey: string; publicKey: string } {
    const pem = path.join(dir, `${name}.pem`);
    fs.writeFileSync(
        pem,
        execFileSync("sh", ["-c", "openssl ecparam -genkey -name prime256v1 -noout | openssl pkcs8 -topk8 -nocrypt"]),
    );
    execFileSync("cosign", ["import-key-pair", "--key", pem, "--output-key-prefix", path.join(dir, name)], {
        env: { ...process.env, COSIGN_PASSWORD: "" },
        stdio: "ignore",
    });
    return { cosignKey: path.join(dir, `${name}.key`), publicKey: path.join(dir, `${name}.pub`) };
}

/** `cosign attest` as Chains does it: the statement in the attestation repository, no transparency log. */
export function attest(image: string, key: string, predicate: unknown, attestations: string, dir: string): void {
    const file = path.join(dir, `predicate-${Date.now()}-${Math.random()}.json`);
    fs.writeFileSync(file, JSON.stringify(predicate));
    execFileSync(
        "cosign",
        [
            "attest",
            "--yes",
            "--key",
            key,
            "--type",
            "slsaprovenance1",
            "--predicate",
            file,
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "--allow-http-registry",
            image,
        ],
        { env: { ...process.env, COSIGN_PASSWORD: "", COSIGN_REPOSITORY: attestations }, stdio: "pipe" },
    );
}

/** The Python that runs `moto_server` (its own virtualenv, from ensure-test-tools), which has boto3. */
function motoPython(): string {
    const script = fs.realpathSync(execFileSync("sh", ["-c", "command -v moto_server"], { encoding: "utf8" }).trim());
    return /^#!\s*(\S+)/.exec(fs.readFileSync(script, "utf8"))?.[1] ?? "python3";
}

/**
 * Issue 15 path 3: promotion verifies, with the real cosign (sigstore/cosign/v2 v2.6.5, the version Tekton Chains
 * v0.29.1 builds with), that the site's Chains key attested the nightly's exact digest as built by the stream's nightly
 * Pipeline, and refuses otherwise. A Debian docker-registry on 127.0.0.1 holds the payload and, as chains-config's
 * storage.oci.repository, the attestations.
 */
describe("verify-release.sh (issue 15 path 3: promotion verifies the Chains attestation)", () => {
    let registry: Registry;
    let keys: string;
    let site: { cosignKey: string; publicKey: string };
    let other: { cosignKey: string; publicKey: string };
    let dir: string;

    before(async () => {
        requireTool("cosign");
        requireTool("openssl");
        requireTool("jq");
        registry = await startRegistry();
        keys = tempDir("keys");
        site = siteKey(keys, "site");
        other = siteKey(keys, "other");
    });
    after(async () => {
        await registry.stop();
        fs.rmSync(keys, { recursive: true, force: true });
    });
    beforeEach(() => (dir = tempDir("verify")));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const attestations = () => `${registry.host}/okd/promoted`;
    let n = 0;
    /** A fresh nightly payload stand-in, by digest. */
    const nightly = () => {
        const repo = `${registry.host}/okd/release`;
        const digest = pushTinyImage(`${repo}:4.15.0-0.okd-${++n}`, `payload ${n} ${Date.now()}`);
        return `${repo}@${digest}`;
    };
    const verify = (image: string, extra: Record<string, string> = {}) =>
        runScript("verify-release.sh", {
            IMAGE: image,
            ASSEMBLE_TASK: "okd-assemble-release",
            MINOR: "4.15",
            PUBLIC_KEY_FILE: site.publicKey,
            ATTESTATION_REPOSITORY: attestations(),
            TLS_VERIFY: "false",
            VERIFIED_FILE: path.join(dir, "verified.json"),
            ...extra,
        });

    it("passes a nightly the site's key attested as produced by its stream's assemble TaskRun", () => {
        const image = nightly();
        attest(image, site.cosignKey, chainsTaskRunPredicate(), attestations(), dir);
        const r = verify(image);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /was produced by okd-assemble-release for 4.15 \(TaskRun 7f3a0c11-/);
        const statement = JSON.parse(fs.readFileSync(path.join(dir, "verified.json"), "utf8"));
        assert.equal(statement.subject[0].digest.sha256, image.split("@sha256:")[1]);
    });

    it("refuses a nightly with no attestation", () => {
        const r = verify(nightly());
        assert.equal(r.status, 1);
        assert.match(
            r.stderr,
            /has no SLSA provenance attestation signed by the site's Chains key; refusing to promote/,
        );
    });

    it("refuses an attestation signed by another key", () => {
        const image = nightly();
        attest(image, other.cosignKey, chainsTaskRunPredicate(), attestations(), dir);
        const r = verify(image);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /no SLSA provenance attestation signed by the site's Chains key/);
    });

    it("refuses an attestation of another digest, copied next to this one", () => {
        const image = nightly();
        const attested = nightly();
        attest(attested, site.cosignKey, chainsTaskRunPredicate(), attestations(), dir);
        // Whoever can push to the attestation repository moves the other payload's attestation to this digest's tag.
        const tag = (ref: string) => `docker://${attestations()}:sha256-${ref.split("@sha256:")[1]}.att`;
        execFileSync("skopeo", [
            "copy",
            "--quiet",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            tag(attested),
            tag(image),
        ]);
        const r = verify(image);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /refusing to promote/);
    });

    it("refuses the nightly PipelineRun's attestation, which a gate's forged IMAGE_URL/IMAGE_DIGEST results fill", () => {
        // A gate step rewrites /tekton/termination with IMAGE_URL/IMAGE_DIGEST results; Chains' deep inspection lists
        // them as subjects of the nightly PipelineRun's provenance, which the site's key signs. Its runSpec names the
        // stream's own nightly Pipeline and its subject is exactly this digest in the release repository.
        const image = nightly();
        attest(image, site.cosignKey, chainsPredicate("okd-nightly-4-15"), attestations(), dir);
        const r = verify(image);
        assert.equal(r.status, 1, r.stdout);
        assert.match(
            r.stderr,
            /no attestation signed by the site's key says a okd-assemble-release TaskRun of 4.15 produced .*refusing to promote/,
        );
        assert.match(r.stderr, /task none, pipeline okd-nightly-4-15/);
    });

    it("refuses another TaskRun's attestation (a gate's or a build's own forged results), another stream's, another repository's and one not written by Tekton Chains", () => {
        const image = nightly();
        const repo = image.split("@")[0];
        attest(image, site.cosignKey, chainsTaskRunPredicate("okd-e2e-gate-aws"), attestations(), dir);
        attest(image, site.cosignKey, chainsTaskRunPredicate("okd-assemble-release", "4.16"), attestations(), dir);
        const handMade = chainsTaskRunPredicate();
        handMade.buildDefinition.buildType = "https://example.com/hand-made";
        attest(image, site.cosignKey, handMade, attestations(), dir);
        const r = verify(image);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /task okd-e2e-gate-aws, pipeline none, minor 4.15/);
        assert.match(r.stderr, /task okd-assemble-release, pipeline none, minor 4.16/);
        assert.match(r.stderr, /buildType https:\/\/example.com\/hand-made/);
        // The same digest attested under another repository name (cosign names the subject by the image's repository).
        const elsewhere = `${registry.host}/okd/elsewhere`;
        execFileSync("skopeo", [
            "copy",
            "--quiet",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            `docker://${image}`,
            `docker://${elsewhere}:copy`,
        ]);
        const other = `${elsewhere}@${image.split("@")[1]}`;
        attest(other, site.cosignKey, chainsTaskRunPredicate(), attestations(), dir);
        const o = verify(image);
        assert.equal(o.status, 1);
        assert.ok(o.stderr.includes(`subjects ${elsewhere}@sha256:`), o.stderr);
        assert.ok(!o.stdout.includes(repo), o.stdout);
    });

    it("refuses inputs that are not a digest or a public key", () => {
        assert.equal(verify(`${registry.host}/okd/release:latest`).status, 2);
        fs.writeFileSync(path.join(dir, "not-a-key"), "hello");
        assert.equal(verify(nightly(), { PUBLIC_KEY_FILE: path.join(dir, "not-a-key") }).status, 2);
        const r = verify(nightly(), { PUBLIC_KEY_FILE: "", KEY_REF: "hashivault://chains" });
        assert.equal(r.status, 2);
        assert.match(
            r.stderr,
            /KEY_REF 'hashivault:\/\/chains' is not an awskms:\/\/, gcpkms:\/\/ or azurekms:\/\/ key reference/,
        );
    });

    /**
     * The clouds: Chains signs with the site's KMS key and promotion verifies with `--key awskms:///…` (KEY_REF), cosign
     * reading the public half with the pod's identity. moto_server (PyPI `moto[server]`) serves AWS KMS on 127.0.0.1:
     * cosign creates an ECC_NIST_P256 key there (`generate-key-pair --kms`, as the AWS site's key spec), signs the
     * attestation through KMS Sign, and verify-release.sh verifies through GetPublicKey. The SDK takes the endpoint from
     * AWS_ENDPOINT_URL (sigstore/sigstore pkg/signature/kms/aws/client.go would force https:// for one in the URI).
     */
    describe("with the site's KMS key (moto's AWS KMS)", () => {
        let moto: ChildProcess;
        let awsEnv: Record<string, string>;
        const keyRef = "awskms:///alias/okd-chains-signing";
        before(async function () {
            this.timeout(60_000);
            requireTool("moto_server");
            const port = await freePort();
            moto = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
                stdio: "ignore",
                env: { ...process.env, AWS_CA_BUNDLE: "" },
            });
            awsEnv = {
                AWS_CA_BUNDLE: "",
                AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
                AWS_ACCESS_KEY_ID: "moto",
                AWS_SECRET_ACCESS_KEY: "moto",
                AWS_REGION: "us-east-1",
                AWS_DEFAULT_REGION: "us-east-1",
            };
            const deadline = Date.now() + 30_000;
            for (;;) {
                try {
                    execFileSync("cosign", ["generate-key-pair", "--kms", keyRef], {
                        cwd: keys,
                        env: { ...process.env, ...awsEnv },
                        stdio: "pipe",
                    });
                    break;
                } catch (e) {
                    if (Date.now() > deadline) throw e;
                    await new Promise((r) => setTimeout(r, 500));
                }
            }
        });
        after(async () => {
            await new Promise<void>((resolve) => {
                if (moto.exitCode !== null) return resolve();
                moto.once("exit", () => resolve());
                moto.kill("SIGTERM");
            });
        });

        /**
         * What Chains does with the KMS key, done by hand because moto's Sign ignores `MessageType: DIGEST` (it hashes
         * the digest again; moto/kms/models.py says DIGEST "is not yet implemented"), which cosign's awskms signer
         * sends: the in-toto statement in a DSSE envelope whose signature is KMS Sign (ECDSA_SHA_256, RAW) over the
         * envelope's PAE (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md), signed in moto through
         * boto3, attached with `cosign attach attestation` where Chains stores it.
         */
        const attestWithKms = (image: string, minor: string) => {
            const hex = image.split("@sha256:")[1];
            const statement = {
                _type: "https://in-toto.io/Statement/v0.1",
                predicateType: "https://slsa.dev/provenance/v1",
                subject: [{ name: image.split("@")[0], digest: { sha256: hex } }],
                predicate: chainsTaskRunPredicate("okd-assemble-release", minor),
            };
            const envelope = path.join(dir, "envelope.json");
            const signer = [
                "import base64, json, sys, boto3",
                "statement = open(sys.argv[1], 'rb').read()",
                "ptype = b'application/vnd.in-toto+json'",
                "pae = b'DSSEv1 %d %s %d %s' % (len(ptype), ptype, len(statement), statement)",
                "kms = boto3.client('kms')",
                "sig = kms.sign(KeyId=sys.argv[2], Message=pae, MessageType='RAW', SigningAlgorithm='ECDSA_SHA_256')['Signature']",
                "json.dump({'payloadType': ptype.decode(), 'payload': base64.b64encode(statement).decode(),",
                "           'signatures': [{'keyid': '', 'sig': base64.b64encode(sig).decode()}]}, open(sys.argv[3], 'w'))",
            ].join("\n");
            const statementFile = path.join(dir, "statement.json");
            fs.writeFileSync(statementFile, JSON.stringify(statement));
            // botocore refuses an empty AWS_CA_BUNDLE (the machine sets one; moto is plain http): leave it out.
            const botoEnv: NodeJS.ProcessEnv = { ...process.env, ...awsEnv };
            delete botoEnv.AWS_CA_BUNDLE;
            execFileSync(motoPython(), ["-c", signer, statementFile, "alias/okd-chains-signing", envelope], {
                env: botoEnv,
                stdio: "pipe",
            });
            execFileSync(
                "cosign",
                [
                    "attach",
                    "attestation",
                    "--attestation",
                    envelope,
                    "--allow-insecure-registry",
                    "--allow-http-registry",
                    image,
                ],
                { env: { ...process.env, COSIGN_REPOSITORY: attestations() }, stdio: "pipe" },
            );
        };

        it("passes a nightly the KMS key attested, verifying through KMS with no key file", () => {
            const image = nightly();
            attestWithKms(image, "4.15");
            const r = verify(image, { ...awsEnv, PUBLIC_KEY_FILE: "", KEY_REF: keyRef });
            assert.equal(r.status, 0, r.stderr);
        });

        it("refuses what another key signed, and a KMS attestation of another stream's assemble", () => {
            const image = nightly();
            attest(image, site.cosignKey, chainsTaskRunPredicate(), attestations(), dir);
            const r = verify(image, { ...awsEnv, PUBLIC_KEY_FILE: "", KEY_REF: keyRef });
            assert.equal(r.status, 1);
            assert.match(r.stderr, /no SLSA provenance attestation signed by the site's Chains key/);
            const other = nightly();
            attestWithKms(other, "4.16");
            const o = verify(other, { ...awsEnv, PUBLIC_KEY_FILE: "", KEY_REF: keyRef });
            assert.equal(o.status, 1);
            assert.match(
                o.stderr,
                /no attestation signed by the site's key says a okd-assemble-release TaskRun of 4.15/,
            );
        });
    });
});

/** `cosign sign` as Chains' simple signing of an image result does it: in the attestation repository, no tlog. */
function sign(image: string, key: string, attestations: string): void {
    execFileSync(
        "cosign",
        [
            "sign",
            "--yes",
            "--key",
            key,
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "--allow-http-registry",
            image,
        ],
        { env: { ...process.env, COSIGN_PASSWORD: "", COSIGN_REPOSITORY: attestations }, stdio: "pipe" },
    );
}

/**
 * Issue 12 "signatures where users pull": after promotion, publish-signatures.sh copies, with the real cosign (v2.6.5),
 * the promoted payload's signature and SLSA provenance from the site's attestation repository (one Debian
 * docker-registry on 127.0.0.1) next to the payload on "quay" (another), and a consumer then verifies it with the
 * public key and quay alone: the site registry is stopped first.
 */
describe("publish-signatures.sh (signatures where users pull)", () => {
    let site: Registry;
    let quay: Registry;
    let keys: string;
    let key: { cosignKey: string; publicKey: string };
    let dir: string;

    before(async () => {
        requireTool("cosign");
        requireTool("openssl");
        requireTool("jq");
        [site, quay] = await Promise.all([startRegistry(), startRegistry()]);
        keys = tempDir("keys");
        key = siteKey(keys, "site");
    });
    after(async () => {
        await Promise.all([site?.stop(), quay?.stop()]);
        fs.rmSync(keys, { recursive: true, force: true });
    });
    beforeEach(() => (dir = tempDir("publish")));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const attestations = () => `${site.host}/okd/promoted`;
    let n = 0;
    const promoted = () => {
        const repo = `${quay.host}/openshift/okd`;
        return `${repo}@${pushTinyImage(`${repo}:4.15.0-0.okd-${++n}`, `promoted ${n} ${Date.now()}`)}`;
    };
    const publish = (image: string, extra: Record<string, string> = {}) =>
        runScript("publish-signatures.sh", {
            IMAGE: image,
            ATTESTATION_REPOSITORY: attestations(),
            PUBLIC_KEY_FILE: key.publicKey,
            TLS_VERIFY: "false",
            WAIT_SECONDS: "0",
            ...extra,
        });
    /** What a consumer runs: cosign with the public key against the image, no COSIGN_REPOSITORY. */
    const consumer = (args: string[]) =>
        spawnSync("cosign", [...args, "--key", key.publicKey, "--insecure-ignore-tlog=true", "--allow-http-registry"], {
            env: { ...process.env, COSIGN_REPOSITORY: "" },
            encoding: "utf8",
        });

    it("copies the signature and provenance next to the quay image, so it verifies from quay alone", async () => {
        const image = promoted();
        const hex = image.split("@sha256:")[1];
        sign(image, key.cosignKey, attestations());
        attest(image, key.cosignKey, chainsPredicate("okd-release-4-15"), attestations(), dir);
        // Before: quay holds neither, so a consumer cannot verify.
        assert.notEqual(consumer(["verify", image]).status, 0);

        const r = publish(image);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /verifies from .*\/openshift\/okd alone with the site's public key/);
        const tags = JSON.parse(
            execFileSync("skopeo", ["list-tags", "--tls-verify=false", `docker://${quay.host}/openshift/okd`], {
                encoding: "utf8",
            }),
        ).Tags as string[];
        assert.ok(tags.includes(`sha256-${hex}.sig`), tags.join(" "));
        assert.ok(tags.includes(`sha256-${hex}.att`), tags.join(" "));

        // The site registry gone, a consumer verifies with the key and quay alone.
        await site.stop();
        try {
            const sig = consumer(["verify", image]);
            assert.equal(sig.status, 0, sig.stderr);
            const att = consumer(["verify-attestation", "--type", "slsaprovenance1", image]);
            assert.equal(att.status, 0, att.stderr);
            const statement = JSON.parse(
                Buffer.from(JSON.parse(att.stdout.split("\n")[0]).payload, "base64").toString(),
            );
            assert.equal(statement.subject[0].digest.sha256, hex);
            assert.equal(
                statement.predicate.buildDefinition.externalParameters.runSpec.pipelineRef.name,
                "okd-release-4-15",
            );
        } finally {
            site = await startRegistry();
        }
    });

    it("waits for Chains, then fails naming the attestation repository when nothing was signed", () => {
        const image = promoted();
        const r = publish(image, { WAIT_SECONDS: "2", POLL_SECONDS: "1" });
        assert.equal(r.status, 1);
        assert.match(
            r.stderr,
            /after 2s .*\/okd\/promoted still holds no signature and provenance of .* is Tekton Chains running\?/,
        );
    });

    it("refuses a signature made with another key, and copies nothing", () => {
        const other = siteKey(keys, `other-${Date.now()}`);
        const image = promoted();
        sign(image, other.cosignKey, attestations());
        attest(image, other.cosignKey, chainsPredicate("okd-release-4-15"), attestations(), dir);
        const r = publish(image);
        assert.equal(r.status, 1);
        const tags = JSON.parse(
            execFileSync("skopeo", ["list-tags", "--tls-verify=false", `docker://${quay.host}/openshift/okd`], {
                encoding: "utf8",
            }),
        ).Tags as string[];
        assert.ok(!tags.some((t) => t.startsWith(`sha256-${image.split("@sha256:")[1]}`)), tags.join(" "));
    });

    it("refuses inputs that are not a digest or a public key", () => {
        assert.equal(publish(`${quay.host}/openshift/okd:latest`).status, 2);
        fs.writeFileSync(path.join(dir, "not-a-key"), "hello");
        assert.equal(publish(promoted(), { PUBLIC_KEY_FILE: path.join(dir, "not-a-key") }).status, 2);
    });
});
