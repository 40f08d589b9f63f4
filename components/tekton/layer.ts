import * as pulumi from "@pulumi/pulumi";

import type { Stream } from "../shared/model";
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
    /** The release streams: each gets its push and schedule triggers and a place in the nightly dispatcher. */
    streams: Stream[];
    /** What each stream runs, from the pipelines layer. */
    runs: StreamRuns[];
    /** Pod Security level of the build namespace. Default `baseline`. */
    podSecurity?: BuildPodSecurity;
    /**
     * Where the Tekton release manifests are read from: the public release site, a mirror of it, or a local
     * directory laid out the same way (see `TektonInstallArgs.manifestSource`).
     */
    manifestSource: string;
    /** The build pool's maximum node count: the build namespace's quota is sized to what that pool can hold. */
    buildMaxNodes: number;
    /** Run pruning, in both namespaces. */
    prune: {
        /** PipelineRuns (and their TaskRuns) kept per namespace; the namespaces' object quotas leave room for them. */
        keep: number;
        /** When old runs are pruned (UTC cron, as a CronJob takes it). */
        schedule: string;
    };
    /** When the dispatcher starts the nightly of each stream with recorded pushes, within its throttle (UTC cron). */
    dispatchSchedule: string;
    /** CIDR blocks the webhook Service admits where the site publishes it as a `LoadBalancer`; unset: any address. */
    webhookSourceRanges?: string[];
    /** Secret values the layer writes into Secrets or configures Chains with; each a secret Output. */
    secrets: {
        /** A .dockerconfigjson with push credentials for the mirror repositories; unset: no mirror Secret. */
        mirrorCredentials?: pulumi.Output<string>;
        /** The shared secret GitHub signs webhook deliveries with; generated and kept in state when unset. */
        githubWebhookSecret?: pulumi.Output<string>;
        /**
         * An encrypted cosign private key for Chains, on a site that keeps no KMS signing key (local); refused on a
         * site that does. Unset: a generated ECDSA P-256 key kept in state.
         */
        chainsSigningKey?: pulumi.Output<string>;
        /** Password of `chainsSigningKey`. */
        chainsSigningKeyPassword?: pulumi.Output<string>;
    };
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
        const { site, secrets } = args;

        const install = new TektonInstall(
            `${name}-install`,
            {
                provider: site.provider,
                dependsOn: site.ready,
                manifestSource: args.manifestSource,
                strictNetworkPolicy: site.strictNetworkPolicy === true,
            },
            { parent: this },
        );
        const builds = new PipelineNamespace(
            `${name}-builds`,
            {
                site,
                name: pipelineNamespace,
                podSecurity: args.podSecurity ?? "baseline",
                quota: quotaForPool(args.buildMaxNodes, args.prune.keep),
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
                quota: releaseQuota(args.prune.keep),
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
                schedule: args.prune.schedule,
                keep: args.prune.keep,
            },
            { parent: this },
        );
        const triggers = new StreamTriggers(
            `${name}-triggers`,
            {
                site,
                namespaces,
                streams: args.streams,
                runs: args.runs,
                webhookSourceRanges: args.webhookSourceRanges,
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
                streams: args.streams,
                schedule: args.dispatchSchedule,
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
