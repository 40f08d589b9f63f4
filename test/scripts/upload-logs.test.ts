import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { runScript, tempDir } from "./harness";
import { type ObjectStore, type Rclone, rclones, runScriptAsync, startObjectStore, storeKinds } from "./object-stores";

/**
 * upload-logs.sh against real object-store servers (moto, Azurite, fake-gcs-server) and the local backend, with the
 * rclone line of the pipeline tools image: exactly the allow-listed files land under the run's prefix, and a store
 * that refuses the upload fails the step with its error.
 */
const prefix = "logs/4.15/4.15.0-0.okd-2025-01-02-020000/";

for (const kind of storeKinds) {
    describe(`upload-logs.sh on ${kind}`, function () {
        this.timeout(300_000);
        let store: ObjectStore;
        let versions: Rclone[];
        let bucket: string;
        let ws: string;

        before(async () => {
            versions = rclones();
            store = await startObjectStore(kind);
        });
        after(async () => {
            await store?.stop();
            for (const v of versions ?? []) fs.rmSync(v.bin, { recursive: true, force: true });
        });
        beforeEach(() => {
            bucket = store.newBucket();
            ws = tempDir("e2e-ws");
            store.proxy?.clear();
            const gate = path.join(ws, "aws");
            fs.mkdirSync(path.join(gate, "artifacts", "junit"), { recursive: true });
            fs.mkdirSync(path.join(gate, "install", "auth"), { recursive: true });
            fs.writeFileSync(path.join(gate, "artifacts", "junit", "junit_e2e.xml"), "<testsuite/>");
            fs.writeFileSync(
                path.join(gate, "artifacts", "install-attempt-1.log"),
                'level=info msg="Login to the console with user: \\"kubeadmin\\", and password: \\"XyZ-secret\\""\n' +
                    'level=debug msg="UserData: c2VjcmV0LXVzZXJkYXRh, InstanceType: m6i.xlarge"\n' +
                    'level=debug msg="X-Auth-Token: token-secret"\n',
            );
            fs.writeFileSync(path.join(gate, "install", "metadata.json"), '{"infraID":"okd-abc"}');
            fs.writeFileSync(path.join(gate, "install", "auth", "kubeadmin-password"), "XyZ-secret");
            fs.writeFileSync(path.join(gate, "install", "auth", "kubeconfig"), "secret");
            fs.writeFileSync(path.join(gate, "install", "install-config.yaml"), "pullSecret: secret");
            fs.writeFileSync(path.join(ws, "pull-secret.json"), "secret");
            fs.mkdirSync(path.join(ws, "gcp", "artifacts"), { recursive: true }); // a gate that left nothing
        });
        afterEach(() => fs.rmSync(ws, { recursive: true, force: true }));

        const upload = (env: Record<string, string> = {}) =>
            runScript(
                "upload-logs.sh",
                { ...store.env, E2E_DIR: ws, ARTIFACTS_BUCKET: bucket, LOGS_PREFIX: prefix, ...env },
                versions[0].bin,
            );

        it("uploads the allow-listed logs and JUnit, redacted, and nothing else", () => {
            const r = upload();
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /3 file\(s\) to logs\/4.15\//);
            assert.deepEqual(store.keys(bucket, prefix), [
                "aws/install-attempt-1.log",
                "aws/junit/junit_e2e.xml",
                "aws/metadata.json",
            ]);
            const log = store.read(bucket, `${prefix}aws/install-attempt-1.log`) ?? "";
            assert.ok(!log.includes("XyZ-secret"), log);
            assert.match(log, /password: \[redacted\]/);
            for (const secret of ["c2VjcmV0LXVzZXJkYXRh", "token-secret"]) assert.ok(!log.includes(secret), log);
            assert.match(log, /UserData: \[redacted\]/);
            assert.deepEqual(
                store.keys(bucket, ""),
                store.keys(bucket, prefix).map((k) => `${prefix}${k}`),
            );
        });

        /**
         * Issue 15: the gates (the payload's own installer and tests) write the workspace; this step runs as the records
         * identity. Whatever they plant pointing at this pod's secrets (its identity token, /proc/self/environ) must
         * not be uploaded: symlinks, a symlinked directory, a hard link, a gate directory that is itself a link.
         */
        it("uploads no symlink, hard link or linked directory a gate planted, and none of what they point at", () => {
            const secrets = tempDir("pod-secrets");
            try {
                const token = path.join(secrets, "azure-identity-token");
                fs.writeFileSync(token, "eyJ-IDENTITY-TOKEN");
                fs.mkdirSync(path.join(secrets, "artifacts"));
                fs.writeFileSync(path.join(secrets, "artifacts", "token.log"), "eyJ-IDENTITY-TOKEN");
                const gate = path.join(ws, "aws");
                fs.rmSync(path.join(gate, "install", "metadata.json"));
                fs.symlinkSync(token, path.join(gate, "install", "metadata.json"));
                fs.symlinkSync("/proc/self/environ", path.join(gate, "install-outcome"));
                fs.symlinkSync(token, path.join(gate, "artifacts", "stolen.log"));
                fs.symlinkSync(path.join(secrets, "artifacts"), path.join(gate, "artifacts", "junit", "linked"));
                fs.linkSync(token, path.join(gate, "artifacts", "hard.log"));
                fs.symlinkSync(secrets, path.join(ws, "azure"));
                const r = upload();
                assert.equal(r.status, 0, r.stderr);
                assert.deepEqual(store.keys(bucket, prefix), ["aws/install-attempt-1.log", "aws/junit/junit_e2e.xml"]);
                for (const key of store.keys(bucket, prefix)) {
                    const body = store.read(bucket, `${prefix}${key}`) ?? "";
                    assert.ok(!body.includes("IDENTITY-TOKEN"), `${key}: ${body}`);
                }
                for (const named of [
                    "stolen.log",
                    "hard.log",
                    "junit/linked",
                    "install/metadata.json",
                    "install-outcome",
                ]) {
                    assert.ok(r.stderr.includes(named), `${named} not named: ${r.stderr}`);
                }
                assert.ok(!r.stdout.includes("IDENTITY-TOKEN") && !r.stderr.includes("IDENTITY-TOKEN"));
            } finally {
                fs.rmSync(secrets, { recursive: true, force: true });
            }
        });

        it("uploads again on a retried step", () => {
            assert.equal(upload().status, 0);
            const r = upload();
            assert.equal(r.status, 0, r.stderr);
            assert.equal(store.keys(bucket, prefix).length, 3);
        });

        if (kind !== "local") {
            it("fails with the store's error when it refuses the upload (403)", async () => {
                store.proxy!.arm({
                    match: (method, url) => method !== "GET" && method !== "HEAD" && url.includes("logs/4.15/"),
                    status: 403,
                    times: 1000,
                });
                const r = await runScriptAsync(
                    "upload-logs.sh",
                    {
                        ...store.faultEnv,
                        E2E_DIR: ws,
                        ARTIFACTS_BUCKET: bucket,
                        LOGS_PREFIX: prefix,
                        RCLONE_RETRIES: "1",
                        RCLONE_LOW_LEVEL_RETRIES: "1",
                    },
                    versions[0].bin,
                );
                assert.notEqual(r.status, 0, r.stdout);
                assert.match(r.stderr, /403|AccessDenied|AuthorizationPermissionMismatch|forbidden/);
                assert.match(
                    r.stderr,
                    /upload-logs: uploading 3 file\(s\) to logs\/4.15\/.* failed \(rclone exit [0-9]+\)/,
                );
                assert.ok(store.proxy!.failed > 0, "the fault was never hit");
                assert.deepEqual(store.keys(bucket, prefix), []);
            });
        }

        it("fails when the bucket does not exist", () => {
            const r = upload({ ARTIFACTS_BUCKET: kind === "local" ? `${bucket}-missing/x` : "okd-ci-no-such-bucket" });
            if (kind === "local") {
                // The local backend creates directories as it goes; only bucket stores can be missing a bucket.
                assert.equal(r.status, 0, r.stderr);
            } else {
                assert.notEqual(r.status, 0, r.stdout);
                assert.match(r.stderr, /in okd-ci-no-such-bucket failed \(rclone exit [0-9]+\)/);
            }
        });
    });
}
