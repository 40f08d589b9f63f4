/**
 * The pipeline namespaces (components/tekton/namespace.ts): Pod Security labels per level, the quota and limit range
 * by value, and the ServiceAccounts with the identity each carries. Their network policies: network-policies.test.ts.
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import { find, settled, under, useMocks } from "../../helpers";
import { type Json, fakeSite, identityAnnotationsOf } from "./fixtures";
import { registeredOutputs } from "./registered-outputs";

const T = {
    ns: "kubernetes:core/v1:Namespace",
    quota: "kubernetes:core/v1:ResourceQuota",
    limits: "kubernetes:core/v1:LimitRange",
    sa: "kubernetes:core/v1:ServiceAccount",
} as const;
const inputs = (type: string, name: string): Json => find(type, name).inputs;

describe("Tekton layer namespace budgets", () => {
    it("sizes the build quota from the pool's maximum in build-node units, plus the always-on pods' headroom", async () => {
        const { quotaForPool } = await import("../../../components/tekton/namespace");
        assert.deepEqual(quotaForPool(3, 10), {
            cpu: 3 * 8 + 4,
            memoryGb: 3 * 32 + 8,
            pods: 50 + 3 * 20,
            volumeClaims: 10 + 3 * 4,
            storageGb: 100 * 4,
            pipelineRuns: 10 + 34,
            webhookServices: 0,
        });
    });

    it("gives the release namespace a fixed budget, one webhook Service and the prune headroom of releases", async () => {
        const { releaseQuota } = await import("../../../components/tekton/namespace");
        assert.deepEqual(releaseQuota(7), {
            cpu: 8,
            memoryGb: 16,
            pods: 40,
            volumeClaims: 2,
            storageGb: 20,
            pipelineRuns: 7 + 9,
            webhookServices: 1,
        });
    });

    it("labels a task's pods with the platform's own labels and the role the credential policy selects", async () => {
        const { identityLabels } = await import("../../../components/tekton/namespace");
        assert.deepEqual(identityLabels("records", undefined), {});
        assert.deepEqual(
            identityLabels("promote", {
                serviceAccountAnnotations: pulumi.output<Record<string, string>>({}),
                podLabels: { "azure.workload.identity/use": "true" },
            }),
            { "azure.workload.identity/use": "true", "okd-ci/identity": "promote" },
        );
        assert.deepEqual(
            identityLabels("build", {
                serviceAccountAnnotations: pulumi.output<Record<string, string>>({}),
                podLabels: {},
            }),
            {
                "okd-ci/identity": "build",
            },
        );
    });
});

describe("Tekton layer pipeline namespaces", () => {
    useMocks();
    const site = fakeSite("tkns-site", "gcp");

    before(async () => {
        const ns = await import("../../../components/tekton/namespace");
        new ns.PipelineNamespace("tkns-priv", {
            site,
            name: "okd-builds",
            podSecurity: "privileged",
            quota: ns.quotaForPool(2, 5),
            accounts: ns.buildAccounts(site),
        });
        new ns.PipelineNamespace("tkns-base", {
            site,
            name: "okd-builds-b",
            podSecurity: "baseline",
            quota: ns.quotaForPool(1, 5),
            maxContainerMemoryGb: 60,
            maxVolumeGb: 500,
            // Only a leading `okd-` is left out of the resource name.
            accounts: [{ name: "team-okd-bot" }],
        });
        new ns.PipelineNamespace("tkns-rel", {
            site,
            name: "okd-release",
            podSecurity: "restricted",
            quota: ns.releaseQuota(5),
            accounts: [...ns.releaseAccounts(site), { name: "okd-pruner", apiAccess: true }],
        });
        await settled();
    });

    const podSecurity = (enforce: string, watch: string) => ({
        "app.kubernetes.io/part-of": "okd-ci",
        "pod-security.kubernetes.io/enforce": enforce,
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": watch,
        "pod-security.kubernetes.io/warn-version": "latest",
        "pod-security.kubernetes.io/audit": watch,
        "pod-security.kubernetes.io/audit-version": "latest",
    });

    it("enforces privileged only with the reason annotated, and warns and audits at baseline", () => {
        assert.deepEqual(inputs(T.ns, "tkns-priv-ns").metadata, {
            name: "okd-builds",
            labels: podSecurity("privileged", "baseline"),
            annotations: {
                "okd-ci/privileged-justification":
                    "machine-os and component builds run privileged buildah (Tekton catalog style) on the tainted build pool; rootless buildah would allow baseline",
            },
        });
    });

    it("enforces baseline or restricted with no justification, and warns and audits at restricted", () => {
        assert.deepEqual(inputs(T.ns, "tkns-base-ns").metadata, {
            name: "okd-builds-b",
            labels: podSecurity("baseline", "restricted"),
        });
        assert.deepEqual(inputs(T.ns, "tkns-rel-ns").metadata, {
            name: "okd-release",
            labels: podSecurity("restricted", "restricted"),
        });
    });

    it("turns the budget into a ResourceQuota, limits at twice the memory requests, PipelineRuns counted", () => {
        assert.deepEqual(inputs(T.quota, "tkns-priv-quota").metadata, { name: "okd-builds", namespace: "okd-builds" });
        assert.deepEqual(inputs(T.quota, "tkns-priv-quota").spec, {
            hard: {
                "requests.cpu": "20",
                "requests.memory": "72Gi",
                "limits.memory": "144Gi",
                pods: "90",
                persistentvolumeclaims: "18",
                "requests.storage": "300Gi",
                "count/pipelineruns.tekton.dev": "39",
                "services.loadbalancers": "0",
                "services.nodeports": "0",
            },
        });
        assert.deepEqual(inputs(T.quota, "tkns-rel-quota").spec.hard, {
            "requests.cpu": "8",
            "requests.memory": "16Gi",
            "limits.memory": "32Gi",
            pods: "40",
            persistentvolumeclaims: "2",
            "requests.storage": "20Gi",
            "count/pipelineruns.tekton.dev": "14",
            "services.loadbalancers": "1",
            "services.nodeports": "1",
        });
    });

    it("defaults container requests and memory limit, no CPU limit, and bounds containers and volumes", () => {
        const limits = (max: string, volume: string) => ({
            limits: [
                {
                    type: "Container",
                    defaultRequest: { cpu: "100m", memory: "256Mi" },
                    default: { memory: "1Gi" },
                    max: { memory: max },
                },
                { type: "PersistentVolumeClaim", min: { storage: "1Gi" }, max: { storage: volume } },
            ],
        });
        assert.deepEqual(inputs(T.limits, "tkns-priv-limits").metadata, {
            name: "okd-builds",
            namespace: "okd-builds",
        });
        assert.deepEqual(inputs(T.limits, "tkns-priv-limits").spec, limits("28Gi", "200Gi"));
        assert.deepEqual(inputs(T.limits, "tkns-base-limits").spec, limits("60Gi", "500Gi"));
    });

    it("creates each account in the namespace with its identity's annotations, and a token only where asked", () => {
        const accounts = (prefix: string) =>
            under(prefix, T.sa).map((r) => {
                const { apiVersion, kind, ...rest } = r.inputs as Json;
                assert.deepEqual([apiVersion, kind], ["v1", "ServiceAccount"]);
                return { resource: r.name, ...rest };
            });
        // In the order of `accounts` (registration order varies with when each identity's annotations resolve).
        const inOrder = (prefix: string, order: string[]) =>
            accounts(prefix).sort((a, b) => order.indexOf(a.metadata.name) - order.indexOf(b.metadata.name));
        assert.deepEqual(inOrder("tkns-priv", ["okd-build", "okd-records", "okd-e2e"]), [
            {
                resource: "tkns-priv-build-sa",
                metadata: { name: "okd-build", namespace: "okd-builds", annotations: {} },
                automountServiceAccountToken: false,
            },
            {
                resource: "tkns-priv-records-sa",
                metadata: {
                    name: "okd-records",
                    namespace: "okd-builds",
                    annotations: identityAnnotationsOf("gcp", "records"),
                },
                automountServiceAccountToken: false,
            },
            {
                resource: "tkns-priv-e2e-sa",
                metadata: {
                    name: "okd-e2e",
                    namespace: "okd-builds",
                    annotations: identityAnnotationsOf("gcp", "e2ePull"),
                },
                automountServiceAccountToken: false,
            },
        ]);
        assert.deepEqual(inOrder("tkns-rel", ["okd-promote", "okd-registry-token", "okd-pruner"]), [
            {
                resource: "tkns-rel-promote-sa",
                metadata: {
                    name: "okd-promote",
                    namespace: "okd-release",
                    annotations: identityAnnotationsOf("gcp", "promote"),
                },
                automountServiceAccountToken: false,
            },
            {
                resource: "tkns-rel-registry-token-sa",
                metadata: {
                    name: "okd-registry-token",
                    namespace: "okd-release",
                    annotations: identityAnnotationsOf("gcp", "build"),
                },
                automountServiceAccountToken: false,
            },
            {
                resource: "tkns-rel-pruner-sa",
                metadata: { name: "okd-pruner", namespace: "okd-release", annotations: {} },
                automountServiceAccountToken: true,
            },
        ]);
    });

    it("keeps an okd- that does not lead an account's name in its resource name", () => {
        assert.deepEqual(
            under("tkns-base", T.sa).map((r) => r.name),
            ["tkns-base-team-okd-bot-sa"],
        );
    });

    it("creates its objects as its children with the site's provider, and registers its name as its output", async () => {
        const component = find("okd-ci:tekton:PipelineNamespace", "tkns-rel");
        const children = under("tkns-rel").filter((r) => r.custom);
        assert.equal(children.length, 1 + 2 + 5 + 3, children.map((r) => r.name).join(", "));
        for (const r of children) {
            assert.equal(r.parent, component.urn, r.name);
            assert.match(r.provider, /::tkns-site-k8s::/, r.name);
        }
        assert.deepEqual(await registeredOutputs(component.urn), { name: "okd-release" });
    });

    it("names the two pipeline namespaces", async () => {
        const { pipelineNamespaces } = await import("../../../components/tekton/namespace");
        assert.deepEqual(pipelineNamespaces, { builds: "okd-builds", release: "okd-release" });
    });
});
