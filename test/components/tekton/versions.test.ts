/**
 * Where the install reads each pinned release manifest from (components/tekton/versions.ts), for every form of
 * `tektonManifestSource`. The layout is the public release site's: `<project>/previous/<version>/<file>`
 * (https://infra.tekton.dev/tekton-releases/pipeline/previous/v1.15.0/release.yaml, the form in which
 * tektoncd/pipeline docs/install.md links its releases), which `npm run tekton:mirror` reproduces in a mirror.
 */
import * as assert from "node:assert/strict";

import {
    tektonReleaseFiles,
    tektonReleaseSite,
    tektonReleaseUrls,
    tektonVersions,
} from "../../../components/tekton/versions";

/** What each manifest's path under any release site is, for the pinned versions. */
const underSite = (base: string) => ({
    pipeline: `${base}/pipeline/previous/v1.15.0/release.yaml`,
    triggers: `${base}/triggers/previous/v0.37.0/release.yaml`,
    interceptors: `${base}/triggers/previous/v0.37.0/interceptors.yaml`,
    chains: `${base}/chains/previous/v0.29.1/release.yaml`,
});

describe("Tekton release manifests", () => {
    it("pins LTS lines: Pipelines v1.15.0, Triggers v0.37.0, Chains v0.29.1", () => {
        // Each project's releases.md: four releases a year are LTS, the rest supported about a month.
        // tektoncd/pipeline@3ee1745ae5b2 releases.md: "v1.15 (LTS)", End of Life 2027-07-31; tektoncd/chains@e44b60fe65e6
        // releases.md: "v0.29 (LTS)", End of Life 2027-08-04. Triggers v0.37 as recorded in versions.ts (not re-read
        // here). A bump changes this test on purpose.
        assert.deepEqual({ ...tektonVersions }, { pipeline: "v1.15.0", triggers: "v0.37.0", chains: "v0.29.1" });
    });

    it("reads the public release site by default, each file under its version's previous/ path", () => {
        assert.equal(tektonReleaseSite, "https://infra.tekton.dev/tekton-releases");
        const expected = underSite("https://infra.tekton.dev/tekton-releases");
        assert.deepEqual({ ...tektonReleaseFiles() }, expected);
        assert.deepEqual({ ...tektonReleaseUrls }, expected);
    });

    it("reads a mirror URL as given, whatever trailing slashes it ends with", () => {
        const mirror = "https://mirror.example.org/tekton-releases";
        assert.deepEqual({ ...tektonReleaseFiles(mirror) }, underSite(mirror));
        assert.deepEqual({ ...tektonReleaseFiles(`${mirror}/`) }, underSite(mirror));
        assert.deepEqual({ ...tektonReleaseFiles(`${mirror}///`) }, underSite(mirror));
    });

    it("keeps every slash inside the source, stripping only the trailing ones", () => {
        // A path with a doubled slash inside is still the operator's path; only the end is normalised.
        assert.deepEqual({ ...tektonReleaseFiles("/srv//tekton/") }, underSite("/srv//tekton"));
        assert.deepEqual({ ...tektonReleaseFiles("file:///srv/t") }, underSite("file:///srv/t"));
    });

    it("lays the files out relative to the site root for an empty source (the paths SHA256SUMS names)", () => {
        assert.deepEqual({ ...tektonReleaseFiles("") }, underSite(""));
    });
});
