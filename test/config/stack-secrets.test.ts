/**
 * The shipped stack files preview as they are: no fake ciphertext for `pulumi preview` to fail decrypting, a
 * required secret that is unset stops the real program before any resource with the exact command that sets it, and
 * optional secrets are left to the program, which generates them.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

import { loadConfig } from "../../src/config/load";
import { configSource, listStacks, readStackConfig } from "../../src/synth/stackfile";
import { recorder, settled, useMocks } from "../helpers";
import { root, synthCli } from "../synth/run";

/** What each shipped stack needs set before `pulumi preview`: the exact problem lines the program prints. */
const required: Record<string, string[]> = {
    aws: [
        "okd-ci:gateCredentialsAws = (not set): is required because gates.aws.account (210987654321) is a separate account the stack does not manage; set the access key of the installer's IAM user created there as docs/platforms/aws.md shows (.awscred) with: pulumi config set --secret gateCredentialsAws --stack aws < .awscred",
        "okd-ci:mirrorCredentials = (not set): is required because streams[0] promotes; set a .dockerconfigjson with push access to the mirror repositories with: pulumi config set --secret mirrorCredentials --stack aws < auth.json",
    ],
    azure: [
        "okd-ci:gateCredentialsAzure = (not set): is required because gates.azure is set: openshift-install cannot authenticate to Azure with workload identity; set the service principal created as docs/platforms/azure.md shows (osServicePrincipal.json) with: pulumi config set --secret gateCredentialsAzure --stack azure < osServicePrincipal.json",
    ],
    ci: [],
    gcp: [],
};

function secureValues(value: unknown, at: string): string[] {
    if (value === null || typeof value !== "object") return [];
    if ("secure" in value) return [at];
    return Object.entries(value).flatMap(([k, v]) => secureValues(v, `${at}.${k}`));
}

describe("shipped stack files and secrets", () => {
    useMocks();

    afterEach(() => pulumi.runtime.setAllConfig({}, []));

    it("covers every shipped stack", () => {
        assert.deepEqual(listStacks(root), Object.keys(required).sort());
    });

    it("hold no secure: value, which no stack but the one that encrypted it could decrypt", () => {
        for (const stack of listStacks(root)) {
            const doc = YAML.parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as {
                config: unknown;
            };
            assert.deepEqual(secureValues(doc.config, "config"), [], `Pulumi.${stack}.yaml`);
        }
    });

    for (const [stack, lines] of Object.entries(required).filter(([, l]) => l.length > 0)) {
        it(`${stack}: the program stops before any resource with the command for each required secret`, async () => {
            await settled();
            const before = recorder().resources.length;
            const { config, secretKeys } = readStackConfig(root, stack);
            pulumi.runtime.setAllConfig(config, secretKeys);
            const { run } = await import("../../src/program");
            let message = "";
            await assert.rejects(run(), (err: Error) => {
                message = err.message;
                return err.name === "ConfigError";
            });
            // Under the test mocks the stack is named "stack"; loadConfig names the one being previewed.
            const here = lines.map((l) => l.replace(`--stack ${stack}`, `--stack ${pulumi.getStack()}`));
            assert.deepEqual(
                message
                    .split("\n")
                    .filter((l) => l.startsWith("  - "))
                    .map((l) => l.slice(4)),
                here,
            );
            await settled();
            assert.equal(recorder().resources.length, before, "no resource may be registered");
        });
    }

    for (const stack of Object.keys(required)) {
        it(`${stack}: validates once the printed commands have run, optional secrets left unset`, () => {
            const cfg = readStackConfig(root, stack);
            const setKeys = required[stack].map((l) => /^okd-ci:(\w+) /.exec(l)![0].trim());
            // Values of the form each consumer reads (their format is checked too).
            const values: Record<string, string> = {
                "okd-ci:mirrorCredentials": '{"auths":{"quay.io":{"auth":"eDp5"}}}',
                "okd-ci:gateCredentialsAws": "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n",
                "okd-ci:gateCredentialsAzure": JSON.stringify({
                    subscriptionId: "s",
                    clientId: "c",
                    tenantId: "t",
                    clientSecret: "x",
                }),
            };
            const config = { ...cfg.config, ...Object.fromEntries(setKeys.map((k) => [k, values[k]])) };
            const c = loadConfig(configSource({ config, secretKeys: [...cfg.secretKeys, ...setKeys] }), stack);
            assert.equal(c.secrets.githubWebhookSecret, undefined, "the webhook secret is generated when unset");
        });
    }

    it("synth previews a required secret as a placeholder and prints the command a real preview needs", async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-secrets-"));
        const r = await synthCli(["--stack", "aws", "--out", out]).finally(() =>
            fs.rmSync(out, { recursive: true, force: true }),
        );
        assert.equal(r.code, 0, r.stderr);
        assert.match(
            r.stdout,
            /Previewed with placeholders for 2 required secret\(s\) the stack does not set; pulumi preview stops until each is set:\n {2}pulumi config set --secret mirrorCredentials --stack aws < auth\.json {4}# mirrorCredentials: streams\[0\] promotes\n {2}pulumi config set --secret gateCredentialsAws --stack aws < \.awscred {4}# gateCredentialsAws: gates\.aws\.account \(210987654321\) is a separate account the stack does not manage\n/,
        );
    });
});
