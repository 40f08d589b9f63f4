import { type PipelineContext, awaitPushTokenStep, pushAuthFile, pushTokenMount, pushTokenVolume } from "../context";
import { loadScript } from "../scripts";
import { type TaskDefinition, paramEnv } from "../tekton";
import { toolsImageParam, toolsStepImage } from "./tools-image";

/**
 * Where clone-source.sh and build-image.sh describe a failure of git or the registry on every attempt (their exit 75),
 * for build-report.sh: the record then says "infrastructure failure", not "the build failed". The pod's /workspace.
 */
const failureNoteFile = "/workspace/infrastructure-failure";

export const buildComponentTaskName = "okd-build-component";
/**
 * The result assembly consumes, one per component TaskRun; Tekton aggregates a matrixed task's string results into an
 * array (`$(tasks.<batch>.results.BUILT[*])`, tektoncd/pipeline docs/matrix.md, "Results from fanned out Matrixed
 * PipelineTasks").
 */
export const builtResult = "BUILT";

/**
 * Steps whose failure is the component's own (its source, its Containerfile, its build): they run with
 * `onError: continue` and the report step turns a failure into a BUILT result that names it, so assembly keeps the
 * base payload's image for that tag instead of the nightly failing (tektoncd/pipeline docs/tasks.md @v1.15.0,
 * "Specifying onError for a step"). Not `onError: continue` on the pipeline task: Tekton refuses it together with
 * `retries` (tektoncd/pipeline docs/pipelines.md @v1.15.0, "Using the onError field"), and a failed TaskRun would
 * leave its matrix combination without a BUILT result to say why. The registry-auth step is the site's, not the
 * component's: it still fails the TaskRun, which is retried, as are timeouts and evictions.
 */
export const fallibleSteps = ["clone", "substitute-builder", "build"] as const;

/**
 * One payload component rebuilt from source: clone at its branch, point every image its Containerfile pulls from the
 * login-only `registry.ci.openshift.org/ocp` namespace at one the site can pull (Go builder, OKD base image, payload
 * images of this run or of the base payload) and its final stage at the component's `from` (substitute-builder.sh),
 * build with `TAGS=<fcos|scos>` (as OpenShift CI's `__okd` / `__okd-scos` variants) and the component's build args,
 * push by digest to the components repository, and report what was built (`BUILT`) for assembly, which never resolves
 * the mutable tag nor reads the image's labels. The pod holds no cloud identity: its push token comes mounted from the
 * `okd-registry-push` Secret, and can push to the build repositories only. A build
 * that fails reports that instead (`fallibleSteps`).
 */
export function buildComponentTask(ctx: PipelineContext): TaskDefinition {
    return {
        name: buildComponentTaskName,
        spec: {
            description:
                "Clones a component's repository, substitutes public images for its OpenShift CI ones and builds it with buildah, pushing by digest.",
            params: [
                toolsImageParam,
                { name: "repository", description: "GitHub repository, org/name." },
                { name: "branch", description: "Branch of the repository, e.g. release-4.22." },
                {
                    name: "revisions",
                    description:
                        "Pushed commits to build, space-separated <org>/<name>=<commit>; the entry for this repository replaces its branch head. Empty: the branch head.",
                    default: "",
                },
                { name: "dockerfile", description: "Containerfile path inside the repository." },
                { name: "context", description: "Build context inside the repository.", default: "." },
                {
                    name: "build-args",
                    description: "Extra build args, KEY=VALUE per line; they come after TAGS and may override it.",
                    default: "",
                },
                {
                    name: "tags",
                    description:
                        "The TAGS build arg: fcos for OKD/FCOS, scos for OKD/SCOS (as OpenShift CI's OKD variants).",
                },
                {
                    name: "from",
                    description:
                        "What the final stage builds on, as ci-operator's from: base (the base image) or a payload tag; empty: the Containerfile's own.",
                    default: "",
                },
                {
                    name: "builder-image",
                    description:
                        "Replaces registry.ci.openshift.org/ocp/builder:rhel-N-golang-G-openshift-V; {rhel}, {go}, {ocp} are filled from the tag.",
                },
                {
                    name: "base-image",
                    description: "Replaces ocp/<ver>:base, base-rhel8/9 and ocp/builder:rhel-N-base-openshift-V.",
                },
                { name: "base-payload", description: "Payload whose images replace ocp/<ver>:<payload tag> stages." },
                {
                    name: "run-images",
                    type: "array",
                    description: `The ${builtResult} results of this run's earlier batches (one JSON object each): stages naming their payload tags take the digest each build reported.`,
                    default: [],
                },
                { name: "run-components", description: "Payload tags this run builds, space-separated.", default: "" },
                { name: "image", description: "Destination, repository:tag, in the site's components repository." },
                { name: "component", description: "The payload tag this build replaces, e.g. installer." },
            ],
            results: [
                { name: "IMAGE_URL", description: "The pushed image (Tekton Chains type hint)." },
                { name: "IMAGE_DIGEST", description: "Digest of the pushed image (Tekton Chains type hint)." },
                { name: "CHAINS-GIT_URL", description: "Repository built (Tekton Chains source type hint)." },
                { name: "CHAINS-GIT_COMMIT", description: "Commit built (Tekton Chains source type hint)." },
                {
                    name: builtResult,
                    description:
                        'What assembly takes, one JSON line: {"component", "image": <repository>@<digest>, "source", "commit"}, or {"component", "failed": <why>, "taskRun"} when the build failed (the payload keeps the base image).',
                },
            ],
            volumes: [{ name: "containers", emptyDir: {} }, pushTokenVolume],
            steps: [
                awaitPushTokenStep(ctx, toolsStepImage),
                {
                    name: "clone",
                    image: toolsStepImage,
                    onError: "continue",
                    script: loadScript("clone-source.sh"),
                    env: [
                        ...paramEnv({ REPOSITORY: "repository", BRANCH: "branch", REVISIONS: "revisions" }),
                        { name: "SOURCE_DIR", value: "/workspace/source" },
                        { name: "LABELS_FILE", value: "/workspace/labels" },
                        { name: "RESULT_GIT_URL", value: "$(results.CHAINS-GIT_URL.path)" },
                        { name: "RESULT_GIT_COMMIT", value: "$(results.CHAINS-GIT_COMMIT.path)" },
                        { name: "FAILURE_NOTE_FILE", value: failureNoteFile },
                    ],
                },
                {
                    name: "substitute-builder",
                    image: toolsStepImage,
                    onError: "continue",
                    script: loadScript("substitute-builder.sh"),
                    // An array param reaches a script only as arguments.
                    args: ["$(params.run-images[*])"],
                    volumeMounts: [pushTokenMount],
                    env: [
                        ...paramEnv({
                            BUILDER_IMAGE: "builder-image",
                            BASE_IMAGE: "base-image",
                            BASE_PAYLOAD: "base-payload",
                            RUN_COMPONENTS: "run-components",
                            FINAL_FROM: "from",
                        }),
                        { name: "CONTAINERFILE", value: "/workspace/source/$(params.dockerfile)" },
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                        { name: "REGISTRY_AUTH_FILE", value: pushAuthFile },
                    ],
                },
                {
                    name: "build",
                    image: ctx.images.buildah,
                    onError: "continue",
                    script: loadScript("build-image.sh"),
                    env: [
                        ...paramEnv({ IMAGE: "image" }),
                        { name: "CONTEXT_DIR", value: "/workspace/source/$(params.context)" },
                        { name: "CONTAINERFILE", value: "/workspace/source/$(params.dockerfile)" },
                        { name: "BUILD_ARGS", value: "TAGS=$(params.tags)\n$(params.build-args)" },
                        { name: "LABELS_FILE", value: "/workspace/labels" },
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                        { name: "REGISTRY_AUTH_FILE", value: pushAuthFile },
                        { name: "RESULT_IMAGE_URL", value: "$(results.IMAGE_URL.path)" },
                        { name: "RESULT_IMAGE_DIGEST", value: "$(results.IMAGE_DIGEST.path)" },
                        ...paramEnv({ COMPONENT: "component" }),
                        { name: "SOURCE_URL_FILE", value: "$(results.CHAINS-GIT_URL.path)" },
                        { name: "SOURCE_COMMIT_FILE", value: "$(results.CHAINS-GIT_COMMIT.path)" },
                        { name: "RESULT_BUILT", value: `$(results.${builtResult}.path)` },
                        { name: "FAILURE_NOTE_FILE", value: failureNoteFile },
                    ],
                    // buildah itself needs the privilege to make each RUN step's user, mount and PID namespaces;
                    // the RUN steps (untrusted) run under OCI isolation in those namespaces (build-image.sh).
                    securityContext: { privileged: true },
                    // The okd-payload-pipeline default profile: 4 CPU / 4Gi per build.
                    computeResources: { requests: { cpu: "4", memory: "4Gi" }, limits: { memory: "8Gi" } },
                    volumeMounts: [{ name: "containers", mountPath: "/var/lib/containers" }, pushTokenMount],
                },
                {
                    name: "report",
                    image: toolsStepImage,
                    script: loadScript("build-report.sh"),
                    env: [
                        ...paramEnv({ COMPONENT: "component" }),
                        {
                            name: "STEP_EXIT_FILES",
                            value: fallibleSteps.map((s) => `${s}=$(steps.step-${s}.exitCode.path)`).join("\n"),
                        },
                        { name: "TASK_RUN", value: "$(context.taskRun.name)" },
                        { name: "FAILURE_NOTE_FILE", value: failureNoteFile },
                        { name: "RESULT_BUILT", value: `$(results.${builtResult}.path)` },
                    ],
                },
            ],
        },
    };
}
