/**
 * src/config/consumer-checks.ts `consumerIssues` on its own: each cloud's tag limits at their exact bounds, GCP label
 * folding notices, and the forms of the secrets the stack sets (what openshift-install, podman and cosign read).
 * test/config/bad-input.test.ts covers the same rules through loadConfig, one row per rule.
 */
import * as assert from "node:assert/strict";

import { type ConsumerContext, consumerIssues } from "../../src/config/consumer-checks";
import type { ParsedConfig } from "../../src/config/schema";

const ctx = (secrets: Record<string, string> = {}): ConsumerContext => ({
    explicit: new Set(),
    secretSet: (k) => k in secrets,
    secretValue: (k) => secrets[k],
});
const config = (c: Record<string, unknown>) => c as Partial<ParsedConfig>;
const issues = (c: Record<string, unknown>, secrets: Record<string, string> = {}) =>
    consumerIssues(config(c), ctx(secrets)).issues.map((i) => `${i.path.join(".")}: ${i.message}`);
const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "v"]));

describe("consumer checks", () => {
    describe("tags at each cloud's limits", () => {
        it("allows AWS and Azure 47 tags, not 48; GCP 61 labels, not 62", () => {
            assert.deepEqual(issues({ platform: "aws", tags: tags(47) }), []);
            assert.deepEqual(issues({ platform: "aws", tags: tags(48) }), [
                "tags: has 48 tags; AWS allows 50 per resource, 3 of them okd-ci's: expected at most 47",
            ]);
            assert.deepEqual(issues({ platform: "azure", tags: tags(47) }), []);
            assert.deepEqual(issues({ platform: "azure", tags: tags(48) }), [
                "tags: has 48 tags; Azure allows 50 per resource, 3 of them okd-ci's: expected at most 47",
            ]);
            assert.deepEqual(issues({ platform: "gcp", tags: tags(61) }), []);
            assert.deepEqual(issues({ platform: "gcp", tags: tags(62) }), [
                "tags: has 62 tags; GCP allows 64 labels per resource, 3 of them okd-ci's: expected at most 61",
            ]);
            assert.deepEqual(issues({ platform: "local", tags: tags(62) }), [], "no cloud, no tag limit here");
        });

        it("allows 128-character keys and 256-character values, not one more", () => {
            const k128 = "k".repeat(128);
            const v256 = "v".repeat(256);
            for (const platform of ["aws", "azure"]) {
                assert.deepEqual(issues({ platform, tags: { [k128]: v256 } }), [], platform);
            }
            assert.deepEqual(issues({ platform: "aws", tags: { [`${k128}k`]: "v" } }), [
                `tags.${k128}k: is not an AWS tag key; expected 1-128 letters, digits, spaces or _ . : / = + - @, not starting with aws:`,
            ]);
            assert.deepEqual(issues({ platform: "aws", tags: { team: `${v256}v` } }), [
                "tags.team: is not an AWS tag value; expected up to 256 letters, digits, spaces or _ . : / = + - @",
            ]);
            assert.deepEqual(issues({ platform: "azure", tags: { [`${k128}k`]: "v" } }), [
                `tags.${k128}k: is not an Azure tag name; expected 1-128 characters without < > % & \\ ? /`,
            ]);
            assert.deepEqual(issues({ platform: "azure", tags: { team: `${v256}v` } }), [
                "tags.team: is longer than Azure's 256 characters for a tag value",
            ]);
            assert.deepEqual(issues({ platform: "aws", tags: { "AWS:x": "v" } }).length, 1, "aws: in any case");
        });

        it("notes each tag GCP applies under another label, and only those", () => {
            const notices = (t: Record<string, string>) =>
                consumerIssues(config({ platform: "gcp", tags: t }), ctx()).notices.map(
                    (n) => `${n.path.join(".")}: ${n.message}`,
                );
            assert.deepEqual(notices({ team: "okd", "cost-center": "ci_1" }), []);
            assert.deepEqual(notices({ team: "OKD" }), [
                "tags.team: applied as the GCP label team=okd (labels allow lower-case letters, digits, _ and -, up to 63)",
            ]);
            assert.deepEqual(notices({ "9lives": "x" }), [
                "tags.9lives: applied as the GCP label k9lives=x (labels allow lower-case letters, digits, _ and -, up to 63)",
            ]);
            const long = "a".repeat(70);
            assert.deepEqual(notices({ [`9${long}`]: long }), [
                `tags.9${long}: applied as the GCP label k9${"a".repeat(61)}=${"a".repeat(63)} (labels allow lower-case letters, digits, _ and -, up to 63)`,
            ]);
            assert.deepEqual(notices({ "team.name": "a b" }), [
                "tags.team.name: applied as the GCP label team_name=a_b (labels allow lower-case letters, digits, _ and -, up to 63)",
            ]);
        });
    });

    describe("the forms of the secrets the stack sets", () => {
        // The form only: the rules on whether the secret is used at all (a gate's credentials without the gate,
        // a Chains key on a cloud) are tested in bad-input.test.ts.
        const secretIssue = (key: string, value: string) =>
            issues({ platform: "aws" }, { [key]: value }).filter((m) => !m.includes(": does nothing"));

        it("takes a .dockerconfigjson with an auths object", () => {
            assert.deepEqual(secretIssue("mirrorCredentials", JSON.stringify({ auths: {} })), []);
            for (const bad of [
                "not json",
                "[]",
                "null",
                JSON.stringify({ auths: null }),
                JSON.stringify({ auths: "x" }),
            ]) {
                assert.deepEqual(
                    secretIssue("mirrorCredentials", bad),
                    [
                        'mirrorCredentials: is not a .dockerconfigjson document; expected JSON with an "auths" object (podman login --authfile auth.json quay.io writes one)',
                    ],
                    bad,
                );
            }
        });

        it("takes an AWS credentials file with a static key pair, and refuses a session token", () => {
            const file = "[default]\naws_access_key_id = AKIAEXAMPLE\n  aws_secret_access_key=secret\n";
            assert.deepEqual(secretIssue("gateCredentialsAws", file), []);
            const notCredentials =
                "gateCredentialsAws: is not an AWS credentials file; expected [default] with aws_access_key_id and aws_secret_access_key (the gate's IAM user key)";
            for (const bad of [
                "[default]\naws_access_key_id = A\n",
                "[default]\naws_secret_access_key = s\n",
                "[default]\n# aws_access_key_id = A\naws_secret_access_key = s\n",
                "[default]\naws_access_key_id = A\nx aws_secret_access_key = s\n",
                "[default]\naws_access_key_id A\naws_secret_access_key = s\n",
            ]) {
                assert.deepEqual(secretIssue("gateCredentialsAws", bad), [notCredentials], bad);
            }
            assert.deepEqual(secretIssue("gateCredentialsAws", `${file}aws_session_token = t\n`), [
                "gateCredentialsAws: holds aws_session_token: openshift-install accepts only static credentials outside Manual mode; expected the IAM user's access key without a session token",
            ]);
        });

        it("takes a GCP service account key and an Azure service principal with a secret or a certificate", () => {
            assert.deepEqual(
                secretIssue("gateCredentialsGcp", JSON.stringify({ type: "service_account", private_key: "k" })),
                [],
            );
            assert.deepEqual(secretIssue("gateCredentialsGcp", JSON.stringify({ type: "authorized_user" })), [
                'gateCredentialsGcp: is not a GCP service account key; expected the JSON file gcloud iam service-accounts keys create writes ("type": "service_account")',
            ]);
            const sp = { subscriptionId: "s", clientId: "c", tenantId: "t" };
            assert.deepEqual(secretIssue("gateCredentialsAzure", JSON.stringify({ ...sp, clientSecret: "x" })), []);
            assert.deepEqual(
                secretIssue("gateCredentialsAzure", JSON.stringify({ ...sp, clientCertificate: "p" })),
                [],
            );
            const notSp =
                "gateCredentialsAzure: is not an osServicePrincipal.json; expected JSON with subscriptionId, clientId, tenantId and clientSecret (or clientCertificate)";
            assert.deepEqual(secretIssue("gateCredentialsAzure", JSON.stringify(sp)), [notSp]);
            assert.deepEqual(
                secretIssue(
                    "gateCredentialsAzure",
                    JSON.stringify({ clientId: "c", tenantId: "t", clientSecret: "x" }),
                ),
                [notSp],
            );
            assert.deepEqual(secretIssue("gateCredentialsAzure", "nope"), [notSp]);
        });

        it("takes a PEM private key for Chains", () => {
            assert.deepEqual(
                secretIssue("chainsSigningKey", "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nx\n-----END ..."),
                [],
            );
            assert.deepEqual(secretIssue("chainsSigningKey", "ssh-ed25519 AAAA"), [
                "chainsSigningKey: is not a PEM private key; expected cosign.key as cosign generate-key-pair writes it",
            ]);
        });
    });
});
