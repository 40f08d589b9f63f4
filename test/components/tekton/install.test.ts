import * as assert from "node:assert/strict";

import * as k8s from "@pulumi/kubernetes";

import { tektonReleaseUrls } from "../../../components/tekton/versions";
import { find, settled, useMocks } from "../../helpers";
import type { Json } from "./fixtures";

const T = { configFile: "kubernetes:yaml/v2:ConfigFile", cmPatch: "kubernetes:core/v1:ConfigMapPatch" } as const;

/**
 * Pulumi re-applies a resource only when its inputs change, and applies updates in dependency order. A Tekton
 * upgrade re-applies the release's own `feature-flags` and `config-defaults` (every key at its default), so our
 * patches must change with the release and depend on it, or the upgrade silently reverts our flags.
 */
describe("Tekton install: ConfigMap patches win over a re-applied release", () => {
    useMocks();

    const n = "reapply-install";
    before(async () => {
        const { TektonInstall } = await import("../../../components/tekton/install");
        const provider = new k8s.Provider(`${n}-k8s`, { kubeconfig: "fake" });
        new TektonInstall(`${n}-install`, { provider, dependsOn: [] });
        await settled();
    });

    for (const configMap of ["feature-flags", "config-defaults"]) {
        it(`applies the ${configMap} patch after the Pipelines release it patches`, () => {
            const release = find(T.configFile, `${n}-install-pipelines`);
            const patch = find(T.cmPatch, `${n}-install-${configMap}`);
            assert.equal((patch.inputs as Json).metadata.name, configMap);
            assert.ok(patch.dependencies.includes(release.urn), patch.dependencies.join(", "));
        });

        it(`re-applies the ${configMap} patch whenever the release applied before it changes`, () => {
            const release = find(T.configFile, `${n}-install-pipelines`);
            const patch = find(T.cmPatch, `${n}-install-${configMap}`);
            // The patch's inputs carry exactly what the ConfigFile applies, so a new release is a patch update too.
            assert.equal((patch.inputs as Json).metadata.annotations["okd-ci/applied-after"], release.inputs.file);
            assert.equal(release.inputs.file, tektonReleaseUrls.pipeline);
        });
    }

    it("changes a patch's inputs when the release changes, and only then", async () => {
        const { configPatch } = await import("../../../components/tekton/install");
        const provider = new k8s.Provider(`${n}-k8s-2`, { kubeconfig: "fake" });
        const data = { "enable-api-fields": "beta" };
        const v15 = "https://infra.tekton.dev/tekton-releases/pipeline/previous/v1.15.0/release.yaml";
        const v16 = "https://infra.tekton.dev/tekton-releases/pipeline/previous/v1.16.0/release.yaml";
        configPatch(`${n}-a`, "feature-flags", data, v15, { provider });
        configPatch(`${n}-b`, "feature-flags", data, v15, { provider });
        configPatch(`${n}-c`, "feature-flags", data, v16, { provider });
        await settled();
        const a = find(T.cmPatch, `${n}-a`).inputs;
        assert.deepEqual(find(T.cmPatch, `${n}-b`).inputs, a);
        assert.notDeepEqual(find(T.cmPatch, `${n}-c`).inputs, a);
    });
});

describe("Tekton Chains: patches of the Chains release win over its re-apply", () => {
    useMocks();

    const n = "reapply-chains";
    before(async () => {
        const { ChainsConfig } = await import("../../../components/tekton/chains");
        const { fakeSite } = await import("./fixtures");
        new ChainsConfig(`${n}-chains`, { site: fakeSite(`${n}-site`, "azure"), dependsOn: [] });
        // Only a site without KMS (local) keeps the key in signing-secrets.
        new ChainsConfig(`${n}-local-chains`, { site: fakeSite(`${n}-local-site`, "local"), dependsOn: [] });
        await settled();
    });

    it("names the Chains release in every patch of a Chains object", () => {
        const patches = [
            find("kubernetes:core/v1:ConfigMapPatch", `${n}-chains-config`),
            find("kubernetes:core/v1:SecretPatch", `${n}-local-chains-signing-secret`),
            find("kubernetes:core/v1:ServiceAccountPatch", `${n}-chains-controller-sa`),
            find("kubernetes:apps/v1:DeploymentPatch", `${n}-chains-controller-labels`),
        ];
        for (const p of patches) {
            assert.equal(
                (p.inputs as Json).metadata.annotations["okd-ci/applied-after"],
                tektonReleaseUrls.chains,
                p.name,
            );
        }
    });
});

// docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html: in strict mode a pod no policy selects
// stays at default-deny, so the release namespaces need their allow-all policy while the release rolls out.
describe("Tekton install on a strict-mode CNI", () => {
    useMocks();

    const n = "strict-install";
    before(async () => {
        const { TektonInstall } = await import("../../../components/tekton/install");
        const provider = new k8s.Provider(`${n}-k8s`, { kubeconfig: "fake" });
        new TektonInstall(`${n}-install`, { provider, dependsOn: [], strictNetworkPolicy: true });
        await settled();
    });

    it("applies each release with its namespaces' allow-all policies in one ConfigGroup, aliased to the ConfigFile", () => {
        const group = "kubernetes:yaml/v2:ConfigGroup";
        const policies = (release: string) =>
            ((find(group, `${n}-install-${release}`).inputs as Json).objs as Json[]).map((o) => [
                o.metadata.namespace,
                o.metadata.name,
                o.spec.policyTypes,
                o.spec.podSelector,
            ]);
        const all = {};
        assert.deepEqual(policies("pipelines"), [
            ["tekton-pipelines", "okd-ci-allow-egress", ["Egress"], all],
            // Not the core interceptors: okd-core-interceptors-ingress alone says who may call them (security.md).
            [
                "tekton-pipelines",
                "okd-ci-allow-ingress",
                ["Ingress"],
                {
                    matchExpressions: [
                        { key: "app.kubernetes.io/name", operator: "NotIn", values: ["core-interceptors"] },
                    ],
                },
            ],
            ["tekton-pipelines-resolvers", "okd-ci-allow-egress", ["Egress"], all],
            ["tekton-pipelines-resolvers", "okd-ci-allow-ingress", ["Ingress"], all],
        ]);
        assert.deepEqual(policies("chains"), [
            ["tekton-chains", "okd-ci-allow-egress", ["Egress"], all],
            ["tekton-chains", "okd-ci-allow-ingress", ["Ingress"], all],
        ]);
        assert.equal((find(group, `${n}-install-pipelines`).inputs as Json).files.length, 1);
        // Triggers and the interceptors install into tekton-pipelines: its policies cover them.
        find(T.configFile, `${n}-install-triggers`);
        find(T.configFile, `${n}-install-interceptors`);
    });
});
