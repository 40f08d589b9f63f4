import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import type { LocalSite } from "../../../components/local";
import { sig } from "../../../src/synth/recorder";
import { find, settled, under, useMocks, valueOf } from "../../helpers";

describe("local site", () => {
    useMocks();

    let site: LocalSite;
    before(async () => {
        const { LocalSite } = await import("../../../components/local");
        site = new LocalSite("loc", { context: "kind-okd-ci", storageClass: "standard" });
        await settled();
    });

    it("creates no cloud resource", () => {
        const types = new Set(under("loc").map((r) => r.type.split(":")[0]));
        assert.deepEqual([...types].sort(), ["kubernetes", "okd-ci", "pulumi", "random"]);
    });

    it("targets the configured kubeconfig context with a stable cluster identifier", () => {
        const provider = find("pulumi:providers:kubernetes", "loc-k8s");
        assert.equal(provider.inputs.context, "kind-okd-ci");
        assert.equal(provider.inputs.clusterIdentifier, "okd-ci-local-kind-okd-ci");
    });

    it("runs a pinned OCI registry as non-root under the restricted Pod Security profile", () => {
        const ns = find("kubernetes:core/v1:Namespace", "loc-ns").inputs as {
            metadata: { labels: Record<string, string> };
        };
        assert.equal(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const dep = find("kubernetes:apps/v1:Deployment", "loc-registry").inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
        const container = dep.spec.template.spec.containers[0];
        assert.match(container.image, /^docker\.io\/library\/registry:\d+\.\d+\.\d+@sha256:[a-f0-9]{64}$/);
        assert.equal(container.securityContext.runAsNonRoot, true);
        assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
    });

    it("runs a pinned S3-compatible object store whose keys are generated, never written", () => {
        const dep = find("kubernetes:apps/v1:Deployment", "loc-objects").inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
        assert.match(
            dep.spec.template.spec.containers[0].image,
            /^docker\.io\/chrislusf\/seaweedfs:\d+\.\d+@sha256:[a-f0-9]{64}$/,
        );
        // Keys as long as S3's own (20-character access key id, 40-character secret), of characters every client
        // accepts in a header and a URL.
        assert.deepEqual(
            ["loc-s3-access-key", "loc-s3-secret-key"].map((n) => {
                const { length, special } = find("random:index/randomPassword:RandomPassword", n).inputs;
                return { length, special };
            }),
            [
                { length: 20, special: false },
                { length: 40, special: false },
            ],
        );
        const config = find("kubernetes:core/v1:Secret", "loc-objects-config");
        assert.equal(
            JSON.stringify(config.object).includes("1b47061264138c4ac30d75fd1eb44270"),
            true,
            "s3.json is sent as a secret",
        );
    });

    it("uses configured object store keys as secrets instead of generating them", async () => {
        const { LocalSite } = await import("../../../components/local");
        const configured = new LocalSite("lok", {
            objectStoreCredentials: { accessKeyId: "AKIAEXAMPLEEXAMPLE01", secretAccessKey: "s".repeat(40) },
        });
        await settled();
        assert.equal(under("lok", "random:index/randomPassword:RandomPassword").length, 0);
        const client = find("kubernetes:core/v1:Secret", "lok-objects-client");
        assert.equal((client.inputs as any).stringData.AWS_ACCESS_KEY_ID, "AKIAEXAMPLEEXAMPLE01"); // eslint-disable-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
        assert.ok(JSON.stringify(client.object).includes(sig.secret), "the configured keys are sent as secrets");
        // The pipelines get a pair per storage role derived from the configured root (never the root itself), secret.
        const { derivedKeys } = await import("../../../components/local/site");
        const keys = configured.artifacts.staticCredentials;
        assert.ok(keys);
        const expected = derivedKeys("s".repeat(40), "records");
        assert.equal(await valueOf(keys.records.accessKeyId), await valueOf(expected.accessKeyId));
        assert.equal(await valueOf(keys.records.secretAccessKey), await valueOf(expected.secretAccessKey));
        assert.notEqual(await valueOf(keys.records.accessKeyId), "AKIAEXAMPLEEXAMPLE01");
        assert.notEqual(await valueOf(keys.records.accessKeyId), await valueOf(keys.promote.accessKeyId));
        assert.equal(await pulumi.isSecret(keys.records.accessKeyId), true);
        assert.equal(await pulumi.isSecret(keys.promote.secretAccessKey), true);
    });

    it("publishes the registry on a fixed NodePort so the nodes can pull what the pipelines push", () => {
        const svc = find("kubernetes:core/v1:Service", "loc-registry").inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
        assert.equal(svc.spec.type, "NodePort");
        assert.deepEqual(svc.spec.ports[0], { name: "http", port: 5000, targetPort: 5000, nodePort: 30500 });
        const store = find("kubernetes:core/v1:Service", "loc-objects").inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
        assert.equal(store.spec.type, "ClusterIP");
    });

    it("uses the configured StorageClass and does not wait for first-consumer binding", () => {
        const pvc = find("kubernetes:core/v1:PersistentVolumeClaim", "loc-registry-data").inputs as any; // eslint-disable-line @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON
        assert.equal(pvc.spec.storageClassName, "standard");
        assert.equal(pvc.metadata.annotations["pulumi.com/skipAwait"], "true");
    });

    it("describes an insecure in-cluster registry and an S3 endpoint through the contract", async () => {
        assert.equal(site.registry.insecure, true);
        assert.equal(
            await valueOf(site.registry.repositories.promoted),
            "registry.okd-site.svc.cluster.local:5000/okd/promoted",
        );
        assert.equal(site.artifacts.kind, "s3");
        assert.equal(await valueOf(site.artifacts.endpoint), "http://objects.okd-site.svc.cluster.local:8333");
        // The pipelines get the object store's own keys: generated here (RandomPassword results, which the random
        // provider marks secret; the mock runtime does not apply additionalSecretOutputs), configured in the next test.
        const keys = site.artifacts.staticCredentials;
        assert.ok(keys, "the pipelines get the object store's keys");
        assert.equal(pulumi.Output.isInstance(keys.records.accessKeyId), true);
        assert.equal(pulumi.Output.isInstance(keys.promote.secretAccessKey), true);
    });

    it("makes the in-cluster layer wait for the registry, the object store and its bucket", () => {
        assert.equal(site.ready.length, 3);
    });
});
