import * as assert from "node:assert/strict";

import * as YAML from "yaml";

import { secretKeys } from "../../../src/config/schema";
import { readStackConfig } from "../../../src/synth/stackfile";
import { secretValue } from "../../helpers";
import { type SynthOutput, root, synthInProcess } from "../../synth/run";

describe("Tekton layer in the ci stack's synth", () => {
    const sentinel = "okd-ci-tekton-synth-sentinel";
    let out: SynthOutput;
    const manifest = (file: string): Record<string, unknown> => {
        const found = out.manifests.find((m) => m.file === file);
        assert.ok(found, `no ${file}; files: ${out.manifests.map((m) => m.file).join(", ")}`);
        return YAML.parse(found.content) as Record<string, unknown>;
    };

    before(async () => {
        const base = readStackConfig(root, "ci");
        // Every secret key set, as `pulumi config set --secret` would; the ci stack then also promotes.
        // Gate credentials are left out: the ci stack has no gate, so they would do nothing and are refused.
        const secrets = Object.fromEntries(
            secretKeys
                .filter((k) => !k.startsWith("gateCredentials"))
                .map((k) => [`okd-ci:${k}`, secretValue(k, `${sentinel}-${k}`)]),
        );
        const streams = (JSON.parse(base.config["okd-ci:streams"]) as object[]).map((s) => ({
            ...s,
            promote: true,
        }));
        out = await synthInProcess("ci", {
            config: {
                ...base.config,
                ...secrets,
                "okd-ci:streams": JSON.stringify(streams),
                "okd-ci:mirrorReleaseRepository": "quay.io/openshift/okd",
                "okd-ci:mirrorContentRepository": "quay.io/openshift/okd-content",
                // The public half of the given chainsSigningKey, which promotion verifies with.
                "okd-ci:chainsPublicKey": "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n",
            },
            secretKeys: [...base.secretKeys, ...Object.keys(secrets)],
        });
    });

    it("writes the two namespaces, their Secrets, listeners, templates and CronJobs as manifests", () => {
        for (const file of [
            "namespace_cluster_okd-builds.yaml",
            "namespace_cluster_okd-release.yaml",
            "secret_okd-release_okd-github-webhook.yaml",
            "secret_okd-release_okd-mirror-credentials.yaml",
            "secret_okd-builds_okd-artifacts-records.yaml",
            "secret_okd-release_okd-artifacts-promote.yaml",
            "secret_okd-builds_okd-registry-push.yaml",
            "eventlistener_okd-release_okd-github.yaml",
            "eventlistener_okd-release_okd-schedule.yaml",
            "triggertemplate_okd-release_okd-nightly-4-22.yaml",
            "triggertemplate_okd-release_okd-release-4-22.yaml",
            "cronjob_okd-release_okd-nightly-4-22.yaml",
            "cronjob_okd-release_okd-release-4-22.yaml",
            "cronjob_okd-release_okd-run-pruner-builds.yaml",
            "cronjob_okd-release_okd-run-pruner-release.yaml",
            "cronjob_okd-release_okd-registry-token.yaml",
            "validatingadmissionpolicy_cluster_okd-ci-listener-pipelineruns.yaml",
            "configmap_tekton-pipelines_feature-flags.yaml",
            "configmap_tekton-chains_chains-config.yaml",
            "secret_tekton-chains_signing-secrets.yaml",
        ]) {
            // The file is named kind_namespace_name (cluster for cluster-scoped objects): the object in it is that one.
            const [kind, namespace, name] = file.replace(/\.yaml$/, "").split("_");
            const doc = manifest(file) as { kind: string; metadata: { name: string; namespace?: string } };
            assert.equal(doc.kind.toLowerCase(), kind, file);
            assert.equal(doc.metadata.name, name, file);
            assert.equal(doc.metadata.namespace ?? "cluster", namespace, file);
        }
    });

    it("lists the Tekton releases by their pinned URLs", () => {
        const sources = (manifest("_remote-sources.yaml").remoteSources as { file: string }[]).map((s) => s.file);
        for (const c of ["pipeline/previous/v1.15.0", "triggers/previous/v0.37.0", "chains/previous/v0.29.1"]) {
            assert.ok(
                sources.some((f) => f.includes(c)),
                `${c} in ${sources.join(", ")}`,
            );
        }
    });

    it("shows the Secrets' values, the signing key and the webhook secret output only as [secret]", () => {
        const webhook = manifest("secret_okd-release_okd-github-webhook.yaml") as { stringData: unknown };
        assert.equal(webhook.stringData, "[secret]");
        const signing = manifest("secret_tekton-chains_signing-secrets.yaml") as { stringData: unknown };
        assert.equal(signing.stringData, "[secret]");
        assert.equal((out.plan.outputs as Record<string, unknown>).webhookSecret, "[secret]");
    });

    it("never writes a secret value anywhere", () => {
        const everything = JSON.stringify(out.plan) + out.manifests.map((m) => m.content).join("\n");
        assert.ok(everything.includes("okd-github-webhook"), "control: the Secrets are there");
        assert.equal(everything.includes(sentinel), false);
    });
});
