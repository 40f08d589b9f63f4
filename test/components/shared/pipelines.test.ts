/**
 * components/shared/pipelines.ts: the repositories and branches whose pushes start a stream's nightly, and the names
 * the triggers and the pipelines layer agree on.
 */
import * as assert from "node:assert/strict";

import {
    nightlyPipelineName,
    okdMachineOsBranch,
    releasePipelineName,
    streamId,
    streamSources,
} from "../../../components/shared/pipelines";
import type { Component, Stream } from "../../../components/shared/model";

const component = (name: string, repository: string, branch?: string): Component => ({
    name,
    repository,
    dockerfile: "Dockerfile",
    context: ".",
    buildArgs: {},
    ...(branch !== undefined ? { branch } : {}),
});

const stream = (variant: "okd" | "scos", components: Component[]): Stream =>
    ({ minor: variant === "okd" ? "4.15" : "4.22", branch: `release-x`, variant, components }) as unknown as Stream;

describe("stream sources and pipeline names (shared/pipelines.ts)", () => {
    it("lists each repository and branch once, a component's own branch before the stream's", () => {
        const s = stream("scos", [
            component("installer", "openshift/installer"),
            component("installer-artifacts", "openshift/installer"),
            component("baremetal-installer", "OpenShift/Installer"),
            component("mco", "openshift/machine-config-operator", "main"),
            component("mco-again", "openshift/machine-config-operator", "release-x"),
        ]);
        assert.deepEqual(streamSources(s), [
            { repository: "openshift/installer", branch: "release-x" },
            { repository: "openshift/machine-config-operator", branch: "main" },
            { repository: "openshift/machine-config-operator", branch: "release-x" },
        ]);
    });

    it("adds okd-machine-os at the minor's release branch for OKD/FCOS only", () => {
        assert.equal(okdMachineOsBranch("4.15"), "release-4.15");
        assert.deepEqual(streamSources(stream("okd", [component("installer", "openshift/installer")])), [
            { repository: "openshift/installer", branch: "release-x" },
            { repository: "openshift/okd-machine-os", branch: "release-4.15" },
        ]);
        assert.deepEqual(streamSources(stream("okd", [])), [
            { repository: "openshift/okd-machine-os", branch: "release-4.15" },
        ]);
        assert.deepEqual(streamSources(stream("scos", [])), []);
    });

    it("names a stream's Pipelines after its minor with dashes", () => {
        assert.equal(streamId("4.15"), "4-15");
        assert.equal(streamId("5.0"), "5-0");
        assert.equal(nightlyPipelineName("4.22"), "okd-nightly-4-22");
        assert.equal(releasePipelineName("4.22"), "okd-release-4-22");
    });
});
