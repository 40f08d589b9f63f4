import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { calls, requireTool, runScript, stub, tempDir } from "./harness";

describe("registry-auth.sh", () => {
    let dir: string;
    let bin: string;
    const token = "tok3n-SECRET-value";
    before(() => requireTool("jq"));
    beforeEach(() => {
        dir = tempDir("auth");
        bin = path.join(dir, "bin");
        stub(bin, "aws", `printf '%s' ${token}`, ["AWS_REGION"]);
        stub(bin, "gcloud", `printf '%s\\n' ${token}`);
        stub(bin, "az", `if [ "$2" = login ]; then printf '%s' ${token}; fi`);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const auth = () => JSON.parse(fs.readFileSync(path.join(dir, "auth.json"), "utf8")).auths;
    const decoded = (entry: { auth: string }) => Buffer.from(entry.auth, "base64").toString();

    it("mints an ECR token with the pod identity and never prints it", () => {
        const r = runScript(
            "registry-auth.sh",
            {
                PLATFORM: "aws",
                REGISTRY_HOST: "1.dkr.ecr.us-east-1.amazonaws.com",
                AWS_REGION: "us-east-1",
                AUTH_FILE: path.join(dir, "auth.json"),
            },
            bin,
        );
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(calls(bin, "aws"), [
            {
                tool: "aws",
                args: ["ecr", "get-login-password", "--region", "us-east-1"],
                env: { AWS_REGION: "us-east-1" },
            },
        ]);
        assert.equal(decoded(auth()["1.dkr.ecr.us-east-1.amazonaws.com"]), `AWS:${token}`);
        assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token));
        assert.equal(fs.statSync(path.join(dir, "auth.json")).mode & 0o077, 0);
    });

    it("uses a gcloud access token as oauth2accesstoken on gcp", () => {
        const r = runScript(
            "registry-auth.sh",
            { PLATFORM: "gcp", REGISTRY_HOST: "europe-west1-docker.pkg.dev", AUTH_FILE: path.join(dir, "auth.json") },
            bin,
        );
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(calls(bin, "gcloud")[0].args, ["auth", "print-access-token", "--quiet"]);
        assert.equal(decoded(auth()["europe-west1-docker.pkg.dev"]), `oauth2accesstoken:${token}`);
    });

    it("logs in with the federated token and asks ACR for a token on azure", () => {
        const federated = path.join(dir, "federated");
        fs.writeFileSync(federated, "jwt");
        const r = runScript(
            "registry-auth.sh",
            {
                PLATFORM: "azure",
                REGISTRY_HOST: "okdreg.azurecr.io",
                AZURE_CLIENT_ID: "cid",
                AZURE_TENANT_ID: "tid",
                AZURE_FEDERATED_TOKEN_FILE: federated,
                AUTH_FILE: path.join(dir, "auth.json"),
            },
            bin,
        );
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(
            calls(bin, "az").map((c) => c.args),
            [
                [
                    "login",
                    "--service-principal",
                    "--username",
                    "cid",
                    "--tenant",
                    "tid",
                    "--federated-token",
                    "jwt",
                    "--output",
                    "none",
                ],
                ["acr", "login", "--name", "okdreg", "--expose-token", "--output", "tsv", "--query", "accessToken"],
            ],
        );
    });

    it("fails naming the missing variable when the azure pod has no workload identity", () => {
        const r = runScript(
            "registry-auth.sh",
            { PLATFORM: "azure", REGISTRY_HOST: "okdreg.azurecr.io", AUTH_FILE: path.join(dir, "auth.json") },
            bin,
        );
        assert.equal(r.status, 1);
        assert.match(r.stderr, /AZURE_CLIENT_ID is not set; is the pod labelled azure.workload.identity\/use=true\?/);
    });

    it("writes OKD's placeholder auth and no registry entry for the anonymous local registry", () => {
        const r = runScript(
            "registry-auth.sh",
            {
                PLATFORM: "local",
                REGISTRY_HOST: "registry.okd-site.svc.cluster.local:5000",
                FAKE_PULL_AUTH: "true",
                AUTH_FILE: path.join(dir, "auth.json"),
            },
            bin,
        );
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(auth(), { fake: { auth: "aWQ6cGFzcwo=" } });
        assert.deepEqual(calls(bin), []);
    });
});
