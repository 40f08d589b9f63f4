import * as pulumi from "@pulumi/pulumi";

import type { OkdCiConfig } from "../../src/config/load";
import type { StreamRuns } from "../shared/pipelines";
import { type Site, pipelineNamespace, releaseNamespace } from "../shared/site";
import { ListenerAdmission, admittedRuns, listenerSubject } from "./admission";
import { ChainsConfig } from "./chains";
import { TektonInstall } from "./install";
import {
    type BuildPodSecurity,
    PipelineNamespace,
    buildAccounts,
    quotaForPool,
    releaseAccounts,
    releaseQuota,
} from "./namespace";
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
 * The in-cluster Tekton layer: Tekton installed and configured; the privileged build namespace (`okd-builds`, where
 * nightlies build pushed code) and the restricted release namespace (`okd-release`: promotion, listeners, CronJobs,
 * pruner), each with its ServiceAccounts (one identity each, none for builds), Secrets, limits and quotas; Chains
 * signing under its own identity; run pruning; the triggers of every stream; and the admission policy that holds
 * the listeners to the okd-ci Pipelines.
 */
export class TektonLayer extends pulumi.ComponentResource {
    /** Depend on these before creating Tekton objects (the pipelines layer's Tasks and Pipelines). */
    public readonly ready: pulumi.Resource[];
    /** The build namespace's name (an output: depending on it waits for the namespace). */
    public readonly namespace: pulumi.Output<string>;
    /** The release namespace's name (an output). */
    public readonly releaseNamespace: pulumi.Output<string>;
    /** GitHub webhook secret (secret Output). */
    public readonly webhookSecret: pulumi.Output<string>;
    /** Public key of a generated Chains signing key; undefined with a configured cosign key or a KMS key. */
    public readonly chainsPublicKey?: pulumi.Output<string>;
    /** The KMS reference Chains signs with, where the site keeps its key in KMS. */
    public readonly chainsKmsRef?: pulumi.Output<string>;
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
        const builds = new PipelineNamespace(
            `${name}-builds`,
            {
                site,
                name: pipelineNamespace,
                podSecurity: args.podSecurity ?? "baseline",
                quota: quotaForPool(config.buildMaxNodes, config.tektonPruneKeep),
                accounts: buildAccounts(site),
            },
            { parent: this },
        );
        const release = new PipelineNamespace(
            `${name}-release`,
            {
                site,
                name: releaseNamespace,
                podSecurity: "restricted",
                quota: releaseQuota(config.tektonPruneKeep),
                maxContainerMemoryGb: 8,
                maxVolumeGb: 10,
                accounts: releaseAccounts(site),
            },
            { parent: this },
        );
        const namespaces = { builds: builds.name, release: release.name };
        const pipelineSecrets = new PipelineSecrets(
            `${name}-secrets`,
            {
                site,
                namespaces,
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
                namespace: release.name,
                targets: [
                    { key: "builds", namespace: builds.name },
                    { key: "release", namespace: release.name },
                ],
                schedule: config.tektonPruneSchedule,
                keep: config.tektonPruneKeep,
            },
            { parent: this },
        );
        const triggers = new StreamTriggers(
            `${name}-triggers`,
            {
                site,
                namespaces,
                streams: config.streams,
                runs: args.runs,
                webhookSourceRanges: config.webhookSourceRanges,
                dependsOn: [...install.ready, ...pipelineSecrets.secrets],
            },
            { parent: this },
        );
        new ListenerAdmission(
            `${name}-admission`,
            {
                provider: site.provider,
                runs: admittedRuns(args.runs),
                listener: listenerSubject(releaseNamespace),
                dependsOn: site.ready,
            },
            { parent: this },
        );

        new NightlyThrottle(
            `${name}-throttle`,
            {
                provider: site.provider,
                namespaces,
                releaseNamespaceName: releaseNamespace,
                streams: config.streams,
                schedule: config.nightlyDispatchSchedule,
                listenerServiceAccount,
                dependsOn: install.ready,
            },
            { parent: this },
        );

        this.ready = install.ready;
        this.namespace = builds.name;
        this.releaseNamespace = release.name;
        this.webhookSecret = pipelineSecrets.webhookSecret;
        this.chainsPublicKey = chains.publicKey;
        this.chainsKmsRef = chains.kmsRef;
        this.webhookService = triggers.webhookService.metadata.name;
        this.registerOutputs({
            namespace: this.namespace,
            releaseNamespace: this.releaseNamespace,
            webhookService: this.webhookService,
            chainsPublicKey: this.chainsPublicKey,
        });
    }
}
