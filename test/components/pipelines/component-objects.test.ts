/**
 * OkdPipelines' wiring, value by value: which Tasks, Pipelines and ConfigMaps it installs for which site and streams,
 * in which namespace, with which labels, in which order (dependsOn), under which parent and provider; what it
 * refuses before any of it exists; and the task names it hands on.
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import type { OkdPipelinesArgs } from "../../../components/pipelines";
import { streamSchema } from "../../../src/config/schema";
import type { Platform } from "../../../src/config/schema";
import { recorder, settled, useMocks } from "../../helpers";
import { fakeSite, stream415, stream416 } from "../tekton/fixtures";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON */
type Obj = any;

const okd415 = () => streamSchema.parse(stream415); // OKD/FCOS, promotes
const scos416 = () => streamSchema.parse(stream416); // OKD/SCOS, does not promote
const mirror = { release: "quay.io/openshift/okd", content: "quay.io/openshift/okd-content" };
const labels = { "app.kubernetes.io/component": "pipelines", "app.kubernetes.io/part-of": "okd-ci" };

/** A resource the caller makes the pipelines wait for (the Tekton install). */
class Extra extends pulumi.CustomResource {
    constructor(name: string) {
        super("test:index:Extra", name, {});
    }
}

const last = (urn: string) => urn.split("::").at(-1)!;

describe("OkdPipelines wiring", () => {
    useMocks();

    const taskNames: Record<string, string[]> = {};
    const make = async (name: string, platform: Platform, args: Partial<OkdPipelinesArgs>) => {
        const { OkdPipelines } = await import("../../../components/pipelines");
        const p = new OkdPipelines(name, { site: fakeSite(`${name}-site`, platform), streams: [], ...args });
        taskNames[name] = p.taskNames;
    };
    /** What the component `name` installed of `type` (its short name): resource name → [namespace, object name]. */
    const installed = (name: string, type: string) =>
        Object.fromEntries(
            recorder()
                .resources.filter((r) => r.type.endsWith(`:${type}`) && r.parent.endsWith(`::${name}`))
                .map((r) => [r.name, `${(r.inputs as Obj).metadata.namespace}/${(r.inputs as Obj).metadata.name}`]),
        );
    const resource = (name: string) => recorder().resources.find((r) => r.name === name)!;

    before(async () => {
        // A site without gates, an SCOS stream that does not promote, though mirror and a key are given.
        await make("loc", "local", { streams: [scos416()], mirror, chains: { publicKey: "PK" } });
        // A site with a gate, a promoting OKD/FCOS stream and the Chains public key; waits for `extra`.
        await make("aws", "aws", {
            streams: [okd415()],
            mirror,
            chains: { publicKey: "PK" },
            dependsOn: [new Extra("aws-extra")],
        });
        // A promoting stream whose attestations are verified with a KMS key: no public key to mount.
        await make("kms", "gcp", { streams: [okd415(), scos416()], mirror, chains: { kmsRef: "gcpkms://k" } });
        await settled();
    });

    it("installs on a site without gates only the build and status Tasks of the streams' variants", () => {
        assert.deepEqual(taskNames.loc, [
            "okd-tools-image",
            "okd-stream-coreos",
            "okd-build-component",
            "okd-assemble-release",
            "okd-finalize-record",
            "okd-tools-image-resolve",
            "okd-publish-status",
        ]);
        assert.deepEqual(installed("loc", "Task"), {
            "loc-task-okd-tools-image": "okd-builds/okd-tools-image",
            "loc-task-okd-stream-coreos": "okd-builds/okd-stream-coreos",
            "loc-task-okd-build-component": "okd-builds/okd-build-component",
            "loc-task-okd-assemble-release": "okd-builds/okd-assemble-release",
            "loc-task-okd-finalize-record": "okd-builds/okd-finalize-record",
            "loc-task-okd-tools-image-resolve": "okd-release/okd-tools-image-resolve",
            "loc-task-okd-publish-status": "okd-release/okd-publish-status",
        });
        assert.deepEqual(installed("loc", "Pipeline"), { "loc-nightly-4-16": "okd-builds/okd-nightly-4-16" });
    });

    it("installs on a gated site the gate Tasks and, for a promoting stream, the release Tasks and Pipeline", () => {
        assert.deepEqual(taskNames.aws, [
            "okd-tools-image",
            "okd-machine-os",
            "okd-build-component",
            "okd-assemble-release",
            "okd-finalize-record",
            "okd-e2e-pull-secret",
            "okd-register-cluster",
            "okd-e2e-prepare-gcp",
            "okd-e2e-install-gcp",
            "okd-e2e-gcp",
            "okd-e2e-destroy-gcp",
            "okd-tools-image-resolve",
            "okd-pick-release",
            "okd-promote-release",
            "okd-publish-signatures",
            "okd-release-notes",
            "okd-publish-status",
        ]);
        const tasks = installed("aws", "Task");
        assert.equal(Object.keys(tasks).length, 17);
        for (const t of taskNames.aws) {
            const ns =
                taskNames.aws.indexOf(t) >= taskNames.aws.indexOf("okd-tools-image-resolve")
                    ? "okd-release"
                    : "okd-builds";
            assert.equal(tasks[`aws-task-${t}`], `${ns}/${t}`);
        }
        assert.deepEqual(installed("aws", "Pipeline"), {
            "aws-nightly-4-15": "okd-builds/okd-nightly-4-15",
            "aws-release-4-15": "okd-release/okd-release-4-15",
        });
        assert.deepEqual(taskNames.kms, [
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
            "okd-tools-image-resolve",
            "okd-pick-release",
            "okd-promote-release",
            "okd-publish-signatures",
            "okd-release-notes",
            "okd-publish-status",
        ]);
    });

    it("installs the ConfigMaps its Tasks mount, in each namespace that mounts them, the key only where given", () => {
        const common = (n: string) => ({
            [`${n}-containerfiles`]: "okd-builds/okd-pipeline-containerfiles",
            [`${n}-status-renderer`]: "okd-builds/okd-status-renderer",
            [`${n}-release-status-renderer`]: "okd-release/okd-status-renderer",
        });
        assert.deepEqual(installed("loc", "ConfigMap"), common("loc"));
        assert.deepEqual(installed("kms", "ConfigMap"), common("kms"));
        assert.deepEqual(installed("aws", "ConfigMap"), {
            ...common("aws"),
            "aws-chains-public-key": "okd-release/okd-chains-public-key",
        });
        assert.deepEqual(resource("aws-chains-public-key").inputs.data, { "cosign.pub": "PK" });
        assert.deepEqual(Object.keys((resource("aws-containerfiles").inputs as Obj).data), [
            "machine-os.Containerfile",
            "tools.Containerfile",
        ]);
        for (const n of ["aws-status-renderer", "aws-release-status-renderer"]) {
            const data = (resource(n).inputs as Obj).data;
            assert.deepEqual(Object.keys(data), ["status.js"], n);
            assert.ok(data["status.js"].length > 1000, `${n} holds the bundled renderer`);
        }
        for (const r of recorder().resources.filter((x) =>
            /^(loc|aws|kms)-(task-|nightly|release-4|.*config|.*renderer|chains)/.test(x.name),
        )) {
            assert.deepEqual((r.inputs as Obj).metadata.labels, labels, r.name);
        }
    });

    it("hands the promote Task the attestation repository and, where attestations are KMS-signed, the key", () => {
        const env = (n: string): Record<string, string> =>
            Object.fromEntries(
                (resource(n).inputs as Obj).spec.steps
                    .flatMap((st: Obj) => st.env ?? [])
                    .map((e: Obj) => [e.name, e.value]),
            );
        const kms = env("kms-task-okd-promote-release");
        assert.equal(kms.KEY_REF, "gcpkms://k");
        assert.equal(kms.ATTESTATION_REPOSITORY, "us-central1-docker.pkg.dev/okd-proj/okd/attestations");
        assert.equal(env("aws-task-okd-promote-release").KEY_REF, undefined);
    });

    it("makes every object wait for the site and what it is given, and the Pipelines for every Task and ConfigMap", () => {
        const aws = recorder().resources.filter((r) => r.parent.endsWith("::aws"));
        for (const r of aws.filter((x) => x.type !== "okd-ci:pipelines:RegistryToken")) {
            assert.equal(last(r.provider.replace(/::[^:]*$/, "")), "aws-site-k8s", r.name);
        }
        for (const r of aws.filter((x) => /ConfigMap|Task$/.test(x.type))) {
            assert.deepEqual(r.dependencies.map(last).sort(), ["aws-extra", "aws-site-ready"], r.name);
        }
        const before = aws
            .filter((x) => /ConfigMap|Task$/.test(x.type))
            .map((x) => x.name)
            .sort();
        assert.equal(before.length, 21);
        for (const p of ["aws-nightly-4-15", "aws-release-4-15"]) {
            assert.deepEqual(resource(p).dependencies.map(last).sort(), before, p);
        }
        assert.equal(last(resource("aws-registry-token").parent), "aws");
        for (const t of taskNames.aws) {
            const { apiVersion, kind } = resource(`aws-task-${t}`).inputs as Obj;
            assert.deepEqual([apiVersion, kind], ["tekton.dev/v1", "Task"], t);
        }
        assert.deepEqual(resource("aws-registry-token-secret").dependencies.map(last).sort(), [
            "aws-extra",
            "aws-site-ready",
        ]);
    });
});

describe("OkdPipelines refuses", () => {
    useMocks();

    let attempts = 0;
    const attempt = async (args: Partial<OkdPipelinesArgs>) => {
        const { OkdPipelines } = await import("../../../components/pipelines");
        const name = `bad${++attempts}`;
        return () => new OkdPipelines(name, { site: fakeSite(`${name}-site`, "local"), streams: [scos416()], ...args });
    };
    const limits = (n: number) =>
        `maxParallelBuilds must be a whole number from 1 to 256 (Tekton's default-max-matrix-combinations-count), not ${n}`;

    it("a build parallelism that is not a whole number from 1 to 256", async () => {
        for (const n of [0, -1, 1.5, 257]) {
            assert.throws(await attempt({ maxParallelBuilds: n }), { message: limits(n) });
        }
        for (const n of [1, 256]) (await attempt({ maxParallelBuilds: n }))();
    });

    it("promoting streams without the mirror repositories or a way to verify attestations", async () => {
        assert.throws(await attempt({ streams: [okd415(), scos416(), { ...okd415(), minor: "4.17" }] }), {
            message: "streams 4.15, 4.17 promote, so OkdPipelines needs the mirror repositories",
        });
        assert.throws(await attempt({ streams: [okd415(), { ...okd415(), minor: "4.17" }], mirror }), {
            message:
                "streams 4.15, 4.17 promote, and promotion verifies each nightly's Tekton Chains attestation: set chainsPublicKey (the public half of chainsSigningKey), or leave chainsSigningKey unset so the site generates the key pair",
        });
        assert.throws(await attempt({ streams: [okd415()], mirror, chains: {} }), /^Error: streams 4\.15 promote, and/);
    });
});
