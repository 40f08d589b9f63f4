import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { toolsImageTag } from "../../components/pipelines/tasks/tools-image";
import { type Registry, calls, pushTinyImage, requireTool, runScript, startRegistry, stub, tempDir } from "./harness";

/**
 * The builds' registry token, minted apart from them (components/pipelines/registry-token.ts): registry-auth.sh records
 * when the token expires, await-registry-token.sh holds a build until a usable token is mounted, store-registry-token.sh
 * refuses to store nothing. The real kubectl patch against a real API server, under the minter's own RBAC, is in
 * `npm run test:engine` (test/engine/identity-checks.sh).
 */
describe("registry token for builds", () => {
    let dir: string;
    beforeEach(() => {
        dir = tempDir("token");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const now = () => Math.floor(Date.now() / 1000);

    describe("registry-auth.sh expiry", () => {
        let bin: string;
        beforeEach(() => {
            bin = path.join(dir, "bin");
            stub(bin, "aws", "printf tok");
            stub(bin, "gcloud", "printf tok");
        });

        it("records an ECR token's expiry twelve hours from before it was minted", () => {
            const before = now();
            const r = runScript(
                "registry-auth.sh",
                {
                    PLATFORM: "aws",
                    REGISTRY_HOST: "1.dkr.ecr.us-east-1.amazonaws.com",
                    AWS_REGION: "us-east-1",
                    AUTH_FILE: path.join(dir, "auth.json"),
                    EXPIRES_FILE: path.join(dir, "expires"),
                },
                bin,
            );
            assert.equal(r.status, 0, r.stderr);
            const expires = Number(fs.readFileSync(path.join(dir, "expires"), "utf8"));
            assert.ok(expires >= before + 43200 && expires <= now() + 43200, String(expires));
        });

        it("mints a fresh one-hour GCP token by impersonating its own account when told to", () => {
            const r = runScript(
                "registry-auth.sh",
                {
                    PLATFORM: "gcp",
                    REGISTRY_HOST: "europe-west1-docker.pkg.dev",
                    GCP_IMPERSONATE_SERVICE_ACCOUNT: "okd-build@p.iam.gserviceaccount.com",
                    AUTH_FILE: path.join(dir, "auth.json"),
                    EXPIRES_FILE: path.join(dir, "expires"),
                },
                bin,
            );
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(calls(bin, "gcloud")[0].args, [
                "auth",
                "print-access-token",
                "--impersonate-service-account=okd-build@p.iam.gserviceaccount.com",
                "--lifetime=3600",
                "--quiet",
            ]);
            const left = Number(fs.readFileSync(path.join(dir, "expires"), "utf8")) - now();
            assert.ok(left > 3500 && left <= 3600, String(left));
        });

        it("trusts a metadata-server GCP token for five minutes only", () => {
            const r = runScript(
                "registry-auth.sh",
                {
                    PLATFORM: "gcp",
                    REGISTRY_HOST: "europe-west1-docker.pkg.dev",
                    AUTH_FILE: path.join(dir, "auth.json"),
                    EXPIRES_FILE: path.join(dir, "expires"),
                },
                bin,
            );
            assert.equal(r.status, 0, r.stderr);
            const left = Number(fs.readFileSync(path.join(dir, "expires"), "utf8")) - now();
            assert.ok(left > 200 && left <= 300, String(left));
        });

        it("says the anonymous local registry's token never expires", () => {
            const r = runScript("registry-auth.sh", {
                PLATFORM: "local",
                REGISTRY_HOST: "registry.okd-site.svc.cluster.local:5000",
                AUTH_FILE: path.join(dir, "auth.json"),
                EXPIRES_FILE: path.join(dir, "expires"),
            });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(fs.readFileSync(path.join(dir, "expires"), "utf8"), "never");
            assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "auth.json"), "utf8")), { auths: {} });
        });
    });

    describe("await-registry-token.sh", () => {
        const host = "1.dkr.ecr.us-east-1.amazonaws.com";
        const mount = (auth: unknown, expires: string) => {
            fs.writeFileSync(path.join(dir, "auth.json"), JSON.stringify(auth));
            fs.writeFileSync(path.join(dir, "expires"), expires);
        };
        const wait = (extra: Record<string, string> = {}) =>
            runScript("await-registry-token.sh", {
                TOKEN_DIR: dir,
                REGISTRY_HOST: host,
                PLATFORM: "aws",
                WAIT_SECONDS: "0",
                ...extra,
            });

        it("lets a build go on with a token for its registry that stays valid", () => {
            mount({ auths: { [host]: { auth: "QVdTOnRvaw==" } } }, String(now() + 3600));
            const r = wait();
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /is valid/);
            assert.doesNotMatch(r.stdout + r.stderr, /QVdTOnRvaw==/, "the token itself is never printed");
        });

        it("stops a build whose token is about to expire, saying how to mint one", () => {
            mount({ auths: { [host]: { auth: "x" } } }, String(now() + 60));
            const r = wait();
            assert.equal(r.status, 1);
            assert.match(r.stderr, /expires at \d+, in less than 600s/);
            assert.match(r.stderr, /kubectl -n okd-release create job --from=cronjob\/okd-registry-token/);
        });

        it("stops on the empty token Pulumi creates before the first minting", () => {
            mount({ auths: {} }, "0");
            const r = wait();
            assert.equal(r.status, 1);
        });

        it("stops on a token for another registry", () => {
            mount({ auths: { "quay.io": { auth: "x" } } }, String(now() + 3600));
            const r = wait();
            assert.equal(r.status, 1);
            assert.match(r.stderr, /names no auth for 1\.dkr\.ecr/);
        });

        it("waits for a token that arrives while it waits", async () => {
            const later = setTimeout(() => mount({ auths: { [host]: { auth: "x" } } }, String(now() + 3600)), 1500);
            try {
                const { spawn } = await import("node:child_process");
                const child = spawn(
                    "bash",
                    [path.join(__dirname, "../../components/pipelines/scripts/await-registry-token.sh")],
                    {
                        env: {
                            ...process.env,
                            TOKEN_DIR: dir,
                            REGISTRY_HOST: host,
                            PLATFORM: "aws",
                            WAIT_SECONDS: "30",
                        },
                    },
                );
                let out = "";
                child.stdout.on("data", (d) => (out += String(d)));
                const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? -1)));
                assert.equal(code, 0);
                assert.match(out, /no token mounted yet; waiting/);
                assert.match(out, /is valid/);
            } finally {
                clearTimeout(later);
            }
        });

        it("accepts the local registry's anonymous token, which never expires", () => {
            mount({ auths: {} }, "never");
            const r = wait({ PLATFORM: "local", REGISTRY_HOST: "registry.okd-site.svc.cluster.local:5000" });
            assert.equal(r.status, 0, r.stderr);
        });
    });

    describe("store-registry-token.sh", () => {
        it("refuses to store a token the mint container did not write, before calling the API", () => {
            const bin = path.join(dir, "bin");
            stub(bin, "kubectl");
            const r = runScript(
                "store-registry-token.sh",
                {
                    AUTH_FILE: path.join(dir, "missing.json"),
                    EXPIRES_FILE: path.join(dir, "missing"),
                    SECRET_NAME: "okd-registry-push",
                    SECRET_NAMESPACE: "okd-builds",
                },
                bin,
            );
            assert.equal(r.status, 1);
            assert.match(r.stderr, /missing\.json is missing or empty; did the mint container fail\?/);
            assert.deepEqual(calls(bin, "kubectl"), []);
        });

        it("names each input it lacks", () => {
            const r = runScript("store-registry-token.sh", { AUTH_FILE: "x" });
            assert.equal(r.status, 2);
            assert.match(r.stderr, /EXPIRES_FILE is required/);
        });
    });
});

describe("resolve-tools-image.sh (skopeo, docker-registry)", () => {
    let registry: Registry;
    let dir: string;
    before(async function () {
        this.timeout(60_000);
        requireTool("skopeo");
        registry = await startRegistry();
    });
    after(() => registry?.stop());
    beforeEach(() => {
        dir = tempDir("tools");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const resolve = (image: string, extra: Record<string, string> = {}) =>
        runScript("resolve-tools-image.sh", {
            ...extra,
            IMAGE: image,
            SITE_HOST: registry.host,
            TLS_VERIFY: "false",
            RESULT_IMAGE_URL: path.join(dir, "url"),
            RESULT_IMAGE_DIGEST: path.join(dir, "digest"),
        });

    it("resolves the tag the nightlies build to the digest the registry holds, building nothing", function () {
        this.timeout(60_000);
        const ref = `${registry.host}/okd/components:${toolsImageTag()}`;
        const digest = pushTinyImage(ref, "tools");
        const r = resolve(ref);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.readFileSync(path.join(dir, "url"), "utf8"), ref);
        assert.equal(fs.readFileSync(path.join(dir, "digest"), "utf8"), digest);
    });

    it("fails, saying to run a nightly, when no nightly built this Containerfile yet", () => {
        const r = resolve(`${registry.host}/okd/components:pipeline-tools-0000000000000000`);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /run the stream's nightly first/);
        assert.equal(fs.existsSync(path.join(dir, "digest")), false);
    });

    it("runs the newest tools image a nightly built, with a warning, when this Containerfile's is not built yet", function () {
        this.timeout(60_000);
        const latest = `${registry.host}/okd/release:pipeline-tools-latest`;
        const missing = `${registry.host}/okd/release:pipeline-tools-1111111111111111`;
        // No nightly built any tools image yet: nothing to fall back to.
        const none = resolve(missing, { FALLBACK_IMAGE: latest });
        assert.equal(none.status, 1);
        assert.match(
            none.stderr,
            /neither .* nor .*pipeline-tools-latest exists: no nightly has built a tools image yet/,
        );
        const digest = pushTinyImage(latest, "an older Containerfile's tools");
        const r = resolve(missing, { FALLBACK_IMAGE: latest });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /WARNING: no nightly has built the tools image of this Containerfile yet/);
        assert.equal(fs.readFileSync(path.join(dir, "url"), "utf8"), latest);
        assert.equal(fs.readFileSync(path.join(dir, "digest"), "utf8"), digest);
        // Only a tag the registry does not know falls back: an unreachable registry fails.
        const down = resolve("127.0.0.1:1/okd/release:pipeline-tools-1111111111111111", {
            FALLBACK_IMAGE: "127.0.0.1:1/okd/release:pipeline-tools-latest",
        });
        assert.equal(down.status, 1);
        assert.match(down.stderr, /run the stream's nightly first/);
        assert.doesNotMatch(down.stderr, /WARNING/);
    });

    it("passes a prebuilt image by digest on without its digest in the URL", function () {
        this.timeout(60_000);
        const ref = `${registry.host}/prebuilt/tools:1`;
        const digest = pushTinyImage(ref, "prebuilt");
        const r = resolve(`${registry.host}/prebuilt/tools@${digest}`);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.readFileSync(path.join(dir, "url"), "utf8"), `${registry.host}/prebuilt/tools`);
        assert.equal(fs.readFileSync(path.join(dir, "digest"), "utf8"), digest);
    });
});
