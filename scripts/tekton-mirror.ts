/**
 * `npm run tekton:mirror -- --out <dir>`: downloads the pinned Tekton release manifests (components/tekton/versions.ts)
 * from the release site, checks each against its pinned SHA-256, and only when every one matches lays them out under
 * <dir> as `tektonManifestSource` expects (`<project>/previous/<version>/<file>`), with a SHA256SUMS that
 * `sha256sum -c` reads. A file whose checksum differs, or that has no pin, writes nothing at all.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { type ReleaseChecksums, checkPins, releasePaths, sha256 } from "../components/tekton/checksums";
import {
    type TektonReleaseFile,
    tektonReleaseChecksums,
    tektonReleaseFiles,
    tektonReleaseSite,
} from "../components/tekton/versions";
import { type Cli, UsageError, UserError, parseCli, readUserFile, runCli } from "./cli";

const cli: Cli = {
    name: "tekton:mirror",
    usage: `usage: npm run tekton:mirror -- --out <dir> [--source <url>] [--checksums <file>] [--trust-on-first-use]

Downloads the Tekton release manifests okd-ci pins (Pipelines, Triggers, its core interceptors, Chains), checks
each against its pinned SHA-256 (tektonReleaseChecksums in components/tekton/versions.ts, and --checksums), and
writes them under <dir> as the tektonManifestSource config key expects a local directory, plus SHA256SUMS. Nothing
is written unless every file matches.

  --out <dir>             where to lay the manifests out (created if missing)
  --source <url>          release site to download from; default ${tektonReleaseSite}
                          (https://, or http:// on a loopback address)
  --checksums <file>      more pins, as sha256sum writes them: "<sha256>  pipeline/previous/<version>/release.yaml";
                          a pin here that contradicts versions.ts is an error
  --trust-on-first-use    accept files that have no pin (https only), and print the lines to pin them with: what
                          the source served is then the only evidence, so check it another way before pinning
  -h, --help              this text`,
};

/** Pins from a sha256sum-style file, keyed by release file; lines for other paths are an error (a wrong version). */
export function parseChecksums(text: string, where: string): ReleaseChecksums {
    const byPath = new Map(Object.entries(releasePaths()).map(([k, v]) => [v, k as TektonReleaseFile]));
    const pins: Partial<Record<TektonReleaseFile, string>> = {};
    for (const [i, raw] of text.split("\n").entries()) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) continue;
        const m = /^([a-f0-9]{64}) [ *](\S+)$/.exec(line);
        if (!m) {
            throw new UserError(`${where}:${i + 1}: expected "<64 hex digits>  <path>", got ${JSON.stringify(line)}`);
        }
        const file = byPath.get(m[2].replace(/^\.\//, ""));
        if (file === undefined) {
            throw new UserError(
                `${where}:${i + 1}: ${m[2]} is not a pinned release file; expected one of ${[...byPath.keys()].join(", ")}`,
            );
        }
        pins[file] = m[1];
    }
    return pins;
}

/** versions.ts pins with the file's added; the same file pinned to two sums is an error. */
export function mergePins(base: ReleaseChecksums, extra: ReleaseChecksums, where: string): ReleaseChecksums {
    const merged: Partial<Record<TektonReleaseFile, string>> = { ...base };
    for (const [file, sum] of Object.entries(extra) as [TektonReleaseFile, string][]) {
        const pinned = base[file];
        if (pinned !== undefined && pinned !== sum) {
            throw new UserError(
                `${where} pins ${file} to ${sum}, but components/tekton/versions.ts pins it to ${pinned}; fix one of them`,
            );
        }
        merged[file] = sum;
    }
    return merged;
}

function checkSource(source: string, trustOnFirstUse: boolean): string {
    let url: URL;
    try {
        url = new URL(source);
    } catch {
        throw new UsageError(`--source ${source} is not a URL`);
    }
    const loopback = ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
        throw new UsageError(`--source ${source}: expected an https:// URL (http:// only on a loopback address)`);
    }
    if (trustOnFirstUse && url.protocol !== "https:") {
        throw new UsageError(`--trust-on-first-use needs an https:// source, got ${source}`);
    }
    return source.replace(/\/+$/, "");
}

async function download(url: string, httpsOnly: boolean): Promise<Buffer> {
    let res: Response;
    try {
        res = await fetch(url, { redirect: "follow" });
    } catch (err) {
        const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
        throw new UserError(`cannot download ${url}: ${cause}`);
    }
    if (!res.ok) throw new UserError(`cannot download ${url}: HTTP ${res.status}`);
    // What is trusted on first use must not have come over plain HTTP, redirects included.
    if (httpsOnly && !res.url.startsWith("https://")) {
        throw new UserError(`cannot download ${url}: it was redirected to ${res.url}, not https`);
    }
    return Buffer.from(await res.arrayBuffer());
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
    const { values, positionals } = parseCli(cli, {
        args: argv,
        options: {
            out: { type: "string" },
            source: { type: "string" },
            checksums: { type: "string" },
            "trust-on-first-use": { type: "boolean" },
        },
        allowPositionals: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
    if (values.out === undefined || values.out === "") throw new UsageError("--out <dir> is required");
    const trust = values["trust-on-first-use"] === true;
    const source = checkSource(values.source ?? tektonReleaseSite, trust);
    const out = path.resolve(values.out);

    checkPins(tektonReleaseChecksums, "components/tekton/versions.ts tektonReleaseChecksums");
    const pins =
        values.checksums === undefined
            ? tektonReleaseChecksums
            : mergePins(
                  tektonReleaseChecksums,
                  parseChecksums(readUserFile(values.checksums, "--checksums"), values.checksums),
                  values.checksums,
              );

    const urls = tektonReleaseFiles(source);
    const rel = releasePaths();
    const files = Object.keys(urls) as TektonReleaseFile[];
    const unpinned = files.filter((f) => pins[f] === undefined);
    if (unpinned.length > 0 && !trust) {
        throw new UserError(
            `no pinned SHA-256 for ${unpinned.map((f) => rel[f]).join(", ")}: pin them in components/tekton/versions.ts (tektonReleaseChecksums) or --checksums, or pass --trust-on-first-use to record what ${source} serves`,
        );
    }

    // Everything is downloaded and checked before anything is written: a mirror is whole and verified, or untouched.
    const got = new Map<TektonReleaseFile, { data: Buffer; sum: string }>();
    const mismatches: string[] = [];
    for (const file of files) {
        const data = await download(urls[file], pins[file] === undefined);
        const sum = sha256(data);
        const expected = pins[file];
        if (expected !== undefined && sum !== expected) {
            mismatches.push(`${urls[file]} has SHA-256 ${sum}, pinned ${expected}`);
        }
        got.set(file, { data, sum });
    }
    if (mismatches.length > 0) {
        throw new UserError(`refusing to mirror, nothing written: ${mismatches.join("; ")}`);
    }

    const dest = tektonReleaseFiles(out);
    for (const file of files) {
        const { data } = got.get(file) as { data: Buffer };
        fs.mkdirSync(path.dirname(dest[file]), { recursive: true });
        const tmp = `${dest[file]}.partial-${process.pid}`;
        fs.writeFileSync(tmp, data);
        fs.renameSync(tmp, dest[file]);
    }
    const sums = files.map((f) => `${(got.get(f) as { sum: string }).sum}  ${rel[f]}\n`).join("");
    fs.writeFileSync(path.join(out, "SHA256SUMS"), sums);

    for (const file of files) {
        const how = pins[file] === undefined ? "trusted on first use, NOT verified" : "verified";
        process.stdout.write(`${rel[file]}: ${how}\n`);
    }
    if (unpinned.length > 0) {
        process.stdout.write(
            `\nPin what was trusted on first use (after checking it another way, e.g. against the same file of the project's GitHub release) in components/tekton/versions.ts:\n\nexport const tektonReleaseChecksums = {\n${files
                .map((f) => `    ${f}: "${(got.get(f) as { sum: string }).sum}",\n`)
                .join("")}};\n`,
        );
    }
    process.stdout.write(
        `\nwrote ${files.length} manifests and SHA256SUMS under ${out}; set tektonManifestSource: ${out}\n`,
    );
    return 0;
}

if (require.main === module) runCli(cli, () => main());
