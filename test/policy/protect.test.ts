import * as assert from "node:assert/strict";

import { azureReleaseStorageLocked, releaseStorageProtected } from "../../policy/rules";
import { isDurableRepositoryName } from "../../policy/rules/protect";
import { t } from "../../policy/types";
import { UNKNOWN, res, violations } from "./fixtures";

describe("policy release-storage-protected", () => {
    it("fails an artifact bucket, account or container that is not protected", () => {
        const resources = [
            res(t.aws.bucket, "s3", {}),
            res(t.gcp.bucket, "gcs", {}),
            res(t.azure.storageAccount, "acct", {}),
            res(t.azure.blobContainer, "container", {}),
            res(t.azure.registry, "acr", {}),
        ];
        assert.deepEqual(violations(releaseStorageProtected, resources), [
            "aws:s3/bucket:Bucket s3 holds releases but is not protected",
            "gcp:storage/bucket:Bucket gcs holds releases but is not protected",
            "azure-native:storage:StorageAccount acct holds releases but is not protected",
            "azure-native:storage:BlobContainer container holds releases but is not protected",
            "azure-native:containerregistry:Registry acr holds releases but is not protected",
        ]);
    });

    it("passes protected storage", () => {
        assert.deepEqual(violations(releaseStorageProtected, [res(t.aws.bucket, "s3", {}, { protect: true })]), []);
    });

    it("requires protection on the durable ECR repositories and not on the expiring ones", () => {
        const resources = [
            res(t.aws.ecrRepository, "release", { name: "okd/release" }),
            res(t.aws.ecrRepository, "promoted", { name: "okd/promoted" }),
            res(t.aws.ecrRepository, "promoted-content", { name: "okd/promoted-content" }, { protect: true }),
        ];
        assert.deepEqual(violations(releaseStorageProtected, resources), [
            "aws:ecr/repository:Repository promoted holds releases but is not protected",
        ]);
    });

    it("requires protection on every Artifact Registry repository when none is dedicated to promoted releases", () => {
        const one = res(t.gcp.arRepository, "okd", { repositoryId: "okd" });
        assert.deepEqual(violations(releaseStorageProtected, [one]), [
            "gcp:artifactregistry/repository:Repository okd holds releases but is not protected",
        ]);
    });

    it("takes the Artifact Registry repository without a DELETE cleanup policy for the durable one", () => {
        const deleting = [{ id: "old", action: "DELETE", condition: { olderThan: "1209600s" } }];
        const resources = [
            res(t.gcp.arRepository, "nightly", {
                repositoryId: "okd-nightly",
                cleanupPolicies: deleting,
                cleanupPolicyDryRun: false,
            }),
            res(t.gcp.arRepository, "releases", {
                repositoryId: "okd-releases",
                cleanupPolicies: [],
                cleanupPolicyDryRun: true,
            }),
        ];
        assert.deepEqual(violations(releaseStorageProtected, resources), [
            "gcp:artifactregistry/repository:Repository releases holds releases but is not protected",
        ]);
    });

    it("treats a DELETE cleanup policy in dry run as one that deletes nothing", () => {
        const dryRun = res(t.gcp.arRepository, "dry", {
            repositoryId: "okd-dry",
            cleanupPolicies: [{ id: "old", action: "DELETE" }],
            cleanupPolicyDryRun: true,
        });
        assert.equal(violations(releaseStorageProtected, [dryRun]).length, 1);
    });

    it("recognises durable repository names after a prefix and not inside a word", () => {
        assert.ok(isDurableRepositoryName("okd/promoted"));
        assert.ok(isDurableRepositoryName("okd-promoted-content"));
        assert.ok(isDurableRepositoryName("promoted"));
        assert.ok(!isDurableRepositoryName("okd/unpromoted"));
        assert.ok(!isDurableRepositoryName("okd/release"));
    });
});

describe("policy azure-release-storage-locked", () => {
    const acr = res(t.azure.registry, "okd-registry", {});
    const account = res(t.azure.storageAccount, "okd-artifacts", {});
    const lock = (of: typeof acr, level = "CanNotDelete") =>
        res(t.azure.managementLock, `${of.name}-lock`, { level, scope: UNKNOWN }, { dependsOn: [of] });

    it("passes a registry and a storage account that each have a CanNotDelete lock", () => {
        assert.deepEqual(violations(azureReleaseStorageLocked, [acr, account, lock(acr), lock(account)]), []);
    });

    it("fails what has no lock, or only a lock of another level", () => {
        assert.deepEqual(violations(azureReleaseStorageLocked, [acr, account, lock(acr, "ReadOnly")]), [
            "azure-native:containerregistry:Registry okd-registry holds releases but has no CanNotDelete lock",
            "azure-native:storage:StorageAccount okd-artifacts holds releases but has no CanNotDelete lock",
        ]);
    });
});
