import type { Stream } from "../shared/model";
import type { PipelineContext } from "./context";
import { pickTaskName } from "./tasks/pick";
import { promoteTaskName, resultPrefixes } from "./tasks/promote";
import { publishSignaturesTaskName } from "./tasks/publish-signatures";
import { publishStatusTaskName } from "./tasks/publish-status";
import { releaseNotesTaskName } from "./tasks/release-notes";
import { toolsImageArg, toolsImagePipelineTask, toolsImagePipelineTaskOf } from "./tasks/tools-image";
import { type PipelineSpec, ref } from "./tekton";

export const releaseTasks = {
    toolsImage: toolsImagePipelineTask,
    pick: "pick",
    promote: "promote",
    notes: "release-notes",
    signatures: "publish-signatures",
    publishStatus: "publish-status",
} as const;

/**
 * Promotion of one stream, in the restricted release namespace under the promotion identity: resolve the tools image
 * the nightlies built, pick the newest accepted nightly from the records, then mirror and mark it promoted, only when
 * the picked record's verdict is `accepted` (and the promote task re-checks the record and verifies its attestation);
 * then copy its signature and provenance next to it on quay.io and write its release notes. `finally`, whatever
 * happened, publish the status site from the records.
 */
export function releasePipeline(ctx: PipelineContext, stream: Stream): PipelineSpec {
    const pick = releaseTasks.pick;
    return {
        description: `OKD ${stream.minor} release: promote the newest accepted nightly and mirror it to quay.io.`,
        params: [{ name: "minor", description: "The stream.", default: stream.minor }],
        workspaces: [],
        tasks: [
            toolsImagePipelineTaskOf(ctx, "resolve"),
            {
                name: pick,
                taskRef: ref(pickTaskName),
                runAfter: [releaseTasks.toolsImage],
                params: [toolsImageArg, { name: "minor", value: "$(params.minor)" }],
                retries: 2,
            },
            {
                name: releaseTasks.promote,
                taskRef: ref(promoteTaskName),
                when: [{ input: `$(tasks.${pick}.results.verdict)`, operator: "in", values: ["accepted"] }],
                params: [
                    toolsImageArg,
                    { name: "minor", value: "$(params.minor)" },
                    { name: "name", value: `$(tasks.${pick}.results.name)` },
                    { name: "digest", value: `$(tasks.${pick}.results.digest)` },
                ],
                timeout: "3h",
                retries: 1,
            },
            {
                // Chains signs the promote TaskRun's quay.io payload once that TaskRun has ended; then it is copied.
                name: releaseTasks.signatures,
                taskRef: ref(publishSignaturesTaskName),
                runAfter: [releaseTasks.promote],
                when: [{ input: `$(tasks.${pick}.results.verdict)`, operator: "in", values: ["accepted"] }],
                params: [
                    toolsImageArg,
                    {
                        name: "image",
                        value: `$(tasks.${releaseTasks.promote}.results.${resultPrefixes.public}IMAGE_URL)@$(tasks.${releaseTasks.promote}.results.${resultPrefixes.public}IMAGE_DIGEST)`,
                    },
                ],
                timeout: "30m",
                retries: 1,
            },
            {
                name: releaseTasks.notes,
                taskRef: ref(releaseNotesTaskName),
                runAfter: [releaseTasks.promote],
                when: [{ input: `$(tasks.${pick}.results.verdict)`, operator: "in", values: ["accepted"] }],
                params: [
                    toolsImageArg,
                    { name: "minor", value: "$(params.minor)" },
                    { name: "name", value: `$(tasks.${pick}.results.name)` },
                ],
                timeout: "1h",
                retries: 1,
            },
        ],
        // Inside the release run's 30m finally budget (runs.ts); publishing is a render and an upload of small files.
        finally: [
            {
                name: releaseTasks.publishStatus,
                taskRef: ref(publishStatusTaskName),
                params: [toolsImageArg],
                timeout: "20m",
            },
        ],
    };
}
