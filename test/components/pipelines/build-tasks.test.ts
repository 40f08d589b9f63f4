/**
 * The build-side Task builders, value by value, as a TaskRun of each needs them: the tools image (built or resolved),
 * a component build, the machine-os build from the Fedora CoreOS base, the OKD/SCOS node image resolution and the
 * release's pick. Each step's env is what its script (components/pipelines/scripts/*.sh) reads; the files one step
 * writes are the files the next reads; the privileged buildah step is the only privileged one and pulls its
 * Containerfile from the ConfigMap OkdPipelines installs. Built in each test's own body, so a mutant in a builder is
 * judged by the tests that read what it builds.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { type PipelineContext, pipelineContext } from "../../../components/pipelines/context";
import {
    componentStages,
    defaultBaseImage,
    defaultBuilderImage,
    defaultImages,
    defaultRpmsImage,
    registryAuthImage,
    tagOnlyStepImages,
} from "../../../components/pipelines/images";
import {
    containerfilesConfigMap,
    imagesDir,
    loadContainerfile,
    loadScript,
    scriptsDir,
} from "../../../components/pipelines/scripts";
import {
    buildComponentTask,
    buildComponentTaskName,
    builtResult,
    fallibleSteps,
} from "../../../components/pipelines/tasks/build-component";
import { machineOsTask, machineOsTaskName } from "../../../components/pipelines/tasks/machine-os";
import { pickTask, pickTaskName } from "../../../components/pipelines/tasks/pick";
import { streamCoreosTask, streamCoreosTaskName } from "../../../components/pipelines/tasks/stream-coreos";
import {
    toolsBuildRepository,
    toolsImageArg,
    toolsImagePipelineTaskOf,
    toolsImageResolveTask,
    toolsImageTag,
    toolsImageTask,
    toolsRepository,
} from "../../../components/pipelines/tasks/tools-image";
import type { Component } from "../../../components/shared/model";
import { useMocks, valueOf } from "../../helpers";
import { type Obj, restrictedStep, serialized, stepOf } from "../../support/rendered";
import { taskProblems } from "../../support/tekton-refs";
import { fakeSite } from "../tekton/fixtures";

/** A rendered Task, checked for Tekton's own wiring (test/support/tekton-refs.ts) before a test reads it. */
async function renderTask(task: { name: string; spec: unknown }): Promise<Obj> {
    const spec = await serialized(task.spec);
    assert.deepEqual(taskProblems({ metadata: { name: task.name }, spec }), []);
    return spec;
}

/** A step's env as name → value, failing on a name set twice (the later would win silently). */
const envOf = (s: Obj): Record<string, string> => {
    const names = s.env.map((e: Obj) => e.name as string);
    assert.deepEqual(names, [...new Set(names)], `step ${s.name} sets a variable twice`);
    return Object.fromEntries(s.env.map((e: Obj) => [e.name, e.value]));
};
/** Each param as [name, type, default] ("string" and no default when unset). */
const paramShapes = (spec: Obj) =>
    spec.params.map((p: Obj) => [p.name, p.type ?? "string", "default" in p ? p.default : "(required)"]);

const toolsImage = "$(params.tools-image)";
const pushTokenMount = { name: "registry-push", mountPath: "/var/run/okd-registry", readOnly: true };
const pushTokenVolume = { name: "registry-push", secret: { secretName: "okd-registry-push" } };
const pushAuthFile = "/var/run/okd-registry/auth.json";
const buildahStorage = { name: "containers", mountPath: "/var/lib/containers" };

/** The registry-token step every build Task starts with (context.ts `awaitPushTokenStep`) on the local site. */
const awaitToken = (image: string) => ({
    name: "registry-token",
    image,
    script: loadScript("await-registry-token.sh"),
    env: [
        { name: "TOKEN_DIR", value: "/var/run/okd-registry" },
        { name: "REGISTRY_HOST", value: "registry.okd-site.svc.cluster.local:5000" },
        { name: "PLATFORM", value: "local" },
    ],
    computeResources: { requests: { cpu: "10m", memory: "16Mi" } },
    volumeMounts: [pushTokenMount],
});

describe("build-side Task builders", () => {
    useMocks();

    /** The local site: plain-HTTP in-cluster registry, static object-store keys. */
    let local: PipelineContext;
    /** An AWS site: ECR over TLS, Pod Identity. */
    let aws: PipelineContext;
    const localHost = "registry.okd-site.svc.cluster.local:5000";
    const awsHost = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

    before(() => {
        local = pipelineContext(fakeSite("bt-local", "local"), defaultImages);
        aws = pipelineContext(fakeSite("bt-aws", "aws"), defaultImages);
    });

    describe("okd-build-component", () => {
        it("takes the component's source, Containerfile, substitutions and destination as params", async () => {
            const task = buildComponentTask(local);
            assert.equal(task.name, buildComponentTaskName);
            assert.equal(task.name, "okd-build-component");
            const spec = await renderTask(task);
            assert.deepEqual(paramShapes(spec), [
                ["tools-image", "string", "(required)"],
                ["repository", "string", "(required)"],
                ["branch", "string", "(required)"],
                ["revisions", "string", ""],
                ["dockerfile", "string", "(required)"],
                ["context", "string", "."],
                ["build-args", "string", ""],
                ["tags", "string", "(required)"],
                ["from", "string", ""],
                ["builder-image", "string", "(required)"],
                ["base-image", "string", "(required)"],
                ["base-payload", "string", "(required)"],
                ["run-images", "array", []],
                ["run-components", "string", ""],
                ["image", "string", "(required)"],
                ["component", "string", "(required)"],
            ]);
            assert.match(spec.params.find((p: Obj) => p.name === "run-images").description, /^The BUILT results /);
        });

        it("reports the pushed image and its source for Chains, and BUILT for assembly", async () => {
            const spec = await renderTask(buildComponentTask(local));
            assert.equal(builtResult, "BUILT");
            assert.deepEqual(
                spec.results.map((r: Obj) => r.name),
                ["IMAGE_URL", "IMAGE_DIGEST", "CHAINS-GIT_URL", "CHAINS-GIT_COMMIT", "BUILT"],
            );
            assert.deepEqual(
                spec.results.map((r: Obj) => r.type),
                [undefined, undefined, undefined, undefined, undefined],
                "string results: Tekton aggregates a matrixed task's string results into an array",
            );
        });

        it("waits for the push token, clones, substitutes, builds and reports, in that order", async () => {
            const spec = await renderTask(buildComponentTask(local));
            assert.deepEqual(
                spec.steps.map((s: Obj) => s.name),
                ["registry-token", "clone", "substitute-builder", "build", "report"],
            );
            assert.deepEqual(spec.steps[0], awaitToken(toolsImage));
            assert.deepEqual(spec.volumes, [{ name: "containers", emptyDir: {} }, pushTokenVolume]);
            assert.equal(spec.stepTemplate, undefined, "a build pod holds no identity: no identity env");
        });

        it("lets exactly the component's own steps fail into a BUILT report, never the token or the report", async () => {
            const spec = await renderTask(buildComponentTask(local));
            assert.deepEqual([...fallibleSteps], ["clone", "substitute-builder", "build"]);
            assert.deepEqual(
                spec.steps.filter((s: Obj) => s.onError === "continue").map((s: Obj) => s.name),
                [...fallibleSteps],
            );
            assert.deepEqual(
                spec.steps.filter((s: Obj) => s.onError !== undefined && s.onError !== "continue"),
                [],
                "no other onError",
            );
            // build-report.sh reads each fallible step's exit code file (Tekton: $(steps.step-<name>.exitCode.path)).
            assert.deepEqual(envOf(stepOf(spec, "report")), {
                COMPONENT: "$(params.component)",
                STEP_EXIT_FILES: [
                    "clone=$(steps.step-clone.exitCode.path)",
                    "substitute-builder=$(steps.step-substitute-builder.exitCode.path)",
                    "build=$(steps.step-build.exitCode.path)",
                ].join("\n"),
                TASK_RUN: "$(context.taskRun.name)",
                FAILURE_NOTE_FILE: "/workspace/infrastructure-failure",
                RESULT_BUILT: "$(results.BUILT.path)",
            });
            const report = stepOf(spec, "report");
            assert.equal(report.image, toolsImage);
            assert.equal(report.script, loadScript("build-report.sh"));
            assert.equal(report.securityContext, undefined);
        });

        it("clones the repository at its branch (or a pushed revision) into the source dir, labelling the build", async () => {
            const spec = await renderTask(buildComponentTask(local));
            const clone = stepOf(spec, "clone");
            assert.equal(clone.image, toolsImage);
            assert.equal(clone.script, loadScript("clone-source.sh"));
            assert.deepEqual(envOf(clone), {
                REPOSITORY: "$(params.repository)",
                BRANCH: "$(params.branch)",
                REVISIONS: "$(params.revisions)",
                SOURCE_DIR: "/workspace/source",
                LABELS_FILE: "/workspace/labels",
                RESULT_GIT_URL: "$(results.CHAINS-GIT_URL.path)",
                RESULT_GIT_COMMIT: "$(results.CHAINS-GIT_COMMIT.path)",
                FAILURE_NOTE_FILE: "/workspace/infrastructure-failure",
            });
            assert.equal(clone.volumeMounts, undefined, "git needs no registry token");
        });

        it("substitutes the public images into the cloned Containerfile, reading the run's BUILT results as args", async () => {
            for (const [ctx, tls] of [
                [local, "false"],
                [aws, "true"],
            ] as const) {
                const spec = await renderTask(buildComponentTask(ctx));
                const sub = stepOf(spec, "substitute-builder");
                assert.equal(sub.image, toolsImage);
                assert.equal(sub.script, loadScript("substitute-builder.sh"));
                // An array param reaches a script only as arguments (tektoncd/pipeline docs/tasks.md).
                assert.deepEqual(sub.args, ["$(params.run-images[*])"]);
                assert.deepEqual(sub.volumeMounts, [pushTokenMount]);
                assert.deepEqual(envOf(sub), {
                    BUILDER_IMAGE: "$(params.builder-image)",
                    BASE_IMAGE: "$(params.base-image)",
                    BASE_PAYLOAD: "$(params.base-payload)",
                    RUN_COMPONENTS: "$(params.run-components)",
                    FINAL_FROM: "$(params.from)",
                    CONTAINERFILE: "/workspace/source/$(params.dockerfile)",
                    TLS_VERIFY: tls,
                    REGISTRY_AUTH_FILE: pushAuthFile,
                });
            }
        });

        it("builds with privileged buildah from the source the clone wrote, pushing with the mounted token", async () => {
            for (const [ctx, tls] of [
                [local, "false"],
                [aws, "true"],
            ] as const) {
                const spec = await renderTask(buildComponentTask(ctx));
                const build = stepOf(spec, "build");
                assert.equal(build.image, defaultImages.buildah);
                assert.equal(build.script, loadScript("build-image.sh"));
                assert.deepEqual(envOf(build), {
                    IMAGE: "$(params.image)",
                    CONTEXT_DIR: "/workspace/source/$(params.context)",
                    CONTAINERFILE: "/workspace/source/$(params.dockerfile)",
                    BUILD_ARGS: "TAGS=$(params.tags)\n$(params.build-args)",
                    LABELS_FILE: "/workspace/labels",
                    TLS_VERIFY: tls,
                    REGISTRY_AUTH_FILE: pushAuthFile,
                    RESULT_IMAGE_URL: "$(results.IMAGE_URL.path)",
                    RESULT_IMAGE_DIGEST: "$(results.IMAGE_DIGEST.path)",
                    COMPONENT: "$(params.component)",
                    SOURCE_URL_FILE: "$(results.CHAINS-GIT_URL.path)",
                    SOURCE_COMMIT_FILE: "$(results.CHAINS-GIT_COMMIT.path)",
                    RESULT_BUILT: "$(results.BUILT.path)",
                    FAILURE_NOTE_FILE: "/workspace/infrastructure-failure",
                });
                assert.deepEqual(build.securityContext, { privileged: true });
                assert.deepEqual(build.computeResources, {
                    requests: { cpu: "4", memory: "4Gi" },
                    limits: { memory: "8Gi" },
                });
                assert.deepEqual(build.volumeMounts, [buildahStorage, pushTokenMount]);
                // The only privileged step of the Task.
                assert.deepEqual(
                    spec.steps.filter((s: Obj) => s.securityContext !== undefined).map((s: Obj) => s.name),
                    ["build"],
                );
            }
        });

        it("hands each file from the step that writes it to the steps that read it", async () => {
            const spec = await renderTask(buildComponentTask(local));
            const [clone, sub, build, report] = ["clone", "substitute-builder", "build", "report"].map((n) =>
                envOf(stepOf(spec, n)),
            );
            // The Containerfile substitute-builder rewrites is the one buildah builds, inside the clone.
            assert.equal(sub.CONTAINERFILE, build.CONTAINERFILE);
            assert.ok(build.CONTAINERFILE.startsWith(`${clone.SOURCE_DIR}/`));
            assert.ok(build.CONTEXT_DIR.startsWith(`${clone.SOURCE_DIR}/`));
            // Source labels and the source the build records come from what clone wrote.
            assert.equal(clone.LABELS_FILE, build.LABELS_FILE);
            assert.equal(clone.RESULT_GIT_URL, build.SOURCE_URL_FILE);
            assert.equal(clone.RESULT_GIT_COMMIT, build.SOURCE_COMMIT_FILE);
            // An infrastructure failure noted by clone or build is what report tells apart from a failed build.
            assert.equal(clone.FAILURE_NOTE_FILE, report.FAILURE_NOTE_FILE);
            assert.equal(build.FAILURE_NOTE_FILE, report.FAILURE_NOTE_FILE);
            assert.equal(build.RESULT_BUILT, report.RESULT_BUILT);
            assert.equal(build.COMPONENT, report.COMPONENT);
        });
    });

    describe("okd-tools-image", () => {
        it("builds the Containerfile from the ConfigMap into the components repository, or resolves a prebuilt image", async () => {
            for (const [ctx, host, tls] of [
                [local, localHost, "false"],
                [aws, awsHost, "true"],
            ] as const) {
                const spec = await renderTask(toolsImageTask(ctx));
                assert.equal(toolsImageTask(ctx).name, "okd-tools-image");
                assert.deepEqual(paramShapes(spec), [["prebuilt-image", "string", ""]]);
                assert.deepEqual(
                    spec.results.map((r: Obj) => r.name),
                    ["IMAGE_URL", "IMAGE_DIGEST"],
                );
                assert.deepEqual(spec.volumes, [
                    {
                        name: "containerfiles",
                        configMap: {
                            name: "okd-pipeline-containerfiles",
                            items: [{ key: "tools.Containerfile", path: "Containerfile" }],
                        },
                    },
                    { name: "containers", emptyDir: {} },
                    pushTokenVolume,
                ]);
                assert.deepEqual(
                    spec.steps.map((s: Obj) => s.name),
                    ["registry-token", "build"],
                );
                // No tools image exists yet: the token step runs in buildah's image.
                assert.equal(spec.steps[0].image, defaultImages.buildah);
                const build = stepOf(spec, "build");
                assert.equal(build.image, defaultImages.buildah);
                assert.equal(build.script, loadScript("tools-image.sh"));
                assert.deepEqual(envOf(build), {
                    PREBUILT_IMAGE: "$(params.prebuilt-image)",
                    CONTAINERFILE: "/containerfiles/Containerfile",
                    CONTEXT_DIR: "/containerfiles",
                    REPOSITORY: `${host}/components`,
                    TAG_PREFIX: "pipeline-tools-",
                    TLS_VERIFY: tls,
                    REGISTRY_AUTH_FILE: pushAuthFile,
                    RESULT_IMAGE_URL: "$(results.IMAGE_URL.path)",
                    RESULT_IMAGE_DIGEST: "$(results.IMAGE_DIGEST.path)",
                });
                assert.deepEqual(build.securityContext, { privileged: true });
                assert.deepEqual(build.computeResources, {
                    requests: { cpu: "2", memory: "3Gi" },
                    limits: { memory: "6Gi" },
                });
                assert.deepEqual(build.volumeMounts, [
                    { name: "containerfiles", mountPath: "/containerfiles", readOnly: true },
                    buildahStorage,
                    pushTokenMount,
                ]);
                assert.equal(spec.stepTemplate, undefined, "a build pod holds no identity");
            }
        });

        it("reads the Containerfile at the path the ConfigMap volume puts it, under the key OkdPipelines writes", async () => {
            const spec = await renderTask(toolsImageTask(local));
            const volume = spec.volumes.find((v: Obj) => v.name === "containerfiles");
            const build = stepOf(spec, "build");
            const mount = build.volumeMounts.find((m: Obj) => m.name === "containerfiles");
            assert.equal(volume.configMap.name, containerfilesConfigMap);
            assert.equal(envOf(build).CONTAINERFILE, `${mount.mountPath}/${volume.configMap.items[0].path}`);
            assert.equal(envOf(build).CONTEXT_DIR, mount.mountPath);
            // The tag the script gives is the prefix and the first 16 hex of the file's sha256 (toolsImageTag).
            assert.match(loadScript("tools-image.sh"), /\$\{TAG_PREFIX:-pipeline-tools-\}/);
        });

        it("tags by the first 16 hex of the Containerfile's sha256", () => {
            // sha256 of the empty string: e3b0c44298fc1c149afbf4c8996fb924…
            assert.equal(toolsImageTag(""), "pipeline-tools-e3b0c44298fc1c14");
            const file = fs.readFileSync(path.join(imagesDir, "tools", "Containerfile"), "utf8");
            const sha = createHash("sha256").update(file).digest("hex");
            assert.equal(toolsImageTag(), `pipeline-tools-${sha.slice(0, 16)}`);
        });

        it("builds into the components repository and publishes under the release repository", async () => {
            assert.equal(await valueOf(toolsBuildRepository(aws)), `${awsHost}/components`);
            assert.equal(await valueOf(toolsRepository(aws)), `${awsHost}/release`);
        });
    });

    describe("okd-tools-image-resolve", () => {
        it("resolves the image with skopeo under the promotion identity, restricted, building nothing", async () => {
            for (const [ctx, host, tls, authImage] of [
                [local, localHost, "false", defaultImages.buildah],
                [aws, awsHost, "true", defaultImages.awsCli],
            ] as const) {
                const task = toolsImageResolveTask(ctx);
                assert.equal(task.name, "okd-tools-image-resolve");
                const spec = await renderTask(task);
                assert.deepEqual(paramShapes(spec), [
                    ["image", "string", "(required)"],
                    ["fallback-image", "string", ""],
                ]);
                assert.deepEqual(
                    spec.results.map((r: Obj) => r.name),
                    ["IMAGE_URL", "IMAGE_DIGEST"],
                );
                assert.deepEqual(spec.stepTemplate, {
                    env: await serialized(ctx.identityEnv),
                    securityContext: restrictedStep,
                });
                assert.deepEqual(
                    spec.steps.map((s: Obj) => [s.name, s.image]),
                    [
                        ["registry-auth", authImage],
                        ["resolve", defaultImages.skopeo],
                    ],
                );
                const resolve = stepOf(spec, "resolve");
                assert.equal(resolve.script, loadScript("resolve-tools-image.sh"));
                assert.deepEqual(envOf(resolve), {
                    HOME: "/tekton/home",
                    IMAGE: "$(params.image)",
                    FALLBACK_IMAGE: "$(params.fallback-image)",
                    SITE_HOST: host,
                    TLS_VERIFY: tls,
                    REGISTRY_AUTH_FILE: "/workspace/auth/site.json",
                    RESULT_IMAGE_URL: "$(results.IMAGE_URL.path)",
                    RESULT_IMAGE_DIGEST: "$(results.IMAGE_DIGEST.path)",
                });
                // The auth file the registry-auth step writes is the one skopeo reads.
                assert.equal(envOf(stepOf(spec, "registry-auth")).AUTH_FILE, envOf(resolve).REGISTRY_AUTH_FILE);
                assert.deepEqual(resolve.computeResources, { requests: { cpu: "50m", memory: "64Mi" } });
                assert.equal(resolve.securityContext, undefined, "the template's restricted context applies");
                assert.equal(spec.volumes, undefined);
            }
        });
    });

    describe("the tools-image pipeline task", () => {
        it("builds in the nightly: the Containerfile's tag, or the prebuilt image when one is configured", async () => {
            assert.deepEqual(await serialized(toolsImagePipelineTaskOf(local)), {
                name: "tools-image",
                taskRef: { kind: "Task", name: "okd-tools-image" },
                params: [{ name: "prebuilt-image", value: "" }],
                timeout: "1h",
                retries: 1,
            });
            const prebuilt = { ...local, images: { ...defaultImages, tools: "quay.io/example/tools:v1" } };
            assert.deepEqual((await serialized(toolsImagePipelineTaskOf(prebuilt, "build"))).params, [
                { name: "prebuilt-image", value: "quay.io/example/tools:v1" },
            ]);
        });

        it("resolves in the release the tag the nightlies build, falling back to the newest a nightly built", async () => {
            assert.deepEqual(await serialized(toolsImagePipelineTaskOf(aws, "resolve")), {
                name: "tools-image",
                taskRef: { kind: "Task", name: "okd-tools-image-resolve" },
                params: [
                    { name: "image", value: `${awsHost}/release:${toolsImageTag()}` },
                    { name: "fallback-image", value: `${awsHost}/release:pipeline-tools-latest` },
                ],
                timeout: "10m",
                retries: 2,
            });
        });

        it("resolves a configured prebuilt image in the release, with no fallback", async () => {
            const prebuilt = { ...aws, images: { ...defaultImages, tools: "quay.io/example/tools@sha256:abc" } };
            assert.deepEqual((await serialized(toolsImagePipelineTaskOf(prebuilt, "resolve"))).params, [
                { name: "image", value: "quay.io/example/tools@sha256:abc" },
            ]);
        });

        it("hands the consumers the resolved image by digest", () => {
            assert.deepEqual(toolsImageArg, {
                name: "tools-image",
                value: "$(tasks.tools-image.results.IMAGE_URL)@$(tasks.tools-image.results.IMAGE_DIGEST)",
            });
        });
    });

    describe("okd-machine-os", () => {
        it("takes the FCOS stream, the RPMs image, the base payload, the okd-machine-os branch and the destination", async () => {
            const task = machineOsTask(local);
            assert.equal(task.name, machineOsTaskName);
            assert.equal(task.name, "okd-machine-os");
            const spec = await renderTask(task);
            assert.deepEqual(paramShapes(spec), [
                ["tools-image", "string", "(required)"],
                ["fcos-stream", "string", "(required)"],
                ["rpms-image", "string", "(required)"],
                ["base-payload", "string", "(required)"],
                ["os-repository", "string", "openshift/okd-machine-os"],
                ["os-branch", "string", "(required)"],
                ["revisions", "string", ""],
                ["image", "string", "(required)"],
            ]);
            assert.deepEqual(
                spec.results.map((r: Obj) => r.name),
                ["IMAGE_URL", "IMAGE_DIGEST", "CHAINS-GIT_URL", "CHAINS-GIT_COMMIT"],
            );
            assert.deepEqual(spec.volumes, [
                {
                    name: "containerfiles",
                    configMap: {
                        name: "okd-pipeline-containerfiles",
                        items: [{ key: "machine-os.Containerfile", path: "Containerfile" }],
                    },
                },
                { name: "containers", emptyDir: {} },
                pushTokenVolume,
            ]);
            assert.equal(spec.stepTemplate, undefined, "a build pod holds no identity");
        });

        it("resolves the FCOS base first, then clones okd-machine-os with its submodule, then builds", async () => {
            const spec = await renderTask(machineOsTask(local));
            assert.deepEqual(
                spec.steps.map((s: Obj) => [s.name, s.image]),
                [
                    ["registry-token", toolsImage],
                    ["fcos-base", toolsImage],
                    ["clone", toolsImage],
                    ["build", defaultImages.buildah],
                ],
            );
            assert.deepEqual(spec.steps[0], awaitToken(toolsImage));
            const base = stepOf(spec, "fcos-base");
            assert.equal(base.script, loadScript("fcos-base.sh"));
            // FCOS and the base payload are public, over TLS whatever the site registry is.
            assert.deepEqual(envOf(base), {
                FCOS_STREAM: "$(params.fcos-stream)",
                BASE_PAYLOAD: "$(params.base-payload)",
                OUT_DIR: "/workspace/fcos",
                TLS_VERIFY: "true",
                REGISTRY_AUTH_FILE: pushAuthFile,
            });
            assert.deepEqual(base.volumeMounts, [pushTokenMount]);
            const clone = stepOf(spec, "clone");
            assert.equal(clone.script, loadScript("clone-source.sh"));
            assert.deepEqual(envOf(clone), {
                REPOSITORY: "$(params.os-repository)",
                BRANCH: "$(params.os-branch)",
                REVISIONS: "$(params.revisions)",
                SOURCE_DIR: "/workspace/source",
                SUBMODULES: "openshift-os",
                LABELS_FILE: "/workspace/fcos/labels",
                RESULT_GIT_URL: "$(results.CHAINS-GIT_URL.path)",
                RESULT_GIT_COMMIT: "$(results.CHAINS-GIT_COMMIT.path)",
            });
            assert.deepEqual(
                spec.steps.filter((s: Obj) => s.onError !== undefined),
                [],
                "a failed machine-os build fails the nightly: there is no base image to fall back to",
            );
        });

        it("builds the Containerfile from the ConfigMap on the FCOS digest and CRI-O minor fcos-base wrote", async () => {
            for (const [ctx, tls] of [
                [local, "false"],
                [aws, "true"],
            ] as const) {
                const spec = await renderTask(machineOsTask(ctx));
                const build = stepOf(spec, "build");
                assert.equal(build.script, loadScript("build-image.sh"));
                assert.deepEqual(envOf(build), {
                    IMAGE: "$(params.image)",
                    CONTEXT_DIR: "/workspace/source",
                    CONTAINERFILE: "/containerfiles/Containerfile",
                    BUILD_ARGS: "OKD_RPMS_IMAGE=$(params.rpms-image)",
                    BUILD_ARGS_FILE: "/workspace/fcos/build-args",
                    LABELS_FILE: "/workspace/fcos/labels",
                    TLS_VERIFY: tls,
                    REGISTRY_AUTH_FILE: pushAuthFile,
                    RESULT_IMAGE_URL: "$(results.IMAGE_URL.path)",
                    RESULT_IMAGE_DIGEST: "$(results.IMAGE_DIGEST.path)",
                });
                assert.deepEqual(build.securityContext, { privileged: true });
                assert.deepEqual(build.computeResources, {
                    requests: { cpu: "2", memory: "4Gi" },
                    limits: { memory: "8Gi" },
                });
                assert.deepEqual(build.volumeMounts, [
                    { name: "containerfiles", mountPath: "/containerfiles", readOnly: true },
                    buildahStorage,
                    pushTokenMount,
                ]);
                assert.deepEqual(
                    spec.steps.filter((s: Obj) => s.securityContext !== undefined).map((s: Obj) => s.name),
                    ["build"],
                );
            }
        });

        it("passes fcos-base's files to the clone and the build, and the build args to the Containerfile's ARGs", async () => {
            const spec = await renderTask(machineOsTask(local));
            const [base, clone, build] = ["fcos-base", "clone", "build"].map((n) => envOf(stepOf(spec, n)));
            // fcos-base.sh writes $OUT_DIR/labels and $OUT_DIR/build-args; clone appends the source labels.
            const script = loadScript("fcos-base.sh");
            assert.match(script, /^\} >"\$\{OUT_DIR\}\/labels"$/m);
            assert.match(script, /^printf 'FCOS_IMAGE=%s@%s\\nCRIO_MINOR=%s\\n' .* >"\$\{OUT_DIR\}\/build-args"$/m);
            assert.equal(clone.LABELS_FILE, `${base.OUT_DIR}/labels`);
            assert.equal(build.LABELS_FILE, `${base.OUT_DIR}/labels`);
            assert.equal(build.BUILD_ARGS_FILE, `${base.OUT_DIR}/build-args`);
            assert.equal(build.CONTEXT_DIR, clone.SOURCE_DIR);
            // The Containerfile the ConfigMap key holds takes exactly the args the build passes.
            const volume = spec.volumes.find((v: Obj) => v.name === "containerfiles");
            const mount = stepOf(spec, "build").volumeMounts.find((m: Obj) => m.name === "containerfiles");
            assert.equal(build.CONTAINERFILE, `${mount.mountPath}/${volume.configMap.items[0].path}`);
            const containerfile = loadContainerfile(volume.configMap.items[0].key.replace(/\.Containerfile$/, ""));
            const args = new Set([...containerfile.matchAll(/^ARG ([A-Z_]+)/gm)].map((m) => m[1]));
            for (const arg of ["FCOS_IMAGE", "CRIO_MINOR", build.BUILD_ARGS.split("=")[0]]) {
                assert.ok(args.has(arg), `the machine-os Containerfile declares no ARG ${arg}`);
            }
            assert.match(containerfile, /^FROM \$\{FCOS_IMAGE\}$/m);
        });
    });

    describe("okd-stream-coreos", () => {
        it("resolves the node and extensions images with the tools image, holding nothing", async () => {
            for (const ctx of [local, aws]) {
                const task = streamCoreosTask(ctx);
                assert.equal(task.name, streamCoreosTaskName);
                assert.equal(task.name, "okd-stream-coreos");
                const spec = await renderTask(task);
                assert.deepEqual(paramShapes(spec), [
                    ["tools-image", "string", "(required)"],
                    ["node-image", "string", "(required)"],
                    ["node-tags", "string", "(required)"],
                    ["extensions-image", "string", ""],
                    ["extensions-tags", "string", ""],
                ]);
                assert.deepEqual(
                    spec.results.map((r: Obj) => r.name),
                    ["node-images", "version"],
                );
                assert.deepEqual(spec.steps, [
                    {
                        name: "resolve",
                        image: toolsImage,
                        script: loadScript("stream-coreos.sh"),
                        env: [
                            { name: "NODE_IMAGE", value: "$(params.node-image)" },
                            { name: "NODE_TAGS", value: "$(params.node-tags)" },
                            { name: "EXTENSIONS_IMAGE", value: "$(params.extensions-image)" },
                            { name: "EXTENSIONS_TAGS", value: "$(params.extensions-tags)" },
                            // OKD's published images, over TLS whatever the site registry is.
                            { name: "TLS_VERIFY", value: "true" },
                            { name: "RESULT_NODE_IMAGES", value: "$(results.node-images.path)" },
                            { name: "RESULT_VERSION", value: "$(results.version.path)" },
                        ],
                    },
                ]);
                assert.equal(spec.volumes, undefined, "no token mounted");
                assert.equal(spec.stepTemplate, undefined, "no identity env");
            }
        });
    });

    describe("okd-pick-release", () => {
        it("picks from the records as the promotion identity, restricted, writing the four results", async () => {
            const task = pickTask(local);
            assert.equal(task.name, pickTaskName);
            assert.equal(task.name, "okd-pick-release");
            const spec = await renderTask(task);
            assert.deepEqual(paramShapes(spec), [
                ["tools-image", "string", "(required)"],
                ["minor", "string", "(required)"],
            ]);
            assert.deepEqual(
                spec.results.map((r: Obj) => r.name),
                ["name", "digest", "pullspec", "verdict"],
            );
            // The local site's object store takes the promotion role's static keys; the records are read with them.
            assert.deepEqual(spec.stepTemplate, {
                env: [
                    { name: "RCLONE_CONFIG_ARTIFACTS_TYPE", value: "s3" },
                    { name: "RCLONE_CONFIG_ARTIFACTS_PROVIDER", value: "Other" },
                    { name: "RCLONE_CONFIG_ARTIFACTS_ENV_AUTH", value: "true" },
                    { name: "RCLONE_CONFIG_ARTIFACTS_NO_CHECK_BUCKET", value: "true" },
                    {
                        name: "RCLONE_CONFIG_ARTIFACTS_ENDPOINT",
                        value: "http://objects.okd-site.svc.cluster.local:8333",
                    },
                    { name: "RCLONE_CONFIG_ARTIFACTS_FORCE_PATH_STYLE", value: "true" },
                    { name: "ARTIFACTS_BUCKET", value: "okd-artifacts" },
                    { name: "MINOR", value: "$(params.minor)" },
                ],
                envFrom: [{ secretRef: { name: "okd-artifacts-promote" } }],
                securityContext: restrictedStep,
            });
            assert.deepEqual(spec.steps, [
                {
                    name: "pick",
                    image: toolsImage,
                    script: loadScript("release-record.sh"),
                    env: [
                        { name: "HOME", value: "/tekton/home" },
                        { name: "RECORD_ACTION", value: "pick" },
                        { name: "RESULT_NAME", value: "$(results.name.path)" },
                        { name: "RESULT_DIGEST", value: "$(results.digest.path)" },
                        { name: "RESULT_PULLSPEC", value: "$(results.pullspec.path)" },
                        { name: "RESULT_VERDICT", value: "$(results.verdict.path)" },
                    ],
                },
            ]);
            // release-record.sh takes `pick` as an action.
            assert.match(loadScript("release-record.sh"), /^\s*pick\)/m);
        });

        it("puts the site's identity env first, then the store, then the stream", async () => {
            const ctx = { ...aws, identityEnv: [{ name: "AWS_REGION", value: "us-east-1" }] };
            const spec = await renderTask(pickTask(ctx));
            assert.deepEqual(
                spec.stepTemplate.env.map((e: Obj) => e.name),
                [
                    "AWS_REGION",
                    "RCLONE_CONFIG_ARTIFACTS_TYPE",
                    "RCLONE_CONFIG_ARTIFACTS_PROVIDER",
                    "RCLONE_CONFIG_ARTIFACTS_ENV_AUTH",
                    "RCLONE_CONFIG_ARTIFACTS_NO_CHECK_BUCKET",
                    "ARTIFACTS_BUCKET",
                    "MINOR",
                ],
            );
            assert.deepEqual(spec.stepTemplate.envFrom, [], "keyless: no static keys on a cloud");
        });
    });

    describe("images", () => {
        it("mints registry credentials with each cloud's own CLI image, and with buildah's on the anonymous local registry", () => {
            assert.equal(registryAuthImage(defaultImages, "aws"), defaultImages.awsCli);
            assert.equal(registryAuthImage(defaultImages, "gcp"), defaultImages.gcloud);
            assert.equal(registryAuthImage(defaultImages, "azure"), defaultImages.azureCli);
            assert.equal(registryAuthImage(defaultImages, "local"), defaultImages.buildah);
        });

        it("pins every default step image by tag and digest, but the ones listed as tag only", () => {
            const byDigest = /^[a-z0-9.-]+(\/[a-z0-9._-]+)+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$/;
            const byTag = /^[a-z0-9.-]+(\/[a-z0-9._-]+)+:v?\d+\.\d+\.\d+$/;
            assert.deepEqual(tagOnlyStepImages, [defaultImages.buildah]);
            assert.equal(defaultImages.tools, undefined, "built by each run unless configured");
            for (const [key, image] of Object.entries(defaultImages)) {
                assert.match(image, tagOnlyStepImages.includes(image) ? byTag : byDigest, key);
            }
            assert.match(defaultImages.buildah, /^quay\.io\/buildah\/stable:/);
            assert.match(defaultImages.skopeo, /^quay\.io\/skopeo\/stable:/);
            assert.match(defaultImages.awsCli, /^public\.ecr\.aws\/aws-cli\/aws-cli:/);
            assert.match(defaultImages.gcloud, /^gcr\.io\/google\.com\/cloudsdktool\/google-cloud-cli:/);
            assert.match(defaultImages.azureCli, /^mcr\.microsoft\.com\/azure-cli:/);
        });

        it("replaces the OKD base image with origin's, or CentOS Stream 9's for OKD/SCOS from 4.16", () => {
            assert.equal(defaultBaseImage("4.15", "okd"), "registry.ci.openshift.org/origin/4.15:base");
            assert.equal(defaultBaseImage("4.15", "scos"), "registry.ci.openshift.org/origin/4.15:base");
            assert.equal(defaultBaseImage("4.16", "scos"), "registry.ci.openshift.org/origin/scos-4.16:base-stream9");
            assert.equal(defaultBaseImage("4.17", "scos"), "registry.ci.openshift.org/origin/scos-4.17:base-stream9");
        });

        it("builds Go stages on the public CI build root of the versions the ocp/builder tag names", () => {
            // substitute-builder.sh fills {rhel}, {go} and {ocp} from ocp/builder:rhel-N-golang-G-openshift-V.
            const script = loadScript("substitute-builder.sh");
            for (const [field, group] of [
                ["rhel", 1],
                ["go", 2],
                ["ocp", 3],
            ] as const) {
                assert.ok(script.includes(`\\{${field}\\}/\${BASH_REMATCH[${group}]}}`), field);
            }
            const filled = defaultBuilderImage.replace("{rhel}", "9").replace("{go}", "1.22").replace("{ocp}", "4.17");
            assert.equal(
                filled,
                "registry.ci.openshift.org/openshift/release:rhel-9-release-golang-1.22-openshift-4.17",
            );
        });

        it("takes the OKD RPMs from origin's artifacts image of the minor", () => {
            assert.equal(defaultRpmsImage("4.15"), "registry.ci.openshift.org/origin/4.15:artifacts");
        });

        it("orders a component after the payload component it builds from, never after `base`", () => {
            const c = (name: string, from?: string): Component => ({
                name,
                repository: "openshift/installer",
                dockerfile: "Dockerfile",
                context: ".",
                buildArgs: {},
                ...(from === undefined ? {} : { from }),
            });
            assert.deepEqual(
                componentStages([
                    c("installer"),
                    c("installer-artifacts", "installer"),
                    c("cli", "base"),
                    c("tests", "cli"),
                ]),
                { "installer-artifacts": ["installer"], tests: ["cli"] },
            );
            assert.deepEqual(componentStages([]), {});
        });
    });

    describe("step scripts as steps run them", () => {
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-scripts-"));
            fs.mkdirSync(path.join(dir, "lib"));
            fs.writeFileSync(path.join(dir, "lib", "one.sh"), "# shellcheck shell=bash\none() { echo one; }\n");
            // Only a leading shell directive is the library's own header; one further down is its text.
            fs.writeFileSync(path.join(dir, "lib", "two-2.sh"), "two() { echo two; }\n# shellcheck shell=bash\n");
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
        const include = (lib: string) => `# shellcheck source=lib/${lib}\nsource "\${BASH_SOURCE[0]%/*}/lib/${lib}"\n`;

        it("inlines every lib/ include where it stands, without the library's shell directive", () => {
            write("main.sh", `#!/usr/bin/env bash\nset -eu\n${include("one.sh")}echo mid\n${include("two-2.sh")}one\n`);
            assert.equal(
                loadScript("main.sh", dir),
                [
                    "#!/usr/bin/env bash",
                    "set -eu",
                    "# --- lib/one.sh, inlined when the step was rendered ---",
                    "one() { echo one; }",
                    "# --- end of lib/one.sh ---",
                    "echo mid",
                    "# --- lib/two-2.sh, inlined when the step was rendered ---",
                    "two() { echo two; }",
                    "# shellcheck shell=bash",
                    "# --- end of lib/two-2.sh ---",
                    "one",
                    "",
                ].join("\n"),
            );
        });

        it("runs alone once inlined: the rendered script needs no file beside it", () => {
            write("alone.sh", `#!/usr/bin/env bash\nset -eu\n${include("one.sh")}${include("two-2.sh")}one\ntwo\n`);
            const script = path.join(fs.mkdtempSync(path.join(dir, "run-")), "script.sh");
            fs.writeFileSync(script, loadScript("alone.sh", dir));
            assert.equal(execFileSync("bash", [script], { encoding: "utf8" }), "one\ntwo\n");
        });

        it("leaves a script without includes as it is on disk, and reads components/pipelines/scripts by default", () => {
            write("plain.sh", "#!/usr/bin/env bash\n# source lib/x.sh in a comment is no include\necho plain\n");
            assert.equal(
                loadScript("plain.sh", dir),
                "#!/usr/bin/env bash\n# source lib/x.sh in a comment is no include\necho plain\n",
            );
            assert.equal(scriptsDir, path.resolve(__dirname, "../../../components/pipelines/scripts"));
            assert.equal(
                loadScript("build-image.sh"),
                fs.readFileSync(path.join(scriptsDir, "build-image.sh"), "utf8"),
            );
            const record = loadScript("release-record.sh");
            assert.ok(record.includes("# --- lib/rclone-store.sh, inlined when the step was rendered ---\n"));
            assert.doesNotMatch(record, /^source /m);
        });

        it("refuses a script that sources anything but a lib/ include, naming it", () => {
            for (const line of [
                'source "${BASH_SOURCE[0]%/*}/other.sh"',
                '. "${BASH_SOURCE[0]%/*}/lib/one.sh"',
                "  source /etc/profile",
                // An include without its shellcheck directive is not the form loadScript inlines.
                'source "${BASH_SOURCE[0]%/*}/lib/one.sh"',
                // Nor is one whose directive does not start its line.
                `  ${include("one.sh")}`,
            ]) {
                write("bad.sh", `#!/usr/bin/env bash\n${line}\n`);
                assert.throws(
                    () => loadScript("bad.sh", dir),
                    {
                        message:
                            "step script bad.sh sources a file that is not a lib/ include; a step runs its script alone",
                    },
                    line,
                );
            }
        });

        it("ships each pipeline Containerfile as it is on disk", () => {
            assert.equal(imagesDir, path.resolve(__dirname, "../../../components/pipelines/images"));
            for (const image of ["tools", "machine-os"]) {
                assert.equal(
                    loadContainerfile(image),
                    fs.readFileSync(path.join(imagesDir, image, "Containerfile"), "utf8"),
                );
            }
        });
    });
});
