import { type PipelineContext, storageEnv } from "../context";
import { loadScript } from "../scripts";
import { type TaskDefinition, paramEnv } from "../tekton";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const verdictTaskName = "okd-verdict";

/** Accepted only if every blocking gate passed; optional gates are recorded only. Writes the verdict to the record. */
export function verdictTask(ctx: PipelineContext): TaskDefinition {
    return {
        name: verdictTaskName,
        spec: {
            description: "Decides the payload's verdict from its gates and writes it to the payload's record.",
            params: [
                toolsImageParam,
                { name: "minor", description: "The stream, e.g. 4.15." },
                { name: "name", description: "Payload name." },
                {
                    name: "gates",
                    description: 'JSON array of {"gate", "blocking", "outcome"}; [] when the stack has no gate.',
                },
            ],
            results: [{ name: "verdict", description: "accepted or rejected." }],
            stepTemplate: {
                env: [...ctx.identityEnv, ...storageEnv(ctx), ...paramEnv({ MINOR: "minor" })],
                envFrom: ctx.storageEnvFrom.records,
            },
            steps: [
                {
                    name: "decide",
                    image: toolsStepImage,
                    script: loadScript("verdict.sh"),
                    env: [
                        ...paramEnv({ GATES: "gates" }),
                        { name: "GATES_FILE", value: "/workspace/gates.json" },
                        { name: "RESULT_VERDICT", value: "$(results.verdict.path)" },
                    ],
                },
                {
                    name: "record",
                    image: toolsStepImage,
                    script: loadScript("release-record.sh"),
                    env: [
                        { name: "RECORD_ACTION", value: "verdict" },
                        ...paramEnv({ NAME: "name" }),
                        { name: "VERDICT_FILE", value: "$(results.verdict.path)" },
                        { name: "GATES_FILE", value: "/workspace/gates.json" },
                    ],
                },
            ],
        },
    };
}
