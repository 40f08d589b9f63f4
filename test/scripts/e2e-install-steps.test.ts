/**
 * e2e-install.sh in two steps, as the nightly runs it: INSTALL_STEP=prepare in the gate's prepare task (installer,
 * install-config, manifests and ignition configs: metadata.json, no cloud resource), register-cluster.sh in between
 * (reaper.test.ts), INSTALL_STEP=create in the gate task. openshift-install is the rule-enforcing stub
 * (stubs/openshift-install.sh); oc a recording stub that "extracts" it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { calls, requireTool, runScript, stub, tempDir } from "./harness";

const installerStub = path.resolve(__dirname, "stubs", "openshift-install.sh");

describe("e2e-install.sh, prepare and create steps", () => {
    let dir: string;
    let bin: string;
    let state: string;

    before(() => requireTool("jq"));
    beforeEach(() => {
        dir = tempDir("e2e-steps");
        bin = path.join(dir, "bin");
        state = path.join(dir, "ws", "aws");
        fs.writeFileSync(path.join(dir, "exits"), "0\n");
        fs.writeFileSync(
            path.join(dir, "awscred"),
            "[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = c2VjcmV0\n",
        );
        fs.writeFileSync(path.join(dir, "pull-secret.json"), '{"auths":{"fake":{"auth":"aWQ6cGFzcwo="}}}');
        stub(bin, "openshift-install-real", `exec "${installerStub}" "$@"`);
        stub(
            bin,
            "oc",
            `for a in "$@"; do case "$a" in --to=*) to="\${a#--to=}" ;; esac; done
mkdir -p "$to"; printf '#!/usr/bin/env bash\\nexec ${bin}/openshift-install-real "$@"\\n' >"$to/openshift-install"; chmod +x "$to/openshift-install"`,
        );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const env = (step?: string): Record<string, string> => ({
        GATE: "aws",
        RELEASE_IMAGE: "registry.example/okd/release@sha256:abc",
        BASE_DOMAIN: "ci.okd.example.org",
        REGION: "us-east-1",
        RUN_ID: "0123456789abcdef",
        CLUSTER_PREFIX: "okd-e2e",
        STATE_DIR: state,
        PULL_SECRET_FILE: path.join(dir, "pull-secret.json"),
        CREDENTIALS_ENV: "AWS_SHARED_CREDENTIALS_FILE",
        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "awscred"),
        INSTALL_CREDENTIALS_MODE: "Mint",
        STUB_EXITS_FILE: path.join(dir, "exits"),
        ...(step !== undefined ? { INSTALL_STEP: step } : {}),
    });
    const installerCalls = () => calls(bin, "openshift-install-real").map((c) => c.args.slice(1).join(" "));
    const outcome = () => fs.readFileSync(path.join(state, "install-outcome"), "utf8");

    it("prepares (metadata.json, no create cluster), then creates from the prepared directory", () => {
        const prepared = runScript("e2e-install.sh", env("prepare"), bin);
        assert.equal(prepared.status, 0, prepared.stderr);
        assert.deepEqual(installerCalls(), ["create manifests", "create ignition-configs"]);
        const metadata = JSON.parse(fs.readFileSync(path.join(state, "install", "metadata.json"), "utf8"));
        assert.equal(metadata.clusterName, "okd-e2e-01234567");
        assert.match(prepared.stdout, new RegExp(`prepared .* \\(metadata.json: infraID ${metadata.infraID}\\)`));
        assert.equal(fs.existsSync(path.join(state, "install-outcome")), false, "no outcome yet");
        const created = runScript("e2e-install.sh", env("create"), bin);
        assert.equal(created.status, 0, created.stderr);
        assert.equal(calls(bin, "oc").length, 1, "the installer is extracted once, by prepare");
        assert.deepEqual(installerCalls(), ["create manifests", "create ignition-configs", "create cluster"]);
        assert.equal(outcome(), "passed");
    });

    it("without INSTALL_STEP runs both, as before", () => {
        const r = runScript("e2e-install.sh", env(), bin);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(installerCalls(), ["create manifests", "create ignition-configs", "create cluster"]);
        assert.equal(outcome(), "passed");
    });

    it("create after a failed prepare reports the prepare's outcome; create without prepare is a task failure", () => {
        stub(bin, "oc", "exit 1"); // the installer cannot be extracted
        assert.equal(runScript("e2e-install.sh", env("prepare"), bin).status, 0);
        assert.equal(outcome(), "failed");
        const created = runScript("e2e-install.sh", env("create"), bin);
        assert.equal(created.status, 0, created.stderr);
        assert.match(created.stdout, /the prepare step already ended the install: failed/);
        assert.deepEqual(installerCalls(), []);
        fs.rmSync(path.join(state, "install-outcome"));
        const orphan = runScript("e2e-install.sh", env("create"), bin);
        assert.equal(orphan.status, 1);
        assert.match(orphan.stderr, /no prepared installer directory .*run INSTALL_STEP=prepare first/);
        const bad = runScript("e2e-install.sh", env("half"), bin);
        assert.equal(bad.status, 1);
        assert.match(bad.stderr, /INSTALL_STEP must be prepare, create or all, not half/);
    });
});
