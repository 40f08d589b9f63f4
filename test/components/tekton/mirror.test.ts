/**
 * Verified Tekton release mirrors (issue 15 path 11): `npm run tekton:mirror` downloads the pinned manifests from a
 * release site (here an HTTP server on 127.0.0.1 serving fixture files), writes them only when every checksum
 * matches, and the install checks a local `tektonManifestSource` directory against the pins before anything exists.
 * `sha256sum -c` (coreutils) checks the SHA256SUMS the script writes, as an operator would.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

import { releasePaths, sha256, verifyReleaseDirectory } from "../../../components/tekton/checksums";
import { tektonReleaseFiles } from "../../../components/tekton/versions";
import { settled, under, useMocks } from "../../helpers";
import { requireTool } from "../../scripts/harness";
import { root } from "../../synth/run";

const exec = promisify(execFile);

interface Result {
    code: number;
    stdout: string;
    stderr: string;
}

async function mirror(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
    try {
        const { stdout, stderr } = await exec(
            process.execPath,
            ["--import", "tsx", path.join(root, "scripts", "tekton-mirror.ts"), ...args],
            { cwd: root, env },
        );
        return { code: 0, stdout, stderr };
    } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
}

/** Every file under `dir`, relative. */
function listFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return (fs.readdirSync(dir, { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(dir, f)).isFile())
        .sort();
}

describe("tekton:mirror and the release checksums", () => {
    useMocks();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-mirror-"));
    const rel = releasePaths();
    // What the fixture release site serves under each pinned path: small manifests, distinct per file.
    const served: Record<string, string> = Object.fromEntries(
        Object.entries(rel).map(([file, p]) => [
            `/${p}`,
            `# fixture ${file}\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${file}\n`,
        ]),
    );
    const sums = Object.fromEntries(Object.entries(rel).map(([file, p]) => [file, sha256(served[`/${p}`])]));
    const checksumsFile = (overrides: Record<string, string> = {}) => {
        const f = path.join(tmp, `sums-${Math.random().toString(36).slice(2)}`);
        fs.writeFileSync(
            f,
            Object.entries(rel)
                .map(([file, p]) => `${overrides[file] ?? sums[file]}  ${p}\n`)
                .join(""),
        );
        return f;
    };
    let server: http.Server;
    let site: string;
    const requests: string[] = [];

    before(async () => {
        server = http.createServer((req, res) => {
            requests.push(req.url ?? "");
            const body = served[req.url ?? ""];
            if (body === undefined) {
                res.writeHead(404).end("not found");
                return;
            }
            res.writeHead(200, { "content-type": "application/yaml" }).end(body);
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("mirrors the pinned files when every checksum matches, as tektonManifestSource expects, with SHA256SUMS", async () => {
        requireTool("sha256sum");
        const out = path.join(tmp, "good");
        const r = await mirror(["--out", out, "--source", site, "--checksums", checksumsFile()]);
        assert.equal(r.code, 0, r.stderr);
        const files = tektonReleaseFiles(out);
        for (const [file, p] of Object.entries(files)) {
            assert.equal(fs.readFileSync(p, "utf8"), served[`/${rel[file as keyof typeof rel]}`], file);
        }
        assert.deepEqual(listFiles(out), ["SHA256SUMS", ...Object.values(rel)].sort());
        for (const p of Object.values(rel)) assert.match(r.stdout, new RegExp(`^${p}: verified$`, "m"));
        // The operator's check of the mirror, with the real tool.
        const check = await exec("sha256sum", ["-c", "SHA256SUMS"], { cwd: out });
        assert.equal(check.stdout.trim().split("\n").length, 4);
        // And the install's check of the directory, against the same pins.
        verifyReleaseDirectory(out, sums);
    });

    it("refuses a file whose checksum does not match, and writes nothing at all", async () => {
        const out = path.join(tmp, "tampered");
        const wrong = "0".repeat(64);
        const r = await mirror(["--out", out, "--source", site, "--checksums", checksumsFile({ triggers: wrong })]);
        assert.equal(r.code, 1, r.stdout);
        assert.equal(
            r.stderr,
            `tekton:mirror: refusing to mirror, nothing written: ${site}/${rel.triggers} has SHA-256 ${sums.triggers}, pinned ${wrong}\n`,
        );
        assert.deepEqual(listFiles(out), []);
    });

    it("refuses files that have no pin unless told to trust them on first use, which needs https", async () => {
        const out = path.join(tmp, "unpinned");
        const before = requests.length;
        const r = await mirror(["--out", out, "--source", site]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^tekton:mirror: no pinned SHA-256 for pipeline\/previous\/v[\d.]+\/release\.yaml, /);
        assert.match(r.stderr, /pass --trust-on-first-use/);
        assert.equal(requests.length, before, "nothing is downloaded");
        assert.deepEqual(listFiles(out), []);

        const t = await mirror(["--out", out, "--source", site, "--trust-on-first-use"]);
        assert.equal(t.code, 2);
        assert.match(
            t.stderr,
            /^tekton:mirror: --trust-on-first-use needs an https:\/\/ source, got http:\/\/127\.0\.0\.1:/,
        );
    });

    it("trusts unpinned files on first use over https, marks them unverified and prints the pins", async () => {
        requireTool("openssl");
        // A certificate for 127.0.0.1 that only the child trusts (NODE_EXTRA_CA_CERTS).
        const key = path.join(tmp, "tls.key");
        const cert = path.join(tmp, "tls.crt");
        await exec("openssl", [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            key,
            "-out",
            cert,
        ]);
        const tlsServer = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
            const body = served[req.url ?? ""];
            if (body === undefined) res.writeHead(404).end();
            else res.writeHead(200).end(body);
        });
        await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
        try {
            const tlsSite = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
            const out = path.join(tmp, "tofu");
            // One file pinned (and right), the others not: only the pinned one is "verified".
            const pins = path.join(tmp, "one-pin");
            fs.writeFileSync(pins, `${sums.chains}  ${rel.chains}\n`);
            const r = await mirror(["--out", out, "--source", tlsSite, "--checksums", pins, "--trust-on-first-use"], {
                ...process.env,
                NODE_EXTRA_CA_CERTS: cert,
            });
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, new RegExp(`^${rel.chains}: verified$`, "m"));
            assert.match(r.stdout, new RegExp(`^${rel.pipeline}: trusted on first use, NOT verified$`, "m"));
            assert.match(r.stdout, new RegExp(`^    triggers: "${sums.triggers}",$`, "m"));
            assert.deepEqual(listFiles(out), ["SHA256SUMS", ...Object.values(rel)].sort());
        } finally {
            await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
        }
    });

    it("refuses a plain-http source that is not loopback, and a --checksums line for a file it does not pin", async () => {
        const r = await mirror(["--out", path.join(tmp, "x"), "--source", "http://mirror.example.org/tekton"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /--source http:\/\/mirror\.example\.org\/tekton: expected an https:\/\/ URL/);

        const f = path.join(tmp, "other-version");
        fs.writeFileSync(f, `${"a".repeat(64)}  pipeline/previous/v0.1.0/release.yaml\n`);
        const o = await mirror(["--out", path.join(tmp, "x"), "--source", site, "--checksums", f]);
        assert.equal(o.code, 1);
        assert.match(
            o.stderr,
            /other-version:1: pipeline\/previous\/v0\.1\.0\/release\.yaml is not a pinned release file/,
        );
    });

    it("stops the install before any resource when a pinned manifest of its directory differs", async () => {
        const k8s = await import("@pulumi/kubernetes");
        const { TektonInstall } = await import("../../../components/tekton/install");
        const provider = new k8s.Provider("mirror-k8s", { kubeconfig: "fake" });
        const dir = path.join(tmp, "good");
        const args = { provider, dependsOn: [], manifestSource: dir };
        assert.throws(
            () =>
                new TektonInstall("mirror-bad", { ...args, manifestChecksums: { ...sums, pipeline: "e".repeat(64) } }),
            /^Error: tektonManifestSource .*pipeline\/previous\/v[\d.]+\/release\.yaml has SHA-256 [a-f0-9]{64}, but pipeline is pinned to e{64}/,
        );
        await settled();
        assert.deepEqual(under("mirror-bad", "kubernetes:yaml/v2:ConfigFile"), []);
        // The same directory with the right pins installs.
        new TektonInstall("mirror-good", { ...args, manifestChecksums: sums });
        await settled();
        assert.equal(under("mirror-good", "kubernetes:yaml/v2:ConfigFile").length, 4);
    });

    it("has the install refuse a local directory whose pinned manifest differs or is missing, naming the key", () => {
        const dir = path.join(tmp, "good");
        const pinned = { ...sums, chains: "f".repeat(64) };
        assert.throws(
            () => verifyReleaseDirectory(dir, pinned),
            new RegExp(
                `^Error: tektonManifestSource ${dir}: ${tektonReleaseFiles(dir).chains} has SHA-256 ${sums.chains}, but chains is pinned to f{64}`,
            ),
        );
        const empty = path.join(tmp, "empty");
        fs.mkdirSync(empty);
        assert.throws(
            () => verifyReleaseDirectory(empty, { pipeline: sums.pipeline }),
            /cannot be read; lay the directory out with npm run tekton:mirror -- --out /,
        );
        assert.throws(() => verifyReleaseDirectory(dir, { pipeline: "abc" }), /expected 64 hex digits/);
        // Files without a pin are not checked: there is nothing to check them against.
        verifyReleaseDirectory(empty, {});
    });
});
