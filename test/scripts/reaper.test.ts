/**
 * The cluster registry and reaper scripts: register-cluster.sh (a gate's metadata.json into artifact storage before
 * the cluster exists), reap-select.sh, reap-destroy.sh and reap-record.sh. Against the local backend and moto's S3
 * with the rclone of the tools image; openshift-install is the rule-enforcing stub (stubs/openshift-install.sh: destroy
 * needs metadata.json and credentials that authenticate), oc a recording stub that "extracts" it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { calls, requireTool, runScript, stub, tempDir } from "./harness";
import { type ObjectStore, type Rclone, type StoreKind, rclones, startObjectStore } from "./object-stores";

const installerStub = path.resolve(__dirname, "stubs", "openshift-install.sh");
const awsCredentials = "[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = c2VjcmV0\n";
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");
const metadata = (name: string) =>
    JSON.stringify({ clusterName: name, infraID: `${name}-abcde`, aws: { region: "us-east-1" } });

for (const kind of ["local", "s3"] as StoreKind[]) {
    describe(`cluster registry and reaper on ${kind}`, function () {
        this.timeout(300_000);
        let store: ObjectStore;
        let versions: Rclone[];
        let bucket: string;
        let dir: string;
        let bin: string;

        before(async () => {
            requireTool("jq");
            versions = rclones();
            store = await startObjectStore(kind);
        });
        after(async () => {
            await store?.stop();
            for (const v of versions ?? []) fs.rmSync(v.bin, { recursive: true, force: true });
        });
        beforeEach(() => {
            bucket = store.newBucket();
            dir = tempDir("reaper");
            bin = path.join(dir, "bin");
            // oc "extracts" an installer: a recording wrapper around the rule-enforcing stub.
            stub(bin, "openshift-install-real", `exec "${installerStub}" "$@"`, ["AWS_SHARED_CREDENTIALS_FILE"]);
            stub(
                bin,
                "oc",
                `for a in "$@"; do case "$a" in --to=*) to="\${a#--to=}" ;; esac; done
mkdir -p "$to"; printf '#!/usr/bin/env bash\\nexec ${bin}/openshift-install-real "$@"\\n' >"$to/openshift-install"; chmod +x "$to/openshift-install"`,
            );
            fs.symlinkSync(path.join(versions[0].bin, "rclone"), path.join(bin, "rclone"));
            fs.writeFileSync(path.join(dir, "awscred"), awsCredentials);
            fs.writeFileSync(path.join(dir, "pull-secret.json"), '{"auths":{}}');
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        /** A registration as register-cluster.sh leaves it, registered `age` hours ago. */
        const register = (gate: string, run: string, age: number, extra: Record<string, unknown> = {}) => {
            const src = path.join(dir, "src");
            fs.mkdirSync(src, { recursive: true });
            fs.writeFileSync(path.join(src, "metadata.json"), metadata(`okd-e2e-${run.split("-").pop()}`));
            fs.writeFileSync(
                path.join(src, "run.json"),
                JSON.stringify({
                    pipelineRun: run,
                    gate,
                    releaseImage: "registry.example/okd/release@sha256:abc",
                    clusterName: `okd-e2e-${run.split("-").pop()}`,
                    infraID: `okd-e2e-${run.split("-").pop()}-abcde`,
                    registered: hoursAgo(age),
                    ...extra,
                }),
            );
            for (const f of ["metadata.json", "run.json"]) {
                store.write(bucket, `clusters/${gate}/${run}/${f}`, path.join(src, f));
            }
        };
        const env = (extra: Record<string, string> = {}) => ({ ...store.env, ARTIFACTS_BUCKET: bucket, ...extra });

        describe("register-cluster.sh", () => {
            const state = () => path.join(dir, "ws", "aws");
            const run = (extra: Record<string, string> = {}) =>
                runScript(
                    "register-cluster.sh",
                    env({
                        STATE_DIR: state(),
                        GATE: "aws",
                        PIPELINE_RUN: "okd-nightly-4-15-x7k2p",
                        RELEASE_IMAGE: "registry.example/okd/release@sha256:abc",
                        ...extra,
                    }),
                    bin,
                );

            it("stores metadata.json and run.json under clusters/<gate>/<run>/", () => {
                fs.mkdirSync(path.join(state(), "install"), { recursive: true });
                fs.writeFileSync(path.join(state(), "install", "metadata.json"), metadata("okd-e2e-01234567"));
                const r = run();
                assert.equal(r.status, 0, r.stderr);
                assert.match(
                    r.stdout,
                    /okd-e2e-01234567 \(infraID okd-e2e-01234567-abcde\) registered at clusters\/aws\//,
                );
                assert.deepEqual(store.keys(bucket, "clusters/").sort(), [
                    "aws/okd-nightly-4-15-x7k2p/metadata.json",
                    "aws/okd-nightly-4-15-x7k2p/run.json",
                ]);
                const record = JSON.parse(store.read(bucket, "clusters/aws/okd-nightly-4-15-x7k2p/run.json") ?? "{}");
                assert.equal(record.releaseImage, "registry.example/okd/release@sha256:abc");
                assert.equal(record.infraID, "okd-e2e-01234567-abcde");
                assert.ok(Date.now() - Date.parse(record.registered) < 600_000, record.registered);
                assert.deepEqual(
                    JSON.parse(store.read(bucket, "clusters/aws/okd-nightly-4-15-x7k2p/metadata.json") ?? "{}"),
                    JSON.parse(metadata("okd-e2e-01234567")),
                );
            });

            it("registers nothing when the install ended before metadata.json, and refuses foreign metadata", () => {
                const none = run();
                assert.equal(none.status, 0, none.stderr);
                assert.match(none.stdout, /nothing to register/);
                assert.deepEqual(store.keys(bucket, "clusters/"), []);
                fs.mkdirSync(path.join(state(), "install"), { recursive: true });
                fs.writeFileSync(path.join(state(), "install", "metadata.json"), '{"hello":"world"}');
                const bad = run();
                assert.equal(bad.status, 1);
                assert.match(bad.stderr, /has no infraID and clusterName/);
            });

            it("refuses a metadata.json the installer replaced by a symlink to a secret, and uploads nothing", () => {
                // A JSON secret that passes the metadata check: only the link itself gives it away.
                const secret = path.join(dir, "pod-secret.json");
                fs.writeFileSync(secret, '{"infraID":"SECRET-VALUE","clusterName":"x","token":"SECRET-VALUE"}');
                fs.mkdirSync(path.join(state(), "install"), { recursive: true });
                fs.symlinkSync(secret, path.join(state(), "install", "metadata.json"));
                const r = run();
                assert.equal(r.status, 1, r.stdout);
                assert.match(r.stderr, /metadata.json is not a regular file inside .*; not registered/);
                assert.ok(!r.stdout.includes("SECRET-VALUE") && !r.stderr.includes("SECRET-VALUE"));
                assert.deepEqual(store.keys(bucket, "clusters/"), []);
            });

            it("registers an upgrade gate's cluster as <cloud>-upgrade, with the earlier release it was installed from", () => {
                const upgrade = path.join(dir, "ws", "gcp-upgrade");
                fs.mkdirSync(path.join(upgrade, "install"), { recursive: true });
                fs.writeFileSync(path.join(upgrade, "install", "metadata.json"), metadata("okd-e2e-89abcdef"));
                const r = run({
                    STATE_DIR: upgrade,
                    GATE: "gcp-upgrade",
                    RELEASE_IMAGE: "registry.example/okd/release@sha256:earlier",
                });
                assert.equal(r.status, 0, r.stderr);
                assert.match(r.stdout, /gcp-upgrade: okd-e2e-89abcdef .* registered at clusters\/gcp-upgrade\//);
                const record = JSON.parse(
                    store.read(bucket, "clusters/gcp-upgrade/okd-nightly-4-15-x7k2p/run.json") ?? "{}",
                );
                assert.equal(record.gate, "gcp-upgrade");
                assert.equal(record.releaseImage, "registry.example/okd/release@sha256:earlier");
                assert.ok(store.read(bucket, "clusters/gcp-upgrade/okd-nightly-4-15-x7k2p/metadata.json"));
            });

            it("registers nothing for an upgrade gate with no earlier release (no metadata.json, no release)", () => {
                const upgrade = path.join(dir, "ws", "aws-upgrade");
                fs.mkdirSync(upgrade, { recursive: true });
                fs.writeFileSync(path.join(upgrade, "install-outcome"), "skipped");
                const r = run({ STATE_DIR: upgrade, GATE: "aws-upgrade", RELEASE_IMAGE: "" });
                assert.equal(r.status, 0, r.stderr);
                assert.match(r.stdout, /nothing to register/);
                assert.deepEqual(store.keys(bucket, "clusters/"), []);
            });

            it("refuses a gate that is neither a cloud nor a cloud's upgrade gate, and metadata without a release", () => {
                fs.mkdirSync(path.join(state(), "install"), { recursive: true });
                fs.writeFileSync(path.join(state(), "install", "metadata.json"), metadata("okd-e2e-01234567"));
                const bad = run({ GATE: "aws-downgrade" });
                assert.equal(bad.status, 1);
                assert.match(
                    bad.stderr,
                    /GATE must be aws, gcp or azure, or one of them with -upgrade .*not aws-downgrade/,
                );
                const noImage = run({ RELEASE_IMAGE: "" });
                assert.equal(noImage.status, 1);
                assert.match(noImage.stderr, /RELEASE_IMAGE is required/);
                assert.deepEqual(store.keys(bucket, "clusters/"), []);
            });

            it("fails when the store cannot be written, so the gate creates no cluster", () => {
                fs.mkdirSync(path.join(state(), "install"), { recursive: true });
                fs.writeFileSync(path.join(state(), "install", "metadata.json"), metadata("okd-e2e-01234567"));
                const r = run({ ARTIFACTS_BUCKET: kind === "local" ? "/proc/no-such-bucket" : "no-such-bucket" });
                assert.equal(r.status, 1);
                assert.match(r.stderr, /no cluster is created unregistered/);
            });
        });

        describe("reap-select.sh, reap-destroy.sh, reap-record.sh", () => {
            const out = () => path.join(dir, "reap");
            const select = (extra: Record<string, string> = {}) =>
                runScript(
                    "reap-select.sh",
                    env({ GATES: "aws gcp", TTL_HOURS: "24", OUT_DIR: out(), LIVE_RUNS: "", ...extra }),
                    bin,
                );
            const destroy = (extra: Record<string, string> = {}) =>
                runScript(
                    "reap-destroy.sh",
                    {
                        WORK_DIR: out(),
                        GATE: "aws",
                        DRY_RUN: "false",
                        PULL_SECRET_FILE: path.join(dir, "pull-secret.json"),
                        CREDENTIALS_ENV: "AWS_SHARED_CREDENTIALS_FILE",
                        CREDENTIALS_SECRET: "okd-gate-aws",
                        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "awscred"),
                        ...extra,
                    },
                    bin,
                );
            const record = () =>
                runScript("reap-record.sh", env({ OUT_DIR: out(), LOGS_PREFIX: "logs/reaper/okd-reap-x1/" }), bin);

            it("reaps only registrations whose run is gone and that are older than the TTL", () => {
                register("aws", "okd-nightly-4-15-gone1", 30);
                register("aws", "okd-nightly-4-15-live1", 30);
                register("aws", "okd-nightly-4-15-young", 3);
                const r = select({ LIVE_RUNS: "okd-release-4-15-abcde okd-nightly-4-15-live1" });
                assert.equal(r.status, 0, r.stderr);
                assert.match(
                    r.stdout,
                    /aws\/okd-nightly-4-15-gone1: .*: to reap, its run is gone and it was registered 30h ago/,
                );
                assert.match(r.stdout, /aws\/okd-nightly-4-15-live1: .*: kept, its run is still going/);
                assert.match(r.stdout, /aws\/okd-nightly-4-15-young: .*: kept, registered 3h ago, under the 24h TTL/);
                // gcp has no registration at all: an empty listing, not an error.
                assert.match(r.stdout, /1 cluster\(s\) to reap, 2 kept/);
                assert.deepEqual(fs.readdirSync(path.join(out(), "aws")), ["okd-nightly-4-15-gone1"]);
                assert.deepEqual(fs.readdirSync(path.join(out(), "aws", "okd-nightly-4-15-gone1")).sort(), [
                    "metadata.json",
                    "run.json",
                ]);
            });

            it("records no destroy.log or outcome the installer replaced by a symlink to the records pod's secrets", () => {
                register("aws", "okd-nightly-4-15-gone1", 30);
                assert.equal(select().status, 0);
                const picked = path.join(out(), "aws", "okd-nightly-4-15-gone1");
                const token = path.join(dir, "azure-identity-token");
                fs.writeFileSync(token, "eyJ-RECORDS-TOKEN");
                fs.symlinkSync(token, path.join(picked, "destroy.log"));
                fs.symlinkSync(token, path.join(picked, "outcome"));
                const rec = record();
                assert.equal(rec.status, 0, rec.stderr);
                assert.match(rec.stderr, /destroy.log is not a regular file inside .*; not uploaded/);
                const keys = store.keys(bucket, "logs/reaper/okd-reap-x1/");
                assert.deepEqual(keys, ["summary.jsonl"]);
                const summary = store.read(bucket, "logs/reaper/okd-reap-x1/summary.jsonl") ?? "";
                assert.ok(!summary.includes("RECORDS-TOKEN"), summary);
                assert.equal(JSON.parse(summary.trim()).outcome, "not-run");
                // Not "destroyed": the registration stays, and the next run tries again.
                assert.ok(store.read(bucket, "clusters/aws/okd-nightly-4-15-gone1/run.json"));
            });

            it("dry run: says what it would destroy, destroys nothing and keeps the registration", () => {
                register("aws", "okd-nightly-4-15-gone1", 30);
                assert.equal(select().status, 0);
                const r = destroy({ DRY_RUN: "true" });
                assert.equal(r.status, 0, r.stderr);
                assert.match(
                    r.stdout,
                    /dry run: would destroy okd-e2e-gone1 \(infraID okd-e2e-gone1-abcde\) of aws\/okd-nightly-4-15-gone1 with the installer of registry\.example\/okd\/release@sha256:abc/,
                );
                assert.deepEqual(calls(bin, "oc"), []);
                const rec = record();
                assert.equal(rec.status, 0, rec.stderr);
                assert.match(rec.stdout, /okd-nightly-4-15-gone1: dry-run, registration kept/);
                assert.ok(store.read(bucket, "clusters/aws/okd-nightly-4-15-gone1/run.json"));
                const summary = (store.read(bucket, "logs/reaper/okd-reap-x1/summary.jsonl") ?? "").trim().split("\n");
                assert.equal(summary.length, 1);
                assert.equal(JSON.parse(summary[0]).outcome, "dry-run");
            });

            it("destroys with the run's installer from the stored metadata, then removes the registration and logs it", () => {
                register("aws", "okd-nightly-4-15-gone1", 30);
                register("aws", "okd-nightly-4-15-young", 1);
                assert.equal(select().status, 0);
                const r = destroy();
                assert.equal(r.status, 0, r.stderr);
                assert.match(
                    r.stdout,
                    /destroyed okd-e2e-gone1 \(infraID okd-e2e-gone1-abcde\) of aws\/okd-nightly-4-15-gone1/,
                );
                const work = path.join(out(), "aws", "okd-nightly-4-15-gone1");
                assert.deepEqual(calls(bin, "oc")[0].args, [
                    "adm",
                    "release",
                    "extract",
                    `--registry-config=${path.join(dir, "pull-secret.json")}`,
                    "--command=openshift-install",
                    `--to=${work}/bin`,
                    "registry.example/okd/release@sha256:abc",
                ]);
                const destroyCall = calls(bin, "openshift-install-real")[0];
                assert.deepEqual(destroyCall.args, [`--dir=${work}/install`, "destroy", "cluster"]);
                assert.equal(destroyCall.env.AWS_SHARED_CREDENTIALS_FILE, path.join(dir, "awscred"));
                assert.equal(fs.readFileSync(path.join(work, "outcome"), "utf8"), "destroyed");
                const rec = record();
                assert.equal(rec.status, 0, rec.stderr);
                assert.deepEqual(store.keys(bucket, "clusters/aws/okd-nightly-4-15-gone1/"), []);
                assert.ok(
                    store.read(bucket, "clusters/aws/okd-nightly-4-15-young/run.json"),
                    "control: the young one stays",
                );
                assert.match(
                    store.read(bucket, "logs/reaper/okd-reap-x1/aws/okd-nightly-4-15-gone1/destroy.log") ?? "",
                    /destroyed/,
                );
                const line = JSON.parse(store.read(bucket, "logs/reaper/okd-reap-x1/summary.jsonl") ?? "{}");
                assert.deepEqual(
                    { gate: line.gate, run: line.run, infraID: line.infraID, outcome: line.outcome },
                    {
                        gate: "aws",
                        run: "okd-nightly-4-15-gone1",
                        infraID: "okd-e2e-gone1-abcde",
                        outcome: "destroyed",
                    },
                );
                // The next run finds nothing left to reap.
                fs.rmSync(out(), { recursive: true, force: true });
                const again = select();
                assert.match(again.stdout, /0 cluster\(s\) to reap, 1 kept/);
            });

            it("reaps a leaked upgrade cluster with the installer of the earlier release it was installed from", () => {
                register("aws-upgrade", "okd-nightly-4-16-gone3", 30, {
                    releaseImage: "registry.example/okd/release@sha256:earlier",
                });
                register("aws-upgrade", "okd-nightly-4-16-live3", 30);
                register("gcp-upgrade", "okd-nightly-4-16-gone4", 30);
                const s = select({ LIVE_RUNS: "okd-nightly-4-16-live3" });
                assert.equal(s.status, 0, s.stderr);
                assert.match(s.stdout, /aws-upgrade\/okd-nightly-4-16-gone3: .*: to reap/);
                assert.match(s.stdout, /aws-upgrade\/okd-nightly-4-16-live3: .*: kept, its run is still going/);
                assert.match(s.stdout, /2 cluster\(s\) to reap, 1 kept/);
                // The aws credentials destroy aws's clusters only: gcp's upgrade cluster waits for gcp's destroy task.
                const r = destroy();
                assert.equal(r.status, 0, r.stderr);
                assert.match(
                    r.stdout,
                    /destroyed okd-e2e-gone3 \(infraID okd-e2e-gone3-abcde\) of aws-upgrade\/okd-nightly-4-16-gone3/,
                );
                assert.match(r.stdout, /1 picked, 0 failed/);
                const work = path.join(out(), "aws-upgrade", "okd-nightly-4-16-gone3");
                const extract = calls(bin, "oc");
                assert.equal(extract.length, 1);
                assert.equal(extract[0].args.at(-1), "registry.example/okd/release@sha256:earlier");
                assert.deepEqual(calls(bin, "openshift-install-real")[0].args, [
                    `--dir=${work}/install`,
                    "destroy",
                    "cluster",
                ]);
                const rec = record();
                assert.equal(rec.status, 0, rec.stderr);
                assert.deepEqual(store.keys(bucket, "clusters/aws-upgrade/okd-nightly-4-16-gone3/"), []);
                assert.ok(store.read(bucket, "clusters/aws-upgrade/okd-nightly-4-16-live3/run.json"));
                assert.ok(store.read(bucket, "clusters/gcp-upgrade/okd-nightly-4-16-gone4/run.json"));
                const lines = (store.read(bucket, "logs/reaper/okd-reap-x1/summary.jsonl") ?? "")
                    .trim()
                    .split("\n")
                    .map((l) => JSON.parse(l));
                assert.deepEqual(lines.map((l) => [l.gate, l.run, l.outcome]).sort(), [
                    ["aws-upgrade", "okd-nightly-4-16-gone3", "destroyed"],
                    ["gcp-upgrade", "okd-nightly-4-16-gone4", "not-run"],
                ]);
            });

            it("tells oc to skip TLS only where the site registry has none (TLS_VERIFY=false)", () => {
                register("aws", "okd-nightly-4-15-gone1", 30);
                assert.equal(select().status, 0);
                assert.equal(destroy({ TLS_VERIFY: "false" }).status, 0);
                assert.deepEqual(calls(bin, "oc")[0].args.slice(0, 4), [
                    "adm",
                    "release",
                    "extract",
                    "--insecure=true",
                ]);
            });

            it("a failed destroy fails the step, keeps the registration for the next run, and the others still go", () => {
                register("aws", "okd-nightly-4-15-gone1", 30);
                register("aws", "okd-nightly-4-15-gone2", 30, { releaseImage: "" });
                assert.equal(select().status, 0);
                const r = destroy();
                assert.equal(r.status, 1);
                assert.match(r.stderr, /okd-nightly-4-15-gone2: run\.json names no releaseImage/);
                assert.match(r.stdout, /destroyed okd-e2e-gone1/);
                assert.equal(record().status, 0);
                assert.deepEqual(store.keys(bucket, "clusters/aws/okd-nightly-4-15-gone1/"), []);
                assert.equal(store.keys(bucket, "clusters/aws/okd-nightly-4-15-gone2/").length, 2);
            });

            it("without the gate's credentials it destroys nothing and names the Secret", () => {
                register("aws", "okd-nightly-4-15-gone1", 30);
                assert.equal(select().status, 0);
                const r = destroy({ AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "missing") });
                assert.equal(r.status, 1);
                assert.match(r.stderr, /the Secret okd-gate-aws holds them/);
                assert.deepEqual(calls(bin, "openshift-install-real"), []);
            });

            it("refuses bad settings", () => {
                const ttl = select({ TTL_HOURS: "0" });
                assert.equal(ttl.status, 1);
                assert.match(ttl.stderr, /TTL_HOURS must be a whole number of hours of at least 1, got '0'/);
                const gates = select({ GATES: "aws openstack" });
                assert.equal(gates.status, 1);
                assert.match(gates.stderr, /GATES holds 'openstack'/);
                const dry = destroy({ DRY_RUN: "yes" });
                assert.equal(dry.status, 1);
                assert.match(dry.stderr, /DRY_RUN must be true or false, not yes/);
            });
        });
    });
}
