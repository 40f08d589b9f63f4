import * as YAML from "yaml";

import { toolsTagPrefix } from "../pipelines/tasks/tools-image";
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

/** Nightly payload tags, `<minor>.0-0.<okd|okd-scos>-<UTC time>` (components/pipelines/scripts/assemble-release.sh). */
export const payloadTagRegex = "^[0-9]+\\.[0-9]+\\.0-0\\.okd-";

/**
 * The ACR Task (multi-step YAML, v1.1.0) that expires images in the expiring repositories, in three purges, as acr-cli
 * 0.17 (the pinned image, Azure/acr-cli@775a0377 cmd/acr/purge.go and cmd/repository/image_functions.go) defines them.
 * acr-cli judges a *tag* by its own last-update time and deletes tags, never a digest that another tag still names.
 *
 * 1. Tags: `--filter '<repository>:.*' --ago <nightlyDays>d` for `content`, `machine-os` and `components`, and the
 *    tools image tags (`pipeline-tools-…`) of `release`, deletes those tags last updated more than `nightlyDays` ago.
 *    Unlike an age rule on ECR or Artifact Registry, this is safe for `content`: each night's mirror tags what its
 *    payload references under new tags (`<payload>-<component>`), so an unchanged image is still tagged by tonight's
 *    payload when its first night's tag expires. No `--untagged` here: in 0.17 that flag purges untagged manifests
 *    with the *same* `--ago` cutoff (`purgeDanglingManifests` passes it to `GetUntaggedManifests` as `deleteCutoff`),
 *    which would make `untaggedDays` meaningless.
 * 2. Payloads: `--filter '<release>:<payload tags>' --ago <nightlyDays>d --keep <keepPayloads>`: of the payload tags
 *    older than `nightlyDays`, the newest `keepPayloads` stay (`getTagsToDelete` lists tags newest first and skips the
 *    first `keep` eligible ones), so a stream whose nightlies fail for weeks still has payloads it could promote.
 * 3. Untagged manifests: `--filter '<repository>:^$' --ago <untaggedDays>d --untagged`. The tag pattern `^$` matches
 *    no tag (a tag name is never empty), so this purge deletes no tag; `--untagged` then deletes the manifests of those
 *    repositories that carry no tag and were last updated more than `untaggedDays` ago, except those a protected
 *    index (tagged, or too young) references, referrers (manifests with a `subject`, e.g. OCI signatures) and locked
 *    ones. A manifest without a last-update time is kept.
 *
 * acr-cli anchors each repository pattern (`^<pattern>$`, `CollectTagFilters`) and ORs the tag patterns of one
 * repository; tag patterns are not anchored. `okd/content` never matches `okd/promoted-content`; the durable
 * repositories are never named.
 */
export function purgeTaskYaml(
    namePrefix: string,
    nightlyDays: number,
    untaggedDays: number,
    keepPayloads: number,
): string {
    const release = `${namePrefix}/${repositoryPaths.release}`;
    const others = expiringRepositories(namePrefix).filter((repo) => repo !== release);
    const purge = (filters: string[], ago: number, flags: string[]) =>
        [
            acrCliImage,
            "purge",
            "--registry {{.Run.Registry}}",
            ...filters.map((filter) => `--filter '${filter}'`),
            `--ago ${ago}d`,
            ...flags,
            "--concurrency 4",
        ].join(" ");
    const every = (tagPattern: string) =>
        expiringRepositories(namePrefix).map((repo) => `${literal(repo)}:${tagPattern}`);
    return YAML.stringify(
        {
            version: "v1.1.0",
            steps: [
                {
                    id: "expire-tags",
                    cmd: purge(
                        [...others.map((repo) => `${literal(repo)}:.*`), `${literal(release)}:^${toolsTagPrefix}`],
                        nightlyDays,
                        [],
                    ),
                    disableWorkingDirectoryOverride: true,
                    timeout: 1800,
                },
                {
                    id: "expire-payloads",
                    cmd: purge([`${literal(release)}:${payloadTagRegex}`], nightlyDays, [`--keep ${keepPayloads}`]),
                    disableWorkingDirectoryOverride: true,
                    timeout: 1800,
                },
                {
                    id: "expire-untagged",
                    cmd: purge(every("^$"), untaggedDays, ["--untagged"]),
                    disableWorkingDirectoryOverride: true,
                    timeout: 1800,
                },
            ],
        },
        // One line per command: folded lines are the same YAML but harder to read in the portal.
        { lineWidth: 0 },
    );
}
