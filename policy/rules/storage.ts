/**
 * Artifact storage and registries: never public, encrypted and versioned.
 */
import {
    type PolicyResourceLike,
    type Report,
    type Skip,
    type StackRule,
    arr,
    at,
    known,
    ofType,
    readKnown,
    serves,
    str,
} from "../model";
import { t } from "../types";
import { isPublicStatement, statements } from "./aws-documents";

const s3Buckets = [t.aws.bucket, t.aws.bucketV2];
const publicAcls = ["public-read", "public-read-write", "authenticated-read"];
const publicMembers = ["allUsers", "allAuthenticatedUsers"];

function awsNotPublic(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const blocks = ofType(all, t.aws.publicAccessBlock);
    for (const bucket of ofType(all, ...s3Buckets)) {
        const block = blocks.find((b) => serves(b, bucket, "bucket", ["bucket", "id"]));
        if (block === undefined) {
            report(`S3 bucket ${bucket.name} has no BucketPublicAccessBlock`, bucket.urn);
        } else {
            const off = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].filter(
                (k) => block.props[k] !== true,
            );
            if (off.length > 0) {
                report(`BucketPublicAccessBlock ${block.name} leaves ${off.join(", ")} unset or false`, block.urn);
            }
        }
        const acl = str(bucket.props.acl);
        if (acl !== undefined && publicAcls.includes(acl)) {
            report(`S3 bucket ${bucket.name} has the public canned ACL "${acl}"`, bucket.urn);
        }
    }
    for (const acl of ofType(all, t.aws.bucketAcl, t.aws.bucketAclV2)) {
        const canned = str(acl.props.acl);
        if (canned !== undefined && publicAcls.includes(canned)) {
            report(`${acl.name} sets the public canned ACL "${canned}"`, acl.urn);
        }
    }
    for (const policy of ofType(all, t.aws.bucketPolicy, t.aws.ecrRepositoryPolicy)) {
        const document = readKnown(() => policy.props.policy);
        if (!document.known) {
            skip(`${policy.name} policy is only known after apply`, policy.urn);
            continue;
        }
        if ((statements(document.value) ?? []).some(isPublicStatement)) {
            report(`${policy.name} allows Principal "*" without a Condition: anyone could read or write`, policy.urn);
        }
    }
}

function gcpNotPublic(all: PolicyResourceLike[], report: Report): void {
    for (const bucket of ofType(all, t.gcp.bucket)) {
        if (bucket.props.publicAccessPrevention !== "enforced") {
            report(`GCS bucket ${bucket.name} does not set publicAccessPrevention: "enforced"`, bucket.urn);
        }
        if (bucket.props.uniformBucketLevelAccess !== true) {
            report(`GCS bucket ${bucket.name} does not set uniformBucketLevelAccess: true (object ACLs)`, bucket.urn);
        }
    }
    for (const iam of ofType(
        all,
        t.gcp.bucketIamMember,
        t.gcp.bucketIamBinding,
        t.gcp.arIamMember,
        t.gcp.arIamBinding,
    )) {
        const members = known(() => [...arr(iam.props.member), ...arr(iam.props.members)].map(String)) ?? [];
        const open = members.filter((m) => publicMembers.includes(m));
        if (open.length > 0) report(`${iam.name} grants ${String(iam.props.role)} to ${open.join(", ")}`, iam.urn);
    }
}

function azureNotPublic(all: PolicyResourceLike[], report: Report): void {
    for (const account of ofType(all, t.azure.storageAccount)) {
        if (account.props.allowBlobPublicAccess !== false) {
            report(`storage account ${account.name} does not set allowBlobPublicAccess: false`, account.urn);
        }
    }
    for (const container of ofType(all, t.azure.blobContainer)) {
        const access = container.props.publicAccess;
        if (access !== undefined && access !== "None") {
            report(
                `blob container ${container.name} has publicAccess "${String(access)}"; expected "None"`,
                container.urn,
            );
        }
    }
    for (const registry of ofType(all, t.azure.registry)) {
        if (registry.props.anonymousPullEnabled === true) {
            report(`container registry ${registry.name} allows anonymous pull`, registry.urn);
        }
    }
}

export const noPublicStorage: StackRule = {
    kind: "stack",
    name: "no-public-storage",
    description:
        "Artifact buckets, storage accounts, blob containers and registries are never readable or writable by anyone on the internet.",
    enforcementLevel: "mandatory",
    remediation:
        'S3: a BucketPublicAccessBlock with all four flags true and no public ACL or Principal "*"; GCS: publicAccessPrevention "enforced" and uniformBucketLevelAccess; Azure: allowBlobPublicAccess false and containers with publicAccess "None"; no allUsers/allAuthenticatedUsers members; no anonymous registry pull.',
    check(all, report, skip) {
        awsNotPublic(all, report, skip);
        gcpNotPublic(all, report);
        azureNotPublic(all, report);
    },
};

const encryptionAlgorithms = ["AES256", "aws:kms", "aws:kms:dsse"];

function awsEncryptedAndVersioned(all: PolicyResourceLike[], report: Report): void {
    const encryption = ofType(all, t.aws.bucketEncryption, t.aws.bucketEncryptionV2);
    const versioning = ofType(all, t.aws.bucketVersioning, t.aws.bucketVersioningV2);
    for (const bucket of ofType(all, ...s3Buckets)) {
        const sse = encryption.find((e) => serves(e, bucket, "bucket", ["bucket", "id"]));
        const algorithms = arr(sse?.props.rules).map((r) => at(r, "applyServerSideEncryptionByDefault.sseAlgorithm"));
        if (sse === undefined || !algorithms.some((a) => encryptionAlgorithms.includes(String(a)))) {
            report(
                `S3 bucket ${bucket.name} has no BucketServerSideEncryptionConfiguration with an sseAlgorithm of ${encryptionAlgorithms.join(", ")}`,
                bucket.urn,
            );
        }
        const v = versioning.find((e) => serves(e, bucket, "bucket", ["bucket", "id"]));
        if (at(v?.props, "versioningConfiguration.status") !== "Enabled") {
            report(`S3 bucket ${bucket.name} has no BucketVersioning with status "Enabled"`, bucket.urn);
        }
    }
}

function gcpVersioned(all: PolicyResourceLike[], report: Report): void {
    // GCS encrypts every object at rest with Google-managed keys and offers no way to turn it off: only versioning
    // is the stack's to get right.
    for (const bucket of ofType(all, t.gcp.bucket)) {
        if (at(bucket.props, "versioning.enabled") !== true) {
            report(`GCS bucket ${bucket.name} does not set versioning.enabled: true`, bucket.urn);
        }
    }
}

function azureVersioned(all: PolicyResourceLike[], report: Report): void {
    // Azure Storage Service Encryption is always on and cannot be disabled; what the stack controls is encryption in
    // transit and blob versioning (a BlobServiceProperties child of the account).
    const services = ofType(all, t.azure.blobServiceProperties);
    for (const account of ofType(all, t.azure.storageAccount)) {
        if (account.props.enableHttpsTrafficOnly === false) {
            report(`storage account ${account.name} allows plain HTTP (enableHttpsTrafficOnly: false)`, account.urn);
        }
        const tls = str(account.props.minimumTlsVersion);
        if (tls !== undefined && tls !== "TLS1_2" && tls !== "TLS1_3") {
            report(
                `storage account ${account.name} accepts ${tls}; expected minimumTlsVersion TLS1_2 or later`,
                account.urn,
            );
        }
        const blob = services.find((s) => serves(s, account, "accountName", ["accountName"]));
        if (blob?.props.isVersioningEnabled !== true) {
            report(
                `storage account ${account.name} has no BlobServiceProperties with isVersioningEnabled: true`,
                account.urn,
            );
        }
    }
}

export const storageEncryptedAndVersioned: StackRule = {
    kind: "stack",
    name: "artifact-storage-encrypted-and-versioned",
    description:
        "Artifact storage is encrypted at rest and in transit and keeps previous versions, so an overwritten release record can be restored.",
    enforcementLevel: "mandatory",
    remediation:
        "S3: a BucketServerSideEncryptionConfiguration (AES256 or aws:kms) and a BucketVersioning with status Enabled; GCS: versioning.enabled; Azure: HTTPS only, TLS 1.2+, and BlobServiceProperties.isVersioningEnabled.",
    check(all, report) {
        awsEncryptedAndVersioned(all, report);
        gcpVersioned(all, report);
        azureVersioned(all, report);
    },
};

/** Whether an ECR scanning rule covers `repository` (wildcard filters: `*` matches any run of characters). */
function scanRuleCovers(rule: unknown, repository: string): boolean {
    const frequency = str(at(rule, "scanFrequency"));
    if (frequency !== "SCAN_ON_PUSH" && frequency !== "CONTINUOUS_SCAN") return false;
    return arr(at(rule, "repositoryFilters")).some((f) => {
        const filter = str(at(f, "filter"));
        if (filter === undefined) return false;
        const re = new RegExp(
            `^${filter
                .split("*")
                .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
                .join(".*")}$`,
        );
        return re.test(repository);
    });
}

export const registryScansImages: StackRule = {
    kind: "stack",
    name: "registry-scans-images",
    description: "Images are scanned for vulnerabilities when pushed, and registries have no shared admin password.",
    enforcementLevel: "mandatory",
    remediation:
        "ECR: imageScanningConfiguration.scanOnPush true (or a RegistryScanningConfiguration rule covering the repository); Artifact Registry: do not set vulnerabilityScanningConfig.enablementConfig DISABLED; ACR: adminUserEnabled false.",
    check(all, report) {
        const registryRules = ofType(all, t.aws.ecrScanning).flatMap((c) => arr(c.props.rules));
        for (const repo of ofType(all, t.aws.ecrRepository)) {
            if (at(repo.props, "imageScanningConfiguration.scanOnPush") === true) continue;
            const name = known(() => str(repo.props.name)) ?? repo.name;
            if (registryRules.some((r) => scanRuleCovers(r, name))) continue;
            report(
                `ECR repository ${repo.name} does not scan on push and no registry scanning rule covers it`,
                repo.urn,
            );
        }
        // Artifact Registry scanning is a project setting (the Container Scanning API); a repository can only opt
        // out. See the advisory policy below for the project side.
        for (const repo of ofType(all, t.gcp.arRepository)) {
            if (at(repo.props, "vulnerabilityScanningConfig.enablementConfig") === "DISABLED") {
                report(`Artifact Registry repository ${repo.name} disables vulnerability scanning`, repo.urn);
            }
        }
        for (const registry of ofType(all, t.azure.registry)) {
            if (registry.props.adminUserEnabled !== false) {
                report(`container registry ${registry.name} does not set adminUserEnabled: false`, registry.urn);
            }
        }
    },
};

export const gcpContainerScanningEnabled: StackRule = {
    kind: "stack",
    name: "gcp-container-scanning-api-enabled",
    description:
        "A stack with Artifact Registry repositories enables the Container Scanning API, which is what scans pushed images on GCP.",
    // Advisory: the API may be enabled outside this stack (organisation policy, another stack), which no policy sees.
    enforcementLevel: "advisory",
    remediation:
        'Add a gcp.projects.Service for "containerscanning.googleapis.com", or enable it for the project by hand.',
    check(all, report) {
        const repos = ofType(all, t.gcp.arRepository);
        if (repos.length === 0) return;
        const enabled = ofType(all, t.gcp.projectService).some(
            (s) => s.props.service === "containerscanning.googleapis.com",
        );
        if (!enabled) {
            report(
                `Artifact Registry repositories ${repos.map((r) => r.name).join(", ")} exist but the stack does not enable containerscanning.googleapis.com`,
                repos[0].urn,
            );
        }
    },
};
