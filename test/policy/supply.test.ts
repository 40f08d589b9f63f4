import * as assert from "node:assert/strict";

import { privilegedBuildsIsolated, stepImagesPinned } from "../../policy/rules";
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

    it("names a step image given by tag only", () => {
        const t = task("okd-tools-image", [{ name: "build", image: "quay.io/buildah/stable:v1.44.0", script: "" }]);
        assert.deepEqual(violations(stepImagesPinned, [t]), [
            "Task okd-tools-image step build runs quay.io/buildah/stable:v1.44.0, not pinned by digest",
        ]);
    });
});
