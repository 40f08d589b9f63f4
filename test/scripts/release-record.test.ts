import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { requireTool, runScript, tempDir } from "./harness";

/** Real rclone (local backend standing in for s3/gcs/azureblob, configured only by environment) and real jq. */
describe("release-record.sh", () => {
    let root: string;
    let work: string;
    const bucket = () => path.join(root, "bucket");
    const base = () => ({ RCLONE_CONFIG_ARTIFACTS_TYPE: "local", ARTIFACTS_BUCKET: bucket(), MINOR: "4.15" });
    const record = (name: string, minor = "4.15") =>
        JSON.parse(fs.readFileSync(path.join(bucket(), "releases", minor, `${name}.json`), "utf8"));
    const index = (minor = "4.15") =>
        JSON.parse(fs.readFileSync(path.join(bucket(), "releases", minor, "index.json"), "utf8"));
    const run = (env: Record<string, string>) => {
        const r = runScript("release-record.sh", { ...base(), ...env });
        assert.equal(r.status, 0, r.stderr);
        return r;
    };
    const create = (name: string, digest: string) => {
        const file = path.join(work, `${name}.release.json`);
        fs.writeFileSync(
            file,
            JSON.stringify({
                name,
                pullSpec: `registry.example/okd/release:${name}`,
                digest,
                basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
                sources: { installer: { image: "registry.example/okd/components@sha256:aa", commit: "abc123" } },
                previous: [],
            }),
        );
        run({ RECORD_ACTION: "create", RELEASE_FILE: file, PIPELINE_RUN: "okd-nightly-4-15-x1" });
    };
    const decide = (name: string, verdict: string) => {
        const gates = path.join(work, "gates.json");
        fs.writeFileSync(
            gates,
            JSON.stringify([{ gate: "aws", blocking: true, outcome: verdict === "accepted" ? "passed" : "failed" }]),
        );
        run({ RECORD_ACTION: "verdict", NAME: name, VERDICT: verdict, GATES_FILE: gates });
    };

    before(() => {
        requireTool("rclone");
        requireTool("jq");
    });
    beforeEach(() => {
        root = tempDir("records");
        work = tempDir("records-work");
    });
    afterEach(() => {
        fs.rmSync(root, { recursive: true, force: true });
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("creates a pending record and an index entry for a new payload", () => {
        create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
        const r = record("4.15.0-0.okd-2025-01-01-020000");
        assert.equal(r.verdict, "pending");
        assert.equal(r.digest, "sha256:11");
        assert.equal(r.pipelineRun, "okd-nightly-4-15-x1");
        assert.deepEqual(r.sources.installer, { image: "registry.example/okd/components@sha256:aa", commit: "abc123" });
        assert.equal(r.promotion, null);
        assert.deepEqual(
            index().releases.map((e: { name: string; verdict: string }) => [e.name, e.verdict]),
            [["4.15.0-0.okd-2025-01-01-020000", "pending"]],
        );
    });

    it("writes the verdict and the gates into the record and the index", () => {
        create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
        decide("4.15.0-0.okd-2025-01-01-020000", "rejected");
        const r = record("4.15.0-0.okd-2025-01-01-020000");
        assert.equal(r.verdict, "rejected");
        assert.deepEqual(r.gates, [{ gate: "aws", blocking: true, outcome: "failed" }]);
        assert.equal(index().releases[0].verdict, "rejected");
    });

    it("reads the verdict from the verdict task's result file", () => {
        create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
        const verdictFile = path.join(work, "verdict");
        fs.writeFileSync(verdictFile, "accepted");
        const gates = path.join(work, "gates.json");
        fs.writeFileSync(gates, "[]");
        run({
            RECORD_ACTION: "verdict",
            NAME: "4.15.0-0.okd-2025-01-01-020000",
            VERDICT_FILE: verdictFile,
            GATES_FILE: gates,
        });
        assert.equal(record("4.15.0-0.okd-2025-01-01-020000").verdict, "accepted");
    });

    it("marks a payload whose run ended before the verdict as unfinished", () => {
        create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
        run({
            RECORD_ACTION: "finalize",
            NAME: "4.15.0-0.okd-2025-01-01-020000",
            PIPELINE_STATUS: "Failed",
            LOGS_URL: "s3://b/logs/x/",
        });
        const r = record("4.15.0-0.okd-2025-01-01-020000");
        assert.equal(r.verdict, "unfinished");
        assert.equal(r.pipelineStatus, "Failed");
        assert.equal(r.logs, "s3://b/logs/x/");
    });

    it("keeps a decided verdict when finalizing", () => {
        create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
        decide("4.15.0-0.okd-2025-01-01-020000", "accepted");
        run({ RECORD_ACTION: "finalize", NAME: "4.15.0-0.okd-2025-01-01-020000", PIPELINE_STATUS: "Succeeded" });
        assert.equal(record("4.15.0-0.okd-2025-01-01-020000").verdict, "accepted");
    });

    it("picks the newest accepted payload, passing over newer rejected and unfinished ones", () => {
        create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
        decide("4.15.0-0.okd-2025-01-01-020000", "accepted");
        create("4.15.0-0.okd-2025-01-02-020000", "sha256:22");
        decide("4.15.0-0.okd-2025-01-02-020000", "accepted");
        create("4.15.0-0.okd-2025-01-03-020000", "sha256:33");
        decide("4.15.0-0.okd-2025-01-03-020000", "rejected");
        create("4.15.0-0.okd-2025-01-04-020000", "sha256:44");
        const out = Object.fromEntries(["name", "digest", "pullspec", "verdict"].map((r) => [r, path.join(work, r)]));
        run({
            RECORD_ACTION: "pick",
            RESULT_NAME: out.name,
            RESULT_DIGEST: out.digest,
            RESULT_PULLSPEC: out.pullspec,
            RESULT_VERDICT: out.verdict,
        });
        assert.equal(fs.readFileSync(out.name, "utf8"), "4.15.0-0.okd-2025-01-02-020000");
        assert.equal(fs.readFileSync(out.digest, "utf8"), "sha256:22");
        assert.equal(fs.readFileSync(out.verdict, "utf8"), "accepted");
        assert.deepEqual(
            index().releases.map((e: { name: string }) => e.name),
            [
                "4.15.0-0.okd-2025-01-04-020000",
                "4.15.0-0.okd-2025-01-03-020000",
                "4.15.0-0.okd-2025-01-02-020000",
                "4.15.0-0.okd-2025-01-01-020000",
            ],
        );
    });

    it("reports verdict none when no payload was accepted", () => {
        create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
        decide("4.15.0-0.okd-2025-01-01-020000", "rejected");
        const out = Object.fromEntries(["name", "digest", "pullspec", "verdict"].map((r) => [r, path.join(work, r)]));
        run({
            RECORD_ACTION: "pick",
            RESULT_NAME: out.name,
            RESULT_DIGEST: out.digest,
            RESULT_PULLSPEC: out.pullspec,
            RESULT_VERDICT: out.verdict,
        });
        assert.equal(fs.readFileSync(out.verdict, "utf8"), "none");
        assert.equal(fs.readFileSync(out.name, "utf8"), "");
    });

    it("refuses to promote a rejected payload on the record's own word", () => {
        create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
        decide("4.15.0-0.okd-2025-01-01-020000", "rejected");
        const r = runScript("release-record.sh", {
            ...base(),
            RECORD_ACTION: "check",
            NAME: "4.15.0-0.okd-2025-01-01-020000",
            DIGEST: "sha256:11",
        });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /is rejected, not accepted; refusing to promote it/);
    });

    it("refuses to promote when the digest differs from the record", () => {
        create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
        decide("4.15.0-0.okd-2025-01-01-020000", "accepted");
        const r = runScript("release-record.sh", {
            ...base(),
            RECORD_ACTION: "check",
            NAME: "4.15.0-0.okd-2025-01-01-020000",
            DIGEST: "sha256:99",
        });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /recorded with digest sha256:11, not sha256:99/);
    });

    it("marks a payload promoted and keeps the first promotion time on a second run", () => {
        create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
        decide("4.15.0-0.okd-2025-01-01-020000", "accepted");
        const promotion = path.join(work, "promotion.json");
        fs.writeFileSync(
            promotion,
            JSON.stringify([{ release: "quay.io/o/okd:x@sha256:11", content: "quay.io/o/okd-content", copied: true }]),
        );
        const env = {
            RECORD_ACTION: "promote",
            NAME: "4.15.0-0.okd-2025-01-01-020000",
            DIGEST: "sha256:11",
            PROMOTION_FILE: promotion,
        };
        run(env);
        const first = record("4.15.0-0.okd-2025-01-01-020000").promotion;
        run(env);
        const second = record("4.15.0-0.okd-2025-01-01-020000").promotion;
        assert.equal(second.at, first.at);
        assert.equal(second.targets[0].release, "quay.io/o/okd:x@sha256:11");
        assert.equal(index().releases[0].promoted, true);
    });

    it("lists earlier promoted releases and the previous minor's newest as upgrade edges", () => {
        for (const [minor, name] of [
            ["4.14", "4.14.0-0.okd-2024-12-01-020000"],
            ["4.14", "4.14.0-0.okd-2024-12-15-020000"],
            ["4.15", "4.15.0-0.okd-2025-01-01-020000"],
        ]) {
            const file = path.join(work, `${name}.json`);
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
            const env = { ...base(), MINOR: minor };
            assert.equal(
                runScript("release-record.sh", {
                    ...env,
                    RECORD_ACTION: "create",
                    RELEASE_FILE: file,
                    PIPELINE_RUN: "r",
                }).status,
                0,
            );
            const promo = path.join(work, "p.json");
            fs.writeFileSync(promo, "[]");
            const v = path.join(work, "g.json");
            fs.writeFileSync(v, "[]");
            assert.equal(
                runScript("release-record.sh", {
                    ...env,
                    RECORD_ACTION: "verdict",
                    NAME: name,
                    VERDICT: "accepted",
                    GATES_FILE: v,
                }).status,
                0,
            );
            assert.equal(
                runScript("release-record.sh", {
                    ...env,
                    RECORD_ACTION: "promote",
                    NAME: name,
                    DIGEST: "sha256:1",
                    PROMOTION_FILE: promo,
                }).status,
                0,
            );
        }
        const out = path.join(work, "previous");
        run({ RECORD_ACTION: "previous", PREVIOUS_MINOR: "4.14", OUT_FILE: out });
        assert.equal(
            fs.readFileSync(out, "utf8").trim(),
            "4.15.0-0.okd-2025-01-01-020000,4.14.0-0.okd-2024-12-15-020000",
        );
    });

    it("rebuilds the index from the records", () => {
        create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
        create("4.15.0-0.okd-2025-01-02-020000", "sha256:22");
        fs.writeFileSync(path.join(bucket(), "releases", "4.15", "index.json"), '{"stream":"4.15","releases":[]}');
        run({ RECORD_ACTION: "reindex" });
        assert.deepEqual(
            index().releases.map((e: { digest: string }) => e.digest),
            ["sha256:22", "sha256:11"],
        );
    });

    it("fails with a clear message when the storage remote is not configured", () => {
        const r = runScript("release-record.sh", { ARTIFACTS_BUCKET: bucket(), MINOR: "4.15", RECORD_ACTION: "pick" });
        assert.equal(r.status, 1);
        assert.match(r.stderr, /RCLONE_CONFIG_ARTIFACTS_TYPE is not set/);
    });
});
