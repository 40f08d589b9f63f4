import * as assert from "node:assert/strict";

import { tektonReleaseSite } from "../../components/tekton/versions";
import { ConfigError, loadConfig } from "../../src/config/load";
import { mapSource } from "../helpers";

/** `tektonManifestSource`: where an air-gapped site (and `npm run test:engine`) reads the Tekton release manifests. */
describe("config: tektonManifestSource", () => {
    const load = (value?: string) =>
        loadConfig(mapSource({ platform: "local", ...(value === undefined ? {} : { tektonManifestSource: value }) }));

    it("defaults to the public release site", () => {
        assert.equal(load().tektonManifestSource, tektonReleaseSite);
    });

    it("accepts an https mirror and an absolute directory, without trailing slashes", () => {
        assert.equal(
            load("https://mirror.example.org/tekton/").tektonManifestSource,
            "https://mirror.example.org/tekton",
        );
        assert.equal(load("/srv/tekton-releases//").tektonManifestSource, "/srv/tekton-releases");
    });

    for (const bad of ["http://mirror.example.org/tekton", "srv/tekton-releases", "./tekton", "https://"]) {
        it(`rejects ${JSON.stringify(bad)}, naming the key and what is allowed`, () => {
            assert.throws(
                () => load(bad),
                (err: unknown) =>
                    err instanceof ConfigError &&
                    /okd-ci:tektonManifestSource = .*expected an https:\/\/ URL or an absolute directory path/.test(
                        err.message,
                    ),
            );
        });
    }
});
