import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import {
    type Registry,
    digestOf,
    pushImage,
    pushTinyImage,
    registryDigest,
    requireTool,
    runScript,
    startRegistry,
    tempDir,
} from "./harness";
import {
    type Payload,
    buildPayload,
    imageReferences,
    imagesManifest,
    okdPayloadSpec,
    operatorManifest,
    osImage,
    scosImage,
    scosPayloadSpec,
    referencesOf,
    releaseInfo,
    releaseManifests,
} from "./payload";
import { buildStatus } from "../../components/pipelines/status/model";
import { readTree } from "../../components/pipelines/status/records";

/**
 * Assembly and promotion with the real `oc adm release new|info|mirror` (openshift/oc ae1bd9e4a75b, built by
 * scripts/ensure-test-tools.sh), real skopeo and two Debian docker-registry instances on 127.0.0.1: "quay" holds the
 * base payload (built once for this file, see payload.ts) and the public promotion targets, "site" the nightly
 * repositories and the durable promoted ones.
 */
describe("assembly and promotion scripts", () => {
    let site: Registry;
    let quay: Registry;
    let base: Payload;
    let dir: string;

    const run = "okd-nightly-4-15-run1";
    const osVersion = "41.20250105.3";

    before(async function () {
        this.timeout(120_000);
        requireTool("oc");
        requireTool("skopeo");
        requireTool("jq");
        requireTool("rclone");
        [site, quay] = await Promise.all([startRegistry(), startRegistry()]);
        base = buildPayload(okdPayloadSpec(quay.host));
    });
    after(async () => Promise.all([site.stop(), quay.stop()]));
    beforeEach(() => (dir = tempDir("release")));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const out = (f: string) => path.join(dir, f);

    /** This run's machine-os image (labels as fcos-base.sh writes them unless given) and one rebuilt operator. */
    const pushRunImages = (osLabels?: Record<string, string>) => {
        const os = osImage(osVersion, "Fedora CoreOS", "99-okd-worker-disable-mitigations");
        const osDigest = pushImage(`${site.host}/okd/machine-os:${run}`, {
            files: os.files,
            labels: osLabels ?? os.labels,
        });
        const keysDigest = pushImage(`${site.host}/okd/components:cluster-update-keys-${run}`, {
            files: {
                "manifests/0000_90_cluster-update-keys_00_images.yaml": operatorManifest(
                    "cluster-update-keys",
                    "quay.io/example/tests:latest",
                ),
                "manifests/image-references": imageReferences(["tests"]),
                "usr/share/keys": "rebuilt keys\n",
            },
            labels: {
                "io.openshift.release.operator": "true",
                "io.openshift.build.commit.id": "c0ffee",
                "io.openshift.build.source-location": "https://github.com/openshift/cluster-update-keys",
            },
        });
        return { osDigest, keysDigest };
    };

    /** What a component build reports (build-image.sh's BUILT result), as the nightly hands it to assembly. */
    const built = (component: string, digest: string, commit = "c0ffee") =>
        JSON.stringify({
            component,
            image: `${site.host}/okd/components@${digest}`,
            source: `https://github.com/openshift/${component}`,
            commit,
        });

    const assembleEnv = (osDigest: string) => ({
        MINOR: "4.15",
        NAME_STREAM: "okd",
        BASE_PAYLOAD: base.pullSpec,
        RELEASE_REPO: `${site.host}/okd/release`,
        CONTENT_REPO: `${site.host}/okd/content`,
        COMPONENTS_REPO: `${site.host}/okd/components`,
        COMPONENTS: "cluster-update-keys",
        // The FCOS node tags, both this run's machine-os by digest (as the nightly passes them).
        NODE_IMAGES: [
            `fedora-coreos=${site.host}/okd/machine-os@${osDigest}`,
            `machine-os-content=${site.host}/okd/machine-os@${osDigest}`,
        ].join("\n"),
        PREVIOUS_FILE: out("previous"),
        TLS_VERIFY: "false",
        OUT_FILE: out("release.json"),
        RESULT_NAME: out("name"),
        RESULT_PULLSPEC: out("pullspec"),
        RESULT_IMAGE_URL: out("url"),
        RESULT_IMAGE_DIGEST: out("digest"),
        RESULT_TESTS_IMAGE: out("tests"),
    });

    describe("assemble-release.sh", () => {
        it("assembles the base payload with machine-os and each rebuilt component by digest, all in the content repository", async () => {
            const { osDigest, keysDigest } = pushRunImages();
            fs.writeFileSync(out("previous"), "4.15.0-0.okd-2025-01-01-020000,4.14.0-0.okd-2024-12-15-020000");
            const r = runScript("assemble-release.sh", assembleEnv(osDigest), undefined, [
                built("cluster-update-keys", keysDigest),
            ]);
            assert.equal(r.status, 0, r.stderr);
            const name = fs.readFileSync(out("name"), "utf8");
            assert.match(name, /^4\.15\.0-0\.okd-\d{4}-\d{2}-\d{2}-\d{6}$/);
            const digest = await registryDigest(site.host, "okd/release", name);
            assert.equal(fs.readFileSync(out("digest"), "utf8"), digest);
            assert.equal(fs.readFileSync(out("url"), "utf8"), `${site.host}/okd/release`);

            const info = releaseInfo(`${site.host}/okd/release@${digest}`);
            assert.equal(info.metadata.version, name);
            assert.deepEqual(info.metadata.previous, [
                "4.14.0-0.okd-2024-12-15-020000",
                "4.15.0-0.okd-2025-01-01-020000",
            ]);
            const content = `${site.host}/okd/content`;
            // Every tag of the base payload, by digest, mirrored into the content repository; the overrides win.
            const expected = Object.fromEntries(
                Object.entries(base.components).map(([tag, d]) => [tag, `${content}@${d}`]),
            );
            expected["fedora-coreos"] = `${content}@${osDigest}`;
            expected["machine-os-content"] = `${content}@${osDigest}`;
            expected["cluster-update-keys"] = `${content}@${keysDigest}`;
            assert.deepEqual(referencesOf(info), expected);
            assert.deepEqual(info.displayVersions, {
                kubernetes: { Version: "1.28.7", DisplayName: "" },
                "machine-os": { Version: osVersion, DisplayName: "Fedora CoreOS" },
            });
            assert.equal(fs.readFileSync(out("tests"), "utf8"), `${content}@${base.components.tests}`);

            // Operator manifests name their images where the payload has them.
            const manifests = releaseManifests(`${site.host}/okd/release@${digest}`);
            const keys = Object.entries(manifests).filter(([f]) =>
                f.startsWith("0000_90_cluster-update-keys_00_images"),
            );
            assert.ok(keys.length > 0, Object.keys(manifests).join(" "));
            for (const [file, text] of keys) {
                assert.match(text, new RegExp(`tests: ${content}@${base.components.tests}`), file);
            }
            assert.ok(
                Object.keys(manifests).some((f) => f.includes("99-okd-worker-disable-mitigations")),
                "the machine-os image's manifests are in the payload",
            );

            const recorded = JSON.parse(fs.readFileSync(out("release.json"), "utf8"));
            assert.equal(recorded.digest, digest);
            assert.equal(recorded.basePayload, base.pullSpec);
            assert.deepEqual(recorded.sources["cluster-update-keys"], {
                image: `${site.host}/okd/components@${keysDigest}`,
                source: "https://github.com/openshift/cluster-update-keys",
                commit: "c0ffee",
            });
            assert.deepEqual(recorded.sources["fedora-coreos"], { image: `${site.host}/okd/machine-os@${osDigest}` });
            assert.deepEqual(recorded.sources["machine-os-content"], recorded.sources["fedora-coreos"]);
            assert.deepEqual(recorded.previous, ["4.15.0-0.okd-2025-01-01-020000", "4.14.0-0.okd-2024-12-15-020000"]);
        });

        it("takes the machine-os image labelled by fcos-base.sh (a four-part FCOS version is not semver)", () => {
            // A stand-in for quay.io/fedora/fedora-coreos:stable: only its labels are read.
            const fcosDigest = pushTinyImage(`${site.host}/fedora/fedora-coreos:stable`, "fcos", {
                version: `${osVersion}.0`,
            });
            const fcos = path.join(dir, "fcos");
            const inputs = runScript("fcos-base.sh", {
                FCOS_STREAM: "stable",
                FCOS_REPOSITORY: `${site.host}/fedora/fedora-coreos`,
                BASE_PAYLOAD: base.pullSpec,
                OUT_DIR: fcos,
                TLS_VERIFY: "false",
            });
            assert.equal(inputs.status, 0, inputs.stderr);
            const labels = Object.fromEntries(
                fs
                    .readFileSync(path.join(fcos, "labels"), "utf8")
                    .split("\n")
                    .filter((l) => l !== "")
                    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
            );
            const { osDigest, keysDigest } = pushRunImages(labels);
            const r = runScript("assemble-release.sh", assembleEnv(osDigest), undefined, [
                built("cluster-update-keys", keysDigest),
            ]);
            assert.equal(r.status, 0, r.stderr);
            const info = releaseInfo(`${site.host}/okd/release@${fs.readFileSync(out("digest"), "utf8")}`);
            assert.deepEqual(info.displayVersions?.["machine-os"], {
                Version: osVersion,
                DisplayName: "Fedora CoreOS",
            });
            assert.match(
                fs.readFileSync(path.join(fcos, "build-args"), "utf8"),
                new RegExp(`^FCOS_IMAGE=${site.host}/fedora/fedora-coreos@${fcosDigest}\nCRIO_MINOR=1\\.28\n$`),
            );
        });

        it("fails naming a node image of the base payload that machine-os does not replace", () => {
            const { osDigest, keysDigest } = pushRunImages();
            const r = runScript(
                "assemble-release.sh",
                { ...assembleEnv(osDigest), NODE_IMAGES: `fedora-coreos=${site.host}/okd/machine-os@${osDigest}` },
                undefined,
                [built("cluster-update-keys", keysDigest)],
            );
            assert.equal(r.status, 1);
            assert.match(
                r.stderr,
                /still carries the base payload's node image at:\s+machine-os-content \(machine-os=39\.20240210\.3\)/,
            );
        });

        it("refuses a node image that is not pinned by digest", () => {
            const { osDigest } = pushRunImages();
            const r = runScript("assemble-release.sh", {
                ...assembleEnv(osDigest),
                NODE_IMAGES: `fedora-coreos=${site.host}/okd/machine-os:${run}`,
            });
            assert.equal(r.status, 2);
            assert.match(r.stderr, /NODE_IMAGES line 'fedora-coreos=.*' is not <tag>=<repository>@sha256:<digest>/);
        });

        it("fails naming the component no build reported", () => {
            const { osDigest } = pushRunImages();
            const r = runScript("assemble-release.sh", assembleEnv(osDigest));
            assert.equal(r.status, 1);
            assert.match(r.stderr, /no build reported cluster-update-keys; did its build succeed\?/);
        });

        it("uses the digest the build reported when the tag moved before assembly, and never the image's labels (issue 15 path 4)", async () => {
            const { osDigest, keysDigest } = pushRunImages();
            // Between build and assembly, anyone with push rights on the components repository swaps the tag, with
            // labels claiming the upstream commit.
            const swapped = pushImage(`${site.host}/okd/components:cluster-update-keys-${run}`, {
                files: { "usr/share/keys": "attacker keys\n" },
                labels: {
                    "io.openshift.release.operator": "true",
                    "io.openshift.build.commit.id": "c0ffee",
                    "io.openshift.build.source-location": "https://github.com/openshift/cluster-update-keys",
                },
            });
            assert.notEqual(swapped, keysDigest);
            const commit = "0123456789abcdef0123456789abcdef01234567";
            const r = runScript("assemble-release.sh", assembleEnv(osDigest), undefined, [
                built("cluster-update-keys", keysDigest, commit),
            ]);
            assert.equal(r.status, 0, r.stderr);
            const digest = fs.readFileSync(out("digest"), "utf8");
            const refs = referencesOf(releaseInfo(`${site.host}/okd/release@${digest}`));
            assert.equal(refs["cluster-update-keys"], `${site.host}/okd/content@${keysDigest}`);
            const recorded = JSON.parse(fs.readFileSync(out("release.json"), "utf8"));
            assert.equal(
                recorded.sources["cluster-update-keys"].commit,
                commit,
                "the commit is the build's, not a label",
            );
        });

        it("builds the release image on a rebuilt cluster-version-operator, not on the base payload's", () => {
            // The release image is the CVO image plus the release-manifests layer: with --from-release, oc takes as
            // its base the image whose digest the base payload's io.openshift.release.base-image-digest label names
            // (the base payload's CVO) unless --to-image-base says otherwise, even when the CVO tag is overridden
            // (openshift/oc pkg/cli/admin/release/new.go, the --from-release branch, @ae1bd9e4a75b).
            const { osDigest } = pushRunImages();
            const cvoDigest = pushImage(`${site.host}/okd/components:cluster-version-operator-${run}`, {
                files: {
                    "manifests/0000_00_cluster-version-operator_00_namespace.yaml":
                        "apiVersion: v1\nkind: Namespace\nmetadata: {name: openshift-cluster-version}\n",
                    "manifests/image-references": imageReferences(["cluster-version-operator", ...base.spec.images]),
                    "usr/share/cluster-version-operator": "rebuilt cluster-version-operator\n",
                },
                labels: { "io.openshift.release.operator": "true" },
            });
            const r = runScript(
                "assemble-release.sh",
                { ...assembleEnv(osDigest), COMPONENTS: "cluster-version-operator" },
                undefined,
                [built("cluster-version-operator", cvoDigest)],
            );
            assert.equal(r.status, 0, r.stderr);
            const info = releaseInfo(`${site.host}/okd/release@${fs.readFileSync(out("digest"), "utf8")}`);
            assert.equal(referencesOf(info)["cluster-version-operator"], `${site.host}/okd/content@${cvoDigest}`);
            assert.equal(
                info.config.config.Labels?.["io.openshift.release.base-image-digest"],
                cvoDigest,
                "the payload runs the rebuilt CVO",
            );
        });

        it("keeps the base payload's image for a component whose build failed and records the fallback (build-report.sh, release-record.sh)", () => {
            const { osDigest, keysDigest } = pushRunImages();
            // Each build TaskRun's last step, as Tekton runs it: the exit codes of clone, substitute-builder and
            // build (onError: continue) in files, BUILT written by build-image.sh only when the build pushed.
            const report = (component: string, codes: number[], builtJson?: string) => {
                const d = path.join(dir, `report-${component}`);
                fs.mkdirSync(d);
                const steps = ["clone", "substitute-builder", "build"];
                steps.forEach((step, i) => fs.writeFileSync(path.join(d, step), String(codes[i])));
                if (builtJson) fs.writeFileSync(path.join(d, "BUILT"), builtJson);
                const r = runScript("build-report.sh", {
                    COMPONENT: component,
                    STEP_EXIT_FILES: steps.map((step) => `${step}=${path.join(d, step)}`).join("\n"),
                    TASK_RUN: `${run}-build-components-1-${component}`,
                    RESULT_BUILT: path.join(d, "BUILT"),
                });
                assert.equal(r.status, 0, r.stderr);
                return fs.readFileSync(path.join(d, "BUILT"), "utf8");
            };
            const keys = report("cluster-update-keys", [0, 0, 0], built("cluster-update-keys", keysDigest));
            assert.equal(keys, built("cluster-update-keys", keysDigest), "a successful build's report is kept");
            const installer = report("installer", [0, 0, 1]);
            assert.deepEqual(JSON.parse(installer), {
                component: "installer",
                failed: "build exited 1",
                taskRun: `${run}-build-components-1-installer`,
            });

            const r = runScript(
                "assemble-release.sh",
                { ...assembleEnv(osDigest), COMPONENTS: "cluster-update-keys installer" },
                undefined,
                [keys, installer],
            );
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stderr, /the installer build failed \(build exited 1\); keeping the base payload's image/);
            const digest = fs.readFileSync(out("digest"), "utf8");
            const refs = referencesOf(releaseInfo(`${site.host}/okd/release@${digest}`));
            const content = `${site.host}/okd/content`;
            assert.equal(refs.installer, `${content}@${base.components.installer}`, "the base payload's installer");
            assert.equal(refs["cluster-update-keys"], `${content}@${keysDigest}`, "the rebuilt component");

            const release = JSON.parse(fs.readFileSync(out("release.json"), "utf8"));
            const fallback = {
                component: "installer",
                reason: "build exited 1",
                taskRun: `${run}-build-components-1-installer`,
                image: `${content}@${base.components.installer}`,
            };
            assert.deepEqual(release.fallbacks, [fallback]);
            assert.equal(release.sources.installer, undefined, "a fallback is never recorded as built by this run");

            // The record release-record.sh creates from it, and what the status page makes of that record.
            const bucket = path.join(dir, "bucket");
            fs.mkdirSync(bucket);
            const created = runScript("release-record.sh", {
                RCLONE_CONFIG_ARTIFACTS_TYPE: "local",
                ARTIFACTS_BUCKET: bucket,
                MINOR: "4.15",
                RECORD_ACTION: "create",
                RELEASE_FILE: out("release.json"),
                PIPELINE_RUN: run,
            });
            assert.equal(created.status, 0, created.stderr);
            const name = fs.readFileSync(out("name"), "utf8");
            const record = JSON.parse(fs.readFileSync(path.join(bucket, "releases", "4.15", `${name}.json`), "utf8"));
            assert.deepEqual(record.fallbacks, [fallback]);
            const status = buildStatus(readTree(bucket), { now: new Date(), limit: 10 });
            const payload = status.streams[0].payloads[0];
            assert.deepEqual(payload.fallbacks, [
                { component: "installer", reason: "build exited 1", image: fallback.image },
            ]);
            assert.deepEqual(
                payload.sources.map((x) => x.component),
                ["cluster-update-keys", "fedora-coreos", "machine-os-content"],
            );
        });

        it("fails when a build reports nothing although every step succeeded, and when a failed component has no base image", () => {
            const d = path.join(dir, "report");
            fs.mkdirSync(d);
            fs.writeFileSync(path.join(d, "clone"), "0");
            const silent = runScript("build-report.sh", {
                COMPONENT: "installer",
                STEP_EXIT_FILES: `clone=${path.join(d, "clone")}`,
                RESULT_BUILT: path.join(d, "BUILT"),
            });
            assert.equal(silent.status, 1);
            assert.match(silent.stderr, /every step of installer succeeded but the build reported nothing/);
            // A step with no exit code file did not run to its end: that is a failure, never a success.
            const unfinished = runScript("build-report.sh", {
                COMPONENT: "installer",
                STEP_EXIT_FILES: `clone=${path.join(d, "clone")}\nbuild=${path.join(d, "missing")}`,
                RESULT_BUILT: path.join(d, "BUILT"),
            });
            assert.equal(unfinished.status, 0, unfinished.stderr);
            assert.equal(
                JSON.parse(fs.readFileSync(path.join(d, "BUILT"), "utf8")).failed,
                "build reported no exit code",
            );

            const { osDigest, keysDigest } = pushRunImages();
            const r = runScript(
                "assemble-release.sh",
                { ...assembleEnv(osDigest), COMPONENTS: "cluster-update-keys brand-new" },
                undefined,
                [
                    built("cluster-update-keys", keysDigest),
                    JSON.stringify({ component: "brand-new", failed: "clone exited 128" }),
                ],
            );
            assert.equal(r.status, 1);
            assert.match(r.stderr, /the build of brand-new failed and the base payload .* has no such tag to keep/);
        });

        it("refuses a build report naming an image outside the components repository, an unknown component or a duplicate", () => {
            const { osDigest, keysDigest } = pushRunImages();
            const elsewhere = pushTinyImage(`${site.host}/attacker/keys:1`, "keys");
            const cases: [string[], RegExp][] = [
                [
                    [
                        JSON.stringify({
                            component: "cluster-update-keys",
                            image: `${site.host}/attacker/keys@${elsewhere}`,
                        }),
                    ],
                    /reported '.*attacker\/keys@sha256:[a-f0-9]{64}', not .*okd\/components@sha256:<digest>/,
                ],
                [[built("installer", keysDigest)], /reported component 'installer', which this run does not build/],
                [
                    [built("cluster-update-keys", keysDigest), built("cluster-update-keys", keysDigest)],
                    /two builds reported component cluster-update-keys/,
                ],
                [["not json"], /a build reported 'not json'/],
            ];
            for (const [args, message] of cases) {
                const r = runScript("assemble-release.sh", assembleEnv(osDigest), undefined, args);
                assert.notEqual(r.status, 0, args.join(" "));
                assert.match(r.stderr, message);
            }
        });
    });

    /**
     * An OKD/SCOS nightly of 4.16, the minor OKD/FCOS 4.15 clusters pivot to: the base payload is an SCOS-shaped
     * quay.io/okd/scos-release stand-in (payload.ts), the node images are stand-ins for quay.io/okd/centos-stream-coreos-9
     * and its extensions at a newer SCOS build, the rebuilt MCO names them as an MCO built with TAGS=scos does, and
     * the upgrade edge from the newest promoted 4.15 (OKD/FCOS) release comes from release-record.sh.
     */
    describe("an OKD/SCOS nightly (stream-coreos.sh, release-record.sh previous, assemble-release.sh)", () => {
        let scos: Payload;
        const scosVersion = "416.9.202409040013-0";
        const scosRun = "okd-nightly-4-16-run1";
        const nodeTag = () => `${quay.host}/okd/centos-stream-coreos-9:4.16-x86_64`;
        const extensionsTag = () => `${quay.host}/okd/centos-stream-coreos-9-extensions:4.16-x86_64`;
        let nodeDigest: string;
        let extensionsDigest: string;
        let mcoDigest: string;

        before(function () {
            this.timeout(120_000);
            scos = buildPayload(scosPayloadSpec(quay.host));
            const node = scosImage(scosVersion);
            nodeDigest = pushImage(nodeTag(), { files: node.files, labels: node.labels });
            extensionsDigest = pushImage(extensionsTag(), {
                files: { "usr/share/rpm-ostree/extensions.json": "[]\n" },
            });
            // This run's MCO, built with TAGS=scos: its image-references name stream-coreos and its extensions.
            mcoDigest = pushImage(`${site.host}/okd/components:machine-config-operator-${scosRun}`, {
                files: {
                    "manifests/0000_80_machine-config-operator_05_osimageurl.yaml": imagesManifest(
                        "machine-config-operator",
                        ["stream-coreos", "stream-coreos-extensions"],
                    ),
                    "manifests/image-references": imageReferences(["stream-coreos", "stream-coreos-extensions"]),
                },
                labels: {
                    "io.openshift.release.operator": "true",
                    "io.openshift.build.commit.id": "5c05",
                    "io.openshift.build.source-location": "https://github.com/openshift/machine-config-operator",
                },
            });
        });

        const resolve = (env: Record<string, string> = {}) =>
            runScript("stream-coreos.sh", {
                NODE_IMAGE: nodeTag(),
                NODE_TAGS: "stream-coreos",
                EXTENSIONS_IMAGE: extensionsTag(),
                EXTENSIONS_TAGS: "stream-coreos-extensions",
                TLS_VERIFY: "false",
                RESULT_NODE_IMAGES: out("node-images"),
                RESULT_VERSION: out("version"),
                ...env,
            });

        /** The records of a site that promoted a 4.15 (OKD/FCOS) release, through release-record.sh itself. */
        const recordPromoted415 = (bucket: string, name: string) => {
            const env = { RCLONE_CONFIG_ARTIFACTS_TYPE: "local", ARTIFACTS_BUCKET: bucket, MINOR: "4.15" };
            const file = out("415.json");
            fs.writeFileSync(
                file,
                JSON.stringify({
                    name,
                    pullSpec: "r",
                    digest: "sha256:1",
                    basePayload: "b",
                    sources: {},
                    previous: [],
                }),
            );
            fs.writeFileSync(out("gates.json"), "[]");
            fs.writeFileSync(out("promotion.json"), "[]");
            const steps: Record<string, string>[] = [
                { RECORD_ACTION: "create", RELEASE_FILE: file, PIPELINE_RUN: "r" },
                { RECORD_ACTION: "verdict", NAME: name, VERDICT: "accepted", GATES_FILE: out("gates.json") },
                { RECORD_ACTION: "promote", NAME: name, DIGEST: "sha256:1", PROMOTION_FILE: out("promotion.json") },
            ];
            for (const step of steps) {
                const r = runScript("release-record.sh", { ...env, ...step });
                assert.equal(r.status, 0, r.stderr);
            }
        };

        it("resolves the pinned node images to digests, with the version oc will show", () => {
            const r = resolve();
            assert.equal(r.status, 0, r.stderr);
            assert.equal(
                fs.readFileSync(out("node-images"), "utf8"),
                `stream-coreos=${quay.host}/okd/centos-stream-coreos-9@${nodeDigest} ${nodeTag()}\n` +
                    `stream-coreos-extensions=${quay.host}/okd/centos-stream-coreos-9-extensions@${extensionsDigest} ${extensionsTag()}\n`,
            );
            assert.equal(fs.readFileSync(out("version"), "utf8"), scosVersion);
        });

        it("assembles 4.16.0-0.okd-scos-<time> with the SCOS node images, the okd-scos MCO and the 4.15 → 4.16 edge", async () => {
            assert.equal(resolve().status, 0);
            const bucket = path.join(dir, "bucket");
            recordPromoted415(bucket, "4.15.0-0.okd-2025-01-01-020000");
            const previous = runScript("release-record.sh", {
                RCLONE_CONFIG_ARTIFACTS_TYPE: "local",
                ARTIFACTS_BUCKET: bucket,
                MINOR: "4.16",
                RECORD_ACTION: "previous",
                PREVIOUS_MINOR: "4.15",
                OUT_FILE: out("previous"),
            });
            assert.equal(previous.status, 0, previous.stderr);

            const r = runScript(
                "assemble-release.sh",
                {
                    ...assembleEnv(""),
                    MINOR: "4.16",
                    NAME_STREAM: "okd-scos",
                    BASE_PAYLOAD: scos.pullSpec,
                    COMPONENTS: "machine-config-operator",
                    NODE_IMAGES: fs.readFileSync(out("node-images"), "utf8"),
                },
                undefined,
                [built("machine-config-operator", mcoDigest)],
            );
            assert.equal(r.status, 0, r.stderr);
            const name = fs.readFileSync(out("name"), "utf8");
            assert.match(name, /^4\.16\.0-0\.okd-scos-\d{4}-\d{2}-\d{2}-\d{6}$/);
            const digest = await registryDigest(site.host, "okd/release", name);
            const info = releaseInfo(`${site.host}/okd/release@${digest}`);
            assert.equal(info.metadata.version, name);
            assert.deepEqual(info.metadata.previous, ["4.15.0-0.okd-2025-01-01-020000"], "the FCOS → SCOS edge");

            const content = `${site.host}/okd/content`;
            const expected = Object.fromEntries(
                Object.entries(scos.components).map(([tag, d]) => [tag, `${content}@${d}`]),
            );
            expected["stream-coreos"] = `${content}@${nodeDigest}`;
            expected["stream-coreos-extensions"] = `${content}@${extensionsDigest}`;
            expected["machine-config-operator"] = `${content}@${mcoDigest}`;
            assert.deepEqual(referencesOf(info), expected);
            assert.equal(Object.keys(expected).includes("fedora-coreos"), false, "no FCOS tag in an SCOS payload");
            assert.deepEqual(info.displayVersions, {
                kubernetes: { Version: "1.29.6", DisplayName: "" },
                "machine-os": { Version: scosVersion, DisplayName: "CentOS Stream CoreOS" },
            });

            // The MCO's node image references name this run's SCOS images, by digest, in the content repository.
            const manifests = releaseManifests(`${site.host}/okd/release@${digest}`);
            const osImageUrl = Object.entries(manifests).filter(([f]) =>
                f.includes("machine-config-operator_05_osimageurl"),
            );
            assert.ok(osImageUrl.length > 0, Object.keys(manifests).join(" "));
            for (const [file, text] of osImageUrl) {
                assert.match(text, new RegExp(`stream-coreos: "?${content}@${nodeDigest}`), file);
                assert.match(text, new RegExp(`stream-coreos-extensions: "?${content}@${extensionsDigest}`), file);
            }

            const recorded = JSON.parse(fs.readFileSync(out("release.json"), "utf8"));
            assert.deepEqual(recorded.sources["stream-coreos"], {
                image: `${quay.host}/okd/centos-stream-coreos-9@${nodeDigest}`,
                from: nodeTag(),
            });
            assert.deepEqual(recorded.previous, ["4.15.0-0.okd-2025-01-01-020000"]);
        });

        it("promotes the OKD/SCOS nightly to okd/scos-release with every image in okd/scos-content", () => {
            assert.equal(resolve().status, 0);
            const r = runScript("assemble-release.sh", {
                ...assembleEnv(""),
                MINOR: "4.16",
                NAME_STREAM: "okd-scos",
                BASE_PAYLOAD: scos.pullSpec,
                COMPONENTS: "",
                NODE_IMAGES: fs.readFileSync(out("node-images"), "utf8"),
                PREVIOUS_FILE: "",
            });
            assert.equal(r.status, 0, r.stderr);
            const name = fs.readFileSync(out("name"), "utf8");
            const promote = runScript("mirror-release.sh", {
                NAME: name,
                DIGEST: fs.readFileSync(out("digest"), "utf8"),
                SOURCE_REPO: `${site.host}/okd/release`,
                SOURCE_TLS_VERIFY: "false",
                TARGETS: `${quay.host}/okd/scos-release ${quay.host}/okd/scos-content false\n`,
                PROMOTION_FILE: out("promotion.json"),
            });
            assert.equal(promote.status, 0, promote.stderr);
            const info = releaseInfo(`${quay.host}/okd/scos-release:${name}`);
            const refs = referencesOf(info);
            for (const [tag, ref] of Object.entries(refs)) {
                assert.ok(ref.startsWith(`${quay.host}/okd/scos-content@sha256:`), `${tag} is ${ref}`);
            }
            assert.equal(refs["stream-coreos"], `${quay.host}/okd/scos-content@${nodeDigest}`);
            assert.equal(info.displayVersions?.["machine-os"]?.DisplayName, "CentOS Stream CoreOS");
        });

        it("publishes 4.16.0-okd-scos.0, then .1, keeps the name on a re-run, and the next nightly upgrades from it", function () {
            // Two assemblies and two promotions of two targets each with the real oc: about a minute on an idle machine.
            this.timeout(300_000);
            assert.equal(resolve().status, 0);
            const bucket = path.join(dir, "bucket");
            fs.mkdirSync(bucket);
            const record = (env: Record<string, string>) => {
                const r = runScript("release-record.sh", {
                    RCLONE_CONFIG_ARTIFACTS_TYPE: "local",
                    ARTIFACTS_BUCKET: bucket,
                    MINOR: "4.16",
                    ...env,
                });
                assert.equal(r.status, 0, r.stderr);
                return r;
            };
            /** The promotion release-record.sh keeps apart from the record: promoted/ is the promotion identity's. */
            const stored = (name: string) =>
                JSON.parse(fs.readFileSync(path.join(bucket, "promoted", "4.16", `${name}.json`), "utf8"));
            fs.writeFileSync(out("gates.json"), "[]");

            /** A nightly as the nightly Pipeline makes it: edges from the records, assembled, recorded, accepted. */
            const nightly = () => {
                record({ RECORD_ACTION: "previous", PREVIOUS_MINOR: "4.15", OUT_FILE: out("previous") });
                const r = runScript("assemble-release.sh", {
                    ...assembleEnv(""),
                    MINOR: "4.16",
                    NAME_STREAM: "okd-scos",
                    BASE_PAYLOAD: scos.pullSpec,
                    COMPONENTS: "",
                    NODE_IMAGES: fs.readFileSync(out("node-images"), "utf8"),
                });
                assert.equal(r.status, 0, r.stderr);
                const name = fs.readFileSync(out("name"), "utf8");
                record({ RECORD_ACTION: "create", RELEASE_FILE: out("release.json"), PIPELINE_RUN: "r" });
                record({ RECORD_ACTION: "verdict", NAME: name, VERDICT: "accepted", GATES_FILE: out("gates.json") });
                return { name, digest: fs.readFileSync(out("digest"), "utf8") };
            };
            // Not okd/scos-release: there the base payload is OKD's own 4.16.0-okd-scos.1, which a site counting from
            // its own records would collide with (mirror-release.sh refuses to overwrite it).
            const release = `${quay.host}/example/scos-release`;
            const promoted = `${site.host}/okd/scos-promoted`;
            /** The promote task's steps after verification: name, mirror, record. */
            const promote = (n: { name: string; digest: string }) => {
                record({ RECORD_ACTION: "name", NAME: n.name, DIGEST: n.digest, OUT_FILE: out("published") });
                const mirror = runScript("mirror-release.sh", {
                    NAME: n.name,
                    DIGEST: n.digest,
                    SOURCE_REPO: `${site.host}/okd/release`,
                    SOURCE_TLS_VERIFY: "false",
                    TARGETS: `${release} ${release}-content false\n${promoted} ${promoted}-content false\n`,
                    PUBLISHED_NAME_FILE: out("published"),
                    PROMOTION_FILE: out("promotion.json"),
                });
                assert.equal(mirror.status, 0, mirror.stderr);
                record({
                    RECORD_ACTION: "promote",
                    NAME: n.name,
                    DIGEST: n.digest,
                    PROMOTION_FILE: out("promotion.json"),
                });
                return { published: fs.readFileSync(out("published"), "utf8"), mirror };
            };
            const tags = (repo: string) =>
                JSON.parse(
                    execFileSync("skopeo", ["list-tags", "--tls-verify=false", `docker://${repo}`], {
                        encoding: "utf8",
                    }),
                ).Tags as string[];

            const first = nightly();
            const p1 = promote(first);
            assert.equal(p1.published, "4.16.0-okd-scos.0");
            for (const repo of [release, promoted]) {
                const info = releaseInfo(`${repo}:4.16.0-okd-scos.0`);
                assert.equal(info.metadata.version, "4.16.0-okd-scos.0", `${repo}: oc shows the published name`);
                assert.equal(
                    info.references.metadata.annotations?.["release.openshift.io/from-release"],
                    `${site.host}/okd/release@${first.digest}`,
                );
            }
            assert.deepEqual(tags(promoted), ["4.16.0-okd-scos.0"], "published under that name alone");
            assert.equal(stored(first.name).promotedName, "4.16.0-okd-scos.0");
            assert.match(
                stored(first.name).promotion.targets[0].release,
                /example\/scos-release:4\.16\.0-okd-scos\.0@sha256:/,
            );

            // The task's retry: same name, nothing copied, the record unchanged but for `verified`.
            const again = promote(first);
            assert.equal(again.published, "4.16.0-okd-scos.0");
            assert.match(
                again.mirror.stdout,
                /scos-release:4\.16\.0-okd-scos\.0 was already made from .*; nothing to copy/,
            );
            assert.deepEqual(tags(promoted), ["4.16.0-okd-scos.0"]);

            // The next nightly upgrades from the release as published, and is published as .1 with that edge kept.
            const second = nightly();
            assert.notEqual(second.name, first.name);
            assert.deepEqual(releaseInfo(`${site.host}/okd/release@${second.digest}`).metadata.previous, [
                "4.16.0-okd-scos.0",
            ]);
            const p2 = promote(second);
            assert.equal(p2.published, "4.16.0-okd-scos.1");
            const info = releaseInfo(`${release}:4.16.0-okd-scos.1`);
            assert.equal(info.metadata.version, "4.16.0-okd-scos.1");
            assert.deepEqual(info.metadata.previous, ["4.16.0-okd-scos.0"], "oc kept the nightly's edges");
            assert.deepEqual(tags(promoted).sort(), ["4.16.0-okd-scos.0", "4.16.0-okd-scos.1"]);
        });

        it("fails naming the base payload's stream-coreos when the node image does not replace it", () => {
            assert.equal(resolve().status, 0);
            const onlyExtensions = fs
                .readFileSync(out("node-images"), "utf8")
                .split("\n")
                .filter((l) => l.startsWith("stream-coreos-extensions="))
                .join("\n");
            const r = runScript("assemble-release.sh", {
                ...assembleEnv(""),
                MINOR: "4.16",
                NAME_STREAM: "okd-scos",
                BASE_PAYLOAD: scos.pullSpec,
                COMPONENTS: "",
                NODE_IMAGES: onlyExtensions,
            });
            assert.equal(r.status, 1);
            assert.match(
                r.stderr,
                /still carries the base payload's node image at:\s+stream-coreos \(machine-os=416\.9\.202406250411-0\)/,
            );
        });

        it("refuses an image that is no bootable OS, and a version label oc would reject", () => {
            const notOs = resolve({ NODE_IMAGE: extensionsTag() });
            assert.equal(notOs.status, 1);
            assert.match(notOs.stderr, /is not a bootable OS image \(no ostree\.bootable or containers\.bootc label\)/);

            const bad = `${quay.host}/okd/centos-stream-coreos-9:bad-version`;
            pushImage(bad, {
                files: {},
                labels: {
                    ...scosImage(scosVersion).labels,
                    "io.openshift.build.versions": "machine-os=41.20250105.3.0",
                },
            });
            const r = resolve({ NODE_IMAGE: bad });
            assert.equal(r.status, 1);
            assert.match(
                r.stderr,
                /'41\.20250105\.3\.0' is not a semantic version, so oc adm release new would refuse the payload/,
            );

            const missing = resolve({ NODE_IMAGE: `${quay.host}/okd/centos-stream-coreos-9:4.99-x86_64` });
            assert.equal(missing.status, 1);
            assert.match(missing.stderr, /cannot read .*4\.99-x86_64/);
        });
    });

    describe("mirror-release.sh", () => {
        let name: string;
        let nightly: string;
        let nightlyImages: Record<string, string>;
        before(function () {
            this.timeout(60_000);
            dir = tempDir("nightly");
            const { osDigest, keysDigest } = pushRunImages();
            const r = runScript("assemble-release.sh", { ...assembleEnv(osDigest), PREVIOUS_FILE: "" }, undefined, [
                built("cluster-update-keys", keysDigest),
            ]);
            assert.equal(r.status, 0, r.stderr);
            name = fs.readFileSync(out("name"), "utf8");
            nightly = fs.readFileSync(out("digest"), "utf8");
            nightlyImages = digestsOf(referencesOf(releaseInfo(`${site.host}/okd/release@${nightly}`)));
            fs.rmSync(dir, { recursive: true, force: true });
        });

        /** tag → digest, whatever repository the reference names. */
        const digestsOf = (refs: Record<string, string>) =>
            Object.fromEntries(Object.entries(refs).map(([t, r]) => [t, r.slice(r.indexOf("@") + 1)]));

        const env = () => ({
            NAME: name,
            DIGEST: nightly,
            SOURCE_REPO: `${site.host}/okd/release`,
            SOURCE_TLS_VERIFY: "false",
            TARGETS: [
                `${quay.host}/openshift/okd ${quay.host}/openshift/okd-content false PUBLIC_`,
                `${site.host}/okd/promoted ${site.host}/okd/promoted-content false PROMOTED_`,
                "",
            ].join("\n"),
            RESULTS_DIR: dir,
            PROMOTION_FILE: out("promotion.json"),
        });

        it("promotes a payload whose every reference is in the target's own content repository", () => {
            const r = runScript("mirror-release.sh", env());
            assert.equal(r.status, 0, r.stderr);
            const promotion = JSON.parse(fs.readFileSync(out("promotion.json"), "utf8"));
            const targets = [
                {
                    release: `${quay.host}/openshift/okd`,
                    content: `${quay.host}/openshift/okd-content`,
                    result: "PUBLIC_",
                },
                {
                    release: `${site.host}/okd/promoted`,
                    content: `${site.host}/okd/promoted-content`,
                    result: "PROMOTED_",
                },
            ];
            assert.equal(promotion.length, 2);
            targets.forEach((t, i) => {
                const digest = digestOf(`${t.release}:${name}`);
                assert.notEqual(digest, nightly, "a payload with other references is another image");
                assert.deepEqual(promotion[i], {
                    release: `${t.release}:${name}@${digest}`,
                    pullSpec: `${t.release}@${digest}`,
                    digest,
                    content: t.content,
                    copied: true,
                });
                assert.equal(fs.readFileSync(out(`${t.result}IMAGE_URL`), "utf8"), t.release);
                assert.equal(fs.readFileSync(out(`${t.result}IMAGE_DIGEST`), "utf8"), digest);

                const info = releaseInfo(`${t.release}@${digest}`);
                assert.equal(info.metadata.version, name, "the nightly's name is kept");
                assert.equal(
                    info.references.metadata.annotations?.["release.openshift.io/from-release"],
                    `${site.host}/okd/release@${nightly}`,
                );
                const refs = referencesOf(info);
                for (const [tag, ref] of Object.entries(refs)) {
                    assert.ok(ref.startsWith(`${t.content}@sha256:`), `${tag} is ${ref}`);
                    // ...and each resolves there: the registry serves it.
                    assert.equal(digestOf(ref), ref.slice(ref.indexOf("@") + 1), ref);
                }
                assert.deepEqual(digestsOf(refs), nightlyImages, "the accepted nightly's images, digest for digest");
                // Nothing in the payload names the nightly's repositories (the quay copy names no site registry at all).
                const nightlyRepos = new RegExp(`${site.host}/okd/(content|release|machine-os|components)`);
                for (const [file, raw] of Object.entries(releaseManifests(`${t.release}@${digest}`))) {
                    // oc records the source in an annotation (how a second run knows its copy); it is never pulled.
                    const text =
                        file === "image-references"
                            ? raw.replace(/"release\.openshift\.io\/from-release": "[^"]*"/, "")
                            : raw;
                    assert.doesNotMatch(text, nightlyRepos, file);
                    if (t.release.startsWith(quay.host)) assert.ok(!text.includes(site.host), file);
                }
            });

            // A second run recognises its own copies (from-release) and copies nothing.
            const second = runScript("mirror-release.sh", env());
            assert.equal(second.status, 0, second.stderr);
            assert.match(second.stdout, /was already made from .*; nothing to copy/);
            const again = JSON.parse(fs.readFileSync(out("promotion.json"), "utf8"));
            assert.deepEqual(
                again.map((p: { digest: string; copied: boolean }) => [p.digest, p.copied]),
                promotion.map((p: { digest: string }) => [p.digest, false]),
            );
        });

        it("refuses to overwrite a target tag that was made from another payload", () => {
            // A payload of that name made from something else (the base payload).
            execFileSync(
                "oc",
                [
                    "adm",
                    "release",
                    "new",
                    "--insecure=true",
                    `--from-release=${base.pullSpec}`,
                    `--name=${name}`,
                    `--to-image=${quay.host}/other/okd:${name}`,
                ],
                { stdio: ["ignore", "ignore", "pipe"] },
            );
            const r = runScript("mirror-release.sh", {
                ...env(),
                TARGETS: `${quay.host}/other/okd ${quay.host}/other/okd-content false`,
            });
            assert.equal(r.status, 1);
            assert.match(
                r.stderr,
                /other\/okd:.* exists but was made from '.*openshift\/okd:4\.15\.0-0\.okd-2024-03-10-010116', not .*; refusing to overwrite a promoted release/,
            );
        });

        it("fails naming the Secret when the mirror credentials are missing", () => {
            const r = runScript("mirror-release.sh", {
                ...env(),
                MIRROR_AUTH_FILE: path.join(dir, "missing", ".dockerconfigjson"),
                MIRROR_SECRET: "okd-mirror-credentials",
            });
            assert.equal(r.status, 1);
            assert.match(
                r.stderr,
                /credentials file .*missing\/\.dockerconfigjson is missing or empty; is the Secret okd-mirror-credentials/,
            );
        });

        // The oc behaviour promotion is designed around: `release mirror` keeps the digest because it rewrites nothing.
        it("(oc) release mirror would keep the nightly's digest and its references to the site registry", () => {
            execFileSync(
                "oc",
                [
                    "adm",
                    "release",
                    "mirror",
                    "--insecure=true",
                    "--keep-manifest-list=true",
                    `--from=${site.host}/okd/release@${nightly}`,
                    `--to=${quay.host}/mirrored/okd-content`,
                    `--to-release-image=${quay.host}/mirrored/okd:${name}`,
                ],
                { stdio: ["ignore", "ignore", "pipe"] },
            );
            assert.equal(digestOf(`${quay.host}/mirrored/okd:${name}`), nightly);
            for (const ref of Object.values(referencesOf(releaseInfo(`${quay.host}/mirrored/okd:${name}`)))) {
                assert.ok(ref.startsWith(`${site.host}/okd/content@`), ref);
            }
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
