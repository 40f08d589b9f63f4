import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import * as YAML from "yaml";

import { nightlyPipelineName } from "../../../components/shared/pipelines";
import { readStackConfig } from "../../../src/synth/stackfile";

import { defaultImages } from "../../../components/pipelines/images";
import { tektonLint } from "../../support/tekton-lint";
import { type SynthOutput, root, synthInProcess } from "../../synth/run";
import { lintView } from "./lint-view";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

describe("the ci stack's pipelines (offline synth)", () => {
    let out: SynthOutput;
    let objects: any[];
    before(async () => {
        out = await synthInProcess("ci");
        objects = out.manifests
            .filter((m) => m.file.endsWith(".yaml") && !m.file.startsWith("_"))
            .map((m) => YAML.parse(m.content));
    });
    const tekton = (kind: string) => objects.filter((o) => o.apiVersion === "tekton.dev/v1" && o.kind === kind);

    it("renders the nightly of its one stream and no release Pipeline, as the stream does not promote", () => {
        // Besides it, only the scheduled status render, which every site has.
        assert.deepEqual(
            tekton("Pipeline").map((p) => p.metadata.name),
            ["okd-nightly-4-22", "okd-render-status"],
        );
    });

    it("renders no gate Task, as the stack configures no gate", () => {
        const names = tekton("Task")
            .map((t) => t.metadata.name)
            .sort();
        assert.deepEqual(names, [
            "okd-assemble-release",
            "okd-build-component",
            "okd-finalize-record",
            // The scheduled status render's, in okd-release.
            "okd-publish-status",
            "okd-stream-coreos",
            "okd-tools-image",
            "okd-tools-image-resolve",
        ]);
        const nightly = tekton("Pipeline").find((p) => p.metadata.name === "okd-nightly-4-22").spec;
        assert.deepEqual(nightly.workspaces, []);
        // An OKD/SCOS stream: it pins OKD's CentOS Stream CoreOS instead of building machine-os.
        assert.deepEqual(
            nightly.tasks.map((t: any) => t.name),
            ["tools-image", "stream-coreos", "build-components-1", "assemble"],
        );
        // No gate: finalize-record decides the verdict (accepted) over no gate.
        const finalize = nightly.finally.find((t: any) => t.name === "finalize-record");
        assert.equal(finalize.params.find((p: any) => p.name === "gates").value, "[]");
    });

    it("builds its one component and pushes to the in-cluster registry without TLS", () => {
        const build = tekton("Pipeline")[0].spec.tasks.find((t: any) => t.name === "build-components-1");
        assert.deepEqual(
            build.matrix.include.map((i: any) => i.name),
            ["cluster-update-keys"],
        );
        const params = Object.fromEntries(build.matrix.include[0].params.map((p: any) => [p.name, p.value]));
        assert.equal(params.dockerfile, "Dockerfile.rhel", "the okd-scos Dockerfile");
        assert.equal(params.from, "base");
        const step = tekton("Task")
            .find((t) => t.metadata.name === "okd-build-component")
            .spec.steps.find((s: any) => s.name === "build");
        assert.equal(step.env.find((e: any) => e.name === "TLS_VERIFY").value, "false");
    });

    it("builds the tools image into the in-cluster registry without TLS, and no step names an unbuilt image", () => {
        const task = tekton("Task").find((t) => t.metadata.name === "okd-tools-image").spec;
        const env = Object.fromEntries(task.steps[1].env.map((e: any) => [e.name, e.value]));
        // The components repository, by digest: the pod is a build (no identity); assemble tags it in the release
        // repository as records.
        assert.match(env.REPOSITORY, /^[a-z0-9.-]+(:\d+)?\/.*components$/);
        assert.equal(env.TLS_VERIFY, "false");
        const steps = tekton("Task").flatMap((t) => t.spec.steps);
        assert.deepEqual(
            steps.filter((s: any) => /pipeline-tools/.test(s.image)).map((s: any) => s.image),
            [],
        );
    });

    it("waits for the builds' push token with the buildah image, which exists before the tools image, and holds no identity", () => {
        const task = tekton("Task").find((t) => t.metadata.name === "okd-tools-image").spec;
        const token = task.steps.find((s: any) => s.name === "registry-token");
        assert.equal(token.image, defaultImages.buildah);
        assert.equal(
            task.steps.find((s: any) => s.name === "registry-auth"),
            undefined,
        );
        assert.deepEqual(
            task.volumes.filter((v: any) => v.secret !== undefined).map((v: any) => v.secret.secretName),
            ["okd-registry-push"],
        );
    });

    it("reads the local object store's keys from the artifacts Secret, never inline", () => {
        const verdict = tekton("Task").find((t) => t.metadata.name === "okd-finalize-record").spec;
        assert.deepEqual(verdict.stepTemplate.envFrom, [{ secretRef: { name: "okd-artifacts-records" } }]);
        // The ci stack does not promote: the records Secret is the only one its Tasks read.
        assert.equal(
            tekton("Task").find((t) => t.metadata.name === "okd-pick-release"),
            undefined,
        );
        const text = out.manifests
            .filter((m) => m.file.startsWith("task_"))
            .map((m) => m.content)
            .join("\n");
        assert.doesNotMatch(text, /AWS_SECRET_ACCESS_KEY/);
    });

    it("passes Tekton lint with no error", async () => {
        const errors = (await tektonLint(lintView([...tekton("Task"), ...tekton("Pipeline")]))).filter(
            (p) => p.level === "error",
        );
        assert.deepEqual(errors, []);
    });

    it("lists the stream's Pipelines in the stack outputs", () => {
        assert.deepEqual((out.plan.outputs as any).pipelines, [{ minor: "4.22", nightly: "okd-nightly-4-22" }]);
    });

    it("is the pipeline the review environment's smoke run starts", () => {
        const first = (JSON.parse(readStackConfig(root, "ci").config["okd-ci:streams"]) as { minor: string }[])[0];
        const workflow = YAML.parse(
            fs.readFileSync(path.join(root, ".github", "workflows", "review-environment.yml"), "utf8"),
        );
        const smoke = Object.values(workflow.jobs as Record<string, any>)
            .flatMap((j) => j.steps as any[])
            .find((s) => String(s.run ?? "").includes("review-smoke.sh"));
        assert.equal(smoke.env.PIPELINE, nightlyPipelineName(first.minor));
        const script = fs.readFileSync(path.join(root, ".github", "workflows", "scripts", "review-smoke.sh"), "utf8");
        assert.match(script, new RegExp(`PIPELINE:-${nightlyPipelineName(first.minor)}\\}`));
    });
});
