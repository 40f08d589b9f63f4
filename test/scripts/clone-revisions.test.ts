/**
 * clone-source.sh with REVISIONS, as a nightly the dispatcher started passes them: the real git against a local
 * repository served over file:// (git's upload-pack, the protocol GitHub speaks).
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { requireTool, runScript, tempDir } from "./harness";

describe("clone-source.sh builds the pushed revisions", () => {
    let dir: string;
    let origin: string;
    let pushed: string;
    let head: string;
    let offBranch: string;
    const git = (...args: string[]) =>
        execFileSync("git", ["-C", origin, "-c", "user.name=t", "-c", "user.email=t@example.org", ...args], {
            encoding: "utf8",
        }).trim();

    before(() => {
        requireTool("git");
        dir = tempDir("clone-revisions");
        origin = path.join(dir, "origin", "openshift", "installer");
        fs.mkdirSync(origin, { recursive: true });
        git("init", "--quiet", "--initial-branch", "release-4.15");
        fs.writeFileSync(path.join(origin, "file"), "pushed\n");
        git("add", ".");
        git("commit", "--quiet", "-m", "the pushed commit");
        pushed = git("rev-parse", "HEAD");
        // The branch moved on after the push the dispatcher recorded.
        fs.writeFileSync(path.join(origin, "file"), "later\n");
        git("commit", "--quiet", "-am", "a later commit");
        head = git("rev-parse", "HEAD");
        // A commit the repository serves by id that is not on the stream's branch: another branch here; on GitHub also
        // a pull request's head or a commit force-pushed away, which a replayed delivery could name.
        git("checkout", "--quiet", "-b", "attacker");
        fs.writeFileSync(path.join(origin, "file"), "not reviewed\n");
        git("commit", "--quiet", "-am", "a commit on another branch");
        offBranch = git("rev-parse", "HEAD");
        git("checkout", "--quiet", "release-4.15");
    });

    const clone = (revisions?: string) => {
        const out = tempDir("clone-out");
        const r = runScript("clone-source.sh", {
            REPOSITORY: "openshift/installer",
            BRANCH: "release-4.15",
            GIT_BASE_URL: `file://${path.join(dir, "origin")}`,
            SOURCE_DIR: path.join(out, "source"),
            LABELS_FILE: path.join(out, "labels"),
            RESULT_GIT_URL: path.join(out, "url"),
            RESULT_GIT_COMMIT: path.join(out, "commit"),
            ...(revisions !== undefined ? { REVISIONS: revisions } : {}),
        });
        const read = (f: string) =>
            fs.existsSync(path.join(out, f)) ? fs.readFileSync(path.join(out, f), "utf8") : "";
        return { ...r, commit: read("commit"), labels: read("labels"), file: read("source/file") };
    };

    it("checks out the pushed commit of its repository (names compared case-insensitively), not the branch head", () => {
        const r = clone(`openshift/oc=${"1".repeat(40)} OpenShift/Installer=${pushed}`);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.commit, pushed);
        assert.equal(r.file, "pushed\n");
        assert.match(r.labels, new RegExp(`io.openshift.build.commit.id=${pushed}`));
        assert.match(r.stdout, /\(the pushed revision\)/);
    });

    it("builds the branch head when REVISIONS is empty or names other repositories only", () => {
        for (const revisions of ["", `openshift/oc=${"1".repeat(40)}`]) {
            const r = clone(revisions);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.commit, head);
        }
    });

    it("fails, naming the commit, when the repository does not have it", () => {
        const r = clone(`openshift/installer=${"b".repeat(40)}`);
        assert.equal(r.status, 1);
        assert.match(r.stderr, /has no commit b{40} \(pushed to release-4\.15\)/);
    });

    it("refuses a commit the repository has that is not on the stream's branch", () => {
        const r = clone(`openshift/installer=${offBranch}`);
        assert.equal(r.status, 1);
        assert.match(
            r.stderr,
            new RegExp(`commit ${offBranch} of file://.* is not on release-4\\.15; refusing to build it`),
        );
        assert.equal(r.commit, "");
        assert.equal(r.labels, "");
    });

    it("refuses an entry that is not <org>/<name>=<commit>", () => {
        const bad = clone("openshift/installer");
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /REVISIONS entry 'openshift\/installer' is not <org>\/<name>=<commit>/);
        const short = clone("openshift/installer=abc123");
        assert.equal(short.status, 2);
        assert.match(short.stderr, /is 'abc123', not a 40-character commit id/);
    });
});
