import * as ecr from "@pulumi/aws/ecr";
import * as pulumi from "@pulumi/pulumi";

import { stateful } from "../shared/naming";
import type { RegistryRetention } from "../shared/retention";
import { type RepositoryRole, durableRoles, repositoryPaths, repositoryRoles } from "../shared/site";

export interface RegistryArgs {
    namePrefix: string;
    retention: RegistryRetention;
    /** Protect and retain the durable repositories. */
    protect: boolean;
}

export interface Registry {
    /** ECR repository name per role, `${namePrefix}/${path}`. */
    names: Record<RepositoryRole, string>;
    repositories: Record<RepositoryRole, ecr.Repository>;
}

/**
 * ECR lifecycle policy of an expiring repository: untagged images go after `untaggedDays`, tagged ones after
 * `taggedDays`. ECR evaluates rules by priority; an image matches at most one.
 */
export function expiringLifecyclePolicy(retention: RegistryRetention): string {
    return JSON.stringify({
        rules: [
            {
                rulePriority: 1,
                description: `Expire untagged images after ${retention.untaggedDays} days`,
                selection: {
                    tagStatus: "untagged",
                    countType: "sinceImagePushed",
                    countUnit: "days",
                    countNumber: retention.untaggedDays,
                },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `Expire tagged images after ${retention.taggedDays} days`,
                selection: {
                    tagStatus: "tagged",
                    tagPatternList: ["*"],
                    countType: "sinceImagePushed",
                    countUnit: "days",
                    countNumber: retention.taggedDays,
                },
                action: { type: "expire" },
            },
        ],
    });
}

/**
 * Promoted tags are immutable: a release once mirrored is never silently replaced. Cosign-style signature and
 * attestation tags (`sha256-<digest>.sig`, `.att`), which Tekton Chains re-pushes when it adds a signature, are
 * excluded.
 */
const signatureTags = [{ filter: "sha256-*", filterType: "WILDCARD" }];

export function createRegistry(name: string, args: RegistryArgs, opts: pulumi.CustomResourceOptions): Registry {
    const names = {} as Record<RepositoryRole, string>;
    const repositories = {} as Record<RepositoryRole, ecr.Repository>;
    for (const role of repositoryRoles) {
        const durable = durableRoles.includes(role);
        const repoName = `${args.namePrefix}/${repositoryPaths[role]}`;
        const resourceName = `${name}-${repositoryPaths[role]}`;
        const repo = new ecr.Repository(
            resourceName,
            {
                name: repoName,
                imageScanningConfiguration: { scanOnPush: true },
                // SSE with ECR's own key: encryption at rest with no per-request KMS charge.
                encryptionConfigurations: [{ encryptionType: "AES256" }],
                imageTagMutability: durable ? "IMMUTABLE_WITH_EXCLUSION" : "MUTABLE",
                imageTagMutabilityExclusionFilters: durable ? signatureTags : undefined,
                // Nightlies are disposable; a promoted release must be deleted image by image, on purpose.
                forceDelete: !durable,
            },
            durable ? { ...opts, ...stateful(args.protect) } : opts,
        );
        // Durable repositories get no lifecycle policy at all: no rule, present or future, can expire a release.
        if (!durable) {
            new ecr.LifecyclePolicy(
                resourceName,
                { repository: repo.name, policy: expiringLifecyclePolicy(args.retention) },
                opts,
            );
        }
        names[role] = repoName;
        repositories[role] = repo;
    }
    return { names, repositories };
}
