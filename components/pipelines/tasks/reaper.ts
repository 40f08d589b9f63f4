import type { CloudPlatform } from "../../shared/model";
import type { GateAccess } from "../../shared/site";
import { type PipelineContext, storageEnv } from "../context";
import { loadScript } from "../scripts";
import { type TaskDefinition, paramEnv, untrustedStep } from "../tekton";
import { credentials, e2eWorkspace } from "./e2e-gate";
import { publishStatusStep, statusRendererVolume } from "./publish-status";
import { clustersPrefix } from "./register-cluster";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const reapSelectTaskName = "okd-reap-select";
export const reapDestroyTaskName = (cloud: CloudPlatform): string => `okd-reap-destroy-${cloud}`;
export const reapRecordTaskName = "okd-reap-record";

/** Where the reaper's picked registrations go in its workspace. */
const reapDir = `$(workspaces.${e2eWorkspace}.path)/reap`;
const pullSecretFile = `$(workspaces.${e2eWorkspace}.path)/pull-secret.json`;

/** Picks the registered e2e clusters whose run is gone and that are older than the TTL (reap-select.sh). */
export function reapSelectTask(ctx: PipelineContext, gates: GateAccess[]): TaskDefinition {
    return {
        name: reapSelectTaskName,
        spec: {
            description:
                "Picks the registered e2e clusters whose run is gone and that are older than the TTL, with their metadata.json.",
            params: [
                toolsImageParam,
                { name: "ttl-hours", description: "Hours a registration must be old before it is reaped." },
                { name: "live-runs", description: "Unfinished PipelineRuns, space-separated.", default: "" },
            ],
            results: [],
            workspaces: [{ name: e2eWorkspace, description: "The reaper's workspace." }],
            stepTemplate: { env: [...ctx.identityEnv, ...storageEnv(ctx)], envFrom: ctx.storageEnvFrom.records },
            steps: [
                {
                    name: "select",
                    image: toolsStepImage,
                    script: loadScript("reap-select.sh"),
                    env: [
                        ...paramEnv({ TTL_HOURS: "ttl-hours", LIVE_RUNS: "live-runs" }),
                        { name: "GATES", value: gates.map((g) => g.platform).join(" ") },
                        { name: "OUT_DIR", value: reapDir },
                        { name: "CLUSTERS_PREFIX", value: clustersPrefix },
                    ],
                    timeout: "20m",
                },
            ],
        },
    };
}

/** Destroys one gate's picked clusters with that gate's own credentials, or says what it would (reap-destroy.sh). */
export function reapDestroyTask(ctx: PipelineContext, gate: GateAccess): TaskDefinition {
    const creds = credentials(gate);
    return {
        name: reapDestroyTaskName(gate.platform),
        spec: {
            description: `Destroys leaked ${gate.platform} e2e clusters from their stored installer metadata.`,
            params: [toolsImageParam, { name: "dry-run", description: "true: only say what would be destroyed." }],
            results: [],
            workspaces: [{ name: e2eWorkspace, description: "The reaper's workspace." }],
            volumes: creds.volumes,
            // The gate's credentials only: the installer destroys from each cluster's metadata.json.
            stepTemplate: { env: creds.env, securityContext: untrustedStep },
            steps: [
                {
                    name: "destroy",
                    image: toolsStepImage,
                    script: loadScript("reap-destroy.sh"),
                    env: [
                        ...paramEnv({ DRY_RUN: "dry-run" }),
                        { name: "GATE", value: gate.platform },
                        // This cloud's picks: <reap>/<cloud>/ and its upgrade gate's <reap>/<cloud>-upgrade/.
                        { name: "WORK_DIR", value: reapDir },
                        { name: "PULL_SECRET_FILE", value: pullSecretFile },
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                    ],
                    // As the nightly's install step: the installer's destroy works in-process.
                    computeResources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "4Gi" } },
                    volumeMounts: creds.mounts,
                },
            ],
        },
    };
}

/**
 * In the reaper's `finally`: removes the registrations of destroyed clusters and logs the run (reap-record.sh), then
 * re-renders the status site, so that staleness shows on it even when no nightly or release runs.
 */
export function reapRecordTask(ctx: PipelineContext, streamsJson: string): TaskDefinition {
    return {
        name: reapRecordTaskName,
        spec: {
            description:
                "Removes the registrations of destroyed e2e clusters, logs what the reaper did, and re-renders the status site.",
            params: [toolsImageParam, { name: "pipeline-run", description: "The reaper's PipelineRun name." }],
            results: [],
            volumes: [statusRendererVolume],
            workspaces: [{ name: e2eWorkspace, description: "The reaper's workspace." }],
            stepTemplate: { env: [...ctx.identityEnv, ...storageEnv(ctx)], envFrom: ctx.storageEnvFrom.records },
            steps: [
                {
                    name: "record",
                    image: toolsStepImage,
                    script: loadScript("reap-record.sh"),
                    env: [
                        { name: "OUT_DIR", value: reapDir },
                        { name: "LOGS_PREFIX", value: "logs/reaper/$(params.pipeline-run)/" },
                        { name: "CLUSTERS_PREFIX", value: clustersPrefix },
                    ],
                    timeout: "20m",
                },
                publishStatusStep(streamsJson),
            ],
        },
    };
}
