import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as YAML from "yaml";

/** One finding of @ibm/tekton-lint. */
export interface LintProblem {
    level: "error" | "warning";
    rule: string;
    message: string;
    path: string;
}

/**
 * Lints Tekton and Triggers objects with @ibm/tekton-lint, a real linter: it reads files, so the objects are written
 * to a temporary directory first. Objects linted together are one set (pipelines see their tasks).
 *
 * Rules turned off, each for a reason:
 * - no-missing-resource: reports `taskRef: {resolver: …}` as a missing task 'undefined' (tekton-lint gap).
 * - prefer-kebab-case: Tekton Chains type hints must be named IMAGE_URL / IMAGE_DIGEST.
 */
export async function tektonLint(objects: unknown[], extraRulesOff: string[] = []): Promise<LintProblem[]> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-tekton-lint-"));
    try {
        objects.forEach((obj, i) =>
            fs.writeFileSync(path.join(dir, `${String(i).padStart(4, "0")}.yaml`), YAML.stringify(obj)),
        );
        const rules = Object.fromEntries(
            ["no-missing-resource", "prefer-kebab-case", ...extraRulesOff].map((r) => [r, "off"]),
        );
        fs.writeFileSync(path.join(dir, ".tektonlintrc.yaml"), YAML.stringify({ rules }));
        // ESM-only package with top-level await: load it with import(), which tsx leaves as is.
        const { Linter, Config } = (await import("@ibm/tekton-lint")) as unknown as TektonLintModule;
        const config = new Config({
            _: [path.join(dir, "*.yaml")],
            config: dir,
            format: "json",
            "max-warnings": -1,
            "refresh-cache": false,
            cache_dir: path.join(dir, ".cache"),
        });
        process.env.TL_CACHE_DIR = path.join(dir, ".cache");
        const problems = await Linter.run(config);
        return problems.map((p) => ({ level: p.level, rule: p.rule, message: p.message, path: p.path }));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

interface TektonLintModule {
    Linter: {
        run(config: unknown): Promise<{ level: "error" | "warning"; rule: string; message: string; path: string }[]>;
    };
    Config: new (args: Record<string, unknown>) => unknown;
}
