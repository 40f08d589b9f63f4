import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { calls, requireTool, runScript, stub, tempDir } from "./harness";

/**
 * oc, openshift-install and openshift-tests are not on this machine: recording stubs stand in, emulating only what
 * the scripts rely on (extract writes the installer; create ignition-configs writes metadata.json; create cluster
 * exits with the code a test scripts through $INSTALL_EXITS).
 */
describe("e2e gate scripts", () => {
    let dir: string;
    let bin: string;
    let state: string;
    let creds: string;

    /** The installer stub oc extracts: create cluster exits with the next code in $dir/exits, one per attempt. */
    const installerStub = (exits: number[]) => {
        fs.writeFileSync(path.join(dir, "exits"), exits.join("\n") + "\n");
        return `
case "$*" in
  *"create manifests"*) exit 0 ;;
  *"create ignition-configs"*) d="\${1#--dir=}"; printf '{"infraID":"okd-abc"}' >"$d/metadata.json" ;;
  *"create cluster"*)
    d="\${1#--dir=}"; echo "level=info attempt" >"$d/.openshift_install.log"
    code="$(head -n1 ${dir}/exits)"; sed -i 1d ${dir}/exits; exit "$code" ;;
  *"destroy cluster"*) d="\${1#--dir=}"; echo destroyed >"$d/.openshift_install.log" ;;
esac`;
    };

    const setup = (exits: number[], testsExit = 0) => {
        // oc extract "writes" an installer that is itself a recording stub.
        stub(bin, "openshift-install-real", installerStub(exits), [
            "OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE",
            "AWS_SHARED_CREDENTIALS_FILE",
        ]);
        stub(
            bin,
            "oc",
            `for a in "$@"; do case "$a" in --to=*) to="\${a#--to=}" ;; esac; done
mkdir -p "$to"; printf '#!/usr/bin/env bash\\nexec ${bin}/openshift-install-real "$@"\\n' >"$to/openshift-install"; chmod +x "$to/openshift-install"`,
        );
        stub(bin, "openshift-tests", `exit ${testsExit}`, ["KUBECONFIG"]);
    };

    const installEnv = () => ({
        GATE: "aws",
        RELEASE_IMAGE: "registry.example/okd/release@sha256:abc",
        BASE_DOMAIN: "ci.okd.example.org",
        REGION: "us-east-1",
        RUN_ID: "0123456789abcdef",
        STATE_DIR: state,
        PULL_SECRET_FILE: path.join(dir, "pull-secret.json"),
        CREDENTIALS_MODE: "secret",
        CREDENTIALS_ENV: "AWS_SHARED_CREDENTIALS_FILE",
        CREDENTIALS_SECRET: "okd-gate-aws",
        AWS_SHARED_CREDENTIALS_FILE: creds,
    });
    const installerCalls = () => calls(bin, "openshift-install-real").map((c) => c.args.slice(1).join(" "));

    before(() => requireTool("jq"));
    beforeEach(() => {
        dir = tempDir("e2e");
        bin = path.join(dir, "bin");
        state = path.join(dir, "ws", "aws");
        creds = path.join(dir, ".awscred");
        fs.writeFileSync(creds, "[default]\naws_access_key_id = x\n");
        fs.writeFileSync(path.join(dir, "pull-secret.json"), '{"auths":{"fake":{"auth":"aWQ6cGFzcwo="}}}');
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("installs from the payload's own installer with its release image and the minted pull secret", () => {
        setup([0]);
        const r = runScript("e2e-install.sh", installEnv(), bin);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(calls(bin, "oc")[0].args, [
            "adm",
            "release",
            "extract",
            `--registry-config=${path.join(dir, "pull-secret.json")}`,
            "--command=openshift-install",
            `--to=${state}/bin`,
            "registry.example/okd/release@sha256:abc",
        ]);
        assert.deepEqual(installerCalls(), ["create manifests", "create ignition-configs", "create cluster"]);
        const create = calls(bin, "openshift-install-real")[2];
        assert.equal(create.env.OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE, "registry.example/okd/release@sha256:abc");
        assert.equal(create.env.AWS_SHARED_CREDENTIALS_FILE, creds);
        assert.equal(fs.readFileSync(path.join(state, "install-outcome"), "utf8"), "passed");
    });

    it("writes an install config for the gate's platform with the pull secret", () => {
        // Keep the config: the stub's manifests step does not consume it.
        setup([0]);
        assert.equal(runScript("e2e-install.sh", installEnv(), bin).status, 0);
        const config = fs.readFileSync(path.join(state, "install.backup", "install-config.yaml"), "utf8");
        assert.match(config, /^baseDomain: ci\.okd\.example\.org$/m);
        assert.match(config, /^ {2}name: okd-01234567$/m);
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
        assert.equal(fs.readFileSync(path.join(state, "install-outcome"), "utf8"), "passed");
        assert.ok(fs.existsSync(path.join(state, "artifacts", "install-attempt-3.log")));
    });

    it("does not retry a non-infrastructure failure and records it as the gate's outcome", () => {
        setup([1]);
        const r = runScript("e2e-install.sh", installEnv(), bin);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(installerCalls(), ["create manifests", "create ignition-configs", "create cluster"]);
        assert.equal(fs.readFileSync(path.join(state, "install-outcome"), "utf8"), "failed");
    });

    it("fails the task with a clear message when the gate's credentials are missing", () => {
        setup([0]);
        fs.rmSync(creds);
        const r = runScript("e2e-install.sh", installEnv(), bin);
        assert.equal(r.status, 1);
        assert.match(
            r.stderr,
            /gate aws has no credentials: AWS_SHARED_CREDENTIALS_FILE points at '.*\.awscred', which is missing or empty; create the Secret okd-gate-aws/,
        );
        assert.deepEqual(calls(bin), []);
    });

    it("fails clearly when workload identity left no credentials in the pod", () => {
        setup([0]);
        const r = runScript("e2e-install.sh", { ...installEnv(), CREDENTIALS_MODE: "workload-identity" }, bin);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /gate aws has no credentials: no EKS Pod Identity or IRSA variables/);
    });

    it("runs the conformance suite from the tests image against the installed cluster", () => {
        setup([0], 0);
        assert.equal(runScript("e2e-install.sh", installEnv(), bin).status, 0);
        const outcome = path.join(dir, "outcome");
        const provider = '{"type":"aws","region":"us-east-1"}';
        const r = runScript("e2e-test.sh", { STATE_DIR: state, TEST_PROVIDER: provider, RESULT_OUTCOME: outcome }, bin);
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
        assert.equal(fs.readFileSync(outcome, "utf8"), "passed");
    });

    it("reports a failing suite as a failed gate", () => {
        setup([0], 1);
        assert.equal(runScript("e2e-install.sh", installEnv(), bin).status, 0);
        const outcome = path.join(dir, "outcome");
        const r = runScript("e2e-test.sh", { STATE_DIR: state, TEST_PROVIDER: "{}", RESULT_OUTCOME: outcome }, bin);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.readFileSync(outcome, "utf8"), "failed");
    });

    it("fails the gate without running tests when the install failed", () => {
        setup([1]);
        assert.equal(runScript("e2e-install.sh", installEnv(), bin).status, 0);
        const outcome = path.join(dir, "outcome");
        const r = runScript("e2e-test.sh", { STATE_DIR: state, TEST_PROVIDER: "{}", RESULT_OUTCOME: outcome }, bin);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.readFileSync(outcome, "utf8"), "failed");
        assert.deepEqual(calls(bin, "openshift-tests"), []);
    });

    it("still destroys the cluster after a failed install", () => {
        setup([1]);
        assert.equal(runScript("e2e-install.sh", installEnv(), bin).status, 0);
        const r = runScript("e2e-destroy.sh", { ...installEnv() }, bin);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(installerCalls().slice(-1), ["destroy cluster"]);
        const destroy = calls(bin, "openshift-install-real").slice(-1)[0];
        assert.deepEqual(destroy.args, [`--dir=${state}/install`, "destroy", "cluster"]);
        assert.equal(destroy.env.AWS_SHARED_CREDENTIALS_FILE, creds);
        assert.match(r.stdout, /destroyed okd-abc/);
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
});
