/**
 * launch/bundle.js: the program bundle `npm run synth` and `pulumi up` load is rebuilt whenever what it was built from
 * changes, and never loaded stale.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { type BundleSpec, check, ensure, program, root } from "../../launch/bundle";

describe("launch/bundle.js", () => {
    // The inputs live in the repository (the manifest records paths relative to it); the bundles in a temporary cache.
    const src = path.join(root, "test", `.bundle-fixture-${process.pid}`);
    const rel = path.relative(root, src).split(path.sep).join("/");
    let cache: string;
    const saved = process.env.OKD_CI_BUNDLE_DIR;
    const spec: BundleSpec = {
        name: "fixture",
        entry: `${rel}/entry.ts`,
        repoDirname: true,
        options: { bundle: true, platform: "node", format: "cjs", target: "node20" },
    };
    const load = (file: string): { value: string; dir: string } => {
        delete require.cache[require.resolve(file)];
        // A bundle is CommonJS loaded the way launch/bundle.js loads it; dropped from the cache first to see a rebuild.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(file) as { value: string; dir: string };
    };

    before(() => {
        cache = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-bundle-"));
        process.env.OKD_CI_BUNDLE_DIR = cache;
        fs.mkdirSync(src, { recursive: true });
        fs.writeFileSync(
            path.join(src, "entry.ts"),
            'import { part } from "./part";\nexport const value: string = part;\nexport const dir: string = __dirname;\n',
        );
        fs.writeFileSync(path.join(src, "part.ts"), 'export const part = "one";\n');
    });
    after(() => {
        if (saved === undefined) delete process.env.OKD_CI_BUNDLE_DIR;
        else process.env.OKD_CI_BUNDLE_DIR = saved;
        fs.rmSync(src, { recursive: true, force: true });
        fs.rmSync(cache, { recursive: true, force: true });
    });

    it("builds a missing bundle, then reuses it while no input changes", async () => {
        assert.deepEqual(check(spec), { fresh: false, why: "not built yet" });
        const first = await ensure(spec);
        assert.equal(first.built, true);
        assert.equal(first.why, "not built yet");
        assert.equal(path.dirname(first.file), cache);
        assert.equal(load(first.file).value, "one");
        const second = await ensure(spec);
        assert.equal(second.built, false);
        assert.equal(second.file, first.file);
    });

    it("gives each repository module its own source directory as __dirname", async () => {
        assert.equal(load((await ensure(spec)).file).dir, src);
    });

    it("rebuilds when an imported source changes, naming it, and loads the new code", async () => {
        await ensure(spec);
        fs.writeFileSync(path.join(src, "part.ts"), 'export const part = "two";\n');
        assert.deepEqual(check(spec), { fresh: false, why: `${rel}/part.ts changed` });
        const rebuilt = await ensure(spec);
        assert.equal(rebuilt.built, true);
        assert.equal(load(rebuilt.file).value, "two");
        assert.equal(check(spec).fresh, true);
    });

    it("rebuilds when the build options change", async () => {
        await ensure(spec);
        const other: BundleSpec = { ...spec, options: { ...spec.options, minify: true } };
        assert.deepEqual(check(other), { fresh: false, why: "esbuild or the build options changed" });
    });

    it("says which source fails to compile, and keeps nothing half-built", async () => {
        const broken: BundleSpec = { ...spec, name: "broken", entry: `${rel}/broken.ts` };
        fs.writeFileSync(path.join(src, "broken.ts"), "export const x: = 1;\n");
        await assert.rejects(ensure(broken), new RegExp(`building ${rel}/broken.ts failed:\\n${rel}/broken.ts:1:`));
        assert.equal(fs.existsSync(path.join(cache, "broken.js")), false);
        assert.equal(fs.readdirSync(cache).filter((f) => f.endsWith(".tmp")).length, 0);
    });

    it("records the program's own sources and packages as the program bundle's inputs", async () => {
        const built = await ensure(program);
        const manifest = JSON.parse(fs.readFileSync(built.file.replace(/\.js$/, ".json"), "utf8")) as {
            inputs: Record<string, string>;
        };
        for (const file of [
            "src/index.ts",
            "src/program.ts",
            "src/config/schema.ts",
            "components/pipelines/nightly.ts",
        ]) {
            assert.match(manifest.inputs[file] ?? "", /^sha256:[0-9a-f]{64}$/, file);
        }
        assert.match(manifest.inputs["node_modules/zod"] ?? "", /^zod@\d/);
        // Left to node_modules at run time, so never an input.
        assert.equal(Object.keys(manifest.inputs).filter((f) => f.includes("@pulumi/")).length, 0);
        assert.equal(check(program).fresh, true);
    });
});

/**
 * A checkout whose node_modules is a link to another's (StrykerJS's sandboxes link the worktree's; worktrees may share
 * one): its bundles must name packages as for any checkout, and refer to its own files, not to those of the checkout
 * the link points into (Node loads a module by its real path).
 */
describe("launch/bundle.js with a linked node_modules", () => {
    const fixture = `test/.linked-fixture-${process.pid}`;
    let checkout: string;
    let own: string;
    const saved = process.env.OKD_CI_BUNDLE_DIR;
    const entry = 'import { blue } from "picocolors";\nexport const dir: string = __dirname;\nexport { blue };\n';
    // The same sources in both checkouts; each spec as components/pipelines/status/bundle.ts or the program give it.
    const plain: BundleSpec = {
        name: "linked-plain",
        entry: `${fixture}/entry.ts`,
        options: { bundle: true, platform: "node", format: "cjs", target: "node20" },
    };
    const withDirname: BundleSpec = { ...plain, name: "linked-dirname", repoDirname: true };
    /** Builds `spec` in the linked checkout, in its own node process, and loads it there. */
    const buildThere = (spec: BundleSpec): { file: string; dir: string; text: string } =>
        JSON.parse(
            execFileSync(
                process.execPath,
                [
                    "-e",
                    `require("./launch/bundle.js").ensure(${JSON.stringify(spec)}).then((e) => {
                        const m = require(e.file);
                        process.stdout.write(JSON.stringify({ file: e.file, dir: m.dir, text: require("node:fs").readFileSync(e.file, "utf8") }));
                    })`,
                ],
                { cwd: checkout, encoding: "utf8", env: { ...process.env, OKD_CI_BUNDLE_DIR: "" } },
            ),
        ) as { file: string; dir: string; text: string };

    before(() => {
        checkout = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-linked-")));
        own = path.join(
            fs.realpathSync(path.join(root, "node_modules")),
            ".cache",
            "okd-ci",
            "checkouts",
            createHash("sha256").update(checkout).digest("hex").slice(0, 16),
        );
        fs.mkdirSync(path.join(checkout, "launch"));
        // What esbuild reads of a checkout besides the sources: launch/bundle.js, tsconfig.json, package.json.
        for (const file of ["launch/bundle.js", "tsconfig.json", "package.json"]) {
            fs.copyFileSync(path.join(root, file), path.join(checkout, file));
        }
        fs.symlinkSync(path.join(root, "node_modules"), path.join(checkout, "node_modules"));
        for (const dir of [root, checkout]) {
            fs.mkdirSync(path.join(dir, fixture), { recursive: true });
            fs.writeFileSync(path.join(dir, fixture, "entry.ts"), entry);
        }
    });
    after(() => {
        if (saved === undefined) delete process.env.OKD_CI_BUNDLE_DIR;
        else process.env.OKD_CI_BUNDLE_DIR = saved;
        fs.rmSync(path.join(root, fixture), { recursive: true, force: true });
        fs.rmSync(checkout, { recursive: true, force: true });
        fs.rmSync(own, { recursive: true, force: true });
    });

    it("keeps its bundles apart, in a directory of its own under the shared cache", () => {
        const built = buildThere(withDirname);
        assert.equal(
            built.file,
            path.join(
                checkout,
                "node_modules",
                ".cache",
                "okd-ci",
                "checkouts",
                path.basename(own),
                "linked-dirname.js",
            ),
        );
        assert.ok(fs.existsSync(path.join(own, "linked-dirname.js")));
    });

    it("gives its modules their own directory as __dirname, not the linked checkout's", () => {
        assert.equal(buildThere(withDirname).dir, path.join(checkout, fixture));
    });

    it("builds the same bytes as any checkout from the same sources, naming packages under node_modules", async () => {
        const there = buildThere(plain).text;
        assert.match(there, /^\/\/ node_modules\/picocolors\/picocolors\.js$/m);
        assert.doesNotMatch(there, /\.\.\/node_modules/);
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-bundle-"));
        try {
            process.env.OKD_CI_BUNDLE_DIR = cache;
            assert.equal(fs.readFileSync((await ensure(plain)).file, "utf8"), there);
        } finally {
            fs.rmSync(cache, { recursive: true, force: true });
        }
    });
});
