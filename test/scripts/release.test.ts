import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import {
    type Registry,
    calls,
    digestOf,
    pushTinyImage,
    requireTool,
    runScript,
    startRegistry,
    stub,
    tempDir,
    registryDigest,
} from "./harness";

/**
 * Assembly and promotion with real skopeo and real registries. `oc` is not on this machine: its stub records the
 * arguments and emulates only the effect the scripts check, copying an image to the pushed name with skopeo (which,
 * like `oc adm release mirror`, keeps the digest).
 */
describe("assembly and promotion scripts", () => {
    let site: Registry;
    let quay: Registry;
    let dir: string;
    let bin: string;

    before(async () => {
        requireTool("skopeo");
        requireTool("jq");
        requireTool("rclone");
        [site, quay] = await Promise.all([startRegistry(), startRegistry()]);
    });
    after(async () => Promise.all([site.stop(), quay.stop()]));
    beforeEach(() => {
        dir = tempDir("release");
        bin = path.join(dir, "bin");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    describe("assemble-release.sh", () => {
        let osDigest: string;
        let componentDigest: string;
        const out = (f: string) => path.join(dir, f);
        const env = () => ({
            MINOR: "4.15",
            NAME_STREAM: "okd",
            BASE_PAYLOAD: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
            RELEASE_REPO: `${site.host}/okd/release`,
            CONTENT_REPO: `${site.host}/okd/content`,
            COMPONENTS_REPO: `${site.host}/okd/components`,
            COMPONENTS: "cluster-update-keys",
            BUILD_TAG: "okd-nightly-4-15-run1",
            MACHINE_OS_IMAGE: `${site.host}/okd/machine-os:okd-nightly-4-15-run1`,
            MACHINE_OS_DIGEST: osDigest,
            OS_TAGS: "machine-os-content rhel-coreos",
            PREVIOUS_FILE: out("previous"),
            TLS_VERIFY: "false",
            OUT_FILE: out("release.json"),
            RESULT_NAME: out("name"),
            RESULT_PULLSPEC: out("pullspec"),
            RESULT_IMAGE_URL: out("url"),
            RESULT_IMAGE_DIGEST: out("digest"),
            RESULT_TESTS_IMAGE: out("tests"),
        });
        before(() => {
            osDigest = pushTinyImage(`${site.host}/okd/machine-os:okd-nightly-4-15-run1`, "os");
            componentDigest = pushTinyImage(
                `${site.host}/okd/components:cluster-update-keys-okd-nightly-4-15-run1`,
                "keys",
                {
                    "io.openshift.build.commit.id": "c0ffee",
                    "io.openshift.build.source-location": "https://github.com/openshift/cluster-update-keys",
                },
            );
            pushTinyImage(`${site.host}/fixture/payload:1`, "payload");
        });

        const ocStub = () =>
            stub(
                bin,
                "oc",
                `case "$3" in
  new) for a in "$@"; do case "$a" in --to-image=*) to="\${a#--to-image=}" ;; esac; done
       skopeo copy --quiet --src-tls-verify=false --dest-tls-verify=false docker://${site.host}/fixture/payload:1 "docker://$to" ;;
  info) echo quay.io/openshift/okd-content@sha256:7e575 ;;
esac`,
            );

        it("overrides every rebuilt component by digest and names the payload by UTC time", async () => {
            ocStub();
            fs.writeFileSync(out("previous"), "4.15.0-0.okd-2025-01-01-020000,4.14.0-0.okd-2024-12-15-020000");
            const r = runScript("assemble-release.sh", env(), bin);
            assert.equal(r.status, 0, r.stderr);
            const name = fs.readFileSync(out("name"), "utf8");
            assert.match(name, /^4\.15\.0-0\.okd-\d{4}-\d{2}-\d{2}-\d{6}$/);
            const [release, info] = calls(bin, "oc");
            assert.deepEqual(release.args, [
                "adm",
                "release",
                "new",
                "--insecure=true",
                "--from-release=quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
                `--name=${name}`,
                "--keep-manifest-list=true",
                `--mirror=${site.host}/okd/content`,
                `--to-image=${site.host}/okd/release:${name}`,
                "--previous=4.15.0-0.okd-2025-01-01-020000,4.14.0-0.okd-2024-12-15-020000",
                `machine-os-content=${site.host}/okd/machine-os@${osDigest}`,
                `rhel-coreos=${site.host}/okd/machine-os@${osDigest}`,
                `cluster-update-keys=${site.host}/okd/components@${componentDigest}`,
            ]);
            const digest = await registryDigest(site.host, "okd/release", name);
            assert.equal(fs.readFileSync(out("digest"), "utf8"), digest);
            assert.equal(digestOf(`${site.host}/okd/release:${name}`), digest);
            assert.deepEqual(info.args, [
                "adm",
                "release",
                "info",
                "--insecure=true",
                "--image-for=tests",
                `${site.host}/okd/release@${digest}`,
            ]);
            assert.equal(fs.readFileSync(out("tests"), "utf8"), "quay.io/openshift/okd-content@sha256:7e575");
            const recorded = JSON.parse(fs.readFileSync(out("release.json"), "utf8"));
            assert.deepEqual(recorded.sources["cluster-update-keys"], {
                image: `${site.host}/okd/components@${componentDigest}`,
                source: "https://github.com/openshift/cluster-update-keys",
                commit: "c0ffee",
            });
            assert.deepEqual(recorded.previous, ["4.15.0-0.okd-2025-01-01-020000", "4.14.0-0.okd-2024-12-15-020000"]);
        });

        it("fails naming the component whose build never pushed", () => {
            ocStub();
            const r = runScript("assemble-release.sh", { ...env(), COMPONENTS: "installer" }, bin);
            assert.equal(r.status, 1);
            assert.match(
                r.stderr,
                /okd\/components:installer-okd-nightly-4-15-run1 does not exist; did the installer build push it\?/,
            );
            assert.deepEqual(calls(bin, "oc"), []);
        });
    });

    describe("mirror-release.sh", () => {
        const name = "4.15.0-0.okd-2025-01-02-020000";
        let digest: string;
        before(() => {
            digest = pushTinyImage(`${site.host}/okd/release:${name}`, "accepted payload");
        });
        const ocMirrorStub = () =>
            stub(
                bin,
                "oc",
                `for a in "$@"; do case "$a" in --from=*) from="\${a#--from=}" ;; --to-release-image=*) to="\${a#--to-release-image=}" ;; esac; done
skopeo copy --quiet --all --src-tls-verify=false --dest-tls-verify=false "docker://$from" "docker://$to"`,
            );
        const env = () => ({
            NAME: name,
            DIGEST: digest,
            SOURCE_REPO: `${site.host}/okd/release`,
            SOURCE_TLS_VERIFY: "false",
            TARGETS: `${quay.host}/openshift/okd ${quay.host}/openshift/okd-content false\n${site.host}/okd/promoted ${site.host}/okd/promoted-content false\n`,
            PROMOTION_FILE: path.join(dir, "promotion.json"),
        });

        it("mirrors to every target keeping the digest, and copies nothing on a second run", async () => {
            ocMirrorStub();
            const first = runScript("mirror-release.sh", env(), bin);
            assert.equal(first.status, 0, first.stderr);
            assert.deepEqual(
                // The merged auth file lives in the script's temp dir.
                calls(bin, "oc").map((c) =>
                    c.args.map((a) =>
                        /^--registry-config=\/.*\/auth\.json$/.test(a) ? "--registry-config=<merged>" : a,
                    ),
                ),
                [
                    [
                        "adm",
                        "release",
                        "mirror",
                        "--keep-manifest-list=true",
                        "--registry-config=<merged>",
                        "--insecure=true",
                        `--from=${site.host}/okd/release@${digest}`,
                        `--to=${quay.host}/openshift/okd-content`,
                        `--to-release-image=${quay.host}/openshift/okd:${name}`,
                    ],
                    [
                        "adm",
                        "release",
                        "mirror",
                        "--keep-manifest-list=true",
                        "--registry-config=<merged>",
                        "--insecure=true",
                        `--from=${site.host}/okd/release@${digest}`,
                        `--to=${site.host}/okd/promoted-content`,
                        `--to-release-image=${site.host}/okd/promoted:${name}`,
                    ],
                ],
            );
            assert.equal(await registryDigest(quay.host, "openshift/okd", name), digest);
            assert.equal(digestOf(`${site.host}/okd/promoted:${name}`), digest);
            assert.deepEqual(
                JSON.parse(fs.readFileSync(path.join(dir, "promotion.json"), "utf8")).map(
                    (p: { copied: boolean }) => p.copied,
                ),
                [true, true],
            );

            const second = runScript("mirror-release.sh", env(), bin);
            assert.equal(second.status, 0, second.stderr);
            assert.equal(calls(bin, "oc").length, 2, "the second run must not mirror again");
            assert.match(second.stdout, /already holds sha256:[0-9a-f]{64}; nothing to copy/);
            assert.deepEqual(
                JSON.parse(fs.readFileSync(path.join(dir, "promotion.json"), "utf8")).map(
                    (p: { release: string; copied: boolean }) => [p.release, p.copied],
                ),
                [
                    [`${quay.host}/openshift/okd:${name}@${digest}`, false],
                    [`${site.host}/okd/promoted:${name}@${digest}`, false],
                ],
            );
        });

        it("fails naming the Secret when the mirror credentials are missing", () => {
            ocMirrorStub();
            const r = runScript(
                "mirror-release.sh",
                {
                    ...env(),
                    MIRROR_AUTH_FILE: path.join(dir, "missing", ".dockerconfigjson"),
                    MIRROR_SECRET: "okd-mirror-credentials",
                },
                bin,
            );
            assert.equal(r.status, 1);
            assert.match(
                r.stderr,
                /credentials file .*missing\/\.dockerconfigjson is missing or empty; is the Secret okd-mirror-credentials/,
            );
            assert.deepEqual(calls(bin, "oc"), []);
        });
    });

    describe("upload-logs.sh", () => {
        it("uploads logs and JUnit but never the kubeconfig, the password or the install config", () => {
            const ws = path.join(dir, "ws");
            const gate = path.join(ws, "aws");
            fs.mkdirSync(path.join(gate, "artifacts", "junit"), { recursive: true });
            fs.mkdirSync(path.join(gate, "install", "auth"), { recursive: true });
            fs.writeFileSync(path.join(gate, "artifacts", "junit", "junit_e2e.xml"), "<testsuite/>");
            fs.writeFileSync(
                path.join(gate, "artifacts", "install-attempt-1.log"),
                'level=info msg="Login to the console with user: \\"kubeadmin\\", and password: \\"XyZ-secret\\""\n',
            );
            fs.writeFileSync(path.join(gate, "install", "metadata.json"), '{"infraID":"okd-abc"}');
            fs.writeFileSync(path.join(gate, "install", "auth", "kubeadmin-password"), "XyZ-secret");
            fs.writeFileSync(path.join(gate, "install", "auth", "kubeconfig"), "secret");
            fs.writeFileSync(path.join(gate, "install", "install-config.yaml"), "pullSecret: secret");
            fs.writeFileSync(path.join(ws, "pull-secret.json"), "secret");
            const bucket = path.join(dir, "bucket");
            const r = runScript("upload-logs.sh", {
                E2E_DIR: ws,
                ARTIFACTS_BUCKET: bucket,
                LOGS_PREFIX: "logs/4.15/4.15.0-0.okd-2025-01-02-020000/",
                RCLONE_CONFIG_ARTIFACTS_TYPE: "local",
            });
            assert.equal(r.status, 0, r.stderr);
            const base = path.join(bucket, "logs", "4.15", "4.15.0-0.okd-2025-01-02-020000");
            const files = fs.readdirSync(base, { recursive: true }).map(String).sort();
            assert.deepEqual(files, [
                "aws",
                "aws/install-attempt-1.log",
                "aws/junit",
                "aws/junit/junit_e2e.xml",
                "aws/metadata.json",
            ]);
            const log = fs.readFileSync(path.join(base, "aws", "install-attempt-1.log"), "utf8");
            assert.ok(!log.includes("XyZ-secret"), log);
            assert.match(log, /password: \[redacted\]/);
        });
    });
});
