/**
 * The Tekton install (components/tekton/install.ts) built on its own: exactly which objects it makes, from which
 * manifests, in which order, with which flags and defaults, and when it checks a local manifest directory.
 */
import * as assert from "node:assert/strict";

import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

import type { TektonInstall } from "../../../components/tekton/install";
import { tektonReleaseUrls } from "../../../components/tekton/versions";
import { find, recorder, settled, under, useMocks, valueOf } from "../../helpers";
import type { Json } from "./fixtures";

const T = {
    install: "okd-ci:tekton:Install",
    configFile: "kubernetes:yaml/v2:ConfigFile",
    configGroup: "kubernetes:yaml/v2:ConfigGroup",
    cmPatch: "kubernetes:core/v1:ConfigMapPatch",
    ns: "kubernetes:core/v1:Namespace",
    provider: "pulumi:providers:kubernetes",
} as const;
const inputs = (type: string, name: string): Json => find(type, name).inputs;

/**
 * The feature flags. Each key is one tektoncd/pipeline@v1.15.0 (70f730815249) config/config-feature-flags.yaml ships;
 * there `set-security-context` defaults to "false", the others are pinned at the release's own default.
 */
const expectedFlags = {
    "enable-api-fields": "beta",
    coschedule: "workspaces",
    "set-security-context": "true",
    "results-from": "termination-message",
    "enable-provenance-in-status": "true",
    "enable-step-actions": "true",
    "keep-pod-on-cancel": "false",
};

async function install(name: string, args: Partial<ConstructorParameters<typeof TektonInstall>[1]> = {}) {
    const { TektonInstall } = await import("../../../components/tekton/install");
    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: "fake" });
    const ready = new k8s.core.v1.Namespace(`${name}-ready`, {}, { provider });
    return new TektonInstall(`${name}-install`, { provider, dependsOn: [ready], ...args });
}

describe("Tekton install objects", () => {
    useMocks();

    const n = "tio";
    let made: TektonInstall;
    before(async () => {
        made = await install(n);
        await settled();
    });

    it("applies the four release manifests as ConfigFiles and patches two ConfigMaps, nothing else", () => {
        const mine = under(`${n}-install`)
            .map((r) => `${r.type} ${r.name}`)
            .sort();
        assert.deepEqual(mine, [
            `${T.cmPatch} ${n}-install-config-defaults`,
            `${T.cmPatch} ${n}-install-feature-flags`,
            `${T.configFile} ${n}-install-chains`,
            `${T.configFile} ${n}-install-interceptors`,
            `${T.configFile} ${n}-install-pipelines`,
            `${T.configFile} ${n}-install-triggers`,
            `${T.install} ${n}-install`,
        ]);
        assert.deepEqual(inputs(T.configFile, `${n}-install-pipelines`), { file: tektonReleaseUrls.pipeline });
        assert.deepEqual(inputs(T.configFile, `${n}-install-triggers`), { file: tektonReleaseUrls.triggers });
        assert.deepEqual(inputs(T.configFile, `${n}-install-interceptors`), { file: tektonReleaseUrls.interceptors });
        assert.deepEqual(inputs(T.configFile, `${n}-install-chains`), { file: tektonReleaseUrls.chains });
    });

    it("orders the releases: Pipelines after the site, Triggers and Chains after Pipelines, interceptors after Triggers", () => {
        const urn = (name: string) => find(T.configFile, `${n}-install-${name}`).urn;
        const deps = (type: string, name: string) => find(type, `${n}-install-${name}`).dependencies;
        assert.deepEqual(deps(T.configFile, "pipelines"), [find(T.ns, `${n}-ready`).urn]);
        assert.deepEqual(deps(T.configFile, "triggers"), [urn("pipelines")]);
        assert.deepEqual(deps(T.configFile, "interceptors"), [urn("triggers")]);
        assert.deepEqual(deps(T.configFile, "chains"), [urn("pipelines")]);
        assert.deepEqual(deps(T.cmPatch, "feature-flags"), [urn("pipelines")]);
        assert.deepEqual(deps(T.cmPatch, "config-defaults"), [urn("pipelines")]);
    });

    it("patches feature-flags with exactly the flags it sets, forced, naming the Pipelines release", () => {
        assert.deepEqual(inputs(T.cmPatch, `${n}-install-feature-flags`), {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: {
                name: "feature-flags",
                namespace: "tekton-pipelines",
                annotations: { "pulumi.com/patchForce": "true", "okd-ci/applied-after": tektonReleaseUrls.pipeline },
            },
            data: expectedFlags,
        });
    });

    // tektoncd/pipeline@v1.15.0 config/config-defaults.yaml: default-timeout-minutes is "60" there and
    // default-pod-template unset.
    it("patches config-defaults with a 180-minute timeout and a pod template of fsGroup 65532 only", () => {
        const patch = inputs(T.cmPatch, `${n}-install-config-defaults`);
        assert.deepEqual(patch.metadata, {
            name: "config-defaults",
            namespace: "tekton-pipelines",
            annotations: { "pulumi.com/patchForce": "true", "okd-ci/applied-after": tektonReleaseUrls.pipeline },
        });
        assert.deepEqual(Object.keys(patch.data).sort(), ["default-pod-template", "default-timeout-minutes"]);
        assert.equal(patch.data["default-timeout-minutes"], "180");
        assert.equal(patch.data["default-pod-template"], "securityContext:\n  fsGroup: 65532\n");
        assert.deepEqual(YAML.parse(patch.data["default-pod-template"]), { securityContext: { fsGroup: 65532 } });
    });

    it("creates everything under the install component, with the given provider", () => {
        const parent = find(T.install, `${n}-install`).urn;
        const provider = find(T.provider, `${n}-k8s`).urn;
        const children = under(`${n}-install`).filter((r) => r.type !== T.install);
        assert.equal(children.length, 6);
        for (const r of children) {
            assert.equal(r.parent, parent, r.name);
            assert.ok(r.provider.startsWith(`${provider}::`), `${r.name}: provider ${r.provider}`);
        }
    });

    it("names as ready the four releases and both patches, in install order, and the Chains release apart", async () => {
        const urns = await Promise.all(made.ready.map((r) => valueOf(r.urn)));
        assert.deepEqual(
            urns,
            [
                [T.configFile, "pipelines"],
                [T.configFile, "triggers"],
                [T.configFile, "interceptors"],
                [T.configFile, "chains"],
                [T.cmPatch, "feature-flags"],
                [T.cmPatch, "config-defaults"],
            ].map(([type, name]) => find(type, `${n}-install-${name}`).urn),
        );
        assert.equal(await valueOf(made.chains.urn), find(T.configFile, `${n}-install-chains`).urn);
    });
});

describe("Tekton install, strict-mode network policies", () => {
    useMocks();

    const n = "tis";
    let made: TektonInstall;
    before(async () => {
        made = await install(n, { strictNetworkPolicy: true });
        await settled();
    });

    it("applies Pipelines and Chains each in a ConfigGroup of the manifest and its policies, Triggers as ConfigFiles", () => {
        const group = (name: string) => inputs(T.configGroup, `${n}-install-${name}`);
        assert.deepEqual(group("pipelines").files, [tektonReleaseUrls.pipeline]);
        assert.deepEqual(group("chains").files, [tektonReleaseUrls.chains]);
        assert.equal(group("pipelines").objs.length, 4);
        assert.equal(group("chains").objs.length, 2);
        assert.deepEqual(
            under(`${n}-install`, T.configFile).map((r) => r.name),
            [`${n}-install-triggers`, `${n}-install-interceptors`],
        );
        assert.deepEqual(find(T.configGroup, `${n}-install-pipelines`).dependencies, [find(T.ns, `${n}-ready`).urn]);
        assert.deepEqual(find(T.configGroup, `${n}-install-chains`).dependencies, [
            find(T.configGroup, `${n}-install-pipelines`).urn,
        ]);
    });

    it("aliases each ConfigGroup to the ConfigFile it replaces, so switching strict mode on replaces nothing", async () => {
        // Resource options are not on the wire the mocks record; the SDK keeps a resource's collapsed aliases here
        // (@pulumi/pulumi resource.js, `this.__aliases`) and sends them to the engine with its registration.
        for (const [name, resource] of [
            ["pipelines", made.ready[0]],
            ["chains", made.chains],
        ] as const) {
            const groupUrn = find(T.configGroup, `${n}-install-${name}`).urn;
            const aliases = (resource as unknown as { __aliases: pulumi.Input<string>[] }).__aliases;
            assert.deepEqual(await Promise.all(aliases.map((a) => valueOf(a))), [
                groupUrn.replace(`$${T.configGroup}::`, `$${T.configFile}::`),
            ]);
        }
    });
});

describe("Tekton install, checking a local manifest directory", () => {
    useMocks();

    const wrong = { pipeline: "0".repeat(64) };

    it("checks a local directory against the pins before anything is applied, with or without a trailing slash", async () => {
        for (const dir of ["/nonexistent/okd-ci-tekton", "/nonexistent/okd-ci-tekton/"]) {
            await assert.rejects(
                install(`tid${dir.length}`, { manifestSource: dir, manifestChecksums: wrong }),
                /^Error: tektonManifestSource \/nonexistent\/okd-ci-tekton\/?: \/nonexistent\/okd-ci-tekton\/pipeline\/previous\/v1\.15\.0\/release\.yaml cannot be read/,
            );
        }
        await settled();
        assert.equal(recorder().resources.filter((r) => r.type === T.configFile).length, 0);
    });

    it("leaves a URL to the kubernetes provider: it checks nothing, whatever the pins", async () => {
        for (const url of ["https://mirror.example.org/tekton", "https://mirror.example.org/tekton/"]) {
            await install(`tiu${url.length}`, { manifestSource: url, manifestChecksums: wrong });
        }
        await settled();
        assert.deepEqual(
            recorder()
                .resources.filter((r) => r.name.endsWith("-install-pipelines"))
                .map((r) => (r.inputs as Json).file),
            [
                "https://mirror.example.org/tekton/pipeline/previous/v1.15.0/release.yaml",
                "https://mirror.example.org/tekton/pipeline/previous/v1.15.0/release.yaml",
            ],
        );
    });
});
