import { Repository, RepositoryIamMember } from "@pulumi/gcp/artifactregistry";
import * as pulumi from "@pulumi/pulumi";

import { toolsTagPrefix } from "../pipelines/tasks/tools-image";
import { physicalName, stateful } from "../shared/naming";
import { type RepositoryRole, type SiteRegistry, durableRoles, repositoryPaths, repositoryRoles } from "../shared/site";

export interface RegistryArgs {
    project: string;
    region: string;
    namePrefix: string;
    protect: boolean;
    /** Days tagged images in the nightly repository are kept. */
    nightlyDays: number;
    /** Days untagged images are kept. */
    untaggedDays: number;
    /** Nightly payloads kept whatever their age (over all streams). */
    keepPayloads: number;
}

/**
 * The Artifact Registry repositories of a site. IAM is granted per repository
 * (https://cloud.google.com/artifact-registry/docs/access-control#grant-repo), so each is one writer domain:
 * - `builds`: machine-os and component builds, written by the build identity (whose minted token build pods hold);
 * - `nightly`: nightly payloads, their content and the pipelines' tools image (in `release`), written by records only,
 *   so no build token can move the tools tag the release run resolves (issue 15 path 5);
 * - `releases`: promoted releases, written by promotion only;
 * - `attestations`: Chains' signatures and provenance, written by Chains only.
 */
export const registryRepositories = ["builds", "nightly", "releases", "attestations"] as const;
export type RegistryRepository = (typeof registryRepositories)[number];

/** The repository that holds each role's path. */
export const repositoryOf = (role: RepositoryRole): RegistryRepository =>
    role === "attestations"
        ? "attestations"
        : durableRoles.includes(role)
          ? "releases"
          : role === "components" || role === "machineOs"
            ? "builds"
            : "nightly";

export interface Registry {
    /** Machine-os and component builds: expire. The only repository the build identity writes. */
    builds: Repository;
    /** Nightly payloads, their content and the tools image: expire (content by pruning, see below). */
    nightly: Repository;
    /** Promoted releases and their content: never expire, protected. */
    releases: Repository;
    /** Chains' signatures and provenance, written by Chains alone: never expire, protected. */
    attestations: Repository;
    site: SiteRegistry;
    /** The repository that holds each role's path. */
    repositoryOf: (role: RepositoryRole) => RegistryRepository;
    /** Grants `role` to `member` on `on` (default: builds, nightly and releases), resource-scoped. */
    grant(
        name: string,
        member: pulumi.Input<string>,
        role: string,
        opts: pulumi.CustomResourceOptions,
        on?: readonly RegistryRepository[],
    ): void;
}

const seconds = (days: number): string => `${days * 86400}s`;

/**
 * Cleanup policies of the nightly and builds repositories, by package (a Docker image path inside a repository:
 * `release`, `content` in nightly; `machine-os`, `components` in builds). What Artifact Registry's policies can and cannot say
 * (https://cloud.google.com/artifact-registry/docs/repositories/cleanup-policy,
 * https://cloud.google.com/artifact-registry/docs/repositories/cleanup-policy-overview):
 *
 * - A policy acts on *versions* (digests) of a package. `olderThan` counts from a version's upload, and deleting a
 *   version removes every tag on it. Re-tagging an existing digest does not make it younger.
 * - A KEEP policy wins over every DELETE policy that matches the same version; `mostRecentVersions` keeps the newest
 *   `keepCount` versions of each matching package.
 *
 * So age is safe only where each version is used by the payloads made in the days after its upload:
 * - `release`: each nightly payload is a new digest (its name and creation time are inside it): payloads go after
 *   `nightlyDays`, and the newest `keepPayloads` stay whatever their age, so a stream whose nightlies fail for
 *   weeks still has its last good ones.
 * - `components`, `machine-os`: the builds' own pushes. A payload never names them: `oc adm release new --mirror`
 *   copies every image it references, the rebuilt ones included, into `content` and references only those copies
 *   (openshift/oc pkg/cli/admin/release/new.go `mirrorImages`), and a version belongs to one package, so deleting
 *   `components@sha256:x` leaves `content@sha256:x` alone.
 * - `content`: no age-based policy at all. Each night's mirror tags the images it references
 *   (`<payload>-<component>`), but an image that did not change since the base payload keeps the upload time of its
 *   first night: age would delete the content of tonight's payload. No policy can keep "what the newest payloads
 *   reference": a KEEP policy's tag prefixes are fixed when it is written, while the payload names move every
 *   night, and `mostRecentVersions` counts uploads, not references (an unchanged image's version is never among the
 *   newest once enough rebuilt ones have been uploaded after it). `content` therefore only grows, by the images a
 *   night changes; what no kept payload references has to be pruned by a pipeline step that reads the payloads
 *   (docs/platforms/gcp.md, "Retention").
 *
 * The pipelines' tools image (`release:pipeline-tools-<hash>`: in the release package, which the records identity
 * pushes, see components/pipelines/tasks/tools-image.ts) is rebuilt by every nightly, a new version each time, and
 * the release runs resolve its tag: the tagged one is kept whatever its age, so a release finds it even after weeks
 * without a nightly. Each nightly therefore uploads two versions to `release`, its payload and a tools image, so the
 * newest-versions rule keeps twice `keepPayloads` to keep that many payloads (fewer when nightlies fail after
 * building the tools image, which uploads a tools version and no payload).
 *
 * Untagged versions go after `untaggedDays` in the three aged packages only: in `content` the per-architecture
 * manifests of a multi-architecture image carry no tag of their own, and the policy would delete them under their
 * still-tagged index.
 *
 * `nightlyCleanupPolicies` is the nightly repository's (payloads, tools image, content); `buildCleanupPolicies` the
 * builds repository's (components, machine-os).
 */
export function nightlyCleanupPolicies(nightlyDays: number, untaggedDays: number, keepPayloads: number) {
    return [
        {
            id: "keep-newest-payloads",
            action: "KEEP",
            mostRecentVersions: { packageNamePrefixes: [repositoryPaths.release], keepCount: 2 * keepPayloads },
        },
        {
            id: "keep-pipeline-tools",
            action: "KEEP",
            condition: {
                tagState: "TAGGED",
                tagPrefixes: [toolsTagPrefix],
                packageNamePrefixes: [repositoryPaths.release],
            },
        },
        {
            id: "delete-old-payloads",
            action: "DELETE",
            condition: {
                tagState: "ANY",
                packageNamePrefixes: [repositoryPaths.release],
                olderThan: seconds(nightlyDays),
            },
        },
        {
            id: "delete-untagged",
            action: "DELETE",
            condition: {
                tagState: "UNTAGGED",
                packageNamePrefixes: [repositoryPaths.release],
                olderThan: seconds(untaggedDays),
            },
        },
    ];
}

/** The builds repository's: component and machine-os builds go after `nightlyDays`, untagged ones after `untaggedDays`. */
export function buildCleanupPolicies(nightlyDays: number, untaggedDays: number) {
    const aged = [repositoryPaths.components, repositoryPaths.machineOs];
    return [
        {
            id: "delete-old-builds",
            action: "DELETE",
            condition: { tagState: "ANY", packageNamePrefixes: aged, olderThan: seconds(nightlyDays) },
        },
        {
            id: "delete-untagged",
            action: "DELETE",
            condition: { tagState: "UNTAGGED", packageNamePrefixes: aged, olderThan: seconds(untaggedDays) },
        },
    ];
}

/**
 * Four Docker repositories in Artifact Registry, one per writer (`registryRepositories`): the expiring ones (builds,
 * nightly) with cleanup policies, the durable ones (releases, attestations) with none, protected. Roles are paths
 * inside them, so a role never needs its own IAM or policy.
 */
export function createRegistry(name: string, args: RegistryArgs, opts: pulumi.CustomResourceOptions): Registry {
    const common = {
        project: args.project,
        location: args.region,
        // gcp v9 removed these defaults.
        format: "DOCKER",
        mode: "STANDARD_REPOSITORY",
    };
    // Its own repository, so that the build identity's write grant (and so every build's push token) covers nothing
    // the payloads or the release run use: not the tools image's tag, not a payload's.
    const builds = new Repository(
        `${name}-builds`,
        {
            ...common,
            repositoryId: physicalName(args.namePrefix, ["builds"]),
            description: `okd-ci: machine-os and component builds (expire after ${args.nightlyDays} days); written by the build identity only`,
            cleanupPolicies: buildCleanupPolicies(args.nightlyDays, args.untaggedDays),
            cleanupPolicyDryRun: false,
        },
        opts,
    );
    const nightly = new Repository(
        `${name}-nightly`,
        {
            ...common,
            repositoryId: physicalName(args.namePrefix, ["nightly"]),
            description: `okd-ci: nightly payloads (expire after ${args.nightlyDays} days, the newest ${args.keepPayloads} kept), their content (never expires by age) and the pipelines' tools image; written by the records identity only`,
            cleanupPolicies: nightlyCleanupPolicies(args.nightlyDays, args.untaggedDays, args.keepPayloads),
            // Without this the policies only report what they would delete.
            cleanupPolicyDryRun: false,
            // Scanned on push like the release repository: only new digests are scanned (and billed), and most of a
            // nightly's mirrored content repeats the previous night's digests.
        },
        opts,
    );
    const releases = new Repository(
        `${name}-releases`,
        {
            ...common,
            repositoryId: physicalName(args.namePrefix, ["releases"]),
            description: "okd-ci: promoted releases and their content; never expire",
            // No cleanup policy at all, and dry run on: a policy added by hand in the console would only report.
            cleanupPolicies: [],
            cleanupPolicyDryRun: true,
            // Tags stay mutable: Tekton Chains and cosign add signatures and attestations by moving `sha256-…` tags.
            dockerConfig: { immutableTags: false },
        },
        { ...opts, ...stateful(args.protect) },
    );

    // Its own repository, so that Chains' write grant covers nothing else (Artifact Registry grants per repository).
    const attestations = new Repository(
        `${name}-attestations`,
        {
            ...common,
            repositoryId: physicalName(args.namePrefix, ["attestations"]),
            description: "okd-ci: Tekton Chains signatures and provenance of everything built here; never expire",
            cleanupPolicies: [],
            cleanupPolicyDryRun: true,
            // Chains and cosign add signatures and attestations by moving `sha256-…` tags.
            dockerConfig: { immutableTags: false },
        },
        { ...opts, ...stateful(args.protect) },
    );

    const host = `${args.region}-docker.pkg.dev`;
    const byName: Record<RegistryRepository, Repository> = { builds, nightly, releases, attestations };
    const repoOf = (role: RepositoryRole): Repository => byName[repositoryOf(role)];
    const repositories = Object.fromEntries(
        repositoryRoles.map((role) => [
            role,
            pulumi.interpolate`${host}/${args.project}/${repoOf(role).repositoryId}/${repositoryPaths[role]}`,
        ]),
    ) as SiteRegistry["repositories"];

    const grant = (
        grantName: string,
        member: pulumi.Input<string>,
        role: string,
        o: pulumi.CustomResourceOptions,
        on: readonly RegistryRepository[] = ["builds", "nightly", "releases"],
    ) => {
        for (const suffix of on) {
            const repo = byName[suffix];
            new RepositoryIamMember(
                `${grantName}-${suffix}`,
                { project: args.project, location: args.region, repository: repo.repositoryId, role, member },
                o,
            );
        }
    };

    return {
        builds,
        nightly,
        releases,
        attestations,
        site: { host: pulumi.output(host), repositories, insecure: false },
        repositoryOf,
        grant,
    };
}
