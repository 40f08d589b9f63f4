import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as YAML from "yaml";

import { readStackConfig } from "../../src/synth/stackfile";
import { secretValue } from "../helpers";
import { type SynthOutput, readTree, root, synthCli, synthInProcess } from "./run";

describe("offline synth", () => {
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-synth-test-"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    describe("the ci stack through the CLI", () => {
        let first: { code: number; stdout: string; stderr: string };
        before(async () => {
            first = await synthCli(["--stack", "ci", "--out", path.join(tmp, "a")]);
        });

        it("exits 0 and prints counts by type and the component tree", () => {
            assert.equal(first.code, 0, first.stderr);
            assert.match(first.stdout, /Resources by type:\n/);
            assert.match(first.stdout, /kubernetes:apps\/v1:Deployment\s+\d+/);
            assert.match(
                first.stdout,
                /Component tree:\nokd-ci-ci \(pulumi:pulumi:Stack\)\n {2}okd \(okd-ci:local:Site\)/,
            );
        });

        it("writes plan.json with the documented shape", () => {
            const plan = JSON.parse(fs.readFileSync(path.join(tmp, "a", "ci", "plan.json"), "utf8"));
            assert.equal(plan.project, "okd-ci");
            assert.equal(plan.stack, "ci");
            assert.ok(plan.resources.length > 5);
            for (const r of plan.resources) {
                assert.deepEqual(Object.keys(r).sort(), [
                    "dependencies",
                    "inputs",
                    "name",
                    "parent",
                    "protect",
                    "provider",
                    "retainOnDelete",
                    "type",
                    "urn",
                ]);
                assert.ok(Array.isArray(r.dependencies));
            }
        });

        it("writes every Kubernetes object as a YAML manifest", () => {
            const dir = path.join(tmp, "a", "ci", "manifests");
            const files = fs.readdirSync(dir);
            assert.ok(files.includes("deployment_okd-site_registry.yaml"), files.join(", "));
            const registry = YAML.parse(fs.readFileSync(path.join(dir, "deployment_okd-site_registry.yaml"), "utf8"));
            assert.equal(registry.kind, "Deployment");
            assert.equal(
                registry.spec.template.spec.containers[0].image,
                "docker.io/library/registry:3.0.0@sha256:6c5666b861f3505b116bb9aa9b25175e71210414bd010d92035ff64018f9457e",
            );
        });

        it("gives byte-identical files on a second run", async () => {
            const second = await synthCli(["--stack", "ci", "--out", path.join(tmp, "b")]);
            assert.equal(second.code, 0, second.stderr);
            const a = readTree(path.join(tmp, "a"));
            const b = readTree(path.join(tmp, "b"));
            assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
            for (const [file, content] of a) assert.equal(b.get(file), content, `${file} differs between runs`);
        });
    });

    describe("errors", () => {
        it("exits non-zero naming the known stacks for an unknown stack", async () => {
            const r = await synthCli(["--stack", "nope", "--out", path.join(tmp, "x")]);
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /unknown stack "nope".*known stacks: .*ci/);
        });

        it("exits non-zero listing every bad key of a broken stack, and writes nothing", async () => {
            const dir = path.join(tmp, "broken");
            fs.mkdirSync(dir);
            fs.writeFileSync(
                path.join(dir, "Pulumi.broken.yaml"),
                YAML.stringify({
                    config: {
                        "okd-ci:platform": "aws",
                        "okd-ci:region": "us-east1",
                        "okd-ci:buildMinNodes": 4,
                        "okd-ci:buildMaxNodes": 2,
                        "okd-ci:streams": [{ minor: "4.15", basePayload: "quay.io/openshift/okd:4.15.0" }],
                    },
                }),
            );
            const r = await synthCli(["--stack", "broken", "--config-dir", dir, "--out", path.join(tmp, "broken-out")]);
            assert.equal(r.code, 1);
            assert.match(r.stderr, /okd-ci:region = "us-east1": is not a region of aws/);
            assert.match(r.stderr, /okd-ci:buildMaxNodes = 2: is below buildMinNodes \(4\)/);
            assert.match(r.stderr, /okd-ci:streams\[0\]\.branch = \(not set\)/);
            assert.equal(fs.existsSync(path.join(tmp, "broken-out")), false);
        });

        it("names keys outside config: and keys in a namespace nothing reads", async () => {
            const dir = path.join(tmp, "stray");
            fs.mkdirSync(dir);
            fs.writeFileSync(
                path.join(dir, "Pulumi.stray.yaml"),
                YAML.stringify({ "okd-ci:platform": "local", config: { "okd-ci:kubeContext": "kind-okd-ci" } }),
            );
            assert.throws(
                () => readStackConfig(dir, "stray"),
                /top-level key "okd-ci:platform" is not read by Pulumi; stack keys go under "config:"/,
            );
            const base = readStackConfig(root, "ci");
            const { "okd-ci:platform": platform, ...rest } = base.config;
            await assert.rejects(
                synthInProcess("ci", { ...base, config: { ...rest, "okdci:platform": platform } }),
                (err: Error) =>
                    /okdci:platform = "local": is not in the okd-ci namespace.*did you mean okd-ci:platform\?/.test(
                        err.message,
                    ) && /okd-ci:platform = \(not set\)/.test(err.message),
            );
        });

        it("registers no resource when the configuration is broken", async () => {
            const base = readStackConfig(root, "ci");
            await assert.rejects(
                synthInProcess("ci", { ...base, config: { ...base.config, "okd-ci:platform": "openstack" } }),
                /okd-ci:platform = "openstack"/,
            );
        });
    });

    describe("secrets", () => {
        const sentinel = "okd-ci-sentinel-c2VjcmV0";
        let out: SynthOutput;
        before(async () => {
            const base = readStackConfig(root, "ci");
            // Plain-text secrets reach the program here, as after `pulumi config set --secret` with a passphrase.
            // No mirrorCredentials: the ci stack promotes no stream, so they would do nothing and are refused.
            const secretKeys = ["okd-ci:githubWebhookSecret", "okd-ci:chainsSigningKey"];
            const config = {
                ...base.config,
                ...Object.fromEntries(secretKeys.map((k) => [k, secretValue(k, `${sentinel}-${k}`)])),
            };
            out = await synthInProcess("ci", { config, secretKeys: [...base.secretKeys, ...secretKeys] });
        });

        it("never writes a secret value in the plan or the manifests", () => {
            const everything = JSON.stringify(out.plan) + out.manifests.map((m) => m.content).join("\n");
            assert.equal(everything.includes(sentinel), false);
        });

        it("shows encrypted stack values as [secret]", () => {
            const cfg = readStackConfig(path.join(root, "test", "fixtures"), "secure");
            assert.equal(cfg.config["okd-ci:githubWebhookSecret"], "[secret]");
            assert.deepEqual(cfg.secretKeys, ["okd-ci:githubWebhookSecret"]);
        });
    });

    describe("module loading", () => {
        it("loads no cloud SDK for the local site", async () => {
            const out = await synthInProcess("ci");
            assert.ok(out.packages.includes("@pulumi/kubernetes"), `control: ${out.packages.join(", ")}`);
            for (const sdk of ["@pulumi/aws", "@pulumi/gcp", "@pulumi/azure-native"]) {
                assert.equal(out.packages.includes(sdk), false, `${sdk} was loaded`);
            }
        });
    });
});
