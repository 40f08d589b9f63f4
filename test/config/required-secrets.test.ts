/**
 * src/config/required-secrets.ts on its own: which secrets and keys a configuration makes required, with the reason,
 * what the value is and the exact command, for one and several promoting streams and for gates on each cloud.
 */
import * as assert from "node:assert/strict";

import { requiredSecrets, requirementProblems, setSecretCommand } from "../../src/config/required-secrets";
import type { ParsedConfig, SecretKey } from "../../src/config/schema";

const streams = (...promote: boolean[]) => promote.map((p) => ({ promote: p })) as unknown as ParsedConfig["streams"];
const gates = (g: Record<string, object>) => g as unknown as ParsedConfig["gates"];

describe("required secrets", () => {
    it("needs mirror credentials when streams promote, naming each promoting stream", () => {
        assert.deepEqual(requiredSecrets({ streams: streams(false, true) }, "aws"), [
            {
                key: "mirrorCredentials",
                because: "streams[1] promotes",
                what: "a .dockerconfigjson with push access to the mirror repositories",
                command: "pulumi config set --secret mirrorCredentials --stack aws < auth.json",
            },
        ]);
        assert.deepEqual(
            requiredSecrets({ streams: streams(true, false, true) }, "aws").map((r) => r.because),
            ["streams[0], streams[2] promote"],
        );
        assert.deepEqual(requiredSecrets({ streams: streams(false) }, "aws"), []);
        assert.deepEqual(requiredSecrets({}, "aws"), []);
    });

    it("needs each foreign gate's credentials, an AWS gate's in a separate account, and an Azure gate's always", () => {
        const found = requiredSecrets({ platform: "gcp", gates: gates({ aws: {}, azure: {}, gcp: {} }) }, "gcp").map(
            (r) => [r.key, r.because, r.what, r.command],
        );
        assert.deepEqual(found, [
            [
                "gateCredentialsAws",
                "gates.aws runs on another cloud than the site (gcp)",
                "an AWS credentials file",
                "pulumi config set --secret gateCredentialsAws --stack gcp < .awscred",
            ],
            [
                "gateCredentialsAzure",
                "gates.azure runs on another cloud than the site (gcp)",
                "an Azure service principal (osServicePrincipal.json)",
                "pulumi config set --secret gateCredentialsAzure --stack gcp < osServicePrincipal.json",
            ],
        ]);
        assert.deepEqual(
            requiredSecrets({ platform: "aws", gates: gates({ gcp: {} }) }, "aws").map((r) => [r.key, r.what]),
            [["gateCredentialsGcp", "a GCP service account key (JSON)"]],
        );
        assert.deepEqual(
            requiredSecrets({ platform: "aws", gates: gates({ aws: { account: "123456789012" } }) }, "aws").map((r) => [
                r.key,
                r.because,
            ]),
            [
                [
                    "gateCredentialsAws",
                    "gates.aws.account (123456789012) is a separate account the stack does not manage",
                ],
            ],
        );
        assert.deepEqual(requiredSecrets({ platform: "aws", gates: gates({ aws: {} }) }, "aws"), []);
        assert.deepEqual(
            requiredSecrets({ platform: "azure", gates: gates({ azure: {} }) }, "azure").map((r) => r.because),
            ["gates.azure is set: openshift-install cannot authenticate to Azure with workload identity"],
        );
    });

    it("asks nothing for gates of a local site, of a configuration without a platform, or of a gate left unset", () => {
        assert.deepEqual(requiredSecrets({ platform: "local", gates: gates({ aws: {}, azure: {} }) }, "ci"), []);
        assert.deepEqual(requiredSecrets({ gates: gates({ aws: {}, azure: {} }) }, "ci"), []);
        assert.deepEqual(requiredSecrets({ platform: "gcp", gates: gates({ aws: undefined as never }) }, "gcp"), []);
    });

    it("reports the mirror repositories and secrets promotion needs, unless set", () => {
        const none = (_: SecretKey) => false;
        assert.deepEqual(requirementProblems({ streams: streams(true, true) }, none, "aws"), [
            {
                key: "okd-ci:mirrorReleaseRepository",
                value: "(not set)",
                message:
                    "is required because streams[0], streams[1] promote; expected a registry repository such as quay.io/<org>/okd",
            },
            {
                key: "okd-ci:mirrorContentRepository",
                value: "(not set)",
                message:
                    "is required because streams[0], streams[1] promote; expected a registry repository such as quay.io/<org>/okd",
            },
            {
                key: "okd-ci:mirrorCredentials",
                value: "(not set)",
                message: `is required because streams[0], streams[1] promote; set a .dockerconfigjson with push access to the mirror repositories with: ${setSecretCommand("mirrorCredentials", "aws")}`,
            },
        ]);
        assert.deepEqual(
            requirementProblems(
                { streams: streams(false, true), mirrorReleaseRepository: "quay.io/okd/r" } as Partial<ParsedConfig>,
                (k) => k === "mirrorCredentials",
                "aws",
            ).map((p) => p.message),
            ["is required because streams[1] promotes; expected a registry repository such as quay.io/<org>/okd"],
        );
    });

    it("asks for both object store keys when one is set", () => {
        assert.deepEqual(
            requirementProblems({}, (k) => k === "objectStoreAccessKey", "ci"),
            [
                {
                    key: "okd-ci:objectStoreSecretKey",
                    value: "(not set)",
                    message:
                        "is required when objectStoreAccessKey is set; set both with `pulumi config set --secret objectStoreSecretKey …`, or neither to have them generated",
                },
            ],
        );
        assert.deepEqual(
            requirementProblems({}, (k) => k === "objectStoreSecretKey", "ci").map((p) => p.key),
            ["okd-ci:objectStoreAccessKey"],
        );
        assert.deepEqual(
            requirementProblems({}, () => true, "ci"),
            [],
        );
    });
});
