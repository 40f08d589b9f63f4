import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { type Registry, digestOf, pushTinyImage, requireTool, runScript, startRegistry, tempDir } from "./harness";

/** Real buildah (chroot isolation, FROM scratch: no network), real skopeo, git and a local docker-registry. */
describe("build scripts", () => {
    let registry: Registry;
    let dir: string;
    let storage: string;

    before(async () => {
        requireTool("buildah");
        requireTool("skopeo");
        requireTool("git");
        requireTool("jq");
        registry = await startRegistry();
        storage = tempDir("buildah-storage");
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
    const buildEnv = () => {
        const conf = path.join(dir, "storage.conf");
        fs.writeFileSync(
            conf,
            `[storage]\ndriver = "vfs"\nrunroot = "${storage}/run"\ngraphroot = "${storage}/root"\n`,
        );
        return { CONTAINERS_STORAGE_CONF: conf, BUILDAH_ISOLATION: "chroot", STORAGE_DRIVER: "vfs" };
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

        it("reports the existing image's digest and builds nothing when asked to skip present images", () => {
            const image = `${registry.host}/okd/components:present`;
            const digest = pushTinyImage(image, "already here");
            const r = runScript("build-image.sh", {
                ...buildEnv(),
                CONTEXT_DIR: dir,
                CONTAINERFILE: path.join(dir, "Containerfile"),
                IMAGE: image,
                TLS_VERIFY: "false",
                SKIP_IF_PRESENT: "true",
                RESULT_IMAGE_URL: path.join(dir, "url"),
                RESULT_IMAGE_DIGEST: path.join(dir, "digest"),
            });
            // The Containerfile does not even exist: the script must stop before building.
            assert.equal(r.status, 2, "a missing Containerfile is still an input error");
            fs.writeFileSync(path.join(dir, "Containerfile"), "FROM scratch\nCOPY nothing /\n");
            const again = runScript("build-image.sh", {
                ...buildEnv(),
                CONTEXT_DIR: dir,
                CONTAINERFILE: path.join(dir, "Containerfile"),
                IMAGE: image,
                TLS_VERIFY: "false",
                SKIP_IF_PRESENT: "true",
                RESULT_IMAGE_URL: path.join(dir, "url"),
                RESULT_IMAGE_DIGEST: path.join(dir, "digest"),
            });
            assert.equal(again.status, 0, again.stderr);
            assert.match(again.stdout, /already exists, not rebuilding/);
            assert.equal(fs.readFileSync(path.join(dir, "digest"), "utf8"), digest);
            assert.equal(digestOf(image), digest);
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

        it("points every OCP builder stage at the OKD builder and leaves other stages alone", () => {
            const file = path.join(origin, "Dockerfile.ci");
            const r = runScript("substitute-builder.sh", {
                CONTAINERFILE: file,
                BUILDER_IMAGE: "quay.io/okd/builder:4.15",
            });
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(fs.readFileSync(file, "utf8").split("\n"), [
                "FROM quay.io/okd/builder:4.15 AS builder",
                "RUN make",
                "FROM --platform=linux/amd64 quay.io/okd/builder:4.15 AS second",
                "FROM registry.ci.openshift.org/ocp/4.15:base-rhel9",
                "",
            ]);
        });
    });

    describe("fcos-base.sh", () => {
        it("labels machine-os with the FCOS version of the stream's image", () => {
            const digest = pushTinyImage(`${registry.host}/fedora/fedora-coreos:stable`, "fcos", {
                version: "41.20250105.3.0",
            });
            const out = path.join(dir, "fcos");
            const r = runScript("fcos-base.sh", {
                FCOS_STREAM: "stable",
                FCOS_REPOSITORY: `${registry.host}/fedora/fedora-coreos`,
                OUT_DIR: out,
                TLS_VERIFY: "false",
            });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(
                fs.readFileSync(path.join(out, "labels"), "utf8"),
                "io.openshift.build.versions=machine-os=41.20250105.3.0\nio.openshift.release.operator=true\n",
            );
            assert.equal(fs.readFileSync(path.join(out, "build-args"), "utf8"), "FCOS_STREAM=stable\n");
            assert.equal(fs.readFileSync(path.join(out, "fcos-digest"), "utf8"), digest);
        });
    });
});
