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

    describe("an ACR token's password on azure (the build identity)", () => {
        /**
         * `az acr token credential generate` as azure-cli's acr module implements it
         * (Azure/azure-cli src/azure-cli/azure/cli/command_modules/acr/token.py `acr_token_credential_generate`): one password
         * slot when exactly one of --password1/--password2 is given (both otherwise), `--expiration` in
         * %Y-%m-%dT%H:%M:%SZ, and the Registries - Generate Credentials result, `{username, passwords: [{name, value,
         * expiry}]}`, filtered by `--query` with the JMESPath library az uses (knack). The slot not generated comes
         * back without a value, as ARM never returns a stored password.
         */
        const generate = `
if [ "$1" = login ]; then exit 0; fi
python3 - "$@" <<'PY'
import json, re, sys
import jmespath
args = sys.argv[1:]
assert args[:4] == ["acr", "token", "credential", "generate"], args
opts = {}
i = 4
while i < len(args):
    if args[i] in ("--password1", "--password2"):
        opts[args[i]] = True; i += 1
    else:
        opts[args[i]] = args[i + 1]; i += 2
for required in ("--registry", "--name", "--resource-group"):
    if required not in opts:
        sys.exit(f"the following arguments are required: {required}")
exp = opts.get("--expiration")
if exp is not None and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", exp):
    sys.exit(f"--expiration {exp}: expected %Y-%m-%dT%H:%M:%SZ")
one = [s for s in ("password1", "password2") if opts.get("--" + s)]
slots = one if len(one) == 1 else ["password1", "password2"]
result = {"username": opts["--name"], "passwords": [
    {"name": s, "expiry": exp, **({"value": "pw-" + s + "-SECRET"} if s in slots else {})}
    for s in ("password1", "password2")]}
out = jmespath.search(opts["--query"], result) if "--query" in opts else result
print(out if opts.get("--output") == "tsv" else json.dumps(out))
PY`;
        const federated = () => {
            const f = path.join(dir, "federated");
            fs.writeFileSync(f, "jwt");
            return f;
        };
        const mint = (extra: Record<string, string> = {}) =>
            runScript(
                "registry-auth.sh",
                {
                    PLATFORM: "azure",
                    REGISTRY_HOST: "okdreg.azurecr.io",
                    AZURE_CLIENT_ID: "cid",
                    AZURE_TENANT_ID: "tid",
                    AZURE_FEDERATED_TOKEN_FILE: federated(),
                    ACR_TOKEN_NAME: "okd-build-push",
                    ACR_RESOURCE_GROUP: "okd-rg",
                    ACR_TOKEN_SETTLE_SECONDS: "0",
                    AUTH_FILE: path.join(dir, "auth.json"),
                    EXPIRES_FILE: path.join(dir, "expires"),
                    ...extra,
                },
                bin,
            );
        before(() => {
            requireTool("python3");
        });
        beforeEach(() => stub(bin, "az", generate));

        it("generates one password slot of the build token, expiring in an hour, and pushes as the token", () => {
            const before = Math.floor(Date.now() / 1000);
            const r = mint();
            assert.equal(r.status, 0, r.stderr);
            const az = calls(bin, "az").map((c) => c.args);
            assert.equal(az.length, 2);
            assert.equal(az[0][0], "login");
            const [, , , , ...opts] = az[1];
            const slot = opts.find((o) => o === "--password1" || o === "--password2");
            assert.ok(slot, `one slot: ${opts.join(" ")}`);
            assert.equal(opts.filter((o) => /^--password[12]$/.test(o)).length, 1);
            const expiration = opts[opts.indexOf("--expiration") + 1];
            const expires = Number(fs.readFileSync(path.join(dir, "expires"), "utf8"));
            assert.equal(Date.parse(expiration) / 1000, expires);
            assert.ok(expires >= before + 3600 && expires <= before + 3610, `${expires - before}s`);
            // Never an Entra registry token: that would be AcrPush's, registry-wide.
            assert.ok(!az.some((a) => a[0] === "acr" && a[1] === "login"));
            assert.equal(decoded(auth()["okdreg.azurecr.io"]), `okd-build-push:pw-${slot?.slice(2)}-SECRET`);
            assert.ok(!r.stdout.includes("SECRET") && !r.stderr.includes("SECRET"));
        });

        it("alternates the slot by ten-minute window, so the password the builds hold stays valid", () => {
            // The slot follows the window of the minting time; two runs ten minutes apart use both.
            const slotAt = (epoch: number) => `password${(Math.floor(epoch / 600) % 2) + 1}`;
            const now = Math.floor(Date.now() / 1000);
            const r = mint();
            assert.equal(r.status, 0, r.stderr);
            const used = calls(bin, "az")[1].args.find((a) => /^--password[12]$/.test(a));
            // The run may straddle a window boundary: accept the window of either end.
            assert.ok([slotAt(now), slotAt(Math.floor(Date.now() / 1000))].includes(used?.slice(2) ?? ""), used);
            assert.notEqual(slotAt(now), slotAt(now + 600));
        });

        it("fails naming the variable when the token has no resource group", () => {
            const r = mint({ ACR_RESOURCE_GROUP: "" });
            assert.notEqual(r.status, 0);
            assert.match(r.stderr, /ACR_RESOURCE_GROUP is required with ACR_TOKEN_NAME/);
            assert.equal(fs.existsSync(path.join(dir, "auth.json")), false);
        });

        it("fails when ACR returns no password for the slot instead of writing an empty auth", () => {
            stub(bin, "az", "exit 0");
            const r = mint();
            assert.equal(r.status, 1);
            assert.match(r.stderr, /ACR returned no password[12] for token okd-build-push/);
            assert.equal(fs.existsSync(path.join(dir, "auth.json")), false);
        });
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
