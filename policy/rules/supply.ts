/**
 * Supply chain invariants over the Tekton Tasks of every stack (issue 15): untrusted build steps run isolated, and
 * what a step runs is pinned.
 */
import { tagOnlyStepImages } from "../../components/pipelines/images";
import { type PolicyResourceLike, type StackRule, arr, at, known, obj, ofType, str } from "../model";

/** Tekton Tasks are CustomResources: their type token is the CRD's, not an SDK class. */
const tektonTask = "kubernetes:tekton.dev/v1:Task";

interface StepLike {
    name: string;
    image: string | undefined;
    script: string;
    privileged: boolean;
    env: Record<string, string | undefined>;
}

function steps(task: PolicyResourceLike): StepLike[] {
    return (known(() => arr(at(task.props, "spec.steps"))) ?? []).map((s) => {
        const step = obj(s) ?? {};
        const env = (known(() => arr(step.env)) ?? []).map((e) => obj(e) ?? {});
        return {
            name: known(() => str(step.name)) ?? "?",
            image: known(() => str(step.image)),
            script: known(() => str(step.script)) ?? "",
            privileged: known(() => at(step, "securityContext.privileged")) === true,
            env: Object.fromEntries(env.map((e) => [String(e.name), known(() => str(e.value))])),
        };
    });
}

const taskName = (task: PolicyResourceLike) => known(() => str(at(task.props, "metadata.name"))) ?? task.name;

export const privilegedBuildsIsolated: StackRule = {
    kind: "stack",
    name: "privileged-builds-isolated",
    description:
        "Every privileged Tekton step is a buildah build whose RUN steps run under OCI isolation in their own user namespace (--isolation oci, --userns-uid-map), never chroot isolation.",
    enforcementLevel: "mandatory",
    remediation:
        "Run the build through components/pipelines/scripts/build-image.sh or tools-image.sh, which pass the isolation flags, and set no BUILDAH_ISOLATION in the step.",
    check(all, report) {
        for (const task of ofType(all, tektonTask)) {
            for (const step of steps(task).filter((s) => s.privileged)) {
                const where = `Task ${taskName(task)} step ${step.name}`;
                if (!/--isolation oci\b/.test(step.script) || !/--userns-uid-map\b/.test(step.script)) {
                    report(
                        `${where} is privileged but its script does not build with --isolation oci and a user namespace`,
                        task.urn,
                    );
                }
                if (step.env.BUILDAH_ISOLATION !== undefined) {
                    report(`${where} is privileged and sets BUILDAH_ISOLATION=${step.env.BUILDAH_ISOLATION}`, task.urn);
                }
            }
        }
    },
};

/** A step image Tekton substitutes from a param (the tools image: a task result, by digest). */
const fromParam = /^\$\(params\.[a-z0-9-]+\)$/;
const byDigest = /@sha256:[a-f0-9]{64}$/;

const isPinned = (image: string) => fromParam.test(image) || byDigest.test(image);

export const stepImagesPinned: StackRule = {
    kind: "stack",
    name: "step-images-pinned",
    description:
        "Every Tekton step image is pinned by digest, comes from a param (the tools image, which the tools-image task reports by digest), or is one of the documented tag-only defaults (tagOnlyStepImages).",
    enforcementLevel: "mandatory",
    remediation:
        "Give the image as repository:tag@sha256:<digest> (components/pipelines/images.ts, or OkdPipelines' images); get the digest with `skopeo inspect --format '{{.Digest}}' docker://<image>`.",
    check(all, report) {
        for (const task of ofType(all, tektonTask)) {
            for (const step of steps(task)) {
                if (step.image === undefined || isPinned(step.image) || tagOnlyStepImages.includes(step.image)) {
                    continue;
                }
                report(`Task ${taskName(task)} step ${step.name} runs ${step.image}, not pinned by digest`, task.urn);
            }
        }
    },
};

export const stepImagesTagOnly: StackRule = {
    kind: "stack",
    name: "step-images-tag-only",
    description:
        "Names each Tekton step that still runs a documented tag-only default image (docs/security.md, Digests and pinning).",
    // Advisory: no public source gave these images' digests; each run's Chains provenance records the digest it ran.
    enforcementLevel: "advisory",
    remediation:
        "Pin the image (`skopeo inspect --format '{{.Digest}}' docker://<image>`), give it as repository:tag@sha256:<digest>, and remove it from tagOnlyStepImages.",
    check(all, report) {
        for (const task of ofType(all, tektonTask)) {
            for (const step of steps(task)) {
                if (step.image === undefined || !tagOnlyStepImages.includes(step.image)) continue;
                report(`Task ${taskName(task)} step ${step.name} runs ${step.image}, not pinned by digest`, task.urn);
            }
        }
    },
};
