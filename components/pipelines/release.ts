import type { Stream } from "../../src/config/schema";
import type { PipelineContext } from "./context";
import { pickTaskName } from "./tasks/pick";
import { promoteTaskName } from "./tasks/promote";
import { toolsImageArg, toolsImagePipelineTask, toolsImagePipelineTaskOf } from "./tasks/tools-image";
import { type PipelineSpec, ref } from "./tekton";

export const releaseTasks = { toolsImage: toolsImagePipelineTask, pick: "pick", promote: "promote" } as const;

/**
 * Promotion of one stream, in the restricted release namespace under the promotion identity: resolve the tools image
 * the nightlies built, pick the newest accepted nightly from the records, then mirror and mark it promoted, only when
 * the picked record's verdict is `accepted` (and the promote task re-checks the record itself).
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
        ],
        finally: [],
    };
}
