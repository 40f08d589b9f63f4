import * as YAML from "yaml";

import { expiringRoles, repositoryPaths } from "../shared";

/**
 * acr-cli, the image behind ACR Tasks' `acr` alias (github.com/Azure/acr-cli). Pinned here instead of using the alias,
 * which Microsoft moves. Bump deliberately: `purge` deletes data that cannot be recovered.
 */
export const acrCliImage = "mcr.microsoft.com/acr/acr-cli:0.17";

/** When the purge task runs (UTC, ACR Tasks cron): after the nightly builds, before the working day in Europe. */
export const purgeSchedule = "0 4 * * *";

/** Repositories the purge task may touch: the expiring roles only, under the site's `<namePrefix>/` namespace. */
export function expiringRepositories(namePrefix: string): string[] {
    return expiringRoles.map((role) => `${namePrefix}/${repositoryPaths[role]}`);
}

/** Regex-escapes a repository name: acr-cli reads the part before `:` as a regular expression. */
function literal(repository: string): string {
    return repository.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The ACR Task (multi-step YAML, v1.1.0) that expires images in the expiring repositories, in two purges, as acr-cli
 * 0.17 (the pinned image, Azure/acr-cli@775a0377 cmd/acr/purge.go and cmd/repository/image_functions.go) defines them:
 *
 * 1. Tags: `--filter '<repository>:.*' --ago <nightlyDays>d` deletes every tag of those repositories last updated more
 *    than `nightlyDays` ago. No `--untagged` here: in 0.17 that flag purges untagged manifests with the *same* `--ago`
 *    cutoff (`purgeDanglingManifests` passes it to `GetUntaggedManifests` as `deleteCutoff`), which would make
 *    `untaggedDays` meaningless.
 * 2. Untagged manifests: `--filter '<repository>:^$' --ago <untaggedDays>d --untagged`. The tag pattern `^$` matches
 *    no tag (a tag name is never empty), so this purge deletes no tag; `--untagged` then deletes the manifests of those
 *    repositories that carry no tag and were last updated more than `untaggedDays` ago, except those a protected
 *    index (tagged, or too young) references, referrers (manifests with a `subject`, e.g. OCI signatures) and locked
 *    ones. A manifest without a last-update time is kept.
 *
 * acr-cli anchors each repository pattern (`^<pattern>$`, `CollectTagFilters`), so `okd/content` never matches
 * `okd/promoted-content`; the durable repositories are never named.
 */
export function purgeTaskYaml(namePrefix: string, nightlyDays: number, untaggedDays: number): string {
    const purge = (tagPattern: string, ago: number, untagged: boolean) =>
        [
            acrCliImage,
            "purge",
            "--registry {{.Run.Registry}}",
            ...expiringRepositories(namePrefix).map((repo) => `--filter '${literal(repo)}:${tagPattern}'`),
            `--ago ${ago}d`,
            ...(untagged ? ["--untagged"] : []),
            "--concurrency 4",
        ].join(" ");
    return YAML.stringify(
        {
            version: "v1.1.0",
            steps: [
                {
                    id: "expire-tags",
                    cmd: purge(".*", nightlyDays, false),
                    disableWorkingDirectoryOverride: true,
                    timeout: 1800,
                },
                {
                    id: "expire-untagged",
                    cmd: purge("^$", untaggedDays, true),
                    disableWorkingDirectoryOverride: true,
                    timeout: 1800,
                },
            ],
        },
        // One line per command: folded lines are the same YAML but harder to read in the portal.
        { lineWidth: 0 },
    );
}
