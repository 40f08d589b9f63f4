/**
 * Real object-store protocol servers for the step scripts that use rclone, each started on 127.0.0.1 by the test file
 * that needs it and stopped by it:
 *
 *   s3         moto_server (PyPI `moto[server]`, scripts/ensure-test-tools.sh): the S3 REST API with AWS's error codes,
 *              ListObjectsV2, MD5 ETags; chosen over s3rver, which has been unmaintained since 2021.
 *   azureblob  Azurite (npm `azurite`), in memory, with telemetry off (it would otherwise call out to Azure), on the
 *              well-known development account `devstoreaccount1`.
 *   gcs        fake-gcs-server (Go module github.com/fsouza/fake-gcs-server, test/tools/go/fake-gcs-server), in
 *              memory, plain HTTP, no auth.
 *   local      rclone's local backend, a directory per bucket (what the tests used before; kept).
 *
 * The `artifacts` remote is configured from `rcloneEnv()` in components/pipelines/context.ts, the exact settings the
 * pipeline gives each site kind, with only what a test server cannot stand in for replaced (see `testOverlay`).
 * `faultEnv` reaches the same server through a fault proxy (`FaultProxy`) so a test can make the store answer 403 or
 * 503 the way the real service does. The proxy runs in the test's own process: only scripts started with
 * `runScriptAsync` (which leaves the event loop free) may use it.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";

import * as pulumi from "@pulumi/pulumi";

import { rcloneEnv } from "../../components/pipelines/context";
import type { SiteArtifacts } from "../../components/shared/site";
import { requireTool, tempDir } from "./harness";

export type StoreKind = "local" | "s3" | "azureblob" | "gcs";
export const storeKinds: StoreKind[] = ["local", "s3", "azureblob", "gcs"];
export const bucketKinds: StoreKind[] = ["s3", "azureblob", "gcs"];

/** Azurite's documented development account and key (also rclone's `use_emulator` default). */
const azuriteAccount = "devstoreaccount1";
const azuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/** moto accepts any key pair; these only have to be present for rclone's env_auth. */
const s3Keys = { AWS_ACCESS_KEY_ID: "okd-ci-test", AWS_SECRET_ACCESS_KEY: "okd-ci-test-secret" };

export const repoRoot = path.resolve(__dirname, "..", "..");

/**
 * The rclone binaries the scripts are proven with: Debian's (on this machine's PATH) and 1.68 built from rclone's Go
 * module (test/tools/go/rclone), the version, hash and flags the pipeline tools image builds. `bin` is a
 * directory holding it as `rclone`, to put first on a script's PATH.
 */
export interface Rclone {
    label: string;
    binary: string;
    bin: string;
    version: string;
}

export function rclones(): Rclone[] {
    requireTool("rclone");
    requireTool("rclone-1.68");
    const which = (tool: string) => execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim();
    const debian = spawnSync("sh", ["-c", "PATH=/usr/bin:/bin command -v rclone"], { encoding: "utf8" }).stdout.trim();
    return [
        { label: "rclone 1.68", binary: which("rclone-1.68") },
        { label: "Debian rclone", binary: debian || which("rclone") },
    ].map(({ label, binary }) => {
        const bin = tempDir("rclone-bin");
        fs.symlinkSync(binary, path.join(bin, "rclone"));
        const version = execFileSync(binary, ["version"], { encoding: "utf8" }).split("\n")[0];
        return { label, binary, bin, version };
    });
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address() as net.AddressInfo;
            srv.close(() => resolve(port));
        });
        srv.on("error", reject);
    });
}

export async function waitForPort(port: number, what: string, proc: ChildProcess, log: () => string): Promise<void> {
    for (let i = 0; i < 300; i++) {
        if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode}) before listening:\n${log()}`);
        const open = await new Promise<boolean>((resolve) => {
            const s = net.connect(port, "127.0.0.1", () => {
                s.end();
                resolve(true);
            });
            s.on("error", () => resolve(false));
        });
        if (open) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what} did not listen on 127.0.0.1:${port} within 30 s:\n${log()}`);
}

/** One injected failure: requests matching `match` get `status` with the service's own error body, `times` times. */
export interface Fault {
    match: (method: string, decodedUrl: string) => boolean;
    status: 403 | 503;
    times: number;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of a real server. Everything passes through untouched unless a fault is armed;
 * then matching requests get the error response the real service documents for that status (bodies below), which is
 * what rclone's retry and error handling key on. Counts what it failed.
 */
export class FaultProxy {
    private faults: Fault[] = [];
    private server?: http.Server;
    failed = 0;
    private constructor(readonly port: number) {}

    static async start(kind: StoreKind, targetPort: number): Promise<FaultProxy> {
        const proxy = new FaultProxy(await freePort());
        const server = http.createServer((req, res) => {
            const url = decodeURIComponent(req.url ?? "");
            const fault = proxy.faults.find((f) => f.times > 0 && f.match(req.method ?? "", url));
            if (fault) {
                fault.times--;
                proxy.failed++;
                req.resume();
                const e = errorResponse(kind, fault.status);
                res.writeHead(fault.status, e.headers);
                res.end(e.body);
                return;
            }
            const upstream = http.request(
                { host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers: req.headers },
                (up) => {
                    res.writeHead(up.statusCode ?? 502, up.headers);
                    up.pipe(res);
                },
            );
            upstream.on("error", () => {
                res.writeHead(502);
                res.end();
            });
            req.pipe(upstream);
        });
        await new Promise<void>((resolve) => server.listen(proxy.port, "127.0.0.1", resolve));
        proxy.server = server;
        return proxy;
    }

    arm(fault: Fault): void {
        this.faults.push(fault);
    }

    clear(): void {
        this.faults = [];
        this.failed = 0;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => {
            if (this.server === undefined) return resolve();
            this.server.closeAllConnections();
            this.server.close(() => resolve());
        });
    }
}

/**
 * Error responses as each service documents them: S3 REST error XML
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html: AccessDenied 403, SlowDown 503), Azure Storage
 * error XML with x-ms-error-code (https://learn.microsoft.com/rest/api/storageservices/blob-service-error-codes:
 * AuthorizationPermissionMismatch 403, ServerBusy 503), GCS JSON API errors
 * (https://cloud.google.com/storage/docs/json_api/v1/status-codes: 403 forbidden, 503 backendError).
 */
function errorResponse(kind: StoreKind, status: 403 | 503): { headers: Record<string, string>; body: string } {
    switch (kind) {
        case "s3": {
            const [code, message] =
                status === 403 ? ["AccessDenied", "Access Denied"] : ["SlowDown", "Please reduce your request rate."];
            return {
                headers: { "content-type": "application/xml" },
                body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>okdci</RequestId></Error>`,
            };
        }
        case "azureblob": {
            const [code, message] =
                status === 403
                    ? [
                          "AuthorizationPermissionMismatch",
                          "This request is not authorized to perform this operation using this permission.",
                      ]
                    : ["ServerBusy", "The server is currently unable to receive requests. Please retry your request."];
            return {
                headers: { "content-type": "application/xml", "x-ms-error-code": code },
                body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
            };
        }
        default: {
            const [reason, message] =
                status === 403
                    ? [
                          "forbidden",
                          "okd-pipeline does not have storage.objects.get access to the Google Cloud Storage object.",
                      ]
                    : ["backendError", "Backend Error"];
            return {
                headers: { "content-type": "application/json; charset=UTF-8" },
                body: JSON.stringify({
                    error: { code: status, message, errors: [{ reason, message, domain: "global" }] },
                }),
            };
        }
    }
}

/** A running store: the `artifacts` remote's environment, buckets, and direct (unproxied) reads for assertions. */
export interface ObjectStore {
    kind: StoreKind;
    /** Versions of the server, for the report. */
    server: string;
    /** RCLONE_CONFIG_ARTIFACTS_* and credentials (no ARTIFACTS_BUCKET: that is per test). */
    env: Record<string, string>;
    /** `env` through the fault proxy (bucket stores only); for `runScriptAsync` runs. */
    faultEnv?: Record<string, string>;
    proxy?: FaultProxy;
    /** Makes a new empty bucket (a directory on the local backend) and returns its name or path. */
    newBucket(): string;
    /** The object's content, or undefined when a listing of its directory does not hold it. */
    read(bucket: string, key: string): string | undefined;
    /** Uploads a local file as the object `key` (direct, no faults). */
    write(bucket: string, key: string, file: string): void;
    /** Object keys under `prefix` (recursive). */
    keys(bucket: string, prefix: string): string[];
    stop(): Promise<void>;
}

/** `pulumi.Input<string>` values of the env resolved (they are plain or already-known Outputs here). */
async function resolveEnv(vars: { name: string; value?: pulumi.Input<string> }[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const v of vars) {
        if (v.value === undefined) continue;
        out[v.name] = await new Promise<string>((resolve) => pulumi.output(v.value!).apply((s) => resolve(s)));
    }
    return out;
}

/** The pipeline's settings for a site kind, as `rcloneEnv` renders them. */
export async function pipelineRcloneEnv(artifacts: {
    kind: SiteArtifacts["kind"];
    url: string;
    endpoint?: string;
}): Promise<Record<string, string>> {
    const env = await resolveEnv(
        rcloneEnv({
            kind: artifacts.kind,
            bucket: pulumi.output("unused"),
            url: pulumi.output(artifacts.url),
            endpoint: artifacts.endpoint === undefined ? undefined : pulumi.output(artifacts.endpoint),
        }),
    );
    delete env.ARTIFACTS_BUCKET;
    return env;
}

/**
 * What a test server cannot stand in for, replaced; everything else is the pipeline's own setting.
 * - s3: the local site's settings are used as they are (endpoint, path style, env_auth reading AWS_* keys, exactly
 *   what the local site's pods get). Not proved here: AWS itself (provider AWS, virtual-hosted addressing, EKS Pod
 *   Identity credentials).
 * - azureblob: env_auth (AKS workload identity through azidentity) is replaced by Azurite's shared key; the account
 *   name from the container URL and no_check_container are kept. Not proved: workload identity tokens.
 * - gcs: env_auth (GKE Workload Identity through Google's default credentials) is replaced by anonymous access, which
 *   fake-gcs-server needs and which also keeps the Google client from probing the GCE metadata address;
 *   bucket_policy_only and no_check_bucket are kept. Not proved: Workload Identity, uniform bucket-level access
 *   enforcement (fake-gcs-server ignores object ACLs).
 */
function testOverlay(kind: StoreKind, endpoint: string): Record<string, string> {
    switch (kind) {
        case "s3":
            return { ...s3Keys };
        case "azureblob":
            // rclone 1.60 builds https://<account>.<endpoint> from account+key, so the emulator switch with a full
            // endpoint URL is the one form both rclone lines accept; it uses the devstoreaccount1 key.
            return {
                RCLONE_CONFIG_ARTIFACTS_ENV_AUTH: "false",
                RCLONE_CONFIG_ARTIFACTS_USE_EMULATOR: "true",
                RCLONE_CONFIG_ARTIFACTS_KEY: azuriteKey,
                RCLONE_CONFIG_ARTIFACTS_ENDPOINT: `${endpoint}/${azuriteAccount}`,
            };
        case "gcs":
            return {
                RCLONE_CONFIG_ARTIFACTS_ENV_AUTH: "false",
                RCLONE_CONFIG_ARTIFACTS_ANONYMOUS: "true",
                RCLONE_CONFIG_ARTIFACTS_ENDPOINT: `${endpoint}/storage/v1/`,
            };
        default:
            return {};
    }
}

/** rclone as the harness runs it: a clean environment (no AWS_CA_BUNDLE, no user config). */
function adminRclone(env: Record<string, string>, args: string[]): { status: number; stdout: string; stderr: string } {
    const r = spawnSync("rclone", ["--quiet", ...args], {
        env: { PATH: process.env.PATH ?? "", HOME: repoRoot, RCLONE_CONFIG: "/dev/null", ...env },
        encoding: "utf8",
        timeout: 60_000,
    });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export async function startObjectStore(kind: StoreKind): Promise<ObjectStore> {
    requireTool("rclone");
    const dir = tempDir(`store-${kind}`);
    let counter = 0;
    const bucketName = () => `okd-ci-${process.pid}-${++counter}`;
    if (kind === "local") {
        const env = { RCLONE_CONFIG_ARTIFACTS_TYPE: "local" };
        const admin = { RCLONE_CONFIG_ADMIN_TYPE: "local" };
        return {
            kind,
            server: "rclone local backend",
            env,
            newBucket() {
                const b = path.join(dir, bucketName());
                fs.mkdirSync(b);
                return b;
            },
            read: (bucket, key) => readVia(admin, `admin:${bucket}`, key),
            write: (bucket, key, file) => writeVia(admin, `admin:${bucket}`, key, file),
            keys: (bucket, prefix) => keysVia(admin, `admin:${bucket}`, prefix),
            stop: async () => fs.rmSync(dir, { recursive: true, force: true }),
        };
    }

    const port = await freePort();
    let proc: ChildProcess;
    let server: string;
    const logFile = path.join(dir, "server.log");
    const log = fs.openSync(logFile, "w");
    const readLog = () => fs.readFileSync(logFile, "utf8").slice(-4000);
    switch (kind) {
        case "s3":
            requireTool("moto_server");
            server = `moto ${motoVersion()}`;
            proc = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
                stdio: ["ignore", log, log],
                env: { ...process.env, AWS_CA_BUNDLE: "" },
            });
            break;
        case "azureblob": {
            const azurite = path.join(repoRoot, "node_modules", ".bin", "azurite-blob");
            if (!fs.existsSync(azurite)) {
                throw new Error("azurite-blob is missing: run npm ci (azurite is a devDependency)");
            }
            server = `azurite ${JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules", "azurite", "package.json"), "utf8")).version}`;
            proc = spawn(
                azurite,
                [
                    "--blobHost",
                    "127.0.0.1",
                    "--blobPort",
                    String(port),
                    "--inMemoryPersistence",
                    "--extentMemoryLimit",
                    "256",
                    "--disableTelemetry",
                    "--skipApiVersionCheck",
                    "--silent",
                ],
                { stdio: ["ignore", log, log], cwd: dir },
            );
            break;
        }
        default:
            requireTool("fake-gcs-server");
            server = `fake-gcs-server ${
                /VERSION=(\S+)/.exec(
                    fs.readFileSync(path.join(repoRoot, "test/tools/go/fake-gcs-server/tool.env"), "utf8"),
                )?.[1]
            }`;
            proc = spawn(
                "fake-gcs-server",
                [
                    "-host",
                    "127.0.0.1",
                    "-port",
                    String(port),
                    "-scheme",
                    "http",
                    "-backend",
                    "memory",
                    "-log-level",
                    "error",
                ],
                { stdio: ["ignore", log, log], cwd: dir },
            );
    }
    await waitForPort(port, server, proc, readLog);
    const proxy = await FaultProxy.start(kind, port);
    const direct = `http://127.0.0.1:${port}`;
    const via = `http://127.0.0.1:${proxy.port}`;

    const site =
        kind === "s3"
            ? await pipelineRcloneEnv({ kind: "s3", url: "s3://unused/", endpoint: via })
            : kind === "azureblob"
              ? await pipelineRcloneEnv({
                    kind: "azure-blob",
                    url: `https://${azuriteAccount}.blob.core.windows.net/c/`,
                })
              : await pipelineRcloneEnv({ kind: "gcs", url: "gs://unused/" });
    const env = { ...site, ...testOverlay(kind, direct) };
    const faultEnv = { ...site, ...testOverlay(kind, via) };
    if (kind === "s3") env.RCLONE_CONFIG_ARTIFACTS_ENDPOINT = direct;
    // The harness's own remote may create buckets.
    const admin = Object.fromEntries(
        Object.entries(env)
            .filter(([k]) => k.startsWith("RCLONE_CONFIG_ARTIFACTS_"))
            .filter(([k]) => !/_NO_CHECK_(BUCKET|CONTAINER)$/.test(k))
            .map(([k, v]) => [k.replace("RCLONE_CONFIG_ARTIFACTS_", "RCLONE_CONFIG_ADMIN_"), v]),
    );
    if (kind === "s3") Object.assign(admin, s3Keys);
    if (kind === "gcs") admin.RCLONE_CONFIG_ADMIN_PROJECT_NUMBER = "0";

    return {
        kind,
        server,
        env,
        faultEnv,
        proxy,
        newBucket() {
            const b = bucketName();
            const r = adminRclone(admin, ["mkdir", `admin:${b}`]);
            if (r.status !== 0) throw new Error(`creating bucket ${b} on ${server} failed: ${r.stderr}`);
            return b;
        },
        read: (bucket, key) => readVia(admin, `admin:${bucket}`, key),
        write: (bucket, key, file) => writeVia(admin, `admin:${bucket}`, key, file),
        keys: (bucket, prefix) => keysVia(admin, `admin:${bucket}`, prefix),
        async stop() {
            await proxy.stop();
            await new Promise<void>((resolve) => {
                proc.once("exit", () => resolve());
                proc.kill("SIGTERM");
                setTimeout(() => proc.kill("SIGKILL"), 5000).unref();
            });
            fs.closeSync(log);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** moto's version, asked of the Python that runs `moto_server` (its own virtualenv, from ensure-test-tools). */
function motoVersion(): string {
    const script = fs.realpathSync(execFileSync("sh", ["-c", "command -v moto_server"], { encoding: "utf8" }).trim());
    const python = /^#!\s*(\S+)/.exec(fs.readFileSync(script, "utf8"))?.[1] ?? "python3";
    return execFileSync(python, ["-c", "import moto; print(moto.__version__)"], { encoding: "utf8" }).trim();
}

function readVia(admin: Record<string, string>, root: string, key: string): string | undefined {
    const dirname = path.posix.dirname(key);
    const base = path.posix.basename(key);
    const ls = adminRclone(admin, ["lsf", "--files-only", `${root}/${dirname}/`]);
    if (ls.status === 3) return undefined;
    if (ls.status !== 0) throw new Error(`listing ${root}/${dirname}/ failed: ${ls.stderr}`);
    if (!ls.stdout.split("\n").includes(base)) return undefined;
    const cat = adminRclone(admin, ["cat", `${root}/${key}`]);
    if (cat.status !== 0) throw new Error(`reading ${root}/${key} failed: ${cat.stderr}`);
    return cat.stdout;
}

function writeVia(admin: Record<string, string>, root: string, key: string, file: string): void {
    const r = adminRclone(admin, ["copyto", "--ignore-times", file, `${root}/${key}`]);
    if (r.status !== 0) throw new Error(`writing ${root}/${key} failed: ${r.stderr}`);
}

function keysVia(admin: Record<string, string>, root: string, prefix: string): string[] {
    const ls = adminRclone(admin, ["lsf", "--files-only", "-R", `${root}/${prefix}`]);
    if (ls.status === 3) return [];
    if (ls.status !== 0) throw new Error(`listing ${root}/${prefix} failed: ${ls.stderr}`);
    return ls.stdout
        .split("\n")
        .filter((l) => l !== "")
        .sort();
}

/** Like harness `runScript`, but without blocking the event loop, so many runs can overlap. */
export function runScriptAsync(
    script: string,
    env: Record<string, string>,
    bin: string,
): Promise<{ status: number; stdout: string; stderr: string }> {
    const home = tempDir("home");
    return new Promise((resolve) => {
        const p = spawn("bash", [path.join(repoRoot, "components", "pipelines", "scripts", script)], {
            env: {
                PATH: `${bin}:${process.env.PATH}`,
                HOME: home,
                RCLONE_CONFIG: path.join(home, "rclone.conf"),
                ...env,
            },
        });
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", (d) => (stdout += d));
        p.stderr.on("data", (d) => (stderr += d));
        p.on("close", (code) => {
            fs.rmSync(home, { recursive: true, force: true });
            resolve({ status: code ?? -1, stdout, stderr });
        });
    });
}
