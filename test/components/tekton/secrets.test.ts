/**
 * The Secrets the pipelines and the webhook interceptor read (components/tekton/secrets.ts): each Secret's name,
 * namespace, type and keys for each kind of site, that every value reaches it as the configured (secret) Output, and
 * that none is ever shown. Values are test markers (`marker`), never real credentials.
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";

import type { Site } from "../../../components/shared/site";
import { PipelineSecrets } from "../../../components/tekton/secrets";
import { sig } from "../../../src/synth/recorder";
import { find, recorder, settled, under, useMocks, valueOf } from "../../helpers";
import { type Json, fakeSite, sentinel, written } from "./fixtures";

const secretType = "kubernetes:core/v1:Secret";
const passwordType = "random:index/randomPassword:RandomPassword";
const marker = (what: string) => `okd-ci-test-marker-${what}`;
const namespaces = { builds: "okd-builds", release: "okd-release" };

/** Every Secret of component `name`: `namespace/name type [keys]`. */
function shapes(name: string): string[] {
    return under(name, secretType)
        .map((r) => {
            const i = r.inputs as Json;
            return `${i.metadata.namespace}/${i.metadata.name} ${i.type} [${Object.keys(i.stringData).join(",")}]`;
        })
        .sort();
}
const data = (name: string): Record<string, string> => (find(secretType, name).inputs as Json).stringData;

describe("PipelineSecrets", () => {
    useMocks();
    const made: Record<string, PipelineSecrets> = {};
    const site = (platform: "aws" | "gcp" | "azure" | "local", name: string): Site => fakeSite(name, platform);

    before(async () => {
        made.aws = new PipelineSecrets("psa", {
            site: site("aws", "psa-site"),
            namespaces,
            mirrorCredentials: pulumi.secret(marker("mirror")),
            githubWebhookSecret: pulumi.secret(marker("webhook")),
        });
        made.local = new PipelineSecrets("psl", { site: site("local", "psl-site"), namespaces });
        // A gate whose identity's key the operator has not created yet: no Secret, the gate Task says how to.
        const gcp = site("gcp", "psg-site");
        made.gcp = new PipelineSecrets("psg", {
            site: {
                ...gcp,
                gates: gcp.gates.map((g) => ({ ...g, credentials: { ...g.credentials, value: undefined } })),
            },
            namespaces,
            githubWebhookSecret: pulumi.secret(marker("webhook")),
        });
        await settled();
    });

    it("puts the mirror credentials and the webhook secret in the release namespace, a gate's key in the build one", () => {
        assert.deepEqual(shapes("psa"), [
            "okd-builds/okd-gate-gcp Opaque [gce.json]",
            "okd-release/okd-github-webhook Opaque [secretToken]",
            "okd-release/okd-mirror-credentials kubernetes.io/dockerconfigjson [.dockerconfigjson]",
        ]);
        assert.deepEqual(data("psa-mirror"), { ".dockerconfigjson": marker("mirror") });
        assert.deepEqual(data("psa-webhook"), { secretToken: marker("webhook") });
        assert.deepEqual(data("psa-gate-gcp"), { "gce.json": sentinel("gateCredentialsGcp") });
        assert.equal(under("psa", passwordType).length, 0, "a configured webhook secret is used as it is");
    });

    it("gives each storage role its object-store keys beside its ServiceAccount where the site has static keys", () => {
        assert.deepEqual(shapes("psl"), [
            "okd-builds/okd-artifacts-records Opaque [AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY]",
            "okd-release/okd-artifacts-promote Opaque [AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY]",
            // The generated password's `result` is computed by its provider: the mocks give it none (next test).
            "okd-release/okd-github-webhook Opaque []",
        ]);
        for (const role of ["records", "promote"]) {
            assert.deepEqual(data(`psl-artifacts-${role}`), {
                AWS_ACCESS_KEY_ID: sentinel(`s3-${role}-access-key`),
                AWS_SECRET_ACCESS_KEY: sentinel(`s3-${role}-secret-key`),
            });
        }
    });

    it("generates a 40-character alphanumeric webhook secret, kept in state, when none is configured", () => {
        const password = find(passwordType, "psl-webhook-token");
        assert.deepEqual(password.inputs, { length: 40, special: false });
        assert.equal(password.parent, find("okd-ci:tekton:PipelineSecrets", "psl").urn);
        assert.deepEqual(find(secretType, "psl-webhook").dependencies, [password.urn]);
        assert.deepEqual(under("psl", passwordType).length, 1);
    });

    it("creates no Secret for a gate without credentials, nor mirror credentials when none are configured", () => {
        assert.deepEqual(shapes("psg"), ["okd-release/okd-github-webhook Opaque [secretToken]"]);
    });

    it("keeps every value secret: in the Secrets, in the webhookSecret output, and out of the written form", async () => {
        for (const name of ["aws", "local", "gcp"]) assert.equal(await pulumi.isSecret(made[name].webhookSecret), true);
        // The component's registered outputs, as the mock monitor keeps them (@pulumi/pulumi runtime/mocks.js
        // MockMonitor.registerResourceOutputs): the webhook secret, in its secret wire form.
        const monitor = settings.getMonitor() as unknown as {
            resources: Map<string, { state?: { toJavaScript(): Record<string, unknown> } }>;
        };
        for (const name of ["psa", "psl"]) {
            const state = monitor.resources.get(find("okd-ci:tekton:PipelineSecrets", name).urn)?.state?.toJavaScript();
            assert.deepEqual(Object.keys(state ?? {}), ["webhookSecret"], name);
            assert.equal((state?.webhookSecret as Json)[sig.key], sig.secret, name);
        }
        const secrets = recorder().resources.filter((r) => r.type === secretType);
        assert.equal(secrets.length, 3 + 3 + 1);
        for (const r of secrets) {
            // The wire form Pulumi encrypts in state: the whole stringData a secret (@pulumi/pulumi runtime/rpc).
            assert.equal((r.object as Json).stringData[sig.key], sig.secret, r.name);
            assert.ok(!/okd-ci-test-(marker|sentinel)/.test(written(r)), `${r.name} shows a value`);
        }
    });

    it("creates each Secret with the site's provider, inside the component, and lists them all", async () => {
        for (const [name, site] of [
            ["psa", "psa-site"],
            ["psl", "psl-site"],
            ["psg", "psg-site"],
        ]) {
            const provider = find("pulumi:providers:kubernetes", `${site}-k8s`).urn;
            const parent = find("okd-ci:tekton:PipelineSecrets", name).urn;
            for (const r of under(name, secretType)) {
                assert.ok(r.provider.startsWith(`${provider}::`), r.name);
                assert.equal(r.parent, parent, r.name);
            }
        }
        // `secrets` lists exactly what was created, for `dependsOn`.
        const urns = await Promise.all(made.aws.secrets.map((x) => valueOf(x.urn)));
        assert.deepEqual(
            urns.sort(),
            under("psa", secretType)
                .map((r) => r.urn)
                .sort(),
        );
    });
});
