/**
 * The release-side Task builders, each called as OkdPipelines and ClusterReaper call it, on a context whose every part
 * is told apart from the others (the records' and the promotion's object-store Secrets, an identity variable, a
 * plain-HTTP registry so `ctx.tlsVerify` is not the literal "true"): what a real run of each step needs, by exact
 * value. The env a step sets is what its script reads (components/pipelines/scripts/*.sh; test/support/step-contract.ts
 * checks that wiring on every rendered object); here, that each value is the right one: which repository, which
 * result path, which file a later step reads, which Secret is mounted (never inlined), which params and results the
 * Pipelines bind, which steps may fail without failing the Task, and how long each may take.
 */
import * as assert from "node:assert/strict";

import { pipelineContext, type PipelineContext } from "../../../components/pipelines/context";
import { defaultImages } from "../../../components/pipelines/images";
import { releasePipeline, releaseTasks } from "../../../components/pipelines/release";
import { loadScript } from "../../../components/pipelines/scripts";
import { assembleTask, ocReleaseResources } from "../../../components/pipelines/tasks/assemble";
import { destroySeconds } from "../../../components/pipelines/tasks/e2e-gate";
import { finalizeTask } from "../../../components/pipelines/tasks/finalize";
import {
    chainsPublicKeyConfigMap,
    chainsPublicKeyFile,
    promoteTask,
    resultPrefixes,
} from "../../../components/pipelines/tasks/promote";
import { chainsWaitSeconds, publishSignaturesTask } from "../../../components/pipelines/tasks/publish-signatures";
import {
    publishStatusStep,
    publishStatusTask,
    rendererEnv,
    rendererVolumeMount,
    statusRendererConfigMap,
    statusRendererVolume,
    statusStreamsJson,
} from "../../../components/pipelines/tasks/publish-status";
import {
    reapDestroyTask,
    reapDestroyTaskName,
    reapRecordTask,
    reapSelectTask,
} from "../../../components/pipelines/tasks/reaper";
import { releaseNotesTask } from "../../../components/pipelines/tasks/release-notes";
import { toolsImagePipelineTaskOf } from "../../../components/pipelines/tasks/tools-image";
import { verdictSteps } from "../../../components/pipelines/tasks/verdict";
import type { Stream } from "../../../components/shared/model";
import { type GateAccess, secretNames } from "../../../components/shared/site";
import { streamSchema } from "../../../src/config/schema";
import { useMocks } from "../../helpers";
import { type Obj, restrictedStep, serialized, stepOf } from "../../support/rendered";
import { fakeKmsRef, fakeSite, sentinel } from "../tekton/fixtures";

const stepNames = (spec: Obj): string[] => (spec.steps as Obj[]).map((s) => s.name);
const tools = "$(params.tools-image)";
const toolsArg = {
    name: "tools-image",
    value: "$(tasks.tools-image.results.IMAGE_URL)@$(tasks.tools-image.results.IMAGE_DIGEST)",
};
const toolsParam = {
    name: "tools-image",
    description:
        "The pipeline tools image (bash, jq, git, skopeo, rclone, oc) by digest: the tools-image task's IMAGE_URL@IMAGE_DIGEST.",
};
const home = { name: "HOME", value: "/tekton/home" };
/** The identity variable every context below carries, to see which Tasks pass the site's identity settings on. */
const identity = { name: "OKD_TEST_IDENTITY", value: "records-and-promote" };

/** The local site (plain HTTP, static object-store keys per role), with an identity variable. */
function localContext(name: string): PipelineContext {
    return { ...pipelineContext(fakeSite(name, "local"), defaultImages), identityEnv: [identity] };
}

const local = {
    host: "registry.okd-site.svc.cluster.local:5000",
    repo: (path: string) => `registry.okd-site.svc.cluster.local:5000/${path}`,
    /** rclone's `artifacts` remote on the local site (context.ts rcloneEnv), and the bucket. */
    storage: [
        { name: "RCLONE_CONFIG_ARTIFACTS_TYPE", value: "s3" },
        { name: "RCLONE_CONFIG_ARTIFACTS_PROVIDER", value: "Other" },
        { name: "RCLONE_CONFIG_ARTIFACTS_ENV_AUTH", value: "true" },
        { name: "RCLONE_CONFIG_ARTIFACTS_NO_CHECK_BUCKET", value: "true" },
        { name: "RCLONE_CONFIG_ARTIFACTS_ENDPOINT", value: "http://objects.okd-site.svc.cluster.local:8333" },
        { name: "RCLONE_CONFIG_ARTIFACTS_FORCE_PATH_STYLE", value: "true" },
        { name: "ARTIFACTS_BUCKET", value: "okd-artifacts" },
    ],
    records: [{ secretRef: { name: "okd-artifacts-records" } }],
    promote: [{ secretRef: { name: "okd-artifacts-promote" } }],
};

/** The local site's registry-auth step (context.ts): the first step of each Task that talks to the registry. */
const localRegistryAuth = {
    name: "registry-auth",
    image: defaultImages.buildah,
    script: loadScript("registry-auth.sh"),
    env: [
        { name: "PLATFORM", value: "local" },
        { name: "REGISTRY_HOST", value: local.host },
        { name: "AUTH_FILE", value: "/workspace/auth/site.json" },
        { name: "FAKE_PULL_AUTH", value: "false" },
        { name: "HOME", value: "/workspace/home" },
    ],
    computeResources: { requests: { cpu: "50m", memory: "128Mi" } },
};

const fcos = (extra: object = {}): Stream =>
    streamSchema.parse({
        minor: "4.15",
        branch: "release-4.15",
        basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
        ...extra,
    });

describe("release Task builders", () => {
    useMocks();

    describe("assemble (okd-assemble-release)", () => {
        let spec: Obj;
        before(async () => {
            const task = assembleTask(localContext("rta"));
            assert.equal(task.name, "okd-assemble-release");
            spec = await serialized(task.spec);
        });

        it("takes the stream, the builds by digest as an array, the node images and the upgrade settings", () => {
            assert.deepEqual(spec.params, [
                toolsParam,
                { name: "minor", description: "The stream, e.g. 4.15." },
                {
                    name: "name-stream",
                    description: "okd or okd-scos: the payload name is <minor>.0-0.<name-stream>-<UTC time>.",
                },
                { name: "base-payload", description: "Payload the stream starts from." },
                { name: "components", description: "Payload tags rebuilt this run, space-separated." },
                {
                    name: "built-images",
                    type: "array",
                    description:
                        'What each component build reported, one JSON object per build: {"component", "image": <repository>@<digest>, "source", "commit"}.',
                    default: [],
                },
                {
                    name: "node-images",
                    description:
                        "The node OS images, one line per payload tag: <tag>=<repository>@<digest>[ <image as configured>].",
                },
                {
                    name: "previous-minor",
                    description: "Minor whose newest promoted release upgrades into this stream; empty for none.",
                    default: "",
                },
                { name: "pipeline-run", description: "Name of the PipelineRun, kept in the record." },
                {
                    name: "upgrade-from",
                    description:
                        "With an upgrade gate, which earlier release it installs: promoted or accepted (release-record.sh previous); empty for none.",
                    default: "",
                },
            ]);
            assert.equal(
                spec.description,
                "Assembles the nightly release payload with oc adm release new and records it (verdict pending).",
            );
        });

        it("gives the payload's name, pullspec, Chains type hints, tests image and upgrade edge as results", () => {
            assert.deepEqual(spec.results, [
                { name: "name", description: "Payload name, e.g. 4.15.0-0.okd-2025-01-01-020000." },
                { name: "pullspec", description: "Payload by tag, <release repo>:<name>." },
                { name: "IMAGE_URL", description: "Release repository of the payload (Tekton Chains type hint)." },
                { name: "IMAGE_DIGEST", description: "Payload digest (Tekton Chains type hint)." },
                { name: "tests-image", description: "The payload's own tests image, for the e2e gates." },
                {
                    name: "upgrade-from",
                    description:
                        "The release the upgrade gate installs, repository@digest, one of the payload's upgrade edges; empty when none.",
                },
                { name: "upgrade-from-name", description: "Its name; empty when none." },
            ]);
        });

        it("gives every step the identity, the records' object store and the stream", () => {
            assert.deepEqual(spec.stepTemplate, {
                env: [identity, ...local.storage, { name: "MINOR", value: "$(params.minor)" }],
                envFrom: local.records,
            });
            assert.deepEqual(stepNames(spec), ["registry-auth", "publish-tools", "previous", "assemble", "record"]);
            assert.deepEqual(stepOf(spec, "registry-auth"), localRegistryAuth);
        });

        it("tags the run's tools image by digest from the build repository into the release repository", () => {
            assert.deepEqual(stepOf(spec, "publish-tools"), {
                name: "publish-tools",
                image: tools,
                script: loadScript("publish-tools-image.sh"),
                env: [
                    { name: "TOOLS_IMAGE", value: "$(params.tools-image)" },
                    { name: "BUILD_REPOSITORY", value: local.repo("components") },
                    { name: "TARGET_REPOSITORY", value: local.repo("release") },
                    { name: "TLS_VERIFY", value: "false" },
                    { name: "REGISTRY_AUTH_FILE", value: "/workspace/auth/site.json" },
                    { name: "LATEST_TAG", value: "pipeline-tools-latest" },
                ],
            });
        });

        it("finds the earlier release to upgrade from in the promoted repository, into the upgrade results", () => {
            assert.deepEqual(stepOf(spec, "previous"), {
                name: "previous",
                image: tools,
                script: loadScript("release-record.sh"),
                env: [
                    { name: "RECORD_ACTION", value: "previous" },
                    { name: "PREVIOUS_MINOR", value: "$(params.previous-minor)" },
                    { name: "UPGRADE_FROM", value: "$(params.upgrade-from)" },
                    { name: "OUT_FILE", value: "/workspace/previous" },
                    { name: "PROMOTED_REPO", value: local.repo("promoted") },
                    { name: "RESULT_UPGRADE_FROM", value: "$(results.upgrade-from.path)" },
                    { name: "RESULT_UPGRADE_FROM_NAME", value: "$(results.upgrade-from-name.path)" },
                ],
            });
        });

        it("runs oc adm release new with the builds as arguments, the previous step's file and every result path", () => {
            assert.deepEqual(stepOf(spec, "assemble"), {
                name: "assemble",
                image: tools,
                script: loadScript("assemble-release.sh"),
                args: ["$(params.built-images[*])"],
                env: [
                    { name: "NAME_STREAM", value: "$(params.name-stream)" },
                    { name: "BASE_PAYLOAD", value: "$(params.base-payload)" },
                    { name: "COMPONENTS", value: "$(params.components)" },
                    { name: "NODE_IMAGES", value: "$(params.node-images)" },
                    { name: "RELEASE_REPO", value: local.repo("release") },
                    { name: "CONTENT_REPO", value: local.repo("content") },
                    { name: "COMPONENTS_REPO", value: local.repo("components") },
                    { name: "TLS_VERIFY", value: "false" },
                    { name: "REGISTRY_AUTH_FILE", value: "/workspace/auth/site.json" },
                    // Written by the previous step, read here: the same file.
                    { name: "PREVIOUS_FILE", value: "/workspace/previous" },
                    { name: "OUT_FILE", value: "/workspace/release.json" },
                    { name: "RESULT_NAME", value: "$(results.name.path)" },
                    { name: "RESULT_PULLSPEC", value: "$(results.pullspec.path)" },
                    { name: "RESULT_IMAGE_URL", value: "$(results.IMAGE_URL.path)" },
                    { name: "RESULT_IMAGE_DIGEST", value: "$(results.IMAGE_DIGEST.path)" },
                    { name: "RESULT_TESTS_IMAGE", value: "$(results.tests-image.path)" },
                ],
                computeResources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
            });
            assert.deepEqual(ocReleaseResources, { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } });
        });

        it("creates the pending record from the file the assemble step wrote, with the run's name", () => {
            assert.deepEqual(stepOf(spec, "record"), {
                name: "record",
                image: tools,
                script: loadScript("release-record.sh"),
                env: [
                    { name: "RECORD_ACTION", value: "create" },
                    { name: "RELEASE_FILE", value: "/workspace/release.json" },
                    { name: "PIPELINE_RUN", value: "$(params.pipeline-run)" },
                ],
            });
        });
    });

    describe("promote (okd-promote-release)", () => {
        const mirror = { release: "quay.io/openshift/okd", content: "quay.io/openshift/okd-content" };
        const attestations = "registry.example/attestations";
        let pem: Obj;
        let kms: Obj;
        before(async () => {
            const task = promoteTask(localContext("rtp"), mirror, { attestationRepository: attestations });
            assert.equal(task.name, "okd-promote-release");
            pem = await serialized(task.spec);
            const gcp = pipelineContext(fakeSite("rtq", "gcp"), defaultImages);
            kms = await serialized(
                promoteTask(gcp, mirror, { attestationRepository: attestations, kmsRef: fakeKmsRef.gcp }).spec,
            );
        });

        it("takes the picked payload by name and digest and returns both promoted copies as Chains type hints", () => {
            assert.deepEqual(pem.params, [
                toolsParam,
                { name: "minor", description: "The stream, e.g. 4.15." },
                { name: "name", description: "Payload name." },
                { name: "digest", description: "Payload digest; must match the record." },
            ]);
            assert.deepEqual(pem.results, [
                { name: "PUBLIC_IMAGE_URL", description: "Release repository on quay.io." },
                { name: "PUBLIC_IMAGE_DIGEST", description: "Digest of the payload on quay.io." },
                { name: "PROMOTED_IMAGE_URL", description: "The site's durable release repository." },
                { name: "PROMOTED_IMAGE_DIGEST", description: "Digest of the site's promoted copy." },
            ]);
            assert.deepEqual(resultPrefixes, { public: "PUBLIC_", promoted: "PROMOTED_" });
            assert.equal(
                pem.description,
                "Re-creates an accepted payload on quay.io and in the site's durable repositories, each referencing only its own content repository, and marks it promoted.",
            );
        });

        it("runs every step restricted, with the promotion's object store and the payload's name and digest", () => {
            assert.deepEqual(pem.stepTemplate, {
                env: [
                    identity,
                    ...local.storage,
                    { name: "MINOR", value: "$(params.minor)" },
                    { name: "NAME", value: "$(params.name)" },
                    { name: "DIGEST", value: "$(params.digest)" },
                ],
                envFrom: local.promote,
                securityContext: restrictedStep,
            });
            assert.deepEqual(stepNames(pem), ["registry-auth", "adopt", "check", "verify", "name", "mirror", "record"]);
            assert.deepEqual(stepOf(pem, "registry-auth"), localRegistryAuth);
        });

        it("mounts the quay.io push credentials from their Secret, optional so the script names it when missing", () => {
            assert.deepEqual(pem.volumes, [
                { name: "mirror-credentials", secret: { secretName: "okd-mirror-credentials", optional: true } },
                { name: "chains-public-key", configMap: { name: "okd-chains-public-key" } },
            ]);
            assert.deepEqual(kms.volumes, [
                { name: "mirror-credentials", secret: { secretName: "okd-mirror-credentials", optional: true } },
            ]);
            assert.equal(secretNames.mirror, "okd-mirror-credentials");
            assert.equal(chainsPublicKeyConfigMap, "okd-chains-public-key");
        });

        it("adopts the old promotions, then re-checks the record before anything else", () => {
            for (const action of ["adopt", "check"]) {
                assert.deepEqual(stepOf(pem, action), {
                    name: action,
                    image: tools,
                    script: loadScript("release-record.sh"),
                    env: [home, { name: "RECORD_ACTION", value: action }],
                });
            }
        });

        it("verifies the assemble TaskRun's attestation of the nightly's digest with the mounted public key", () => {
            assert.deepEqual(stepOf(pem, "verify"), {
                name: "verify",
                image: tools,
                script: loadScript("verify-release.sh"),
                env: [
                    home,
                    { name: "IMAGE", value: `${local.repo("release")}@$(params.digest)` },
                    { name: "ASSEMBLE_TASK", value: "okd-assemble-release" },
                    { name: "PUBLIC_KEY_FILE", value: "/var/run/okd-chains/cosign.pub" },
                    { name: "ATTESTATION_REPOSITORY", value: attestations },
                    { name: "TLS_VERIFY", value: "false" },
                    { name: "REGISTRY_AUTH_FILE", value: "/workspace/auth/site.json" },
                ],
                volumeMounts: [{ name: "chains-public-key", mountPath: "/var/run/okd-chains", readOnly: true }],
            });
            assert.equal(chainsPublicKeyFile, "cosign.pub");
        });

        it("verifies with the KMS key where the site has one, mounting no key file", () => {
            assert.deepEqual(stepOf(kms, "verify").env, [
                home,
                { name: "IMAGE", value: "us-central1-docker.pkg.dev/okd-proj/okd/release@$(params.digest)" },
                { name: "ASSEMBLE_TASK", value: "okd-assemble-release" },
                { name: "KEY_REF", value: fakeKmsRef.gcp },
                { name: "ATTESTATION_REPOSITORY", value: attestations },
                { name: "TLS_VERIFY", value: "true" },
                { name: "REGISTRY_AUTH_FILE", value: "/workspace/auth/site.json" },
            ]);
            assert.equal(stepOf(kms, "verify").volumeMounts, undefined);
        });

        it("claims the published name into the file the mirror step reads", () => {
            assert.deepEqual(stepOf(pem, "name"), {
                name: "name",
                image: tools,
                script: loadScript("release-record.sh"),
                env: [
                    home,
                    { name: "RECORD_ACTION", value: "name" },
                    { name: "OUT_FILE", value: "/workspace/published-name" },
                ],
            });
        });

        it("mirrors to quay.io (always TLS) and to the durable repositories, writing both digests as results", () => {
            assert.deepEqual(stepOf(pem, "mirror"), {
                name: "mirror",
                image: tools,
                script: loadScript("mirror-release.sh"),
                env: [
                    home,
                    { name: "SOURCE_REPO", value: local.repo("release") },
                    { name: "SOURCE_TLS_VERIFY", value: "false" },
                    {
                        name: "TARGETS",
                        value: [
                            "quay.io/openshift/okd quay.io/openshift/okd-content true PUBLIC_",
                            `${local.repo("promoted")} ${local.repo("promoted-content")} false PROMOTED_`,
                        ].join("\n"),
                    },
                    { name: "SITE_AUTH_FILE", value: "/workspace/auth/site.json" },
                    { name: "MIRROR_AUTH_FILE", value: "/var/run/okd-mirror/.dockerconfigjson" },
                    { name: "MIRROR_SECRET", value: "okd-mirror-credentials" },
                    { name: "PUBLISHED_NAME_FILE", value: "/workspace/published-name" },
                    { name: "PROMOTION_FILE", value: "/workspace/promotion.json" },
                    { name: "RESULTS_DIR", value: "/tekton/results" },
                ],
                computeResources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "4Gi" } },
                volumeMounts: [{ name: "mirror-credentials", mountPath: "/var/run/okd-mirror", readOnly: true }],
            });
        });

        it("marks the record promoted from the file the mirror step wrote", () => {
            assert.deepEqual(stepOf(pem, "record"), {
                name: "record",
                image: tools,
                script: loadScript("release-record.sh"),
                env: [
                    home,
                    { name: "RECORD_ACTION", value: "promote" },
                    { name: "PROMOTION_FILE", value: "/workspace/promotion.json" },
                ],
            });
        });
    });

    describe("publish-signatures (okd-publish-signatures)", () => {
        const attestations = "registry.example/attestations";
        let pem: Obj;
        let kms: Obj;
        before(async () => {
            const task = publishSignaturesTask(localContext("rts"), { attestationRepository: attestations });
            assert.equal(task.name, "okd-publish-signatures");
            pem = await serialized(task.spec);
            const aws = pipelineContext(fakeSite("rtt", "aws"), defaultImages);
            kms = await serialized(
                publishSignaturesTask(aws, { attestationRepository: attestations, kmsRef: fakeKmsRef.aws }).spec,
            );
        });

        it("takes the promoted quay.io payload by digest and runs restricted with the identity only", () => {
            assert.deepEqual(pem.params, [
                toolsParam,
                { name: "image", description: "The promoted payload on quay.io, <repository>@sha256:<digest>." },
            ]);
            assert.deepEqual(pem.results, []);
            assert.deepEqual(pem.stepTemplate, { env: [identity], securityContext: restrictedStep });
            assert.deepEqual(stepNames(pem), ["registry-auth", "publish"]);
            assert.deepEqual(stepOf(pem, "registry-auth"), localRegistryAuth);
            assert.equal(
                pem.description,
                "Copies the promoted payload's Tekton Chains signature and SLSA provenance next to it on quay.io with cosign, and verifies them from there alone.",
            );
        });

        it("copies with cosign under the mounted quay.io credentials, verifying with the mounted public key", () => {
            assert.deepEqual(pem.volumes, [
                { name: "mirror-credentials", secret: { secretName: "okd-mirror-credentials", optional: true } },
                { name: "chains-public-key", configMap: { name: "okd-chains-public-key" } },
            ]);
            assert.deepEqual(stepOf(pem, "publish"), {
                name: "publish",
                image: tools,
                script: loadScript("publish-signatures.sh"),
                env: [
                    { name: "IMAGE", value: "$(params.image)" },
                    home,
                    { name: "ATTESTATION_REPOSITORY", value: attestations },
                    { name: "PUBLIC_KEY_FILE", value: "/var/run/okd-chains/cosign.pub" },
                    { name: "TLS_VERIFY", value: "false" },
                    { name: "SITE_AUTH_FILE", value: "/workspace/auth/site.json" },
                    { name: "MIRROR_AUTH_FILE", value: "/var/run/okd-mirror/.dockerconfigjson" },
                    { name: "MIRROR_SECRET", value: "okd-mirror-credentials" },
                    { name: "WAIT_SECONDS", value: "900" },
                ],
                volumeMounts: [
                    { name: "mirror-credentials", mountPath: "/var/run/okd-mirror", readOnly: true },
                    { name: "chains-public-key", mountPath: "/var/run/okd-chains", readOnly: true },
                ],
            });
            assert.equal(chainsWaitSeconds, 900);
        });

        it("verifies with the KMS key where the site has one, with no key volume", () => {
            assert.deepEqual(kms.volumes, [
                { name: "mirror-credentials", secret: { secretName: "okd-mirror-credentials", optional: true } },
            ]);
            const publish = stepOf(kms, "publish");
            assert.deepEqual(
                publish.env.filter((e: Obj) => ["KEY_REF", "PUBLIC_KEY_FILE", "TLS_VERIFY"].includes(e.name)),
                [
                    { name: "KEY_REF", value: fakeKmsRef.aws },
                    { name: "TLS_VERIFY", value: "true" },
                ],
            );
            assert.deepEqual(publish.volumeMounts, [
                { name: "mirror-credentials", mountPath: "/var/run/okd-mirror", readOnly: true },
            ]);
            assert.deepEqual(kms.stepTemplate, { env: [], securityContext: restrictedStep });
        });
    });

    describe("release-notes (okd-release-notes)", () => {
        let spec: Obj;
        before(async () => {
            const task = releaseNotesTask(localContext("rtn"));
            assert.equal(task.name, "okd-release-notes");
            spec = await serialized(task.spec);
        });

        it("takes the promoted payload and writes the notes with the promotion's object store, restricted", () => {
            assert.deepEqual(spec.params, [
                toolsParam,
                { name: "minor", description: "The stream, e.g. 4.15." },
                { name: "name", description: "The promoted payload." },
            ]);
            assert.deepEqual(spec.results, []);
            assert.deepEqual(spec.volumes, [
                { name: "status-renderer", configMap: { name: "okd-status-renderer", optional: true } },
            ]);
            assert.deepEqual(spec.stepTemplate, {
                env: [
                    identity,
                    ...local.storage,
                    { name: "MINOR", value: "$(params.minor)" },
                    { name: "NAME", value: "$(params.name)" },
                ],
                envFrom: local.promote,
                securityContext: restrictedStep,
            });
            assert.equal(
                spec.description,
                "Writes the release notes of a promoted payload (changed components, commit ranges, merged pull requests) to artifact storage.",
            );
        });

        it("runs oc adm release info --changelog on the promoted copies with the renderer mounted", () => {
            assert.deepEqual(stepNames(spec), ["registry-auth", "notes"]);
            assert.deepEqual(stepOf(spec, "registry-auth"), localRegistryAuth);
            assert.deepEqual(stepOf(spec, "notes"), {
                name: "notes",
                image: tools,
                script: loadScript("release-notes.sh"),
                env: [
                    home,
                    { name: "RENDERER", value: "/var/run/okd-status/status.js" },
                    { name: "PROMOTED_REPO", value: local.repo("promoted") },
                    { name: "TLS_VERIFY", value: "false" },
                    { name: "REGISTRY_AUTH_FILE", value: "/workspace/auth/site.json" },
                    { name: "CHANGELOG_TIMEOUT", value: "1200" },
                ],
                volumeMounts: [{ name: "status-renderer", mountPath: "/var/run/okd-status", readOnly: true }],
                computeResources: { requests: { cpu: "500m", memory: "1Gi" } },
            });
        });
    });

    describe("publish-status (okd-publish-status) and its step", () => {
        const streamsJson = '[{"minor":"4.15"}]';
        let spec: Obj;
        before(async () => {
            const task = publishStatusTask(localContext("rtu"), streamsJson);
            assert.equal(task.name, "okd-publish-status");
            spec = await serialized(task.spec);
        });

        it("renders with the bundled renderer from its optional ConfigMap, restricted, with the promotion's store", () => {
            assert.deepEqual(spec.params, [
                toolsParam,
                {
                    name: "throttle",
                    description:
                        "The throttle's state (start-status-render.sh): pushes waiting, shown on the pages; empty: the published site's.",
                    default: "",
                },
            ]);
            assert.deepEqual(spec.results, []);
            assert.deepEqual(spec.volumes, [
                { name: "status-renderer", configMap: { name: "okd-status-renderer", optional: true } },
            ]);
            assert.deepEqual(spec.stepTemplate, {
                env: [identity, ...local.storage, home],
                envFrom: local.promote,
                securityContext: restrictedStep,
            });
            assert.equal(
                spec.description,
                "Renders the release status site from the release records and publishes it to artifact storage.",
            );
            assert.equal(statusRendererConfigMap, "okd-status-renderer");
            assert.deepEqual(statusRendererVolume, {
                name: "status-renderer",
                configMap: { name: "okd-status-renderer", optional: true },
            });
            assert.deepEqual(rendererEnv, { name: "RENDERER", value: "/var/run/okd-status/status.js" });
            assert.deepEqual(rendererVolumeMount, {
                name: "status-renderer",
                mountPath: "/var/run/okd-status",
                readOnly: true,
            });
        });

        it("passes the throttle param only in the Task; the step never fails its Task and is bounded", () => {
            assert.deepEqual(spec.steps, [
                {
                    name: "publish-status",
                    image: tools,
                    script: loadScript("publish-status.sh"),
                    env: [
                        { name: "RENDERER", value: "/var/run/okd-status/status.js" },
                        { name: "STREAMS_JSON", value: streamsJson },
                        { name: "THROTTLE_JSON", value: "$(params.throttle)" },
                    ],
                    volumeMounts: [{ name: "status-renderer", mountPath: "/var/run/okd-status", readOnly: true }],
                    timeout: "20m",
                    onError: "continue",
                },
            ]);
            assert.deepEqual(publishStatusStep(streamsJson).env, [
                { name: "RENDERER", value: "/var/run/okd-status/status.js" },
                { name: "STREAMS_JSON", value: streamsJson },
            ]);
        });

        it("lists each stream with its variant, promotion, every site gate and its upgrade gate, and any throttle", () => {
            const gates = [
                { platform: "gcp", blocking: true },
                { platform: "aws", blocking: false },
            ] as unknown as GateAccess[];
            const throttle = { maxUnfinished: 2, minIntervalMinutes: 60 };
            const streams = [
                fcos({ promote: true, upgradeGate: { gate: "aws", blocking: false } }),
                {
                    ...fcos({
                        minor: "4.16",
                        branch: "release-4.16",
                        basePayload: "quay.io/okd/scos-release:4.16.0-okd-scos.1",
                    }),
                    throttle,
                } as Stream,
            ];
            assert.deepEqual(JSON.parse(statusStreamsJson(streams, gates)), [
                {
                    minor: "4.15",
                    variant: "okd",
                    promote: true,
                    gates: [
                        { gate: "gcp", blocking: true },
                        { gate: "aws", blocking: false },
                        { gate: "aws-upgrade", blocking: false, kind: "upgrade" },
                    ],
                    // The schema's default.
                    throttle: { maxUnfinished: 1, minIntervalMinutes: 240 },
                },
                {
                    minor: "4.16",
                    variant: "scos",
                    promote: false,
                    gates: [
                        { gate: "gcp", blocking: true },
                        { gate: "aws", blocking: false },
                    ],
                    throttle,
                },
            ]);
            assert.equal(statusStreamsJson([], gates), "[]");
        });
    });

    describe("finalize (okd-finalize-record)", () => {
        const streamsJson = '[{"minor":"4.15"}]';
        let spec: Obj;
        before(async () => {
            const task = finalizeTask(localContext("rtf"), streamsJson);
            assert.equal(task.name, "okd-finalize-record");
            spec = await serialized(task.spec);
        });

        it("takes the run's status, its gates and their statuses, with defaults for a stack without gates", () => {
            assert.deepEqual(spec.params, [
                toolsParam,
                { name: "minor", description: "The stream, e.g. 4.15." },
                { name: "name", description: "Payload name." },
                { name: "pipeline-status", description: "Aggregate status of the run's tasks ($(tasks.status))." },
                {
                    name: "gates",
                    description:
                        'JSON array of {"gate", "blocking", "tasks": "<task>=$(tasks.<task>.status) ..."[, "kind", "from"]} (verdict.sh); [] when the stack has no gate.',
                    default: "[]",
                },
                {
                    name: "gate-statuses",
                    description:
                        "Space-separated <gate>=<status> of the run's gate tasks; the destroy of each gate that started is awaited.",
                    default: "",
                },
                {
                    name: "pipeline-run",
                    description:
                        "The run's PipelineRun name, under which its gates' clusters are registered; empty when the stack has no gate.",
                    default: "",
                },
            ]);
            assert.deepEqual(spec.results, []);
            assert.equal(spec.description, "Uploads e2e logs to artifact storage and closes the payload's record.");
        });

        it("binds the e2e workspace optionally, mounts the renderer, and writes with the records' object store", () => {
            assert.deepEqual(spec.workspaces, [
                {
                    name: "e2e",
                    description: "The run's e2e workspace; absent when the stack has no gate.",
                    optional: true,
                },
            ]);
            assert.deepEqual(spec.volumes, [
                { name: "status-renderer", configMap: { name: "okd-status-renderer", optional: true } },
            ]);
            assert.deepEqual(spec.stepTemplate, {
                env: [
                    identity,
                    ...local.storage,
                    { name: "MINOR", value: "$(params.minor)" },
                    { name: "NAME", value: "$(params.name)" },
                    { name: "LOGS_PREFIX", value: "logs/$(params.minor)/$(params.name)/" },
                ],
                envFrom: local.records,
            });
        });

        it("decides the verdict, awaits the destroys, unregisters, uploads logs, closes the record, then publishes", async () => {
            assert.deepEqual(stepNames(spec), [
                "decide",
                "record-verdict",
                "await-destroys",
                "unregister-clusters",
                "upload-logs",
                "record",
                "publish-status",
            ]);
            assert.deepEqual(spec.steps.slice(0, 2), await serialized(verdictSteps()));
            assert.deepEqual(spec.steps.at(-1), await serialized(publishStatusStep(streamsJson)));
        });

        it("lets the wait, the unregistering and the upload fail without skipping the record, each bounded", () => {
            assert.deepEqual(stepOf(spec, "await-destroys"), {
                name: "await-destroys",
                image: tools,
                onError: "continue",
                script: loadScript("await-destroys.sh"),
                env: [
                    { name: "E2E_DIR", value: "$(workspaces.e2e.path)" },
                    { name: "GATE_STATUSES", value: "$(params.gate-statuses)" },
                    { name: "WAIT_SECONDS", value: String(destroySeconds) },
                ],
            });
            assert.deepEqual(stepOf(spec, "unregister-clusters"), {
                name: "unregister-clusters",
                image: tools,
                onError: "continue",
                timeout: "3m",
                script: loadScript("unregister-clusters.sh"),
                env: [
                    { name: "E2E_DIR", value: "$(workspaces.e2e.path)" },
                    { name: "GATE_STATUSES", value: "$(params.gate-statuses)" },
                    { name: "PIPELINE_RUN", value: "$(params.pipeline-run)" },
                    { name: "CLUSTERS_PREFIX", value: "clusters/" },
                ],
            });
            assert.deepEqual(stepOf(spec, "upload-logs"), {
                name: "upload-logs",
                image: tools,
                onError: "continue",
                timeout: "15m",
                script: loadScript("upload-logs.sh"),
                env: [{ name: "E2E_DIR", value: "$(workspaces.e2e.path)" }],
            });
        });

        it("closes the record with the verdict files, the upload's exit code, the run's status and the logs' URL", () => {
            assert.deepEqual(stepOf(spec, "record"), {
                name: "record",
                image: tools,
                timeout: "5m",
                script: loadScript("release-record.sh"),
                env: [
                    { name: "RECORD_ACTION", value: "finalize" },
                    { name: "VERDICT_FILE", value: "/workspace/verdict" },
                    { name: "GATES_FILE", value: "/workspace/gates.json" },
                    // The step's name in the pod is step-<name>: the upload step above.
                    { name: "UPLOAD_EXIT_CODE_FILE", value: "$(steps.step-upload-logs.exitCode.path)" },
                    { name: "PIPELINE_STATUS", value: "$(params.pipeline-status)" },
                    { name: "LOGS_URL", value: "s3://okd-artifacts/logs/$(params.minor)/$(params.name)/" },
                ],
            });
        });
    });

    describe("reaper Tasks", () => {
        let gate: GateAccess;
        let select: Obj;
        let destroy: Obj;
        let record: Obj;
        before(async () => {
            const site = fakeSite("rtr", "gcp");
            gate = site.gates[0];
            const ctx = { ...pipelineContext(site, defaultImages), identityEnv: [identity] };
            const aws = { ...gate, platform: "aws" } as GateAccess;
            const tasks = [
                reapSelectTask(ctx, [gate, aws]),
                reapDestroyTask(ctx, gate),
                reapRecordTask(ctx, '[{"minor":"4.15"}]'),
            ];
            assert.deepEqual(
                tasks.map((t) => t.name),
                ["okd-reap-select", "okd-reap-destroy-gcp", "okd-reap-record"],
            );
            assert.equal(reapDestroyTaskName("azure"), "okd-reap-destroy-azure");
            [select, destroy, record] = await Promise.all(tasks.map((t) => serialized(t.spec)));
        });

        const gcs = [
            { name: "RCLONE_CONFIG_ARTIFACTS_TYPE", value: "google cloud storage" },
            { name: "RCLONE_CONFIG_ARTIFACTS_ENV_AUTH", value: "true" },
            { name: "RCLONE_CONFIG_ARTIFACTS_BUCKET_POLICY_ONLY", value: "true" },
            { name: "RCLONE_CONFIG_ARTIFACTS_NO_CHECK_BUCKET", value: "true" },
            { name: "ARTIFACTS_BUCKET", value: "okd-artifacts" },
        ];
        const workspace = [{ name: "e2e", description: "The reaper's workspace." }];

        it("selects every gate's old registrations into the workspace, as the records identity", () => {
            assert.deepEqual(select.params, [
                toolsParam,
                { name: "ttl-hours", description: "Hours a registration must be old before it is reaped." },
                { name: "live-runs", description: "Unfinished PipelineRuns, space-separated.", default: "" },
            ]);
            assert.deepEqual(select.results, []);
            assert.deepEqual(select.workspaces, workspace);
            assert.deepEqual(select.stepTemplate, { env: [identity, ...gcs], envFrom: [] });
            assert.deepEqual(select.steps, [
                {
                    name: "select",
                    image: tools,
                    script: loadScript("reap-select.sh"),
                    env: [
                        { name: "TTL_HOURS", value: "$(params.ttl-hours)" },
                        { name: "LIVE_RUNS", value: "$(params.live-runs)" },
                        { name: "GATES", value: "gcp aws" },
                        { name: "OUT_DIR", value: "$(workspaces.e2e.path)/reap" },
                        { name: "CLUSTERS_PREFIX", value: "clusters/" },
                    ],
                    timeout: "20m",
                },
            ]);
            assert.equal(
                select.description,
                "Picks the registered e2e clusters whose run is gone and that are older than the TTL, with their metadata.json.",
            );
        });

        it("destroys with the gate's mounted credentials alone, untrusted, from the picks and the pull secret", () => {
            assert.deepEqual(destroy.params, [
                toolsParam,
                { name: "dry-run", description: "true: only say what would be destroyed." },
            ]);
            assert.deepEqual(destroy.results, []);
            assert.deepEqual(destroy.workspaces, workspace);
            assert.deepEqual(destroy.volumes, [
                { name: "gate-credentials", secret: { secretName: "okd-gate-gcp", optional: true } },
            ]);
            assert.deepEqual(destroy.stepTemplate, {
                env: [
                    { name: "CREDENTIALS_ENV", value: "GOOGLE_CLOUD_KEYFILE_JSON" },
                    { name: "CREDENTIALS_SECRET", value: "okd-gate-gcp" },
                    { name: "CREDENTIALS_HOW_TO", value: gate.credentials.howToCreate },
                    { name: "GOOGLE_CLOUD_KEYFILE_JSON", value: "/var/run/okd-gate/gce.json" },
                ],
                securityContext: {
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                },
            });
            assert.deepEqual(destroy.steps, [
                {
                    name: "destroy",
                    image: tools,
                    script: loadScript("reap-destroy.sh"),
                    env: [
                        { name: "DRY_RUN", value: "$(params.dry-run)" },
                        { name: "GATE", value: "gcp" },
                        { name: "WORK_DIR", value: "$(workspaces.e2e.path)/reap" },
                        { name: "PULL_SECRET_FILE", value: "$(workspaces.e2e.path)/pull-secret.json" },
                        { name: "TLS_VERIFY", value: "true" },
                    ],
                    computeResources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "4Gi" } },
                    volumeMounts: [{ name: "gate-credentials", mountPath: "/var/run/okd-gate", readOnly: true }],
                },
            ]);
            assert.equal(destroy.description, "Destroys leaked gcp e2e clusters from their stored installer metadata.");
            assert.ok(
                !JSON.stringify(destroy).includes(sentinel("gateCredentialsGcp")),
                "the key is mounted, not inlined",
            );
        });

        it("records the reaper's run under its own logs prefix, then re-renders the status site", async () => {
            assert.deepEqual(record.params, [
                toolsParam,
                { name: "pipeline-run", description: "The reaper's PipelineRun name." },
            ]);
            assert.deepEqual(record.results, []);
            assert.deepEqual(record.workspaces, workspace);
            assert.deepEqual(record.volumes, [
                { name: "status-renderer", configMap: { name: "okd-status-renderer", optional: true } },
            ]);
            assert.deepEqual(record.stepTemplate, { env: [identity, ...gcs], envFrom: [] });
            assert.deepEqual(record.steps, [
                {
                    name: "record",
                    image: tools,
                    script: loadScript("reap-record.sh"),
                    env: [
                        { name: "OUT_DIR", value: "$(workspaces.e2e.path)/reap" },
                        { name: "LOGS_PREFIX", value: "logs/reaper/$(params.pipeline-run)/" },
                        { name: "CLUSTERS_PREFIX", value: "clusters/" },
                    ],
                    timeout: "20m",
                },
                await serialized(publishStatusStep('[{"minor":"4.15"}]')),
            ]);
            assert.equal(
                record.description,
                "Removes the registrations of destroyed e2e clusters, logs what the reaper did, and re-renders the status site.",
            );
        });

        it("uses the records' object-store Secret where the site has static keys", async () => {
            const ctx = localContext("rtv");
            const [s, r] = await Promise.all([
                serialized(reapSelectTask(ctx, []).spec),
                serialized(reapRecordTask(ctx, "[]").spec),
            ]);
            assert.deepEqual(s.stepTemplate.envFrom, local.records);
            assert.deepEqual(r.stepTemplate.envFrom, local.records);
            assert.deepEqual(
                s.steps[0].env.find((e: Obj) => e.name === "GATES"),
                { name: "GATES", value: "" },
            );
        });
    });

    describe("the release Pipeline", () => {
        let spec: Obj;
        let ctx: PipelineContext;
        before(async () => {
            ctx = localContext("rtw");
            spec = await serialized(releasePipeline(ctx, fcos({ promote: true })));
        });

        const accepted = [{ input: "$(tasks.pick.results.verdict)", operator: "in", values: ["accepted"] }];

        it("names its tasks as the run template's taskRunSpecs do", () => {
            assert.deepEqual(releaseTasks, {
                toolsImage: "tools-image",
                pick: "pick",
                promote: "promote",
                notes: "release-notes",
                signatures: "publish-signatures",
                publishStatus: "publish-status",
            });
        });

        it("resolves the tools image, then picks the newest accepted nightly of the stream", async () => {
            assert.equal(
                spec.description,
                "OKD 4.15 release: promote the newest accepted nightly and mirror it to quay.io.",
            );
            assert.deepEqual(spec.params, [{ name: "minor", description: "The stream.", default: "4.15" }]);
            assert.deepEqual(spec.workspaces, []);
            assert.deepEqual(
                spec.tasks.map((t: Obj) => t.name),
                ["tools-image", "pick", "promote", "publish-signatures", "release-notes"],
            );
            assert.deepEqual(spec.tasks[0], await serialized(toolsImagePipelineTaskOf(ctx, "resolve")));
            assert.equal(spec.tasks[0].taskRef.name, "okd-tools-image-resolve");
            assert.deepEqual(spec.tasks[1], {
                name: "pick",
                taskRef: { kind: "Task", name: "okd-pick-release" },
                runAfter: ["tools-image"],
                params: [toolsArg, { name: "minor", value: "$(params.minor)" }],
                retries: 2,
            });
        });

        it("promotes the picked payload by name and digest only when its verdict is accepted", () => {
            assert.deepEqual(spec.tasks[2], {
                name: "promote",
                taskRef: { kind: "Task", name: "okd-promote-release" },
                when: accepted,
                params: [
                    toolsArg,
                    { name: "minor", value: "$(params.minor)" },
                    { name: "name", value: "$(tasks.pick.results.name)" },
                    { name: "digest", value: "$(tasks.pick.results.digest)" },
                ],
                timeout: "3h",
                retries: 1,
            });
        });

        it("after promote, copies the quay.io payload's signatures and writes the notes, both only when accepted", () => {
            assert.deepEqual(spec.tasks[3], {
                name: "publish-signatures",
                taskRef: { kind: "Task", name: "okd-publish-signatures" },
                runAfter: ["promote"],
                when: accepted,
                params: [
                    toolsArg,
                    {
                        name: "image",
                        value: "$(tasks.promote.results.PUBLIC_IMAGE_URL)@$(tasks.promote.results.PUBLIC_IMAGE_DIGEST)",
                    },
                ],
                timeout: "30m",
                retries: 1,
            });
            assert.deepEqual(spec.tasks[4], {
                name: "release-notes",
                taskRef: { kind: "Task", name: "okd-release-notes" },
                runAfter: ["promote"],
                when: accepted,
                params: [
                    toolsArg,
                    { name: "minor", value: "$(params.minor)" },
                    { name: "name", value: "$(tasks.pick.results.name)" },
                ],
                timeout: "1h",
                retries: 1,
            });
        });

        it("publishes the status site in finally, whatever happened, within 20 minutes", () => {
            assert.deepEqual(spec.finally, [
                {
                    name: "publish-status",
                    taskRef: { kind: "Task", name: "okd-publish-status" },
                    params: [toolsArg],
                    timeout: "20m",
                },
            ]);
        });
    });
});
