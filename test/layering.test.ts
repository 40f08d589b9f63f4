/**
 * The layers of the repository point one way (README.md, Architecture): the domain model and the components below, the
 * program (`src/`: configuration, sites and layers wiring, synth) on top. A component never imports the program, so
 * it can be read, tested and reused without the program's config format; the policy pack reads plans through its own
 * types, so the Pulumi policy host can load it alone. And no source file grows past what one reader holds at once.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import * as ts from "typescript";

import { root } from "./synth/run";

/** Every file under `dir` whose name ends with one of `extensions` (repository-relative paths). */
function sources(dir: string, extensions: string[] = [".ts"]): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
        for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
            const child = path.posix.join(rel, entry.name);
            if (entry.isDirectory()) walk(child);
            else if (extensions.some((e) => entry.name.endsWith(e))) out.push(child);
        }
    };
    walk(dir);
    return out.sort();
}

/**
 * The repository paths a file imports: static and dynamic `import`, `export … from` and `require`, as the TypeScript
 * compiler's own pre-processor finds them; packages are left out.
 */
function importsOf(file: string): string[] {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    return ts
        .preProcessFile(text, true, true)
        .importedFiles.map((f) => f.fileName)
        .filter((spec) => spec.startsWith("."))
        .map((spec) => resolve(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec))));
}

/** The file an import specifier names: `x.ts`, `x/index.ts`, or the path as written (a `.js` or `.json` file). */
function resolve(target: string): string {
    const exists = (f: string) => fs.existsSync(path.join(root, f));
    return [`${target}.ts`, `${target}/index.ts`].find(exists) ?? target;
}

/** `file imports target` for each import of a file under `from` that lands under `into`. */
function crossings(from: string, into: string): string[] {
    return sources(from).flatMap((file) =>
        importsOf(file)
            .filter((target) => target === into || target.startsWith(`${into}/`))
            .map((target) => `${file} imports ${target}`),
    );
}

describe("layering", () => {
    it("finds the imports it checks (a file under components/ that imports the shared model)", () => {
        // Guards the check below against passing vacuously: a parser that found nothing would find no crossing either.
        assert.ok(importsOf("components/tekton/layer.ts").includes("components/shared/model.ts"));
        assert.ok(crossings("src", "components").length > 0, "src/ imports components/");
    });

    it("imports nothing from src/ in components/: the program stands on the components, never the reverse", () => {
        assert.deepEqual(crossings("components", "src"), []);
    });

    it("imports nothing from src/ in policy/: the pack reads plans through its own types", () => {
        assert.deepEqual(crossings("policy", "src"), []);
    });

    it("keeps every source file under src, components, policy and scripts (TypeScript and step scripts) at 400 lines or fewer", () => {
        // A last line without a newline counts too.
        const lineCount = (text: string) => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
        const long = ["src", "components", "policy", "scripts"]
            .flatMap((dir) => sources(dir, [".ts", ".sh"]))
            .map((file) => ({ file, lines: lineCount(fs.readFileSync(path.join(root, file), "utf8")) }))
            .filter((f) => f.lines > 400)
            .map((f) => `${f.file}: ${f.lines} lines`);
        assert.deepEqual(long, [], "split these by what their parts do");
    });
});
