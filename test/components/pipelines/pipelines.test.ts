import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import type { OkdPipelines } from "../../../components/pipelines";
import { loadScript } from "../../../components/pipelines/scripts";
import type { PipelineRunTemplate } from "../../../components/shared/pipelines";
import type { Site } from "../../../components/shared/site";
import { componentSchema, streamSchema, type Stream } from "../../../src/config/schema";
import { gateChainCpu } from "../../../src/config/system-pool";
import { find, settled, under, useMocks } from "../../helpers";
import { tektonLint } from "../../support/tekton-lint";
import { lintView } from "./lint-view";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON */
type Obj = any;

const scriptsDir = path.resolve(__dirname, "..", "..", "..", "components", "pipelines", "scripts");

/** A cloud-like site: TLS registry, GCS artifacts, an aws gate with its key and an optional gcp gate whose key is not set yet. */
function fakeSite(): Site {
    const provider = new k8s.Provider("pl-test-k8s", { kubeconfig: "{}" });
    const repo = (p: string) => pulumi.output(`europe-docker.pkg.dev/okd/okd/${p}`);
    const wi = (role: string) => ({
        serviceAccountAnnotations: pulumi.output<Record<string, string>>({
            "iam.gke.io/gcp-service-account": `${role}@x.iam.gserviceaccount.com`,
        }),
        podLabels: { "example.org/workload": role },
    });
    return {
        platform: "gcp",
        provider,
        ready: [],
        registry: {
            host: pulumi.output("europe-docker.pkg.dev"),
            insecure: false,
            repositories: {
                release: repo("release"),
                content: repo("content"),
                machineOs: repo("machine-os"),
                components: repo("components"),
                promoted: repo("promoted"),
                promotedContent: repo("promoted-content"),
                attestations: repo("attestations"),
            },
        },
        artifacts: {
            kind: "gcs",
            bucket: pulumi.output("okd-artifacts-x"),
            url: pulumi.output("gs://okd-artifacts-x/"),
        },
        identities: {
            build: wi("build"),
            records: wi("records"),
            promote: wi("promote"),
            chains: wi("chains"),
            e2ePull: wi("e2e-pull"),
            env: { GOOGLE_CLOUD_PROJECT: pulumi.output("okd") },
        },
        signing: {
            kmsRef: pulumi.output(
                "gcpkms://projects/okd/locations/europe/keyRings/okd-chains/cryptoKeys/chains-signing/cryptoKeyVersions/1",
            ),
            ready: [],
        },
        buildPool: {
            nodeSelector: { "okd-ci/pool": "builds" },
            tolerations: [{ key: "okd-ci/pool", operator: "Equal", value: "builds", effect: "NoSchedule" }],
        },
        webhook: { serviceType: "LoadBalancer", serviceAnnotations: {}, description: "lb" },
        gates: [
            {
                platform: "aws",
                blocking: true,
                baseDomain: "ci.okd.example.org",
                region: "us-east-1",
                zone: pulumi.output("Z123"),
                env: {},
                credentials: {
                    value: pulumi.secret("[default]"),
                    fileName: ".awscred",
                    envVar: "AWS_SHARED_CREDENTIALS_FILE",
                    howToCreate: "set gateCredentialsAws",
                },
                credentialsMode: "Mint",
                clusterPrefix: "okd-e2e",
            },
            {
                platform: "gcp",
                blocking: false,
                baseDomain: "gcp.ci.okd.example.org",
                region: "europe-west1",
                project: "okd-e2e",
                zone: pulumi.output("okd-zone"),
                env: {},
                credentials: {
                    fileName: "gce.json",
                    envVar: "GOOGLE_CLOUD_KEYFILE_JSON",
                    howToCreate: "create a key of okd-e2e-installer",
                },
                credentialsMode: "Passthrough",
                clusterPrefix: "okd-e2e",
            },
        ],
    };
}

const components = [
    "installer",
    "installer-artifacts",
    "machine-config-operator",
    "ironic",
    "cluster-update-keys",
    "operator-marketplace",
];
/**
 * A stream of the minor's default variant (OKD/FCOS up to 4.15) with the given components (installer-artifacts built
 * from this run's installer), from a base payload of that variant.
 */
const stream = (minor: string, promote: boolean): Stream =>
    streamSchema.parse({
        minor,
        branch: `release-${minor}`,
        basePayload: /^4\.1[2-5]$/.test(minor)
            ? `quay.io/openshift/okd:${minor}.0-0.okd-2024-03-10-010116`
            : `quay.io/okd/scos-release:${minor}.0-okd-scos.1`,
        promote,
        components: components.map((name) =>
            componentSchema.parse({
                name,
                repository: `openshift/${name}`,
                dockerfile: "Dockerfile",
                buildArgs: name === "installer" ? { TAGS: "okd baremetal" } : {},
                ...(name === "installer-artifacts" ? { from: "installer" } : {}),
            }),
        ),
    });
/** An OKD/SCOS stream with its variant's defaults, one component on a development branch of its own. */
const scosStream = (minor: string): Stream => {
    const s = streamSchema.parse({
        minor,
        branch: `release-${minor}`,
        basePayload: `quay.io/okd/scos-release:${minor}.0-okd-scos.1`,
    });
    return {
        ...s,
        components: s.components.map((c) =>
            c.name === "operator-marketplace" ? componentSchema.parse({ ...c, branch: "master" }) : c,
        ),
    };
};

describe("OKD pipelines", () => {
    useMocks();

    let pipelines: OkdPipelines;
    const task = (name: string): Obj => find("kubernetes:tekton.dev/v1:Task", `pl-task-${name}`).inputs;
    const pipeline = (resource: string): Obj => find("kubernetes:tekton.dev/v1:Pipeline", resource).inputs;
    const byName = (tasks: Obj[], name: string) => {
        const t = tasks.find((x) => x.name === name);
        assert.ok(t, `no pipeline task ${name} in ${tasks.map((x) => x.name).join(", ")}`);
        return t;
    };

    const chainsPublicKey = "-----BEGIN PUBLIC KEY-----\nMFkw…\n-----END PUBLIC KEY-----\n";

    before(async () => {
        const { OkdPipelines } = await import("../../../components/pipelines");
        pipelines = new OkdPipelines("pl", {
            site: fakeSite(),
            streams: [stream("4.15", true), scosStream("4.16")],
            mirror: { release: "quay.io/openshift/okd", content: "quay.io/openshift/okd-content" },
            chains: { publicKey: chainsPublicKey },
            maxParallelBuilds: 4,
        });
        await settled();
    });

    it("installs every Task, one prepare, install, gate and destroy Task per configured gate and one register Task", () => {
        const names = under("pl", "kubernetes:tekton.dev/v1:Task")
            .map((r) => (r.inputs as Obj).metadata.name)
            .sort();
        assert.deepEqual(names, [
            "okd-assemble-release",
            "okd-build-component",
            "okd-e2e-aws",
            "okd-e2e-destroy-aws",
            "okd-e2e-destroy-gcp",
            "okd-e2e-gcp",
            "okd-e2e-install-aws",
            "okd-e2e-install-gcp",
            "okd-e2e-prepare-aws",
            "okd-e2e-prepare-gcp",
            "okd-e2e-pull-secret",
            "okd-finalize-record",
            "okd-machine-os",
            "okd-pick-release",
            "okd-promote-release",
            "okd-publish-signatures",
            "okd-publish-status",
            "okd-register-cluster",
            "okd-release-notes",
            "okd-stream-coreos",
            "okd-tools-image",
            "okd-tools-image-resolve",
        ]);
        // The release Pipeline's Tasks, the promote Task (the only one that mounts the quay.io credentials) among
        // them, exist in the restricted release namespace only.
        const releaseTasks = under("pl", "kubernetes:tekton.dev/v1:Task")
            .filter((r) => (r.inputs as Obj).metadata.namespace === "okd-release")
            .map((r) => (r.inputs as Obj).metadata.name)
            .sort();
        assert.deepEqual(releaseTasks, [
            "okd-pick-release",
            "okd-promote-release",
            "okd-publish-signatures",
            "okd-publish-status",
            "okd-release-notes",
            "okd-tools-image-resolve",
        ]);
        assert.equal(pipeline("pl-release-4-15").metadata.namespace, "okd-release");
    });

    it("creates a nightly Pipeline per stream and a release Pipeline only for the promoting stream", () => {
        const names = under("pl", "kubernetes:tekton.dev/v1:Pipeline")
            .map((r) => (r.inputs as Obj).metadata.name)
            .sort();
        assert.deepEqual(names, ["okd-nightly-4-15", "okd-nightly-4-16", "okd-release-4-15"]);
        assert.equal(pipeline("pl-nightly-4-15").metadata.namespace, "okd-builds");
    });

    it("loads every step script from its file on disk, unchanged", () => {
        const all = under("pl", "kubernetes:tekton.dev/v1:Task").flatMap((r) => (r.inputs as Obj).spec.steps as Obj[]);
        // Each file with its lib/ includes inlined (a step runs its script alone; shellcheck.test.ts checks the inlining).
        const files = new Set(
            fs
                .readdirSync(scriptsDir)
                .filter((f) => f.endsWith(".sh"))
                .map((f) => loadScript(f)),
        );
        for (const step of all) assert.ok(files.has(step.script), `step ${step.name} runs a script that is not a file`);
        assert.equal(
            task("okd-finalize-record").spec.steps.find((st: Obj) => st.name === "decide").script,
            fs.readFileSync(path.join(scriptsDir, "verdict.sh"), "utf8"),
        );
    });

    it("pins every step image by version, runs the tools from this run's tools image and the tests from the payload's", () => {
        for (const r of under("pl", "kubernetes:tekton.dev/v1:Task")) {
            const spec = (r.inputs as Obj).spec;
            for (const step of spec.steps) {
                if (step.image === "$(params.tests-image)" || step.image === "$(params.tools-image)") {
                    const param = step.image.slice("$(params.".length, -1);
                    assert.ok(
                        spec.params.some((p: Obj) => p.name === param && p.default === undefined),
                        `${(r.inputs as Obj).metadata.name} runs ${step.image} but has no required param ${param}`,
                    );
                    continue;
                }
                assert.match(
                    step.image,
                    /^[a-z0-9.-]+(\/[a-z0-9._-]+)+:[A-Za-z0-9._-]+(@sha256:[a-f0-9]{64})?$/,
                    step.image,
                );
                assert.doesNotMatch(step.image, /:latest$/);
            }
        }
        assert.equal(task("okd-e2e-aws").spec.steps[1].image, "$(params.tests-image)");
        assert.equal(task("okd-e2e-aws").spec.steps[0].image, "$(params.tools-image)");
    });

    it("names no image that nobody builds: no step runs quay.io/okd-ci/pipeline-tools", () => {
        const images = under("pl", "kubernetes:tekton.dev/v1:Task").flatMap((r) =>
            ((r.inputs as Obj).spec.steps as Obj[]).map((s) => s.image as string),
        );
        assert.deepEqual(
            images.filter((i) => i.includes("pipeline-tools")),
            [],
        );
        // Every Task that declares the param runs it, so no declaration is left over from an old image.
        for (const r of under("pl", "kubernetes:tekton.dev/v1:Task")) {
            const spec = (r.inputs as Obj).spec;
            if (!spec.params.some((p: Obj) => p.name === "tools-image")) continue;
            assert.ok(
                spec.steps.some((s: Obj) => s.image === "$(params.tools-image)"),
                `${(r.inputs as Obj).metadata.name} declares tools-image but never runs it`,
            );
        }
    });

    it("passes Tekton lint with no error", async () => {
        const objects = under("pl")
            .filter((r) => r.type.startsWith("kubernetes:tekton.dev"))
            .map((r) => r.inputs);
        const errors = (await tektonLint(lintView(objects))).filter((p) => p.level === "error");
        assert.deepEqual(errors, []);
    });

    describe("the nightly graph", () => {
        let tasks: Obj[];
        let fin: Obj[];
        before(() => {
            const spec = pipeline("pl-nightly-4-15").spec;
            tasks = spec.tasks;
            fin = spec.finally;
        });

        it("builds machine-os and the first component batch in parallel, right after the tools image", () => {
            assert.deepEqual(byName(tasks, "machine-os").runAfter, ["tools-image"]);
            assert.deepEqual(byName(tasks, "build-components-1").runAfter, ["tools-image"]);
        });

        it("bounds component builds to maxParallelBuilds by running batches one after another", () => {
            const first = byName(tasks, "build-components-1");
            const second = byName(tasks, "build-components-2");
            // installer-artifacts builds FROM this run's installer, so it waits for the next batch.
            assert.deepEqual(
                first.matrix.include.map((i: Obj) => i.name),
                ["installer", "machine-config-operator", "ironic", "cluster-update-keys"],
            );
            assert.deepEqual(
                second.matrix.include.map((i: Obj) => i.name),
                ["installer-artifacts", "operator-marketplace"],
            );
            assert.deepEqual(second.runAfter, ["build-components-1"]);
            const param = (t: Obj, name: string) => t.params.find((p: Obj) => p.name === name).value;
            // Issue 15 path 4: earlier builds by the digests they reported (BUILT), never by the run's mutable tag.
            assert.deepEqual(param(first, "run-images"), []);
            assert.deepEqual(param(second, "run-images"), ["$(tasks.build-components-1.results.BUILT[*])"]);
            const buildTask = task("okd-build-component").spec;
            assert.equal(buildTask.params.find((p: Obj) => p.name === "run-images").type, "array");
            const substitute = buildTask.steps.find((st: Obj) => st.name === "substitute-builder");
            assert.deepEqual(substitute.args, ["$(params.run-images[*])"]);
            assert.ok(!substitute.env.some((e: Obj) => e.name === "RUN_IMAGES"));
            assert.equal(param(second, "run-components"), components.join(" "));
            assert.equal(param(first, "base-image"), "$(params.base-image)");
            assert.equal(param(first, "base-payload"), "$(params.base-payload)");
            const installer = first.matrix.include[0].params;
            assert.deepEqual(installer.find((p: Obj) => p.name === "build-args").value, "TAGS=okd baremetal");
            assert.equal(
                installer.find((p: Obj) => p.name === "image").value,
                "europe-docker.pkg.dev/okd/okd/components:installer-$(context.pipelineRun.name)",
            );
        });

        it("assembles after machine-os and every build batch, machine-os by digest at the FCOS node tags", () => {
            const assemble = byName(tasks, "assemble");
            assert.deepEqual(assemble.runAfter, ["machine-os", "build-components-1", "build-components-2"]);
            const param = (n: string) => assemble.params.find((p: Obj) => p.name === n).value;
            const machineOs = "europe-docker.pkg.dev/okd/okd/machine-os@$(tasks.machine-os.results.IMAGE_DIGEST)";
            assert.equal(param("node-images"), `fedora-coreos=${machineOs}\nmachine-os-content=${machineOs}`);
            assert.equal(param("name-stream"), "okd");
            assert.equal(param("components"), components.join(" "));
            assert.equal(param("previous-minor"), "4.14");
        });

        it("hands assembly what every build reported, by digest, and no tag to resolve (issue 15 path 4)", () => {
            const assemble = byName(tasks, "assemble");
            const names = assemble.params.map((p: Obj) => p.name);
            assert.equal(names.includes("build-tag"), false, names.join(" "));
            assert.deepEqual(assemble.params.find((p: Obj) => p.name === "built-images").value, [
                "$(tasks.build-components-1.results.BUILT[*])",
                "$(tasks.build-components-2.results.BUILT[*])",
            ]);
            for (const batch of [byName(tasks, "build-components-1"), byName(tasks, "build-components-2")]) {
                for (const entry of batch.matrix.include) {
                    assert.equal(entry.params.find((p: Obj) => p.name === "component").value, entry.name);
                }
            }
            const step = task("okd-assemble-release").spec.steps.find((s: Obj) => s.name === "assemble");
            assert.deepEqual(step.args, ["$(params.built-images[*])"]);
            assert.equal(step.script.includes('digest_of "${ref}"'), false);
            assert.equal(/skopeo inspect[^\n]*Labels|\.Labels/.test(step.script), false, "no image label is read");
        });

        it("builds OKD/FCOS components with TAGS=fcos, each at the stream's branch", () => {
            const params = pipeline("pl-nightly-4-15").spec.params;
            const def = (n: string) => params.find((p: Obj) => p.name === n)?.default;
            assert.equal(def("tags"), "fcos");
            assert.equal(def("fcos-stream"), "stable");
            assert.equal(def("base-image"), "registry.ci.openshift.org/origin/4.15:base");
            assert.equal(def("node-image"), undefined);
            const first = byName(tasks, "build-components-1");
            assert.equal(first.params.find((p: Obj) => p.name === "tags").value, "$(params.tags)");
            const include = (name: string) =>
                Object.fromEntries(
                    [...first.matrix.include, ...byName(tasks, "build-components-2").matrix.include]
                        .find((i: Obj) => i.name === name)
                        .params.map((p: Obj) => [p.name, p.value]),
                );
            assert.equal(include("installer").branch, "$(params.branch)");
            assert.equal(include("installer").from, "");
            assert.equal(include("installer-artifacts").from, "installer");
        });

        it("runs every gate in parallel after the pull secret, on the payload by digest", () => {
            assert.deepEqual(byName(tasks, "e2e-pull-secret").runAfter, ["assemble"]);
            // Bounded and retried like each gate's fresh pull secret (a token request can fail transiently).
            for (const mint of ["e2e-pull-secret", "pull-secret-aws"]) {
                assert.deepEqual([byName(tasks, mint).timeout, byName(tasks, mint).retries], ["15m", 2], mint);
            }
            const payload = "$(tasks.assemble.results.IMAGE_URL)@$(tasks.assemble.results.IMAGE_DIGEST)";
            for (const cloud of ["aws", "gcp"]) {
                // prepare (metadata.json) → register (into artifact storage) → the gate (create cluster): no cluster
                // exists before its metadata.json is stored for the reaper.
                const prepare = byName(tasks, `prepare-${cloud}`);
                assert.deepEqual(prepare.runAfter, ["e2e-pull-secret"]);
                assert.deepEqual(prepare.taskRef, { kind: "Task", name: `okd-e2e-prepare-${cloud}` });
                const register = byName(tasks, `register-${cloud}`);
                assert.deepEqual(register.runAfter, [`prepare-${cloud}`]);
                assert.equal(register.params.find((p: Obj) => p.name === "gate").value, cloud);
                assert.equal(
                    register.params.find((p: Obj) => p.name === "pipeline-run").value,
                    "$(context.pipelineRun.name)",
                );
                // create cluster; then a fresh pull secret, minted by the pull-only identity, for the cluster's
                // refresh before the suite.
                const install = byName(tasks, `install-${cloud}`);
                assert.deepEqual(install.runAfter, [`register-${cloud}`]);
                assert.deepEqual(install.taskRef, { kind: "Task", name: `okd-e2e-install-${cloud}` });
                const mint = byName(tasks, `pull-secret-${cloud}`);
                assert.deepEqual(mint.runAfter, [`install-${cloud}`]);
                assert.deepEqual(mint.taskRef, { kind: "Task", name: "okd-e2e-pull-secret" });
                assert.deepEqual(mint.params, [{ name: "path", value: `${cloud}/pull-secret.json` }]);
                const t = byName(tasks, `e2e-${cloud}`);
                assert.deepEqual(t.runAfter, [`pull-secret-${cloud}`]);
                for (const task of [prepare, register, install]) {
                    assert.equal(task.params.find((p: Obj) => p.name === "release-image").value, payload);
                }
                assert.equal(install.timeout, "2h35m");
                assert.equal(t.timeout, "2h30m");
            }
        });

        it("decides the verdict in finally from each gate chain's task statuses, knowing which are blocking", () => {
            // Not a task after the gates: one failed gate task would skip it and leave the payload unfinished.
            assert.equal(
                tasks.some((t) => t.name === "verdict"),
                false,
            );
            const gates = byName(fin, "finalize-record").params.find((p: Obj) => p.name === "gates").value;
            const chain = (c: string) =>
                [`e2e-pull-secret`, `prepare-${c}`, `register-${c}`, `install-${c}`, `pull-secret-${c}`, `e2e-${c}`]
                    .map((t) => `${t}=$(tasks.${t}.status)`)
                    .join(" ");
            assert.equal(
                gates,
                `[{"gate":"aws","blocking":true,"tasks":"${chain("aws")}"},` +
                    `{"gate":"gcp","blocking":false,"tasks":"${chain("gcp")}"}]`,
            );
            // No gate task's result: Tekton skips a finally task referencing a result its task never wrote.
            assert.doesNotMatch(gates, /results/);
        });

        it("destroys each gate's cluster in finally whenever its install started", () => {
            for (const cloud of ["aws", "gcp"]) {
                const destroy = byName(fin, `destroy-${cloud}`);
                assert.deepEqual(destroy.when, [
                    { input: `$(tasks.install-${cloud}.status)`, operator: "notin", values: ["None"] },
                ]);
                assert.deepEqual(destroy.workspaces, [{ name: "e2e", workspace: "e2e" }]);
            }
            assert.equal(
                tasks.some((t) => t.name.startsWith("destroy-")),
                false,
            );
        });

        it("closes the record in finally with the run's aggregate status", () => {
            const finalize = byName(fin, "finalize-record");
            assert.equal(finalize.params.find((p: Obj) => p.name === "pipeline-status").value, "$(tasks.status)");
        });

        it("gives finalize-record's attempt room for every step's bound: the wait for the destroys and the rest", () => {
            const secs = (d: string) => {
                const m = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(d) as RegExpExecArray;
                return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60;
            };
            const steps = task("okd-finalize-record").spec.steps as Obj[];
            const bound = (st: Obj) => {
                if (st.name === "await-destroys") {
                    return Number(st.env.find((e: Obj) => e.name === "WAIT_SECONDS").value);
                }
                assert.ok(st.timeout, `step ${st.name} states no timeout`);
                return secs(st.timeout);
            };
            const sum = steps.reduce((total, st) => total + bound(st), 0);
            const attempt = secs(byName(fin, "finalize-record").timeout);
            assert.ok(sum < attempt, `the steps may take ${sum} s, an attempt has ${attempt} s`);
        });
    });

    describe("an OKD/SCOS nightly", () => {
        let tasks: Obj[];
        let params: Obj[];
        before(() => {
            ({ tasks, params } = pipeline("pl-nightly-4-16").spec);
        });
        const def = (n: string) => params.find((p: Obj) => p.name === n)?.default;
        const param = (t: Obj, n: string) => t.params.find((p: Obj) => p.name === n)?.value;

        it("pins OKD's CentOS Stream CoreOS instead of building machine-os", () => {
            assert.deepEqual(
                tasks.map((t) => t.name),
                [
                    "tools-image",
                    "stream-coreos",
                    "build-components-1",
                    "build-components-2",
                    "assemble",
                    "e2e-pull-secret",
                    "prepare-aws",
                    "register-aws",
                    "prepare-gcp",
                    "register-gcp",
                    "install-aws",
                    "pull-secret-aws",
                    "e2e-aws",
                    "install-gcp",
                    "pull-secret-gcp",
                    "e2e-gcp",
                ],
            );
            const sc = byName(tasks, "stream-coreos");
            assert.deepEqual(sc.taskRef, { kind: "Task", name: "okd-stream-coreos" });
            assert.deepEqual(sc.runAfter, ["tools-image"]);
            assert.equal(param(sc, "node-image"), "$(params.node-image)");
            assert.equal(param(sc, "node-tags"), "stream-coreos");
            assert.equal(param(sc, "extensions-image"), "$(params.node-extensions-image)");
            assert.equal(param(sc, "extensions-tags"), "stream-coreos-extensions");
            assert.equal(def("node-image"), "quay.io/okd/centos-stream-coreos-9:4.16-x86_64");
            assert.equal(def("node-extensions-image"), "quay.io/okd/centos-stream-coreos-9-extensions:4.16-x86_64");
            for (const fcos of ["fcos-stream", "rpms-image", "machine-os-branch"]) assert.equal(def(fcos), undefined);
        });

        it("assembles an okd-scos payload from the resolved node images and the okd-scos builds", () => {
            const assemble = byName(tasks, "assemble");
            assert.deepEqual(assemble.runAfter, ["stream-coreos", "build-components-1", "build-components-2"]);
            assert.equal(param(assemble, "name-stream"), "okd-scos");
            assert.equal(param(assemble, "node-images"), "$(tasks.stream-coreos.results.node-images)");
            assert.equal(param(assemble, "previous-minor"), "4.15", "the pivot: 4.15 FCOS releases upgrade into 4.16");
        });

        it("builds every component with TAGS=scos from origin/scos-<minor>:base-stream9, at its own branch if it has one", () => {
            assert.equal(def("tags"), "scos");
            assert.equal(def("base-image"), "registry.ci.openshift.org/origin/scos-4.16:base-stream9");
            const includes = [
                ...byName(tasks, "build-components-1").matrix.include,
                ...byName(tasks, "build-components-2").matrix.include,
            ];
            // No component builds from another this run, so configuration order in batches of four.
            assert.deepEqual(
                includes.map((i: Obj) => i.name),
                [
                    "installer",
                    "installer-artifacts",
                    "baremetal-installer",
                    "machine-config-operator",
                    "cluster-samples-operator",
                    "operator-marketplace",
                    "cluster-update-keys",
                    "ironic",
                ],
            );
            const p = (name: string) =>
                Object.fromEntries(
                    includes.find((i: Obj) => i.name === name).params.map((x: Obj) => [x.name, x.value]),
                );
            assert.equal(p("machine-config-operator").dockerfile, "Dockerfile.rhel7");
            assert.equal(p("machine-config-operator").from, "base");
            assert.equal(p("machine-config-operator").branch, "$(params.branch)");
            assert.equal(p("operator-marketplace").branch, "master");
            assert.equal(p("operator-marketplace").dockerfile, "Dockerfile.okd");
        });

        it("resolves the node images with the tools image, holding no credential at all, off the build pool", () => {
            const steps = task("okd-stream-coreos").spec.steps;
            assert.deepEqual(
                steps.map((s: Obj) => s.name),
                ["resolve"],
            );
            assert.equal(steps[0].image, "$(params.tools-image)");
            assert.equal(steps[0].script, fs.readFileSync(path.join(scriptsDir, "stream-coreos.sh"), "utf8"));
            const env = Object.fromEntries(steps[0].env.map((e: Obj) => [e.name, e.value]));
            assert.equal(env.NODE_IMAGE, "$(params.node-image)");
            assert.equal(env.RESULT_NODE_IMAGES, "$(results.node-images.path)");
            assert.equal(env.REGISTRY_AUTH_FILE, undefined, "OKD's node images are public");
            assert.equal(steps[0].securityContext, undefined, "nothing privileged: it only reads registries");
            const run = pipelines.runs.find((r) => r.minor === "4.16")?.nightly;
            // No spec: it runs as the run's default, the build ServiceAccount, on the system pool.
            assert.equal(
                run?.taskRunSpecs.some((s) => s.pipelineTaskName === "stream-coreos"),
                false,
            );
            assert.equal(
                run?.taskRunSpecs.some((s) => s.pipelineTaskName === "machine-os"),
                false,
            );
        });
    });

    describe("the tools image", () => {
        const toolsArg = "$(tasks.tools-image.results.IMAGE_URL)@$(tasks.tools-image.results.IMAGE_DIGEST)";
        const pipelineNames = ["pl-nightly-4-15", "pl-nightly-4-16", "pl-release-4-15"];
        const taskDeclares = (taskName: string) =>
            task(taskName).spec.params.some((p: Obj) => p.name === "tools-image");
        /** Every pipeline task `name` waits for: runAfter, and every task whose result or status it reads. */
        const upstream = (tasks: Obj[], name: string): Set<string> => {
            const seen = new Set<string>();
            const visit = (n: string) => {
                const t = byName(tasks, n);
                const refs = [...JSON.stringify([t.params, t.when, t.matrix]).matchAll(/\$\(tasks\.([a-z0-9-]+)\./g)];
                for (const dep of [...(t.runAfter ?? []), ...refs.map((m) => m[1])]) {
                    if (!seen.has(dep)) {
                        seen.add(dep);
                        visit(dep);
                    }
                }
            };
            visit(name);
            return seen;
        };

        it("is the first task of every nightly and release Pipeline, waiting for nothing", () => {
            for (const name of pipelineNames) {
                const first = pipeline(name).spec.tasks[0];
                assert.equal(first.name, "tools-image", name);
                assert.equal(first.runAfter, undefined);
                if (name.startsWith("pl-release")) {
                    // The release resolves the image the nightlies built from the same Containerfile: no build.
                    assert.deepEqual(first.taskRef, { kind: "Task", name: "okd-tools-image-resolve" });
                    continue;
                }
                assert.deepEqual(first.taskRef, { kind: "Task", name: "okd-tools-image" });
                assert.deepEqual(first.params, [{ name: "prebuilt-image", value: "" }], "builds by default");
            }
        });

        it("resolves, in the release, exactly the tag the nightlies' tools-image.sh gives the Containerfile", async () => {
            const { toolsImageTag } = await import("../../../components/pipelines/tasks/tools-image");
            const file = path.resolve(__dirname, "../../../components/pipelines/images/tools/Containerfile");
            const hex = crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
            assert.equal(toolsImageTag(), `pipeline-tools-${hex.slice(0, 16)}`);
            const first = pipeline("pl-release-4-15").spec.tasks[0];
            assert.deepEqual(first.params, [
                // The release repository: only the records identity pushes there, no build's token reaches it.
                { name: "image", value: `europe-docker.pkg.dev/okd/okd/release:${toolsImageTag()}` },
                // Until a nightly builds that tag after a Containerfile change: the newest a nightly built.
                { name: "fallback-image", value: "europe-docker.pkg.dev/okd/okd/release:pipeline-tools-latest" },
            ]);
            const spec = task("okd-tools-image-resolve").spec;
            assert.deepEqual(
                spec.steps.map((s: Obj) => [s.name, s.image]),
                [
                    ["registry-auth", (await import("../../../components/pipelines/images")).defaultImages.gcloud],
                    [
                        "resolve",
                        "quay.io/skopeo/stable:v1.19.0@sha256:d08fe48978c027ff0f5eeaeb4b1c12c12612427a559f3e49f576f0109dfbfca4",
                    ],
                ],
            );
            assert.ok(
                spec.steps.every((s: Obj) => s.securityContext === undefined),
                "steps take the template's",
            );
            assert.equal(spec.stepTemplate.securityContext.allowPrivilegeEscalation, false);
        });

        it("runs every task that uses the tools image after tools-image and gives it the image by digest", () => {
            let checked = 0;
            for (const name of pipelineNames) {
                const spec = pipeline(name).spec;
                for (const t of [...spec.tasks, ...spec.finally]) {
                    if (!taskDeclares(t.taskRef.name)) continue;
                    checked++;
                    assert.deepEqual(
                        t.params.find((p: Obj) => p.name === "tools-image"),
                        { name: "tools-image", value: toolsArg },
                        `${name}/${t.name}`,
                    );
                    // finally tasks start after every regular task anyway; regular ones must wait explicitly.
                    if (spec.tasks.includes(t)) assert.ok(upstream(spec.tasks, t.name).has("tools-image"), t.name);
                }
            }
            // 4.15 nightly: machine-os, 2 build batches, assemble, 2 × (prepare, register, install, gate),
            // 2 destroys, finalize (which decides the verdict); 4.16 the same; the release: pick, promote,
            // publish-signatures, release-notes, publish-status.
            assert.equal(checked, 2 * 15 + 5);
        });

        it("keeps finally honest when tools-image fails: each finally task already needs a task downstream of it", () => {
            // Tekton skips a finally task whose result reference is missing. If tools-image failed, nothing else ran:
            // no record to finalize, no cluster to destroy. Each finally task already depended on such a task.
            const spec = pipeline("pl-nightly-4-15").spec;
            const direct = Object.fromEntries(
                spec.finally.map((t: Obj) => {
                    const refs = [...JSON.stringify([t.params, t.when]).matchAll(/\$\(tasks\.([a-z0-9-]+)\./g)];
                    const deps = [...new Set(refs.map((m) => m[1]))].filter((d) => d !== "tools-image").sort();
                    assert.ok(deps.length > 0, `${t.name} depends on nothing but tools-image`);
                    for (const dep of deps) {
                        assert.ok(upstream(spec.tasks, dep).has("tools-image"), `${t.name} → ${dep}`);
                    }
                    return [t.name, deps];
                }),
            );
            // Each gate's destroy reads its own gate's cluster and the assembled release; finalize reads the status of
            // every gate chain's task (the verdict; a status, never a missing result, so it is never skipped for it).
            const chain = (c: string) => [
                `e2e-${c}`,
                `install-${c}`,
                `prepare-${c}`,
                `pull-secret-${c}`,
                `register-${c}`,
            ];
            assert.deepEqual(direct, {
                "destroy-aws": ["assemble", "install-aws"],
                "destroy-gcp": ["assemble", "install-gcp"],
                "finalize-record": ["assemble", ...chain("aws"), ...chain("gcp"), "e2e-pull-secret"].sort(),
            });
        });

        it("builds from the Containerfile on disk, shipped in the Containerfiles ConfigMap", () => {
            const cm = find("kubernetes:core/v1:ConfigMap", "pl-containerfiles").inputs as Obj;
            const file = path.resolve(
                __dirname,
                "..",
                "..",
                "..",
                "components",
                "pipelines",
                "images",
                "tools",
                "Containerfile",
            );
            assert.equal(cm.data["tools.Containerfile"], fs.readFileSync(file, "utf8"));
            const spec = task("okd-tools-image").spec;
            assert.deepEqual(spec.volumes[0].configMap, {
                name: cm.metadata.name,
                items: [{ key: "tools.Containerfile", path: "Containerfile" }],
            });
            assert.deepEqual(
                spec.results.map((r: Obj) => r.name),
                ["IMAGE_URL", "IMAGE_DIGEST"],
            );
        });

        it("builds as a build: no identity, the builds' push token, into the components repository, privileged, by its script", () => {
            const spec = task("okd-tools-image").spec;
            const steps = spec.steps;
            // Its RUN steps share the pod's network: on GKE any process of a pod that may reach the metadata server
            // gets its ServiceAccount's token, so the pod holds none (issue 15, review finding on the tools image).
            assert.equal(steps[0].name, "registry-token", "the builds' minted push token, no identity of its own");
            assert.equal(spec.stepTemplate, undefined, "no identity environment");
            assert.deepEqual(
                spec.volumes.filter((v: Obj) => v.secret !== undefined).map((v: Obj) => v.secret.secretName),
                ["okd-registry-push"],
            );
            const build = steps[1];
            assert.equal(build.image, "quay.io/buildah/stable:v1.44.0");
            assert.equal(build.script, fs.readFileSync(path.join(scriptsDir, "tools-image.sh"), "utf8"));
            assert.deepEqual(build.securityContext, { privileged: true });
            const env = Object.fromEntries(build.env.map((e: Obj) => [e.name, e.value]));
            assert.equal(env.REPOSITORY, "europe-docker.pkg.dev/okd/okd/components");
            assert.equal(env.TAG_PREFIX, "pipeline-tools-");
            assert.equal(env.TLS_VERIFY, "true");
            assert.equal(env.REGISTRY_AUTH_FILE, "/var/run/okd-registry/auth.json");
            assert.equal(env.PREBUILT_IMAGE, "$(params.prebuilt-image)");
            assert.ok(build.volumeMounts.some((m: Obj) => m.name === "registry-push" && m.readOnly === true));
        });

        it("has the records identity tag the run's tools image digest in the release repository, in assemble", () => {
            const steps = task("okd-assemble-release").spec.steps;
            assert.deepEqual(
                steps.slice(0, 2).map((s: Obj) => s.name),
                ["registry-auth", "publish-tools"],
            );
            const publish = steps[1];
            assert.equal(publish.script, fs.readFileSync(path.join(scriptsDir, "publish-tools-image.sh"), "utf8"));
            const env = Object.fromEntries(publish.env.map((e: Obj) => [e.name, e.value]));
            assert.equal(env.TOOLS_IMAGE, "$(params.tools-image)");
            assert.equal(env.BUILD_REPOSITORY, "europe-docker.pkg.dev/okd/okd/components");
            assert.equal(env.TARGET_REPOSITORY, "europe-docker.pkg.dev/okd/okd/release");
            assert.equal(publish.securityContext, undefined, "not privileged");
        });

        it("builds the tools image as a build on the build pool in the nightly, and resolves it as promotion in the release", () => {
            const runs = pipelines.runs.find((r) => r.minor === "4.15");
            assert.ok(runs?.release);
            const nightly = runs.nightly.taskRunSpecs.find((s) => s.pipelineTaskName === "tools-image") as Obj;
            assert.deepEqual(nightly.podTemplate.nodeSelector, { "okd-ci/pool": "builds" });
            assert.equal(nightly.serviceAccountName, undefined, "the build ServiceAccount, no identity");
            assert.equal(nightly.metadata, undefined, "no identity label: no metadata server, no credential agent");
            const release = runs.release.taskRunSpecs.find((s) => s.pipelineTaskName === "tools-image") as Obj;
            assert.equal(release.podTemplate, undefined, "nothing is built: off the build pool");
            assert.equal(release.serviceAccountName, "okd-promote");
        });

        it("passes a prebuilt tools image to the tools-image task when one is configured", async () => {
            const { OkdPipelines } = await import("../../../components/pipelines");
            new OkdPipelines("tools-prebuilt", {
                site: fakeSite(),
                streams: [stream("4.18", false)],
                images: { tools: "quay.io/example/pipeline-tools:2.0.0" },
            });
            await settled();
            const nightly = find("kubernetes:tekton.dev/v1:Pipeline", "tools-prebuilt-nightly-4-18").inputs as Obj;
            assert.deepEqual(nightly.spec.tasks[0].params, [
                { name: "prebuilt-image", value: "quay.io/example/pipeline-tools:2.0.0" },
            ]);
        });
    });

    describe("the release graph", () => {
        it("promotes only when the picked record's verdict is accepted", () => {
            const tasks = pipeline("pl-release-4-15").spec.tasks;
            const promote = byName(tasks, "promote");
            assert.deepEqual(promote.when, [
                { input: "$(tasks.pick.results.verdict)", operator: "in", values: ["accepted"] },
            ]);
            assert.equal(promote.params.find((p: Obj) => p.name === "digest").value, "$(tasks.pick.results.digest)");
        });

        it("re-checks the record, then re-creates the payload on quay.io and in the durable repositories", () => {
            const steps = task("okd-promote-release").spec.steps;
            assert.deepEqual(
                steps.map((s: Obj) => s.name),
                ["registry-auth", "adopt", "check", "verify", "name", "mirror", "record"],
            );
            const env = (step: string, name: string) =>
                steps.find((s: Obj) => s.name === step).env.find((e: Obj) => e.name === name)?.value;
            // First, as the promotion identity: promotions older records carry are copied into promoted/ (once).
            assert.equal(env("adopt", "RECORD_ACTION"), "adopt");
            assert.equal(env("check", "RECORD_ACTION"), "check");
            // The published name (4.Y.0-okd-scos.N for OKD/SCOS) is decided after verification, before any copy.
            assert.equal(env("name", "RECORD_ACTION"), "name");
            assert.equal(env("name", "OUT_FILE"), "/workspace/published-name");
            assert.equal(env("mirror", "PUBLISHED_NAME_FILE"), env("name", "OUT_FILE"));
            assert.equal(
                env("mirror", "TARGETS"),
                "quay.io/openshift/okd quay.io/openshift/okd-content true PUBLIC_\n" +
                    "europe-docker.pkg.dev/okd/okd/promoted europe-docker.pkg.dev/okd/okd/promoted-content true PROMOTED_",
            );
            // Each promoted payload is reported as a Chains `*IMAGE_URL`/`*IMAGE_DIGEST` pair, so both are signed.
            assert.deepEqual(
                task("okd-promote-release").spec.results.map((r: Obj) => r.name),
                ["PUBLIC_IMAGE_URL", "PUBLIC_IMAGE_DIGEST", "PROMOTED_IMAGE_URL", "PROMOTED_IMAGE_DIGEST"],
            );
        });

        it("copies the quay.io payload's signature and provenance next to it once Chains signed the promote TaskRun", () => {
            const tasks = pipeline("pl-release-4-15").spec.tasks;
            const publish = byName(tasks, "publish-signatures");
            assert.equal(publish.taskRef.name, "okd-publish-signatures");
            assert.deepEqual(publish.runAfter, ["promote"]);
            assert.deepEqual(publish.when, [
                { input: "$(tasks.pick.results.verdict)", operator: "in", values: ["accepted"] },
            ]);
            assert.equal(
                publish.params.find((p: Obj) => p.name === "image").value,
                "$(tasks.promote.results.PUBLIC_IMAGE_URL)@$(tasks.promote.results.PUBLIC_IMAGE_DIGEST)",
            );
            const spec = task("okd-publish-signatures").spec;
            const step = spec.steps.find((s: Obj) => s.name === "publish");
            assert.equal(step.script, loadScript("publish-signatures.sh"));
            assert.match(step.script, /^cosign_key\(\) \{$/m);
            const env = Object.fromEntries(step.env.map((e: Obj) => [e.name, e.value]));
            assert.equal(env.IMAGE, "$(params.image)");
            // Where Chains stores signatures (its own attestation repository), read with the site's key; the same
            // repository and key promote's verify step reads.
            assert.equal(env.ATTESTATION_REPOSITORY, "europe-docker.pkg.dev/okd/okd/attestations");
            const verify = task("okd-promote-release").spec.steps.find((s: Obj) => s.name === "verify");
            const verifyEnv = Object.fromEntries(verify.env.map((e: Obj) => [e.name, e.value]));
            assert.equal(env.ATTESTATION_REPOSITORY, verifyEnv.ATTESTATION_REPOSITORY);
            assert.equal(env.PUBLIC_KEY_FILE, verifyEnv.PUBLIC_KEY_FILE);
            assert.equal(env.PUBLIC_KEY_FILE, "/var/run/okd-chains/cosign.pub");
            assert.equal(env.MIRROR_AUTH_FILE, "/var/run/okd-mirror/.dockerconfigjson");
            assert.deepEqual(
                spec.volumes.map((v: Obj) => v.name),
                ["mirror-credentials", "chains-public-key"],
            );
        });
    });

    describe("tasks", () => {
        it("maps params to environment variables instead of splicing them into scripts", () => {
            const build = task("okd-build-component").spec.steps.find((s: Obj) => s.name === "build");
            assert.deepEqual(
                build.env.find((e: Obj) => e.name === "BUILD_ARGS"),
                {
                    name: "BUILD_ARGS",
                    value: "TAGS=$(params.tags)\n$(params.build-args)",
                },
            );
            assert.deepEqual(
                task("okd-build-component").spec.results.map((r: Obj) => r.name),
                ["IMAGE_URL", "IMAGE_DIGEST", "CHAINS-GIT_URL", "CHAINS-GIT_COMMIT", "BUILT"],
            );
        });

        it("lets a component's own build failure through to a BUILT report instead of failing the nightly", () => {
            const steps = task("okd-build-component").spec.steps as Obj[];
            assert.deepEqual(
                steps.map((s) => [s.name, s.onError ?? "stopAndFail"]),
                [
                    ["registry-token", "stopAndFail"],
                    ["clone", "continue"],
                    ["substitute-builder", "continue"],
                    ["build", "continue"],
                    ["report", "stopAndFail"],
                ],
            );
            const report = steps[steps.length - 1];
            assert.equal(report.script, fs.readFileSync(path.join(scriptsDir, "build-report.sh"), "utf8"));
            const env = Object.fromEntries(report.env.map((e: Obj) => [e.name, e.value]));
            assert.equal(
                env.STEP_EXIT_FILES,
                [
                    "clone=$(steps.step-clone.exitCode.path)",
                    "substitute-builder=$(steps.step-substitute-builder.exitCode.path)",
                    "build=$(steps.step-build.exitCode.path)",
                ].join("\n"),
            );
            assert.equal(env.RESULT_BUILT, "$(results.BUILT.path)");
            // Retries stay for what is not the component's fault (Tekton refuses them beside a pipeline task's onError).
            const build = byName(pipeline("pl-nightly-4-15").spec.tasks, "build-components-1");
            assert.equal(build.retries, 1);
            assert.equal(build.onError, undefined);
        });

        it("mounts each gate's Secret and points the installer at its file", () => {
            for (const [cloud, file, envVar] of [
                ["aws", ".awscred", "AWS_SHARED_CREDENTIALS_FILE"],
                ["gcp", "gce.json", "GOOGLE_CLOUD_KEYFILE_JSON"],
            ]) {
                const t = task(`okd-e2e-install-${cloud}`).spec;
                assert.deepEqual(t.volumes, [
                    { name: "gate-credentials", secret: { secretName: `okd-gate-${cloud}`, optional: true } },
                ]);
                const env = Object.fromEntries(t.stepTemplate.env.map((e: Obj) => [e.name, e.value]));
                assert.equal(env[envVar], `/var/run/okd-gate/${file}`);
                assert.equal(env.CREDENTIALS_ENV, envVar);
                for (const step of t.steps) {
                    assert.deepEqual(step.volumeMounts, [
                        { name: "gate-credentials", mountPath: "/var/run/okd-gate", readOnly: true },
                    ]);
                }
            }
        });

        it("tells the installer its credentials mode and cluster prefix, and how to create missing credentials", () => {
            const template = (name: string) =>
                Object.fromEntries(task(name).spec.stepTemplate.env.map((e: Obj) => [e.name, e.value]));
            for (const name of ["okd-e2e-prepare-gcp", "okd-e2e-install-gcp"]) {
                const env = template(name);
                assert.equal(env.INSTALL_CREDENTIALS_MODE, "Passthrough", name);
                assert.equal(env.CLUSTER_PREFIX, "okd-e2e", name);
                assert.equal(env.CREDENTIALS_HOW_TO, "create a key of okd-e2e-installer", name);
                assert.equal(env.GCP_PROJECT, "okd-e2e", name);
            }
            assert.equal(template("okd-e2e-install-aws").INSTALL_CREDENTIALS_MODE, "Mint");
            // The destroy Task runs the installer from metadata.json: the credentials, none of the install settings.
            assert.deepEqual(Object.keys(template("okd-e2e-destroy-gcp")).sort(), [
                "CREDENTIALS_ENV",
                "CREDENTIALS_HOW_TO",
                "CREDENTIALS_SECRET",
                "GOOGLE_CLOUD_KEYFILE_JSON",
            ]);
            // The suite's Task: the gate's directory and the credentials file its cloud clients read.
            assert.deepEqual(template("okd-e2e-gcp"), {
                STATE_DIR: "$(workspaces.e2e.path)/gcp",
                GOOGLE_CLOUD_KEYFILE_JSON: "/var/run/okd-gate/gce.json",
            });
        });

        it("keeps the pipeline identity's environment out of the gates' Tasks", () => {
            for (const name of ["okd-e2e-aws", "okd-e2e-gcp", "okd-e2e-destroy-aws", "okd-e2e-destroy-gcp"]) {
                const names = task(name).spec.stepTemplate.env.map((e: Obj) => e.name);
                assert.ok(!names.includes("GOOGLE_CLOUD_PROJECT"), name);
                assert.equal(new Set(names).size, names.length, `${name}: ${names.join(", ")}`);
            }
        });

        it("reaches GCS through rclone with the pod's identity and no static key", () => {
            const env = Object.fromEntries(
                task("okd-finalize-record").spec.stepTemplate.env.map((e: Obj) => [e.name, e.value]),
            );
            assert.equal(env.RCLONE_CONFIG_ARTIFACTS_TYPE, "google cloud storage");
            assert.equal(env.RCLONE_CONFIG_ARTIFACTS_ENV_AUTH, "true");
            assert.equal(env.ARTIFACTS_BUCKET, "okd-artifacts-x");
            assert.deepEqual(task("okd-finalize-record").spec.stepTemplate.envFrom, []);
        });

        it("gives the gate steps explicit timeouts for the install, the refresh and the suite", () => {
            assert.deepEqual(
                task("okd-e2e-install-aws").spec.steps.map((s: Obj) => [s.name, s.timeout]),
                [["install", "2h30m"]],
            );
            const gate = task("okd-e2e-aws").spec;
            assert.deepEqual(
                gate.steps.map((s: Obj) => [s.name, s.timeout]),
                [
                    ["refresh-pull-secret", "25m"],
                    ["test", "2h"],
                ],
            );
            // The suite reads the cluster's credentials for its cloud client; the refresh needs only the kubeconfig.
            assert.deepEqual(gate.steps[1].volumeMounts, [
                { name: "gate-credentials", mountPath: "/var/run/okd-gate", readOnly: true },
            ]);
            const refresh = Object.fromEntries(gate.steps[0].env.map((e: Obj) => [e.name, e.value]));
            assert.equal(refresh.PULL_SECRET_FILE, "$(workspaces.e2e.path)/aws/pull-secret.json");
            assert.equal(
                gate.steps[0].script,
                fs.readFileSync(path.join(scriptsDir, "refresh-pull-secret.sh"), "utf8"),
            );
        });

        it("ships the machine-os Containerfile layering FCOS (by the digest fcos-base resolves) with rpm-ostree", () => {
            const cm = find("kubernetes:core/v1:ConfigMap", "pl-containerfiles").inputs as Obj;
            const file = cm.data["machine-os.Containerfile"];
            assert.match(file, /^FROM \$\{FCOS_IMAGE\}$/m);
            assert.match(file, /rpm-ostree install /);
            assert.match(file, /ostree container commit/);
            assert.match(file, /^LABEL io\.openshift\.release\.operator=true /m);
        });

        it("builds machine-os from a clone of the stream's okd-machine-os branch with its openshift-os submodule", () => {
            const steps = task("okd-machine-os").spec.steps;
            assert.deepEqual(
                steps.map((s: Obj) => s.name),
                ["registry-token", "fcos-base", "clone", "build"],
            );
            const env = (step: Obj, name: string) => step.env.find((e: Obj) => e.name === name)?.value;
            assert.equal(env(steps[2], "SUBMODULES"), "openshift-os");
            assert.equal(env(steps[3], "CONTEXT_DIR"), "/workspace/source");
            assert.equal(env(steps[1], "BASE_PAYLOAD"), "$(params.base-payload)");
            const machineOs = byName(pipeline("pl-nightly-4-15").spec.tasks, "machine-os");
            assert.equal(
                machineOs.params.find((p: Obj) => p.name === "os-branch").value,
                "$(params.machine-os-branch)",
            );
        });
    });

    describe("run templates", () => {
        it("runs the payload's installer and tests with no capability, no privilege escalation and RuntimeDefault seccomp", () => {
            // Issue 15: the gates run code from the commits under test (the payload's own installer and tests image).
            const contained = {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            };
            for (const cloud of ["aws", "gcp"]) {
                for (const name of [`okd-e2e-${cloud}`, `okd-e2e-prepare-${cloud}`, `okd-e2e-destroy-${cloud}`]) {
                    const spec = task(name).spec;
                    assert.deepEqual(spec.stepTemplate.securityContext, contained, name);
                    for (const step of spec.steps as Obj[]) {
                        assert.equal(step.securityContext, undefined, `${name}/${step.name} overrides the template`);
                    }
                }
            }
            const nightly = pipelines.runs.find((r) => r.minor === "4.15")!.nightly;
            for (const name of ["prepare-aws", "e2e-aws", "destroy-aws", "e2e-gcp", "destroy-gcp"]) {
                const spec = nightly.taskRunSpecs.find((s) => s.pipelineTaskName === name) as Obj;
                assert.ok(spec, `no taskRunSpec for ${name}`);
                assert.deepEqual(spec.podTemplate, { securityContext: { seccompProfile: { type: "RuntimeDefault" } } });
            }
        });

        it("runs builds as okd-build with no identity, records as okd-records, gates as okd-e2e", () => {
            const runs = pipelines.runs.find((r) => r.minor === "4.15");
            assert.ok(runs?.release);
            const nightly = runs.nightly;
            assert.equal(nightly.pipelineName, "okd-nightly-4-15");
            assert.deepEqual(nightly.taskRunTemplate, { serviceAccountName: "okd-build" });
            const spec = (n: string) => nightly.taskRunSpecs.find((s) => s.pipelineTaskName === n) as Obj;
            for (const build of ["machine-os", "build-components-1", "build-components-2"]) {
                assert.deepEqual(spec(build).podTemplate.nodeSelector, { "okd-ci/pool": "builds" });
                assert.equal(spec(build).serviceAccountName, undefined, build);
                assert.equal(spec(build).metadata, undefined, `${build} carries no identity label`);
            }
            for (const writer of ["assemble", "finalize-record"]) {
                assert.equal(spec(writer).serviceAccountName, "okd-records", writer);
                assert.deepEqual(spec(writer).metadata.labels, {
                    "example.org/workload": "records",
                    "okd-ci/identity": "records",
                });
                assert.equal(spec(writer).podTemplate, undefined, `${writer} stays off the build pool`);
            }
            // The tools image: this repository's Containerfile, built as a build (its RUN steps share the pod's
            // network, so the pod holds no identity), by digest; assemble tags it in the release repository.
            assert.equal(spec("tools-image").serviceAccountName, undefined);
            assert.equal(spec("tools-image").metadata, undefined);
            assert.deepEqual(spec("tools-image").podTemplate.nodeSelector, { "okd-ci/pool": "builds" });
            assert.equal(spec("e2e-aws").serviceAccountName, "okd-e2e");
            // The pull secret lands in every e2e cluster: minted as okd-e2e (pull-only), never by a writer.
            assert.equal(spec("e2e-pull-secret").serviceAccountName, "okd-e2e");
            assert.deepEqual(spec("e2e-pull-secret").metadata.labels, {
                "example.org/workload": "e2e-pull",
                "okd-ci/identity": "e2e-pull",
            });
            assert.equal(spec("destroy-gcp").serviceAccountName, "okd-e2e");
            // Gate pods carry no identity label: their installer's identity is the Secret, not the pod.
            assert.equal(spec("e2e-gcp").metadata, undefined);
            assert.deepEqual((nightly.workspaces[0] as Obj).name, "e2e");
            // Tekton requires pipeline >= tasks + finally.
            assert.deepEqual(nightly.timeouts, { pipeline: "18h40m", tasks: "15h", finally: "3h40m" });
        });

        it("runs the whole release as okd-promote, restricted, off the build pool", () => {
            const release = pipelines.runs.find((r) => r.minor === "4.15")?.release as PipelineRunTemplate;
            assert.deepEqual(release.taskRunTemplate, {
                serviceAccountName: "okd-promote",
                podTemplate: {
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: 65532,
                        runAsGroup: 65532,
                        fsGroup: 65532,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                },
            });
            assert.deepEqual(
                (release.taskRunSpecs as Obj[]).map((s) => s.pipelineTaskName),
                ["tools-image", "pick", "promote", "release-notes", "publish-signatures", "publish-status"],
            );
            // Tasks: pick, promote (3h), then release-notes (1h) beside publish-signatures; finally publish-status.
            assert.deepEqual(release.timeouts, { pipeline: "5h", tasks: "4h30m", finally: "30m" });
            for (const s of release.taskRunSpecs as Obj[]) {
                assert.equal(s.serviceAccountName, "okd-promote", s.pipelineTaskName);
                assert.equal(s.podTemplate, undefined, s.pipelineTaskName);
            }
        });

        it("has no release run for a stream that does not promote", () => {
            assert.equal(pipelines.runs.find((r) => r.minor === "4.16")?.release, undefined);
        });
    });

    it("refuses promoting streams without mirror repositories", async () => {
        const { OkdPipelines } = await import("../../../components/pipelines");
        assert.throws(
            () => new OkdPipelines("pl-nomirror", { site: fakeSite(), streams: [stream("4.17", true)] }),
            /streams 4.17 promote, so OkdPipelines needs the mirror repositories/,
        );
    });

    it("refuses a promoting stream without the Chains public key promotion verifies with", async () => {
        const { OkdPipelines } = await import("../../../components/pipelines");
        assert.throws(
            () =>
                new OkdPipelines("pl-nokey", {
                    site: fakeSite(),
                    streams: [stream("4.17", true)],
                    mirror: { release: "quay.io/openshift/okd", content: "quay.io/openshift/okd-content" },
                }),
            /streams 4.17 promote, and promotion verifies each nightly's Tekton Chains attestation: set chainsPublicKey/,
        );
    });

    it("verifies the nightly's Chains attestation with the site's public key before anything is copied (issue 15 path 3)", () => {
        const promote = task("okd-promote-release").spec;
        const names = promote.steps.map((s: Obj) => s.name);
        assert.ok(names.indexOf("verify") < names.indexOf("mirror"), names.join(" "));
        const verify = promote.steps.find((s: Obj) => s.name === "verify");
        const env = Object.fromEntries(verify.env.map((e: Obj) => [e.name, e.value]));
        assert.equal(env.IMAGE, "europe-docker.pkg.dev/okd/okd/release@$(params.digest)");
        assert.equal(env.ASSEMBLE_TASK, "okd-assemble-release");
        assert.equal(env.PIPELINE, undefined);
        // Where Chains stores attestations: a repository only Chains pushes to.
        assert.equal(env.ATTESTATION_REPOSITORY, "europe-docker.pkg.dev/okd/okd/attestations");
        assert.equal(env.PUBLIC_KEY_FILE, "/var/run/okd-chains/cosign.pub");
        assert.equal(env.KEY_REF, undefined);
        assert.deepEqual(
            promote.volumes.find((v: Obj) => v.name === "chains-public-key"),
            { name: "chains-public-key", configMap: { name: "okd-chains-public-key" } },
        );
        const cm = find("kubernetes:core/v1:ConfigMap", "pl-chains-public-key").inputs as Obj;
        assert.equal(cm.data["cosign.pub"], chainsPublicKey);
        assert.equal(cm.metadata.namespace, "okd-release", "beside the promote Task that mounts it");
        const release = pipeline("pl-release-4-15").spec;
        const promoteTask = release.tasks.find((t: Obj) => t.name === "promote");
        // The stream the assemble TaskRun must have been for (verify-release.sh reads MINOR from the stepTemplate).
        assert.deepEqual(
            promoteTask.params.find((p: Obj) => p.name === "minor"),
            { name: "minor", value: "$(params.minor)" },
        );
        assert.ok(
            promote.stepTemplate.env.some((e: Obj) => e.name === "MINOR" && e.value === "$(params.minor)"),
            JSON.stringify(promote.stepTemplate.env),
        );
    });

    it("verifies with the site's KMS key, read as the promotion identity, where the cloud keeps the key", async () => {
        const { OkdPipelines } = await import("../../../components/pipelines");
        const kmsRef = "gcpkms://projects/okd/locations/global/keyRings/okd/cryptoKeys/chains/cryptoKeyVersions/1";
        new OkdPipelines("pl-kms", {
            site: fakeSite(),
            streams: [stream("4.17", true)],
            mirror: { release: "quay.io/openshift/okd", content: "quay.io/openshift/okd-content" },
            chains: { kmsRef },
        });
        await settled();
        const t = find("kubernetes:tekton.dev/v1:Task", "pl-kms-task-okd-promote-release").inputs as Obj;
        const verify = t.spec.steps.find((s: Obj) => s.name === "verify");
        const env = Object.fromEntries(verify.env.map((e: Obj) => [e.name, e.value]));
        assert.equal(env.KEY_REF, kmsRef);
        assert.equal(env.PUBLIC_KEY_FILE, undefined);
        assert.equal(verify.volumeMounts, undefined);
        assert.ok(!t.spec.volumes.some((v: Obj) => v.name === "chains-public-key"));
        assert.equal(
            under("pl-kms", "kubernetes:core/v1:ConfigMap").filter((r) => r.name.endsWith("chains-public-key")).length,
            0,
            "no public key ConfigMap",
        );
    });
});

describe("OKD pipelines with an upgrade gate", () => {
    useMocks();
    const task = (name: string): Obj => find("kubernetes:tekton.dev/v1:Task", `plu-task-${name}`).inputs;
    const nightly = (): Obj => find("kubernetes:tekton.dev/v1:Pipeline", "plu-nightly-4-15").inputs.spec;
    const byName = (tasks: Obj[], name: string) => {
        const t = tasks.find((x) => x.name === name);
        assert.ok(t, `no pipeline task ${name} in ${tasks.map((x) => x.name).join(", ")}`);
        return t;
    };

    before(async () => {
        const { OkdPipelines } = await import("../../../components/pipelines");
        const upgrading = streamSchema.parse({
            ...stream("4.15", false),
            components: undefined,
            upgradeGate: { gate: "gcp", blocking: true, from: "accepted", options: "abort-at=random" },
        });
        new OkdPipelines("plu", {
            site: fakeSite(),
            streams: [upgrading],
            maxParallelBuilds: 4,
        });
        await settled();
    });

    it("keeps every coscheduled e2e step within the CPU the system pool is sized for per gate chain", () => {
        // The e2e workspace pins these pods to the affinity assistant's system node (src/config/system-pool.ts).
        const cpu = (q: string) => (q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q));
        const onE2e = under("plu", "kubernetes:tekton.dev/v1:Task")
            .map((r) => (r.inputs as Obj).spec)
            .filter((spec: Obj) => (spec.workspaces ?? []).some((w: Obj) => w.name === "e2e"));
        assert.ok(onE2e.length >= 6, `only ${onE2e.length} Tasks mount the e2e workspace`);
        const requests = onE2e.flatMap((spec: Obj) =>
            (spec.steps as Obj[]).map((st) => [st.name, cpu(st.computeResources?.requests?.cpu ?? "0")] as const),
        );
        const over = requests.filter(([, c]) => c > gateChainCpu);
        assert.deepEqual(over, [], "steps requesting more than one gate chain's CPU");
        assert.ok(requests.some(([n, c]) => n === "test" && c === gateChainCpu));
    });

    it("installs the upgrade gate Tasks only for the cloud a stream's upgrade gate names", () => {
        const names = under("plu", "kubernetes:tekton.dev/v1:Task").map((r) => (r.inputs as Obj).metadata.name);
        assert.ok(names.includes("okd-e2e-upgrade-gcp"), names.join(" "));
        assert.ok(!names.includes("okd-e2e-upgrade-aws"), names.join(" "));
        const env = (step: Obj) => Object.fromEntries(step.env.map((e: Obj) => [e.name, e.value]));
        // Its cluster is created by the install gate's install Task, in its own directory (`gate`).
        const install = task("okd-e2e-install-gcp").spec;
        assert.deepEqual(
            install.steps.map((s: Obj) => [s.name, s.image]),
            [["install", "$(params.tools-image)"]],
        );
        const installTemplate = Object.fromEntries(install.stepTemplate.env.map((e: Obj) => [e.name, e.value]));
        // Its own directory in the e2e workspace, the gcp gate's credentials and installer settings.
        assert.equal(installTemplate.STATE_DIR, "$(workspaces.e2e.path)/$(params.gate)");
        assert.equal(installTemplate.GOOGLE_CLOUD_KEYFILE_JSON, "/var/run/okd-gate/gce.json");
        assert.equal(installTemplate.GCP_PROJECT, "okd-e2e");
        // Creates the cluster from the directory prepare-upgrade made and register-upgrade stored.
        assert.deepEqual(
            [env(install.steps[0]).RELEASE_IMAGE, env(install.steps[0]).SKIP_WITHOUT_RELEASE],
            ["$(params.release-image)", "$(params.skip-without-release)"],
        );
        assert.equal(env(install.steps[0]).INSTALL_STEP, "create");
        // oc reaches the site registry only as the site says (TLS_VERIFY), as the prepare step's oc does.
        const prepareStep = task("okd-e2e-prepare-gcp").spec.steps[0];
        assert.ok(env(prepareStep).TLS_VERIFY !== undefined);
        assert.equal(env(install.steps[0]).TLS_VERIFY, env(prepareStep).TLS_VERIFY);

        const t = task("okd-e2e-upgrade-gcp").spec;
        assert.deepEqual(
            t.steps.map((s: Obj) => [s.name, s.image]),
            [
                ["refresh-pull-secret", "$(params.tools-image)"],
                ["upgrade", "$(params.tests-image)"],
            ],
        );
        const stepTemplate = Object.fromEntries(t.stepTemplate.env.map((e: Obj) => [e.name, e.value]));
        assert.equal(stepTemplate.STATE_DIR, "$(workspaces.e2e.path)/gcp-upgrade");
        // The cluster's pull secret is replaced with the one pull-secret-upgrade-gcp minted after the install.
        assert.equal(env(t.steps[0]).PULL_SECRET_FILE, "$(workspaces.e2e.path)/gcp-upgrade/pull-secret.json");
        assert.equal(t.steps[0].script, fs.readFileSync(path.join(scriptsDir, "refresh-pull-secret.sh"), "utf8"));
        assert.deepEqual(
            [env(t.steps[1]).TEST_TYPE, env(t.steps[1]).TO_IMAGE, env(t.steps[1]).UPGRADE_OPTIONS],
            ["upgrade", "$(params.release-image)", "$(params.upgrade-options)"],
        );
        assert.equal(t.steps[1].script, fs.readFileSync(path.join(scriptsDir, "e2e-test.sh"), "utf8"));
    });

    it("runs the upgrade gate's installer and tests with no capability (issue 15)", () => {
        assert.deepEqual(task("okd-e2e-upgrade-gcp").spec.stepTemplate.securityContext, {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
    });

    it("prepares and registers the upgrade cluster before it exists, and mints its fresh pull secret after the install", () => {
        const spec = nightly();
        const assemble = byName(spec.tasks, "assemble");
        assert.deepEqual(
            assemble.params.find((p: Obj) => p.name === "upgrade-from"),
            { name: "upgrade-from", value: "accepted" },
        );
        const params = (t: Obj) => Object.fromEntries(t.params.map((p: Obj) => [p.name, p.value]));
        const from = "$(tasks.assemble.results.upgrade-from)";
        const prepare = byName(spec.tasks, "prepare-upgrade-gcp");
        assert.equal(prepare.taskRef.name, "okd-e2e-prepare-gcp");
        assert.deepEqual(prepare.runAfter, ["e2e-pull-secret"]);
        assert.deepEqual(
            [
                params(prepare)["release-image"],
                params(prepare).gate,
                params(prepare)["skip-without-release"],
                params(prepare)["run-id"],
            ],
            [from, "gcp-upgrade", "true", "$(context.taskRun.uid)"],
            "the earlier release, in its own directory, named apart from the install gate's cluster",
        );
        const register = byName(spec.tasks, "register-upgrade-gcp");
        assert.equal(register.taskRef.name, "okd-register-cluster");
        assert.deepEqual(register.runAfter, ["prepare-upgrade-gcp"]);
        assert.deepEqual([params(register).gate, params(register)["release-image"]], ["gcp-upgrade", from]);
        const install = byName(spec.tasks, "install-upgrade-gcp");
        assert.equal(install.taskRef.name, "okd-e2e-install-gcp");
        assert.deepEqual(install.runAfter, ["register-upgrade-gcp"]);
        assert.deepEqual(
            [params(install)["release-image"], params(install).gate, params(install)["skip-without-release"]],
            [from, "gcp-upgrade", "true"],
        );
        const mint = byName(spec.tasks, "pull-secret-upgrade-gcp");
        assert.equal(mint.taskRef.name, "okd-e2e-pull-secret");
        assert.deepEqual(mint.runAfter, ["install-upgrade-gcp"]);
        assert.equal(params(mint).path, "gcp-upgrade/pull-secret.json");
        const gate = byName(spec.tasks, "e2e-upgrade-gcp");
        assert.deepEqual(gate.runAfter, ["pull-secret-upgrade-gcp"]);
        assert.equal(
            params(gate)["release-image"],
            "$(tasks.assemble.results.IMAGE_URL)@$(tasks.assemble.results.IMAGE_DIGEST)",
        );
        assert.equal(params(gate)["tests-image"], "$(tasks.assemble.results.tests-image)");
        assert.equal(params(gate)["upgrade-options"], "abort-at=random");
        // The prepare Task writes where its `gate` parameter says; the mint writes where its `path` says.
        const prepareTask = task("okd-e2e-prepare-gcp").spec;
        const prepareEnv = Object.fromEntries(prepareTask.stepTemplate.env.map((e: Obj) => [e.name, e.value]));
        assert.equal(prepareEnv.STATE_DIR, "$(workspaces.e2e.path)/$(params.gate)");
        const mintTask = task("okd-e2e-pull-secret").spec;
        const auth = mintTask.steps[0].env.find((e: Obj) => e.name === "AUTH_FILE").value;
        assert.equal(auth, "$(workspaces.e2e.path)/$(params.path)");
        assert.equal(mintTask.params.find((p: Obj) => p.name === "path").default, "pull-secret.json");
        const previous = task("okd-assemble-release").spec.steps.find((s: Obj) => s.name === "previous");
        const env = Object.fromEntries(previous.env.map((e: Obj) => [e.name, e.value]));
        assert.equal(env.UPGRADE_FROM, "$(params.upgrade-from)");
        assert.equal(env.PROMOTED_REPO, "europe-docker.pkg.dev/okd/okd/promoted");
        assert.equal(env.RESULT_UPGRADE_FROM, "$(results.upgrade-from.path)");
    });

    it("records the upgrade gate like any gate, with its kind, starting release and blocking flag", () => {
        const spec = nightly();
        const gates = byName(spec.finally, "finalize-record").params.find((p: Obj) => p.name === "gates")
            .value as string;
        const upgrade = JSON.parse(gates.replace(/\$\(([^)]*)\)/g, "<$1>"))[2];
        assert.deepEqual(upgrade, {
            gate: "gcp-upgrade",
            kind: "upgrade",
            blocking: true,
            from: "<tasks.assemble.results.upgrade-from-name>",
            tasks: [
                "e2e-pull-secret",
                "prepare-upgrade-gcp",
                "register-upgrade-gcp",
                "install-upgrade-gcp",
                "pull-secret-upgrade-gcp",
                "e2e-upgrade-gcp",
            ]
                .map((t) => `${t}=<tasks.${t}.status>`)
                .join(" "),
        });
    });

    it("destroys the upgrade cluster in finally with the earlier release's installer, and the record waits for it", () => {
        const spec = nightly();
        const destroy = byName(spec.finally, "destroy-upgrade-gcp");
        assert.equal(destroy.taskRef.name, "okd-e2e-destroy-gcp");
        assert.deepEqual(destroy.when, [
            { input: "$(tasks.install-upgrade-gcp.status)", operator: "notin", values: ["None"] },
        ]);
        const params = Object.fromEntries(destroy.params.map((p: Obj) => [p.name, p.value]));
        assert.equal(params.gate, "gcp-upgrade");
        assert.equal(params["release-image"], "$(tasks.assemble.results.upgrade-from)");
        const destroyTask = task("okd-e2e-destroy-gcp").spec;
        const env = Object.fromEntries(destroyTask.steps[0].env.map((e: Obj) => [e.name, e.value]));
        assert.equal(env.STATE_DIR, "$(workspaces.e2e.path)/$(params.gate)");
        const finalize = byName(spec.finally, "finalize-record");
        assert.equal(
            finalize.params.find((p: Obj) => p.name === "gate-statuses").value,
            "aws=$(tasks.install-aws.status) gcp=$(tasks.install-gcp.status) gcp-upgrade=$(tasks.install-upgrade-gcp.status)",
        );
    });

    it("shows the upgrade gate on the status page's stream configuration", () => {
        const finalize = task("okd-finalize-record").spec;
        const publish = finalize.steps.find((s: Obj) => s.name === "publish-status");
        const streams = JSON.parse(publish.env.find((e: Obj) => e.name === "STREAMS_JSON").value);
        assert.deepEqual(streams[0].gates, [
            { gate: "aws", blocking: true },
            { gate: "gcp", blocking: false },
            { gate: "gcp-upgrade", blocking: true, kind: "upgrade" },
        ]);
    });
});
