/**
 * What OkdPipelines' options change in what it installs: step images given in `images` replace those defaults only,
 * `maxParallelBuilds` and `builderImage` reach every nightly Pipeline and its run template, and a stream's upgrade
 * gate adds that cloud's upgrade gate Task.
 */
import * as assert from "node:assert/strict";

import type { OkdPipelines } from "../../../components/pipelines";
import { defaultImages } from "../../../components/pipelines/images";
import { streamSchema } from "../../../src/config/schema";
import { recorder, settled, useMocks } from "../../helpers";
import { fakeSite, stream415, stream416 } from "../tekton/fixtures";
import { registeredOutputs } from "../tekton/registered-outputs";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON */
type Obj = any;

const buildah =
    "quay.io/buildah/stable:v1.45.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

describe("OkdPipelines options", () => {
    useMocks();

    const made: Record<string, OkdPipelines> = {};
    const spec = (name: string): Obj => {
        const r = recorder().resources.find((x) => x.name === name);
        assert.ok(r, `no resource ${name}`);
        return (r.inputs as Obj).spec;
    };
    const images = (task: string): Record<string, string> =>
        Object.fromEntries(spec(task).steps.map((s: Obj) => [s.name, s.image]));

    before(async () => {
        const { OkdPipelines } = await import("../../../components/pipelines");
        // An OKD/FCOS stream of two components, one build at a time, a builder image and buildah of the site's own.
        made.opt = new OkdPipelines("opt", {
            site: fakeSite("opt-site", "aws"),
            streams: [streamSchema.parse({ ...stream415, promote: false })],
            maxParallelBuilds: 1,
            builderImage: "quay.io/example/builder:rhel-{rhel}-golang-{go}",
            images: { buildah },
        });
        // The same stream with the defaults, and an OKD/SCOS stream whose upgrade gate runs on the site's gcp gate.
        made.def = new OkdPipelines("def", {
            site: fakeSite("def-site", "gcp"),
            streams: [
                streamSchema.parse({ ...stream415, promote: false }),
                streamSchema.parse({ ...stream416, upgradeGate: { gate: "gcp" } }),
            ],
        });
        await settled();
    });

    it("runs the buildah given in images where buildah runs, and every other step image from the defaults", () => {
        assert.deepEqual(images("opt-task-okd-tools-image"), {
            "registry-token": buildah,
            build: buildah,
        });
        assert.equal(images("opt-task-okd-build-component").build, buildah);
        assert.equal(images("opt-task-okd-machine-os").build, buildah);
        assert.equal(images("opt-task-okd-assemble-release")["registry-auth"], defaultImages.awsCli);
        assert.equal(images("def-task-okd-tools-image").build, defaultImages.buildah);
        assert.equal(images("def-task-okd-build-component").build, defaultImages.buildah);
    });

    it("caps each nightly's builds and its run template's build tasks at maxParallelBuilds", () => {
        const builds = (pipeline: string) =>
            spec(pipeline)
                .tasks.filter((t: Obj) => t.name.startsWith("build-components-"))
                .map((t: Obj) => [t.name, t.matrix.include.map((i: Obj) => i.name)]);
        assert.deepEqual(builds("opt-nightly-4-15"), [
            ["build-components-1", ["installer"]],
            ["build-components-2", ["ironic"]],
        ]);
        assert.deepEqual(builds("def-nightly-4-15"), [["build-components-1", ["installer", "ironic"]]]);
        const runTasks = (p: OkdPipelines) =>
            (p.runs[0].nightly.taskRunSpecs as Obj[])
                .map((s) => s.pipelineTaskName as string)
                .filter((n) => n.startsWith("build-components-"));
        assert.deepEqual(runTasks(made.opt), ["build-components-1", "build-components-2"]);
        assert.deepEqual(runTasks(made.def), ["build-components-1"]);
    });

    it("substitutes the given builder image into component builds, else the default", () => {
        const builder = (pipeline: string) =>
            spec(pipeline).params.find((p: Obj) => p.name === "builder-image").default;
        assert.equal(builder("opt-nightly-4-15"), "quay.io/example/builder:rhel-{rhel}-golang-{go}");
        assert.equal(
            builder("def-nightly-4-15"),
            "registry.ci.openshift.org/openshift/release:rhel-{rhel}-release-golang-{go}-openshift-{ocp}",
        );
    });

    it("installs the upgrade gate Task of the cloud a stream's upgrade gate names, after that gate's own Tasks", () => {
        assert.deepEqual(made.def.taskNames.slice(0, 14), [
            "okd-tools-image",
            "okd-machine-os",
            "okd-stream-coreos",
            "okd-build-component",
            "okd-assemble-release",
            "okd-finalize-record",
            "okd-e2e-pull-secret",
            "okd-register-cluster",
            "okd-e2e-prepare-gcp",
            "okd-e2e-install-gcp",
            "okd-e2e-gcp",
            "okd-e2e-destroy-gcp",
            "okd-e2e-upgrade-gcp",
            "okd-tools-image-resolve",
        ]);
        assert.equal(spec("def-task-okd-e2e-upgrade-gcp").steps.at(-1).name, "upgrade");
        assert.ok(!made.opt.taskNames.some((n) => n.includes("upgrade")), made.opt.taskNames.join(" "));
    });

    it("registers the run templates and the Task names it hands the Tekton layer as its outputs", async () => {
        const urn = recorder().find("okd-ci:pipelines:OkdPipelines", "def").urn;
        const outputs = await registeredOutputs(urn);
        assert.deepEqual(Object.keys(outputs).sort(), ["runs", "taskNames"]);
        assert.deepEqual(outputs.taskNames, made.def.taskNames);
        assert.deepEqual(
            outputs.runs.map((r: Obj) => [r.minor, r.nightly.pipelineName]),
            [
                ["4.15", "okd-nightly-4-15"],
                ["4.16", "okd-nightly-4-16"],
            ],
        );
    });
});
