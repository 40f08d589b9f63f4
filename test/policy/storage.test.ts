import * as assert from "node:assert/strict";

import {
    gcpContainerScanningEnabled,
    noPublicStorage,
    registryScansImages,
    storageEncryptedAndVersioned,
} from "../../policy/rules";
import { t } from "../../policy/types";
import { UNKNOWN, res, run, violations } from "./fixtures";

const bucket = () => res(t.aws.bucket, "art", { bucket: "okd-artifacts-x" }, { protect: true });
const block = (b: ReturnType<typeof bucket>, flags: Record<string, boolean> = {}) =>
    res(
        t.aws.publicAccessBlock,
        "art-block",
        {
            bucket: UNKNOWN,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
            ...flags,
        },
        { dependsOn: [b] },
    );

describe("policy no-public-storage", () => {
    it("passes an S3 bucket whose public access block sets all four flags", () => {
        const b = bucket();
        assert.deepEqual(violations(noPublicStorage, [b, block(b)]), []);
    });

    it("fails an S3 bucket without a public access block", () => {
        assert.deepEqual(violations(noPublicStorage, [bucket()]), ["S3 bucket art has no BucketPublicAccessBlock"]);
    });

    it("fails a public access block that leaves a flag off", () => {
        const b = bucket();
        assert.deepEqual(violations(noPublicStorage, [b, block(b, { restrictPublicBuckets: false })]), [
            "BucketPublicAccessBlock art-block leaves restrictPublicBuckets unset or false",
        ]);
    });

    it("links a public access block to its bucket by name when it does not depend on it", () => {
        const b = bucket();
        const byName = {
            ...block(b),
            dependencies: [],
            inputs: { ...(block(b).inputs as object), bucket: "okd-artifacts-x" },
        };
        assert.deepEqual(violations(noPublicStorage, [b, byName]), []);
    });

    it("fails a public canned ACL and a bucket policy open to Principal *", () => {
        const b = bucket();
        const acl = res(t.aws.bucketAcl, "art-acl", { bucket: "okd-artifacts-x", acl: "public-read" });
        const policy = res(t.aws.bucketPolicy, "art-policy", {
            bucket: "okd-artifacts-x",
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { AWS: "*" },
                        Action: "s3:GetObject",
                        Resource: "arn:aws:s3:::okd-artifacts-x/*",
                    },
                ],
            }),
        });
        assert.deepEqual(violations(noPublicStorage, [b, block(b), acl, policy]), [
            'art-acl sets the public canned ACL "public-read"',
            'art-policy allows Principal "*" without a Condition: anyone could read or write',
        ]);
    });

    it("fails a public canned ACL set on the bucket itself, and passes a private one", () => {
        const withAcl = (acl: string) =>
            res(t.aws.bucket, "art", { bucket: "okd-artifacts-x", acl }, { protect: true });
        for (const acl of ["public-read", "public-read-write", "authenticated-read"]) {
            const b = withAcl(acl);
            assert.deepEqual(violations(noPublicStorage, [b, block(b)]), [
                `S3 bucket art has the public canned ACL "${acl}"`,
            ]);
        }
        for (const acl of ["private", "bucket-owner-full-control"]) {
            const b = withAcl(acl);
            assert.deepEqual(violations(noPublicStorage, [b, block(b)]), [], acl);
        }
    });

    it("lists a bucket policy known only after apply as not evaluated instead of passing or failing it", () => {
        const b = bucket();
        const r = run(noPublicStorage, [b, block(b), res(t.aws.bucketPolicy, "p", { policy: UNKNOWN })]);
        assert.deepEqual(r.violations, []);
        assert.deepEqual(
            r.notEvaluated.map((v) => v.message),
            ["p policy is only known after apply"],
        );
    });

    it("passes a GCS bucket with public access prevention enforced and uniform access", () => {
        const g = res(t.gcp.bucket, "g", { publicAccessPrevention: "enforced", uniformBucketLevelAccess: true });
        assert.deepEqual(violations(noPublicStorage, [g]), []);
    });

    it("fails a GCS bucket whose public access prevention is inherited and a binding to allUsers", () => {
        const g = res(t.gcp.bucket, "g", { publicAccessPrevention: "inherited", uniformBucketLevelAccess: true });
        const m = res(t.gcp.bucketIamMember, "g-public", {
            bucket: "g",
            role: "roles/storage.objectViewer",
            member: "allUsers",
        });
        assert.deepEqual(violations(noPublicStorage, [g, m]), [
            'GCS bucket g does not set publicAccessPrevention: "enforced"',
            "g-public grants roles/storage.objectViewer to allUsers",
        ]);
    });

    it("fails a grant to every Google account (allAuthenticatedUsers), in a binding's members too", () => {
        const g = res(t.gcp.bucket, "g", { publicAccessPrevention: "enforced", uniformBucketLevelAccess: true });
        const b = res(t.gcp.bucketIamBinding, "g-signed-in", {
            bucket: "g",
            role: "roles/storage.objectViewer",
            members: ["serviceAccount:reader@p.iam.gserviceaccount.com", "allAuthenticatedUsers"],
        });
        assert.deepEqual(violations(noPublicStorage, [g, b]), [
            "g-signed-in grants roles/storage.objectViewer to allAuthenticatedUsers",
        ]);
    });

    it("fails a GCS bucket without uniform bucket-level access", () => {
        const g = res(t.gcp.bucket, "g", { publicAccessPrevention: "enforced" });
        assert.deepEqual(violations(noPublicStorage, [g]), [
            "GCS bucket g does not set uniformBucketLevelAccess: true (object ACLs)",
        ]);
    });

    it("passes an Azure account that forbids blob public access and a private container", () => {
        const a = res(t.azure.storageAccount, "acct", { allowBlobPublicAccess: false });
        const c = res(t.azure.blobContainer, "c", { publicAccess: "None" }, { dependsOn: [a] });
        assert.deepEqual(violations(noPublicStorage, [a, c]), []);
    });

    it("fails an Azure account that allows blob public access, a public container and anonymous registry pull", () => {
        const a = res(t.azure.storageAccount, "acct", {});
        const c = res(t.azure.blobContainer, "c", { publicAccess: "Container" });
        const r = res(t.azure.registry, "acr", { adminUserEnabled: false, anonymousPullEnabled: true });
        assert.deepEqual(violations(noPublicStorage, [a, c, r]), [
            "storage account acct does not set allowBlobPublicAccess: false",
            'blob container c has publicAccess "Container"; expected "None"',
            "container registry acr allows anonymous pull",
        ]);
    });
    it("passes the private forms of what it fails: a private ACL, named principals, members and containers", () => {
        const b = bucket();
        const acl = res(t.aws.bucketAcl, "art-acl", { bucket: "okd-artifacts-x", acl: "private" });
        const policy = res(t.aws.bucketPolicy, "art-policy", {
            bucket: "okd-artifacts-x",
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { AWS: "arn:aws:iam::123456789012:role/okd-pipeline" },
                        Action: "s3:GetObject",
                        Resource: "arn:aws:s3:::okd-artifacts-x/*",
                    },
                ],
            }),
        });
        const g = res(t.gcp.bucket, "g", { publicAccessPrevention: "enforced", uniformBucketLevelAccess: true });
        const m = res(t.gcp.bucketIamMember, "g-reader", {
            bucket: "g",
            role: "roles/storage.objectViewer",
            member: "serviceAccount:okd-pipeline@p.iam.gserviceaccount.com",
        });
        const a = res(t.azure.storageAccount, "acct", { allowBlobPublicAccess: false });
        // A container's publicAccess defaults to None (Azure's API), so leaving it out is private.
        const c = res(t.azure.blobContainer, "c", {}, { dependsOn: [a] });
        const r = res(t.azure.registry, "acr", { adminUserEnabled: false, anonymousPullEnabled: false });
        assert.deepEqual(violations(noPublicStorage, [b, block(b), acl, policy, g, m, a, c, r]), []);
    });
});

describe("policy artifact-storage-encrypted-and-versioned", () => {
    const sse = (b: ReturnType<typeof bucket>, algorithm = "aws:kms") =>
        res(
            t.aws.bucketEncryption,
            "art-sse",
            { bucket: UNKNOWN, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: algorithm } }] },
            { dependsOn: [b] },
        );
    const versioning = (b: ReturnType<typeof bucket>, status = "Enabled") =>
        res(
            t.aws.bucketVersioning,
            "art-versioning",
            { bucket: UNKNOWN, versioningConfiguration: { status } },
            { dependsOn: [b] },
        );

    it("passes an S3 bucket with default encryption and versioning enabled", () => {
        const b = bucket();
        assert.deepEqual(violations(storageEncryptedAndVersioned, [b, sse(b), versioning(b)]), []);
    });

    it("fails an S3 bucket without encryption configuration or with versioning suspended", () => {
        const b = bucket();
        assert.deepEqual(violations(storageEncryptedAndVersioned, [b, versioning(b, "Suspended")]), [
            "S3 bucket art has no BucketServerSideEncryptionConfiguration with an sseAlgorithm of AES256, aws:kms, aws:kms:dsse",
            'S3 bucket art has no BucketVersioning with status "Enabled"',
        ]);
    });

    it("fails a GCS bucket without versioning", () => {
        assert.deepEqual(
            violations(storageEncryptedAndVersioned, [res(t.gcp.bucket, "g", { versioning: { enabled: false } })]),
            ["GCS bucket g does not set versioning.enabled: true"],
        );
        assert.deepEqual(
            violations(storageEncryptedAndVersioned, [res(t.gcp.bucket, "g", { versioning: { enabled: true } })]),
            [],
        );
    });

    it("passes an Azure account with blob versioning, HTTPS only and TLS 1.2", () => {
        const a = res(t.azure.storageAccount, "acct", {
            accountName: "okdart",
            enableHttpsTrafficOnly: true,
            minimumTlsVersion: "TLS1_2",
        });
        const p = res(
            t.azure.blobServiceProperties,
            "acct-blob",
            { accountName: UNKNOWN, isVersioningEnabled: true },
            { dependsOn: [a] },
        );
        assert.deepEqual(violations(storageEncryptedAndVersioned, [a, p]), []);
    });

    it("passes TLS 1.3 as a minimum, which is stricter than 1.2", () => {
        const a = res(t.azure.storageAccount, "acct", { accountName: "okdart", minimumTlsVersion: "TLS1_3" });
        const p = res(
            t.azure.blobServiceProperties,
            "acct-blob",
            { accountName: UNKNOWN, isVersioningEnabled: true },
            { dependsOn: [a] },
        );
        assert.deepEqual(violations(storageEncryptedAndVersioned, [a, p]), []);
        const old = res(t.azure.storageAccount, "acct", { accountName: "okdart", minimumTlsVersion: "TLS1_1" });
        assert.deepEqual(violations(storageEncryptedAndVersioned, [old, p]), [
            "storage account acct accepts TLS1_1; expected minimumTlsVersion TLS1_2 or later",
        ]);
    });

    it("fails an Azure account without blob versioning that accepts TLS 1.0 over HTTP", () => {
        const a = res(t.azure.storageAccount, "acct", { enableHttpsTrafficOnly: false, minimumTlsVersion: "TLS1_0" });
        assert.deepEqual(violations(storageEncryptedAndVersioned, [a]), [
            "storage account acct allows plain HTTP (enableHttpsTrafficOnly: false)",
            "storage account acct accepts TLS1_0; expected minimumTlsVersion TLS1_2 or later",
            "storage account acct has no BlobServiceProperties with isVersioningEnabled: true",
        ]);
    });
});

describe("policy registry-scans-images", () => {
    it("passes an ECR repository that scans on push", () => {
        const r = res(t.aws.ecrRepository, "release", {
            name: "okd/release",
            imageScanningConfiguration: { scanOnPush: true },
        });
        assert.deepEqual(violations(registryScansImages, [r]), []);
    });

    it("fails an ECR repository that does not scan on push", () => {
        const r = res(t.aws.ecrRepository, "release", {
            name: "okd/release",
            imageScanningConfiguration: { scanOnPush: false },
        });
        assert.deepEqual(violations(registryScansImages, [r]), [
            "ECR repository release does not scan on push and no registry scanning rule covers it",
        ]);
    });

    it("accepts a registry scanning rule whose wildcard filter covers the repository", () => {
        const r = res(t.aws.ecrRepository, "release", { name: "okd/release" });
        const scan = (filter: string) =>
            res(t.aws.ecrScanning, "scan", {
                scanType: "ENHANCED",
                rules: [{ scanFrequency: "SCAN_ON_PUSH", repositoryFilters: [{ filter, filterType: "WILDCARD" }] }],
            });
        assert.deepEqual(violations(registryScansImages, [r, scan("okd/*")]), []);
        assert.equal(violations(registryScansImages, [r, scan("other/*")]).length, 1);
    });

    it("fails an Artifact Registry repository that disables scanning, and passes one that inherits it", () => {
        const off = res(t.gcp.arRepository, "off", {
            repositoryId: "okd",
            vulnerabilityScanningConfig: { enablementConfig: "DISABLED" },
        });
        const on = res(t.gcp.arRepository, "on", {
            repositoryId: "okd2",
            vulnerabilityScanningConfig: { enablementConfig: "INHERITED" },
        });
        assert.deepEqual(violations(registryScansImages, [off, on]), [
            "Artifact Registry repository off disables vulnerability scanning",
        ]);
    });

    it("fails an ACR with the admin user enabled or left to its default", () => {
        assert.deepEqual(violations(registryScansImages, [res(t.azure.registry, "acr", { adminUserEnabled: true })]), [
            "container registry acr does not set adminUserEnabled: false",
        ]);
        assert.deepEqual(
            violations(registryScansImages, [res(t.azure.registry, "acr", { adminUserEnabled: false })]),
            [],
        );
    });
});

describe("policy gcp-container-scanning-api-enabled", () => {
    const repo = res(t.gcp.arRepository, "okd", { repositoryId: "okd" });

    it("advises enabling the Container Scanning API where Artifact Registry repositories exist", () => {
        const r = run(gcpContainerScanningEnabled, [repo]);
        assert.deepEqual(
            r.violations.map((v) => [v.enforcementLevel, v.message]),
            [
                [
                    "advisory",
                    "Artifact Registry repositories okd exist but the stack does not enable containerscanning.googleapis.com",
                ],
            ],
        );
    });

    it("is satisfied by a project service for containerscanning.googleapis.com", () => {
        const api = res(t.gcp.projectService, "scanning", { service: "containerscanning.googleapis.com" });
        assert.deepEqual(violations(gcpContainerScanningEnabled, [repo, api]), []);
    });
});
