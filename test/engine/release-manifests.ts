/**
 * Builds the Tekton release manifests `npm run test:engine` points `tektonManifestSource` at: a local directory laid
 * out as the public release site, made from the pinned modules' `config/` in the Go module cache the way each
 * project's release pipeline makes its release.yaml (`ko resolve`, then "devel" rewritten to the version):
 *
 *   pipeline  `ko resolve -R -f config/`                               tektoncd/pipeline tekton/publish.yaml
 *   triggers  `ko resolve -f config/`, `ko resolve -f config/interceptors` tektoncd/triggers tekton/publish.yaml
 *   chains    `ko resolve -f config/`                                  tektoncd/chains release/publish.yaml
 *
 * `ko://<import path>` images become `ko.invalid/<import path>:<version>`: no image is built or pulled here (there is
 * no kubelet), so the objects are exactly the release's and their images are names that never resolve.
 *
 * Chains: the Go module proxy serves no zip of github.com/tektoncd/chains at the pinned v0.29.1 (nor v0.27-v0.30);
 * the nearest it serves is v0.26.2, whose manifest is written at the v0.29.1 path with a header saying so.
 *
 * Usage: tsx test/engine/release-manifests.ts <out-dir>   (writes <out-dir>/<project>/previous/<version>/*.yaml and
 * <out-dir>/crds.yaml, the CustomResourceDefinitions of all of them)
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import * as YAML from "yaml";

import { tektonReleaseFiles, tektonVersions } from "../../components/tekton/versions";

/** The module each release is built from; `version` differs from the pinned one only where the proxy lacks it. */
export const releaseModules = {
    pipeline: { module: "github.com/tektoncd/pipeline", version: tektonVersions.pipeline },
    triggers: { module: "github.com/tektoncd/triggers", version: tektonVersions.triggers },
    chains: { module: "github.com/tektoncd/chains", version: "v0.26.2" },
} as const;

/** The module's directory in the Go module cache, downloading its zip through the proxy when missing. */
function moduleDir(module: string, version: string): string {
    const out = execFileSync("go", ["mod", "download", "-json", `${module}@${version}`], { encoding: "utf8" });
    const info = JSON.parse(out) as { Dir?: string; Error?: string };
    if (info.Dir === undefined) throw new Error(`${module}@${version}: ${info.Error ?? "no module directory"}`);
    return info.Dir;
}

/** YAML files of a directory in ko's order (lexical), recursing when `recursive` (ko's `-R`). */
function yamlFiles(dir: string, recursive: boolean): string[] {
    const files: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            if (recursive) files.push(...yamlFiles(p, true));
        } else if (/\.ya?ml$/.test(entry.name)) {
            files.push(p);
        }
    }
    return files;
}

/** Replaces `ko://` references everywhere in a document (images and image flags in args). */
function resolveKo(value: unknown, version: string): unknown {
    if (typeof value === "string") {
        return value.startsWith("ko://") ? `ko.invalid/${value.slice("ko://".length)}:${version}` : value;
    }
    if (Array.isArray(value)) return value.map((v) => resolveKo(v, version));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveKo(v, version)]));
    }
    return value;
}

/** The release's documents: every non-empty document of the files, ko references resolved, "devel" rewritten. */
function release(files: string[], version: string): object[] {
    const docs: object[] = [];
    for (const file of files) {
        for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
            if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
            const value = doc.toJS() as unknown;
            if (value === null || typeof value !== "object") continue;
            // The release pipelines' sed: release/version labels "devel" → the version.
            const text = JSON.stringify(resolveKo(value, version)).replace(
                /"((?:pipeline|triggers)\.tekton\.dev\/release|app\.kubernetes\.io\/version|version)":"devel"/g,
                `"$1":"${version}"`,
            );
            docs.push(JSON.parse(text) as object);
        }
    }
    return docs;
}

function write(file: string, header: string, docs: object[]): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const body = docs.map((d) => YAML.stringify(d, { lineWidth: 0 })).join("---\n");
    fs.writeFileSync(file, `${header}\n---\n${body}`);
}

export function buildReleaseManifests(outDir: string): { crds: number; objects: number } {
    const files = tektonReleaseFiles(outDir);
    const header = (m: { module: string; version: string }, pinned: string) =>
        [
            `# Built for npm run test:engine by test/engine/release-manifests.ts from ${m.module}@${m.version} config/`,
            `# (ko:// images replaced by ko.invalid names that are never pulled).`,
            ...(m.version === pinned
                ? []
                : [
                      `# The pinned ${pinned} is not served by the Go module proxy; ${m.version} is the nearest that is.`,
                  ]),
        ].join("\n");

    const p = releaseModules.pipeline;
    const pipelineDir = moduleDir(p.module, p.version);
    const pipeline = release(yamlFiles(path.join(pipelineDir, "config"), true), p.version);
    write(files.pipeline, header(p, tektonVersions.pipeline), pipeline);

    const t = releaseModules.triggers;
    const triggersDir = moduleDir(t.module, t.version);
    const triggers = release(yamlFiles(path.join(triggersDir, "config"), false), t.version);
    write(files.triggers, header(t, tektonVersions.triggers), triggers);
    const interceptors = release(yamlFiles(path.join(triggersDir, "config", "interceptors"), false), t.version);
    write(files.interceptors, header(t, tektonVersions.triggers), interceptors);

    const c = releaseModules.chains;
    const chains = release(yamlFiles(path.join(moduleDir(c.module, c.version), "config"), false), c.version);
    write(files.chains, header(c, tektonVersions.chains), chains);

    const all = [...pipeline, ...triggers, ...interceptors, ...chains];
    const crds = all.filter((d) => (d as { kind?: string }).kind === "CustomResourceDefinition");
    write(path.join(outDir, "crds.yaml"), "# The CustomResourceDefinitions of the manifests beside this file.", crds);
    return { crds: crds.length, objects: all.length };
}

if (require.main === module) {
    const out = process.argv[2];
    if (out === undefined || process.argv.length !== 3) {
        console.error("usage: tsx test/engine/release-manifests.ts <out-dir>");
        process.exit(2);
    }
    const { crds, objects } = buildReleaseManifests(path.resolve(out));
    console.log(`wrote ${objects} objects (${crds} CustomResourceDefinitions) under ${out}`);
}
