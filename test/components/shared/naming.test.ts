import * as assert from "node:assert/strict";

import { physicalName, standardTags, stateful, toGcpLabels } from "../../../components/shared/naming";

describe("physical names", () => {
    it("joins the prefix and the non-empty parts with dashes", () => {
        assert.equal(physicalName("okd", ["artifacts", "", "x1"]), "okd-artifacts-x1");
        assert.equal(physicalName("okd", []), "okd");
    });

    it("keeps a name of exactly the limit and rejects one character more, naming the key to shorten", () => {
        const at63 = physicalName("p", ["a".repeat(61)]);
        assert.equal(at63.length, 63);
        assert.throws(
            () => physicalName("p", ["a".repeat(62)]),
            new Error(`resource name p-${"a".repeat(62)} is longer than 63 characters; shorten okd-ci:namePrefix`),
        );
        // Azure storage accounts and GKE pools have shorter limits.
        assert.equal(physicalName("okd", ["abcd"], 8), "okd-abcd");
        assert.throws(() => physicalName("okd", ["abcde"], 8), /okd-abcde is longer than 8 characters/);
    });
});

describe("stateful resources", () => {
    it("protects and retains what holds releases when the stack protects, and neither otherwise", () => {
        assert.deepEqual(stateful(true), { protect: true, retainOnDelete: true });
        assert.deepEqual(stateful(false), { protect: false, retainOnDelete: false });
    });
});

describe("tags and labels", () => {
    it("stamps project, stack and manager on every resource, the stack's own tags after them", () => {
        assert.deepEqual(standardTags({ team: "okd-release" }), {
            "okd-ci-project": "okd-ci",
            "okd-ci-stack": "test",
            "managed-by": "pulumi",
            team: "okd-release",
        });
        assert.equal(standardTags({ "managed-by": "someone" })["managed-by"], "someone");
    });

    it("folds tags into GCP's label alphabet: lower case, [a-z0-9_-], 63 characters, keys starting with a letter", () => {
        assert.deepEqual(toGcpLabels({ Team: "Platform Eng", "cost.center": "okd_ci-1", "9lives": "x" }), {
            team: "platform_eng",
            cost_center: "okd_ci-1",
            k9lives: "x",
        });
        const long = toGcpLabels({ ["K".repeat(70)]: "V".repeat(70), ["1".repeat(70)]: "" });
        assert.deepEqual(Object.entries(long), [
            ["k".repeat(63), "v".repeat(63)],
            [`k${"1".repeat(62)}`, ""],
        ]);
    });
});
