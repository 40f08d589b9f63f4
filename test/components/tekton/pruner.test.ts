/**
 * The run pruner (components/tekton/pruner.ts), built on its own: exactly which objects it makes, where, with which
 * rights and in which order. The script it runs is tested against a real kubectl-like API in scripts.test.ts.
 */
import * as assert from "node:assert/strict";

import * as k8s from "@pulumi/kubernetes";

import { readScript } from "../../../components/tekton/jobs";
import { find, recorder, settled, useMocks } from "../../helpers";
import type { Json } from "./fixtures";

const T = {
    pruner: "okd-ci:tekton:RunPruner",
    sa: "kubernetes:core/v1:ServiceAccount",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    binding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    cronJob: "kubernetes:batch/v1:CronJob",
    provider: "pulumi:providers:kubernetes",
} as const;
const inputs = (type: string, name: string): Json => find(type, name).inputs;

describe("Tekton run pruner", () => {
    useMocks();

    const n = "prn";
    before(async () => {
        const { RunPruner } = await import("../../../components/tekton/pruner");
        const provider = new k8s.Provider(`${n}-k8s`, { kubeconfig: "fake" });
        new RunPruner(n, {
            provider,
            namespace: "ns-home",
            targets: [
                { key: "alpha", namespace: "ns-a" },
                { key: "beta", namespace: "ns-b" },
            ],
            schedule: "45 4 * * 0",
            keep: 7,
        });
        await settled();
    });

    it("makes one ServiceAccount in its own namespace, and a Role, RoleBinding and CronJob per target", () => {
        const mine = recorder()
            .resources.filter((r) => r.name.startsWith(`${n}-`) || r.name === n)
            .filter((r) => r.type !== T.provider)
            .map((r) => `${r.type} ${r.name}`)
            .sort();
        assert.deepEqual(mine, [
            `${T.cronJob} ${n}-alpha-cronjob`,
            `${T.cronJob} ${n}-beta-cronjob`,
            `${T.sa} ${n}-sa`,
            `${T.role} ${n}-alpha-role`,
            `${T.role} ${n}-beta-role`,
            `${T.binding} ${n}-alpha-binding`,
            `${T.binding} ${n}-beta-binding`,
            `${T.pruner} ${n}`,
        ]);
        assert.deepEqual(inputs(T.sa, `${n}-sa`), {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "okd-run-pruner", namespace: "ns-home" },
        });
    });

    it("lets its ServiceAccount get, list and delete PipelineRuns in each target namespace, and nothing else", () => {
        for (const [key, ns] of [
            ["alpha", "ns-a"],
            ["beta", "ns-b"],
        ]) {
            assert.deepEqual(inputs(T.role, `${n}-${key}-role`), {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "Role",
                metadata: { name: "okd-run-pruner", namespace: ns },
                rules: [{ apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list", "delete"] }],
            });
            assert.deepEqual(inputs(T.binding, `${n}-${key}-binding`), {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "RoleBinding",
                metadata: { name: "okd-run-pruner", namespace: ns },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "okd-run-pruner" },
                // The subject lives where the CronJob runs, not in the namespace it prunes.
                subjects: [{ kind: "ServiceAccount", name: "okd-run-pruner", namespace: "ns-home" }],
            });
        }
    });

    it("prunes each target on the schedule, keeping the configured count, as its own ServiceAccount with an API token", () => {
        for (const [key, ns] of [
            ["alpha", "ns-a"],
            ["beta", "ns-b"],
        ]) {
            const job = inputs(T.cronJob, `${n}-${key}-cronjob`);
            assert.deepEqual(job.metadata, {
                name: `okd-run-pruner-${key}`,
                namespace: "ns-home",
                labels: { "app.kubernetes.io/name": "okd-run-pruner", "app.kubernetes.io/part-of": "okd-ci" },
            });
            assert.equal(job.spec.schedule, "45 4 * * 0");
            assert.equal(job.spec.timeZone, "Etc/UTC");
            const pod = job.spec.jobTemplate.spec.template;
            assert.deepEqual(pod.metadata.labels, job.metadata.labels);
            assert.equal(pod.spec.serviceAccountName, "okd-run-pruner");
            // prune-runs.sh calls kubectl: the pod needs its token (every other Job of the layer goes without).
            assert.equal(pod.spec.automountServiceAccountToken, true);
            const [container] = pod.spec.containers;
            assert.deepEqual(container.command, ["/bin/bash", "-c", readScript("prune-runs.sh"), "prune-runs.sh"]);
            assert.deepEqual(container.env, [
                { name: "HOME", value: "/tmp" },
                { name: "NAMESPACE", value: ns },
                { name: "KEEP", value: "7" },
            ]);
            // The default retry count: a retried prune repeats nothing the next firing would not redo.
            assert.equal(job.spec.jobTemplate.spec.backoffLimit, 2);
        }
    });

    it("creates each Role before its binding, and each CronJob only once its binding exists", () => {
        for (const key of ["alpha", "beta"]) {
            const role = find(T.role, `${n}-${key}-role`);
            const binding = find(T.binding, `${n}-${key}-binding`);
            const job = find(T.cronJob, `${n}-${key}-cronjob`);
            assert.deepEqual(binding.dependencies, [role.urn]);
            // The binding, and the ServiceAccount through its name (an Output of it).
            assert.deepEqual(job.dependencies, [binding.urn, find(T.sa, `${n}-sa`).urn].sort());
            assert.deepEqual(role.dependencies, []);
        }
    });

    it("creates every object with the given provider, under the pruner component", () => {
        const parent = find(T.pruner, n).urn;
        const provider = find(T.provider, `${n}-k8s`);
        const children = recorder().resources.filter((r) => r.name.startsWith(`${n}-`) && r.type !== T.provider);
        assert.equal(children.length, 7);
        for (const r of children) {
            assert.equal(r.parent, parent, r.name);
            assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.name} provider ${r.provider}`);
        }
    });
});

describe("Tekton run pruner without targets", () => {
    useMocks();

    it("makes only its ServiceAccount", async () => {
        const { RunPruner } = await import("../../../components/tekton/pruner");
        const provider = new k8s.Provider("prn0-k8s", { kubeconfig: "fake" });
        new RunPruner("prn0", { provider, namespace: "ns-home", targets: [], schedule: "0 * * * *", keep: 1 });
        await settled();
        assert.deepEqual(
            recorder()
                .resources.filter((r) => r.name.startsWith("prn0-") && r.type !== T.provider)
                .map((r) => r.type),
            [T.sa],
        );
    });
});
