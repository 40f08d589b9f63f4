/**
 * The nightly Pipeline of one stream, task by task, as `nightlyPipeline` renders it for a site's gates: the graph
 * (runAfter), the params each task gets (from the Pipeline's params, from earlier tasks' results), the build batches,
 * what assembly and finalize-record are handed, the workspaces, finally, timeouts and retries, and the Pipeline's own
 * params with their defaults per variant and minor. The gate chain's own tasks are nightly-gates.ts's (pinned by
 * pipelines.test.ts); here only where they sit in the graph.
 */
import * as assert from "node:assert/strict";

import { type PipelineContext, pipelineContext } from "../../../components/pipelines/context";
import { defaultImages } from "../../../components/pipelines/images";
import { batches, nightlyPipeline, previousMinor } from "../../../components/pipelines/nightly";
import { toolsImagePipelineTaskOf } from "../../../components/pipelines/tasks/tools-image";
import type { GateAccess } from "../../../components/shared/site";
import { type Stream, streamSchema } from "../../../src/config/schema";
import { useMocks } from "../../helpers";
import { type Obj, resolved } from "../../support/rendered";
import { fakeSite } from "../tekton/fixtures";

const run = "$(context.pipelineRun.name)";
const tools = {
    name: "tools-image",
    value: "$(tasks.tools-image.results.IMAGE_URL)@$(tasks.tools-image.results.IMAGE_DIGEST)",
};
const param = (name: string, from = name) => ({ name, value: `$(params.${from})` });
const ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const gar = "us-central1-docker.pkg.dev/okd-proj/okd";

/** OKD/FCOS 4.15: installer-artifacts builds FROM this run's installer, on its own branch and context. */
const fcos415 = (): Stream =>
    streamSchema.parse({
        minor: "4.15",
        branch: "release-4.15",
        basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
        components: [
            {
                name: "installer",
                repository: "openshift/installer",
                dockerfile: "images/installer/Dockerfile.ci",
                buildArgs: { A: "1", B: "2" },
            },
            {
                name: "installer-artifacts",
                repository: "openshift/installer",
                dockerfile: "images/installer-artifacts/Dockerfile.rhel",
                from: "installer",
                branch: "main",
                context: "sub",
            },
            { name: "ironic", repository: "openshift/ironic-image", dockerfile: "Dockerfile.ocp" },
        ],
    });

/** OKD/SCOS 4.14 (two node tags) with an upgrade gate on gcp from the newest accepted nightly. */
const scos414 = (): Stream =>
    streamSchema.parse({
        minor: "4.14",
        variant: "scos",
        branch: "release-4.14",
        basePayload: "quay.io/okd/scos-release:4.14.0-0.okd-scos-2024-01-30-032525",
        components: [{ name: "installer", repository: "openshift/installer", dockerfile: "Dockerfile" }],
        upgradeGate: { gate: "gcp", from: "accepted" },
    });

describe("the nightly Pipeline, task by task", () => {
    useMocks();

    let aws: PipelineContext;
    let awsGates: GateAccess[];
    let gcp: PipelineContext;
    let gcpGates: GateAccess[];
    let local: PipelineContext;
    before(() => {
        const awsSite = fakeSite("nightly-aws", "aws");
        aws = pipelineContext(awsSite, defaultImages);
        awsGates = awsSite.gates;
        const gcpSite = fakeSite("nightly-gcp", "gcp");
        gcp = pipelineContext(gcpSite, defaultImages);
        gcpGates = gcpSite.gates;
        local = pipelineContext(fakeSite("nightly-local", "local"), defaultImages);
    });

    const task = (spec: Obj, name: string): Obj => {
        const t = [...spec.tasks, ...spec.finally].find((x: Obj) => x.name === name);
        assert.ok(t, `no task ${name} in ${[...spec.tasks, ...spec.finally].map((x: Obj) => x.name).join(", ")}`);
        return t;
    };

    describe("OKD/FCOS 4.15 on a site with one gate, builds capped at 2", () => {
        let spec: Obj;
        before(async () => {
            spec = await resolved(nightlyPipeline(aws, fcos415(), awsGates, { maxParallelBuilds: 2 }));
        });

        it("runs tools-image, machine-os, the batches, assembly, then the gate chain, and finally destroy and finalize", async () => {
            assert.deepEqual(
                spec.tasks.map((t: Obj) => [t.name, t.runAfter]),
                [
                    ["tools-image", undefined],
                    ["machine-os", ["tools-image"]],
                    ["build-components-1", ["tools-image"]],
                    ["build-components-2", ["build-components-1"]],
                    ["assemble", ["machine-os", "build-components-1", "build-components-2"]],
                    ["e2e-pull-secret", ["assemble"]],
                    ["prepare-gcp", ["e2e-pull-secret"]],
                    ["register-gcp", ["prepare-gcp"]],
                    ["install-gcp", ["register-gcp"]],
                    ["pull-secret-gcp", ["install-gcp"]],
                    ["e2e-gcp", ["pull-secret-gcp"]],
                ],
            );
            assert.deepEqual(
                spec.finally.map((t: Obj) => t.name),
                ["destroy-gcp", "finalize-record"],
            );
            assert.deepEqual(spec.tasks[0], await resolved(toolsImagePipelineTaskOf(aws)));
        });

        it("builds machine-os from the Pipeline's params into the machine-os repository under the run's name", () => {
            assert.deepEqual(task(spec, "machine-os"), {
                name: "machine-os",
                taskRef: { kind: "Task", name: "okd-machine-os" },
                runAfter: ["tools-image"],
                params: [
                    tools,
                    param("fcos-stream"),
                    param("rpms-image"),
                    param("base-payload"),
                    param("os-branch", "machine-os-branch"),
                    param("revisions"),
                    { name: "image", value: `${ecr}/machine-os:${run}` },
                ],
                timeout: "2h",
                retries: 1,
            });
        });

        it("builds components in batches, a component after the one it builds FROM, by that build's reported digest", () => {
            const shared = (runImages: string[]) => [
                tools,
                param("tags"),
                param("builder-image"),
                param("base-image"),
                param("base-payload"),
                param("revisions"),
                { name: "run-images", value: runImages },
                { name: "run-components", value: "installer installer-artifacts ironic" },
            ];
            const component = (
                name: string,
                repository: string,
                dockerfile: string,
                more: { branch?: string; context?: string; buildArgs?: string; from?: string } = {},
            ) => ({
                name,
                params: [
                    { name: "repository", value: repository },
                    { name: "branch", value: more.branch ?? "$(params.branch)" },
                    { name: "dockerfile", value: dockerfile },
                    { name: "context", value: more.context ?? "." },
                    { name: "build-args", value: more.buildArgs ?? "" },
                    { name: "from", value: more.from ?? "" },
                    { name: "image", value: `${ecr}/components:${name}-${run}` },
                    { name: "component", value: name },
                ],
            });
            assert.deepEqual(task(spec, "build-components-1"), {
                name: "build-components-1",
                taskRef: { kind: "Task", name: "okd-build-component" },
                runAfter: ["tools-image"],
                params: shared([]),
                matrix: {
                    include: [
                        component("installer", "openshift/installer", "images/installer/Dockerfile.ci", {
                            buildArgs: "A=1\nB=2",
                        }),
                        component("ironic", "openshift/ironic-image", "Dockerfile.ocp"),
                    ],
                },
                timeout: "4h",
                retries: 1,
            });
            assert.deepEqual(task(spec, "build-components-2"), {
                name: "build-components-2",
                taskRef: { kind: "Task", name: "okd-build-component" },
                runAfter: ["build-components-1"],
                params: shared(["$(tasks.build-components-1.results.BUILT[*])"]),
                matrix: {
                    include: [
                        component(
                            "installer-artifacts",
                            "openshift/installer",
                            "images/installer-artifacts/Dockerfile.rhel",
                            { branch: "main", context: "sub", from: "installer" },
                        ),
                    ],
                },
                timeout: "4h",
                retries: 1,
            });
        });

        it("assembles an okd payload from every batch's BUILT results and machine-os by digest at both FCOS node tags", () => {
            const machineOs = `${ecr}/machine-os@$(tasks.machine-os.results.IMAGE_DIGEST)`;
            assert.deepEqual(task(spec, "assemble"), {
                name: "assemble",
                taskRef: { kind: "Task", name: "okd-assemble-release" },
                runAfter: ["machine-os", "build-components-1", "build-components-2"],
                params: [
                    tools,
                    param("minor"),
                    { name: "name-stream", value: "okd" },
                    param("base-payload"),
                    { name: "components", value: "installer installer-artifacts ironic" },
                    {
                        name: "built-images",
                        value: [
                            "$(tasks.build-components-1.results.BUILT[*])",
                            "$(tasks.build-components-2.results.BUILT[*])",
                        ],
                    },
                    { name: "node-images", value: `fedora-coreos=${machineOs}\nmachine-os-content=${machineOs}` },
                    { name: "previous-minor", value: "4.14" },
                    { name: "pipeline-run", value: run },
                ],
                timeout: "2h",
                retries: 1,
            });
        });

        it("closes the record in finally with the gates' statuses and the e2e workspace the gates wrote", () => {
            const finalize = task(spec, "finalize-record");
            assert.deepEqual(
                { ...finalize, params: finalize.params.filter((p: Obj) => p.name !== "gates") },
                {
                    name: "finalize-record",
                    taskRef: { kind: "Task", name: "okd-finalize-record" },
                    params: [
                        tools,
                        param("minor"),
                        { name: "name", value: "$(tasks.assemble.results.name)" },
                        { name: "pipeline-status", value: "$(tasks.status)" },
                        { name: "gate-statuses", value: "gcp=$(tasks.install-gcp.status)" },
                        { name: "pipeline-run", value: run },
                    ],
                    workspaces: [{ name: "e2e", workspace: "e2e" }],
                    timeout: "1h50m",
                    retries: 1,
                },
            );
            // The verdict's input (nightly-gates.ts) sits after pipeline-status.
            assert.equal(finalize.params[4].name, "gates");
            assert.match(finalize.params[4].value, /^\[\{"gate":"gcp","blocking":false,"tasks":"e2e-pull-secret=/);
        });

        it("declares the FCOS params with their defaults, and the e2e workspace the gates share", () => {
            assert.deepEqual(
                spec.params.map((p: Obj) => [p.name, p.default]),
                [
                    ["minor", "4.15"],
                    ["branch", "release-4.15"],
                    ["revisions", ""],
                    ["tags", "fcos"],
                    ["base-payload", "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116"],
                    [
                        "builder-image",
                        "registry.ci.openshift.org/openshift/release:rhel-{rhel}-release-golang-{go}-openshift-{ocp}",
                    ],
                    ["base-image", "registry.ci.openshift.org/origin/4.15:base"],
                    ["fcos-stream", "stable"],
                    ["rpms-image", "registry.ci.openshift.org/origin/4.15:artifacts"],
                    ["machine-os-branch", "release-4.15"],
                ],
            );
            for (const p of spec.params) assert.match(p.description, /^[A-Z].+\.$/, p.name);
            assert.deepEqual(spec.workspaces, [
                { name: "e2e", description: "Installer state, pull secret and logs of the e2e gates." },
            ]);
            assert.equal(
                spec.description,
                "OKD/FCOS 4.15 nightly: provide the tools image, build machine-os and components, assemble the payload, gate it, record the verdict.",
            );
        });
    });

    describe("OKD/SCOS 4.14 with an upgrade gate, all builds at once", () => {
        let spec: Obj;
        before(async () => {
            spec = await resolved(nightlyPipeline(gcp, scos414(), gcpGates, { maxParallelBuilds: 256 }));
        });

        it("resolves both SCOS node tags and the extensions image with stream-coreos, retried twice", () => {
            assert.deepEqual(task(spec, "stream-coreos"), {
                name: "stream-coreos",
                taskRef: { kind: "Task", name: "okd-stream-coreos" },
                runAfter: ["tools-image"],
                params: [
                    tools,
                    param("node-image"),
                    { name: "node-tags", value: "centos-stream-coreos-9 machine-os-content" },
                    param("extensions-image", "node-extensions-image"),
                    { name: "extensions-tags", value: "centos-stream-coreos-9-extensions" },
                ],
                timeout: "30m",
                retries: 2,
            });
            assert.ok(!spec.tasks.some((t: Obj) => t.name === "machine-os"));
        });

        it("assembles an okd-scos payload from the resolved node images, naming where the upgrade starts from", () => {
            const assemble = task(spec, "assemble");
            assert.deepEqual(assemble.runAfter, ["stream-coreos", "build-components-1"]);
            assert.deepEqual(assemble.params, [
                tools,
                param("minor"),
                { name: "name-stream", value: "okd-scos" },
                param("base-payload"),
                { name: "components", value: "installer" },
                { name: "built-images", value: ["$(tasks.build-components-1.results.BUILT[*])"] },
                { name: "node-images", value: "$(tasks.stream-coreos.results.node-images)" },
                { name: "previous-minor", value: "4.13" },
                { name: "pipeline-run", value: run },
                { name: "upgrade-from", value: "accepted" },
            ]);
            assert.equal(
                task(spec, "build-components-1").matrix.include[0].params.find((p: Obj) => p.name === "image").value,
                `${gar}/components:installer-${run}`,
            );
        });

        it("gives finalize-record the upgrade cluster's install status beside the install gate's", () => {
            const finalize = task(spec, "finalize-record");
            assert.deepEqual(
                finalize.params.find((p: Obj) => p.name === "gate-statuses").value,
                "gcp=$(tasks.install-gcp.status) gcp-upgrade=$(tasks.install-upgrade-gcp.status)",
            );
            assert.deepEqual(finalize.workspaces, [{ name: "e2e", workspace: "e2e" }]);
            assert.deepEqual(
                spec.finally.map((t: Obj) => t.name),
                ["destroy-gcp", "destroy-upgrade-gcp", "finalize-record"],
            );
        });

        it("declares the SCOS node image params, describing the tags they are shipped as", () => {
            const stream = scos414();
            assert.deepEqual(spec.params.slice(7), [
                {
                    name: "node-image",
                    description:
                        "CentOS Stream CoreOS node image shipped as centos-stream-coreos-9, machine-os-content (resolved to its digest).",
                    default: stream.nodeImage,
                },
                {
                    name: "node-extensions-image",
                    description: "Its extensions image, shipped as centos-stream-coreos-9-extensions.",
                    default: stream.nodeExtensionsImage,
                },
            ]);
            assert.equal(spec.params.find((p: Obj) => p.name === "tags").default, "scos");
            assert.match(spec.description, /^OKD\/SCOS 4\.14 nightly: provide the tools image, pin the CentOS Stream/);
        });
    });

    describe("OKD/SCOS 4.12 on a site without gates", () => {
        /** No components to rebuild (the schema requires one; the builder copes) and no default node images. */
        const bare = (): Stream => {
            const s = streamSchema.parse({
                minor: "4.12",
                variant: "scos",
                branch: "release-4.12",
                basePayload: "quay.io/okd/scos-release:4.12.0-0.okd-scos-2023-03-23-000000",
            });
            delete s.nodeImage;
            delete s.nodeExtensionsImage;
            return { ...s, components: [] };
        };
        let spec: Obj;
        before(async () => {
            spec = await resolved(nightlyPipeline(local, bare(), [], { maxParallelBuilds: 4, builderImage: "b:{go}" }));
        });

        it("assembles right after the node images, with no build task and no built-images param", () => {
            assert.deepEqual(
                spec.tasks.map((t: Obj) => [t.name, t.runAfter]),
                [
                    ["tools-image", undefined],
                    ["stream-coreos", ["tools-image"]],
                    ["assemble", ["stream-coreos"]],
                ],
            );
            assert.deepEqual(
                task(spec, "assemble").params.map((p: Obj) => p.name),
                [
                    "tools-image",
                    "minor",
                    "name-stream",
                    "base-payload",
                    "components",
                    "node-images",
                    "previous-minor",
                    "pipeline-run",
                ],
            );
            assert.equal(task(spec, "assemble").params.find((p: Obj) => p.name === "previous-minor").value, "4.11");
        });

        it("closes the record with no gate statuses and no workspace, which the Pipeline then does not declare", () => {
            assert.deepEqual(
                spec.finally.map((t: Obj) => t.name),
                ["finalize-record"],
            );
            const finalize = task(spec, "finalize-record");
            assert.deepEqual(finalize.params, [
                tools,
                param("minor"),
                { name: "name", value: "$(tasks.assemble.results.name)" },
                { name: "pipeline-status", value: "$(tasks.status)" },
                { name: "gates", value: "[]" },
            ]);
            assert.ok(!("workspaces" in finalize));
            assert.deepEqual(spec.workspaces, []);
        });

        it("says the minor ships no extensions tag, and leaves unset node images empty", () => {
            assert.deepEqual(task(spec, "stream-coreos").params.slice(1), [
                param("node-image"),
                { name: "node-tags", value: "centos-stream-coreos-9 machine-os-content" },
                param("extensions-image", "node-extensions-image"),
                { name: "extensions-tags", value: "" },
            ]);
            assert.deepEqual(spec.params.slice(7), [
                {
                    name: "node-image",
                    description:
                        "CentOS Stream CoreOS node image shipped as centos-stream-coreos-9, machine-os-content (resolved to its digest).",
                    default: "",
                },
                {
                    name: "node-extensions-image",
                    description: "Its extensions image, shipped as (no tag in this minor).",
                    default: "",
                },
            ]);
        });

        it("takes the builder image the site configures", () => {
            assert.equal(spec.params.find((p: Obj) => p.name === "builder-image").default, "b:{go}");
        });
    });

    it("layers machine-os on Fedora CoreOS stable when the stream names no FCOS stream, else on the one named", async () => {
        const stream = fcos415();
        const defaultOf = async (s: Stream) =>
            (await resolved(nightlyPipeline(aws, s, [], { maxParallelBuilds: 8 }))).params.find(
                (p: Obj) => p.name === "fcos-stream",
            ).default;
        assert.equal(await defaultOf({ ...stream, fcosStream: "next" }), "next");
        delete stream.fcosStream;
        assert.equal(await defaultOf(stream), "stable");
    });

    it("refuses an upgrade gate on a cloud the site has no gate on, naming the stream and the gate", () => {
        assert.throws(() => nightlyPipeline(aws, { ...scos414() }, [], { maxParallelBuilds: 8 }), {
            message: "streams 4.14 upgradeGate.gate is gcp, but the site has no gcp gate",
        });
        assert.throws(
            () =>
                nightlyPipeline(
                    aws,
                    { ...scos414(), upgradeGate: { ...scos414().upgradeGate!, gate: "aws" } },
                    awsGates,
                    {
                        maxParallelBuilds: 8,
                    },
                ),
            { message: "streams 4.14 upgradeGate.gate is aws, but the site has no aws gate" },
        );
    });
});

describe("nightly helpers", () => {
    it("upgrades into x.y from x.(y-1), and into x.0 from nothing", () => {
        assert.equal(previousMinor("4.15"), "4.14");
        assert.equal(previousMinor("4.1"), "4.0");
        assert.equal(previousMinor("4.0"), "");
        assert.equal(previousMinor("5.0"), "");
        assert.equal(previousMinor("5.10"), "5.9");
    });

    const named = (...names: string[]) => names.map((name) => ({ name }));
    const namesOf = (bs: { name: string }[][]) => bs.map((b) => b.map((c) => c.name));

    it("breaks a FROM cycle by configuration order, each member still after the other's first build", () => {
        // a builds FROM b and b FROM a (no real stream does): b goes first (found while placing a), then a.
        assert.deepEqual(namesOf(batches(named("a", "b", "c"), 8, { a: ["b"], b: ["a"] })), [["b", "c"], ["a"]]);
    });

    it("ignores a component building FROM itself or FROM one the run does not build", () => {
        assert.deepEqual(namesOf(batches(named("a", "b"), 1, { a: ["a"], b: ["z"] })), [["a"], ["b"]]);
        assert.deepEqual(namesOf(batches(named("a", "b"), 8, { b: ["a"] })), [["a"], ["b"]]);
    });

    it("fills a batch before opening the next, also for a component that must wait", () => {
        assert.deepEqual(namesOf(batches(named("a", "b", "c", "d"), 2, { c: ["a"] })), [
            ["a", "b"],
            ["c", "d"],
        ]);
        assert.deepEqual(namesOf(batches(named("a", "b", "c"), 1, { b: ["a"] })), [["a"], ["b"], ["c"]]);
    });
});
