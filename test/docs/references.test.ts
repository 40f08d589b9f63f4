/**
 * The repository is self-contained: every link and file citation in its Markdown, and every repository path named in
 * its code, comments and configuration, resolves to something in the repository. Citations of notes outside it
 * (`§` sections of reference notes, a `shared/` directory) and of headings that do not exist fail here.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { root } from "../synth/run";

/** Tracked and new (not ignored) files, as git sees them. */
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    encoding: "utf8",
})
    .split("\n")
    .filter((f) => f !== "" && fs.existsSync(path.join(root, f)));

const textFile = (f: string) =>
    /\.(md|ts|mjs|sh|ya?ml|json|env|toml)$|(^|\/)(Containerfile|Dockerfile|run)$/.test(f) &&
    !/(^|\/)(package-lock\.json|go\.sum)$/.test(f);
const read = (f: string) => fs.readFileSync(path.join(root, f), "utf8");

/**
 * Top-level names a repository path can start with: those of the files above, so what git ignores (`.tools/`, built by
 * scripts/ensure-test-tools.sh; `out/`; `node_modules/`) is never taken for repository content, whichever of it a
 * checkout happens to have built.
 */
const topLevel = new Set(files.map((f) => f.split("/")[0]));

/** GitHub's heading anchors: lower case, punctuation other than `-` and `_` dropped, spaces to dashes. */
export function slug(heading: string): string {
    return heading
        .trim()
        .toLowerCase()
        .replace(/[`*_~]|<[^>]*>/g, (m) => (m === "_" ? "_" : ""))
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-");
}

function headings(file: string): string[] {
    const out: string[] = [];
    let fence = false;
    for (const line of read(file).split("\n")) {
        if (/^\s*```/.test(line)) fence = !fence;
        const m = !fence && /^#{1,6}\s+(.+?)\s*#*$/.exec(line);
        if (m) out.push(m[1]);
    }
    return out;
}

/** Markdown links `[text](target)` outside code, with their line numbers. */
function markdownLinks(file: string): { line: number; target: string }[] {
    const out: { line: number; target: string }[] = [];
    let fence = false;
    read(file)
        .split("\n")
        .forEach((text, i) => {
            if (/^\s*```/.test(text)) fence = !fence;
            if (fence) return;
            const noCode = text.replace(/`[^`]*`/g, "");
            for (const m of noCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push({ line: i + 1, target: m[1] });
        });
    return out;
}

/** Problems with one Markdown link target, seen from `file`. */
function linkProblem(file: string, target: string): string | undefined {
    if (/^(https?|mailto):/.test(target)) return undefined;
    const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
    const resolved = pathPart === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), pathPart));
    if (!fs.existsSync(path.join(root, resolved))) return `links to ${target}, which does not exist`;
    if (anchor !== undefined && resolved.endsWith(".md")) {
        const anchors = headings(resolved).map(slug);
        if (!anchors.includes(anchor)) return `links to ${target}, but ${resolved} has no heading #${anchor}`;
    }
    return undefined;
}

/**
 * Repository paths cited in any text: `docs/tekton.md`, `components/azure/site.ts`, `./scripts/x.sh`. A path counts
 * as a citation when its first segment is a top-level entry of the repository; paths with placeholders (`<stack>`,
 * `*`, `${…}`) are patterns, not citations.
 */
function cited(text: string): string[] {
    const out: string[] = [];
    for (const m of text.matchAll(/(?<![\w./@:-])(?:\.\/)?((?:[\w.-]+\/)+[\w.-]*\w)(?![\w<*$/{-])/g)) {
        const p = m[1];
        if (!topLevel.has(p.split("/")[0])) continue;
        // A path in another repository, named just before it: `openshift/installer docs/user/aws/iam.md`.
        if (/(^|[\s(`])[\w.-]+\/[\w.-]+[ :]`?$/.test(text.slice(0, m.index))) continue;
        out.push(p);
    }
    return out;
}

/** Quoted section references: `README "Preview a platform"`, `docs/tekton.md "Pointing GitHub at the site"`. */
function sectionRefs(text: string): { file: string; section: string }[] {
    return [...text.matchAll(/\b(README(?:\.md)?|(?:[\w.-]+\/)*[\w.-]+\.md) (?:section )?"([^"\n]+)"/g)].map((m) => ({
        file: m[1].startsWith("README") ? "README.md" : m[1],
        section: m[2],
    }));
}

describe("references in the repository", () => {
    const texts = files.filter(textFile);

    it("scans the docs and the code", () => {
        assert.ok(texts.includes("README.md") && texts.includes("docs/tekton.md") && texts.includes("src/index.ts"));
    });

    it("resolves every Markdown link, anchors included", () => {
        const problems = texts
            .filter((f) => f.endsWith(".md"))
            .flatMap((f) =>
                markdownLinks(f).flatMap(({ line, target }) => {
                    const p = linkProblem(f, target);
                    return p === undefined ? [] : [`${f}:${line} ${p}`];
                }),
            );
        assert.deepEqual(problems, []);
    });

    it("resolves every repository path cited in docs, code and comments", () => {
        const problems = texts.filter((f) => f !== "test/docs/references.test.ts").flatMap((f) =>
            read(f)
                .split("\n")
                .flatMap((line, i) =>
                    cited(line)
                        .filter((p) => !fs.existsSync(path.join(root, p)))
                        .map((p) => `${f}:${i + 1} cites ${p}, which is not in the repository`),
                ),
        );
        assert.deepEqual(problems, []);
    });

    it("names only headings that exist when it cites a section by title", () => {
        const problems = texts.filter((f) => f !== "test/docs/references.test.ts").flatMap((f) =>
            sectionRefs(read(f)).flatMap(({ file, section }) => {
                if (!fs.existsSync(path.join(root, file))) return [`${f} cites ${file} "${section}": no such file`];
                return headings(file).some((h) => h.replace(/`/g, "") === section.replace(/`/g, ""))
                    ? []
                    : [`${f} cites ${file} "${section}": no such heading`];
            }),
        );
        assert.deepEqual(problems, []);
    });

    it("cites no numbered section (§) and no notes kept outside the repository", () => {
        const problems = texts
            .filter((f) => f !== "test/docs/references.test.ts")
            .flatMap((f) =>
                read(f)
                    .split("\n")
                    .flatMap((line, i) =>
                        /§|shared\/reference|okd-release-engineering\.md|(?<![\w-])reference\/tekton\.md/.test(line)
                            ? [`${f}:${i + 1}: ${line.trim()}`]
                            : [],
                    ),
            );
        assert.deepEqual(problems, []);
    });

    it("names the namespace in every kubectl command of the docs that reaches namespaced objects", () => {
        const namespaced = /\bkubectl\b(?![^`\n]*(?:\s-n\s|--namespace))[^`\n]*\b(port-forward|create job|get svc|logs|get (?:pipelinerun|taskrun|pods?))\b/;
        const problems = texts
            .filter((f) => f.endsWith(".md"))
            .flatMap((f) =>
                read(f)
                    .split("\n")
                    .flatMap((line, i) => (namespaced.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
            );
        assert.deepEqual(problems, []);
        assert.ok(namespaced.test("`kubectl port-forward svc/el-okd-schedule 8080`"), "the check finds a bare one");
    });

    describe("the checks themselves", () => {
        it("slugs headings as GitHub does", () => {
            assert.equal(slug("Chains: SLSA v1 provenance, signed in the site registry"), "chains-slsa-v1-provenance-signed-in-the-site-registry");
            assert.equal(slug("Run a nightly by hand"), "run-a-nightly-by-hand");
            assert.equal(slug("`okd-ci:streams` and friends"), "okd-cistreams-and-friends");
        });

        it("finds a dangling link, a missing anchor and a cited file that is not there", () => {
            assert.match(linkProblem("README.md", "docs/nope.md") ?? "", /does not exist/);
            assert.match(linkProblem("README.md", "docs/tekton.md#nope") ?? "", /has no heading #nope/);
            assert.deepEqual(
                cited("see docs/nope.md and components/shared/site.ts, not out/<stack>/plan.json"),
                ["docs/nope.md", "components/shared/site.ts"],
            );
            assert.deepEqual(cited("openshift/installer `docs/user/aws/iam.md`, arn:aws:iam::aws:policy/Admin"), []);
            assert.deepEqual(sectionRefs('See README "Synth a stack offline".'), [
                { file: "README.md", section: "Synth a stack offline" },
            ]);
        });
    });
});
