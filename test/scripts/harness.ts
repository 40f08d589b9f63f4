import { createHash } from "node:crypto";
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { loadScript } from "../../components/pipelines/scripts";

export const scriptsDir = path.resolve(__dirname, "..", "..", "components", "pipelines", "scripts");

/**
 * Fails, naming how to get it, when a tool the tests run for real is missing; never skips. Every tool comes from
 * scripts/ensure-test-tools.sh (Debian packages, and Go programs it builds into .tools/bin, which test/setup.ts
 * puts first on PATH); `npm test` runs it first.
 */
export function requireTool(tool: string): void {
    const found = spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
    if (!found) {
        throw new Error(
            `${tool} is required by these tests and is not on PATH; run: bash scripts/ensure-test-tools.sh --group all (npm test runs it)`,
        );
    }
}

/**
 * What buildah needs on this development machine to run RUN steps under OCI isolation, and nothing else: its cgroups
 * are hybrid (v1 plus a v2 mount), which crun refuses ("cgroups in hybrid mode not supported"), and it lacks
 * CAP_SYS_RESOURCE, so runc needs explicit ulimits. build-image.sh and tools-image.sh add these to the isolation flags
 * the Task runs with; a cluster node runs the image's own runtime (crun) without them.
 */
export function buildahRuntimeEnv(): Record<string, string> {
    requireTool("runc");
    return { BUILDAH_RUNTIME: "runc", BUILDAH_ULIMITS: "nofile=1024:1024 nproc=4096:4096" };
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `okd-ci-${prefix}-`));
}

export interface ScriptRun {
    status: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs a step script as Tekton would: the rendered `script` (lib/ includes inlined, as loadScript gives the step) as a
 * lone file, bash, inputs from the environment (and `args`, as a step's `args` reach its script). `PATH` starts with
 * `bin` (stubs) when given; HOME is a temp dir so no user config leaks in.
 */
export function runScript(script: string, env: Record<string, string>, bin?: string, args: string[] = []): ScriptRun {
    const home = tempDir("home");
    try {
        const lone = path.join(home, script);
        fs.writeFileSync(lone, loadScript(script));
        const r = spawnSync("bash", [lone, ...args], {
            env: {
                PATH: `${bin ? `${bin}:` : ""}${process.env.PATH}`,
                HOME: home,
                RCLONE_CONFIG: path.join(home, "rclone.conf"),
                ...env,
            },
            encoding: "utf8",
            timeout: 60_000,
        });
        return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}

/** One recorded call of a stub: its arguments and the environment variables the test asked to capture. */
export interface StubCall {
    tool: string;
    args: string[];
    env: Record<string, string>;
}

/**
 * A recording stub on PATH for a tool this machine does not have (oc, openshift-install, cloud CLIs). Each call
 * appends {tool, args, env} to `<bin>/calls.jsonl`; `body` is bash run afterwards with "$@" (to emulate the tool's
 * effect, print output or exit with a code).
 */
export function stub(bin: string, tool: string, body = "exit 0", captureEnv: string[] = []): void {
    fs.mkdirSync(bin, { recursive: true });
    const capture = captureEnv.map((v) => `--arg ${v} "\${${v}:-}"`).join(" ");
    const envObject = `{${captureEnv.map((v) => `${v}: $${v}`).join(", ")}}`;
    fs.writeFileSync(
        path.join(bin, tool),
        `#!/usr/bin/env bash
set -euo pipefail
jq -cn --arg tool ${JSON.stringify(tool)} ${capture} '{tool: $tool, args: $ARGS.positional, env: ${envObject}}' --args -- "$@" >>"${bin}/calls.jsonl"
${body}
`,
        { mode: 0o755 },
    );
}

export function calls(bin: string, tool?: string): StubCall[] {
    const file = path.join(bin, "calls.jsonl");
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as StubCall)
        .filter((c) => tool === undefined || c.tool === tool);
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address() as net.AddressInfo;
            srv.close(() => resolve(port));
        });
        srv.on("error", reject);
    });
}

/** A Debian docker-registry on 127.0.0.1 with filesystem storage in a temp dir. */
export interface Registry {
    host: string;
    /** The registry's filesystem storage (rootdirectory), for tests that break it on purpose. */
    root: string;
    stop(): Promise<void>;
}

export async function startRegistry(): Promise<Registry> {
    requireTool("docker-registry");
    const dir = tempDir("registry");
    const port = await freePort();
    const config = path.join(dir, "config.yml");
    fs.writeFileSync(
        config,
        [
            "version: 0.1",
            "log: {level: error}",
            `storage: {filesystem: {rootdirectory: ${dir}/data}, delete: {enabled: true}}`,
            `http: {addr: "127.0.0.1:${port}"}`,
            "",
        ].join("\n"),
    );
    const proc: ChildProcess = spawn("docker-registry", ["serve", config], { stdio: "ignore" });
    const host = `127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
        const ok = await fetch(`http://${host}/v2/`).then(
            (r) => r.ok,
            () => false,
        );
        if (ok) break;
        if (i === 99) throw new Error(`docker-registry on ${host} did not start`);
        await new Promise((r) => setTimeout(r, 50));
    }
    return {
        host,
        root: path.join(dir, "data"),
        stop: () =>
            new Promise<void>((resolve) => {
                proc.once("exit", () => {
                    fs.rmSync(dir, { recursive: true, force: true });
                    resolve();
                });
                proc.kill("SIGTERM");
            }),
    };
}

/**
 * A tiny single-layer OCI image made offline with umoci (no network, no base image), pushed to `ref` with skopeo.
 * `labels` become image labels (e.g. `version` for a fake FCOS).
 */
export function pushTinyImage(ref: string, content: string, labels: Record<string, string> = {}): string {
    return pushImage(ref, { files: { "content.txt": content }, labels });
}

/** What `pushImage` puts in its single layer and config. */
export interface ImageSpec {
    /** Files of the one layer, by path relative to the root (directories are created). */
    files: Record<string, string>;
    labels?: Record<string, string>;
    /** Manifest format pushed: OCI (umoci's own, the default) or Docker schema 2, what OpenShift's builds push. */
    format?: "oci" | "v2s2";
    /** The config's `created` (RFC 3339); umoci's default is now. */
    created?: string;
}

/** A single-layer amd64 OCI image made offline with umoci, pushed to `ref` with skopeo; returns its digest. */
export function pushImage(ref: string, spec: ImageSpec): string {
    requireTool("umoci");
    requireTool("skopeo");
    const labels = spec.labels ?? {};
    const dir = tempDir("oci");
    try {
        const layout = path.join(dir, "layout");
        execFileSync("umoci", ["init", "--layout", layout]);
        execFileSync("umoci", ["new", "--image", `${layout}:img`]);
        execFileSync("umoci", ["unpack", "--rootless", "--image", `${layout}:img`, path.join(dir, "bundle")]);
        for (const [file, text] of Object.entries(spec.files)) {
            const target = path.join(dir, "bundle", "rootfs", file);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            fs.writeFileSync(target, text);
        }
        execFileSync("umoci", ["repack", "--image", `${layout}:img`, path.join(dir, "bundle")]);
        const labelArgs = Object.entries(labels).flatMap(([k, v]) => ["--config.label", `${k}=${v}`]);
        execFileSync("umoci", [
            "config",
            "--image",
            `${layout}:img`,
            "--architecture",
            "amd64",
            "--os",
            "linux",
            ...(spec.created ? ["--created", spec.created] : []),
            ...labelArgs,
        ]);
        const format = spec.format === "v2s2" ? ["--format", "v2s2"] : [];
        execFileSync("skopeo", [
            "copy",
            "--quiet",
            ...format,
            "--dest-tls-verify=false",
            `oci:${layout}:img`,
            `docker://${ref}`,
        ]);
        return digestOf(ref);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** sha256 of the manifest bytes a registry serves for `ref` (what its Docker-Content-Digest header says). */
export function digestOf(ref: string): string {
    const raw = execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${ref}`]);
    return `sha256:${createHash("sha256").update(raw).digest("hex")}`;
}

/** The registry's own word on a tag's digest. */
export async function registryDigest(host: string, repository: string, tag: string): Promise<string> {
    const r = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
        method: "HEAD",
        headers: {
            accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json",
        },
    });
    return r.headers.get("docker-content-digest") ?? "";
}
