import type { Stream } from "../../shared/model";
import type { GateAccess } from "../../shared/site";
import { type PipelineContext, storageEnv } from "../context";
import { loadScript } from "../scripts";
import { rendererFile } from "../status/bundle";
import type { StreamConfig } from "../status/model";
import { type Step, type TaskDefinition, restrictedHome, restrictedStep } from "../tekton";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const publishStatusTaskName = "okd-publish-status";

/** ConfigMap (created by OkdPipelines) holding the bundled status renderer (components/pipelines/status/bundle.ts). */
export const statusRendererConfigMap = "okd-status-renderer";

const rendererVolume = "status-renderer";
const rendererMount = "/var/run/okd-status";

/**
 * The Task volume a renderer step mounts. Optional, so a missing ConfigMap reaches the script, which names it, instead
 * of holding the pod (and, in finalize-record, the record's closing) in ContainerCreating.
 */
export const statusRendererVolume = {
    name: rendererVolume,
    configMap: { name: statusRendererConfigMap, optional: true },
};

/** Where a step finds the renderer, and the mount that puts it there. */
export const rendererEnv = { name: "RENDERER", value: `${rendererMount}/${rendererFile}` };
export const rendererVolumeMount = { name: rendererVolume, mountPath: rendererMount, readOnly: true };

/**
 * The streams as the status page lists them: every configured stream (one without records shows as stale), whether
 * it promotes, the gates its nightlies run, and any throttle settings the stream carries (rendered when present).
 */
export function statusStreamsJson(streams: Stream[], gates: GateAccess[]): string {
    const configs: StreamConfig[] = streams.map((s) => {
        const throttle = (s as Stream & { throttle?: StreamConfig["throttle"] }).throttle;
        return {
            minor: s.minor,
            variant: s.variant,
            promote: s.promote,
            gates: [
                ...gates.map((g) => ({ gate: g.platform, blocking: g.blocking })),
                ...(s.upgradeGate
                    ? [{ gate: `${s.upgradeGate.gate}-upgrade`, blocking: s.upgradeGate.blocking, kind: "upgrade" }]
                    : []),
            ],
            ...(throttle ? { throttle } : {}),
        };
    });
    return JSON.stringify(configs);
}

/**
 * Renders the status site from the records and uploads it to `status/` in artifact storage (publish-status.sh).
 * `onError: continue`: the site is a view of the records; a failure to publish it is in the step's exit code and log,
 * and never changes the outcome of the run that made the records.
 */
export function publishStatusStep(streamsJson: string, throttleParam = false): Step {
    return {
        name: "publish-status",
        image: toolsStepImage,
        script: loadScript("publish-status.sh"),
        env: [
            rendererEnv,
            { name: "STREAMS_JSON", value: streamsJson },
            // Only the scheduled render (okd-render-status) passes what it saw of the throttle; the others' renders
            // carry on the throttle.json the published site has.
            ...(throttleParam ? [{ name: "THROTTLE_JSON", value: "$(params.throttle)" }] : []),
        ],
        volumeMounts: [rendererVolumeMount],
        // Reading every record and listing the logs is minutes at most; a hung transfer must not hold the run.
        timeout: "20m",
        onError: "continue",
    };
}

/**
 * The release pipeline's last word (in `finally`): the status site, with whatever the run changed in the records.
 * The scheduled render (status-render.ts) runs it too, with `throttle`: what its starter saw of the push records.
 */
export function publishStatusTask(ctx: PipelineContext, streamsJson: string): TaskDefinition {
    return {
        name: publishStatusTaskName,
        spec: {
            description:
                "Renders the release status site from the release records and publishes it to artifact storage.",
            params: [
                toolsImageParam,
                {
                    name: "throttle",
                    description:
                        "The throttle's state (start-status-render.sh): pushes waiting, shown on the pages; empty: the published site's.",
                    default: "",
                },
            ],
            results: [],
            volumes: [statusRendererVolume],
            stepTemplate: {
                env: [...ctx.identityEnv, ...storageEnv(ctx), restrictedHome],
                envFrom: ctx.storageEnvFrom.promote,
                // It runs in the restricted release namespace, as a user the image may not know (HOME above).
                securityContext: restrictedStep,
            },
            steps: [publishStatusStep(streamsJson, true)],
        },
    };
}
