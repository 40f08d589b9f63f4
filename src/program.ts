import * as pulumi from "@pulumi/pulumi";

import { OkdPipelines, pipelineRuns } from "../components/pipelines";
import { ClusterReaper } from "../components/pipelines/reaper";
import { StatusRender } from "../components/pipelines/status-render";
import { TektonLayer } from "../components/tekton";
import { loadConfig } from "./config/load";
import { tektonLayerArgs } from "./layers";
import { createSite } from "./sites";

/**
 * The okd-ci program: validate the configuration, build the site, then the in-cluster layer on top of it: Tekton
 * (install, namespace, identity, secrets, triggers) and the OKD pipelines. Returns the stack outputs.
 */
export async function run(): Promise<Record<string, unknown>> {
    const config = loadConfig();
    performance.mark("okd-ci:config-validated");
    const site = await createSite(config);

    // The triggers only name the Pipelines, so they can be built from the same run templates before them.
    const runs = pipelineRuns(site, config.streams);
    const tekton = new TektonLayer(
        `${config.namePrefix}-tekton`,
        tektonLayerArgs(config, {
            site,
            runs,
            // The machine-os and component builds run privileged buildah (see components/tekton/namespace.ts).
            podSecurity: "privileged",
        }),
    );
    // Promotion verifies Chains attestations with the site's key: the clouds' KMS key (read with the promotion identity),
    // or locally the public key generated here or given with the private key.
    const chainsPublicKey = tekton.chainsPublicKey ?? config.chainsPublicKey;
    const chains =
        tekton.chainsKmsRef !== undefined
            ? { kmsRef: tekton.chainsKmsRef }
            : chainsPublicKey !== undefined
              ? { publicKey: chainsPublicKey }
              : undefined;
    const pipelines = new OkdPipelines(`${config.namePrefix}-pipelines`, {
        site,
        streams: config.streams,
        ...(config.maxParallelBuilds !== undefined ? { maxParallelBuilds: config.maxParallelBuilds } : {}),
        ...(chains !== undefined ? { chains } : {}),
        mirror:
            config.mirrorReleaseRepository !== undefined && config.mirrorContentRepository !== undefined
                ? { release: config.mirrorReleaseRepository, content: config.mirrorContentRepository }
                : undefined,
        dependsOn: tekton.ready,
    });
    // Leaked e2e clusters, from the metadata every gate registers before creating one; its finally also re-renders
    // the status site on schedule.
    if (site.gates.length > 0) {
        new ClusterReaper(`${config.namePrefix}-reaper`, {
            site,
            streams: config.streams,
            schedule: config.reaperSchedule,
            ttlHours: config.reaperTtlHours,
            dryRun: config.reaperDryRun,
            dependsOn: [pipelines, ...tekton.ready],
        });
    }

    // The status site on schedule, on every site: staleness shows without any run, and the pushes waiting.
    new StatusRender(`${config.namePrefix}-status-render`, {
        site,
        streams: config.streams,
        schedule: config.statusSchedule,
        dispatchSchedule: config.nightlyDispatchSchedule,
        dependsOn: [pipelines, ...tekton.ready],
    });

    return {
        platform: site.platform,
        ...(site.kubeconfig ? { kubeconfig: pulumi.secret(site.kubeconfig) } : {}),
        registry: site.registry.host,
        repositories: site.registry.repositories,
        artifacts: site.artifacts.url,
        webhook: site.webhook.description,
        ...(site.webhook.url ? { webhookUrl: site.webhook.url } : {}),
        ...(site.webhook.dns ? { webhookDns: site.webhook.dns } : {}),
        webhookService: tekton.webhookService,
        webhookSecret: tekton.webhookSecret,
        ...(tekton.chainsPublicKey ? { chainsPublicKey: tekton.chainsPublicKey } : {}),
        // Where the clouds keep Chains' key: what `cosign verify --key` takes (docs/security.md).
        ...(tekton.chainsKmsRef ? { chainsKmsRef: tekton.chainsKmsRef } : {}),
        // What the operator still has to do for each gate: its installer's credentials, the policies to give a
        // separate account's installer, the name servers to delegate to.
        gates: Object.fromEntries(
            site.gates.map((g) => [
                g.platform,
                {
                    zone: g.zone,
                    credentialsMode: g.credentialsMode,
                    ...(g.credentials.value === undefined ? { credentialsMissing: g.credentials.howToCreate } : {}),
                    ...(g.setup ?? {}),
                },
            ]),
        ),
        pipelines: pipelines.runs.map((r) => ({
            minor: r.minor,
            nightly: r.nightly.pipelineName,
            ...(r.release ? { release: r.release.pipelineName } : {}),
        })),
    };
}
