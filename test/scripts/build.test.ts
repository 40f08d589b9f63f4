import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";

import {
    type Registry,
    buildahRuntimeEnv,
    digestOf,
    pushImage,
    pushTinyImage,
    requireTool,
    runScript,
    startRegistry,
    tempDir,
} from "./harness";
import { loadScript } from "../../components/pipelines/scripts";
import { type Payload, buildPayload, okdPayloadSpec } from "./payload";

/** Real buildah (the Task's OCI isolation with a user namespace, FROM scratch: no network), real skopeo, git and a local docker-registry. */
describe("build scripts", () => {
    let registry: Registry;
    let dir: string;
    let storage: string;
    let payload: Payload;

    before(async function () {
        this.timeout(120_000);
        requireTool("oc");
        requireTool("buildah");
        requireTool("skopeo");
        requireTool("git");
        requireTool("jq");
        registry = await startRegistry();
        storage = tempDir("buildah-storage");
        // The stream's base payload: fcos-base.sh reads its Kubernetes version.
        // (with the payload images OpenShift Dockerfiles use as stages: etcd, hyperkube, the installer's artifacts).
        const spec = okdPayloadSpec(registry.host);
        payload = buildPayload({
            ...spec,
            images: [...spec.images, "etcd", "installer-kube-apiserver-artifacts", "installer-etcd-artifacts"],
        });
    });
    after(async () => {
        await registry.stop();
        // buildah leaves overlay mounts under its root; unmount them before removing it.
        execFileSync("buildah", [
            "--root",
            path.join(storage, "root"),
            "--runroot",
            path.join(storage, "run"),
            "rm",
            "--all",
        ]);
        execFileSync("buildah", [
            "--root",
            path.join(storage, "root"),
            "--runroot",
            path.join(storage, "run"),
            "rmi",
            "--all",
            "--force",
        ]);
        fs.rmSync(storage, { recursive: true, force: true });
    });
    beforeEach(() => (dir = tempDir("build")));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** A storage.conf keeps these builds out of the machine's own container storage. */
    const buildEnv = () => buildEnvIn(dir);
    const buildEnvIn = (where: string) => {
        const conf = path.join(where, "storage.conf");
        fs.writeFileSync(
            conf,
            `[storage]\ndriver = "vfs"\nrunroot = "${storage}/run"\ngraphroot = "${storage}/root"\n`,
        );
        return { CONTAINERS_STORAGE_CONF: conf, STORAGE_DRIVER: "vfs", ...buildahRuntimeEnv() };
    };

    /** The root filesystem of a pushed image, unpacked into the test's directory. */
    const unpack = (image: string): string => {
        const layout = path.join(dir, "unpacked");
        execFileSync("skopeo", ["copy", "--quiet", "--src-tls-verify=false", `docker://${image}`, `oci:${layout}:img`]);
        execFileSync("umoci", ["unpack", "--rootless", "--image", `${layout}:img`, path.join(dir, "bundle")]);
        return path.join(dir, "bundle", "rootfs");
    };

    describe("build-image.sh", () => {
        it("builds with the build args and labels and reports the digest the registry stored", () => {
            const context = path.join(dir, "ctx");
            fs.mkdirSync(context);
            fs.writeFileSync(path.join(context, "hello.txt"), "hi");
            fs.writeFileSync(
                path.join(context, "Containerfile"),
                "FROM scratch\nARG TAGS\nLABEL tags=${TAGS}\nCOPY hello.txt /\n",
            );
            fs.writeFileSync(path.join(dir, "labels"), "io.openshift.build.commit.id=abc123\n");
            const image = `${registry.host}/okd/components:installer-run1`;
            const r = runScript("build-image.sh", {
                ...buildEnv(),
                CONTEXT_DIR: context,
                CONTAINERFILE: path.join(context, "Containerfile"),
                IMAGE: image,
                TLS_VERIFY: "false",
                BUILD_ARGS: "TAGS=okd\n",
                LABELS: "io.openshift.release.operator=true",
                LABELS_FILE: path.join(dir, "labels"),
                RESULT_IMAGE_URL: path.join(dir, "url"),
                RESULT_IMAGE_DIGEST: path.join(dir, "digest"),
            });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(fs.readFileSync(path.join(dir, "url"), "utf8"), image);
            assert.equal(fs.readFileSync(path.join(dir, "digest"), "utf8"), digestOf(image));
            const labels = JSON.parse(
                execFileSync("skopeo", ["inspect", "--tls-verify=false", `docker://${image}`], { encoding: "utf8" }),
            ).Labels;
            assert.equal(labels.tags, "okd");
            assert.equal(labels["io.openshift.release.operator"], "true");
            assert.equal(labels["io.openshift.build.commit.id"], "abc123");
        });

        it("reports the component, image by digest, source and commit as one BUILT result for assembly", () => {
            const context = path.join(dir, "ctx");
            fs.mkdirSync(context);
            fs.writeFileSync(path.join(context, "Containerfile"), "FROM scratch\nLABEL a=b\n");
            const commit = "0123456789abcdef0123456789abcdef01234567";
            fs.writeFileSync(path.join(dir, "git-url"), "https://github.com/openshift/installer");
            fs.writeFileSync(path.join(dir, "git-commit"), commit);
            const image = `${registry.host}/okd/components:installer-run1`;
            const env = {
                ...buildEnv(),
                CONTEXT_DIR: context,
                CONTAINERFILE: path.join(context, "Containerfile"),
                IMAGE: image,
                TLS_VERIFY: "false",
                COMPONENT: "installer",
                SOURCE_URL_FILE: path.join(dir, "git-url"),
                SOURCE_COMMIT_FILE: path.join(dir, "git-commit"),
                RESULT_BUILT: path.join(dir, "built"),
                RESULT_IMAGE_URL: path.join(dir, "url"),
                RESULT_IMAGE_DIGEST: path.join(dir, "digest"),
            };
            const r = runScript("build-image.sh", env);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "built"), "utf8")), {
                component: "installer",
                image: `${registry.host}/okd/components@${digestOf(image)}`,
                source: "https://github.com/openshift/installer",
                commit,
            });
            // A commit that is not a hex object name never reaches JSON written without jq.
            fs.writeFileSync(path.join(dir, "git-commit"), 'abc","image":"evil');
            const bad = runScript("build-image.sh", env);
            assert.equal(bad.status, 1);
            assert.match(bad.stderr, /commit 'abc","image":"evil' cannot go into the BUILT result/);
        });
    });

    describe("infrastructure failures: retried, then told apart from a failed build", () => {
        it("build-image.sh retries a push the registry refuses, then exits 75 with a note for build-report.sh", () => {
            const context = path.join(dir, "ctx");
            fs.mkdirSync(context);
            fs.writeFileSync(path.join(context, "Containerfile"), "FROM scratch\nLABEL a=b\n");
            // Nothing listens on port 1: every push attempt is refused, as an unreachable registry refuses it.
            const image = "127.0.0.1:1/okd/components:installer-run1";
            const note = path.join(dir, "note");
            const r = runScript("build-image.sh", {
                ...buildEnv(),
                CONTEXT_DIR: context,
                CONTAINERFILE: path.join(context, "Containerfile"),
                IMAGE: image,
                TLS_VERIFY: "false",
                REGISTRY_ATTEMPTS: "2",
                REGISTRY_RETRY_DELAY: "1s",
                FAILURE_NOTE_FILE: note,
                RESULT_IMAGE_URL: path.join(dir, "url"),
                RESULT_IMAGE_DIGEST: path.join(dir, "digest"),
            });
            assert.equal(r.status, 75, r.stderr);
            assert.match(
                fs.readFileSync(note, "utf8"),
                /^the push of 127\.0\.0\.1:1\/okd\/components:installer-run1 failed after [2-9] attempts \(.*connection refused\)$/,
            );
            assert.equal(fs.existsSync(path.join(dir, "digest")), false);
            // build-report.sh turns it into a fallback that says so, never "build exited 75".
            fs.writeFileSync(path.join(dir, "clone.code"), "0");
            fs.writeFileSync(path.join(dir, "build.code"), "75");
            const rep = runScript("build-report.sh", {
                COMPONENT: "installer",
                STEP_EXIT_FILES: `clone=${path.join(dir, "clone.code")}\nbuild=${path.join(dir, "build.code")}`,
                FAILURE_NOTE_FILE: note,
                RESULT_BUILT: path.join(dir, "built"),
            });
            assert.equal(rep.status, 0, rep.stderr);
            const built = JSON.parse(fs.readFileSync(path.join(dir, "built"), "utf8"));
            assert.equal(built.infrastructure, true);
            assert.match(built.failed, /^infrastructure failure in build: the push of .* failed after [2-9] attempts/);
            // Control: a build that failed (a RUN step) is the build's failure, not retried as infrastructure.
            fs.writeFileSync(path.join(context, "Containerfile"), "FROM scratch\nRUN false\n");
            const failed = runScript("build-image.sh", {
                ...buildEnv(),
                CONTEXT_DIR: context,
                CONTAINERFILE: path.join(context, "Containerfile"),
                IMAGE: `${registry.host}/okd/components:installer-run2`,
                TLS_VERIFY: "false",
                FAILURE_NOTE_FILE: path.join(dir, "note2"),
                RESULT_IMAGE_URL: path.join(dir, "url"),
                RESULT_IMAGE_DIGEST: path.join(dir, "digest"),
            });
            assert.notEqual(failed.status, 0);
            assert.notEqual(failed.status, 75, failed.stderr);
            assert.equal(fs.existsSync(path.join(dir, "note2")), false);
        });

        it("build-image.sh calls a RUN step that prints a network error and fails the build's failure", () => {
            requireTool("busybox");
            const context = path.join(dir, "ctx-run");
            fs.mkdirSync(context);
            fs.copyFileSync(
                execFileSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).trim(),
                path.join(context, "busybox"),
            );
            // The build's own test, talking to a service of its own that is not up: its output is not buildah's, even
            // where a tool of the build prints an `Error: ` line the way buildah (cobra) does.
            fs.writeFileSync(
                path.join(context, "fail.sh"),
                'echo "dial tcp 127.0.0.1:5432: connect: connection refused" >&2\necho "503 Service Unavailable" >&2\n' +
                    'echo "Error: unable to connect: dial tcp 127.0.0.1:5432: connect: connection refused" >&2\nexit 3\n',
            );
            fs.writeFileSync(
                path.join(context, "Containerfile"),
                'FROM scratch\nCOPY busybox /bin/busybox\nCOPY fail.sh /fail.sh\nRUN ["/bin/busybox", "sh", "/fail.sh"]\n',
            );
            const note = path.join(dir, "note-run");
            const r = runScript("build-image.sh", {
                ...buildEnv(),
                CONTEXT_DIR: context,
                CONTAINERFILE: path.join(context, "Containerfile"),
                IMAGE: `${registry.host}/okd/components:installer-run3`,
                TLS_VERIFY: "false",
                FAILURE_NOTE_FILE: note,
                RESULT_IMAGE_URL: path.join(dir, "url"),
                RESULT_IMAGE_DIGEST: path.join(dir, "digest"),
            });
            assert.match(r.stderr, /connection refused/, "the RUN step's output is shown");
            assert.notEqual(r.status, 0, r.stderr);
            assert.notEqual(r.status, 75, r.stderr);
            assert.doesNotMatch(r.stderr, /infrastructure failure/);
            assert.equal(fs.existsSync(note), false);
        });

        const cloneEnv = (base: string) => ({
            REPOSITORY: "openshift/installer",
            BRANCH: "release-4.15",
            GIT_BASE_URL: `file://${base}`,
            SOURCE_DIR: path.join(dir, "source"),
            LABELS_FILE: path.join(dir, "labels"),
            RESULT_GIT_URL: path.join(dir, "url"),
            RESULT_GIT_COMMIT: path.join(dir, "commit"),
            FAILURE_NOTE_FILE: path.join(dir, "note"),
        });
        const makeOrigin = (where: string) => {
            const origin = path.join(where, "openshift", "installer");
            fs.mkdirSync(origin, { recursive: true });
            const git = (...args: string[]) =>
                execFileSync("git", ["-C", origin, "-c", "user.name=t", "-c", "user.email=t@example.org", ...args]);
            git("init", "--quiet", "--initial-branch", "release-4.15");
            fs.writeFileSync(path.join(origin, "Dockerfile"), "FROM scratch\n");
            git("add", ".");
            git("commit", "--quiet", "-m", "init");
        };

        it("clone-source.sh clones once the server answers again, within its attempts", async () => {
            // The repository is not there for the first attempt (as a server that does not answer) and appears
            // before the second, 2 s later.
            const staged = path.join(dir, "staged");
            makeOrigin(staged);
            const served = path.join(dir, "served");
            const script = path.join(dir, "clone-source.sh");
            fs.writeFileSync(script, loadScript("clone-source.sh"));
            const run = spawn("bash", [script], {
                env: { PATH: process.env.PATH, ...cloneEnv(served), GIT_ATTEMPTS: "3", RETRY_DELAY_SECONDS: "2" },
            });
            let stderr = "";
            run.stderr.on("data", (c) => (stderr += c));
            setTimeout(() => fs.renameSync(staged, served), 1000);
            const code = await new Promise<number>((resolve) => run.on("exit", (c) => resolve(c ?? -1)));
            assert.equal(code, 0, stderr);
            assert.match(stderr, /git clone failed \(exit 128\), attempt 1 of 3; again in 2s/);
            assert.equal(fs.readFileSync(path.join(dir, "commit"), "utf8").length, 40);
            assert.equal(fs.existsSync(path.join(dir, "note")), false);
        });

        it("clone-source.sh exits 75 with a note when every attempt failed, and 1 at once for a missing branch", () => {
            const r = runScript("clone-source.sh", {
                ...cloneEnv(path.join(dir, "nowhere")),
                GIT_ATTEMPTS: "2",
                RETRY_DELAY_SECONDS: "0",
            });
            assert.equal(r.status, 75, r.stderr);
            assert.match(
                fs.readFileSync(path.join(dir, "note"), "utf8"),
                /^git clone of file:\/\/.*\/nowhere\/openshift\/installer failed 2 times \(last exit 128: fatal: /,
            );
            fs.rmSync(path.join(dir, "note"));
            makeOrigin(path.join(dir, "there"));
            const missing = runScript("clone-source.sh", {
                ...cloneEnv(path.join(dir, "there")),
                BRANCH: "release-9.99",
                RETRY_DELAY_SECONDS: "30",
            });
            assert.equal(missing.status, 1, missing.stderr);
            assert.match(missing.stderr, /Remote branch release-9\.99 not found/);
            assert.doesNotMatch(missing.stderr, /attempt 1 of/);
            assert.equal(fs.existsSync(path.join(dir, "note")), false);
        });

        it("clone-source.sh stops at once when the server wants credentials or has no such repository", async () => {
            // What GitHub answers for a missing or private repository without credentials (401 with a Basic
            // challenge), and a plain 404; git itself reads the answers.
            const server = http.createServer((req, res) => {
                if (req.url?.startsWith("/private/")) {
                    res.writeHead(401, { "WWW-Authenticate": 'Basic realm="GitHub"' }).end();
                } else {
                    res.writeHead(404).end();
                }
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            const port = (server.address() as { port: number }).port;
            const clone = (repository: string, user = "") =>
                new Promise<{ code: number; stderr: string }>((resolve) => {
                    const script = path.join(dir, "clone-source.sh");
                    fs.writeFileSync(script, loadScript("clone-source.sh"));
                    const run = spawn("bash", [script], {
                        env: {
                            PATH: process.env.PATH,
                            HOME: dir,
                            ...cloneEnv(""),
                            GIT_BASE_URL: `http://${user}127.0.0.1:${port}`,
                            REPOSITORY: repository,
                            GIT_ATTEMPTS: "3",
                            RETRY_DELAY_SECONDS: "30",
                        },
                    });
                    let stderr = "";
                    run.stderr.on("data", (c) => (stderr += c));
                    run.on("exit", (c) => resolve({ code: c ?? -1, stderr }));
                });
            try {
                for (const [repository, user, said] of [
                    ["private/installer", "", /could not read Username/],
                    ["private/installer", "someone:wrong@", /Authentication failed/],
                    ["missing/installer", "", /repository '.*' not found/],
                ] as const) {
                    const r = await clone(repository, user);
                    assert.equal(r.code, 1, r.stderr);
                    assert.match(r.stderr, said);
                    assert.doesNotMatch(r.stderr, /attempt 1 of/);
                }
                assert.equal(fs.existsSync(path.join(dir, "note")), false);
            } finally {
                server.close();
            }
        });
    });

    describe("clone-source.sh and substitute-builder.sh", () => {
        let origin: string;
        beforeEach(() => {
            origin = path.join(dir, "origin", "openshift", "installer");
            fs.mkdirSync(origin, { recursive: true });
            const git = (...args: string[]) =>
                execFileSync("git", ["-C", origin, "-c", "user.name=t", "-c", "user.email=t@example.org", ...args]);
            git("init", "--quiet", "--initial-branch", "release-4.15");
            fs.writeFileSync(
                path.join(origin, "Dockerfile.ci"),
                [
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.21-openshift-4.15 AS builder",
                    "RUN make",
                    "FROM --platform=linux/amd64 registry.ci.openshift.org/ocp/builder:rhel-9-base AS second",
                    "FROM registry.ci.openshift.org/ocp/4.15:base-rhel9",
                    "",
                ].join("\n"),
            );
            git("add", ".");
            git("commit", "--quiet", "-m", "init");
        });

        it("clones the stream's branch and labels the build with its commit", () => {
            const r = runScript("clone-source.sh", {
                REPOSITORY: "openshift/installer",
                BRANCH: "release-4.15",
                GIT_BASE_URL: `file://${path.join(dir, "origin")}`,
                SOURCE_DIR: path.join(dir, "source"),
                LABELS_FILE: path.join(dir, "labels"),
                RESULT_GIT_URL: path.join(dir, "url"),
                RESULT_GIT_COMMIT: path.join(dir, "commit"),
            });
            assert.equal(r.status, 0, r.stderr);
            const commit = execFileSync("git", ["-C", origin, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
            assert.equal(fs.readFileSync(path.join(dir, "commit"), "utf8"), commit);
            assert.equal(fs.readFileSync(path.join(dir, "url"), "utf8"), `file://${origin}`);
            assert.match(
                fs.readFileSync(path.join(dir, "labels"), "utf8"),
                new RegExp(`io.openshift.build.commit.id=${commit}`),
            );
        });

        it("fails when the branch does not exist", () => {
            const r = runScript("clone-source.sh", {
                REPOSITORY: "openshift/installer",
                BRANCH: "release-9.99",
                GIT_BASE_URL: `file://${path.join(dir, "origin")}`,
                SOURCE_DIR: path.join(dir, "source"),
                LABELS_FILE: path.join(dir, "labels"),
                RESULT_GIT_URL: path.join(dir, "url"),
                RESULT_GIT_COMMIT: path.join(dir, "commit"),
            });
            assert.notEqual(r.status, 0);
        });

        /**
         * Every pulling line of the default components' Containerfiles, as the repositories have them (the branch each
         * was read at is named), and where the site pulls it from instead.
         */
        const realForms: { component: string; source: string; lines: string[] }[] = [
            {
                component: "machine-config-operator",
                source: "openshift/machine-config-operator release-4.15 Dockerfile.rhel7",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.20-openshift-4.15 AS builder",
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.20-openshift-4.15 AS rhel9-builder",
                    "FROM registry.ci.openshift.org/ocp/4.15:base",
                ],
            },
            {
                component: "operator-marketplace",
                source: "operator-framework/operator-marketplace release-4.15 Dockerfile",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.20-openshift-4.15 AS builder",
                    "FROM registry.ci.openshift.org/ocp/4.15:base-rhel9",
                ],
            },
            {
                component: "cluster-samples-operator",
                source: "openshift/cluster-samples-operator release-4.15 Dockerfile.okd and Dockerfile.rhel7 (legacy host)",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.20-openshift-4.14 AS builder",
                    "FROM registry.svc.ci.openshift.org/ocp/builder:rhel-8-golang-1.20-openshift-4.14 AS builder2",
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-8-base-openshift-4.14",
                ],
            },
            {
                component: "ironic",
                source: "openshift/ironic-image release-4.15 Dockerfile.ocp",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-base-openshift-4.15 AS builder",
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-base-openshift-4.15",
                ],
            },
            {
                component: "cluster-update-keys",
                source: "openshift/cluster-update-keys release-4.15 Dockerfile",
                lines: ["FROM scratch"],
            },
            {
                component: "installer",
                source: "openshift/installer images/installer/Dockerfile.ci (4.22) and images/baremetal/Dockerfile.ci",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/4.22:installer-kube-apiserver-artifacts AS kas-artifacts",
                    "FROM registry.ci.openshift.org/ocp/4.22:installer-etcd-artifacts AS etcd-artifacts",
                    "FROM registry.ci.openshift.org/ocp/4.22:etcd AS etcd",
                    "FROM --platform=linux/amd64 registry.ci.openshift.org/ocp/4.22:hyperkube AS kas",
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.25-openshift-4.22 AS builder",
                    "COPY --from=kas-artifacts /usr/share/openshift/ cluster-api/bin/",
                    "FROM registry.ci.openshift.org/ocp/4.22:base-rhel9",
                ],
            },
            {
                // ci-operator builds it `from: installer` (openshift/release ci-operator/config/openshift/installer/
                // openshift-installer-release-4.15__okd.yaml), the installer image of the same run; the openstack
                // image takes `registry.ci.openshift.org/ocp/4.15:cli` as an input the same way.
                component: "installer-artifacts",
                source: "openshift/installer images/installer-artifacts/Dockerfile.rhel (final stage as ci-operator sees it)",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.20-openshift-4.15 AS macbuilder",
                    "FROM registry.ci.openshift.org/ocp/4.15:installer",
                    "COPY --from=registry.ci.openshift.org/ocp/4.15:cli /usr/bin/oc /usr/bin/oc",
                ],
            },
        ];
        const builder = "registry.ci.openshift.org/openshift/release:rhel-{rhel}-release-golang-{go}-openshift-{ocp}";
        /** A BUILT result as build-report.sh writes it. */
        const built = (component: string, image: string) =>
            JSON.stringify({
                component,
                image,
                source: "https://github.com/openshift/installer",
                commit: "0".repeat(40),
            });
        const baseImage = "registry.ci.openshift.org/origin/4.15:base";

        it("points every pulling line of the default components at an image the site can pull", () => {
            const runInstaller = `${registry.host}/okd/components@sha256:${"a".repeat(64)}`;
            const content = `${registry.host}/openshift/okd-content@`;
            for (const { component, source, lines } of realForms) {
                const file = path.join(dir, `${component}.Containerfile`);
                fs.writeFileSync(
                    file,
                    [...lines, 'RUN echo "registry.ci.openshift.org/ocp/4.15:base stays in RUN"', ""].join("\n"),
                );
                const r = runScript(
                    "substitute-builder.sh",
                    {
                        CONTAINERFILE: file,
                        BUILDER_IMAGE: builder,
                        BASE_IMAGE: baseImage,
                        BASE_PAYLOAD: payload.pullSpec,
                        RUN_COMPONENTS: "installer installer-artifacts ironic",
                        TLS_VERIFY: "false",
                    },
                    undefined,
                    [built("installer", runInstaller), JSON.stringify({ component: "ironic", failed: "clone" })],
                );
                assert.equal(r.status, 0, `${source}: ${r.stderr}`);
                const pulled = fs
                    .readFileSync(file, "utf8")
                    .split("\n")
                    .filter((l) => /^(FROM|COPY --from=)/.test(l))
                    .map((l) =>
                        l.startsWith("COPY")
                            ? l.split(/\s+/)[1].slice("--from=".length)
                            : l.split(/\s+/).filter((w) => !w.startsWith("--"))[1],
                    );
                for (const ref of pulled) {
                    const allowed =
                        ref === "scratch" ||
                        ref === "kas-artifacts" ||
                        ref === baseImage ||
                        ref === runInstaller ||
                        /^registry\.ci\.openshift\.org\/openshift\/release:rhel-[89]-release-golang-1\.\d+-openshift-4\.\d+$/.test(
                            ref,
                        ) ||
                        (ref.startsWith(content) &&
                            Object.values(payload.components).includes(ref.slice(content.length)));
                    assert.ok(allowed, `${source}: ${ref}`);
                }
                assert.doesNotMatch(
                    fs
                        .readFileSync(file, "utf8")
                        .split("\n")
                        .filter((l) => !l.startsWith("RUN"))
                        .join("\n"),
                    /\/ocp\//,
                    source,
                );
            }
            const read = (c: string) => fs.readFileSync(path.join(dir, `${c}.Containerfile`), "utf8").split("\n");
            assert.deepEqual(read("machine-config-operator").slice(0, 3), [
                "FROM registry.ci.openshift.org/openshift/release:rhel-8-release-golang-1.20-openshift-4.15 AS builder",
                "FROM registry.ci.openshift.org/openshift/release:rhel-9-release-golang-1.20-openshift-4.15 AS rhel9-builder",
                `FROM ${baseImage}`,
            ]);
            assert.deepEqual(read("installer").slice(2, 4), [
                `FROM ${content}${payload.components.etcd} AS etcd`,
                `FROM --platform=linux/amd64 ${content}${payload.components.hyperkube} AS kas`,
            ]);
            assert.deepEqual(read("installer-artifacts").slice(1, 3), [
                `FROM ${runInstaller}`,
                `COPY --from=${content}${payload.components.cli} /usr/bin/oc /usr/bin/oc`,
            ]);
            assert.equal(read("installer").at(-2), 'RUN echo "registry.ci.openshift.org/ocp/4.15:base stays in RUN"');
        });

        /**
         * The pulling lines of the OKD/SCOS default components' Containerfiles at release-4.22, as their okd-scos
         * configurations build them: every one `from: origin_scos-4.22_base-stream9`, which replaces the final FROM
         * (openshift/release ci-operator/config/<org>/<repo>/<org>-<repo>-release-4.22__okd-scos.yaml).
         */
        const scosForms: { component: string; source: string; lines: string[] }[] = [
            {
                component: "machine-config-operator",
                source: "openshift/machine-config-operator release-4.22 (9027c94cde45) Dockerfile.rhel7",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.25-openshift-4.22 AS rhel9-builder",
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.25-openshift-4.22 AS rhel8-builder",
                    "FROM registry.ci.openshift.org/ocp/4.22:base-rhel9",
                    "COPY --from=rhel9-builder /go/src/github.com/openshift/machine-config-operator/instroot-rhel9/usr/bin/* /usr/bin/",
                ],
            },
            {
                component: "cluster-samples-operator",
                source: "openshift/cluster-samples-operator release-4.22 (191a6aec444b) Dockerfile",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.25-openshift-4.22 AS builder",
                    "FROM registry.ci.openshift.org/ocp/4.22:base-rhel9",
                    "COPY --from=builder /go/src/github.com/openshift/cluster-samples-operator/cluster-samples-operator /usr/bin/",
                ],
            },
            {
                component: "operator-marketplace",
                source: "operator-framework/operator-marketplace release-4.22 (38da2ef78cc4) Dockerfile.okd",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.25-openshift-4.22 AS builder",
                    "FROM registry.ci.openshift.org/origin/4.22:base",
                    "COPY --from=builder /go/src/github.com/operator-framework/operator-marketplace/build/_output/bin/marketplace-operator /usr/bin",
                ],
            },
            {
                component: "cluster-update-keys",
                source: "openshift/cluster-update-keys release-4.22 (3b5c59cc6461) Dockerfile.rhel",
                lines: ["FROM registry.ci.openshift.org/ocp/4.22:base-rhel9"],
            },
            {
                component: "ironic",
                source: "openshift/ironic-image release-4.22 (6984e87571f1) Dockerfile.ocp",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/4.22:base-rhel9 AS builder",
                    "FROM registry.ci.openshift.org/ocp/4.22:base-rhel9 AS wheel-builder",
                    "FROM registry.ci.openshift.org/ocp/4.22:base-rhel9",
                    "COPY --from=builder /tmp/uefi_esp_*.img /templates/",
                ],
            },
            {
                component: "installer",
                source: "openshift/installer (006d45739349, 4.22) images/installer/Dockerfile.ci",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/4.22:installer-kube-apiserver-artifacts AS kas-artifacts",
                    "FROM registry.ci.openshift.org/ocp/4.22:installer-etcd-artifacts AS etcd-artifacts",
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.25-openshift-4.22 AS builder",
                    "COPY --from=kas-artifacts /usr/share/openshift/ cluster-api/bin/",
                    "FROM registry.ci.openshift.org/ocp/4.22:base-rhel9",
                ],
            },
            {
                component: "installer-artifacts",
                source: "openshift/installer (006d45739349, 4.22) images/installer-artifacts/Dockerfile.rhel",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/4.22:installer-kube-apiserver-artifacts AS kas-artifacts",
                    "FROM registry.ci.openshift.org/ocp/4.22:installer-etcd-artifacts AS etcd-artifacts",
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.25-openshift-4.22 AS macbuilder",
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.25-openshift-4.22 AS linuxbuilder",
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.25-openshift-4.22 AS builder",
                    "FROM registry.ci.openshift.org/ocp/4.22:base-rhel9",
                    "COPY --from=macbuilder /go/src/github.com/openshift/installer/bin/openshift-install /usr/share/openshift/mac/openshift-install",
                ],
            },
            {
                component: "baremetal-installer",
                source: "openshift/installer (0aea4eab97eb, 4.22) images/baremetal/Dockerfile.ci",
                lines: [
                    "FROM registry.ci.openshift.org/ocp/4.22:etcd AS etcd",
                    "FROM registry.ci.openshift.org/ocp/4.22:hyperkube AS kas",
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-9-golang-1.24-openshift-4.22 AS builder",
                    "FROM registry.ci.openshift.org/ocp/4.22:base-rhel9",
                ],
            },
        ];

        it("builds every OKD/SCOS default component on base-stream9, as its okd-scos configuration's from: does", () => {
            const stream9 = "registry.ci.openshift.org/origin/scos-4.22:base-stream9";
            const content = `${registry.host}/openshift/okd-content@`;
            for (const { component, source, lines } of scosForms) {
                const file = path.join(dir, `${component}.Containerfile`);
                fs.writeFileSync(file, [...lines, ""].join("\n"));
                const r = runScript("substitute-builder.sh", {
                    CONTAINERFILE: file,
                    BUILDER_IMAGE: builder,
                    BASE_IMAGE: stream9,
                    BASE_PAYLOAD: payload.pullSpec,
                    RUN_COMPONENTS: "installer installer-artifacts baremetal-installer",
                    FINAL_FROM: "base",
                    TLS_VERIFY: "false",
                });
                assert.equal(r.status, 0, `${source}: ${r.stderr}`);
                const froms = fs
                    .readFileSync(file, "utf8")
                    .split("\n")
                    .filter((l) => l.startsWith("FROM "));
                assert.equal(froms.at(-1), `FROM ${stream9}`, source);
                for (const from of froms) {
                    const ref = from.split(/\s+/)[1];
                    assert.ok(
                        ref === stream9 ||
                            /^registry\.ci\.openshift\.org\/openshift\/release:rhel-[89]-release-golang-1\.2[45]-openshift-4\.22$/.test(
                                ref,
                            ) ||
                            (ref.startsWith(content) &&
                                Object.values(payload.components).includes(ref.slice(content.length))),
                        `${source}: ${from}`,
                    );
                }
            }
            const marketplace = fs.readFileSync(path.join(dir, "operator-marketplace.Containerfile"), "utf8");
            assert.doesNotMatch(marketplace, /origin\/4\.22:base/, "the FCOS-era base is never built on");
            const ironic = fs.readFileSync(path.join(dir, "ironic.Containerfile"), "utf8").split("\n");
            assert.deepEqual(ironic.slice(0, 3), [
                `FROM ${stream9} AS builder`,
                `FROM ${stream9} AS wheel-builder`,
                `FROM ${stream9}`,
            ]);
        });

        it("builds the final stage from a payload tag (this run's image) when from names one, keeping its flags and stage", () => {
            const file = path.join(dir, "Containerfile");
            fs.writeFileSync(
                file,
                [
                    "FROM registry.ci.openshift.org/ocp/builder:rhel-8-golang-1.20-openshift-4.15 AS macbuilder",
                    "FROM --platform=linux/amd64 registry.ci.openshift.org/ocp/4.15:installer AS final",
                    "",
                ].join("\n"),
            );
            const runInstaller = `${registry.host}/okd/components@sha256:${"b".repeat(64)}`;
            const r = runScript(
                "substitute-builder.sh",
                {
                    CONTAINERFILE: file,
                    BUILDER_IMAGE: builder,
                    BASE_IMAGE: baseImage,
                    BASE_PAYLOAD: payload.pullSpec,
                    RUN_COMPONENTS: "installer installer-artifacts",
                    FINAL_FROM: "installer",
                    TLS_VERIFY: "false",
                },
                undefined,
                [built("installer", runInstaller)],
            );
            assert.equal(r.status, 0, r.stderr);
            assert.equal(
                fs.readFileSync(file, "utf8").split("\n")[1],
                `FROM --platform=linux/amd64 ${runInstaller} AS final`,
            );
            assert.match(r.stdout, /final stage .* → .*components@sha256:b{64} \(from: installer\)/);

            const early = runScript("substitute-builder.sh", {
                CONTAINERFILE: file,
                BUILDER_IMAGE: builder,
                BASE_IMAGE: baseImage,
                BASE_PAYLOAD: payload.pullSpec,
                RUN_COMPONENTS: "installer installer-artifacts",
                FINAL_FROM: "installer",
                TLS_VERIFY: "false",
            });
            assert.equal(early.status, 1);
            assert.match(early.stderr, /from: installer is this run's installer image, which is not built yet/);
        });

        /**
         * Issue 15 path 4: a later batch takes an earlier build's image by the digest that build reported (its BUILT
         * result), never by the run's tag `components:<name>-<run>`, which any build of the run could move. A BUILT
         * result that names a tag, or is not a BUILT object, is refused; a failed build is not replaced by the base
         * payload's image.
         */
        it("takes earlier builds only by their reported digest, and refuses a tag or a failed build", () => {
            const file = path.join(dir, "Containerfile");
            const lines = ["FROM registry.ci.openshift.org/ocp/4.15:installer", "RUN true", ""];
            const run = (args: string[]) => {
                fs.writeFileSync(file, lines.join("\n"));
                return runScript(
                    "substitute-builder.sh",
                    {
                        CONTAINERFILE: file,
                        BUILDER_IMAGE: builder,
                        BASE_IMAGE: baseImage,
                        BASE_PAYLOAD: payload.pullSpec,
                        RUN_COMPONENTS: "installer installer-artifacts",
                        TLS_VERIFY: "false",
                    },
                    undefined,
                    args,
                );
            };
            const byDigest = `${registry.host}/okd/components@sha256:${"c".repeat(64)}`;
            const ok = run([built("installer", byDigest)]);
            assert.equal(ok.status, 0, ok.stderr);
            assert.equal(fs.readFileSync(file, "utf8").split("\n")[0], `FROM ${byDigest}`);
            const tagged = run([built("installer", `${registry.host}/okd/components:installer-run1`)]);
            assert.equal(tagged.status, 2);
            assert.match(tagged.stderr, /reported .*components:installer-run1, not <repository>@sha256:<digest>/);
            const failed = run([JSON.stringify({ component: "installer", failed: "build", taskRun: "x" })]);
            assert.equal(failed.status, 1);
            assert.match(failed.stderr, /this run's installer image, whose build failed \(build\)/);
            const junk = run(["installer=quay.io/evil/installer:latest"]);
            assert.equal(junk.status, 2);
            assert.match(junk.stderr, /is not a BUILT object/);
        });

        it("refuses a stage of this run's own image that is not built yet, and an ocp image with no counterpart", () => {
            const file = path.join(dir, "Containerfile");
            const run = (lines: string[]) => {
                fs.writeFileSync(file, lines.join("\n") + "\n");
                return runScript("substitute-builder.sh", {
                    CONTAINERFILE: file,
                    BUILDER_IMAGE: builder,
                    BASE_IMAGE: baseImage,
                    BASE_PAYLOAD: payload.pullSpec,
                    RUN_COMPONENTS: "installer installer-artifacts",
                    TLS_VERIFY: "false",
                });
            };
            const early = run(["FROM registry.ci.openshift.org/ocp/4.15:installer"]);
            assert.equal(early.status, 1);
            assert.match(
                early.stderr,
                /ocp\/4\.15:installer is this run's installer image, which is not built yet; installer must build in an earlier batch/,
            );
            const nodejs = run(["FROM registry.ci.openshift.org/ocp/builder:rhel-8-base-nodejs-openshift-4.15 AS web"]);
            assert.equal(nodejs.status, 1);
            assert.match(
                nodejs.stderr,
                /rhel-8-base-nodejs-openshift-4\.15 is an OCP builder with no public counterpart here/,
            );
            const missing = run(["FROM registry.ci.openshift.org/ocp/4.15:no-such-tag"]);
            assert.equal(missing.status, 1);
            assert.match(missing.stderr, /names the payload image no-such-tag, which .* does not give/);
        });
    });

    describe("fcos-base.sh", () => {
        it("labels machine-os with the FCOS version as a three-part semver and pins CRI-O to the payload's Kubernetes", () => {
            const digest = pushTinyImage(`${registry.host}/fedora/fedora-coreos:testing`, "fcos", {
                version: "41.20250105.2.0",
            });
            const out = path.join(dir, "fcos");
            const r = runScript("fcos-base.sh", {
                FCOS_STREAM: "testing",
                FCOS_REPOSITORY: `${registry.host}/fedora/fedora-coreos`,
                BASE_PAYLOAD: payload.pullSpec,
                OUT_DIR: out,
                TLS_VERIFY: "false",
            });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(
                fs.readFileSync(path.join(out, "labels"), "utf8"),
                "io.openshift.build.versions=machine-os=41.20250105.2\n" +
                    "io.openshift.build.version-display-names=machine-os=Fedora CoreOS\n" +
                    "io.openshift.release.operator=true\n",
            );
            assert.equal(
                fs.readFileSync(path.join(out, "build-args"), "utf8"),
                `FCOS_IMAGE=${registry.host}/fedora/fedora-coreos@${digest}\nCRIO_MINOR=1.28\n`,
            );
            assert.equal(fs.readFileSync(path.join(out, "fcos-digest"), "utf8"), digest);
        });

        it("refuses an FCOS version that gives no three-part semver", () => {
            pushTinyImage(`${registry.host}/fedora/fedora-coreos:next`, "fcos", { version: "41.20250105" });
            const r = runScript("fcos-base.sh", {
                FCOS_STREAM: "next",
                FCOS_REPOSITORY: `${registry.host}/fedora/fedora-coreos`,
                BASE_PAYLOAD: payload.pullSpec,
                OUT_DIR: path.join(dir, "fcos"),
                TLS_VERIFY: "false",
            });
            assert.equal(r.status, 1);
            assert.match(r.stderr, /FCOS version 41\.20250105 does not give a three-part semantic version/);
        });
    });

    /**
     * The machine-os Containerfile's logic, run by real buildah on a tiny stand-in for Fedora CoreOS: busybox and
     * recording `rpm-ostree`, `rpm`, `ostree` and `systemctl`. They keep the rules the build depends on: a local RPM
     * path that does not exist fails `rpm-ostree install` ("No such file"), and a package comes only from an enabled
     * repository, at the version that repository serves (so the cri-o minor is what the repository file pins).
     */
    describe("machine-os Containerfile", () => {
        const containerfile = path.resolve(
            __dirname,
            "..",
            "..",
            "components",
            "pipelines",
            "images",
            "machine-os",
            "Containerfile",
        );
        const stub = (body: string) => `#!/bin/sh\necho "$(basename "$0") $*" >>/var/log/fake-fcos/calls\n${body}\n`;
        const fakeFcos = {
            "rpm-ostree": stub(`case "$1" in
  --version) echo "rpm-ostree: Version: '2024.3'" ;;
  install)
    shift; repo=""
    for a in "$@"; do case "$a" in --enablerepo=*) repo="\${a#--enablerepo=}" ;; esac; done
    for a in "$@"; do
      case "$a" in
        -*) ;;
        /*) [ -f "$a" ] || { echo "error: Opening $a: No such file or directory" >&2; exit 1; } ;;
        *) if [ -n "$repo" ]; then
             url="$(sed -n 's/^baseurl=//p' "/etc/yum.repos.d/$repo.repo" 2>/dev/null)"
             minor="$(echo "$url" | sed -n 's/.*v\\([0-9]*\\.[0-9]*\\)\\/rpm\\/$/\\1/p')"
             [ -n "$minor" ] || { echo "error: Packages not found: $a" >&2; exit 1; }
             mkdir -p /var/lib/fake-rpms && echo "$minor.4" >"/var/lib/fake-rpms/$a"
           fi ;;
      esac
    done ;;
esac`),
            rpm: stub(
                `for a in "$@"; do p="$a"; done
if [ -f "/var/lib/fake-rpms/$p" ]; then tr -d '\\n' <"/var/lib/fake-rpms/$p"; else echo "package $p is not installed"; exit 1; fi`,
            ),
            ostree: stub(`[ "$1" = --version ] && echo "libostree: Version: '2024.4'"; exit 0`),
            systemctl: stub("exit 0"),
        };

        let fcosImage: string;
        let rpmsImage: string;
        before(function () {
            this.timeout(120_000);
            requireTool("busybox");
            requireTool("bash-static");
            requireTool("umoci");
            // Fedora CoreOS stand-in, with the version label fcos-base.sh reads.
            const fcosDir = tempDir("fake-fcos");
            fs.mkdirSync(path.join(fcosDir, "stubs"), { recursive: true });
            fs.copyFileSync(
                execFileSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).trim(),
                path.join(fcosDir, "busybox"),
            );
            fs.copyFileSync(
                execFileSync("sh", ["-c", "command -v bash-static"], { encoding: "utf8" }).trim(),
                path.join(fcosDir, "bash"),
            );
            for (const [tool, script] of Object.entries(fakeFcos)) {
                fs.writeFileSync(path.join(fcosDir, "stubs", tool), script, { mode: 0o755 });
            }
            fs.writeFileSync(
                path.join(fcosDir, "Containerfile"),
                [
                    "FROM scratch",
                    "COPY busybox /bin/busybox",
                    'RUN ["/bin/busybox", "mkdir", "-p", "/usr/bin", "/usr/sbin", "/etc/yum.repos.d", "/var/log/fake-fcos", "/var/lib/unbound", "/tmp"]',
                    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
                    // A static bash is the shell: busybox's own sh runs its applets (an `rpm` among them) before PATH.
                    "COPY bash /bin/bash",
                    'RUN ["/bin/busybox", "ln", "-sf", "bash", "/bin/sh"]',
                    "COPY stubs/ /usr/bin/",
                    "RUN echo 'OSTREE_VERSION=41.20250105.3.0' >/etc/os-release",
                    "LABEL version=41.20250105.3.0",
                    "",
                ].join("\n"),
            );
            fcosImage = `${registry.host}/fedora/fedora-coreos:stable`;
            const fake = runScript("build-image.sh", {
                ...buildEnvIn(fcosDir),
                CONTEXT_DIR: fcosDir,
                CONTAINERFILE: path.join(fcosDir, "Containerfile"),
                IMAGE: fcosImage,
                TLS_VERIFY: "false",
                RESULT_IMAGE_URL: path.join(fcosDir, "url"),
                RESULT_IMAGE_DIGEST: path.join(fcosDir, "digest"),
            });
            assert.equal(fake.status, 0, fake.stderr);
            fs.rmSync(fcosDir, { recursive: true, force: true });
            // The OKD RPMs image, laid out as origin/<minor>:artifacts: per-arch subdirectory, ecr at the top.
            rpmsImage = `${registry.host}/origin/4.15:artifacts`;
            pushImage(rpmsImage, {
                files: {
                    "srv/repo/x86_64/openshift-hyperkube-4.15.0-202403081001.p0.g1b2c3d4.assembly.stream.el9.x86_64.rpm":
                        "rpm",
                    "srv/repo/x86_64/openshift-clients-4.15.0-202403081001.p0.g5e6f7a8.assembly.stream.el9.x86_64.rpm":
                        "rpm",
                    "srv/repo/x86_64/openshift-clients-redistributable-4.15.0-202403081001.el9.x86_64.rpm": "rpm",
                    "srv/repo/ecr-credential-provider-4.15.0-202403081001.p0.g9a8b7c6.assembly.stream.el9.x86_64.rpm":
                        "rpm",
                },
            });
        });

        it("layers the okd-machine-os overlays, CRI-O of the payload's Kubernetes minor and the OKD RPMs, then presets and commits", function () {
            this.timeout(240_000);
            const env = buildEnv();
            // An okd-machine-os branch: its overlays (one through the openshift-os submodule), manifests, bootstrap.
            const osRepo = path.join(dir, "origin", "openshift", "os");
            const git = (cwd: string, ...args: string[]) =>
                execFileSync("git", [
                    "-C",
                    cwd,
                    "-c",
                    "user.name=t",
                    "-c",
                    "user.email=t@example.org",
                    "-c",
                    "protocol.file.allow=always",
                    ...args,
                ]);
            const write = (root: string, files: Record<string, string>) => {
                for (const [f, text] of Object.entries(files)) {
                    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
                    fs.writeFileSync(path.join(root, f), text);
                }
            };
            write(osRepo, { "overlay.d/05rhcos/usr/lib/systemd/system/rhcos-fips.service": "[Unit]\n" });
            git(osRepo, "init", "--quiet", "--initial-branch", "master");
            git(osRepo, "add", ".");
            git(osRepo, "commit", "--quiet", "-m", "os");
            const mosRepo = path.join(dir, "origin", "openshift", "okd-machine-os");
            write(mosRepo, {
                "overlay.d/99okd/usr/lib/systemd/system-preset/00-okd.preset": "enable okd-selinux.service\n",
                "manifests/99-okd-master-disable-mitigations.yaml": "kind: MachineConfig\n",
                "bootstrap/pre-pivot.sh": "#!/bin/bash\n",
                "overrides.yaml": "override-remove:\n - moby-engine\n - zincati\n",
                "crio.repo":
                    "[cri-o_1.28]\nbaseurl=https://download.opensuse.org/repositories/devel:/kubic:/libcontainers:/stable:/cri-o:/1.28/Fedora_39/\n",
            });
            git(mosRepo, "init", "--quiet", "--initial-branch", "release-4.15");
            git(mosRepo, "submodule", "--quiet", "add", `file://${osRepo}`, "openshift-os");
            fs.symlinkSync("../openshift-os/overlay.d/05rhcos/", path.join(mosRepo, "overlay.d", "05rhcos"));
            git(mosRepo, "add", ".");
            git(mosRepo, "commit", "--quiet", "-m", "okd-machine-os");

            // The task's steps, in order: fcos-base, clone, build.
            const out = path.join(dir, "out");
            const inputs = runScript("fcos-base.sh", {
                FCOS_STREAM: "stable",
                FCOS_REPOSITORY: `${registry.host}/fedora/fedora-coreos`,
                BASE_PAYLOAD: payload.pullSpec,
                OUT_DIR: out,
                TLS_VERIFY: "false",
            });
            assert.equal(inputs.status, 0, inputs.stderr);
            const source = path.join(dir, "source");
            const clone = runScript("clone-source.sh", {
                REPOSITORY: "openshift/okd-machine-os",
                BRANCH: "release-4.15",
                GIT_BASE_URL: `file://${path.join(dir, "origin")}`,
                SUBMODULES: "openshift-os",
                SOURCE_DIR: source,
                LABELS_FILE: path.join(out, "labels"),
                RESULT_GIT_URL: path.join(dir, "git-url"),
                RESULT_GIT_COMMIT: path.join(dir, "git-commit"),
                // git refuses file:// submodules unless told (CVE-2022-39253); github.com needs no such setting.
                GIT_CONFIG_COUNT: "1",
                GIT_CONFIG_KEY_0: "protocol.file.allow",
                GIT_CONFIG_VALUE_0: "always",
            });
            assert.equal(clone.status, 0, clone.stderr);
            const image = `${registry.host}/okd/machine-os:run1`;
            const build = runScript("build-image.sh", {
                ...env,
                CONTEXT_DIR: source,
                CONTAINERFILE: containerfile,
                IMAGE: image,
                TLS_VERIFY: "false",
                BUILD_ARGS: `OKD_RPMS_IMAGE=${rpmsImage}`,
                BUILD_ARGS_FILE: path.join(out, "build-args"),
                LABELS_FILE: path.join(out, "labels"),
                RESULT_IMAGE_URL: path.join(dir, "url"),
                RESULT_IMAGE_DIGEST: path.join(dir, "digest"),
            });
            assert.equal(build.status, 0, build.stderr + build.stdout.slice(-3000));

            const rootfs = unpack(image);
            const calls = fs.readFileSync(path.join(rootfs, "var/log/fake-fcos/calls"), "utf8").trim().split("\n");
            assert.deepEqual(
                calls.filter((c) => !/--version$/.test(c)),
                [
                    "rpm-ostree install cri-o --disablerepo=* --enablerepo=okd-cri-o",
                    "rpm-ostree install cri-tools --disablerepo=* --enablerepo=okd-cri-tools",
                    "rpm-ostree install NetworkManager-ovs open-vm-tools qemu-guest-agent netcat " +
                        "/tmp/rpms/ecr-credential-provider-4.15.0-202403081001.p0.g9a8b7c6.assembly.stream.el9.x86_64.rpm " +
                        "/tmp/rpms/x86_64/openshift-clients-4.15.0-202403081001.p0.g5e6f7a8.assembly.stream.el9.x86_64.rpm " +
                        "/tmp/rpms/x86_64/openshift-hyperkube-4.15.0-202403081001.p0.g1b2c3d4.assembly.stream.el9.x86_64.rpm",
                    "rpm-ostree ex rebuild",
                    "rpm-ostree cleanup -m",
                    "rpm -q --queryformat %{VERSION} cri-o",
                    "systemctl preset-all",
                    "ostree container commit",
                ],
            );
            assert.match(
                fs.readFileSync(path.join(rootfs, "etc/yum.repos.d/okd-cri-o.repo"), "utf8"),
                /baseurl=https:\/\/download\.opensuse\.org\/repositories\/isv:\/kubernetes:\/addons:\/cri-o:\/stable:\/v1\.28\/rpm\//,
            );
            assert.ok(
                !fs.existsSync(path.join(rootfs, "etc/yum.repos.d/crio.repo")),
                "the branch's retired kubic repo is not installed",
            );
            for (const file of [
                "usr/lib/systemd/system-preset/00-okd.preset",
                "usr/lib/systemd/system/rhcos-fips.service",
                "manifests/99-okd-master-disable-mitigations.yaml",
                "bootstrap/pre-pivot.sh",
                "etc/rpm-ostree/origin.d/overrides.yaml",
            ]) {
                assert.ok(fs.existsSync(path.join(rootfs, file)), `${file} is in the image`);
            }
            assert.ok(!fs.existsSync(path.join(rootfs, "tmp/rpms")), "the RPMs are removed");
            // buildah keeps the WORKDIR itself; the sources in it are removed.
            const leftovers = fs.existsSync(path.join(rootfs, "go"))
                ? fs
                      .readdirSync(path.join(rootfs, "go"), { recursive: true })
                      .map(String)
                      .filter((f) => fs.statSync(path.join(rootfs, "go", f)).isFile())
                : [];
            assert.deepEqual(leftovers, [], "the okd-machine-os sources are removed");

            const labels = JSON.parse(
                execFileSync("skopeo", ["inspect", "--tls-verify=false", `docker://${image}`], { encoding: "utf8" }),
            ).Labels;
            assert.equal(labels["io.openshift.build.versions"], "machine-os=41.20250105.3");
            assert.equal(labels["io.openshift.build.version-display-names"], "machine-os=Fedora CoreOS");
            assert.equal(labels["io.openshift.release.operator"], "true");
            assert.equal(labels["io.openshift.build.commit.id"], fs.readFileSync(path.join(dir, "git-commit"), "utf8"));
        });

        it("fails naming an OKD RPM the RPMs image lacks", function () {
            this.timeout(120_000);
            // No ecr-credential-provider: the kubelet on AWS would not start without it.
            const noEcr = `${registry.host}/origin/4.15:artifacts-without-ecr`;
            pushImage(noEcr, { files: { "srv/repo/x86_64/openshift-hyperkube-4.15.0-1.x86_64.rpm": "rpm" } });
            const ctx = path.join(dir, "ctx");
            fs.mkdirSync(ctx);
            fs.writeFileSync(path.join(ctx, "overrides.yaml"), "override-remove: []\n");
            const r = runScript("build-image.sh", {
                ...buildEnv(),
                CONTEXT_DIR: ctx,
                CONTAINERFILE: containerfile,
                IMAGE: `${registry.host}/okd/machine-os:no-ecr`,
                TLS_VERIFY: "false",
                BUILD_ARGS: `OKD_RPMS_IMAGE=${noEcr}\nCRIO_MINOR=1.28\nFCOS_IMAGE=${fcosImage}`,
                RESULT_IMAGE_URL: path.join(dir, "url"),
                RESULT_IMAGE_DIGEST: path.join(dir, "digest"),
            });
            assert.notEqual(r.status, 0);
            assert.match(
                r.stderr + r.stdout,
                /the RPMs image has no ecr-credential-provider RPM under \/srv\/repo or \/srv\/repo\/x86_64/,
            );
        });
    });
});
