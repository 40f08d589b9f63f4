import { loadScript } from "../scripts";
import { type Step, paramEnv } from "../tekton";
import { e2eWorkspace } from "./e2e-gate";
import { toolsStepImage } from "./tools-image";

/** Where the verdict steps leave the gates and the verdict for the record step (the pod's own /workspace). */
const gatesFile = "/workspace/gates.json";
const verdictFile = "/workspace/verdict";

/**
 * The verdict's files, for the record step too: a verdict decided but not written (a failed store write in
 * record-verdict) is applied when the record is closed (release-record.sh finalize), not lost as `unfinished`.
 */
export const verdictFilesEnv = [
    { name: "VERDICT_FILE", value: verdictFile },
    { name: "GATES_FILE", value: gatesFile },
];

/**
 * The verdict, as the first steps of finalize-record (in the nightly's `finally`): accepted only if every blocking gate
 * passed; optional gates are recorded only. Decided from each gate chain's task statuses and the outcomes the gates
 * left in the e2e workspace (verdict.sh), so a gate whose Tekton task failed counts as failed instead of skipping the
 * verdict. Both steps run with `onError: continue`, so the destroys are still awaited and the logs uploaded: a
 * verdict decided but not written (a failed store write) is written by the record step with the record's closing
 * (verdictFilesEnv); a refused input leaves the record `pending`, which the record step closes as `unfinished`
 * (never promoted).
 * Each is bounded so that finalize-record fits its timeout (nightly.ts finalizeTimeout).
 */
export function verdictSteps(): Step[] {
    return [
        {
            name: "decide",
            image: toolsStepImage,
            onError: "continue",
            timeout: "1m",
            script: loadScript("verdict.sh"),
            env: [
                ...paramEnv({ GATES: "gates" }),
                // Empty where the run binds no e2e workspace (no gate): then GATES is [] and nothing is read.
                { name: "E2E_DIR", value: `$(workspaces.${e2eWorkspace}.path)` },
                { name: "GATES_FILE", value: gatesFile },
                { name: "RESULT_VERDICT", value: verdictFile },
            ],
        },
        {
            name: "record-verdict",
            image: toolsStepImage,
            onError: "continue",
            // Two small objects rewritten (the record and the index).
            timeout: "3m",
            script: loadScript("release-record.sh"),
            env: [{ name: "RECORD_ACTION", value: "verdict" }, ...verdictFilesEnv],
        },
    ];
}
