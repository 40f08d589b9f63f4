/**
 * src/config/load.ts: the system type sized for the gates' coscheduled e2e pods (the upgrade gate's chain counted),
 * the local platform's empty defaults, and `missingSecrets`, which offline synth uses to preview a stack whose
 * required secrets are not set yet.
 */
import * as assert from "node:assert/strict";

import { ConfigError, loadConfig, missingSecrets } from "../../src/config/load";
import { mapSource } from "../helpers";

const stream = {
    minor: "4.15",
    branch: "release-4.15",
    basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
};
const aws = {
    platform: "aws",
    region: "us-east-1",
    adminPrincipals: ["arn:aws:iam::111122223333:role/okd-ci-deployer"],
};
const shared = { baseDomain: "ci.okd.example.org", region: "us-east-2", sharedWithSite: true };
const upgrading = [{ ...stream, upgradeGate: { gate: "aws" } }];

function systemTypeProblem(values: Record<string, unknown>): string {
    try {
        loadConfig(mapSource(values));
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        const p = err.problems.find((x) => x.key === "okd-ci:systemInstanceType");
        assert.ok(p !== undefined, err.message);
        return p.message;
    }
    assert.fail("expected a ConfigError");
}

describe("configuration: the system pool for the gates, and missing secrets", () => {
    it("counts the upgrade gate's chain, in the message too", () => {
        assert.equal(
            systemTypeProblem({ ...aws, systemInstanceType: "t3.medium", streams: upgrading, gates: { aws: shared } }),
            "has 2 vCPUs; with 1 gate(s) under okd-ci:gates and an upgrade gate (okd-ci:streams[].upgradeGate) the system pool needs at least 4 (2 gate chain(s) × 1 CPU, coscheduled on one system node with the e2e workspace, + 2 for the system pods); expected a type with 4 or more vCPUs, e.g. m6i.xlarge, or fewer gates",
        );
        assert.equal(
            systemTypeProblem({ ...aws, systemInstanceType: "m6i.large", gates: { aws: shared } }),
            "has 2 vCPUs; with 1 gate(s) under okd-ci:gates the system pool needs at least 3 (1 gate chain(s) × 1 CPU, coscheduled on one system node with the e2e workspace, + 2 for the system pods); expected a type with 3 or more vCPUs, e.g. m6i.xlarge, or fewer gates",
        );
    });

    it("keeps a stack's type that has exactly the vCPUs the gates need", () => {
        const c = loadConfig(
            mapSource({ ...aws, systemInstanceType: "m5.xlarge", streams: upgrading, gates: { aws: shared } }),
        );
        assert.equal(c.systemInstanceType, "m5.xlarge");
        assert.equal(
            loadConfig(mapSource({ ...aws, systemInstanceType: "c5.large", streams: [stream] })).systemInstanceType,
            "c5.large",
            "no gate, no minimum",
        );
    });

    it("gives the local platform no machine types and no Kubernetes version", () => {
        const c = loadConfig(mapSource({ platform: "local", kubeContext: "kind-okd-ci" }));
        assert.equal(c.systemInstanceType, "");
        assert.deepEqual(c.buildInstanceTypes, []);
        assert.equal(c.kubernetesVersion, "");
        assert.equal(c.systemNodes, 2);
    });

    it("lists the required secrets a stack does not set, reading only the keys that are valid", () => {
        const promoting = {
            ...aws,
            streams: [{ ...stream, promote: true }],
            mirrorReleaseRepository: "quay.io/okd/release",
            mirrorContentRepository: "quay.io/okd/content",
        };
        assert.deepEqual(
            missingSecrets(mapSource(promoting), "aws").map((r) => [r.key, r.because, r.command]),
            [
                [
                    "mirrorCredentials",
                    "streams[0] promotes",
                    "pulumi config set --secret mirrorCredentials --stack aws < auth.json",
                ],
            ],
        );
        assert.deepEqual(
            missingSecrets(mapSource({ ...promoting, mirrorCredentials: "x" }, ["mirrorCredentials"]), "aws"),
            [],
        );
        // A key that does not validate is left out (loadConfig reports it), the others still count.
        assert.deepEqual(
            missingSecrets(mapSource({ ...promoting, namePrefix: "NOT VALID" }), "aws").map((r) => r.key),
            ["mirrorCredentials"],
        );
        assert.deepEqual(
            missingSecrets(mapSource({ ...promoting, streams: "not json" }), "aws"),
            [],
            "without valid streams nothing promotes",
        );
        const foreignGate = { baseDomain: "ci.okd.example.org", region: "us-east-2" };
        assert.deepEqual(
            missingSecrets(mapSource({ ...aws, platform: "gcp", gates: { aws: foreignGate } }), "gcp").map(
                (r) => r.key,
            ),
            ["gateCredentialsAws"],
        );
        assert.deepEqual(
            missingSecrets(
                mapSource({ ...aws, platform: "gcp", gates: { aws: { ...foreignGate, baseDomain: 3 } } }),
                "gcp",
            ),
            [],
            "a gates value that does not validate asks for nothing",
        );
    });
});
