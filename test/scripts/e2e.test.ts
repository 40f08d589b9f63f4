import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import {
    installerActions,
    installerPermissionGroups,
    installerPolicies,
} from "../../components/aws/installer-permissions";
import { type Registry, calls, requireTool, runScript, startRegistry, stub, tempDir } from "./harness";
import { type Payload, buildPayload, okdPayloadSpec } from "./payload";

/**
 * openshift-install and openshift-tests cannot run here (no cloud). oc is the real one (built by
 * scripts/ensure-test-tools.sh), behind a recording wrapper: `oc adm release extract --command=openshift-install`
 * really extracts the installer from a payload this file builds with the real `oc adm release new` in a
 * docker-registry on 127.0.0.1. That payload's `installer` image holds, as /usr/bin/openshift-install (the file oc
 * extracts for linux on the payload's own architecture: openshift/oc pkg/cli/admin/release/extract_tools.go
 * @ae1bd9e4a75b, the target {OS linux, Arch targetReleaseArch, Mapping installer usr/bin/openshift-install}), a small
 * script that hands over to `stubs/openshift-install.sh`, which enforces the installer's credential rules
 * (credentialsMode per platform, static AWS credentials outside Manual mode, the default-mode permission check, GCP
 * key files, Azure service principals) and fails as the real installer does. The script carries oc's release image
 * and version markers, so it reports what oc pinned into it. openshift-tests is a recording stub.
 */
const installerStub = path.resolve(__dirname, "stubs", "openshift-install.sh");

/**
 * The markers oc overwrites in the installer it extracts with the payload's `repository@digest`, name and
 * architecture (`releaseImageMarker`, `releaseVersionMarker`, `releaseArchitectureMarker` in extract_tools.go; oc
 * searches for them with the leading `!` as NUL, and writes the value from the marker's first byte, NUL-terminated).
 */
const imageMarker = `\0_RELEASE_IMAGE_LOCATION_\0${"X".repeat(300)}\0`;
const versionMarker = `\0_RELEASE_VERSION_LOCATION_\0${"X".repeat(64)}\0`;
const architectureMarker = `\0_RELEASE_ARCHITECTURE_LOCATION_\0${"X".repeat(64)}\0`;

/**
 * /usr/bin/openshift-install of the test payload's installer image. It reads what oc wrote over its markers (bash
 * never parses past the `exec`), and execs the test's recording installer (OKD_CI_TEST_INSTALLER) with it in
 * STUB_EMBEDDED_RELEASE_IMAGE / _VERSION (empty when oc pinned nothing).
 */
const payloadInstaller = `#!/usr/bin/env bash
set -eu
embedded() { sed -n "/^# $1:$/{n;p;q}" "$0" | tr '\\0' '\\n' | sed -n 1p; }
STUB_EMBEDDED_RELEASE_IMAGE="$(embedded 'release image')"
STUB_EMBEDDED_RELEASE_VERSION="$(embedded 'release version')"
export STUB_EMBEDDED_RELEASE_IMAGE STUB_EMBEDDED_RELEASE_VERSION
exec "\${OKD_CI_TEST_INSTALLER:?the test names its recording installer}" "$@"
# release image:
${imageMarker}
# release version:
${versionMarker}
# release architecture:
${architectureMarker}
`;

type Cloud = "aws" | "gcp" | "azure";

/** A valid credentials file of each cloud's gate identity (fake values). */
const credentialFiles: Record<Cloud, { name: string; envVar: string; content: string }> = {
    aws: {
        name: ".awscred",
        envVar: "AWS_SHARED_CREDENTIALS_FILE",
        content: "[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = c2VjcmV0\n",
    },
    gcp: {
        name: "gce.json",
        envVar: "GOOGLE_CLOUD_KEYFILE_JSON",
        content: JSON.stringify({
            type: "service_account",
            project_id: "okd-e2e",
            private_key: "-----BEGIN PRIVATE KEY-----\nfake\n-----END PRIVATE KEY-----\n",
            client_email: "okd-e2e-installer@okd-e2e.iam.gserviceaccount.com",
        }),
    },
    azure: {
        name: "osServicePrincipal.json",
        envVar: "AZURE_AUTH_LOCATION",
        content: JSON.stringify({
            subscriptionId: "11111111-1111-1111-1111-111111111111",
            tenantId: "22222222-2222-2222-2222-222222222222",
            clientId: "33333333-3333-3333-3333-333333333333",
            clientSecret: "fake",
        }),
    },
};

const modes: Record<Cloud, string> = { aws: "Mint", gcp: "Passthrough", azure: "Passthrough" };

describe("e2e gate scripts", () => {
    let dir: string;
    let bin: string;
    let state: string;
    let consumed: string;
    let registry: Registry;
    let payload: Payload;
    /** The payload under test by digest, as the gate gets it. */
    let releaseImage: string;
    let realOc: string;
    let earlier: Payload;
    /** The earlier release by digest, as the upgrade gate gets it. */
    let earlierImage: string;

    before(async function () {
        this.timeout(120_000);
        requireTool("oc");
        requireTool("jq");
        realOc = execFileSync("sh", ["-c", "command -v oc"], { encoding: "utf8" }).trim();
        registry = await startRegistry();
        payload = buildPayload({
            ...okdPayloadSpec(registry.host),
            files: { installer: { "usr/bin/openshift-install": payloadInstaller } },
        });
        releaseImage = `${registry.host}/${payload.spec.releaseRepository}@${payload.digest}`;
        // The earlier release an upgrade gate installs: its own payload, with its own installer.
        earlier = buildPayload({
            ...okdPayloadSpec(registry.host),
            releaseRepository: "openshift/okd-promoted",
            contentRepository: "openshift/okd-promoted-content",
            name: "4.15.0-0.okd-2024-02-10-010116",
            files: { installer: { "usr/bin/openshift-install": payloadInstaller } },
        });
        earlierImage = `${registry.host}/openshift/okd-promoted@${earlier.digest}`;
    });
    after(async () => registry?.stop());

    const setup = (exits: number[], testsExit = 0) => {
        fs.writeFileSync(path.join(dir, "exits"), exits.map((e) => `${e}\n`).join(""));
        // The installer oc extracts from the payload hands over to this: a recording wrapper around the
        // rule-enforcing stub.
        stub(bin, "openshift-install-real", `exec "${installerStub}" "$@"`, [
            "OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE",
            "STUB_EMBEDDED_RELEASE_IMAGE",
            "STUB_EMBEDDED_RELEASE_VERSION",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "GOOGLE_CLOUD_KEYFILE_JSON",
            "AZURE_AUTH_LOCATION",
        ]);
        // The real oc, its calls recorded.
        stub(bin, "oc", `exec "${realOc}" "$@"`);
        stub(bin, "openshift-tests", `exit ${testsExit}`, ["KUBECONFIG"]);
    };

    const credsFile = (cloud: Cloud) => path.join(dir, "creds", credentialFiles[cloud].name);

    const installEnv = (cloud: Cloud = "aws"): Record<string, string> => ({
        GATE: cloud,
        RELEASE_IMAGE: releaseImage,
        // The test registry is plain HTTP on 127.0.0.1.
        TLS_VERIFY: "false",
        OKD_CI_TEST_INSTALLER: path.join(bin, "openshift-install-real"),
        BASE_DOMAIN: "ci.okd.example.org",
        REGION: cloud === "azure" ? "westeurope" : "us-east-1",
        RUN_ID: "0123456789abcdef",
        CLUSTER_PREFIX: "okd-e2e",
        STATE_DIR: state,
        PULL_SECRET_FILE: path.join(dir, "pull-secret.json"),
        CREDENTIALS_ENV: credentialFiles[cloud].envVar,
        CREDENTIALS_SECRET: `okd-gate-${cloud}`,
        CREDENTIALS_HOW_TO: `create the ${cloud} gate key`,
        [credentialFiles[cloud].envVar]: credsFile(cloud),
        INSTALL_CREDENTIALS_MODE: modes[cloud],
        ...(cloud === "gcp" ? { GCP_PROJECT: "okd-e2e" } : {}),
        ...(cloud === "azure" ? { AZURE_BASE_DOMAIN_RESOURCE_GROUP: "okd-e2e-dns" } : {}),
        STUB_EXITS_FILE: path.join(dir, "exits"),
        STUB_CONSUMED_CONFIG: consumed,
    });
    const installerCalls = () => calls(bin, "openshift-install-real").map((c) => c.args.slice(1).join(" "));
    const outcome = () => fs.readFileSync(path.join(state, "install-outcome"), "utf8");

    /** Runs the stub as the installer on an install-config, outside the script: how it judges a given setup. */
    const installer = (config: string, env: Record<string, string>, verb = "create manifests") => {
        const installDir = path.join(dir, "direct");
        fs.rmSync(installDir, { recursive: true, force: true });
        fs.mkdirSync(installDir, { recursive: true });
        fs.writeFileSync(path.join(installDir, "install-config.yaml"), config);
        const home = path.join(dir, "home");
        fs.mkdirSync(home, { recursive: true });
        const args = [installerStub, `--dir=${installDir}`, ...verb.split(" ")];
        if (verb === "create cluster") {
            // The real installer runs the earlier steps itself; the stub wants them spelled out.
            for (const step of ["create manifests", "create ignition-configs"]) {
                const r = spawnSync("bash", [installerStub, `--dir=${installDir}`, ...step.split(" ")], {
                    env: { PATH: process.env.PATH, HOME: home, ...env },
                    encoding: "utf8",
                });
                if (r.status !== 0) return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
            }
        }
        const r = spawnSync("bash", args, {
            env: { PATH: process.env.PATH, HOME: home, ...env, STUB_EXITS_FILE: path.join(dir, "exits") },
            encoding: "utf8",
        });
        return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    /** The install-config the script wrote before the gate set a credentials mode. */
    const configWithoutMode = (cloud: Cloud) =>
        `apiVersion: v1\nbaseDomain: ci.okd.example.org\nmetadata:\n  name: okd-01234567\nplatform:\n  ${cloud}:\n    region: us-east-1\npullSecret: '{}'\n`;

    beforeEach(() => {
        dir = tempDir("e2e");
        bin = path.join(dir, "bin");
        state = path.join(dir, "ws", "gate");
        consumed = path.join(dir, "consumed-install-config.yaml");
        fs.mkdirSync(path.join(dir, "creds"));
        for (const cloud of Object.keys(credentialFiles) as Cloud[]) {
            fs.writeFileSync(credsFile(cloud), credentialFiles[cloud].content);
        }
        fs.writeFileSync(path.join(dir, "pull-secret.json"), '{"auths":{"fake":{"auth":"aWQ6cGFzcwo="}}}');
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    describe("credentials the installer accepts", () => {
        for (const cloud of ["aws", "gcp", "azure"] as const) {
            it(`installs on ${cloud} with the gate identity's static credentials in ${modes[cloud]} mode`, () => {
                setup([0]);
                const r = runScript("e2e-install.sh", installEnv(cloud), bin);
                assert.equal(r.status, 0, r.stderr);
                assert.equal(outcome(), "passed", r.stderr);
                const config = fs.readFileSync(consumed, "utf8");
                assert.match(config, new RegExp(`^credentialsMode: ${modes[cloud]}$`, "m"));
                const create = calls(bin, "openshift-install-real")[2];
                assert.equal(create.env[credentialFiles[cloud].envVar], credsFile(cloud));
            });
        }

        it("drops the pod's other credentials so the installer can only use the gate's file", () => {
            setup([0]);
            const env = {
                ...installEnv("aws"),
                AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://169.254.170.23/v1/credentials",
            };
            assert.equal(runScript("e2e-install.sh", env, bin).status, 0);
            assert.ok(
                calls(bin, "openshift-install-real").every((c) => c.env.AWS_CONTAINER_CREDENTIALS_FULL_URI === ""),
            );
            assert.equal(outcome(), "passed");
        });

        it("fails the task, saying how to create them, when the gate's credentials are missing", () => {
            setup([0]);
            fs.rmSync(credsFile("aws"));
            const r = runScript("e2e-install.sh", installEnv("aws"), bin);
            assert.equal(r.status, 1);
            assert.match(
                r.stderr,
                /gate aws has no credentials: AWS_SHARED_CREDENTIALS_FILE points at '.*\.awscred', which is missing or empty; the Secret okd-gate-aws in the pipeline namespace holds them: create the aws gate key/,
            );
            assert.deepEqual(calls(bin), []);
        });

        it("refuses AWS session credentials before extracting anything", () => {
            setup([0]);
            fs.appendFileSync(credsFile("aws"), "aws_session_token = dG9rZW4=\n");
            const r = runScript("e2e-install.sh", installEnv("aws"), bin);
            assert.equal(r.status, 1);
            assert.match(r.stderr, /holds session credentials; openshift-install accepts them only in Manual mode/);
            assert.deepEqual(calls(bin), []);
        });

        it("refuses a GCP credentials file that is not a service account key", () => {
            setup([0]);
            fs.writeFileSync(credsFile("gcp"), JSON.stringify({ type: "external_account" }));
            const r = runScript("e2e-install.sh", installEnv("gcp"), bin);
            assert.equal(r.status, 1);
            assert.match(r.stderr, /is not a service account key/);
        });

        it("names the cluster after the gate's prefix, to which the gate identity's IAM is scoped", () => {
            setup([0]);
            assert.equal(runScript("e2e-install.sh", installEnv("aws"), bin).status, 0);
            assert.match(fs.readFileSync(consumed, "utf8"), /^ {2}name: okd-e2e-01234567$/m);
            const metadata = JSON.parse(fs.readFileSync(path.join(state, "install", "metadata.json"), "utf8"));
            assert.ok(metadata.infraID.startsWith("okd-e2e-"), metadata.infraID);
        });
    });

    describe("the installer's rules that the old gates broke (the stub enforces them)", () => {
        it("AWS: EKS Pod Identity session credentials are not valid for the default credentials mode", () => {
            setup([0]);
            const r = installer(configWithoutMode("aws"), {
                AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://169.254.170.23/v1/credentials",
                AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/token",
            });
            assert.equal(r.status, 1);
            assert.match(
                r.stderr,
                /AWS credentials provided by CredentialsEndpointProvider are not valid for default credentials mode/,
            );
        });

        it("AWS: session credentials are not valid for Mint mode either, only for Manual", () => {
            setup([0]);
            const env = { AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://169.254.170.23/v1/credentials" };
            const mint = installer(
                configWithoutMode("aws").replace("metadata:", "credentialsMode: Mint\nmetadata:"),
                env,
            );
            assert.match(mint.stderr, /are not valid for Mint credentials mode/);
            const manual = installer(
                configWithoutMode("aws").replace("metadata:", "credentialsMode: Manual\nmetadata:"),
                env,
            );
            assert.equal(manual.status, 0, manual.stderr);
        });

        it("AWS: with no credentialsMode the pre-flight check cannot see the gate's name-scoped grants, so the mode is explicit", () => {
            setup([0]);
            const preflight = path.join(dir, "preflight");
            const mint = path.join(dir, "mint");
            const groups = Object.entries(installerPermissionGroups);
            fs.writeFileSync(
                preflight,
                groups
                    .filter(([g]) => g !== "permission-mint-creds")
                    .flatMap(([, a]) => a)
                    .join("\n"),
            );
            fs.writeFileSync(mint, installerPermissionGroups["permission-mint-creds"].join("\n"));
            const policies = installerPolicies({ region: "us-east-1", partition: "aws", clusterPrefix: "okd-e2e" });
            const env = {
                AWS_SHARED_CREDENTIALS_FILE: credsFile("aws"),
                STUB_AWS_IAM_POLICY: JSON.stringify([policies.regional, policies.global]),
                STUB_AWS_PREFLIGHT_ACTIONS: preflight,
                STUB_AWS_MINT_ACTIONS: mint,
            };
            const unset = installer(configWithoutMode("aws"), env);
            assert.equal(unset.status, 1);
            assert.match(unset.stderr, /current credentials insufficient for performing cluster installation/);
            assert.match(unset.stderr, /iam:CreateRole/);
            const explicit = installer(
                configWithoutMode("aws").replace("metadata:", "credentialsMode: Mint\nmetadata:"),
                env,
            );
            assert.equal(explicit.status, 0, explicit.stderr);
        });

        it("AWS: the pre-flight check passes when everything is granted on *, so the stub's simulation is not a blanket no", () => {
            setup([0]);
            const all = path.join(dir, "all");
            fs.writeFileSync(all, installerActions().join("\n"));
            const r = installer(configWithoutMode("aws"), {
                AWS_SHARED_CREDENTIALS_FILE: credsFile("aws"),
                STUB_AWS_IAM_POLICY: JSON.stringify([
                    { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
                ]),
                STUB_AWS_PREFLIGHT_ACTIONS: all,
                STUB_AWS_MINT_ACTIONS: all,
            });
            assert.equal(r.status, 0, r.stderr);
        });

        it("GCP: Workload Identity (metadata-server) credentials leave the cluster without credentials outside Manual mode", () => {
            setup([0]);
            const r = installer(configWithoutMode("gcp"), {}, "create cluster");
            assert.equal(r.status, 1);
            assert.match(r.stderr, /no key JSON to write into kube-system\/gcp-credentials/);
        });

        it("Azure: there is no Mint mode", () => {
            setup([0]);
            const r = installer(configWithoutMode("azure").replace("metadata:", "credentialsMode: Mint\nmetadata:"), {
                AZURE_AUTH_LOCATION: credsFile("azure"),
            });
            assert.equal(r.status, 1);
            assert.match(
                r.stderr,
                /credentialsMode: Unsupported value: "Mint": supported values: "Manual", "Passthrough"/,
            );
        });

        it("Azure: a missing service principal file cannot be asked for in a Task", () => {
            setup([0]);
            const r = installer(configWithoutMode("azure"), { AZURE_AUTH_LOCATION: path.join(dir, "none.json") });
            assert.equal(r.status, 1);
            assert.match(r.stderr, /not found, and no terminal to ask for a service principal/);
        });
    });

    it("installs with the installer oc extracts from the payload, pinned to it, and the minted pull secret", () => {
        setup([0]);
        const r = runScript("e2e-install.sh", installEnv(), bin);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(calls(bin, "oc")[0].args, [
            "adm",
            "release",
            "extract",
            "--insecure=true",
            `--registry-config=${path.join(dir, "pull-secret.json")}`,
            "--command=openshift-install",
            `--to=${state}/bin`,
            releaseImage,
        ]);
        assert.deepEqual(installerCalls(), ["create manifests", "create ignition-configs", "create cluster"]);
        const create = calls(bin, "openshift-install-real")[2];
        assert.equal(create.env.OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE, releaseImage);
        // oc found every marker it fills in.
        assert.doesNotMatch(r.stderr, /Unable to make all expected replacements/);
        // The installer printed the console password; the step log must not show it.
        assert.ok(!`${r.stdout}${r.stderr}`.includes("kubeadmin-stub-password"), r.stderr);
        // What oc wrote into the installer it extracted: this payload, by digest, and its name.
        assert.equal(create.env.STUB_EMBEDDED_RELEASE_IMAGE, releaseImage);
        assert.equal(create.env.STUB_EMBEDDED_RELEASE_VERSION, payload.spec.name);
        assert.equal(outcome(), "passed");
    });

    it("records a failed install when the payload has no installer image, as oc refuses to extract one", function () {
        this.timeout(120_000);
        setup([0]);
        const spec = okdPayloadSpec(registry.host);
        const bare = buildPayload({
            ...spec,
            releaseRepository: "openshift/okd-no-installer",
            operators: spec.operators.filter((o) => o !== "installer"),
        });
        const image = `${registry.host}/${bare.spec.releaseRepository}@${bare.digest}`;
        const r = runScript("e2e-install.sh", { ...installEnv(), RELEASE_IMAGE: image }, bin);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /the image "installer" containing the desired command is not available/);
        assert.match(r.stderr, /could not extract openshift-install from/);
        assert.equal(outcome(), "failed");
        assert.deepEqual(installerCalls(), []);
    });

    it("records a failed install when the release image is not in the registry", () => {
        setup([0]);
        const missing = `${registry.host}/${payload.spec.releaseRepository}@sha256:${"0".repeat(64)}`;
        const r = runScript("e2e-install.sh", { ...installEnv(), RELEASE_IMAGE: missing }, bin);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /manifest unknown/);
        assert.equal(outcome(), "failed");
        assert.deepEqual(installerCalls(), []);
    });

    it("cannot reach a registry without TLS unless told it is insecure (TLS_VERIFY=false)", () => {
        setup([0]);
        const r = runScript("e2e-install.sh", { ...installEnv(), TLS_VERIFY: "true" }, bin);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stderr, /server gave HTTP response to HTTPS client/);
        assert.equal(outcome(), "failed");
        assert.deepEqual(installerCalls(), []);
    });

    it("writes an install config for the gate's platform with the pull secret", () => {
        setup([0]);
        assert.equal(runScript("e2e-install.sh", installEnv(), bin).status, 0);
        const config = fs.readFileSync(consumed, "utf8");
        assert.match(config, /^baseDomain: ci\.okd\.example\.org$/m);
        assert.match(config, /^platform:\n {2}aws:\n {4}region: us-east-1$/m);
        assert.match(config, /^pullSecret: '\{"auths":\{"fake":\{"auth":"aWQ6cGFzcwo="\}\}\}'$/m);
    });

    it("retries only infrastructure failures, destroying between attempts", () => {
        setup([4, 4, 0]);
        const r = runScript("e2e-install.sh", installEnv(), bin);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(installerCalls(), [
            "create manifests",
            "create ignition-configs",
            "create cluster",
            "destroy cluster",
            "create cluster",
            "destroy cluster",
            "create cluster",
        ]);
        assert.equal(outcome(), "passed");
        assert.ok(fs.existsSync(path.join(state, "artifacts", "install-attempt-3.log")));
    });

    it("does not retry a non-infrastructure failure and records it as the gate's outcome", () => {
        setup([1]);
        const r = runScript("e2e-install.sh", installEnv(), bin);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(installerCalls(), ["create manifests", "create ignition-configs", "create cluster"]);
        assert.equal(outcome(), "failed");
    });

    it("runs the conformance suite from the tests image against the installed cluster", () => {
        setup([0], 0);
        assert.equal(runScript("e2e-install.sh", installEnv(), bin).status, 0);
        const result = path.join(dir, "outcome");
        const provider = '{"type":"aws","region":"us-east-1"}';
        const r = runScript("e2e-test.sh", { STATE_DIR: state, TEST_PROVIDER: provider, RESULT_OUTCOME: result }, bin);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(calls(bin, "openshift-tests"), [
            {
                tool: "openshift-tests",
                args: [
                    "run",
                    "openshift/conformance/parallel",
                    "--provider",
                    provider,
                    "-o",
                    `${state}/artifacts/e2e.log`,
                    "--junit-dir",
                    `${state}/artifacts/junit`,
                ],
                env: { KUBECONFIG: `${state}/install/auth/kubeconfig` },
            },
        ]);
        assert.equal(fs.readFileSync(result, "utf8"), "passed");
        // The same outcome in the e2e workspace, where the verdict (in finally) reads it.
        assert.equal(fs.readFileSync(path.join(state, "gate-outcome"), "utf8"), "passed");
        assert.equal(fs.readFileSync(path.join(state, "gate-reason"), "utf8"), "");
    });

    it("gives the suite the gcp gate's key as application default credentials, as OpenShift CI does", () => {
        setup([0], 0);
        assert.equal(runScript("e2e-install.sh", installEnv("gcp"), bin).status, 0);
        const result = path.join(dir, "outcome");
        stub(bin, "openshift-tests", "exit 0", ["GOOGLE_APPLICATION_CREDENTIALS"]);
        const r = runScript(
            "e2e-test.sh",
            {
                STATE_DIR: state,
                TEST_PROVIDER: "{}",
                RESULT_OUTCOME: result,
                GOOGLE_CLOUD_KEYFILE_JSON: credsFile("gcp"),
            },
            bin,
        );
        assert.equal(r.status, 0, r.stderr);
        assert.equal(calls(bin, "openshift-tests")[0].env.GOOGLE_APPLICATION_CREDENTIALS, credsFile("gcp"));
    });

    it("reports a failing suite as a failed gate", () => {
        setup([0], 1);
        assert.equal(runScript("e2e-install.sh", installEnv(), bin).status, 0);
        const result = path.join(dir, "outcome");
        const r = runScript("e2e-test.sh", { STATE_DIR: state, TEST_PROVIDER: "{}", RESULT_OUTCOME: result }, bin);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.readFileSync(result, "utf8"), "failed");
        assert.equal(fs.readFileSync(path.join(state, "gate-outcome"), "utf8"), "failed");
        assert.match(fs.readFileSync(path.join(state, "gate-reason"), "utf8"), /openshift-tests exited 1/);
    });

    it("fails the gate without running tests when the install failed", () => {
        setup([1]);
        assert.equal(runScript("e2e-install.sh", installEnv(), bin).status, 0);
        const result = path.join(dir, "outcome");
        const r = runScript("e2e-test.sh", { STATE_DIR: state, TEST_PROVIDER: "{}", RESULT_OUTCOME: result }, bin);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.readFileSync(result, "utf8"), "failed");
        assert.deepEqual(calls(bin, "openshift-tests"), []);
    });

    it("still destroys the cluster after a failed install, with the gate's credentials", () => {
        setup([1]);
        assert.equal(runScript("e2e-install.sh", installEnv(), bin).status, 0);
        const r = runScript("e2e-destroy.sh", installEnv(), bin);
        assert.equal(r.status, 0, r.stderr);
        const destroy = calls(bin, "openshift-install-real").slice(-1)[0];
        assert.deepEqual(destroy.args, [`--dir=${state}/install`, "destroy", "cluster"]);
        assert.equal(destroy.env.AWS_SHARED_CREDENTIALS_FILE, credsFile("aws"));
        assert.match(r.stdout, /destroyed okd-e2e-01234567-abcde/);
    });

    it("cannot destroy without the gate's credentials, and says so", () => {
        setup([1]);
        assert.equal(runScript("e2e-install.sh", installEnv(), bin).status, 0);
        fs.rmSync(credsFile("aws"));
        const r = runScript("e2e-destroy.sh", installEnv(), bin);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /cannot destroy the cluster .*missing or empty; the Secret okd-gate-aws holds them/);
    });

    it("extracts the installer again to destroy when the gate's pod lost it", () => {
        setup([0]);
        assert.equal(runScript("e2e-install.sh", installEnv(), bin).status, 0);
        fs.rmSync(path.join(state, "bin"), { recursive: true });
        const r = runScript("e2e-destroy.sh", installEnv(), bin);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(calls(bin, "oc").length, 2);
        assert.deepEqual(installerCalls().slice(-1), ["destroy cluster"]);
    });

    it("has nothing to destroy when no cluster metadata was ever written", () => {
        setup([0]);
        const r = runScript("e2e-destroy.sh", { STATE_DIR: state }, bin);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /nothing to destroy/);
        assert.deepEqual(calls(bin), []);
    });
    describe("upgrade gate (e2e-install.sh from the earlier release, e2e-test.sh TEST_TYPE=upgrade)", () => {
        const testsStub = path.resolve(__dirname, "stubs", "openshift-tests.sh");
        const from = () => earlierImage;
        const to = "registry.example/okd/release@sha256:abc";
        const provider = '{"type":"aws","region":"us-east-1"}';
        /** The payload's openshift-tests: a recording wrapper around the rule-enforcing stub. */
        const tests = (exit = 0) =>
            stub(bin, "openshift-tests", `STUB_TESTS_EXIT=${exit} exec "${testsStub}" "$@"`, ["KUBECONFIG"]);
        const upgrade = (extra: Record<string, string> = {}) =>
            runScript(
                "e2e-test.sh",
                {
                    STATE_DIR: state,
                    TEST_TYPE: "upgrade",
                    TO_IMAGE: to,
                    UPGRADE_OPTIONS: "abort-at=random",
                    TEST_PROVIDER: provider,
                    RESULT_OUTCOME: path.join(dir, "outcome"),
                    RESULT_REASON: path.join(dir, "reason"),
                    ...extra,
                },
                bin,
            );
        const result = () => [
            fs.readFileSync(path.join(dir, "outcome"), "utf8"),
            fs.readFileSync(path.join(dir, "reason"), "utf8"),
        ];

        it("installs the earlier release with its own installer, then upgrades it to the payload with run-upgrade all", () => {
            setup([0]);
            tests(0);
            const install = runScript("e2e-install.sh", { ...installEnv(), RELEASE_IMAGE: from() }, bin);
            assert.equal(install.status, 0, install.stderr);
            assert.equal(calls(bin, "oc")[0].args.slice(-1)[0], from(), "the installer comes from the earlier release");
            const create = calls(bin, "openshift-install-real")[2];
            assert.equal(create.env.OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE, from());
            // What oc pinned into the installer it extracted: the earlier release, not the payload under test.
            assert.equal(create.env.STUB_EMBEDDED_RELEASE_IMAGE, from());
            assert.equal(create.env.STUB_EMBEDDED_RELEASE_VERSION, earlier.spec.name);
            const r = upgrade();
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(calls(bin, "openshift-tests"), [
                {
                    tool: "openshift-tests",
                    args: [
                        "run-upgrade",
                        "all",
                        "--to-image",
                        to,
                        "--options",
                        "abort-at=random",
                        "--provider",
                        provider,
                        "-o",
                        `${state}/artifacts/e2e.log`,
                        "--junit-dir",
                        `${state}/artifacts/junit`,
                    ],
                    env: { KUBECONFIG: `${state}/install/auth/kubeconfig` },
                },
            ]);
            assert.deepEqual(result(), ["passed", ""]);
        });

        it("reports a failed upgrade as a failed gate, saying so", () => {
            setup([0]);
            tests(1);
            assert.equal(runScript("e2e-install.sh", { ...installEnv(), RELEASE_IMAGE: from() }, bin).status, 0);
            assert.equal(upgrade().status, 0);
            assert.deepEqual(result(), ["failed", `openshift-tests exited 1 (the upgrade to ${to})`]);
        });

        it("is skipped, installing nothing, when there is no earlier release to upgrade from", () => {
            setup([0]);
            tests(0);
            const install = runScript(
                "e2e-install.sh",
                { ...installEnv(), RELEASE_IMAGE: "", SKIP_WITHOUT_RELEASE: "true" },
                bin,
            );
            assert.equal(install.status, 0, install.stderr);
            assert.equal(outcome(), "skipped");
            assert.equal(upgrade().status, 0);
            assert.deepEqual(result(), ["skipped", "no earlier release to upgrade from"]);
            assert.deepEqual(calls(bin), [], "no installer, no oc, no openshift-tests");
            // An install gate never skips: without a release it is a task failure, as before.
            const plain = runScript("e2e-install.sh", { ...installEnv(), RELEASE_IMAGE: "" }, bin);
            assert.equal(plain.status, 1);
            assert.match(plain.stderr, /RELEASE_IMAGE is required/);
        });

        it("runs no upgrade without its target, and the stub refuses what openshift-tests refuses", () => {
            setup([0]);
            tests(0);
            assert.equal(runScript("e2e-install.sh", { ...installEnv(), RELEASE_IMAGE: from() }, bin).status, 0);
            const r = upgrade({ TO_IMAGE: "" });
            assert.equal(r.status, 1);
            assert.match(r.stderr, /TO_IMAGE is required for an upgrade/);
            const kubeconfig = path.join(state, "install", "auth", "kubeconfig");
            const direct = (args: string[], env: Record<string, string> = { KUBECONFIG: kubeconfig }) =>
                spawnSync("bash", [testsStub, ...args], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" });
            const noTarget = direct(["run-upgrade", "all", "--provider", provider]);
            assert.equal(noTarget.status, 1);
            assert.match(noTarget.stderr, /--to-image must be specified to run an upgrade test/);
            assert.match(
                direct(["run-upgrade", "everything", "--to-image", to, "--provider", provider]).stderr,
                /suite "everything" does not exist/,
            );
            assert.match(
                direct(["run-upgrade", "all", "--to-image", to, "--provider", provider], {}).stderr,
                /unable to get admin rest config/,
            );
            assert.match(
                direct(["run-upgrade", "all", "--to-image", to, "--options", "random", "--provider", provider]).stderr,
                /upgrade options must be KEY=VALUE/,
            );
        });
    });
});
