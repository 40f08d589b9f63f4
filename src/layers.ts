import type { OkdCiConfig } from "./config/load";
import type { TektonLayerArgs } from "../components/tekton";

/**
 * Maps the stack configuration to what the Tekton layer takes, given the site it runs on and what each stream runs
 * (from the pipelines layer).
 */
export function tektonLayerArgs(
    config: OkdCiConfig,
    layer: Pick<TektonLayerArgs, "site" | "runs" | "podSecurity">,
): TektonLayerArgs {
    const { secrets } = config;
    return {
        ...layer,
        streams: config.streams,
        manifestSource: config.tektonManifestSource,
        buildMaxNodes: config.buildMaxNodes,
        prune: { keep: config.tektonPruneKeep, schedule: config.tektonPruneSchedule },
        dispatchSchedule: config.nightlyDispatchSchedule,
        webhookSourceRanges: config.webhookSourceRanges,
        secrets: {
            mirrorCredentials: secrets.mirrorCredentials,
            githubWebhookSecret: secrets.githubWebhookSecret,
            chainsSigningKey: secrets.chainsSigningKey,
            chainsSigningKeyPassword: secrets.chainsSigningKeyPassword,
        },
    };
}
