/**
 * release-storage-protected and azure-release-storage-locked (policy/rules/protect.ts): which repositories the rule
 * takes for those holding releases (by the name in the registry, not the Pulumi name; on Artifact Registry, those
 * whose cleanup policies delete nothing), and a lock found by its scope rather than a dependency.
 */
import * as assert from "node:assert/strict";

import { azureReleaseStorageLocked, releaseStorageProtected } from "../../policy/rules";
import { t } from "../../policy/types";
import { UNKNOWN, res, violations } from "./fixtures";

const notProtected = (type: string, name: string) => `${type} ${name} holds releases but is not protected`;

describe("policy release-storage-protected: which repositories hold releases", () => {
    const deleting = [{ id: "old", action: "DELETE", condition: { olderThan: "1209600s" } }];

    it("reads an ECR repository's registry name, not its Pulumi name", () => {
        const resources = [
            res(t.aws.ecrRepository, "promoted", { name: "okd/release" }),
            res(t.aws.ecrRepository, "images", { name: "okd/promoted" }),
        ];
        assert.deepEqual(violations(releaseStorageProtected, resources), [notProtected(t.aws.ecrRepository, "images")]);
    });

    it("falls back on the Pulumi name when the registry name is only known after apply", () => {
        const resources = [
            res(t.aws.ecrRepository, "okd-promoted", { name: UNKNOWN }),
            res(t.aws.ecrRepository, "okd-release", { name: "okd/release" }),
        ];
        assert.deepEqual(violations(releaseStorageProtected, resources), [
            notProtected(t.aws.ecrRepository, "okd-promoted"),
        ]);
    });

    it("requires every ECR repository protected when none is named for promoted releases", () => {
        const resources = [
            res(t.aws.ecrRepository, "release", { name: "okd/release" }),
            res(t.aws.ecrRepository, "nightly", { name: "okd/nightly" }, { protect: true }),
            res(t.aws.ecrRepository, "content", { name: "okd/content" }),
        ];
        assert.deepEqual(violations(releaseStorageProtected, resources), [
            notProtected(t.aws.ecrRepository, "release"),
            notProtected(t.aws.ecrRepository, "content"),
        ]);
    });

    it("reads an Artifact Registry repository's repositoryId, not its Pulumi name", () => {
        const resources = [
            res(t.gcp.arRepository, "promoted", { repositoryId: "okd-nightly", cleanupPolicies: deleting }),
            res(t.gcp.arRepository, "images", { repositoryId: "okd-promoted", cleanupPolicies: deleting }),
        ];
        assert.deepEqual(violations(releaseStorageProtected, resources), [notProtected(t.gcp.arRepository, "images")]);
    });

    it("takes a repository whose DELETE policy is a dry run for one that keeps its images", () => {
        const resources = [
            res(t.gcp.arRepository, "nightly", { repositoryId: "okd-a", cleanupPolicies: deleting }),
            res(t.gcp.arRepository, "dry", {
                repositoryId: "okd-b",
                cleanupPolicies: deleting,
                cleanupPolicyDryRun: true,
            }),
        ];
        assert.deepEqual(violations(releaseStorageProtected, resources), [notProtected(t.gcp.arRepository, "dry")]);
    });

    it("takes a repository with any DELETE policy for an expiring one, and KEEP policies for keeping", () => {
        const resources = [
            res(t.gcp.arRepository, "mixed", {
                repositoryId: "okd-a",
                cleanupPolicies: [{ id: "keep", action: "KEEP", mostRecentVersions: { keepCount: 5 } }, ...deleting],
            }),
            res(t.gcp.arRepository, "keeps", {
                repositoryId: "okd-b",
                cleanupPolicies: [{ id: "keep", action: "KEEP", mostRecentVersions: { keepCount: 5 } }],
            }),
            res(t.gcp.arRepository, "unknown", { repositoryId: "okd-c", cleanupPolicies: UNKNOWN }),
        ];
        assert.deepEqual(violations(releaseStorageProtected, resources), [
            notProtected(t.gcp.arRepository, "keeps"),
            notProtected(t.gcp.arRepository, "unknown"),
        ]);
    });
});

describe("policy azure-release-storage-locked: a lock found by its scope", () => {
    const id = "/subscriptions/s/resourceGroups/okd/providers/Microsoft.ContainerRegistry/registries/okd";

    it("passes a registry whose lock names it by id, with no dependency between them", () => {
        const acr = res(t.azure.registry, "okd-registry", { id });
        const lock = res(t.azure.managementLock, "okd-registry-lock", { level: "CanNotDelete", scope: id });
        assert.deepEqual(violations(azureReleaseStorageLocked, [acr, lock]), []);
    });

    it("fails a registry when the lock's scope names another resource", () => {
        const acr = res(t.azure.registry, "okd-registry", { id });
        const lock = res(t.azure.managementLock, "other-lock", { level: "CanNotDelete", scope: `${id}-other` });
        assert.deepEqual(violations(azureReleaseStorageLocked, [acr, lock]), [
            `${t.azure.registry} okd-registry holds releases but has no CanNotDelete lock`,
        ]);
    });
});
