import * as pulumi from "@pulumi/pulumi";

import { type OkdCiConfig, loadConfig } from "./config/load";
import { createSite } from "./sites";
import {
    type PipelineRunTemplate,
    type Site,
    type StreamRuns,
    nightlyPipelineName,
    pipelineServiceAccount,
    releasePipelineName,
    triggerEventParams,
} from "../components/shared";

/**
 * The okd-ci program: validate the configuration, build the site, then the in-cluster layer on top of it.
 * Returns the stack outputs.
 */
export async function run(): Promise<Record<string, unknown>> {
    const config = loadConfig();
    const site = await createSite(config);
    const { TektonLayer } = await import("../components/tekton");
    const tekton = new TektonLayer(`${config.namePrefix}-tekton`, {
        site,
        config,
        runs: placeholderStreamRuns(config, site),
    });
    return {
        platform: site.platform,
        ...(site.kubeconfig ? { kubeconfig: pulumi.secret(site.kubeconfig) } : {}),
        registry: site.registry.host,
        repositories: site.registry.repositories,
        artifacts: site.artifacts.url,
        webhook: site.webhook.description,
        webhookService: tekton.webhookService,
        webhookSecret: tekton.webhookSecret,
        ...(tekton.chainsPublicKey ? { chainsPublicKey: tekton.chainsPublicKey } : {}),
    };
}

/**
 * PLACEHOLDER until the pipelines layer (components/pipelines) is merged: the minimal runs the triggers need, from
 * the config alone. The pipelines layer replaces this function with the `StreamRuns` its Pipelines define.
 */
export function placeholderStreamRuns(config: OkdCiConfig, site: Site): StreamRuns[] {
    const runOf = (minor: string, pipelineName: string): PipelineRunTemplate => ({
        pipelineName,
        params: [{ name: "stream", value: minor }],
        eventParams: [triggerEventParams.revision],
        timeouts: { pipeline: "6h" },
        taskRunTemplate: {
            serviceAccountName: pipelineServiceAccount,
            podTemplate: { nodeSelector: site.buildPool.nodeSelector, tolerations: site.buildPool.tolerations },
        },
        taskRunSpecs: [],
        workspaces: [],
    });
    return config.streams.map((s) => ({
        minor: s.minor,
        nightly: runOf(s.minor, nightlyPipelineName(s.minor)),
        ...(s.promote ? { release: runOf(s.minor, releasePipelineName(s.minor)) } : {}),
    }));
}
