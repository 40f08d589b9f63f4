import * as assert from "node:assert/strict";

import { componentStages, defaultBaseImage } from "../../../components/pipelines/images";
import { batches } from "../../../components/pipelines/nightly";
import { okdMachineOsBranch } from "../../../components/pipelines/tasks/machine-os";
import { streamSources } from "../../../components/shared/pipelines";
import { pushFilter } from "../../../components/tekton/triggers";
import { type Stream, streamSchema } from "../../../src/config/schema";
import { defaultComponents } from "../../../components/shared/variants";

const named = (...names: string[]) => names.map((name) => ({ name }));
const namesOf = (bs: { name: string }[][]) => bs.map((b) => b.map((c) => c.name));

describe("component build batches", () => {
    it("keeps configuration order in batches of the given size", () => {
        assert.deepEqual(namesOf(batches(named("a", "b", "c"), 2, {})), [["a", "b"], ["c"]]);
    });

    it("puts a component in a later batch than the component of the run it builds FROM, however large the batches", () => {
        const fcos = defaultComponents("okd", "4.15");
        assert.deepEqual(componentStages(fcos), { "installer-artifacts": ["installer"] });
        const byName = Object.fromEntries(fcos.map((c) => [c.name, c]));
        const items = [byName["installer-artifacts"], byName["cluster-update-keys"], byName.installer];
        assert.deepEqual(namesOf(batches(items, 8, componentStages(items))), [
            ["installer", "cluster-update-keys"],
            ["installer-artifacts"],
        ]);
    });

    it("does not wait for a component the run does not build (the base payload's image is used)", () => {
        const items = defaultComponents("okd", "4.15").filter((c) => c.name !== "installer");
        assert.equal(batches(items, 8, componentStages(items)).length, 1);
    });

    it("builds OKD/SCOS installer-artifacts from the base image, so it need not wait for the installer", () => {
        assert.deepEqual(componentStages(defaultComponents("scos", "4.22")), {});
    });
});

describe("stream defaults", () => {
    it("builds OKD/FCOS and early SCOS components on origin/<minor>:base and later SCOS on base-stream9", () => {
        assert.equal(defaultBaseImage("4.15", "okd"), "registry.ci.openshift.org/origin/4.15:base");
        assert.equal(defaultBaseImage("4.15", "scos"), "registry.ci.openshift.org/origin/4.15:base");
        assert.equal(defaultBaseImage("4.17", "scos"), "registry.ci.openshift.org/origin/scos-4.17:base-stream9");
        assert.equal(defaultBaseImage("5.0", "scos"), "registry.ci.openshift.org/origin/scos-5.0:base-stream9");
    });

    it("takes okd-machine-os's release branch of the OKD/FCOS minor", () => {
        assert.equal(okdMachineOsBranch("4.15"), "release-4.15");
        assert.equal(okdMachineOsBranch("4.12"), "release-4.12");
    });
});

describe("what a push starts", () => {
    const parse = (s: Record<string, unknown>): Stream =>
        streamSchema.parse({
            branch: `release-${s.minor}`,
            basePayload:
                s.minor === "4.15"
                    ? "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116"
                    : `quay.io/okd/scos-release:${String(s.minor)}.0-okd-scos.1`,
            ...s,
        });

    it("watches okd-machine-os for an OKD/FCOS stream, and no OS repository for an OKD/SCOS one", () => {
        const repos = (s: Stream) => streamSources(s).map((x) => x.repository);
        assert.ok(repos(parse({ minor: "4.15" })).includes("openshift/okd-machine-os"));
        assert.ok(!repos(parse({ minor: "4.22" })).includes("openshift/okd-machine-os"));
    });

    it("filters on each repository's own branch when a component names one", () => {
        const s = parse({
            minor: "4.22",
            branch: "main",
            components: [
                { name: "installer", repository: "openshift/installer", dockerfile: "x" },
                {
                    name: "operator-marketplace",
                    repository: "operator-framework/operator-marketplace",
                    dockerfile: "Dockerfile.okd",
                    branch: "master",
                },
                { name: "machine-config-operator", repository: "openshift/machine-config-operator", dockerfile: "y" },
            ],
        });
        assert.equal(
            pushFilter(s),
            "!body.deleted && (" +
                "(body.ref == 'refs/heads/main' && body.repository.full_name.lowerAscii() in " +
                "['openshift/installer', 'openshift/machine-config-operator']) || " +
                "(body.ref == 'refs/heads/master' && body.repository.full_name.lowerAscii() in " +
                "['operator-framework/operator-marketplace']))",
        );
    });

    it("lists each repository and branch once, whatever the case of the repository's name, in configuration order", () => {
        const s = parse({
            minor: "4.15",
            components: [
                { name: "installer", repository: "openshift/Installer", dockerfile: "x" },
                { name: "installer-artifacts", repository: "openshift/installer", dockerfile: "y" },
                { name: "mco", repository: "openshift/machine-config-operator", dockerfile: "z" },
                { name: "mco-main", repository: "openshift/machine-config-operator", dockerfile: "z", branch: "main" },
            ],
        });
        assert.deepEqual(streamSources(s), [
            { repository: "openshift/Installer", branch: "release-4.15" },
            { repository: "openshift/machine-config-operator", branch: "release-4.15" },
            { repository: "openshift/machine-config-operator", branch: "main" },
            { repository: "openshift/okd-machine-os", branch: "release-4.15" },
        ]);
    });

    it("keeps the single-branch filter of a stream whose repositories share its branch", () => {
        assert.equal(
            pushFilter(
                parse({
                    minor: "4.15",
                    components: [{ name: "installer", repository: "openshift/Installer", dockerfile: "x" }],
                }),
            ),
            "body.ref == 'refs/heads/release-4.15' && !body.deleted && body.repository.full_name.lowerAscii() in " +
                "['openshift/installer', 'openshift/okd-machine-os']",
        );
    });
});
