import * as assert from "node:assert/strict";

import { defaultImages, tagOnlyStepImages } from "../../components/pipelines/images";
import { privilegedBuildsIsolated, stepImagesPinned, stepImagesTagOnly } from "../../policy/rules";
import { res, violations } from "./fixtures";

const task = (name: string, steps: object[]) =>
    res("kubernetes:tekton.dev/v1:Task", name, { metadata: { name }, spec: { steps } });

const isolatedScript = 'isolation=(--isolation oci --userns-uid-map "0:${b}:65536")\nbuildah build "${isolation[@]}"';

describe("policy privileged-builds-isolated", () => {
    it("passes a privileged buildah step whose script builds under OCI isolation with a user namespace", () => {
        const t = task("okd-build-component", [
            {
                name: "build",
                image: "b@sha256:" + "a".repeat(64),
                script: isolatedScript,
                securityContext: { privileged: true },
            },
        ]);
        assert.deepEqual(violations(privilegedBuildsIsolated, [t]), []);
    });

    it("fails a privileged step building under chroot isolation, what the builds did before (issue 15 path 1)", () => {
        const t = task("okd-build-component", [
            {
                name: "build",
                image: "quay.io/buildah/stable:v1.38.0",
                script: 'buildah build --file "${CONTAINERFILE}" .',
                env: [{ name: "BUILDAH_ISOLATION", value: "chroot" }],
                securityContext: { privileged: true },
            },
        ]);
        assert.deepEqual(violations(privilegedBuildsIsolated, [t]), [
            "Task okd-build-component step build is privileged but its script does not build with --isolation oci and a user namespace",
            "Task okd-build-component step build is privileged and sets BUILDAH_ISOLATION=chroot",
        ]);
    });

    it("leaves unprivileged steps alone", () => {
        const t = task("okd-verdict", [{ name: "record", image: "$(params.tools-image)", script: "echo" }]);
        assert.deepEqual(violations(privilegedBuildsIsolated, [t]), []);
    });
});

describe("policy step-images-pinned", () => {
    it("passes images by digest and the tools image param", () => {
        const t = task("okd-verdict", [
            { name: "a", image: "quay.io/x/y:1@sha256:" + "b".repeat(64), script: "" },
            { name: "b", image: "$(params.tools-image)", script: "" },
        ]);
        assert.deepEqual(violations(stepImagesPinned, [t]), []);
    });

    it("fails a step image given by tag only that is not a documented tag-only default", () => {
        const t = task("okd-tools-image-resolve", [
            { name: "resolve", image: "quay.io/skopeo/stable:v1.19.0", script: "" },
        ]);
        assert.deepEqual(violations(stepImagesPinned, [t]), [
            "Task okd-tools-image-resolve step resolve runs quay.io/skopeo/stable:v1.19.0, not pinned by digest",
        ]);
        assert.equal(stepImagesPinned.enforcementLevel, "mandatory");
    });

    it("fails an image that only carries a param, or a digest that is not a whole sha256", () => {
        const images = [
            "$(params.registry)/okd/tools:latest",
            "quay.io/okd/tools:$(params.tag)",
            "quay.io/x/y@sha256:" + "b".repeat(65),
        ];
        const t = task(
            "okd-verdict",
            images.map((image, i) => ({ name: `s${i}`, image, script: "" })),
        );
        assert.deepEqual(
            violations(stepImagesPinned, [t]),
            images.map((image, i) => `Task okd-verdict step s${i} runs ${image}, not pinned by digest`),
        );
    });

    it("admits the documented tag-only defaults, and only by their exact reference", () => {
        const t = task("okd-tools-image", [{ name: "build", image: defaultImages.buildah, script: "" }]);
        assert.deepEqual(violations(stepImagesPinned, [t]), []);
        const other = task("okd-tools-image", [{ name: "build", image: "quay.io/buildah/stable:latest", script: "" }]);
        assert.equal(violations(stepImagesPinned, [other]).length, 1);
    });
});

describe("policy step-images-tag-only", () => {
    it("names, as advisory, each step still on a documented tag-only default", () => {
        const t = task("okd-tools-image", [
            { name: "build", image: defaultImages.buildah, script: "" },
            { name: "resolve", image: defaultImages.skopeo, script: "" },
        ]);
        assert.deepEqual(violations(stepImagesTagOnly, [t]), [
            `Task okd-tools-image step build runs ${defaultImages.buildah}, not pinned by digest`,
        ]);
        assert.equal(stepImagesTagOnly.enforcementLevel, "advisory");
    });

    it("lists only default images that are in fact by tag", () => {
        for (const image of tagOnlyStepImages) assert.doesNotMatch(image, /@sha256:/, image);
        // Every other default step image is pinned by digest.
        const others = Object.values(defaultImages).filter(
            (i): i is string => typeof i === "string" && !tagOnlyStepImages.includes(i),
        );
        assert.ok(others.length >= 4);
        for (const image of others) assert.match(image, /:[^@/]+@sha256:[a-f0-9]{64}$/, image);
    });
});
