import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { type Registry, buildahRuntimeEnv, requireTool, runScript, startRegistry, tempDir } from "./harness";

const fixture = path.resolve(__dirname, "..", "fixtures", "malicious-component");

/** The probe's verdicts, from the one `PROBE-REPORT {json}` line its RUN step prints into the build log. */
function probeReport(log: string): Record<string, string> {
    const line = log.split("\n").find((l) => l.startsWith("PROBE-REPORT "));
    assert.ok(line, `the build log has no PROBE-REPORT line:\n${log}`);
    return JSON.parse(line.slice("PROBE-REPORT ".length)) as Record<string, string>;
}

/**
 * Issue 15 path 1, as an attacker who controls one upstream commit tries it: the "malicious component" fixture's RUN
 * step (test/fixtures/malicious-component/probe) reaches for a file only the node has, the pod's registry
 * credentials, the ServiceAccount token, a Tekton result file it would forge, the node's block devices, and escapes
 * a chroot. Real buildah, the real build-image.sh with exactly the isolation flags the Task runs with; the only
 * addition is this machine's OCI runtime (`buildahRuntimeEnv`: runc with ulimits, as its hybrid cgroups break crun).
 *
 * What this machine cannot show: a privileged *pod*. The tests run as root with every capability but
 * CAP_SYS_RESOURCE, which is what a privileged build pod's buildah has, so "root on this machine" stands in for
 * "root in the privileged pod", and this machine's disk for the node's. buildah here is Debian's 1.28.2, older than the
 * pinned image's; the isolation flags are the same.
 */
describe("a malicious component's RUN step (issue 15 path 1)", () => {
    let registry: Registry;
    let storage: string;
    let dir: string;
    let context: string;

    before(async function () {
        this.timeout(120_000);
        requireTool("buildah");
        requireTool("go");
        registry = await startRegistry();
        storage = tempDir("isolation-storage");
        context = tempDir("malicious-context");
        fs.copyFileSync(path.join(fixture, "Containerfile"), path.join(context, "Containerfile"));
        execFileSync("go", ["build", "-trimpath", "-o", path.join(context, "probe"), "."], {
            cwd: path.join(fixture, "probe"),
            env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" },
        });
    });
    after(async () => {
        await registry.stop();
        const root = ["--root", path.join(storage, "root"), "--runroot", path.join(storage, "run")];
        execFileSync("buildah", [...root, "rm", "--all"]);
        execFileSync("buildah", [...root, "rmi", "--all", "--force"]);
        fs.rmSync(storage, { recursive: true, force: true });
        fs.rmSync(context, { recursive: true, force: true });
    });
    beforeEach(() => {
        dir = tempDir("isolation");
        // Stand-ins, outside the build context: a file only the node has, the pod's registry auth file (what
        // registry-auth.sh writes to /workspace/auth/site.json) and a Tekton result file (/tekton/results/…).
        fs.writeFileSync(path.join(dir, "node-secret"), "node-only");
        fs.writeFileSync(path.join(dir, "site.json"), '{"auths":{"registry.example":{"auth":"c2VjcmV0"}}}');
        fs.writeFileSync(path.join(dir, "IMAGE_DIGEST"), "");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const storageConf = () => {
        const conf = path.join(dir, "storage.conf");
        fs.writeFileSync(
            conf,
            `[storage]\ndriver = "vfs"\nrunroot = "${storage}/run"\ngraphroot = "${storage}/root"\n`,
        );
        return { CONTAINERS_STORAGE_CONF: conf, STORAGE_DRIVER: "vfs" };
    };
    const attackArgs = () =>
        [
            `NODE_FILE=${path.join(dir, "node-secret")}`,
            `POD_CREDENTIALS=${path.join(dir, "site.json")}`,
            `RESULT_FILE=${path.join(dir, "IMAGE_DIGEST")}`,
        ].join("\n");

    it("reaches neither the node's files and devices nor the pod's credentials and results under the Task's isolation", function () {
        this.timeout(120_000);
        const image = `${registry.host}/okd/components:malicious-run1`;
        const r = runScript("build-image.sh", {
            ...storageConf(),
            ...buildahRuntimeEnv(),
            CONTEXT_DIR: context,
            CONTAINERFILE: path.join(context, "Containerfile"),
            IMAGE: image,
            TLS_VERIFY: "false",
            BUILD_ARGS: attackArgs(),
            REGISTRY_AUTH_FILE: path.join(dir, "site.json"),
            RESULT_IMAGE_URL: path.join(dir, "IMAGE_URL"),
            RESULT_IMAGE_DIGEST: path.join(dir, "IMAGE_DIGEST"),
        });
        assert.equal(r.status, 0, r.stderr);
        const report = probeReport(r.stdout);
        for (const attempt of [
            "read-node-file",
            "read-pod-credentials",
            "read-service-account-token",
            "forge-build-result",
            "open-block-device",
            "mknod-block-device",
            "mount-proc",
            "chroot-escape",
        ]) {
            assert.match(report[attempt] ?? "", /^denied: /, `${attempt}: ${report[attempt]}`);
        }
        // Root in the RUN step is host UID 1000000000 (BUILD_USERNS_BASE's default), 65536 IDs, nothing else.
        assert.equal(report["uid-map"], "0 1000000000 65536");
        // The digest result is the registry's, not the probe's forgery.
        assert.match(fs.readFileSync(path.join(dir, "IMAGE_DIGEST"), "utf8"), /^sha256:(?!6{64})[a-f0-9]{64}$/);
    });

    it("gets out under chroot isolation, what the build steps ran with before (the probe is real)", function () {
        this.timeout(120_000);
        // buildah itself with the old step's isolation: the same Containerfile, the same build args.
        const out = execFileSync(
            "buildah",
            [
                "build",
                "--isolation",
                "chroot",
                "--layers=false",
                ...attackArgs()
                    .split("\n")
                    .flatMap((a) => ["--build-arg", a]),
                "--file",
                path.join(context, "Containerfile"),
                "--tag",
                "localhost/malicious:chroot",
                context,
            ],
            { env: { ...process.env, ...storageConf() }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
        );
        const report = probeReport(out);
        assert.equal(report["chroot-escape"], "ALLOWED: node-only", JSON.stringify(report));
        assert.match(report["open-block-device"] ?? "", /^ALLOWED: \/dev\//, JSON.stringify(report));
    });
});
