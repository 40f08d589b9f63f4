import { type PipelineContext, storageEnv } from "../context";
import { loadScript } from "../scripts";
import { type TaskDefinition, paramEnv } from "../tekton";
import { destroySeconds, e2eWorkspace } from "./e2e-gate";
import { publishStatusStep, statusRendererVolume } from "./publish-status";
import { clustersPrefix } from "./register-cluster";
import { toolsImageParam, toolsStepImage } from "./tools-image";
import { verdictFilesEnv, verdictSteps } from "./verdict";

export const finalizeTaskName = "okd-finalize-record";

/**
 * The nightly's last word, in `finally`: decides the verdict from the gates (verdictSteps: in `finally`, so that a
 * gate whose Tekton task failed counts as failed rather than skipping the verdict), waits for the gates' destroys
 * (which run beside it: Tekton orders no finally task after another), uploads the gates' logs and JUnit, destroy.log
 * included, to `logs/` and closes the record. A verdict decided but not written (a failed store write) is written
 * with the closing; a record still pending otherwise (the verdict could not be decided) becomes `unfinished`, which
 * is never promoted.
 * Then, with the record final, it publishes the status site (`streamsJson`: statusStreamsJson).
 *
 * After the wait it removes the registration (`clusters/<gate>/<run>/`, register-cluster.sh) of each gate whose
 * destroy succeeded, so the cluster reaper does not destroy it again after its TTL; failed destroys keep theirs, for
 * the reaper (unregister-clusters.sh). The records identity may delete under `clusters/` (site.ts identityGrants).
 *
 * The record is closed whatever happens before it: the wait and the upload run with `onError: continue` (a failed
 * step would otherwise skip every later step of the task; tektoncd/pipeline docs/tasks.md at v1.15, on onError), and
 * the record step reads the upload's exit code from the file Tekton's entrypoint writes for it
 * (`$(steps.step-upload-logs.exitCode.path)`, substituted in env by the TaskRun reconciler: tektoncd/pipeline
 * pkg/reconciler/taskrun/resources/apply.go ApplyStepExitCodePath; tektoncd/pipeline pkg/entrypoint/entrypointer.go
 * writes the file for a step that ended, failed or not, under `onError: continue`) and notes the outcome in the record
 * (`logsUpload`). A failed upload is still visible in the TaskRun: the step's terminated state keeps its exit code.
 */
export function finalizeTask(ctx: PipelineContext, streamsJson: string): TaskDefinition {
    return {
        name: finalizeTaskName,
        spec: {
            description: "Uploads e2e logs to artifact storage and closes the payload's record.",
            params: [
                toolsImageParam,
                { name: "minor", description: "The stream, e.g. 4.15." },
                { name: "name", description: "Payload name." },
                { name: "pipeline-status", description: "Aggregate status of the run's tasks ($(tasks.status))." },
                {
                    name: "gates",
                    description:
                        'JSON array of {"gate", "blocking", "tasks": "<task>=$(tasks.<task>.status) ..."[, "kind", "from"]} (verdict.sh); [] when the stack has no gate.',
                    default: "[]",
                },
                {
                    name: "gate-statuses",
                    description:
                        "Space-separated <gate>=<status> of the run's gate tasks; the destroy of each gate that started is awaited.",
                    default: "",
                },
                {
                    name: "pipeline-run",
                    description:
                        "The run's PipelineRun name, under which its gates' clusters are registered; empty when the stack has no gate.",
                    default: "",
                },
            ],
            results: [],
            volumes: [statusRendererVolume],
            workspaces: [
                {
                    name: e2eWorkspace,
                    description: "The run's e2e workspace; absent when the stack has no gate.",
                    optional: true,
                },
            ],
            stepTemplate: {
                env: [
                    ...ctx.identityEnv,
                    ...storageEnv(ctx),
                    ...paramEnv({ MINOR: "minor", NAME: "name" }),
                    { name: "LOGS_PREFIX", value: "logs/$(params.minor)/$(params.name)/" },
                ],
                envFrom: ctx.storageEnvFrom.records,
            },
            steps: [
                ...verdictSteps(),
                {
                    name: "await-destroys",
                    image: toolsStepImage,
                    onError: "continue",
                    script: loadScript("await-destroys.sh"),
                    env: [
                        { name: "E2E_DIR", value: `$(workspaces.${e2eWorkspace}.path)` },
                        ...paramEnv({ GATE_STATUSES: "gate-statuses" }),
                        { name: "WAIT_SECONDS", value: String(destroySeconds) },
                    ],
                },
                {
                    name: "unregister-clusters",
                    image: toolsStepImage,
                    onError: "continue",
                    // A few small deletions; bounded so that a hung call cannot eat the time the record needs.
                    timeout: "3m",
                    script: loadScript("unregister-clusters.sh"),
                    env: [
                        { name: "E2E_DIR", value: `$(workspaces.${e2eWorkspace}.path)` },
                        ...paramEnv({ GATE_STATUSES: "gate-statuses", PIPELINE_RUN: "pipeline-run" }),
                        { name: "CLUSTERS_PREFIX", value: clustersPrefix },
                    ],
                },
                {
                    name: "upload-logs",
                    image: toolsStepImage,
                    onError: "continue",
                    // Logs and JUnit of a few gates; bounded so that the record is always closed in time.
                    timeout: "15m",
                    script: loadScript("upload-logs.sh"),
                    env: [{ name: "E2E_DIR", value: `$(workspaces.${e2eWorkspace}.path)` }],
                },
                {
                    name: "record",
                    image: toolsStepImage,
                    // Two small objects rewritten (the record and the index).
                    timeout: "5m",
                    script: loadScript("release-record.sh"),
                    env: [
                        { name: "RECORD_ACTION", value: "finalize" },
                        ...verdictFilesEnv,
                        { name: "UPLOAD_EXIT_CODE_FILE", value: "$(steps.step-upload-logs.exitCode.path)" },
                        ...paramEnv({ PIPELINE_STATUS: "pipeline-status" }),
                        {
                            name: "LOGS_URL",
                            value: ctx.artifactsUrl.apply((u) => `${u}logs/$(params.minor)/$(params.name)/`),
                        },
                    ],
                },
                publishStatusStep(streamsJson),
            ],
        },
    };
}
