import * as pulumi from "@pulumi/pulumi";

import { secretNames } from "../../shared/site";
import { type PipelineContext, registryAuthStep, siteAuthFile, storageEnv } from "../context";
import { loadScript } from "../scripts";
import { type TaskDefinition, paramEnv } from "../tekton";
import { ocReleaseResources } from "./assemble";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const promoteTaskName = "okd-promote-release";

/** quay.io repositories promoted releases are mirrored to (`mirrorReleaseRepository`, `mirrorContentRepository`). */
export interface MirrorRepositories {
    release: string;
    content: string;
}

/**
 * Promotion of one accepted payload: re-check its record, mirror it (same digest) to quay.io and to the site's
 * durable repositories, skipping any target that already holds it, and mark the record promoted.
 */
export function promoteTask(ctx: PipelineContext, mirror: MirrorRepositories): TaskDefinition {
    const mirrorMount = "/var/run/okd-mirror";
    const targets = pulumi
        .all([ctx.repositories.promoted, ctx.repositories.promotedContent])
        .apply(([promoted, promotedContent]) =>
            [`${mirror.release} ${mirror.content} true`, `${promoted} ${promotedContent} ${ctx.tlsVerify}`].join("\n"),
        );
    return {
        name: promoteTaskName,
        spec: {
            description:
                "Mirrors an accepted payload to quay.io and the site's durable repositories (digest kept) and marks it promoted.",
            params: [
                toolsImageParam,
                { name: "minor", description: "The stream, e.g. 4.15." },
                { name: "name", description: "Payload name." },
                { name: "digest", description: "Payload digest; must match the record." },
            ],
            results: [],
            volumes: [
                // Optional, so a missing Secret reaches mirror-release.sh, which names it, instead of a pod stuck pending.
                { name: "mirror-credentials", secret: { secretName: secretNames.mirror, optional: true } },
            ],
            stepTemplate: {
                env: [
                    ...ctx.identityEnv,
                    ...storageEnv(ctx),
                    ...paramEnv({ MINOR: "minor", NAME: "name", DIGEST: "digest" }),
                ],
                envFrom: ctx.storageEnvFrom,
            },
            steps: [
                registryAuthStep(ctx),
                {
                    name: "check",
                    image: toolsStepImage,
                    script: loadScript("release-record.sh"),
                    env: [{ name: "RECORD_ACTION", value: "check" }],
                },
                {
                    name: "mirror",
                    image: toolsStepImage,
                    script: loadScript("mirror-release.sh"),
                    env: [
                        { name: "SOURCE_REPO", value: ctx.repositories.release },
                        { name: "SOURCE_TLS_VERIFY", value: ctx.tlsVerify },
                        { name: "TARGETS", value: targets },
                        { name: "SITE_AUTH_FILE", value: siteAuthFile },
                        { name: "MIRROR_AUTH_FILE", value: `${mirrorMount}/.dockerconfigjson` },
                        { name: "MIRROR_SECRET", value: secretNames.mirror },
                        { name: "PROMOTION_FILE", value: "/workspace/promotion.json" },
                    ],
                    computeResources: ocReleaseResources,
                    volumeMounts: [{ name: "mirror-credentials", mountPath: mirrorMount, readOnly: true }],
                },
                {
                    name: "record",
                    image: toolsStepImage,
                    script: loadScript("release-record.sh"),
                    env: [
                        { name: "RECORD_ACTION", value: "promote" },
                        { name: "PROMOTION_FILE", value: "/workspace/promotion.json" },
                    ],
                },
            ],
        },
    };
}
