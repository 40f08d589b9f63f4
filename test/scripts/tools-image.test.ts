import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import {
    type Registry,
    buildahRuntimeEnv,
    pushTinyImage,
    registryDigest,
    requireTool,
    runScript,
    startRegistry,
    tempDir,
} from "./harness";

/**
 * tools-image.sh with real buildah (the Task's OCI isolation with a user namespace, FROM scratch: no network), a local docker-registry and real
 * skopeo-pushed images. Each run gets fresh container storage, as each TaskRun pod does, and a `buildah` wrapper on
 * PATH that logs every invocation before running the real one, so a test can tell whether anything was built.
 */
describe("tools-image.sh", () => {
    let registry: Registry;
    let dir: string;
    let realBuildah: string;
    const storages: string[] = [];

    before(async () => {
        requireTool("buildah");
        requireTool("skopeo");
        requireTool("umoci");
        realBuildah = execFileSync("sh", ["-c", "command -v buildah"], { encoding: "utf8" }).trim();
        registry = await startRegistry();
    });
    after(async () => {
        await registry.stop();
        for (const storage of storages) {
            const root = ["--root", path.join(storage, "root"), "--runroot", path.join(storage, "run")];
            // buildah leaves mounts under its root; remove containers and images before the directory.
            execFileSync(realBuildah, [...root, "rm", "--all"]);
            execFileSync(realBuildah, [...root, "rmi", "--all", "--force"]);
            fs.rmSync(storage, { recursive: true, force: true });
        }
    });
    beforeEach(() => {
        dir = tempDir("tools-image");
        fs.mkdirSync(path.join(dir, "context"));
        fs.writeFileSync(path.join(dir, "context", "tool.sh"), "#!/bin/sh\necho tool\n");
        fs.writeFileSync(path.join(dir, "context", "Containerfile"), "FROM scratch\nCOPY tool.sh /usr/bin/tool\n");
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(
            path.join(bin, "buildah"),
            `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >>"${dir}/buildah.log"\nexec ${realBuildah} "$@"\n`,
            { mode: 0o755 },
        );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const repository = () => `${registry.host}/okd/components`;
    const hash = () =>
        createHash("sha256")
            .update(fs.readFileSync(path.join(dir, "context", "Containerfile")))
            .digest("hex");

    /** One TaskRun: fresh storage, the wrapper on PATH; returns the run and the buildah subcommands it ran. */
    const run = (extra: Record<string, string> = {}) => {
        const storage = tempDir("tools-storage");
        storages.push(storage);
        const conf = path.join(storage, "storage.conf");
        fs.writeFileSync(
            conf,
            `[storage]\ndriver = "vfs"\nrunroot = "${storage}/run"\ngraphroot = "${storage}/root"\n`,
        );
        fs.rmSync(path.join(dir, "buildah.log"), { force: true });
        const r = runScript(
            "tools-image.sh",
            {
                CONTAINERS_STORAGE_CONF: conf,
                STORAGE_DRIVER: "vfs",
                ...buildahRuntimeEnv(),
                CONTAINERFILE: path.join(dir, "context", "Containerfile"),
                CONTEXT_DIR: path.join(dir, "context"),
                REPOSITORY: repository(),
                TLS_VERIFY: "false",
                RESULT_IMAGE_URL: path.join(dir, "url"),
                RESULT_IMAGE_DIGEST: path.join(dir, "digest"),
                ...extra,
            },
            path.join(dir, "bin"),
        );
        const log = path.join(dir, "buildah.log");
        const subcommands = fs.existsSync(log)
            ? fs
                  .readFileSync(log, "utf8")
                  .split("\n")
                  .filter((l) => l !== "")
                  .map((l) => l.split(" ")[0])
            : [];
        return { ...r, subcommands };
    };
    const result = (name: "url" | "digest") => fs.readFileSync(path.join(dir, name), "utf8");

    it("builds and pushes the image on every run, reporting the digest its own push stored", async () => {
        const tag = `pipeline-tools-${hash().slice(0, 16)}`;
        for (const round of [1, 2]) {
            const r = run();
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.subcommands, ["build", "push"], `run ${round}`);
            assert.equal(result("url"), `${repository()}:${tag}`);
            const pushed = await registryDigest(registry.host, "okd/components", tag);
            assert.match(pushed, /^sha256:[0-9a-f]{64}$/);
            assert.equal(result("digest"), pushed);
        }
        const labels = JSON.parse(
            execFileSync("skopeo", ["inspect", "--tls-verify=false", `docker://${repository()}:${tag}`], {
                encoding: "utf8",
            }),
        ).Labels;
        assert.equal(labels["io.okd-ci.containerfile.sha256"], hash());
    });

    it("never runs what another push left under the tag (issue 15 path 5: tools image tag overwritten)", async () => {
        // Any component build can push to the components repository: one plants its own image under the tag.
        const tag = `pipeline-tools-${hash().slice(0, 16)}`;
        const planted = pushTinyImage(`${repository()}:${tag}`, "a component build's tools image");
        const r = run();
        assert.equal(r.status, 0, r.stderr);
        assert.ok(r.subcommands.includes("build"), `ran buildah ${r.subcommands.join(", ")}`);
        assert.notEqual(result("digest"), planted);
        assert.equal(result("digest"), await registryDigest(registry.host, "okd/components", tag));
        const labels = JSON.parse(
            execFileSync("skopeo", ["inspect", "--tls-verify=false", `docker://${repository()}@${result("digest")}`], {
                encoding: "utf8",
            }),
        ).Labels;
        assert.equal(labels["io.okd-ci.containerfile.sha256"], hash(), "the reported digest is the image built here");
    });

    it("builds a new tag when the Containerfile changes", async () => {
        fs.appendFileSync(path.join(dir, "context", "Containerfile"), 'LABEL changed="yes"\n');
        const r = run();
        assert.equal(r.status, 0, r.stderr);
        assert.ok(r.subcommands.includes("build"));
        const tag = `pipeline-tools-${hash().slice(0, 16)}`;
        assert.equal(result("url"), `${repository()}:${tag}`);
        assert.equal(result("digest"), await registryDigest(registry.host, "okd/components", tag));
    });

    it("passes a prebuilt image through by its digest and builds nothing", () => {
        const image = `${registry.host}/mirror/pipeline-tools:1.2.3`;
        const digest = pushTinyImage(image, "prebuilt tools");
        const r = run({ PREBUILT_IMAGE: image, REPOSITORY: `${registry.host}/okd/components` });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(r.subcommands, ["pull", "images"]);
        assert.equal(result("url"), image);
        assert.equal(result("digest"), digest);
    });

    it("drops the digest of a prebuilt image given by digest from IMAGE_URL, so consumers can append it once", () => {
        const image = `${registry.host}/mirror/pipeline-tools`;
        const digest = pushTinyImage(`${image}:pinned`, "pinned tools");
        const r = run({ PREBUILT_IMAGE: `${image}@${digest}` });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(result("url"), image);
        assert.equal(result("digest"), digest);
    });

    it("refuses a prebuilt image given by a digest the registry does not serve", () => {
        const image = `${registry.host}/mirror/pipeline-tools`;
        pushTinyImage(`${image}:moved`, "tools");
        const other = pushTinyImage(`${registry.host}/mirror/other:1`, "other");
        const r = run({ PREBUILT_IMAGE: `${image}@${other}` });
        assert.notEqual(r.status, 0);
        assert.equal(fs.existsSync(path.join(dir, "digest")), false);
    });

    it("fails, naming the image, when the prebuilt image cannot be pulled", () => {
        const r = run({ PREBUILT_IMAGE: `${registry.host}/mirror/pipeline-tools:missing` });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /prebuilt image .*pipeline-tools:missing cannot be pulled/);
        assert.equal(r.subcommands.includes("build"), false);
        assert.equal(fs.existsSync(path.join(dir, "digest")), false);
    });

    it("refuses to run without its inputs", () => {
        const r = run({ REPOSITORY: "" });
        assert.equal(r.status, 2);
        assert.match(r.stderr, /REPOSITORY is required/);
    });
});
