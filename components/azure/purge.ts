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
 * The ACR Task (multi-step YAML, v1.1.0) that expires images in the expiring repositories: tags last updated more than
 * `nightlyDays` ago are deleted, then, with `--untagged`, manifests left without a tag in those repositories (except
 * those a tagged index or a subject still references, e.g. signatures). acr-cli anchors each repository pattern
 * (`^<pattern>$`), so `okd/content` never matches `okd/promoted-content`; the durable repositories are never named.
 *
 * ACR has no age for untagged manifests: they go at the first run after they lose their last tag, whatever
 * `untaggedDays` says. The task runs daily, which matches the default of 1 day.
 */
export function purgeTaskYaml(namePrefix: string, nightlyDays: number): string {
    const filters = expiringRepositories(namePrefix).map((repo) => `--filter '${literal(repo)}:.*'`);
    const cmd = [
        acrCliImage,
        "purge",
        "--registry {{.Run.Registry}}",
        ...filters,
        `--ago ${nightlyDays}d`,
        "--untagged",
        "--concurrency 4",
    ].join(" ");
    return YAML.stringify(
        { version: "v1.1.0", steps: [{ cmd, disableWorkingDirectoryOverride: true, timeout: 3600 }] },
        // One line per command: folded lines are the same YAML but harder to read in the portal.
        { lineWidth: 0 },
    );
}
