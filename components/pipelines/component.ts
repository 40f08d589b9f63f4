import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { Stream } from "../shared/model";
import { type StreamRuns, nightlyPipelineName, releasePipelineName, streamId } from "../shared/pipelines";
import { type RepositoryRole, type Site, pipelineNamespace, releaseNamespace } from "../shared/site";
import { pipelineContext } from "./context";
import { type PipelineImages, defaultImages } from "./images";
import { nightlyPipeline } from "./nightly";
import { releasePipeline } from "./release";
import { RegistryToken } from "./registry-token";
import { defaultMaxParallelBuilds, maxMatrixCombinations, pipelineRuns } from "./runs";
import { containerfilesConfigMap, loadContainerfile } from "./scripts";
import { rendererFile, statusRendererBundle } from "./status/bundle";
import { assembleTask } from "./tasks/assemble";
import { buildComponentTask } from "./tasks/build-component";
import { destroyTask, gateTask, installTask, prepareTask, pullSecretTask } from "./tasks/e2e-gate";
import { finalizeTask } from "./tasks/finalize";
import { machineOsTask } from "./tasks/machine-os";
import { pickTask } from "./tasks/pick";
import { streamCoreosTask } from "./tasks/stream-coreos";
import { type MirrorRepositories, chainsPublicKeyConfigMap, chainsPublicKeyFile, promoteTask } from "./tasks/promote";
import { publishSignaturesTask } from "./tasks/publish-signatures";
import { publishStatusTask, statusRendererConfigMap, statusStreamsJson } from "./tasks/publish-status";
import { registerClusterTask } from "./tasks/register-cluster";
import { releaseNotesTask } from "./tasks/release-notes";
import { toolsContainerfileKey, toolsImageResolveTask, toolsImageTask } from "./tasks/tools-image";
import { upgradeGateTask } from "./tasks/upgrade-gate";
import type { PipelineSpec, TaskDefinition } from "./tekton";

export interface OkdPipelinesArgs {
    /** The site the pipelines run on: registry, artifact storage, identity, build pool, gates. */
    site: Site;
    /** Release streams; each gets a nightly Pipeline, and a release Pipeline when it promotes. */
    streams: Stream[];
    /** quay.io repositories promoted releases are mirrored to; required when a stream promotes. */
    mirror?: MirrorRepositories;
    /**
     * At most this many component builds at once (per nightly run), 1 to `maxMatrixCombinations` (256, Tekton's matrix
     * limit). Default: every component in one fan-out (`defaultMaxParallelBuilds`).
     */
    maxParallelBuilds?: number;
    /**
     * Pinned step images; defaults in `defaultImages`. `tools` is unset there: each run builds the tools image from its
     * Containerfile (once per change of the file); set it to use a prebuilt image instead.
     */
    images?: Partial<PipelineImages>;
    /** Builder image substituted into component Containerfiles. Default `defaultBuilderImage`. */
    builderImage?: string;
    /**
     * How promotion verifies each nightly's Tekton Chains attestation: the site's public key (PEM; local, where Chains
     * signs with a key in a Secret) or its KMS key reference (the clouds: `awskms://…`, `gcpkms://…`, `azurekms://…`,
     * read with the promotion identity), and the repository Chains stores attestations in (default `attestations`).
     * One of the keys is required when a stream promotes.
     */
    chains?: {
        publicKey?: pulumi.Input<string>;
        kmsRef?: pulumi.Input<string>;
        attestationRepository?: RepositoryRole;
    };
    /** Namespace of the nightly Tasks and Pipelines. Default `okd-builds` (the Tekton layer creates it). */
    namespace?: string;
    /** Namespace of the release Tasks and Pipelines and of the token minter. Default `okd-release`. */
    releaseNamespace?: string;
    /** The Tekton install (and namespace): Tasks and Pipelines are admitted by its webhook, so they wait for it. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The OKD release pipelines: Tasks for the pipeline tools image, the node images (machine-os for OKD/FCOS, stream-coreos for
 * OKD/SCOS), component builds, assembly, e2e gates, the verdict, release records
 * and promotion; a nightly Pipeline per stream (in the build namespace) and a release Pipeline per promoting stream
 * (in the release namespace, with its own Tasks); the builds' registry token minter; and `runs`, how the Tekton
 * layer's triggers start them.
 */
export class OkdPipelines extends pulumi.ComponentResource {
    /** Per stream: the PipelineRun templates the triggers create. */
    public readonly runs: StreamRuns[];
    /** Names of the Tasks installed. */
    public readonly taskNames: string[];

    constructor(name: string, args: OkdPipelinesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:pipelines:OkdPipelines", name, {}, opts);
        const namespace = args.namespace ?? pipelineNamespace;
        const release = args.releaseNamespace ?? releaseNamespace;
        const maxParallelBuilds = args.maxParallelBuilds ?? defaultMaxParallelBuilds;
        if (
            !Number.isInteger(maxParallelBuilds) ||
            maxParallelBuilds < 1 ||
            maxParallelBuilds > maxMatrixCombinations
        ) {
            throw new Error(
                `maxParallelBuilds must be a whole number from 1 to ${maxMatrixCombinations} (Tekton's default-max-matrix-combinations-count), not ${maxParallelBuilds}`,
            );
        }
        const promoting = args.streams.filter((s) => s.promote);
        if (promoting.length > 0 && args.mirror === undefined) {
            throw new Error(
                `streams ${promoting.map((s) => s.minor).join(", ")} promote, so OkdPipelines needs the mirror repositories`,
            );
        }
        if (promoting.length > 0 && args.chains?.publicKey === undefined && args.chains?.kmsRef === undefined) {
            throw new Error(
                `streams ${promoting.map((s) => s.minor).join(", ")} promote, and promotion verifies each nightly's Tekton Chains attestation: set chainsPublicKey (the public half of chainsSigningKey), or leave chainsSigningKey unset so the site generates the key pair`,
            );
        }
        const ctx = pipelineContext(args.site, { ...defaultImages, ...args.images });
        const k = {
            parent: this,
            provider: args.site.provider,
            dependsOn: [...args.site.ready, ...(args.dependsOn ?? [])],
        };

        const containerfiles = new k8s.core.v1.ConfigMap(
            `${name}-containerfiles`,
            {
                metadata: { name: containerfilesConfigMap, namespace, labels: partOf },
                data: {
                    "machine-os.Containerfile": loadContainerfile("machine-os"),
                    [toolsContainerfileKey]: loadContainerfile("tools"),
                },
            },
            k,
        );

        // The status renderer (`npm run status`, bundled), which the finalize, release-notes and publish-status steps
        // run with node: docs/status.md.
        const statusRenderer = new k8s.core.v1.ConfigMap(
            `${name}-status-renderer`,
            {
                metadata: { name: statusRendererConfigMap, namespace, labels: partOf },
                data: { [rendererFile]: statusRendererBundle() },
            },
            k,
        );
        const statusStreams = statusStreamsJson(args.streams, args.site.gates);

        const tasks: TaskDefinition[] = [
            toolsImageTask(ctx),
            // Each node-image Task only where a stream of its variant runs it: nothing installed sits unused.
            ...(args.streams.some((s) => s.variant === "okd") ? [machineOsTask(ctx)] : []),
            ...(args.streams.some((s) => s.variant === "scos") ? [streamCoreosTask(ctx)] : []),
            buildComponentTask(ctx),
            assembleTask(ctx),
            finalizeTask(ctx, statusStreams),
            ...(args.site.gates.length > 0 ? [pullSecretTask(ctx)] : []),
            ...(args.site.gates.length > 0 ? [registerClusterTask(ctx)] : []),
            ...args.site.gates.flatMap((g) => [
                prepareTask(ctx, g),
                installTask(ctx, g),
                gateTask(g),
                destroyTask(ctx, g),
            ]),
            // An upgrade gate Task per cloud some stream's upgradeGate names.
            ...args.site.gates
                .filter((g) => args.streams.some((s) => s.upgradeGate?.gate === g.platform))
                .map((g) => upgradeGateTask(g)),
        ];
        // The release Pipeline's Tasks live beside it in the release namespace (a taskRef names a Task of the run's
        // own namespace): the promote Task, the only one that mounts the quay.io credentials, exists nowhere else.
        const chains = args.chains;
        const verify = {
            attestationRepository: ctx.repositories[chains?.attestationRepository ?? "attestations"],
            ...(chains?.kmsRef !== undefined ? { kmsRef: chains.kmsRef } : {}),
        };
        // Resolving the tools image and publishing the status site run in the release namespace on every site: the
        // release Pipeline's last word, and the scheduled status render (status-render.ts) everywhere.
        const releaseTasks: TaskDefinition[] = [
            toolsImageResolveTask(ctx),
            ...(promoting.length > 0 && args.mirror && chains
                ? [
                      pickTask(ctx),
                      promoteTask(ctx, args.mirror, verify),
                      publishSignaturesTask(ctx, verify),
                      releaseNotesTask(ctx),
                  ]
                : []),
            publishStatusTask(ctx, statusStreams),
        ];
        // The release run's own copies of what its Tasks mount: a pod mounts ConfigMaps of its own namespace only.
        const releaseConfigMaps = [
            ...(promoting.length > 0 && args.mirror && chains?.publicKey !== undefined
                ? [
                      new k8s.core.v1.ConfigMap(
                          `${name}-chains-public-key`,
                          {
                              metadata: { name: chainsPublicKeyConfigMap, namespace: release, labels: partOf },
                              data: { [chainsPublicKeyFile]: chains.publicKey },
                          },
                          k,
                      ),
                  ]
                : []),
            new k8s.core.v1.ConfigMap(
                `${name}-release-status-renderer`,
                {
                    metadata: { name: statusRendererConfigMap, namespace: release, labels: partOf },
                    data: { [rendererFile]: statusRendererBundle() },
                },
                k,
            ),
        ];
        const taskResources = [
            ...tasks.map((t) => tektonObject(`${name}-task-${t.name}`, "Task", t.name, namespace, t.spec, k)),
            ...releaseTasks.map((t) => tektonObject(`${name}-task-${t.name}`, "Task", t.name, release, t.spec, k)),
        ];
        const pipelineOpts = {
            ...k,
            dependsOn: [...taskResources, containerfiles, statusRenderer, ...releaseConfigMaps],
        };

        new RegistryToken(
            `${name}-registry-token`,
            {
                site: args.site,
                images: ctx.images,
                buildsNamespace: namespace,
                releaseNamespace: release,
                dependsOn: k.dependsOn,
            },
            { parent: this },
        );

        for (const stream of args.streams) {
            const id = streamId(stream.minor);
            tektonObject(
                `${name}-nightly-${id}`,
                "Pipeline",
                nightlyPipelineName(stream.minor),
                namespace,
                nightlyPipeline(ctx, stream, args.site.gates, { maxParallelBuilds, builderImage: args.builderImage }),
                pipelineOpts,
            );
            if (stream.promote) {
                tektonObject(
                    `${name}-release-${id}`,
                    "Pipeline",
                    releasePipelineName(stream.minor),
                    release,
                    releasePipeline(ctx, stream),
                    pipelineOpts,
                );
            }
        }

        this.runs = pipelineRuns(args.site, args.streams, maxParallelBuilds);
        this.taskNames = [...tasks, ...releaseTasks].map((t) => t.name);
        this.registerOutputs({ runs: this.runs, taskNames: this.taskNames });
    }
}

const partOf = { "app.kubernetes.io/part-of": "okd-ci", "app.kubernetes.io/component": "pipelines" };

function tektonObject(
    resourceName: string,
    kind: "Task" | "Pipeline",
    name: string,
    namespace: string,
    spec: TaskDefinition["spec"] | PipelineSpec,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        resourceName,
        { apiVersion: "tekton.dev/v1", kind, metadata: { name, namespace, labels: partOf }, spec },
        opts,
    );
}
