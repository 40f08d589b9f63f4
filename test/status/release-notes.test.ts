import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { statusRendererBundle } from "../../components/pipelines/status/bundle";
import { type Registry, pushImage, requireTool, runScript, startRegistry, tempDir } from "../scripts/harness";
import { buildPayload, imageReferences, okdPayloadSpec, operatorManifest, osImage } from "../scripts/payload";

/**
 * release-notes.sh end to end with the real tools: two nightlies assembled by assemble-release.sh from a base payload
 * (real `oc adm release new`), each with a cluster-update-keys build labelled with its source repository and commit,
 * recorded and promoted by release-record.sh and mirror-release.sh, then the notes of the second: the renderer bundle
 * the pipelines run (node), and the real `oc adm release info --changelog`, which clones the component's repository
 * with git. The repository is a local one (file://), so oc's clone and `git log` run offline exactly as they would
 * against github.com; the merge commits carry GitHub's "Merge pull request #N from …" subjects, which are what oc
 * lists (mergeLogForRepo, openshift/oc pkg/cli/admin/release/git.go @ae1bd9e4a75b).
 */
describe("release-notes.sh (real oc, git, rclone; the bundled renderer)", () => {
    let registry: Registry;
    let dir: string;
    let bucket: string;
    let renderer: string;
    let repo: string;
    const commits: string[] = [];
    const names: string[] = [];

    const git = (...args: string[]) =>
        execFileSync("git", ["-C", repo, ...args], {
            encoding: "utf8",
            env: {
                ...process.env,
                GIT_AUTHOR_NAME: "t",
                GIT_AUTHOR_EMAIL: "t@example.org",
                GIT_COMMITTER_NAME: "t",
                GIT_COMMITTER_EMAIL: "t@example.org",
            },
        }).trim();
    const record = (env: Record<string, string>) => {
        const r = runScript("release-record.sh", {
            RCLONE_CONFIG_ARTIFACTS_TYPE: "local",
            ARTIFACTS_BUCKET: bucket,
            MINOR: "4.15",
            ...env,
        });
        assert.equal(r.status, 0, r.stderr);
    };

    /** A pull request merged into main: a branch with one commit, merged with GitHub's merge subject. */
    const mergePullRequest = (n: number, subject: string) => {
        git("checkout", "-q", "-b", `pr-${n}`, "main");
        fs.writeFileSync(path.join(repo, `change-${n}.txt`), `${subject}\n`);
        git("add", ".");
        git("commit", "-q", "-m", subject);
        git("checkout", "-q", "main");
        git("merge", "-q", "--no-ff", `pr-${n}`, "-m", `Merge pull request #${n} from someone/pr-${n}\n\n${subject}`);
        return git("rev-parse", "HEAD");
    };

    /** One nightly: a cluster-update-keys build of `commit`, assembled, recorded, accepted and promoted. */
    const nightly = (run: string, commit: string) => {
        const os = osImage("41.20250105.3", "Fedora CoreOS");
        const osDigest = pushImage(`${registry.host}/okd/machine-os:${run}`, { files: os.files, labels: os.labels });
        const keysDigest = pushImage(`${registry.host}/okd/components:cluster-update-keys-${run}`, {
            files: {
                "manifests/0000_90_cluster-update-keys_00_images.yaml": operatorManifest(
                    "cluster-update-keys",
                    "quay.io/example/tests:latest",
                ),
                "manifests/image-references": imageReferences(["tests"]),
                "usr/share/keys": `keys at ${commit}\n`,
            },
            labels: {
                "io.openshift.release.operator": "true",
                "io.openshift.build.commit.id": commit,
                "io.openshift.build.source-location": `file://${repo}`,
            },
        });
        const out = (f: string) => path.join(dir, `${run}-${f}`);
        record({ RECORD_ACTION: "previous", PREVIOUS_MINOR: "4.14", OUT_FILE: out("previous") });
        const assembled = runScript(
            "assemble-release.sh",
            {
                MINOR: "4.15",
                NAME_STREAM: "okd",
                BASE_PAYLOAD: base,
                RELEASE_REPO: `${registry.host}/okd/release`,
                CONTENT_REPO: `${registry.host}/okd/content`,
                COMPONENTS_REPO: `${registry.host}/okd/components`,
                COMPONENTS: "cluster-update-keys",
                BUILD_TAG: run,
                // The base payload's node-image tags (okdPayloadSpec: OKD/FCOS 4.15's), each this run's machine-os.
                NODE_IMAGES: okdPayloadSpec(registry.host)
                    .osTags.map((tag) => `${tag}=${registry.host}/okd/machine-os@${osDigest}`)
                    .join("\n"),
                PREVIOUS_FILE: out("previous"),
                TLS_VERIFY: "false",
                OUT_FILE: out("release.json"),
                RESULT_NAME: out("name"),
                RESULT_PULLSPEC: out("pullspec"),
                RESULT_IMAGE_URL: out("url"),
                RESULT_IMAGE_DIGEST: out("digest"),
                RESULT_TESTS_IMAGE: out("tests"),
            },
            undefined,
            [
                // The build's BUILT result: the component by digest, with the source and commit its clone step recorded.
                JSON.stringify({
                    component: "cluster-update-keys",
                    image: `${registry.host}/okd/components@${keysDigest}`,
                    source: `file://${repo}`,
                    commit,
                }),
            ],
        );
        assert.equal(assembled.status, 0, assembled.stderr);
        const name = fs.readFileSync(out("name"), "utf8");
        const digest = fs.readFileSync(out("digest"), "utf8");
        record({ RECORD_ACTION: "create", RELEASE_FILE: out("release.json"), PIPELINE_RUN: run });
        fs.writeFileSync(out("gates.json"), "[]");
        record({ RECORD_ACTION: "verdict", NAME: name, VERDICT: "accepted", GATES_FILE: out("gates.json") });
        const mirrored = runScript("mirror-release.sh", {
            NAME: name,
            DIGEST: digest,
            SOURCE_REPO: `${registry.host}/okd/release`,
            SOURCE_TLS_VERIFY: "false",
            TARGETS: `${registry.host}/okd/promoted ${registry.host}/okd/promoted-content false PROMOTED_\n`,
            RESULTS_DIR: dir,
            PROMOTION_FILE: out("promotion.json"),
        });
        assert.equal(mirrored.status, 0, mirrored.stderr);
        record({ RECORD_ACTION: "promote", NAME: name, DIGEST: digest, PROMOTION_FILE: out("promotion.json") });
        names.push(name);
    };

    let base: string;
    before(async function () {
        this.timeout(300_000);
        for (const tool of ["oc", "git", "jq", "rclone", "skopeo", "umoci", "node"]) requireTool(tool);
        registry = await startRegistry();
        dir = tempDir("notes");
        bucket = path.join(dir, "bucket");
        fs.mkdirSync(bucket);
        renderer = path.join(dir, "status.js");
        fs.writeFileSync(renderer, statusRendererBundle());
        repo = path.join(dir, "cluster-update-keys");
        fs.mkdirSync(repo);
        git("init", "-q", "-b", "main");
        fs.writeFileSync(path.join(repo, "README"), "keys\n");
        git("add", ".");
        git("commit", "-q", "-m", "Initial");
        commits.push(mergePullRequest(101, "Add the 2025 signing key"));
        base = buildPayload(okdPayloadSpec(registry.host)).pullSpec;
        nightly("run1", commits[0]);
        commits.push(mergePullRequest(102, "Rotate the <CI> key"));
        // A commit pushed to main directly (as a squash or rebase merge lands): oc from 4.20 counts it as elided
        // (openshift/oc 977ac887f, `elidedCommits`); the oc pinned here (ae1bd9e, 4.17) does not see it.
        fs.writeFileSync(path.join(repo, "README"), "keys, signed\n");
        git("commit", "-q", "-am", "Fix the README");
        commits.push(mergePullRequest(103, "Drop the 2019 key"));
        // Payload names carry the time to the second: the second nightly must not share the first's.
        await new Promise((r) => setTimeout(r, 1100));
        nightly("run2", commits[2]);
    });
    after(async () => {
        await registry?.stop();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const runNotes = (env: Record<string, string> = {}) =>
        runScript("release-notes.sh", {
            MINOR: "4.15",
            NAME: names[1],
            ARTIFACTS_BUCKET: bucket,
            RCLONE_CONFIG_ARTIFACTS_TYPE: "local",
            RENDERER: renderer,
            PROMOTED_REPO: `${registry.host}/okd/promoted`,
            TLS_VERIFY: "false",
            ...env,
        });
    const stored = (ext: "json" | "md") =>
        fs.readFileSync(path.join(bucket, "notes", "4.15", `${names[1]}.${ext}`), "utf8");

    it("stores notes naming the changed component, its commit range and the pull requests merged in it", function () {
        this.timeout(120_000);
        const r = runNotes();
        assert.equal(r.status, 0, r.stderr);
        const notes = JSON.parse(stored("json"));
        assert.deepEqual(notes.from, { name: names[0], stream: "4.15" });
        assert.match(notes.fromPullSpec, new RegExp(`^${registry.host}/okd/promoted@sha256:`));
        assert.match(notes.toPullSpec, new RegExp(`^${registry.host}/okd/promoted@sha256:`));
        const keys = notes.components.find((c: { component: string }) => c.component === "cluster-update-keys");
        assert.deepEqual(
            { change: keys.change, from: keys.fromCommit, to: keys.toCommit, source: keys.source },
            { change: "updated", from: commits[0], to: commits[2], source: `file://${repo}` },
        );
        assert.deepEqual(
            notes.components.map((c: { component: string; change: string }) => [c.component, c.change]),
            [
                ["cluster-update-keys", "updated"],
                // The node image, under each payload tag it fills (OKD/FCOS 4.15: fedora-coreos, machine-os-content).
                ["fedora-coreos", "rebuilt"],
                ["machine-os-content", "rebuilt"],
            ],
        );
        // oc's changelog: the two pull requests merged between the commits, newest first, and not the earlier one.
        assert.equal(notes.changelogError, undefined, notes.changelogError);
        assert.deepEqual(notes.commits["cluster-update-keys"], [
            { subject: "Drop the 2019 key", id: "#103" },
            { subject: "Rotate the <CI> key", id: "#102" },
        ]);
        // The pinned oc lists merges only: nothing elided. Once oc is 4.20 or newer this is { "cluster-update-keys": 1 }
        // and the Markdown ends the list with "And 1 elided commit" (test/status/notes.test.ts renders that case).
        assert.equal(notes.elidedCommits, undefined);
        const md = stored("md");
        assert.match(md, new RegExp(`^# ${names[1]}\n\nChanges since ${names[0]}\\.`));
        assert.match(md, /\| cluster-update-keys \| updated \|/);
        assert.match(
            md,
            /### cluster-update-keys\n\n- Drop the 2019 key \(#103\)\n- Rotate the &lt;CI&gt; key \(#102\)\n$/,
        );
    });

    it("shows the stored notes, pull requests included, on the promoted payload's page", function () {
        this.timeout(60_000);
        const site = path.join(dir, "site");
        execFileSync("node", [renderer, "--from", bucket, "--out", site]);
        const status = JSON.parse(fs.readFileSync(path.join(site, "status.json"), "utf8"));
        const payload = status.streams[0].payloads.find((p: { name: string }) => p.name === names[1]);
        assert.equal(payload.notesStored, true);
        const page = fs.readFileSync(path.join(site, "4.15", `${names[1]}.html`), "utf8");
        const notes = page.slice(page.indexOf('<section class="notes">'), page.indexOf("</section>"));
        assert.match(notes, /<h2>Release notes<\/h2>/);
        assert.match(notes, /Stored at promotion; pull requests from <code>oc adm release info --changelog<\/code>/);
        assert.match(notes, /<li>Drop the 2019 key #103<\/li><li>Rotate the &lt;CI&gt; key #102<\/li>/);
    });

    it("keeps the commit ranges and says why when oc cannot read the repositories", function () {
        this.timeout(120_000);
        const moved = `${repo}.moved`;
        fs.renameSync(repo, moved);
        try {
            const r = runNotes();
            assert.equal(r.status, 0, r.stderr);
        } finally {
            fs.renameSync(moved, repo);
        }
        const notes = JSON.parse(stored("json"));
        assert.equal(notes.components[0].toCommit, commits[2]);
        assert.match(notes.changelogError, /cluster-update-keys|does not appear to be a git repository|fatal|error/);
        assert.match(stored("md"), /Pull requests are not listed: /);
    });
});
