import { Repository, RepositoryIamMember } from "@pulumi/gcp/artifactregistry";
import * as pulumi from "@pulumi/pulumi";

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
}

export interface Registry {
    /** Nightly payloads, their content, machine-os and component builds: expire. */
    nightly: Repository;
    /** Promoted releases and their content: never expire, protected. */
    releases: Repository;
    site: SiteRegistry;
    /** Grants `role` on both repositories to `member`, resource-scoped. */
    grant(name: string, member: pulumi.Input<string>, role: string, opts: pulumi.CustomResourceOptions): void;
}

const seconds = (days: number): string => `${days * 86400}s`;

/** Cleanup policies of the nightly repository: untagged after `untaggedDays`, everything tagged after `nightlyDays`. */
export function nightlyCleanupPolicies(nightlyDays: number, untaggedDays: number) {
    return [
        {
            id: "delete-untagged",
            action: "DELETE",
            condition: { tagState: "UNTAGGED", olderThan: seconds(untaggedDays) },
        },
        {
            id: "delete-nightlies",
            action: "DELETE",
            condition: { tagState: "TAGGED", olderThan: seconds(nightlyDays) },
        },
    ];
}

/**
 * Two Docker repositories in Artifact Registry: the expiring roles share one with cleanup policies, the durable roles
 * share one with none, protected. Roles are paths inside them, so a role never needs its own IAM or policy.
 */
export function createRegistry(name: string, args: RegistryArgs, opts: pulumi.CustomResourceOptions): Registry {
    const common = {
        project: args.project,
        location: args.region,
        // gcp v9 removed these defaults.
        format: "DOCKER",
        mode: "STANDARD_REPOSITORY",
    };
    const nightly = new Repository(
        `${name}-nightly`,
        {
            ...common,
            repositoryId: physicalName(args.namePrefix, ["nightly"]),
            description: `okd-ci: nightly payloads, their content, machine-os and component images; expire after ${args.nightlyDays} days`,
            cleanupPolicies: nightlyCleanupPolicies(args.nightlyDays, args.untaggedDays),
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

    const host = `${args.region}-docker.pkg.dev`;
    const repoOf = (role: RepositoryRole): Repository => (durableRoles.includes(role) ? releases : nightly);
    const repositories = Object.fromEntries(
        repositoryRoles.map((role) => [
            role,
            pulumi.interpolate`${host}/${args.project}/${repoOf(role).repositoryId}/${repositoryPaths[role]}`,
        ]),
    ) as SiteRegistry["repositories"];

    const grant = (grantName: string, member: pulumi.Input<string>, role: string, o: pulumi.CustomResourceOptions) => {
        for (const [suffix, repo] of [
            ["nightly", nightly],
            ["releases", releases],
        ] as const) {
            new RepositoryIamMember(
                `${grantName}-${suffix}`,
                { project: args.project, location: args.region, repository: repo.repositoryId, role, member },
                o,
            );
        }
    };

    return { nightly, releases, site: { host: pulumi.output(host), repositories, insecure: false }, grant };
}
