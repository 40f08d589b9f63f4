import * as pulumi from "@pulumi/pulumi";

import { OkdPipelines } from "../components/pipelines";
import { loadConfig } from "./config/load";
import { createSite } from "./sites";

/**
 * The okd-ci program: validate the configuration, build the site, then the in-cluster layer on top of it.
 * Returns the stack outputs.
 */
export async function run(): Promise<Record<string, unknown>> {
    const config = loadConfig();
    const site = await createSite(config);
    const pipelines = new OkdPipelines(`${config.namePrefix}-pipelines`, {
        site,
        streams: config.streams,
        mirror:
            config.mirrorReleaseRepository !== undefined && config.mirrorContentRepository !== undefined
                ? { release: config.mirrorReleaseRepository, content: config.mirrorContentRepository }
                : undefined,
    });
    return {
        platform: site.platform,
        ...(site.kubeconfig ? { kubeconfig: pulumi.secret(site.kubeconfig) } : {}),
        registry: site.registry.host,
        repositories: site.registry.repositories,
        artifacts: site.artifacts.url,
        webhook: site.webhook.description,
        pipelines: pipelines.runs.map((r) => ({
            minor: r.minor,
            nightly: r.nightly.pipelineName,
            release: r.release?.pipelineName,
        })),
    };
}
