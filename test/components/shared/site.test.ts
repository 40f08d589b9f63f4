import * as assert from "node:assert/strict";

import {
    buildPlacement,
    buildPoolLabel,
    buildPoolTaint,
    chainsControllerSubject,
    durableRoles,
    e2eServiceAccount,
    expiringRoles,
    identityGrants,
    identityPodLabel,
    identityRoles,
    identitySubjects,
    pipelineIdentitySubjects,
    pipelineNamespace,
    pipelineServiceAccount,
    prunedPrefixes,
    releaseNamespace,
    repositoryPaths,
    repositoryRoles,
    secretNames,
    serviceAccounts,
    storageRoles,
} from "../../../components/shared/site";

describe("the site contract", () => {
    describe("build placement", () => {
        it("selects the build pool's label and tolerates its NoSchedule taint", () => {
            assert.deepEqual(buildPoolLabel, { key: "okd-ci/pool", value: "builds" });
            assert.deepEqual(buildPoolTaint, { key: "okd-ci/pool", value: "builds", effect: "NoSchedule" });
            assert.deepEqual(buildPlacement(), {
                nodeSelector: { "okd-ci/pool": "builds" },
                tolerations: [{ key: "okd-ci/pool", operator: "Equal", value: "builds", effect: "NoSchedule" }],
            });
        });

        it("adds the taints the cloud puts on the pool by itself after its own (AKS spot)", () => {
            const spot = {
                key: "kubernetes.azure.com/scalesetpriority",
                operator: "Equal",
                value: "spot",
                effect: "NoSchedule",
            };
            assert.deepEqual(buildPlacement([spot]).tolerations, [
                { key: "okd-ci/pool", operator: "Equal", value: "builds", effect: "NoSchedule" },
                spot,
            ]);
            // Each call gives its own objects: a site that adds to its placement does not change another's.
            const a = buildPlacement();
            a.tolerations.push(spot);
            a.nodeSelector.extra = "x";
            assert.equal(buildPlacement().tolerations.length, 1);
            assert.deepEqual(buildPlacement().nodeSelector, { "okd-ci/pool": "builds" });
        });
    });

    describe("registry repositories", () => {
        it("splits the repositories into expiring and durable ones, every one in exactly one", () => {
            assert.deepEqual(repositoryRoles, [
                "release",
                "content",
                "machineOs",
                "components",
                "promoted",
                "promotedContent",
                "attestations",
            ]);
            assert.deepEqual(expiringRoles, ["release", "content", "machineOs", "components"]);
            // Promoted releases and the provenance of everything built here are never expired nor destroyed.
            assert.deepEqual(durableRoles, ["promoted", "promotedContent", "attestations"]);
            assert.deepEqual([...expiringRoles, ...durableRoles].sort(), [...repositoryRoles].sort());
        });

        it("puts each repository at its path under the registry", () => {
            assert.deepEqual(repositoryPaths, {
                release: "release",
                content: "content",
                machineOs: "machine-os",
                components: "components",
                promoted: "promoted",
                promotedContent: "promoted-content",
                attestations: "attestations",
            });
            const paths = Object.values(repositoryPaths);
            assert.equal(new Set(paths).size, paths.length, "two roles share a repository");
        });
    });

    describe("identities", () => {
        it("has one identity per role, two of which touch artifact storage with static keys on the local site", () => {
            assert.deepEqual(identityRoles, ["build", "records", "promote", "chains", "e2ePull"]);
            assert.deepEqual(storageRoles, ["records", "promote"]);
            for (const role of identityRoles) {
                const g = identityGrants[role];
                const touchesStorage = g.storage.read || g.storage.write.length > 0;
                assert.equal(touchesStorage, (storageRoles as readonly string[]).includes(role), role);
            }
        });

        it("grants each identity only what its role needs (docs/security.md, Identities)", () => {
            assert.deepEqual(identityGrants.build, {
                pull: ["components", "machineOs"],
                push: ["components", "machineOs"],
                storage: { read: false, write: [] },
            });
            assert.deepEqual(identityGrants.records, {
                pull: ["release", "content", "machineOs", "components"],
                push: ["release", "content"],
                storage: { read: true, write: ["releases/", "logs/", "status/", "clusters/"] },
            });
            assert.deepEqual(identityGrants.promote, {
                pull: repositoryRoles,
                push: ["promoted", "promotedContent"],
                storage: { read: true, write: ["promoted/", "notes/", "status/"] },
                signingKey: "verify",
            });
            assert.deepEqual(identityGrants.chains, {
                pull: repositoryRoles,
                push: ["attestations"],
                storage: { read: false, write: [] },
                signingKey: "sign",
            });
            assert.deepEqual(identityGrants.e2ePull, {
                pull: ["release", "content", "promoted", "promotedContent"],
                push: [],
                storage: { read: false, write: [] },
            });
        });

        it("lets only the promotion identity write promoted releases and the promoted state, and only Chains sign", () => {
            const writers = (pred: (role: (typeof identityRoles)[number]) => boolean) => identityRoles.filter(pred);
            assert.deepEqual(
                writers((r) => identityGrants[r].push.some((p) => p === "promoted" || p === "promotedContent")),
                ["promote"],
            );
            assert.deepEqual(
                writers((r) => identityGrants[r].storage.write.includes("promoted/")),
                ["promote"],
            );
            assert.deepEqual(
                writers((r) => identityGrants[r].push.includes("attestations")),
                ["chains"],
            );
            assert.deepEqual(
                writers((r) => identityGrants[r].signingKey === "sign"),
                ["chains"],
            );
            // Every identity pushes only where it may pull (a push is an overwrite of what it could read).
            for (const r of identityRoles) {
                for (const p of identityGrants[r].push) assert.ok(identityGrants[r].pull.includes(p), `${r} ${p}`);
            }
        });

        it("deletes only under the status site and the cluster registrations", () => {
            assert.deepEqual(prunedPrefixes, ["status/", "clusters/"]);
        });
    });

    describe("namespaces, ServiceAccounts and Secrets", () => {
        it("names the namespaces and ServiceAccounts the sites bind their identities to", () => {
            assert.equal(pipelineNamespace, "okd-builds");
            assert.equal(releaseNamespace, "okd-release");
            assert.deepEqual(serviceAccounts, {
                build: "okd-build",
                records: "okd-records",
                promote: "okd-promote",
                registryToken: "okd-registry-token",
                e2e: "okd-e2e",
            });
            assert.equal(e2eServiceAccount, "okd-e2e");
            // Nightly TaskRuns default to the ServiceAccount that holds no identity.
            assert.equal(pipelineServiceAccount, "okd-build");
            assert.equal(identityPodLabel, "okd-ci/identity");
        });

        it("binds each identity to one ServiceAccount, none of which runs a build", () => {
            assert.deepEqual(identitySubjects, {
                build: [{ namespace: "okd-release", serviceAccount: "okd-registry-token" }],
                records: [{ namespace: "okd-builds", serviceAccount: "okd-records" }],
                promote: [{ namespace: "okd-release", serviceAccount: "okd-promote" }],
                chains: [{ namespace: "tekton-chains", serviceAccount: "tekton-chains-controller" }],
                e2ePull: [{ namespace: "okd-builds", serviceAccount: "okd-e2e" }],
            });
            assert.deepEqual(chainsControllerSubject, {
                namespace: "tekton-chains",
                serviceAccount: "tekton-chains-controller",
            });
            for (const subjects of Object.values(identitySubjects)) {
                for (const s of subjects) assert.notEqual(s.serviceAccount, serviceAccounts.build);
            }
        });

        it("counts every identity that writes as a pipeline identity, the pull-only e2e one not", () => {
            assert.deepEqual(pipelineIdentitySubjects, [
                { namespace: "okd-release", serviceAccount: "okd-registry-token" },
                { namespace: "okd-builds", serviceAccount: "okd-records" },
                { namespace: "okd-release", serviceAccount: "okd-promote" },
                { namespace: "tekton-chains", serviceAccount: "tekton-chains-controller" },
            ]);
        });

        it("names the Secrets the in-cluster layer creates, one per storage role and per gate cloud", () => {
            assert.equal(secretNames.mirror, "okd-mirror-credentials");
            assert.equal(secretNames.webhook, "okd-github-webhook");
            assert.equal(secretNames.registryPush, "okd-registry-push");
            assert.deepEqual(storageRoles.map(secretNames.artifacts), [
                "okd-artifacts-records",
                "okd-artifacts-promote",
            ]);
            assert.deepEqual((["aws", "gcp", "azure"] as const).map(secretNames.gate), [
                "okd-gate-aws",
                "okd-gate-gcp",
                "okd-gate-azure",
            ]);
        });
    });
});
