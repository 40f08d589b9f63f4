import * as assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { type Status, statusJsonSchema, statusSchema } from "../../components/pipelines/status/schema";
import { requireTool, tempDir } from "../scripts/harness";
import { loadScript } from "../../components/pipelines/scripts";
import { root } from "../synth/run";
import { type Fixture, makeFixture, publish, streamsJson, writeBundle } from "./fixture";

/**
 * The status site as the pipelines publish it: records made by release-record.sh and logs uploaded by upload-logs.sh
 * (fixture.ts), rendered by publish-status.sh with the bundled renderer and node, into status/ of the same bucket.
 */
describe("the status site, published by publish-status.sh from records made by the pipeline scripts", () => {
    let f: Fixture;
    let work: string;
    let renderer: string;
    let status: Status;
    const site = (file: string) => path.join(f.bucket, "status", file);
    const read = (file: string) => fs.readFileSync(site(file), "utf8");
    const stream = (minor: string) => {
        const s = status.streams.find((x) => x.stream === minor);
        assert.ok(s, `no stream ${minor}`);
        return s;
    };
    const payload = (minor: string, name: string) => {
        const p = stream(minor).payloads.find((x) => x.name === name);
        assert.ok(p, `no payload ${name}`);
        return p;
    };

    before(function () {
        this.timeout(120_000);
        for (const tool of ["rclone", "jq", "node"]) requireTool(tool);
        f = makeFixture();
        work = tempDir("status-site");
        renderer = writeBundle(work);
        const r = publish(f.bucket, renderer);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /publish-status: published \d+ file\(s\) to status\//);
        status = JSON.parse(read("status.json"));
    });
    after(() => {
        fs.rmSync(path.dirname(f.bucket), { recursive: true, force: true });
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("publishes an overview, a page per stream and per payload, and the facts as JSON with their schema", () => {
        const files = fs.readdirSync(site(""), { recursive: true }).map(String).sort();
        const n = f.names;
        assert.deepEqual(files, [
            "4.14",
            ...[n.R1, n.R2].map((x) => `4.14/${x}.html`),
            "4.14/index.html",
            "4.14/status.json",
            "4.15",
            ...[n.P1, n.P2, n.P3, n.P4, n.P5].map((x) => `4.15/${x}.html`),
            "4.15/index.html",
            "4.15/status.json",
            "4.16",
            "4.16/index.html",
            "4.16/status.json",
            "index.html",
            // The watermark concurrent renders compare (publish-status.sh).
            "published.json",
            "schema.json",
            "status.json",
        ]);
        assert.deepEqual(JSON.parse(read("schema.json")), JSON.parse(JSON.stringify(statusJsonSchema())));
        // The JSON follows its schema: the renderer's own definitions, parsed strictly.
        statusSchema.parse(status);
        const per = JSON.parse(read("4.15/status.json"));
        assert.deepEqual(per.streams, [stream("4.15")]);
    });

    it("names the latest accepted, promoted and made payload of each stream, newest streams first", () => {
        assert.deepEqual(
            status.streams.map((s) => [s.stream, s.latestAccepted?.name, s.latestPromoted?.name, s.latest?.name]),
            [
                ["4.16", undefined, undefined, undefined],
                ["4.15", f.names.P3, f.names.P1, f.names.P5],
                ["4.14", f.names.R1, f.names.R1, f.names.R2],
            ],
        );
        assert.deepEqual(stream("4.15").counts, {
            total: 5,
            shown: 5,
            accepted: 2,
            rejected: 1,
            unfinished: 1,
            pending: 1,
            promoted: 1,
        });
    });

    it("flags a stream without an accepted payload in 48 h as stale, and one that never had one", () => {
        const fresh = stream("4.15").staleness.accepted;
        assert.equal(fresh.stale, false);
        // P3 was made 30 h before the fixture's time: stale 18 h after it.
        assert.equal(Date.parse(fresh.staleAt as string) - f.now.getTime(), 18 * 3600_000 - (f.now.getTime() % 1000));
        assert.equal(stream("4.14").staleness.accepted.stale, true);
        assert.equal(stream("4.14").staleness.accepted.newest?.name, f.names.R1);
        assert.equal(stream("4.16").staleness.accepted.stale, true);
        assert.equal(stream("4.16").staleness.accepted.newest, null);
        assert.equal(stream("4.16").configured, true);
        // 72 h without a finished payload: 4.14's newest (R2) is 4 days old.
        assert.equal(stream("4.14").staleness.built.stale, true);
        assert.equal(stream("4.15").staleness.built.stale, false);
    });

    it("says why each payload got its verdict and why each gate failed", () => {
        const n = f.names;
        assert.equal(payload("4.15", n.P1).why, "accepted: every blocking gate passed");
        assert.equal(payload("4.15", n.P2).why, "rejected: blocking gate aws failed");
        assert.equal(payload("4.15", n.P2).gates[0].why, "the cluster did not install");
        assert.equal(payload("4.15", n.P3).why, "accepted: every blocking gate passed; optional gcp failed");
        assert.deepEqual(
            payload("4.15", n.P3).gates.map((g) => [g.gate, g.blocking, g.outcome, g.why]),
            [
                ["aws", true, "passed", ""],
                ["gcp", false, "failed", "the cluster installed; the conformance suite failed"],
            ],
        );
        assert.equal(payload("4.15", n.P4).why, "unfinished: the run ended (Failed) before a verdict; never promoted");
        assert.equal(payload("4.15", n.P5).why, "pending: the run is still gating it");
    });

    it("keeps the upgrade edges release-record.sh previous gave each payload, and draws them", () => {
        const n = f.names;
        assert.deepEqual(payload("4.15", n.P3).previous, [n.P1, n.R1]);
        assert.deepEqual(payload("4.15", n.P1).previous, [n.R1]);
        const edges = stream("4.15").graph.edges;
        assert.ok(edges.some((e) => e.from === n.R1 && e.to === n.P3));
        assert.ok(edges.some((e) => e.from === n.P1 && e.to === n.P3));
        const r1 = stream("4.15").graph.nodes.find((x) => x.name === n.R1);
        assert.deepEqual(r1, { name: n.R1, stream: "4.14", verdict: "accepted", promoted: true, known: true });
        const page = read("4.15/index.html");
        assert.match(
            page,
            new RegExp(`<title>${n.R1.replace(/\./g, "\\.")} upgrades to ${n.P3.replace(/\./g, "\\.")}</title>`),
        );
    });

    it("lists each gate's logs and JUnit by their place in the bucket, and links them from status/", () => {
        const p3 = payload("4.15", f.names.P3);
        const dir = `logs/4.15/${f.names.P3}/gcp/`;
        assert.deepEqual(p3.gates[1].artifacts, [
            { path: `${dir}e2e.log`, kind: "log" },
            { path: `${dir}install-attempt-1.log`, kind: "log" },
            { path: `${dir}junit/junit_e2e.xml`, kind: "junit" },
        ]);
        for (const a of p3.gates[1].artifacts) assert.ok(fs.existsSync(path.join(f.bucket, a.path)), a.path);
        const page = read(`4.15/${f.names.P3}.html`);
        // From status/4.15/<name>.html the bucket's root is two levels up.
        assert.ok(page.includes(`href="../../${dir}junit/junit_e2e.xml"`), "JUnit linked relative to the bucket");
    });

    it("shows release notes for the promoted payload and the next candidate, computed from the records", () => {
        const p1 = payload("4.15", f.names.P1).notes;
        assert.deepEqual(p1?.from, { name: f.names.R1, stream: "4.14" });
        const p3 = payload("4.15", f.names.P3).notes;
        assert.deepEqual(p3?.from, { name: f.names.P1, stream: "4.15" });
        assert.deepEqual(
            p3?.components.map((c) => [c.component, c.change, c.compare]),
            [
                [
                    "installer",
                    "updated",
                    `https://github.com/openshift/installer/compare/${"a1".padEnd(40, "1")}...${"a3".padEnd(40, "1")}`,
                ],
                ["machine-os", "rebuilt", undefined],
            ],
        );
        assert.equal(payload("4.15", f.names.P2).notes, undefined, "a rejected payload has no notes");
    });

    it("names the missing renderer ConfigMap, and refuses a prefix outside the bucket", () => {
        const missing = publish(f.bucket, path.join(work, "nowhere", "status.js"));
        assert.equal(missing.status, 1);
        assert.match(
            missing.stderr,
            /the renderer .*nowhere\/status\.js is missing; is the okd-status-renderer ConfigMap mounted\?/,
        );
        const outside = publish(f.bucket, renderer, { STATUS_PREFIX: "../elsewhere/" });
        assert.equal(outside.status, 1);
        assert.match(outside.stderr, /STATUS_PREFIX must be a relative path inside the bucket/);
    });

    it("publishes under another prefix with links still reaching the bucket's root", () => {
        const r = publish(f.bucket, renderer, { STATUS_PREFIX: "pages/okd/" });
        assert.equal(r.status, 0, r.stderr);
        const page = fs.readFileSync(path.join(f.bucket, "pages", "okd", "4.15", `${f.names.P3}.html`), "utf8");
        const href = /href="([^"]*junit_e2e\.xml)"/.exec(page)?.[1] as string;
        assert.ok(fs.existsSync(path.resolve(f.bucket, "pages", "okd", "4.15", href)), href);
    });

    /**
     * Two renders at once, as a nightly's finalize-record and the scheduled render can run: the real renderer (node)
     * and rclone on the local backend; a `node` on PATH that lingers 3 s after the real one ends holds one render
     * between reading the records and publishing, so the other publishes in between.
     */
    describe("concurrent renders", () => {
        const throttle = (observed: string) =>
            JSON.stringify({
                observed,
                dispatchSchedule: "*/10 * * * *",
                streams: [{ stream: "4.15", unfinished: 0, lastStarted: null, pending: [] }],
            });
        const slowNode = () => {
            const bin = path.join(work, "slow-bin");
            fs.mkdirSync(bin, { recursive: true });
            const real = execFileSync("sh", ["-c", "command -v node"], { encoding: "utf8" }).trim();
            fs.writeFileSync(path.join(bin, "node"), `#!/bin/sh\n"${real}" "$@"; rc=$?; sleep 3; exit $rc\n`, {
                mode: 0o755,
            });
            return bin;
        };
        const publishLater = (env: Record<string, string>) => {
            const script = path.join(work, "publish-status.sh");
            fs.writeFileSync(script, loadScript("publish-status.sh"));
            const child = spawn("bash", [script], {
                env: {
                    PATH: `${slowNode()}:${process.env.PATH}`,
                    HOME: work,
                    ARTIFACTS_BUCKET: f.bucket,
                    RCLONE_CONFIG_ARTIFACTS_TYPE: "local",
                    RENDERER: renderer,
                    STREAMS_JSON: streamsJson,
                    ...env,
                },
            });
            let out = "";
            child.stdout.on("data", (c) => (out += c));
            child.stderr.on("data", (c) => (out += c));
            return new Promise<{ code: number; out: string }>((resolve) =>
                child.on("exit", (code) => resolve({ code: code ?? -1, out })),
            );
        };
        const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
        const published = () =>
            JSON.parse(read("published.json")) as { renderStarted: number; throttleObserved: string };

        it("never publishes an older snapshot over a newer one", async function () {
            this.timeout(120_000);
            const older = publishLater({ THROTTLE_JSON: throttle("2025-03-01T12:00:00Z") });
            await wait(1500);
            const newer = publish(f.bucket, renderer, { THROTTLE_JSON: throttle("2025-03-01T12:05:00Z") });
            assert.equal(newer.status, 0, newer.stderr);
            const mark = published();
            const r = await older;
            assert.equal(r.code, 0, r.out);
            assert.match(r.out, /a render that began later already published .*; not publishing this older snapshot/);
            assert.deepEqual(published(), mark, "the newer render's watermark stays");
            assert.equal(JSON.parse(read("throttle.json")).observed, "2025-03-01T12:05:00Z");
        });

        it("keeps the newer throttle snapshot when a later render without one publishes first", async function () {
            this.timeout(120_000);
            publish(f.bucket, renderer, { THROTTLE_JSON: throttle("2025-03-01T13:00:00Z") });
            // The scheduled render with a fresh snapshot, slow; a nightly's render (no snapshot: it reads the
            // published one, 13:00) begins after it and publishes first.
            const scheduled = publishLater({ THROTTLE_JSON: throttle("2025-03-01T13:10:00Z") });
            await wait(1500);
            const nightly = publish(f.bucket, renderer);
            assert.equal(nightly.status, 0, nightly.stderr);
            assert.equal(JSON.parse(read("throttle.json")).observed, "2025-03-01T13:00:00Z");
            const r = await scheduled;
            assert.equal(r.code, 0, r.out);
            assert.match(r.out, /rendering again over the records as they are now/);
            assert.equal(JSON.parse(read("throttle.json")).observed, "2025-03-01T13:10:00Z");
            assert.equal(published().throttleObserved, "2025-03-01T13:10:00Z");
        });
    });

    it("renders exactly the same site with npm run status as with the bundle the pipelines run", function () {
        this.timeout(60_000);
        const now = status.generated;
        const streams = path.join(work, "streams.json");
        fs.writeFileSync(streams, streamsJson);
        const args = ["--from", f.bucket, "--streams", streams, "--now", now, "--artifacts-href", "../"];
        const viaBundle = path.join(work, "bundle");
        const viaNpm = path.join(work, "npm");
        execFileSync("node", [renderer, ...args, "--out", viaBundle]);
        execFileSync(process.execPath, ["--import", "tsx", "scripts/status.ts", ...args, "--out", viaNpm], {
            cwd: root,
        });
        const diff = spawnSync("diff", ["-r", viaBundle, viaNpm], { encoding: "utf8" });
        assert.equal(diff.status, 0, diff.stdout);
        assert.equal(fs.readFileSync(path.join(viaNpm, "status.json"), "utf8"), read("status.json"));
    });
});
