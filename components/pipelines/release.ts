import type { Stream } from "../../src/config/schema";
import { pickTaskName } from "./tasks/pick";
import { promoteTaskName } from "./tasks/promote";
import { type PipelineSpec, ref } from "./tekton";

export const releaseTasks = { pick: "pick", promote: "promote" } as const;

/**
 * Promotion of one stream: pick the newest accepted nightly from the records, then mirror and mark it promoted,
 * only when the picked record's verdict is `accepted` (and the promote task re-checks the record itself).
 */
export function releasePipeline(stream: Stream): PipelineSpec {
    const pick = releaseTasks.pick;
    return {
        description: `OKD ${stream.minor} release: promote the newest accepted nightly and mirror it to quay.io.`,
        params: [{ name: "minor", description: "The stream.", default: stream.minor }],
        workspaces: [],
        tasks: [
            {
                name: pick,
                taskRef: ref(pickTaskName),
                params: [{ name: "minor", value: "$(params.minor)" }],
                retries: 2,
            },
            {
                name: releaseTasks.promote,
                taskRef: ref(promoteTaskName),
                when: [{ input: `$(tasks.${pick}.results.verdict)`, operator: "in", values: ["accepted"] }],
                params: [
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
