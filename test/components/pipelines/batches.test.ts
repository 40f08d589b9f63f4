import * as assert from "node:assert/strict";

import { defaultBaseImage } from "../../../components/pipelines/images";
import { batches } from "../../../components/pipelines/nightly";
import { okdMachineOsBranch } from "../../../components/pipelines/tasks/machine-os";

const named = (...names: string[]) => names.map((name) => ({ name }));
const namesOf = (bs: { name: string }[][]) => bs.map((b) => b.map((c) => c.name));

describe("component build batches", () => {
    it("keeps configuration order in batches of the given size", () => {
        assert.deepEqual(namesOf(batches(named("a", "b", "c"), 2, {})), [["a", "b"], ["c"]]);
    });

    it("puts a component in a later batch than the component of the run it builds FROM, however large the batches", () => {
        assert.deepEqual(namesOf(batches(named("installer-artifacts", "keys", "installer"), 8)), [
            ["installer", "keys"],
            ["installer-artifacts"],
        ]);
    });

    it("does not wait for a component the run does not build (the base payload's image is used)", () => {
        assert.deepEqual(namesOf(batches(named("installer-artifacts", "keys"), 4)), [["installer-artifacts", "keys"]]);
    });
});

describe("stream defaults", () => {
    it("builds OKD/FCOS components on origin/<minor>:base and SCOS ones on origin/scos-<minor>:base-stream9", () => {
        assert.equal(defaultBaseImage("4.15", "okd"), "registry.ci.openshift.org/origin/4.15:base");
        assert.equal(defaultBaseImage("4.17", "scos"), "registry.ci.openshift.org/origin/scos-4.17:base-stream9");
    });

    it("takes okd-machine-os's release branch up to 4.15 and master after it", () => {
        assert.equal(okdMachineOsBranch("4.15"), "release-4.15");
        assert.equal(okdMachineOsBranch("4.12"), "release-4.12");
        assert.equal(okdMachineOsBranch("4.16"), "master");
        assert.equal(okdMachineOsBranch("5.0"), "master");
    });
});
