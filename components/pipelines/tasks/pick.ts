import { type PipelineContext, storageEnv } from "../context";
import { loadScript } from "../scripts";
import { type TaskDefinition, paramEnv, restrictedHome, restrictedStep } from "../tekton";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const pickTaskName = "okd-pick-release";

/** The newest accepted nightly of a stream, from the durable records (the index, re-checked against the record). */
export function pickTask(ctx: PipelineContext): TaskDefinition {
    return {
        name: pickTaskName,
        spec: {
            description: "Picks the newest accepted payload of a stream from its release records.",
            params: [toolsImageParam, { name: "minor", description: "The stream, e.g. 4.15." }],
            results: [
                { name: "name", description: "Payload name; empty when nothing was accepted." },
                { name: "digest", description: "Payload digest." },
                { name: "pullspec", description: "Payload by tag in the nightly release repository." },
                { name: "verdict", description: "The record's verdict (accepted), or none when nothing was accepted." },
            ],
            stepTemplate: {
                env: [...ctx.identityEnv, ...storageEnv(ctx), ...paramEnv({ MINOR: "minor" })],
                envFrom: ctx.storageEnvFrom.promote,
                // It runs in the restricted release namespace, as a user the image may not know (HOME below).
                securityContext: restrictedStep,
            },
            steps: [
                {
                    name: "pick",
                    image: toolsStepImage,
                    script: loadScript("release-record.sh"),
                    env: [
                        restrictedHome,
                        { name: "RECORD_ACTION", value: "pick" },
                        { name: "RESULT_NAME", value: "$(results.name.path)" },
                        { name: "RESULT_DIGEST", value: "$(results.digest.path)" },
                        { name: "RESULT_PULLSPEC", value: "$(results.pullspec.path)" },
                        { name: "RESULT_VERDICT", value: "$(results.verdict.path)" },
                    ],
                },
            ],
        },
    };
}
