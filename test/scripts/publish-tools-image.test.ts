import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import {
    type Registry,
    digestOf,
    pushImage,
    pushTinyImage,
    requireTool,
    runScript,
    startRegistry,
    tempDir,
} from "./harness";

/**
 * publish-tools-image.sh (assemble's `publish-tools` step) with real skopeo against a local docker-registry: the tools
 * image a run built (as a build, by digest, into the components repository) is tagged in the release repository, the
 * tag the release run resolves; a tag a build moved in the components repository changes nothing.
 */
describe("publish-tools-image.sh", () => {
    let registry: Registry;
    let dir: string;
    let env: Record<string, string>;
    const tag = "pipeline-tools-0123456789abcdef";

    before(async () => {
        requireTool("skopeo");
        requireTool("umoci");
        registry = await startRegistry();
    });
    after(() => registry.stop());
    beforeEach(() => {
        dir = tempDir("publish-tools");
        const auth = path.join(dir, "auth.json");
        fs.writeFileSync(auth, '{"auths":{}}\n');
        env = {
            BUILD_REPOSITORY: `${registry.host}/okd/components`,
            TARGET_REPOSITORY: `${registry.host}/okd/release`,
            TLS_VERIFY: "false",
            REGISTRY_AUTH_FILE: auth,
        };
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("tags exactly the digest the run built, even when a build has since moved the build repository's tag", () => {
        const built = pushTinyImage(`${registry.host}/okd/components:${tag}`, "the tools this run built");
        // A hostile build pushes its own image under the same tag in the components repository.
        const planted = pushTinyImage(`${registry.host}/okd/components:${tag}`, "a build's tools");
        assert.notEqual(planted, built);
        const r = runScript("publish-tools-image.sh", {
            ...env,
            TOOLS_IMAGE: `${registry.host}/okd/components:${tag}@${built}`,
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(digestOf(`${registry.host}/okd/release:${tag}`), built);
        assert.match(r.stdout, new RegExp(`okd/release:${tag} is ${built}`));
    });

    it("moves the release run's fallback tag to the same digest, after the hash tag", () => {
        const built = pushTinyImage(`${registry.host}/okd/components:${tag}`, "the tools this run built");
        const r = runScript("publish-tools-image.sh", {
            ...env,
            TOOLS_IMAGE: `${registry.host}/okd/components:${tag}@${built}`,
            LATEST_TAG: "pipeline-tools-latest",
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(digestOf(`${registry.host}/okd/release:${tag}`), built);
        assert.equal(digestOf(`${registry.host}/okd/release:pipeline-tools-latest`), built);
        // Never in the build repository, where any build may push tags.
        assert.throws(() => digestOf(`${registry.host}/okd/components:pipeline-tools-latest`));
    });

    /**
     * Makes the registry's storage refuse to write `repo`'s tag `name` (docker-registry's filesystem driver keeps a
     * tag at <root>/docker/registry/v2/repositories/<repo>/_manifests/tags/<name>/current/link; a plain file in the
     * tag's place makes its manifest PUT fail with a 500, a real storage failure).
     */
    const breakTag = (repo: string, name: string) => {
        const tags = path.join(registry.root, "docker/registry/v2/repositories", repo, "_manifests/tags");
        fs.mkdirSync(tags, { recursive: true });
        fs.writeFileSync(path.join(tags, name), "not a directory");
        return () => fs.rmSync(path.join(tags, name), { force: true });
    };

    it("warns, and still succeeds, when only the fallback tag cannot be moved", () => {
        const built = pushTinyImage(`${registry.host}/okd/components:${tag}`, "the tools this run built");
        const repair = breakTag("okd/release", "pipeline-tools-broken");
        try {
            const r = runScript("publish-tools-image.sh", {
                ...env,
                TOOLS_IMAGE: `${registry.host}/okd/components:${tag}@${built}`,
                LATEST_TAG: "pipeline-tools-broken",
            });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(digestOf(`${registry.host}/okd/release:${tag}`), built);
            assert.match(r.stderr, /warning: could not move .*okd\/release:pipeline-tools-broken/);
        } finally {
            repair();
        }
    });

    it("fails when the hash tag the release run resolves cannot be published", () => {
        const built = pushTinyImage(`${registry.host}/okd/components:${tag}`, "the tools this run built");
        const repair = breakTag("okd/fatal", tag);
        try {
            const r = runScript("publish-tools-image.sh", {
                ...env,
                TARGET_REPOSITORY: `${registry.host}/okd/fatal`,
                TOOLS_IMAGE: `${registry.host}/okd/components:${tag}@${built}`,
                LATEST_TAG: "pipeline-tools-latest",
            });
            assert.notEqual(r.status, 0);
            // Not moved either: the fallback never names an image whose hash tag is missing.
            assert.throws(() => digestOf(`${registry.host}/okd/fatal:pipeline-tools-latest`));
        } finally {
            repair();
        }
    });

    it("moves the fallback tag only forward, to an image created later than the one it names", () => {
        const latest = `${registry.host}/okd/forward:pipeline-tools-latest`;
        const publish = (name: string, created: string) => {
            const built = pushImage(`${registry.host}/okd/components:${name}`, {
                files: { "content.txt": name },
                created,
            });
            const r = runScript("publish-tools-image.sh", {
                ...env,
                TARGET_REPOSITORY: `${registry.host}/okd/forward`,
                TOOLS_IMAGE: `${registry.host}/okd/components:${name}@${built}`,
                LATEST_TAG: "pipeline-tools-latest",
            });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(digestOf(`${registry.host}/okd/forward:${name}`), built);
            return { built, r };
        };
        const newer = publish("pipeline-tools-newer", "2026-11-30T12:00:00.5Z");
        assert.equal(digestOf(latest), newer.built);
        // A long nightly on the old Containerfile, built earlier, ends later: the fallback stays on the newer image.
        const older = publish("pipeline-tools-older", "2026-11-30T12:00:00.25Z");
        assert.equal(digestOf(latest), newer.built);
        assert.match(older.r.stdout, /already names an image created no earlier than/);
        const newest = publish("pipeline-tools-newest", "2026-11-30T13:00:00Z");
        assert.equal(digestOf(latest), newest.built);
    });

    it("publishes nothing for a prebuilt tools image named by digest alone (what tools-image.sh reports for one)", () => {
        const prebuilt = pushTinyImage(`${registry.host}/elsewhere/tools:v2`, "prebuilt by digest");
        const r = runScript("publish-tools-image.sh", {
            ...env,
            TOOLS_IMAGE: `${registry.host}/elsewhere/tools@${prebuilt}`,
        });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /nothing to publish/);
    });

    it("publishes nothing for a prebuilt tools image (the release run resolves that one itself)", () => {
        const prebuilt = pushTinyImage(`${registry.host}/elsewhere/tools:v1`, "prebuilt");
        const r = runScript("publish-tools-image.sh", {
            ...env,
            TOOLS_IMAGE: `${registry.host}/elsewhere/tools:v1@${prebuilt}`,
        });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /is not the build repository \(a prebuilt tools image\); nothing to publish/);
        const listed = fetch(`http://${registry.host}/v2/okd/release/tags/list`);
        return listed.then(async (res) => {
            if (res.ok) assert.ok(!((await res.json()) as { tags?: string[] }).tags?.includes("v1"));
        });
    });

    it("fails when the digest is not in the build repository, and refuses a reference without tag or digest", () => {
        const missing = `sha256:${"0".repeat(64)}`;
        const r = runScript("publish-tools-image.sh", {
            ...env,
            TOOLS_IMAGE: `${registry.host}/okd/components:${tag}@${missing}`,
        });
        assert.notEqual(r.status, 0);
        for (const bad of [`${registry.host}/okd/components:${tag}`, `${registry.host}/okd/components@${missing}`]) {
            const b = runScript("publish-tools-image.sh", { ...env, TOOLS_IMAGE: bad });
            assert.equal(b.status, 2, bad);
            assert.match(b.stderr, /TOOLS_IMAGE/);
        }
        const none = runScript("publish-tools-image.sh", {});
        assert.equal(none.status, 2);
        assert.match(none.stderr, /TOOLS_IMAGE is required/);
    });
});
