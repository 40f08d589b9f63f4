/**
 * An artifact bucket made by the pipeline's own scripts, as the nightlies and releases leave it: records written by
 * release-record.sh (previous → create → verdict → finalize → promote, with real rclone on its local backend and real
 * jq), gate logs and JUnit uploaded by upload-logs.sh from an e2e workspace shaped as the gates leave it.
 *
 *   4.15  fresh: promoted P1 (10 d), rejected P2 (3 d, blocking aws did not install), accepted P3 (30 h, optional
 *         gcp's suite failed; upgrade edges from P1 and 4.14's R1), unfinished P4 (2 h), pending P5 (1 h)
 *   4.14  stale: promoted R1 (20 d), rejected R2 (4 d)
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { statusRendererBundle } from "../../components/pipelines/status/bundle";
import { runScript, tempDir } from "../scripts/harness";

const hour = 3600_000;

/** `4.15.0-0.okd-2025-01-02-030405` for a time. */
export function payloadName(minor: string, t: Date): string {
    const p = (n: number) => String(n).padStart(2, "0");
    return `${minor}.0-0.okd-${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())}-${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}`;
}

export interface GateRun {
    gate: string;
    blocking: boolean;
    /** What the e2e scripts left: install-outcome, and the suite's outcome. */
    install: "passed" | "failed";
    tests?: "passed" | "failed";
}

export interface Fixture {
    bucket: string;
    now: Date;
    names: Record<"P1" | "P2" | "P3" | "P4" | "P5" | "R1" | "R2", string>;
}

function run(bucket: string, minor: string, env: Record<string, string>): string {
    const r = runScript("release-record.sh", {
        RCLONE_CONFIG_ARTIFACTS_TYPE: "local",
        ARTIFACTS_BUCKET: bucket,
        MINOR: minor,
        ...env,
    });
    assert.equal(r.status, 0, `release-record.sh ${env.RECORD_ACTION}: ${r.stderr}`);
    return r.stdout;
}

export interface PayloadSpec {
    minor: string;
    name: string;
    sources: Record<string, { image: string; source?: string; commit?: string }>;
    gates?: GateRun[];
    verdict?: "accepted" | "rejected";
    /** Finalize with this run status (omit for a run still going). */
    finish?: string;
    promote?: boolean;
}

/** One payload through the scripts, as the nightly (and the release pipeline, when `promote`) would. */
export function recordPayload(bucket: string, work: string, p: PayloadSpec): void {
    // assemble: the upgrade edges first (release-record.sh previous), then the payload JSON assemble-release.sh writes.
    const previousFile = path.join(work, `${p.name}.previous`);
    const [major, m] = p.minor.split(".").map(Number);
    run(bucket, p.minor, {
        RECORD_ACTION: "previous",
        PREVIOUS_MINOR: m > 0 ? `${major}.${m - 1}` : "",
        OUT_FILE: previousFile,
    });
    const previous = fs.readFileSync(previousFile, "utf8").trim();
    const digest = `sha256:${Buffer.from(p.name).toString("hex").padEnd(64, "0").slice(0, 64)}`;
    const release = path.join(work, `${p.name}.release.json`);
    fs.writeFileSync(
        release,
        JSON.stringify({
            name: p.name,
            pullSpec: `registry.example/okd/release:${p.name}`,
            digest,
            basePayload: `quay.io/openshift/okd:${p.minor}.0-0.okd-2024-03-10-010116`,
            sources: p.sources,
            previous: previous === "" ? [] : previous.split(","),
        }),
    );
    run(bucket, p.minor, {
        RECORD_ACTION: "create",
        RELEASE_FILE: release,
        PIPELINE_RUN: `okd-nightly-${p.minor.replace(".", "-")}-${p.name.slice(-6)}`,
    });

    if (p.gates) {
        // The e2e workspace as e2e-install.sh and e2e-test.sh leave it, uploaded by upload-logs.sh.
        const ws = path.join(work, `${p.name}.e2e`);
        for (const g of p.gates) {
            const dir = path.join(ws, g.gate);
            fs.mkdirSync(path.join(dir, "artifacts", "junit"), { recursive: true });
            fs.writeFileSync(path.join(dir, "install-outcome"), g.install);
            fs.writeFileSync(
                path.join(dir, "artifacts", "install-attempt-1.log"),
                `level=info msg="install ${g.install}"\n`,
            );
            if (g.install === "passed") {
                fs.writeFileSync(path.join(dir, "artifacts", "e2e.log"), `suite ${g.tests}\n`);
                fs.writeFileSync(
                    path.join(dir, "artifacts", "junit", "junit_e2e.xml"),
                    `<testsuite name="openshift-tests" tests="2" failures="${g.tests === "failed" ? 1 : 0}"/>\n`,
                );
            }
        }
        const up = runScript("upload-logs.sh", {
            E2E_DIR: ws,
            ARTIFACTS_BUCKET: bucket,
            LOGS_PREFIX: `logs/${p.minor}/${p.name}/`,
            RCLONE_CONFIG_ARTIFACTS_TYPE: "local",
        });
        assert.equal(up.status, 0, up.stderr);
    }
    if (p.verdict) {
        const gates = path.join(work, `${p.name}.gates.json`);
        fs.writeFileSync(
            gates,
            JSON.stringify(
                (p.gates ?? []).map((g) => ({
                    gate: g.gate,
                    blocking: g.blocking,
                    outcome: g.install === "passed" && g.tests === "passed" ? "passed" : "failed",
                })),
            ),
        );
        run(bucket, p.minor, { RECORD_ACTION: "verdict", NAME: p.name, VERDICT: p.verdict, GATES_FILE: gates });
    }
    if (p.finish) {
        run(bucket, p.minor, {
            RECORD_ACTION: "finalize",
            NAME: p.name,
            PIPELINE_STATUS: p.finish,
            LOGS_URL: `s3://okd-artifacts/logs/${p.minor}/${p.name}/`,
        });
    }
    if (p.promote) {
        const promotion = path.join(work, `${p.name}.promotion.json`);
        const target = (repo: string, content: string, n: number) => {
            const d = `sha256:${String(n).repeat(64).slice(0, 64)}`;
            return { release: `${repo}:${p.name}@${d}`, pullSpec: `${repo}@${d}`, digest: d, content, copied: true };
        };
        fs.writeFileSync(
            promotion,
            JSON.stringify([
                target("quay.io/openshift/okd", "quay.io/openshift/okd-content", 7),
                target("registry.example/okd/promoted", "registry.example/okd/promoted-content", 8),
            ]),
        );
        run(bucket, p.minor, { RECORD_ACTION: "promote", NAME: p.name, DIGEST: digest, PROMOTION_FILE: promotion });
    }
}

const gh = (repo: string) => `https://github.com/openshift/${repo}`;

/** The bucket described at the top, with payload times relative to `now`. */
export function makeFixture(now = new Date()): Fixture {
    const bucket = path.join(tempDir("status-bucket"), "bucket");
    // The bucket exists before any run, as on every site (release-record.sh refuses a missing one).
    fs.mkdirSync(bucket);
    const work = tempDir("status-work");
    const at = (hoursAgo: number) => new Date(Math.floor(now.getTime() / 1000) * 1000 - hoursAgo * hour);
    const names = {
        R1: payloadName("4.14", at(20 * 24)),
        R2: payloadName("4.14", at(4 * 24)),
        P1: payloadName("4.15", at(10 * 24)),
        P2: payloadName("4.15", at(3 * 24)),
        P3: payloadName("4.15", at(30)),
        P4: payloadName("4.15", at(2)),
        P5: payloadName("4.15", at(1)),
    };
    const aws = (install: "passed" | "failed", tests?: "passed" | "failed"): GateRun => ({
        gate: "aws",
        blocking: true,
        install,
        tests,
    });
    const gcp = (install: "passed" | "failed", tests?: "passed" | "failed"): GateRun => ({
        gate: "gcp",
        blocking: false,
        install,
        tests,
    });
    const src = (installer: string, keys: string) => ({
        "machine-os": { image: `registry.example/okd/machine-os@sha256:${installer.padEnd(64, "e")}` },
        installer: {
            image: `registry.example/okd/components@sha256:${installer.padEnd(64, "1")}`,
            source: gh("installer"),
            commit: installer.padEnd(40, "1"),
        },
        "cluster-update-keys": {
            image: `registry.example/okd/components@sha256:${keys.padEnd(64, "2")}`,
            source: gh("cluster-update-keys"),
            commit: keys.padEnd(40, "2"),
        },
    });
    try {
        recordPayload(bucket, work, {
            minor: "4.14",
            name: names.R1,
            sources: src("a0", "c0"),
            gates: [aws("passed", "passed")],
            verdict: "accepted",
            finish: "Succeeded",
            promote: true,
        });
        recordPayload(bucket, work, {
            minor: "4.14",
            name: names.R2,
            sources: src("a9", "c0"),
            gates: [aws("passed", "failed")],
            verdict: "rejected",
            finish: "Succeeded",
        });
        recordPayload(bucket, work, {
            minor: "4.15",
            name: names.P1,
            sources: src("a1", "c1"),
            gates: [aws("passed", "passed"), gcp("passed", "passed")],
            verdict: "accepted",
            finish: "Succeeded",
            promote: true,
        });
        recordPayload(bucket, work, {
            minor: "4.15",
            name: names.P2,
            sources: src("a2", "c1"),
            gates: [aws("failed"), gcp("passed", "passed")],
            verdict: "rejected",
            finish: "Succeeded",
        });
        recordPayload(bucket, work, {
            minor: "4.15",
            name: names.P3,
            sources: src("a3", "c1"),
            gates: [aws("passed", "passed"), gcp("passed", "failed")],
            verdict: "accepted",
            finish: "Succeeded",
        });
        recordPayload(bucket, work, { minor: "4.15", name: names.P4, sources: src("a4", "c1"), finish: "Failed" });
        recordPayload(bucket, work, { minor: "4.15", name: names.P5, sources: src("a5", "c1") });
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
    return { bucket, now, names };
}

/** The configured streams as OkdPipelines passes them (statusStreamsJson): 4.16 has no record yet. */
export const streamsJson = JSON.stringify([
    { minor: "4.16", variant: "okd", promote: false, gates: [{ gate: "aws", blocking: true }] },
    {
        minor: "4.15",
        variant: "okd",
        promote: true,
        gates: [
            { gate: "aws", blocking: true },
            { gate: "gcp", blocking: false },
        ],
    },
    { minor: "4.14", variant: "okd", promote: true, gates: [{ gate: "aws", blocking: true }] },
]);

/** publish-status.sh as the finalize and publish-status steps run it: the bundle, rclone's `artifacts` remote. */
export function publish(bucket: string, renderer: string, env: Record<string, string> = {}) {
    return runScript("publish-status.sh", {
        ARTIFACTS_BUCKET: bucket,
        RCLONE_CONFIG_ARTIFACTS_TYPE: "local",
        RENDERER: renderer,
        STREAMS_JSON: streamsJson,
        ...env,
    });
}

export function writeBundle(dir: string): string {
    const file = path.join(dir, "status.js");
    fs.writeFileSync(file, statusRendererBundle());
    return file;
}
