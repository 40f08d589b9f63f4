// @ts-check
/**
 * Builds-if-stale the JavaScript bundles the repository runs, with esbuild, and says where they are.
 *
 * The program bundle is src/index.ts and everything it imports (our TypeScript, zod, yaml, ...) as one CommonJS file,
 * with every `@pulumi/*` package and esbuild left to node_modules (the Pulumi runtime and the providers' SDKs read
 * their own files, and the SDKs stay deep imports, so a stack loads only its platform's SDK). Both ways of running the
 * program load this one file: `pulumi preview`/`up` through Pulumi.yaml's `main: launch/pulumi.js`, and
 * `npm run synth` through launch/synth.js. Node loads it like any CommonJS file, without a TypeScript loader.
 *
 * Nothing built is committed. A bundle lives in node_modules/.cache/okd-ci (OKD_CI_BUNDLE_DIR overrides; a
 * checkout whose node_modules is linked from another gets its own directory below it, see cacheDir), next to a
 * manifest (`<name>.json`) recording what it was built from: a SHA-256 of every repository file esbuild read, the
 * name@version of every package it read from node_modules (npm installs a name@version with one content, checked
 * against package-lock.json's integrity), the esbuild version and the build options including this file's own text.
 * Each run compares the manifest with the files as they are now (about 100 small files: milliseconds) and loads the
 * bundle when everything matches; anything else (a missing bundle after `npm ci`, an edited source, a new package
 * version, another esbuild) rebuilds it before it is loaded. A bundle and its manifest are written to temporary names
 * and renamed, so concurrent runs (the tests synthesize stacks in parallel) never load half a file.
 *
 * Known limit: a file edited while esbuild is reading it (within the build's few hundred milliseconds) is recorded
 * with its new content; the next edit of any input rebuilds.
 *
 * `node launch/bundle.js [--force]` builds the program bundle (if stale, or always with --force) and prints where.
 */
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");

/** @param {string | Buffer} data */
const sha256 = (data) => crypto.createHash("sha256").update(data).digest("hex");

/**
 * Whether this checkout's node_modules is a link into another directory (StrykerJS's sandboxes link the worktree's;
 * a second worktree may share the first one's), so its node_modules/.cache is shared with another checkout.
 */
function linkedNodeModules() {
    try {
        return fs.realpathSync(path.join(root, "node_modules")) !== path.join(fs.realpathSync(root), "node_modules");
    } catch {
        return false;
    }
}

/**
 * Where bundles and their manifests live: node_modules/.cache/okd-ci (OKD_CI_BUNDLE_DIR overrides). When
 * node_modules is linked from another checkout, each checkout gets its own `checkouts/<hash of its real path>`
 * below it: a bundle refers to its checkout's files (launch/bundle.js, the sources' directories) by relative paths,
 * so one checkout's bundle must never be loaded by another, and two checkouts building at the same time must not
 * replace each other's files.
 */
function cacheDir() {
    if (process.env.OKD_CI_BUNDLE_DIR) return path.resolve(process.env.OKD_CI_BUNDLE_DIR);
    const dir = path.join(root, "node_modules", ".cache", "okd-ci");
    return linkedNodeModules() ? path.join(dir, "checkouts", sha256(fs.realpathSync(root)).slice(0, 16)) : dir;
}

/**
 * A path relative to the directory the bundles are loaded from, as Node sees it: Node loads a module by its real
 * path (links resolved), so a `require("../..")` or a `__dirname`-relative path in a bundle under a linked
 * node_modules counts from the link's target, not from the checkout.
 * @param {string} dir the bundles' directory (created if missing)
 * @param {string} target
 */
function fromBundleDir(dir, target) {
    fs.mkdirSync(dir, { recursive: true });
    return path.relative(fs.realpathSync(dir), fs.realpathSync(target)).split(path.sep).join("/");
}

/**
 * The text of this file: a change to how bundles are built is a change to every bundle's key.
 * @type {string | undefined}
 */
let selfText;
function builderText() {
    if (selfText === undefined) selfText = fs.readFileSync(__filename, "utf8");
    return selfText;
}

/** The esbuild version installed, read without loading esbuild. */
function esbuildVersion() {
    const file = require.resolve("esbuild/package.json", { paths: [root] });
    return /** @type {{ version: string }} */ (JSON.parse(fs.readFileSync(file, "utf8"))).version;
}

/**
 * `node_modules/<pkg>` or `node_modules/@scope/<pkg>` of a path inside node_modules (the innermost one), else
 * undefined.
 * @param {string} rel a path relative to the repository, with forward slashes
 */
function packageDir(rel) {
    const at = rel.lastIndexOf("node_modules/");
    if (at < 0) return undefined;
    const parts = rel.slice(at + "node_modules/".length).split("/");
    const name = parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
    return `${rel.slice(0, at)}node_modules/${name}`;
}

/**
 * What an input is now: `sha256:<hex>` of a repository file's content, `<name>@<version>` of a package directory,
 * or "missing".
 * @param {string} rel
 */
function fingerprint(rel) {
    const file = path.join(root, rel);
    try {
        if (packageDir(rel) === rel) {
            const pkg = /** @type {{ name: string, version: string }} */ (
                JSON.parse(fs.readFileSync(path.join(file, "package.json"), "utf8"))
            );
            return `${pkg.name}@${pkg.version}`;
        }
        return `sha256:${sha256(fs.readFileSync(file))}`;
    } catch {
        return "missing";
    }
}

/**
 * @typedef {object} BundleSpec
 * @property {string} name         the output's base name: `<cache>/<name>.js`, `<cache>/<name>.json`
 * @property {string} entry        entry point, relative to the repository
 * @property {Record<string, unknown>} options  esbuild options besides entryPoints, outfile, write, metafile,
 *   absWorkingDir and plugins; plain data (they are part of the key)
 * @property {boolean} [repoDirname]  give each repository module its own source directory as `__dirname`
 *   (needs esbuild's asynchronous build; see dirnamePlugin)
 */

/**
 * @typedef {object} Manifest
 * @property {string} key
 * @property {Record<string, string>} inputs  path relative to the repository (a file, or a package directory) to its
 *   fingerprint
 */

/** @param {BundleSpec} spec */
function paths(spec) {
    const dir = cacheDir();
    return { dir, file: path.join(dir, `${spec.name}.js`), manifest: path.join(dir, `${spec.name}.json`) };
}

/** @param {BundleSpec} spec */
function keyOf(spec) {
    // Where the checkout is from the bundles' directory: a repoDirname bundle's paths depend on it.
    const checkout = fromBundleDir(paths(spec).dir, root);
    return sha256(
        JSON.stringify([esbuildVersion(), builderText(), spec.entry, spec.options, !!spec.repoDirname, checkout]),
    );
}

/**
 * Whether the bundle on disk was built from the files as they are now.
 * @param {BundleSpec} spec
 * @returns {{ fresh: boolean, why: string }}
 */
function check(spec) {
    const p = paths(spec);
    /** @type {Manifest} */
    let manifest;
    try {
        manifest = JSON.parse(fs.readFileSync(p.manifest, "utf8"));
    } catch {
        return { fresh: false, why: "not built yet" };
    }
    if (!fs.existsSync(p.file)) return { fresh: false, why: "not built yet" };
    if (manifest.key !== keyOf(spec)) return { fresh: false, why: "esbuild or the build options changed" };
    for (const [rel, was] of Object.entries(manifest.inputs)) {
        if (fingerprint(rel) !== was) return { fresh: false, why: `${rel} changed` };
    }
    return { fresh: true, why: "" };
}

/**
 * The inputs esbuild reported, as the manifest records them: repository files one by one, node_modules packages once.
 * @param {{ inputs: Record<string, unknown> }} metafile
 */
function inputsOf(metafile) {
    /** @type {Record<string, string>} */
    const inputs = {};
    for (const input of Object.keys(metafile.inputs)) {
        // esbuild names inputs relative to absWorkingDir (the repository), with forward slashes.
        const rel = packageDir(input) ?? input;
        if (!(rel in inputs)) inputs[rel] = fingerprint(rel);
    }
    return inputs;
}

/**
 * Writes a file under a temporary name, then renames it into place.
 * @param {string} file
 * @param {string | Uint8Array} content
 */
function writeAtomic(file, content) {
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
}

/**
 * Writes esbuild's output files and the manifest.
 * @param {BundleSpec} spec
 * @param {{ outputFiles?: { path: string, contents: Uint8Array }[], metafile?: { inputs: Record<string, unknown> } }} result
 */
function save(spec, result) {
    const p = paths(spec);
    fs.mkdirSync(p.dir, { recursive: true });
    // The bundle last of the outputs (a source map first), the manifest after the bundle.
    const outputs = [...(result.outputFiles ?? [])].sort(
        (a, b) => Number(a.path === p.file) - Number(b.path === p.file),
    );
    for (const out of outputs) writeAtomic(out.path, out.contents);
    /** @type {Manifest} */
    const manifest = {
        key: keyOf(spec),
        inputs: inputsOf(/** @type {{ inputs: Record<string, unknown> }} */ (result.metafile)),
    };
    writeAtomic(p.manifest, `${JSON.stringify(manifest, null, 1)}\n`);
}

/**
 * In a bundle every module shares the bundle file's `__dirname`; the repository's modules that read files next to
 * their source (step scripts, Containerfiles) need their own. This gives each repository module that mentions
 * `__dirname` a module-local one: its source directory, relative to the bundle's directory, so the bundle keeps
 * working if the checkout moves with its node_modules. And it leaves this file out of the bundle (see below).
 * @param {string} outDir
 * @returns {import("esbuild").Plugin}
 */
function dirnamePlugin(outDir) {
    return {
        name: "okd-ci-dirname",
        setup(build) {
            // This file stays itself (components/pipelines/status/bundle.ts builds the status renderer with it): one
            // copy, loaded from launch/, whose __filename and cache are the launchers'.
            build.onResolve({ filter: /(^|\/)launch\/bundle(\.js)?$/ }, (args) => {
                const target = path.resolve(args.resolveDir, args.path);
                if (target !== __filename && `${target}.js` !== __filename) return undefined;
                const rel = fromBundleDir(outDir, __filename);
                return { path: rel.startsWith(".") ? rel : `./${rel}`, external: true };
            });
            build.onLoad({ filter: /\.ts$/ }, (args) => {
                if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
                const text = fs.readFileSync(args.path, "utf8");
                if (!/\b__dirname\b/.test(text)) return { contents: text, loader: "ts" };
                const rel = fromBundleDir(outDir, path.dirname(args.path));
                return {
                    contents:
                        `var __okd_ci_dirname = require("node:path").join(__dirname, ${JSON.stringify(rel)});\n` +
                        text.replace(/\b__dirname\b/g, "__okd_ci_dirname"),
                    loader: "ts",
                };
            });
        },
    };
}

/**
 * esbuild's options for a spec.
 * @param {BundleSpec} spec
 * @returns {import("esbuild").BuildOptions}
 */
function buildOptions(spec) {
    const p = paths(spec);
    return {
        ...spec.options,
        entryPoints: [path.join(root, spec.entry)],
        outfile: p.file,
        absWorkingDir: root,
        // Packages by their path under the checkout's node_modules, not by where a linked node_modules points: the
        // `// node_modules/zod/…` comments, the manifest's inputs and the source map are the same for the same
        // sources, whether node_modules is a directory or a link (StrykerJS's sandboxes link it). Without it, a
        // sandbox's bundle said `// ../../node_modules/zod/…`.
        preserveSymlinks: true,
        write: false,
        metafile: true,
        logLevel: "silent",
        ...(spec.repoDirname ? { plugins: [dirnamePlugin(p.dir)] } : {}),
    };
}

/**
 * esbuild's errors as one message.
 * @param {BundleSpec} spec
 * @param {unknown} err
 */
function buildError(spec, err) {
    const errors = /** @type {{ errors?: { text: string, location?: { file: string, line: number } | null }[] }} */ (
        err
    ).errors;
    const lines = (errors ?? []).map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text));
    return new Error(
        `building ${spec.entry} failed${lines.length > 0 ? `:\n${lines.join("\n")}` : `: ${String(err)}`}`,
        { cause: err },
    );
}

/**
 * @typedef {object} Ensured
 * @property {string} file      the bundle
 * @property {boolean} built    whether this call built it
 * @property {string} why       why it was built ("" when it was fresh)
 * @property {number} checkMs   time spent comparing the manifest with the inputs
 * @property {number} buildMs   time spent building (0 when fresh)
 */

/**
 * Builds the bundle of `spec` if it is missing or stale (esbuild's asynchronous API: plugins allowed), and says where
 * it is.
 * @param {BundleSpec} spec
 * @param {{ force?: boolean }} [opts]
 * @returns {Promise<Ensured>}
 */
async function ensure(spec, opts = {}) {
    const t0 = performance.now();
    const state = opts.force ? { fresh: false, why: "--force" } : check(spec);
    const t1 = performance.now();
    if (state.fresh) return { file: paths(spec).file, built: false, why: "", checkMs: t1 - t0, buildMs: 0 };
    const esbuild = require("esbuild");
    let result;
    try {
        result = await esbuild.build(buildOptions(spec));
    } catch (err) {
        throw buildError(spec, err);
    }
    save(spec, result);
    return { file: paths(spec).file, built: true, why: state.why, checkMs: t1 - t0, buildMs: performance.now() - t1 };
}

/**
 * The same, synchronously (esbuild's buildSync: no plugins, so no `repoDirname`), for a caller that cannot wait.
 * @param {BundleSpec} spec
 * @returns {Ensured}
 */
function ensureSync(spec) {
    if (spec.repoDirname) throw new Error(`${spec.name}: repoDirname needs the asynchronous ensure()`);
    const t0 = performance.now();
    const state = check(spec);
    const t1 = performance.now();
    if (state.fresh) return { file: paths(spec).file, built: false, why: "", checkMs: t1 - t0, buildMs: 0 };
    const esbuild = require("esbuild");
    let result;
    try {
        result = esbuild.buildSync(buildOptions(spec));
    } catch (err) {
        throw buildError(spec, err);
    }
    save(spec, result);
    return { file: paths(spec).file, built: true, why: state.why, checkMs: t1 - t0, buildMs: performance.now() - t1 };
}

/**
 * The program bundle: src/index.ts, our code and its libraries in one file; @pulumi/* and esbuild from node_modules.
 * @type {BundleSpec}
 */
const program = {
    name: "okd-ci",
    entry: "src/index.ts",
    repoDirname: true,
    options: {
        bundle: true,
        platform: "node",
        format: "cjs",
        // package.json engines: node >=20.19.
        target: "node20",
        // Resolved from node_modules when the bundle runs: the Pulumi runtime and SDKs read their own files, and
        // esbuild runs its own binary.
        external: ["@pulumi/*", "esbuild"],
        // For `NODE_OPTIONS=--enable-source-maps`: stack traces at the TypeScript lines (off by default: it makes
        // every Error.stack costlier, and the Pulumi runtime takes one per resource operation).
        sourcemap: "linked",
        // Each module's code stays under a `// path/to/source.ts` comment, readable in a stack trace.
        minify: false,
    },
};

/**
 * Builds-if-stale the program bundle and loads it.
 * @returns {Promise<import("../src/index")>}
 */
async function loadProgram() {
    performance.mark("okd-ci:launch");
    const ensured = await ensure(program);
    performance.mark("okd-ci:bundle-checked", { detail: ensured });
    const bundle = require(ensured.file);
    performance.mark("okd-ci:bundle-loaded");
    return bundle;
}

module.exports = { cacheDir, check, ensure, ensureSync, loadProgram, program, root };

if (require.main === module) {
    const force = process.argv.includes("--force");
    ensure(program, { force }).then(
        (e) => {
            const took = e.built ? `built in ${Math.round(e.buildMs)} ms (${e.why})` : "up to date";
            console.log(`${path.relative(process.cwd(), e.file)}: ${took}`);
        },
        (err) => {
            console.error(err.message);
            process.exit(1);
        },
    );
}
