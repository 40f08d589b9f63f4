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
 * ECR lifecycle policy of an expiring repository, or `undefined` for `content`, which gets none. What ECR's rules can
 * say (https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html, "Lifecycle policy evaluation
 * rules"; https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html):
 *
 * - Rules are evaluated by `rulePriority`, lowest first; an image is expired by at most one rule, and an image that
 *   matches the tag selection of a higher-priority rule cannot be expired by a lower-priority one. The only action
 *   that deletes is `expire`: "keep the newest N" is a rule that expires all but the newest N of what it selects, and
 *   those N are then out of reach of every later rule.
 * - `sinceImagePushed` counts from the image's push (`imagePushedAt`). Tagging an image that is already in the
 *   repository does not make it younger.
 *
 * So, per role:
 * - `release`: each nightly payload is a new image, tagged `<minor>.0-0.<okd|okd-scos>-<UTC time>` (assemble-release.sh).
 *   The newest `keepPayloads` payload tags (over all streams) are kept whatever their age, so a stream whose nightlies
 *   fail for longer than `taggedDays` still has payloads it could promote; older payloads are expired by that count
 *   rule, not by age (ECR cannot say "newest N, and anything younger than D days"). Other tags (the pipelines' tools
 *   image, `pipeline-tools-<hash>`) expire after `taggedDays`.
 * - `content`: no policy at all, as on GCP (components/gcp/registry.ts). `oc adm release new --mirror` pushes each
 *   image the payload references under a new tag, but an image that did not change since the base payload keeps the
 *   push time of its first night, so an age rule would expire the content of tonight's payload after `taggedDays`;
 *   and the per-architecture manifests of a multi-architecture image carry no tag of their own, so an untagged rule
 *   could expire them under a still-tagged index. What no kept payload references must be pruned by reading the
 *   payloads (docs/platforms/aws.md, "Retention").
 * - `machine-os`, `components`: the builds' own pushes, which payloads never name (oc copies them into `content`):
 *   untagged after `untaggedDays`, tagged after `taggedDays`.
 */
export function expiringLifecyclePolicy(role: RepositoryRole, retention: RegistryRetention): string | undefined {
    if (role === "content") return undefined;
    const untagged = {
        rulePriority: 1,
        description: `Expire untagged images after ${retention.untaggedDays} days`,
        selection: {
            tagStatus: "untagged",
            countType: "sinceImagePushed",
            countUnit: "days",
            countNumber: retention.untaggedDays,
        },
        action: { type: "expire" },
    };
    const keepPayloads = {
        rulePriority: 2,
        description: `Keep the newest ${retention.keepPayloads} nightly payloads whatever their age`,
        selection: {
            tagStatus: "tagged",
            tagPatternList: [payloadTagPattern],
            countType: "imageCountMoreThan",
            countNumber: retention.keepPayloads,
        },
        action: { type: "expire" },
    };
    const aged = {
        rulePriority: 3,
        description: `Expire tagged images after ${retention.taggedDays} days`,
        selection: {
            tagStatus: "tagged",
            tagPatternList: ["*"],
            countType: "sinceImagePushed",
            countUnit: "days",
            countNumber: retention.taggedDays,
        },
        action: { type: "expire" },
    };
    return JSON.stringify({ rules: role === "release" ? [untagged, keepPayloads, aged] : [untagged, aged] });
}

/** Tags of nightly payloads: `<minor>.0-0.<okd|okd-scos>-<UTC time>` (components/pipelines/scripts/assemble-release.sh). */
export const payloadTagPattern = "*.0-0.okd-*";

/**
 * Promoted payload tags are immutable: a release once promoted is never silently replaced. Cosign-style signature and
 * attestation tags (`sha256-<digest>.sig`, `.att`), which Tekton Chains re-pushes when it adds a signature, are
 * excluded.
 */
const signatureTags = [{ filter: "sha256-*", filterType: "WILDCARD" }];

/**
 * Tag mutability per durable role. `promoted-content` is MUTABLE: a promotion that fails half-way must be rerunnable,
 * and a rerun re-puts every content tag (`oc adm release new --mirror` pushes each manifest to its tags without
 * checking the destination: openshift/oc pkg/cli/image/mirror/mirror.go `copyManifestToTags`@6b8e30c5), which ECR
 * refuses on an immutable tag even for the same digest ("ImageTagAlreadyExistsException ... if you push an image with
 * a tag that is already in the repository", https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html).
 * Nothing is lost by it: the payload names its content by digest, and a digest cannot be re-pointed; only the
 * promote identity can write there, and the repository is protected and has no lifecycle policy.
 */
function tagMutability(
    role: RepositoryRole,
): Pick<ecr.RepositoryArgs, "imageTagMutability" | "imageTagMutabilityExclusionFilters"> {
    if (!durableRoles.includes(role) || role === "promotedContent") return { imageTagMutability: "MUTABLE" };
    return { imageTagMutability: "IMMUTABLE_WITH_EXCLUSION", imageTagMutabilityExclusionFilters: signatureTags };
}

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
                ...tagMutability(role),
                // Nightlies are disposable; a promoted release must be deleted image by image, on purpose.
                forceDelete: !durable,
            },
            durable ? { ...opts, ...stateful(args.protect) } : opts,
        );
        // Durable repositories get no lifecycle policy at all: no rule, present or future, can expire a release.
        const policy = durable ? undefined : expiringLifecyclePolicy(role, args.retention);
        if (policy !== undefined) {
            new ecr.LifecyclePolicy(resourceName, { repository: repo.name, policy }, opts);
        }
        names[role] = repoName;
        repositories[role] = repo;
    }
    return { names, repositories };
}
