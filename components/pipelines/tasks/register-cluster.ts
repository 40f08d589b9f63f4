import { type PipelineContext, storageEnv } from "../context";
import { loadScript } from "../scripts";
import { type TaskDefinition, paramEnv } from "../tekton";
import { e2eWorkspace } from "./e2e-gate";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const registerClusterTaskName = "okd-register-cluster";
/** Where registrations live in artifact storage: `<prefix><gate>/<pipeline run>/{metadata.json,run.json}`. */
export const clustersPrefix = "clusters/";

/**
 * Stores a gate's metadata.json in artifact storage between its prepare and create steps, as the records
 * identity, which may write `clusters/` (the gate's own pods have no access to artifact storage): every e2e cluster is registered before it exists,
 * and the cluster reaper can destroy it from there if its run never does (register-cluster.sh).
 */
export function registerClusterTask(ctx: PipelineContext): TaskDefinition {
    return {
        name: registerClusterTaskName,
        spec: {
            description:
                "Registers a gate's e2e cluster (its installer metadata.json) in artifact storage before the cluster is created.",
            params: [
                toolsImageParam,
                { name: "gate", description: "The gate's cloud: aws, gcp or azure." },
                { name: "release-image", description: "Payload under test: the reaper destroys with its installer." },
                { name: "pipeline-run", description: "The run's PipelineRun name." },
            ],
            results: [],
            workspaces: [
                { name: e2eWorkspace, description: "The run's e2e workspace: the gate's installer directory." },
            ],
            stepTemplate: { env: [...ctx.identityEnv, ...storageEnv(ctx)], envFrom: ctx.storageEnvFrom.records },
            steps: [
                {
                    name: "register",
                    image: toolsStepImage,
                    script: loadScript("register-cluster.sh"),
                    env: [
                        ...paramEnv({ GATE: "gate", RELEASE_IMAGE: "release-image", PIPELINE_RUN: "pipeline-run" }),
                        // The gate's directory, as e2e-gate.ts names it (<workspace>/<cloud>).
                        { name: "STATE_DIR", value: `$(workspaces.${e2eWorkspace}.path)/$(params.gate)` },
                        { name: "CLUSTERS_PREFIX", value: clustersPrefix },
                    ],
                    timeout: "10m",
                },
            ],
        },
    };
}
