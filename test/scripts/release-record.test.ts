import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { requireTool, runScript, tempDir } from "./harness";
import {
    type ObjectStore,
    type Rclone,
    type StoreKind,
    rclones,
    runScriptAsync,
    startObjectStore,
} from "./object-stores";

/**
 * release-record.sh against real object-store protocol servers (moto for S3, Azurite, fake-gcs-server) and rclone's
 * local backend, one server per backend and a fresh bucket per test, with real rclone and jq. The whole suite runs on
 * each backend with rclone 1.68 (standing for the tools image's unpinned Fedora rclone); the paths that differ between
 * rclone versions (a missing object, a missing bucket, a record round trip) also run with Debian's rclone 1.60.
 *
 * This file declares the suite and runs nothing itself: one test file per backend (release-record.local.test.ts,
 * release-record.s3.test.ts, release-record.azureblob.test.ts, release-record.gcs.test.ts) runs it, so
 * `mocha --parallel` spreads the backends over its workers; the suite is the largest share of the test run's
 * real-tool time. It keeps this file's name because release-record.sh cites it.
 */
const name1 = "4.15.0-0.okd-2025-01-01-020000";

export function releaseRecordSuite(kind: StoreKind): void {
    describe(`release-record.sh on ${kind}`, function () {
        this.timeout(300_000);
        let store: ObjectStore;
        let versions: Rclone[];
        let rclone: Rclone;
        let bucket: string;
        let work: string;
        const base = () => ({ ...store.env, ARTIFACTS_BUCKET: bucket, MINOR: "4.15" });
        const object = (key: string) => {
            const text = store.read(bucket, key);
            assert.ok(text !== undefined, `${key} does not exist in ${kind} bucket ${bucket}`);
            assert.notEqual(text, "", `${key} is empty in ${kind} bucket ${bucket}`);
            return JSON.parse(text);
        };
        const record = (name: string, minor = "4.15") => object(`releases/${minor}/${name}.json`);
        /** The promotion's own object, which only the promotion identity writes. */
        const promoted = (name: string, minor = "4.15") => object(`promoted/${minor}/${name}.json`);
        const claim = (name: string, minor = "4.15") => object(`promoted/${minor}/claims/${name}.json`);
        /** Writes an object directly, as an identity with write access to its prefix could. */
        const put = (key: string, value: unknown) => {
            const file = path.join(work, `put-${path.basename(key)}`);
            fs.writeFileSync(file, JSON.stringify(value));
            store.write(bucket, key, file);
        };
        const index = (minor = "4.15") => object(`releases/${minor}/index.json`);
        const runWith = (rc: Rclone, env: Record<string, string>) =>
            runScript("release-record.sh", { ...base(), ...env }, rc.bin);
        const run = (env: Record<string, string>) => {
            const r = runWith(rclone, env);
            assert.equal(r.status, 0, r.stderr);
            return r;
        };
        const releaseFile = (name: string, digest: string) => {
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
            return file;
        };
        const create = (name: string, digest: string) =>
            run({
                RECORD_ACTION: "create",
                RELEASE_FILE: releaseFile(name, digest),
                PIPELINE_RUN: "okd-nightly-4-15-x1",
            });
        const gatesFile = (verdict: string) => {
            const gates = path.join(work, `gates-${verdict}.json`);
            fs.writeFileSync(
                gates,
                JSON.stringify([
                    { gate: "aws", blocking: true, outcome: verdict === "accepted" ? "passed" : "failed" },
                ]),
            );
            return gates;
        };
        const decide = (name: string, verdict: string) =>
            run({ RECORD_ACTION: "verdict", NAME: name, VERDICT: verdict, GATES_FILE: gatesFile(verdict) });
        const pick = (rc = rclone) => {
            const out = Object.fromEntries(
                ["name", "digest", "pullspec", "verdict"].map((r) => [r, path.join(work, r)]),
            );
            const r = runWith(rc, {
                RECORD_ACTION: "pick",
                RESULT_NAME: out.name,
                RESULT_DIGEST: out.digest,
                RESULT_PULLSPEC: out.pullspec,
                RESULT_VERDICT: out.verdict,
            });
            assert.equal(r.status, 0, r.stderr);
            return Object.fromEntries(Object.entries(out).map(([k, f]) => [k, fs.readFileSync(f, "utf8")]));
        };

        before(async () => {
            requireTool("jq");
            versions = rclones();
            rclone = versions[0];
            store = await startObjectStore(kind);
        });
        after(async () => {
            await store?.stop();
            for (const v of versions ?? []) fs.rmSync(v.bin, { recursive: true, force: true });
        });
        beforeEach(() => {
            bucket = store.newBucket();
            work = tempDir("records-work");
            store.proxy?.clear();
        });
        afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

        it("creates a pending record and an index entry for a new payload", () => {
            create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
            const r = record("4.15.0-0.okd-2025-01-01-020000");
            assert.equal(r.verdict, "pending");
            assert.equal(r.digest, "sha256:11");
            assert.equal(r.pipelineRun, "okd-nightly-4-15-x1");
            assert.deepEqual(r.sources.installer, {
                image: "registry.example/okd/components@sha256:aa",
                commit: "abc123",
            });
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

        it("records a verdict decided but not written when finalizing a pending record", () => {
            create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
            const verdictFile = path.join(work, "verdict");
            fs.writeFileSync(verdictFile, "rejected");
            run({
                RECORD_ACTION: "finalize",
                NAME: "4.15.0-0.okd-2025-01-01-020000",
                PIPELINE_STATUS: "Succeeded",
                VERDICT_FILE: verdictFile,
                GATES_FILE: gatesFile("rejected"),
            });
            const r = record("4.15.0-0.okd-2025-01-01-020000");
            assert.equal(r.verdict, "rejected");
            assert.deepEqual(r.gates, [{ gate: "aws", blocking: true, outcome: "failed" }]);
            assert.equal(index().releases[0].verdict, "rejected");
        });

        it("closes a pending record as unfinished when the verdict files are not a verdict", () => {
            create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
            const verdictFile = path.join(work, "verdict");
            fs.writeFileSync(verdictFile, "accepted\nextra");
            const r = run({
                RECORD_ACTION: "finalize",
                NAME: "4.15.0-0.okd-2025-01-01-020000",
                PIPELINE_STATUS: "Succeeded",
                VERDICT_FILE: verdictFile,
                GATES_FILE: gatesFile("accepted"),
            });
            assert.match(r.stderr, /not a verdict and gates; not applying them/);
            assert.equal(record("4.15.0-0.okd-2025-01-01-020000").verdict, "unfinished");
        });

        it("keeps a decided verdict when finalizing, whatever the verdict files say", () => {
            create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
            decide("4.15.0-0.okd-2025-01-01-020000", "rejected");
            const verdictFile = path.join(work, "verdict");
            fs.writeFileSync(verdictFile, "accepted");
            run({
                RECORD_ACTION: "finalize",
                NAME: "4.15.0-0.okd-2025-01-01-020000",
                PIPELINE_STATUS: "Succeeded",
                VERDICT_FILE: verdictFile,
                GATES_FILE: gatesFile("accepted"),
            });
            assert.equal(record("4.15.0-0.okd-2025-01-01-020000").verdict, "rejected");
        });

        it("refuses a verdict for a record that is not pending, and takes the same verdict again as done", () => {
            create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
            run({ RECORD_ACTION: "finalize", NAME: "4.15.0-0.okd-2025-01-01-020000", PIPELINE_STATUS: "Failed" });
            const late = runWith(rclone, {
                RECORD_ACTION: "verdict",
                NAME: "4.15.0-0.okd-2025-01-01-020000",
                VERDICT: "accepted",
                GATES_FILE: gatesFile("accepted"),
            });
            assert.equal(late.status, 1, late.stderr);
            assert.match(
                late.stderr,
                /is unfinished, not pending: its verdict is final and is not changed to accepted/,
            );
            assert.equal(record("4.15.0-0.okd-2025-01-01-020000").verdict, "unfinished");
            assert.equal(index().releases[0].verdict, "unfinished");

            create("4.15.0-0.okd-2025-01-02-020000", "sha256:22");
            decide("4.15.0-0.okd-2025-01-02-020000", "rejected");
            const again = decide("4.15.0-0.okd-2025-01-02-020000", "rejected");
            assert.match(again.stdout, /already rejected; nothing to write/);
            const flip = runWith(rclone, {
                RECORD_ACTION: "verdict",
                NAME: "4.15.0-0.okd-2025-01-02-020000",
                VERDICT: "accepted",
                GATES_FILE: gatesFile("accepted"),
            });
            assert.equal(flip.status, 1, flip.stderr);
            assert.equal(record("4.15.0-0.okd-2025-01-02-020000").verdict, "rejected");
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
            const out = Object.fromEntries(
                ["name", "digest", "pullspec", "verdict"].map((r) => [r, path.join(work, r)]),
            );
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
            const out = Object.fromEntries(
                ["name", "digest", "pullspec", "verdict"].map((r) => [r, path.join(work, r)]),
            );
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
            const r = runWith(rclone, {
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
            const r = runWith(rclone, {
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
                JSON.stringify([
                    { release: "quay.io/o/okd:x@sha256:11", content: "quay.io/o/okd-content", copied: true },
                ]),
            );
            const env = {
                RECORD_ACTION: "promote",
                NAME: "4.15.0-0.okd-2025-01-01-020000",
                DIGEST: "sha256:11",
                PROMOTION_FILE: promotion,
            };
            run(env);
            const first = promoted("4.15.0-0.okd-2025-01-01-020000");
            run(env);
            const second = promoted("4.15.0-0.okd-2025-01-01-020000");
            assert.equal(second.promotion.at, first.promotion.at);
            assert.equal(second.digest, "sha256:11");
            assert.equal(second.promotion.targets[0].release, "quay.io/o/okd:x@sha256:11");
            // Promotion writes only promoted/: the record and the index, the records identity's, are untouched.
            assert.equal(record("4.15.0-0.okd-2025-01-01-020000").promotion, null);
            assert.equal(index().releases[0].promoted, undefined);
        });

        it("refuses to record a promotion of a payload that is not accepted", () => {
            create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
            const promotion = path.join(work, "promotion.json");
            fs.writeFileSync(promotion, "[]");
            const r = runWith(rclone, {
                RECORD_ACTION: "promote",
                NAME: "4.15.0-0.okd-2025-01-01-020000",
                DIGEST: "sha256:11",
                PROMOTION_FILE: promotion,
            });
            assert.notEqual(r.status, 0);
            assert.match(r.stderr, /is not accepted; refusing to record it promoted/);
            assert.equal(store.read(bucket, "promoted/4.15/4.15.0-0.okd-2025-01-01-020000.json"), undefined);
        });

        it("takes promotion from promoted/ alone: a record claiming one makes no upgrade edge", () => {
            // What a compromised records identity could write: a record (and its index entry) saying it was promoted,
            // after the stream's promotions were adopted (the promote Task's first step).
            create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
            decide("4.15.0-0.okd-2025-01-01-020000", "accepted");
            assert.match(run({ RECORD_ACTION: "adopt" }).stdout, /adopted 0 promotion/);
            const forged = { ...record("4.15.0-0.okd-2025-01-01-020000"), promotion: { at: "x", targets: [] } };
            put("releases/4.15/4.15.0-0.okd-2025-01-01-020000.json", forged);
            const out = path.join(work, "previous");
            const from = path.join(work, "from");
            const fromName = path.join(work, "from-name");
            run({
                RECORD_ACTION: "previous",
                OUT_FILE: out,
                UPGRADE_FROM: "promoted",
                RESULT_UPGRADE_FROM: from,
                RESULT_UPGRADE_FROM_NAME: fromName,
            });
            assert.equal(fs.readFileSync(out, "utf8").trim(), "");
            assert.equal(fs.readFileSync(fromName, "utf8"), "");
        });

        it("adopts the promotions older records carry into promoted/, once, with their published names", () => {
            const name = "4.16.0-0.okd-scos-2025-01-01-020000";
            const env = { MINOR: "4.16" };
            run({ ...env, RECORD_ACTION: "create", RELEASE_FILE: releaseFile(name, "sha256:16"), PIPELINE_RUN: "r" });
            run({
                ...env,
                RECORD_ACTION: "verdict",
                NAME: name,
                VERDICT: "accepted",
                GATES_FILE: gatesFile("accepted"),
            });
            // A record as the release run wrote it before promoted/ existed.
            const legacy = {
                ...record(name, "4.16"),
                promotion: { at: "2025-01-02T00:00:00Z", targets: [{ release: "quay.io/o/okd:4.16.0-okd-scos.0" }] },
                promotedName: "4.16.0-okd-scos.0",
                promotedNameHeld: true,
            };
            put(`releases/4.16/${name}.json`, legacy);
            assert.match(run({ ...env, RECORD_ACTION: "adopt" }).stdout, /adopted 1 promotion/);
            assert.equal(promoted(name, "4.16").promotion.at, "2025-01-02T00:00:00Z");
            assert.equal(promoted(name, "4.16").promotedName, "4.16.0-okd-scos.0");
            assert.equal(claim(name, "4.16").promotedNameHeld, true);
            assert.match(run({ ...env, RECORD_ACTION: "adopt" }).stdout, /nothing to adopt/);
            // The name stays taken and reused: a re-run of `name` gives it back.
            const out = path.join(work, "published");
            run({ ...env, RECORD_ACTION: "name", NAME: name, DIGEST: "sha256:16", OUT_FILE: out });
            assert.equal(fs.readFileSync(out, "utf8"), "4.16.0-okd-scos.0");
        });

        it("refuses previous, name and promote while a stream has promotions left to adopt, naming adopt", () => {
            // An upgraded site: records written before promoted/ existed carry the promotion, promoted/ is empty.
            const old = "4.15.0-0.okd-scos-2025-01-01-020000";
            const next = "4.15.0-0.okd-scos-2025-01-02-020000";
            for (const [n, d] of [
                [old, "sha256:11"],
                [next, "sha256:12"],
            ]) {
                create(n, d);
                decide(n, "accepted");
            }
            put(`releases/4.15/${old}.json`, {
                ...record(old),
                promotion: { at: "2025-01-02T00:00:00Z", targets: [{ release: "quay.io/o/okd:4.15.0-okd-scos.0" }] },
                promotedName: "4.15.0-okd-scos.0",
                promotedNameHeld: true,
            });
            const out = path.join(work, "out");
            const promotion = path.join(work, "promotion.json");
            fs.writeFileSync(promotion, JSON.stringify([{ release: "quay.io/o/okd:x@sha256:22" }]));
            const refused: Record<string, string>[] = [
                { RECORD_ACTION: "previous", OUT_FILE: out },
                // The previous minor is checked too: a 4.16 nightly reads 4.15's promotions for its edges.
                { RECORD_ACTION: "previous", OUT_FILE: out, MINOR: "4.16", PREVIOUS_MINOR: "4.15" },
                { RECORD_ACTION: "name", NAME: next, DIGEST: "sha256:12", OUT_FILE: out },
                { RECORD_ACTION: "promote", NAME: next, DIGEST: "sha256:12", PROMOTION_FILE: promotion },
            ];
            for (const env of refused) {
                const r = runWith(rclone, env);
                assert.notEqual(r.status, 0, `${env.RECORD_ACTION} ran with promotions left to adopt`);
                assert.match(r.stderr, new RegExp(`${old}\\).*RECORD_ACTION=adopt MINOR=4\\.15`));
            }
            // Nothing was claimed or promoted meanwhile: the published name would have restarted at .0.
            assert.equal(store.read(bucket, `promoted/4.15/claims/${next}.json`), undefined);
            assert.equal(store.read(bucket, `promoted/4.15/${next}.json`), undefined);
            // The promote Task's first step adopts; then the old promotion is an edge and the name continues at .1.
            assert.match(run({ RECORD_ACTION: "adopt" }).stdout, /adopted 1 promotion/);
            run({ RECORD_ACTION: "previous", OUT_FILE: out });
            assert.equal(fs.readFileSync(out, "utf8").trim(), "4.15.0-okd-scos.0");
            run({ RECORD_ACTION: "name", NAME: next, DIGEST: "sha256:12", OUT_FILE: out });
            assert.equal(fs.readFileSync(out, "utf8"), "4.15.0-okd-scos.1");
            // Adoption happens once: a promotion a record carries afterwards (a records identity could write one)
            // is neither adopted nor a reason to refuse.
            put(`releases/4.15/${next}.json`, { ...record(next), promotion: { at: "x", targets: [] } });
            assert.match(run({ RECORD_ACTION: "adopt" }).stdout, /nothing to adopt/);
            assert.equal(store.read(bucket, `promoted/4.15/${next}.json`), undefined);
            run({ RECORD_ACTION: "previous", OUT_FILE: out });
            assert.equal(fs.readFileSync(out, "utf8").trim(), "4.15.0-okd-scos.0");
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
                    runWith(rclone, {
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
                    runWith(rclone, {
                        ...env,
                        RECORD_ACTION: "verdict",
                        NAME: name,
                        VERDICT: "accepted",
                        GATES_FILE: v,
                    }).status,
                    0,
                );
                assert.equal(
                    runWith(rclone, {
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

        it("chooses the release an upgrade gate installs among the payload's upgrade edges, promoted or accepted", () => {
            const hex = (c: string) => `sha256:${c.repeat(64)}`;
            /** A record through release-record.sh itself: created, decided, and promoted to quay and the site. */
            const payload = (minor: string, name: string, digest: string, verdict: string, promoted: boolean) => {
                const env = { ...base(), MINOR: minor };
                const file = path.join(work, `${name}.json`);
                fs.writeFileSync(
                    file,
                    JSON.stringify({
                        name,
                        pullSpec: `registry.example:5000/okd/release:${name}`,
                        digest,
                        basePayload: "b",
                        sources: {},
                        previous: [],
                    }),
                );
                const steps: Record<string, string>[] = [
                    { RECORD_ACTION: "create", RELEASE_FILE: file, PIPELINE_RUN: "r" },
                    { RECORD_ACTION: "verdict", NAME: name, VERDICT: verdict, GATES_FILE: gatesFile(verdict) },
                ];
                if (promoted) {
                    const promo = path.join(work, `${name}.promotion.json`);
                    fs.writeFileSync(
                        promo,
                        JSON.stringify([
                            { release: `quay.io/openshift/okd:${name}@${hex("e")}`, digest: hex("e"), copied: true },
                            {
                                release: `registry.example:5000/okd/promoted:${name}@${hex("d")}`,
                                digest: hex("d"),
                                copied: true,
                            },
                        ]),
                    );
                    steps.push({ RECORD_ACTION: "promote", NAME: name, DIGEST: digest, PROMOTION_FILE: promo });
                }
                for (const step of steps) assert.equal(runWith(rclone, { ...env, ...step }).status, 0);
            };
            payload("4.14", "4.14.0-0.okd-2024-12-15-020000", hex("1"), "accepted", true);
            payload("4.15", "4.15.0-0.okd-2025-01-01-020000", hex("2"), "accepted", true);
            payload("4.15", "4.15.0-0.okd-2025-01-02-020000", hex("3"), "accepted", false);
            payload("4.15", "4.15.0-0.okd-2025-01-03-020000", hex("4"), "rejected", false);

            const previous = (minor: string, previousMinor: string, from: string) => {
                const files = Object.fromEntries(
                    ["edges", "from", "name"].map((f) => [f, path.join(work, `${minor}-${from}-${f}`)]),
                );
                run({
                    MINOR: minor,
                    RECORD_ACTION: "previous",
                    PREVIOUS_MINOR: previousMinor,
                    OUT_FILE: files.edges,
                    UPGRADE_FROM: from,
                    PROMOTED_REPO: "registry.example:5000/okd/promoted",
                    RESULT_UPGRADE_FROM: files.from,
                    RESULT_UPGRADE_FROM_NAME: files.name,
                });
                return Object.fromEntries(
                    Object.entries(files).map(([k, f]) => [k, fs.readFileSync(f, "utf8").trim()]),
                );
            };
            // promoted: the stream's newest promoted release, from the durable promoted copy; edges unchanged.
            assert.deepEqual(previous("4.15", "4.14", "promoted"), {
                edges: "4.15.0-0.okd-2025-01-01-020000,4.14.0-0.okd-2024-12-15-020000",
                from: `registry.example:5000/okd/promoted@${hex("d")}`,
                name: "4.15.0-0.okd-2025-01-01-020000",
            });
            // accepted: the newest accepted nightly (never the newer rejected one), by digest, added to the edges.
            assert.deepEqual(previous("4.15", "4.14", "accepted"), {
                edges: "4.15.0-0.okd-2025-01-01-020000,4.14.0-0.okd-2024-12-15-020000,4.15.0-0.okd-2025-01-02-020000",
                from: `registry.example:5000/okd/release@${hex("3")}`,
                name: "4.15.0-0.okd-2025-01-02-020000",
            });
            // A new stream upgrades from the previous minor's newest promoted release, its one edge.
            assert.deepEqual(previous("4.16", "4.15", "promoted"), {
                edges: "4.15.0-0.okd-2025-01-01-020000",
                from: `registry.example:5000/okd/promoted@${hex("d")}`,
                name: "4.15.0-0.okd-2025-01-01-020000",
            });
            // Nothing to upgrade from: both results empty, so the gate reports skipped.
            assert.deepEqual(previous("4.18", "4.17", "accepted"), { edges: "", from: "", name: "" });

            const bad = runWith(rclone, {
                MINOR: "4.15",
                RECORD_ACTION: "previous",
                OUT_FILE: path.join(work, "x"),
                UPGRADE_FROM: "newest",
                RESULT_UPGRADE_FROM: path.join(work, "y"),
                RESULT_UPGRADE_FROM_NAME: path.join(work, "z"),
            });
            assert.equal(bad.status, 1);
            assert.match(bad.stderr, /UPGRADE_FROM must be promoted or accepted, not newest/);
        });

        it("rebuilds the index from the records", () => {
            create("4.15.0-0.okd-2025-01-01-020000", "sha256:11");
            create("4.15.0-0.okd-2025-01-02-020000", "sha256:22");
            const empty = path.join(work, "empty-index.json");
            fs.writeFileSync(empty, '{"stream":"4.15","releases":[]}');
            store.write(bucket, "releases/4.15/index.json", empty);
            run({ RECORD_ACTION: "reindex" });
            assert.deepEqual(
                index().releases.map((e: { digest: string }) => e.digest),
                ["sha256:22", "sha256:11"],
            );
        });

        it("fails with a clear message when the storage remote is not configured", () => {
            const r = runScript("release-record.sh", {
                ARTIFACTS_BUCKET: bucket,
                MINOR: "4.15",
                RECORD_ACTION: "pick",
            });
            assert.equal(r.status, 1);
            assert.match(r.stderr, /RCLONE_CONFIG_ARTIFACTS_TYPE is not set/);
        });

        it("refuses a release name that is not one", () => {
            const r = runWith(rclone, { RECORD_ACTION: "check", NAME: "../4.15/index", DIGEST: "sha256:11" });
            assert.equal(r.status, 1);
            assert.match(r.stderr, /NAME '..\/4.15\/index' is not a release name/);
        });

        it("says a record is missing, and writes nothing, when no record exists for the name", () => {
            create(name1, "sha256:11");
            const before = store.read(bucket, "releases/4.15/index.json");
            const r = runWith(rclone, {
                RECORD_ACTION: "verdict",
                NAME: "4.15.0-0.okd-2025-01-09-020000",
                VERDICT: "accepted",
                GATES_FILE: gatesFile("accepted"),
            });
            assert.equal(r.status, 1, r.stdout);
            assert.match(r.stderr, /no record for 4.15.0-0.okd-2025-01-09-020000 in releases\/4.15\//);
            assert.deepEqual(store.keys(bucket, "releases/4.15/"), [`${name1}.json`, "index.json"]);
            assert.equal(store.read(bucket, "releases/4.15/index.json"), before);
        });

        it("stops with the store's error when the bucket does not exist", () => {
            const r = runScript(
                "release-record.sh",
                {
                    ...base(),
                    ARTIFACTS_BUCKET: kind === "local" ? `${bucket}-missing` : "okd-ci-no-such-bucket",
                    RECORD_ACTION: "pick",
                    RESULT_NAME: path.join(work, "n"),
                    RESULT_DIGEST: path.join(work, "d"),
                    RESULT_PULLSPEC: path.join(work, "p"),
                    RESULT_VERDICT: path.join(work, "v"),
                },
                rclone.bin,
            );
            assert.equal(r.status, 1, r.stdout);
            assert.match(
                r.stderr,
                /listing the bucket .* failed \(rclone exit 3: it does not exist or is not visible\)/,
            );
            assert.equal(fs.existsSync(path.join(work, "v")), false);
        });

        it("loses no index entry when many runs update the index at once", async () => {
            const names = Array.from(
                { length: 8 },
                (_, i) => `4.15.0-0.okd-2025-02-${String(i + 1).padStart(2, "0")}-020000`,
            );
            const created = await Promise.all(
                names.map((n, i) =>
                    runScriptAsync(
                        "release-record.sh",
                        {
                            ...base(),
                            RECORD_ACTION: "create",
                            RELEASE_FILE: releaseFile(n, `sha256:${i}`),
                            PIPELINE_RUN: `run-${i}`,
                        },
                        rclone.bin,
                    ),
                ),
            );
            for (const r of created) assert.equal(r.status, 0, r.stderr);
            const verdicts = names.map((_, i) => (i % 2 === 0 ? "accepted" : "rejected"));
            const decided = await Promise.all(
                names.map((n, i) =>
                    runScriptAsync(
                        "release-record.sh",
                        {
                            ...base(),
                            RECORD_ACTION: "verdict",
                            NAME: n,
                            VERDICT: verdicts[i],
                            GATES_FILE: gatesFile(verdicts[i]),
                        },
                        rclone.bin,
                    ),
                ),
            );
            for (const r of decided) assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(
                index().releases.map((e: { name: string; verdict: string }) => [e.name, e.verdict]),
                names.map((n, i) => [n, verdicts[i]]).reverse(),
            );
            for (const [i, n] of names.entries()) assert.equal(record(n).verdict, verdicts[i]);
        });

        it("publishes OKD/SCOS releases as 4.Y.0-okd-scos.N, one N per nightly even when promotions race", async function () {
            // Eighteen script runs, four of them racing with random back-off: past the suite's 300 s on a loaded machine.
            this.timeout(900_000);
            const scos = { MINOR: "4.16" };
            const names = Array.from(
                { length: 5 },
                (_, i) => `4.16.0-0.okd-scos-2025-02-${String(i + 1).padStart(2, "0")}-020000`,
            );
            for (const [i, n] of names.entries()) {
                run({
                    ...scos,
                    RECORD_ACTION: "create",
                    RELEASE_FILE: releaseFile(n, `sha256:${i}`),
                    PIPELINE_RUN: "r",
                });
                run({
                    ...scos,
                    RECORD_ACTION: "verdict",
                    NAME: n,
                    VERDICT: "accepted",
                    GATES_FILE: gatesFile("accepted"),
                });
            }
            const out = (i: number) => path.join(work, `published-${i}`);
            const claimName = (i: number) =>
                runScriptAsync(
                    "release-record.sh",
                    {
                        ...base(),
                        ...scos,
                        RECORD_ACTION: "name",
                        NAME: names[i],
                        DIGEST: `sha256:${i}`,
                        OUT_FILE: out(i),
                    },
                    rclone.bin,
                );
            // The first alone, then the other four at once.
            const first = await claimName(0);
            assert.equal(first.status, 0, first.stderr);
            assert.equal(fs.readFileSync(out(0), "utf8"), "4.16.0-okd-scos.0");
            const raced = await Promise.all([1, 2, 3, 4].map(claimName));
            for (const r of raced) assert.equal(r.status, 0, r.stderr);
            const published = names.map((_, i) => fs.readFileSync(out(i), "utf8"));
            assert.deepEqual(
                [...published].sort(),
                [0, 1, 2, 3, 4].map((n) => `4.16.0-okd-scos.${n}`),
                "every nightly its own number, none skipped",
            );
            // The claims live in promoted/ (the promotion identity's); the records are the nightly's and untouched.
            for (const [i, n] of names.entries()) {
                assert.equal(claim(n, "4.16").promotedName, published[i]);
                assert.equal(claim(n, "4.16").promotedNameHeld, true);
                assert.equal(record(n, "4.16").promotedName, undefined);
            }

            // A re-run (the task's retry, or a later release run picking the same nightly) keeps its name.
            const again = await claimName(2);
            assert.equal(again.status, 0, again.stderr);
            assert.equal(fs.readFileSync(out(2), "utf8"), published[2]);
            assert.match(again.stdout, new RegExp(`is published as ${published[2].replace(/\./g, "\\.")}`));

            // Promoted, it is an upgrade edge under that name.
            const promotion = path.join(work, "promotion.json");
            fs.writeFileSync(promotion, "[]");
            run({ ...scos, RECORD_ACTION: "promote", NAME: names[2], DIGEST: "sha256:2", PROMOTION_FILE: promotion });
            assert.equal(promoted(names[2], "4.16").promotedName, published[2]);
            const edges = path.join(work, "previous");
            run({ ...scos, RECORD_ACTION: "previous", OUT_FILE: edges });
            assert.equal(fs.readFileSync(edges, "utf8").trim(), published[2]);
        });

        it("keeps the nightly's name for an OKD/FCOS release, and writes nothing to the record", () => {
            create(name1, "sha256:11");
            decide(name1, "accepted");
            const before = record(name1);
            const out = path.join(work, "published");
            run({ RECORD_ACTION: "name", NAME: name1, DIGEST: "sha256:11", OUT_FILE: out });
            assert.equal(fs.readFileSync(out, "utf8"), name1);
            assert.deepEqual(record(name1), before);
            assert.deepEqual(store.keys(bucket, "promoted/"), []);
        });

        for (const which of [0, 1]) {
            it(`records, decides and picks a payload with ${which === 0 ? "rclone 1.68" : "Debian's rclone 1.60"}`, () => {
                const rc = versions[which];
                const env = {
                    RECORD_ACTION: "create",
                    RELEASE_FILE: releaseFile(name1, "sha256:11"),
                    PIPELINE_RUN: "r",
                };
                let r = runWith(rc, env);
                assert.equal(r.status, 0, `${rc.version}: ${r.stderr}`);
                r = runWith(rc, {
                    RECORD_ACTION: "verdict",
                    NAME: name1,
                    VERDICT: "accepted",
                    GATES_FILE: gatesFile("accepted"),
                });
                assert.equal(r.status, 0, `${rc.version}: ${r.stderr}`);
                assert.deepEqual(
                    index().releases.map((e: { name: string; verdict: string }) => [e.name, e.verdict]),
                    [[name1, "accepted"]],
                );
                const picked = pick(rc);
                assert.equal(picked.name, name1, rc.version);
                assert.equal(picked.verdict, "accepted", rc.version);
            });
        }

        if (kind !== "local") {
            const indexGet = (method: string, url: string) =>
                method === "GET" && url.includes("releases/4.15/index.json");
            const verdictVia = (env: Record<string, string>) =>
                runScriptAsync(
                    "release-record.sh",
                    {
                        ...base(),
                        ...store.faultEnv,
                        RECORD_ACTION: "verdict",
                        NAME: name1,
                        VERDICT: "accepted",
                        GATES_FILE: gatesFile("accepted"),
                        ...env,
                    },
                    rclone.bin,
                );
            const stopsAndKeepsIndex = async (status: 403 | 503, extraEnv: Record<string, string>) => {
                create(name1, "sha256:11");
                const before = store.read(bucket, "releases/4.15/index.json");
                store.proxy!.arm({ match: indexGet, status, times: 1000 });
                const r = await verdictVia(extraEnv);
                assert.equal(r.status, 1, r.stdout);
                assert.match(r.stderr, /reading from .*releases\/4.15\/ failed \(rclone exit [0-9]+\)/);
                assert.ok(store.proxy!.failed > 0, "the fault was never hit");
                assert.equal(store.read(bucket, "releases/4.15/index.json"), before);
                assert.equal(index().releases[0].verdict, "pending");
            };

            it("stops without touching the index when the store forbids reading it (403)", async () => {
                await stopsAndKeepsIndex(403, {});
            });

            it("stops without touching the index when the store keeps failing (503)", async () => {
                // Fewer retries than rclone's defaults (3 attempts of 10 low-level tries) only to keep the test short.
                await stopsAndKeepsIndex(503, { RCLONE_RETRIES: "1", RCLONE_LOW_LEVEL_RETRIES: "2" });
            });

            it("rides out a transient store error and still updates the index", async () => {
                create(name1, "sha256:11");
                store.proxy!.arm({ match: indexGet, status: 503, times: 2 });
                const r = await verdictVia({});
                assert.equal(r.status, 0, r.stderr);
                assert.equal(store.proxy!.failed, 2);
                assert.equal(index().releases[0].verdict, "accepted");
            });

            for (const which of [0, 1]) {
                it(`knows the trap: ${which === 0 ? "rclone 1.68" : "Debian's rclone 1.60"}: cat of a missing object exits 0 with no output`, () => {
                    const rc = versions[which];
                    const cat = (p: string) =>
                        spawnSync(rc.binary, ["--retries", "1", "cat", `artifacts:${p}`], {
                            env: { PATH: process.env.PATH, RCLONE_CONFIG: "/dev/null", ...store.env },
                            encoding: "utf8",
                        });
                    const missing = cat(`${bucket}/releases/4.15/index.json`);
                    assert.equal(missing.status, 0, `${rc.version}: ${missing.stderr}`);
                    assert.equal(missing.stdout, "");
                    const noBucket = cat("okd-ci-no-such-bucket/releases/4.15/index.json");
                    assert.equal(noBucket.status, 3, `${rc.version}: ${noBucket.stderr}`);
                });
            }
        }
    });
}
