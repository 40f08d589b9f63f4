import type { PipelineContext } from "../context";
import { loadScript } from "../scripts";
import { type TaskDefinition, paramEnv } from "../tekton";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const streamCoreosTaskName = "okd-stream-coreos";

/**
 * The OKD/SCOS node images of one nightly: the stream's CentOS Stream CoreOS image and its extensions image, resolved
 * to digests (stream-coreos.sh), checked to be an OS image oc accepts, and handed to assembly as `<tag>=<image>@<digest>`
 * lines. Nothing is built or pushed: OKD layers its node image in OpenShift CI from repositories only the CI build farm
 * reaches, so the site ships the image OKD published (see stream-coreos.sh), and assembly mirrors it into the site's
 * content repository by digest.
 */
export function streamCoreosTask(_ctx: PipelineContext): TaskDefinition {
    return {
        name: streamCoreosTaskName,
        spec: {
            description:
                "Resolves the OKD/SCOS node image (stream-coreos) and its extensions image to the digests this nightly ships.",
            params: [
                toolsImageParam,
                { name: "node-image", description: "CentOS Stream CoreOS node image, by tag or digest." },
                { name: "node-tags", description: "Payload tags of the node image, space-separated." },
                {
                    name: "extensions-image",
                    description: "Its extensions image, by tag or digest; empty for none.",
                    default: "",
                },
                { name: "extensions-tags", description: "Payload tags of the extensions image.", default: "" },
            ],
            results: [
                {
                    name: "node-images",
                    description: "One line per payload tag: <tag>=<repository>@<digest> <image as configured>.",
                },
                { name: "version", description: "The node image's OS version (its machine-os label)." },
            ],
            // It reads OKD's public node images only: it runs as the build pods do, with no identity and no token.
            steps: [
                {
                    name: "resolve",
                    image: toolsStepImage,
                    script: loadScript("stream-coreos.sh"),
                    env: [
                        ...paramEnv({
                            NODE_IMAGE: "node-image",
                            NODE_TAGS: "node-tags",
                            EXTENSIONS_IMAGE: "extensions-image",
                            EXTENSIONS_TAGS: "extensions-tags",
                        }),
                        { name: "TLS_VERIFY", value: "true" },
                        { name: "RESULT_NODE_IMAGES", value: "$(results.node-images.path)" },
                        { name: "RESULT_VERSION", value: "$(results.version.path)" },
                    ],
                },
            ],
        },
    };
}
