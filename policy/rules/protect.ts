/**
 * What holds releases survives `pulumi destroy`: artifact storage and the durable release repositories.
 */
import { durableRoles, repositoryPaths } from "../../components/shared/site";
import { type PolicyResourceLike, type StackRule, arr, known, ofType, serves, str } from "../model";
import { t } from "../types";

/** Storage that holds release records: every bucket, account, container and whole-registry resource. */
const alwaysProtected = [
    t.aws.bucket,
    t.aws.bucketV2,
    t.gcp.bucket,
    t.azure.storageAccount,
    t.azure.blobContainer,
    t.azure.registry,
];

const durablePaths = durableRoles.map((r) => repositoryPaths[r]);

/** Whether a repository name or id ends with a durable path (`promoted`, `promoted-content`), after `/`, `-` or `_`. */
export function isDurableRepositoryName(name: string): boolean {
    return durablePaths.some((p) => name === p || new RegExp(`[/_-]${p}$`).test(name));
}

/** Whether an Artifact Registry repository deletes images by itself (a DELETE cleanup policy that is not a dry run). */
export function expiresImages(repo: PolicyResourceLike): boolean {
    if (repo.props.cleanupPolicyDryRun === true) return false;
    const policies = known(() => arr(repo.props.cleanupPolicies)) ?? [];
    return policies.some((p) => (p as Record<string, unknown>).action === "DELETE");
}

/**
 * Repositories that hold promoted releases: those named for a durable role (`promoted`, `promoted-content`), and on
 * Artifact Registry, where one repository holds several roles, every repository that does not expire images. Where
 * none can be told apart, every repository of that registry may hold releases.
 */
function releaseRepositories(all: PolicyResourceLike[], type: string, nameKey: string): PolicyResourceLike[] {
    const repos = ofType(all, type);
    const durable = repos.filter(
        (r) =>
            isDurableRepositoryName(known(() => str(r.props[nameKey])) ?? r.name) ||
            (type === t.gcp.arRepository && !expiresImages(r)),
    );
    return durable.length > 0 ? durable : repos;
}

export const releaseStorageProtected: StackRule = {
    kind: "stack",
    name: "release-storage-protected",
    description:
        "Artifact storage and the repositories that hold promoted releases are protected, so `pulumi destroy` or a refactor cannot delete a release.",
    enforcementLevel: "mandatory",
    remediation:
        "Create them with `stateful(args.protect)` from components/shared (protect and retainOnDelete), and keep okd-ci:protect true on release stacks.",
    check(all, report) {
        const targets = [
            ...ofType(all, ...alwaysProtected),
            ...releaseRepositories(all, t.aws.ecrRepository, "name"),
            ...releaseRepositories(all, t.gcp.arRepository, "repositoryId"),
        ];
        for (const r of targets) {
            if (!r.protect) report(`${r.type} ${r.name} holds releases but is not protected`, r.urn);
        }
    },
};

/**
 * On Azure, `protect` only binds Pulumi: the portal, `az` or a deleted resource group would still take a registry or
 * storage account with it. A `CanNotDelete` management lock on each makes ARM refuse those deletions too
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources: "If you have a Delete lock on
 * a resource and attempt to delete its resource group, the feature blocks the whole delete operation").
 */
export const azureReleaseStorageLocked: StackRule = {
    kind: "stack",
    name: "azure-release-storage-locked",
    description:
        "Every Azure container registry and storage account has a CanNotDelete management lock, so neither the portal, `az` nor deleting the resource group can delete what holds releases.",
    enforcementLevel: "mandatory",
    remediation: "Lock it with createDeleteLock (components/azure/locks.ts).",
    check(all, report) {
        const locks = ofType(all, t.azure.managementLock).filter(
            (l) => known(() => str(l.props.level)) === "CanNotDelete",
        );
        for (const r of ofType(all, t.azure.registry, t.azure.storageAccount)) {
            if (!locks.some((l) => serves(l, r, "scope", ["id"]))) {
                report(`${r.type} ${r.name} holds releases but has no CanNotDelete lock`, r.urn);
            }
        }
    },
};
