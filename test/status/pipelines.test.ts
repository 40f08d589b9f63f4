import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import * as YAML from "yaml";

import { statusRendererBundle } from "../../components/pipelines/status/bundle";
import { type SynthOutput, root, synthInProcess } from "../synth/run";

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped JSON */

const script = (name: string) => fs.readFileSync(path.join(root, "components", "pipelines", "scripts", name), "utf8");

/** How the aws stack (two streams, 4.15 promotes, aws and gcp gates) publishes the status site and release notes. */
describe("status publishing in the pipelines (aws stack, offline synth)", () => {
    let out: SynthOutput;
    let objects: any[];
    const object = (kind: string, name: string) => {
        const o = objects.find((x) => x.kind === kind && x.metadata?.name === name);
        assert.ok(o, `no ${kind} ${name}`);
        return o;
    };
    before(async function () {
        this.timeout(120_000);
        out = await synthInProcess("aws");
        objects = out.manifests
            .filter((m) => m.file.endsWith(".yaml") && !m.file.startsWith("_"))
            .map((m) => YAML.parse(m.content));
    });

    it("ships the bundle of npm run status in the okd-status-renderer ConfigMap", () => {
        const cm = object("ConfigMap", "okd-status-renderer");
        assert.equal(cm.metadata.namespace, "okd-builds");
        assert.deepEqual(Object.keys(cm.data), ["status.js"]);
        assert.equal(cm.data["status.js"], statusRendererBundle());
        // Under the 1 MiB a ConfigMap may hold, with room to grow.
        assert.ok(Buffer.byteLength(cm.data["status.js"]) < 400_000);
    });

    it("publishes the site from finalize-record once the record is final, without failing the run on error", () => {
        const spec = object("Task", "okd-finalize-record").spec;
        assert.deepEqual(
            spec.steps.map((s: any) => s.name),
            [
                "decide",
                "record-verdict",
                "await-destroys",
                "unregister-clusters",
                "upload-logs",
                "record",
                "publish-status",
            ],
        );
        const step = spec.steps.find((s: any) => s.name === "publish-status");
        assert.equal(step.script, script("publish-status.sh"));
        assert.equal(step.onError, "continue");
        assert.equal(step.image, "$(params.tools-image)");
        assert.deepEqual(step.volumeMounts, [
            { name: "status-renderer", mountPath: "/var/run/okd-status", readOnly: true },
        ]);
        assert.deepEqual(spec.volumes, [
            { name: "status-renderer", configMap: { name: "okd-status-renderer", optional: true } },
        ]);
        assert.equal(step.timeout, "20m");
        const env = Object.fromEntries(step.env.map((e: any) => [e.name, e.value]));
        assert.equal(env.RENDERER, "/var/run/okd-status/status.js");
        assert.deepEqual(
            JSON.parse(env.STREAMS_JSON).map((s: any) => [s.minor, s.promote, s.gates.map((g: any) => g.gate)]),
            [
                ["4.15", true, ["aws"]],
                // 4.16 also runs the stack's upgrade gate (upgradeGate: {gate: aws}), shown as aws-upgrade.
                ["4.16", false, ["aws", "aws-upgrade"]],
                ["4.22", false, ["aws"]],
            ],
        );
        // The artifact remote comes from the task's stepTemplate, as for the record step.
        assert.ok(spec.stepTemplate.env.some((e: any) => e.name === "RCLONE_CONFIG_ARTIFACTS_TYPE"));
    });

    it("writes release notes after promote, only when promote runs, and publishes the site in finally", () => {
        const spec = object("Pipeline", "okd-release-4-15").spec;
        const notes = spec.tasks.find((t: any) => t.name === "release-notes");
        const promote = spec.tasks.find((t: any) => t.name === "promote");
        assert.deepEqual(notes.runAfter, ["promote"]);
        assert.deepEqual(notes.when, promote.when);
        assert.deepEqual(notes.taskRef, { kind: "Task", name: "okd-release-notes" });
        assert.deepEqual(
            notes.params.map((p: any) => [p.name, p.value]),
            [
                ["tools-image", promote.params[0].value],
                ["minor", "$(params.minor)"],
                ["name", "$(tasks.pick.results.name)"],
            ],
        );
        assert.deepEqual(
            spec.finally.map((t: any) => [t.name, t.taskRef.name]),
            [["publish-status", "okd-publish-status"]],
        );
        const task = object("Task", "okd-release-notes").spec;
        assert.deepEqual(
            task.steps.map((s: any) => s.name),
            ["registry-auth", "notes"],
        );
        assert.equal(task.steps[1].script, script("release-notes.sh"));
        const env = Object.fromEntries(task.steps[1].env.map((e: any) => [e.name, e.value]));
        assert.match(env.PROMOTED_REPO, /promoted/);
        assert.equal(env.REGISTRY_AUTH_FILE, "/workspace/auth/site.json");
        const publish = object("Task", "okd-publish-status").spec;
        assert.equal(publish.steps[0].script, script("publish-status.sh"));
    });

    it("gives the tools image node, which runs the renderer", () => {
        const containerfile = fs.readFileSync(
            path.join(root, "components", "pipelines", "images", "tools", "Containerfile"),
            "utf8",
        );
        assert.match(containerfile, /^RUN dnf -y install .*\bnodejs\b/m);
    });
});
