import { type CryptoKey, CryptoKeyIAMMember } from "@pulumi/gcp/kms";
import { Account, IAMMember } from "@pulumi/gcp/serviceaccount";
import { type Bucket, BucketIAMMember } from "@pulumi/gcp/storage";
import * as pulumi from "@pulumi/pulumi";

import { physicalName } from "../shared/naming";
import {
    type ArtifactPrefix,
    type IdentityGrant,
    type IdentityRole,
    type RepositoryRole,
    identityGrants,
    identitySubjects,
} from "../shared/site";
import { type Registry, type RegistryRepository, registryRepositories } from "./registry";

/** A Google service account with its email and resource name known at preview (both follow from the account id). */
export interface GoogleServiceAccount {
    account: Account;
    email: pulumi.Output<string>;
    /** `projects/<project>/serviceAccounts/<email>`, what IAM bindings on the account take. */
    resourceName: pulumi.Output<string>;
    /** `serviceAccount:<email>`, what IAM bindings to the account take. */
    member: pulumi.Output<string>;
}

export function createServiceAccount(
    name: string,
    args: { project: string; namePrefix: string; role: string; description: string },
    opts: pulumi.CustomResourceOptions,
): GoogleServiceAccount {
    const account = new Account(
        name,
        {
            project: args.project,
            // 6-30 characters; physicalName refuses longer rather than cutting.
            accountId: physicalName(args.namePrefix, [args.role], 30),
            displayName: `okd-ci ${args.role}`,
            description: args.description,
        },
        opts,
    );
    // User-managed accounts are always `<id>@<project>.iam.gserviceaccount.com`: deriving it (instead of reading
    // `account.email`) keeps annotations known during preview, while still depending on the account.
    const email = pulumi.interpolate`${account.accountId}@${args.project}.iam.gserviceaccount.com`;
    return {
        account,
        email,
        resourceName: pulumi.interpolate`projects/${args.project}/serviceAccounts/${email}`,
        member: pulumi.interpolate`serviceAccount:${email}`,
    };
}

/** The Workload Identity principal of a Kubernetes ServiceAccount in the cluster's pool. */
export function workloadIdentityMember(workloadPool: string, namespace: string, serviceAccount: string): string {
    return `serviceAccount:${workloadPool}[${namespace}/${serviceAccount}]`;
}

/**
 * Lets each Kubernetes ServiceAccount act as `gsa` (roles/iam.workloadIdentityUser on that one account).
 * The pool `<project>.svc.id.goog` exists only once a cluster with Workload Identity does, so callers pass the
 * cluster in `opts.dependsOn`.
 */
export function bindWorkloadIdentity(
    name: string,
    gsa: GoogleServiceAccount,
    workloadPool: string,
    subjects: readonly { namespace: string; serviceAccount: string }[],
    opts: pulumi.CustomResourceOptions,
): IAMMember[] {
    return subjects.map(
        (s) =>
            new IAMMember(
                `${name}-${s.namespace}-${s.serviceAccount}`,
                {
                    serviceAccountId: gsa.resourceName,
                    role: "roles/iam.workloadIdentityUser",
                    member: workloadIdentityMember(workloadPool, s.namespace, s.serviceAccount),
                },
                opts,
            ),
    );
}

/** The annotation that makes GKE hand a Kubernetes ServiceAccount's pods the tokens of `email`. */
export function workloadIdentityAnnotations(email: pulumi.Output<string>): pulumi.Output<Record<string, string>> {
    return email.apply((e): Record<string, string> => ({ "iam.gke.io/gcp-service-account": e }));
}

/** Account id suffix of each identity (`e2e-pull` as it was first named). */
export const accountRoles: Record<IdentityRole, string> = {
    build: "build",
    records: "records",
    promote: "promote",
    chains: "chains",
    e2ePull: "e2e-pull",
};

const descriptions: Record<IdentityRole, string> = {
    build: "okd-ci: pushes component and machine-os builds; held by the registry token minter only",
    records: "okd-ci: pushes nightly payloads, writes release records and logs",
    promote: "okd-ci: the only writer of promoted releases; marks records promoted",
    chains: "okd-ci: Tekton Chains writes signatures and provenance to the attestation repository",
    e2ePull: "okd-ci: pulls e2e payloads from the site registry; mints the e2e clusters' pull secret",
};

/**
 * The Artifact Registry role of an identity on one repository: writer where it pushes any path the repository holds,
 * reader where it only pulls, nothing otherwise. Artifact Registry grants per repository
 * (https://cloud.google.com/artifact-registry/docs/access-control#grant-repo), so a repository that holds several
 * roles' paths is writable as a whole: the site keeps one writer per repository (`registryRepositories`).
 */
export function registryRoleOn(
    grant: IdentityGrant,
    repository: RegistryRepository,
    repositoryOf: (role: RepositoryRole) => RegistryRepository,
): "roles/artifactregistry.writer" | "roles/artifactregistry.reader" | undefined {
    if (grant.push.some((r) => repositoryOf(r) === repository)) return "roles/artifactregistry.writer";
    if (grant.pull.some((r) => repositoryOf(r) === repository)) return "roles/artifactregistry.reader";
    return undefined;
}

/**
 * The IAM condition that limits an object grant to `prefixes` of `bucket`. Cloud Storage names an object
 * `projects/_/buckets/<bucket>/objects/<name>` to IAM Conditions
 * (https://cloud.google.com/iam/docs/conditions-resource-attributes#resource-name); a bucket-level check (listing)
 * never matches it, so listing comes from a separate unconditional read grant.
 */
export function objectPrefixCondition(bucket: string, prefixes: readonly ArtifactPrefix[]): string {
    return prefixes.map((p) => `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${p}")`).join(" || ");
}

export interface SiteIdentitiesArgs {
    project: string;
    namePrefix: string;
    workloadPool: string;
    registry: Pick<Registry, "grant" | "repositoryOf">;
    bucket: Bucket;
    /** The Chains signing key, when the site keeps one in Cloud KMS. */
    signingKey?: CryptoKey;
    /** The workload pool exists once the cluster does. */
    cluster: pulumi.Resource;
    /** Which identities to create (e2ePull only with gates). */
    roles: readonly IdentityRole[];
}

/**
 * One Google service account per identity, each bound through Workload Identity to exactly its ServiceAccounts
 * (`identitySubjects`) and granted exactly what `identityGrants` gives it: Artifact Registry roles per repository,
 * read on the artifact bucket and object writes under its prefixes only (conditional `roles/storage.objectUser`), and
 * signing or public-key reads on the Chains key.
 */
export function createSiteIdentities(
    name: string,
    args: SiteIdentitiesArgs,
    opts: pulumi.CustomResourceOptions,
): {
    accounts: Partial<Record<IdentityRole, GoogleServiceAccount>>;
    /** The account of `role`; throws for a role that was not asked for. */
    account: (role: IdentityRole) => GoogleServiceAccount;
    bindings: pulumi.Resource[];
} {
    const accounts: Partial<Record<IdentityRole, GoogleServiceAccount>> = {};
    const bindings: pulumi.Resource[] = [];
    for (const role of args.roles) {
        const suffix = accountRoles[role];
        const grant = identityGrants[role];
        const gsa = createServiceAccount(
            `${name}-${suffix}`,
            { project: args.project, namePrefix: args.namePrefix, role: suffix, description: descriptions[role] },
            opts,
        );
        accounts[role] = gsa;
        for (const repository of registryRepositories) {
            const arRole = registryRoleOn(grant, repository, args.registry.repositoryOf);
            if (arRole !== undefined) {
                // `<name>-<role>-<repository>`: the e2e-pull grant keeps the name it has had, since renaming a
                // non-authoritative IAM member would delete the binding its successor just made.
                args.registry.grant(`${name}-${suffix}`, gsa.member, arRole, opts, [repository]);
            }
        }
        if (grant.storage.read) {
            new BucketIAMMember(
                `${name}-${suffix}-artifacts-read`,
                { bucket: args.bucket.name, role: "roles/storage.objectViewer", member: gsa.member },
                opts,
            );
        }
        if (grant.storage.write.length > 0) {
            new BucketIAMMember(
                `${name}-${suffix}-artifacts-write`,
                {
                    bucket: args.bucket.name,
                    // Create, overwrite (which takes delete on GCS) and multipart-upload objects: under its prefixes only.
                    role: "roles/storage.objectUser",
                    member: gsa.member,
                    condition: {
                        title: `okd-ci ${suffix}: ${grant.storage.write.join(", ")} only`,
                        description: `Object writes of the ${suffix} identity are limited to these prefixes`,
                        expression: args.bucket.name.apply((b) => objectPrefixCondition(b, grant.storage.write)),
                    },
                },
                opts,
            );
        }
        if (grant.signingKey !== undefined && args.signingKey !== undefined) {
            // sigstore's gcpkms client reads the key and its version (GetCryptoKey, GetCryptoKeyVersion: viewer),
            // fetches the public key, and signs (signerVerifier) or only reads the public key (publicKeyViewer).
            const kmsRoles =
                grant.signingKey === "sign"
                    ? ["roles/cloudkms.signerVerifier", "roles/cloudkms.viewer"]
                    : ["roles/cloudkms.publicKeyViewer", "roles/cloudkms.viewer"];
            for (const kmsRole of kmsRoles) {
                new CryptoKeyIAMMember(
                    `${name}-${suffix}-${kmsRole.split(".").pop()}`,
                    { cryptoKeyId: args.signingKey.id, role: kmsRole, member: gsa.member },
                    opts,
                );
            }
        }
        if (role === "build") {
            // The token minter asks the IAM Credentials API for a fresh one-hour token of its own account
            // (`gcloud auth print-access-token --impersonate-service-account`), rather than the metadata server's
            // cached one, whose remaining lifetime it cannot choose.
            new IAMMember(
                `${name}-${suffix}-self-token`,
                {
                    serviceAccountId: gsa.resourceName,
                    role: "roles/iam.serviceAccountTokenCreator",
                    member: gsa.member,
                },
                opts,
            );
        }
        bindings.push(
            ...bindWorkloadIdentity(`${name}-${suffix}-wi`, gsa, args.workloadPool, identitySubjects[role], {
                ...opts,
                dependsOn: [args.cluster],
            }),
        );
    }
    const account = (role: IdentityRole): GoogleServiceAccount => {
        const a = accounts[role];
        if (a === undefined) throw new Error(`the gcp site created no ${role} identity`);
        return a;
    };
    return { accounts, account, bindings };
}
