import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

import * as YAML from "yaml";

import { scriptsDir } from "../../../components/tekton/jobs";
import { tektonValidate } from "../../support/tekton-validate";
import { synthInProcess } from "../../synth/run";

const run = promisify(execFile);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are untyped JSON
type Obj = any;

/** The aws stack as synth renders it, with the reaper's PipelineRun taken from its starter CronJob. */
describe("e2e cluster reaper (aws stack)", function () {
    this.timeout(300_000);
    let manifests: Map<string, Obj>;
    let reaperRun: Obj;

    before(async () => {
        const out = await synthInProcess("aws");
        manifests = new Map(out.manifests.map((m) => [m.file, YAML.parse(m.content)]));
        const cron = manifests.get("cronjob_okd-release_okd-cluster-reaper.yaml");
        assert.ok(cron, "the reaper's CronJob is rendered");
        const env = cron.spec.jobTemplate.spec.template.spec.containers[0].env;
        reaperRun = JSON.parse(env.find((e: Obj) => e.name === "PIPELINERUN_JSON").value);
    });

    it("runs on reaperSchedule under a ServiceAccount that may only list and create PipelineRuns", () => {
        const cron = manifests.get("cronjob_okd-release_okd-cluster-reaper.yaml");
        assert.equal(cron.spec.schedule, "15 */6 * * *");
        assert.equal(cron.spec.concurrencyPolicy, "Forbid");
        assert.equal(cron.spec.jobTemplate.spec.template.spec.serviceAccountName, "okd-cluster-reaper");
        // The starter lives in the release namespace, like every CronJob; its Role is in the build namespace.
        assert.equal(cron.metadata.namespace, "okd-release");
        assert.deepEqual(manifests.get("rolebinding_okd-builds_okd-cluster-reaper.yaml").subjects, [
            { kind: "ServiceAccount", name: "okd-cluster-reaper", namespace: "okd-release" },
        ]);
        assert.deepEqual(manifests.get("role_okd-builds_okd-cluster-reaper.yaml").rules, [
            { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list", "create"] },
        ]);
    });

    it("selects and records as the records identity, destroys per gate as okd-e2e, and re-renders the status site in finally", () => {
        const pipeline = manifests.get("pipeline_okd-builds_okd-reap-clusters.yaml").spec;
        assert.deepEqual(
            pipeline.tasks.map((t: Obj) => [t.name, t.runAfter ?? []]),
            [
                ["tools-image", []],
                ["select", ["tools-image"]],
                ["e2e-pull-secret", ["select"]],
                ["destroy-aws", ["e2e-pull-secret"]],
            ],
        );
        assert.deepEqual(
            pipeline.finally.map((t: Obj) => t.name),
            ["record"],
        );
        // The pull secret is minted as the nightly mints each gate's: each attempt bounded, retried twice.
        const mint = pipeline.tasks.find((t: Obj) => t.name === "e2e-pull-secret");
        assert.deepEqual([mint.timeout, mint.retries], ["15m", 2]);
        const defaults = Object.fromEntries(pipeline.params.map((p: Obj) => [p.name, p.default]));
        assert.deepEqual(defaults, { "ttl-hours": "24", "dry-run": "false", "live-runs": "" });
        const specs = Object.fromEntries(reaperRun.spec.taskRunSpecs.map((s: Obj) => [s.pipelineTaskName, s]));
        // Anything unlisted would run as the build ServiceAccount, which holds nothing.
        assert.equal(reaperRun.spec.taskRunTemplate.serviceAccountName, "okd-build");
        assert.equal(specs["destroy-aws"].serviceAccountName, "okd-e2e");
        assert.equal(specs["destroy-aws"].metadata, undefined, "no identity label: the gate's credentials are its own");
        assert.equal(specs["e2e-pull-secret"].serviceAccountName, "okd-e2e");
        assert.equal(specs["e2e-pull-secret"].metadata.labels["okd-ci/identity"], "e2e-pull");
        // The tools image is built as a build (its RUN steps share the pod's network): no identity, the build pool.
        assert.equal(specs["tools-image"].serviceAccountName, undefined);
        assert.equal(specs["tools-image"].metadata, undefined);
        assert.deepEqual(specs["tools-image"].podTemplate.nodeSelector, { "okd-ci/pool": "builds" });
        for (const n of ["select", "record"]) {
            assert.equal(specs[n].serviceAccountName, "okd-records", n);
            assert.equal(specs[n].metadata.labels["okd-ci/identity"], "records", n);
            assert.equal(specs[n].podTemplate, undefined, `${n}: an identity pod stays off the build pool`);
        }
        const record = manifests.get("task_okd-builds_okd-reap-record.yaml").spec;
        assert.deepEqual(
            record.steps.map((s: Obj) => s.name),
            ["record", "publish-status"],
        );
        const destroy = manifests.get("task_okd-builds_okd-reap-destroy-aws.yaml").spec;
        const destroyEnv = destroy.stepTemplate.env.map((e: Obj) => e.name);
        assert.ok(destroyEnv.includes("CREDENTIALS_ENV"), "the gate's own credentials");
        assert.ok(
            !destroyEnv.some((n: string) => n.startsWith("RCLONE_CONFIG_")),
            "no artifact storage in the gate's pod",
        );
    });

    it("passes tekton-validate with its PipelineRun (the reconciler's checks and every pod admitted)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-reaper-"));
        try {
            for (const [file, obj] of manifests) fs.writeFileSync(path.join(dir, file), YAML.stringify(obj));
            const pr = {
                ...reaperRun,
                metadata: { ...reaperRun.metadata, name: "okd-reap-clusters-x1x2x", namespace: "okd-builds" },
                spec: { ...reaperRun.spec, params: [{ name: "live-runs", value: "okd-nightly-4-15-abcde" }] },
            };
            fs.writeFileSync(path.join(dir, "zz-reaper-run.json"), JSON.stringify(pr));
            const r = tektonValidate([dir]);
            assert.deepEqual(r.problems, []);
            assert.equal(r.status, 0, r.summary);
            assert.ok(
                r.pods.some((p: Obj) => JSON.stringify(p).includes("destroy-aws")),
                "the reaper's destroy pod was built and admitted",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("start-reaper.sh", () => {
    it("creates the reaper's PipelineRun naming every unfinished PipelineRun as live", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-start-reaper-"));
        try {
            fs.writeFileSync(
                path.join(dir, "runs.json"),
                JSON.stringify({
                    items: [
                        { metadata: { name: "okd-nightly-4-15-aaaaa" }, status: {} },
                        {
                            metadata: { name: "okd-nightly-4-15-bbbbb" },
                            status: { completionTime: "2026-11-30T01:00:00Z" },
                        },
                        { metadata: { name: "okd-release-4-15-ccccc" } },
                    ],
                }),
            );
            fs.writeFileSync(
                path.join(dir, "kubectl"),
                [
                    "#!/usr/bin/env bash",
                    `d=${JSON.stringify(dir)}`,
                    'echo "$*" >>"$d/calls"',
                    'case "$1" in',
                    '  get) cat "$d/runs.json" ;;',
                    '  create) f="${@: -1}"; cp "$f" "$d/created.json"; echo "pipelinerun.tekton.dev/okd-reap-clusters-x created" ;;',
                    "esac",
                    "",
                ].join("\n"),
                { mode: 0o755 },
            );
            const template = {
                apiVersion: "tekton.dev/v1",
                kind: "PipelineRun",
                metadata: { generateName: "okd-reap-clusters-" },
                spec: { pipelineRef: { name: "okd-reap-clusters" } },
            };
            const r = await run("bash", [path.join(scriptsDir, "start-reaper.sh")], {
                env: {
                    PATH: `${dir}:${process.env.PATH}`,
                    NAMESPACE: "okd-builds",
                    PIPELINERUN_JSON: JSON.stringify(template),
                },
            });
            assert.match(r.stdout, /never reaped: okd-nightly-4-15-aaaaa okd-release-4-15-ccccc/);
            const created = JSON.parse(fs.readFileSync(path.join(dir, "created.json"), "utf8"));
            assert.deepEqual(created.spec.params, [
                { name: "live-runs", value: "okd-nightly-4-15-aaaaa okd-release-4-15-ccccc" },
            ]);
            assert.deepEqual(created.spec.pipelineRef, template.spec.pipelineRef);
            const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
            assert.equal(calls[0], "get pipelineruns.tekton.dev --namespace okd-builds --output json");
            assert.match(calls[1], /^create --namespace okd-builds --filename \S+\/run\.json$/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("reaper config", () => {
    it("refuses a TTL shorter than a nightly may run, naming the key", async () => {
        const { fakeConfig } = await import("../tekton/fixtures");
        assert.throws(
            () => fakeConfig("aws", undefined, { reaperTtlHours: 12 }),
            /reaperTtlHours.*expected a whole number from 19 to 720/s,
        );
        assert.equal(fakeConfig("aws").reaperTtlHours, 24);
        assert.equal(fakeConfig("aws").reaperDryRun, false);
    });
});
