import * as pulumi from "@pulumi/pulumi";

import type { OkdCiConfig } from "../../src/config/load";
import type { StreamRuns } from "../shared/pipelines";
import type { Site } from "../shared/site";
import { ChainsConfig } from "./chains";
import { TektonInstall } from "./install";
import { type BuildPodSecurity, BuildNamespace, identityPodLabels, quotaForPool } from "./namespace";
import { RunPruner } from "./pruner";
import { PipelineSecrets } from "./secrets";
import { NightlyThrottle } from "./throttle";
import { StreamTriggers, listenerServiceAccount } from "./triggers";

export interface TektonLayerArgs {
    /** The site the layer runs on; the layer uses nothing but this contract. */
    site: Site;
    /** The stack configuration (streams, pruning, webhook host, secrets). */
    config: OkdCiConfig;
    /** What each configured stream runs, from the pipelines layer. */
    runs: StreamRuns[];
    /** Pod Security level of the build namespace. Default `baseline`. */
    podSecurity?: BuildPodSecurity;
}

/**
 * The in-cluster Tekton layer: Tekton installed and configured, the build namespace with its identity, Secrets and
 * limits, Chains signing, run pruning, and the triggers (webhook and schedules) of every stream.
 */
export class TektonLayer extends pulumi.ComponentResource {
    /** Depend on these before creating Tekton objects (the pipelines layer's Tasks and Pipelines). */
    public readonly ready: pulumi.Resource[];
    /** The build namespace's name (an output: depending on it waits for the namespace). */
    public readonly namespace: pulumi.Output<string>;
    /** GitHub webhook secret (secret Output). */
    public readonly webhookSecret: pulumi.Output<string>;
    /** Public key of a generated Chains signing key; undefined with a configured cosign key. */
    public readonly chainsPublicKey?: pulumi.Output<string>;
    /** Name of the Service GitHub delivers to. */
    public readonly webhookService: pulumi.Output<string>;

    constructor(name: string, args: TektonLayerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:tekton:Layer", name, {}, opts);
        const { site, config } = args;
        const secrets = config.secrets;

        const install = new TektonInstall(
            `${name}-install`,
            { provider: site.provider, dependsOn: site.ready, manifestSource: config.tektonManifestSource },
            { parent: this },
        );
        const ns = new BuildNamespace(
            `${name}-builds`,
            {
                site,
                podSecurity: args.podSecurity,
                quota: quotaForPool(config.buildMaxNodes),
                mirrorCredentials: secrets.mirrorCredentials !== undefined,
            },
            { parent: this },
        );
        const pipelineSecrets = new PipelineSecrets(
            `${name}-secrets`,
            {
                site,
                namespace: ns.name,
                mirrorCredentials: secrets.mirrorCredentials,
                githubWebhookSecret: secrets.githubWebhookSecret,
            },
            { parent: this },
        );
        const chains = new ChainsConfig(
            `${name}-chains`,
            {
                site,
                dependsOn: [install.chains],
                signingKey: secrets.chainsSigningKey,
                signingKeyPassword: secrets.chainsSigningKeyPassword,
            },
            { parent: this },
        );
        new RunPruner(
            `${name}-pruner`,
            {
                provider: site.provider,
                namespace: ns.name,
                schedule: config.tektonPruneSchedule,
                keep: config.tektonPruneKeep,
            },
            { parent: this },
        );
        const triggers = new StreamTriggers(
            `${name}-triggers`,
            {
                site,
                namespace: ns.name,
                streams: config.streams,
                runs: args.runs,
                runLabels: identityPodLabels(site),
                webhookSourceRanges: config.webhookSourceRanges,
                dependsOn: [...install.ready, ...pipelineSecrets.secrets],
            },
            { parent: this },
        );

        new NightlyThrottle(
            `${name}-throttle`,
            {
                provider: site.provider,
                namespace: ns.name,
                streams: config.streams,
                schedule: config.nightlyDispatchSchedule,
                listenerServiceAccount,
                dependsOn: install.ready,
            },
            { parent: this },
        );

        this.ready = install.ready;
        this.namespace = ns.name;
        this.webhookSecret = pipelineSecrets.webhookSecret;
        this.chainsPublicKey = chains.publicKey;
        this.webhookService = triggers.webhookService.metadata.name;
        this.registerOutputs({
            namespace: this.namespace,
            webhookService: this.webhookService,
            chainsPublicKey: this.chainsPublicKey,
        });
    }
}
