import * as assert from "node:assert/strict";

import type { PipelineRunTemplate } from "../../../components/shared/pipelines";
import type { Site } from "../../../components/shared/site";
import { asIdentity, pipelineRuns, restrictedPod } from "../../../components/pipelines/runs";
import type { Stream } from "../../../src/config/schema";

/** What the run templates read of a site: the identities' pod labels, the build pool and the gates. */
const site = (gates: string[], platformLabels = true) => {
    const labels = platformLabels ? { "azure.workload.identity/use": "true" } : undefined;
    return {
        identities: {
            records: { podLabels: labels },
            promote: { podLabels: labels },
            ...(gates.length > 0 ? { e2ePull: { podLabels: labels } } : {}),
        },
        buildPool: {
            nodeSelector: { "okd-ci/pool": "builds" },
            tolerations: [{ key: "okd-ci/pool", operator: "Exists", effect: "NoSchedule" }],
        },
        gates: gates.map((platform) => ({ platform })),
    } as unknown as Site;
};

const stream = (s: Partial<Stream>) =>
    ({
        minor: "4.15",
        variant: "okd",
        components: [{ name: "installer" }, { name: "ironic" }, { name: "hyperkube" }],
        ...s,
    }) as unknown as Stream;

/** Each TaskRun spec as [task, ServiceAccount, okd-ci/identity label, on the build pool]. */
const who = (run: PipelineRunTemplate) =>
    run.taskRunSpecs.map((s) => {
        const spec = s as {
            pipelineTaskName: string;
            serviceAccountName?: string;
            metadata?: { labels: Record<string, string> };
            podTemplate?: { nodeSelector?: unknown };
        };
        return [
            spec.pipelineTaskName,
            spec.serviceAccountName ?? "(run default)",
            spec.metadata?.labels["okd-ci/identity"] ?? "-",
            spec.podTemplate?.nodeSelector === undefined ? "" : "build pool",
        ];
    });

describe("pipeline run templates (runs.ts)", () => {
    it("runs the nightly's builds on the build pool as the build ServiceAccount and everything else as its identity", () => {
        const [runs] = pipelineRuns(
            site(["aws", "gcp"]),
            [stream({ promote: true, upgradeGate: { gate: "gcp" } } as Partial<Stream>)],
            2,
        );
        assert.equal(runs.minor, "4.15");
        const { nightly } = runs;
        assert.equal(nightly.pipelineName, "okd-nightly-4-15");
        assert.deepEqual(nightly.params, []);
        assert.deepEqual(nightly.eventParams, ["revisions"]);
        assert.deepEqual(nightly.timeouts, { pipeline: "18h40m", tasks: "15h", finally: "3h40m" });
        assert.deepEqual(nightly.taskRunTemplate, { serviceAccountName: "okd-build" });
        assert.deepEqual(who(nightly), [
            // Its RUN steps share the pod's network: a build, with no identity (tools-image.ts).
            ["tools-image", "(run default)", "-", "build pool"],
            ["machine-os", "(run default)", "-", "build pool"],
            ["build-components-1", "(run default)", "-", "build pool"],
            ["build-components-2", "(run default)", "-", "build pool"],
            ["assemble", "okd-records", "records", ""],
            ["finalize-record", "okd-records", "records", ""],
            ["e2e-pull-secret", "okd-e2e", "e2e-pull", ""],
            // Each gate: prepare, register (records), install, its fresh pull secret (the pull-only identity), the
            // tests, and the destroy; the upgrade gate the same way.
            ...["aws", "gcp", "upgrade-gcp"].flatMap((g) => [
                [`prepare-${g}`, "okd-e2e", "-", ""],
                [`register-${g}`, "okd-records", "records", ""],
                [`install-${g}`, "okd-e2e", "-", ""],
                [`pull-secret-${g}`, "okd-e2e", "e2e-pull", ""],
                [`e2e-${g}`, "okd-e2e", "-", ""],
                [`destroy-${g}`, "okd-e2e", "-", ""],
            ]),
        ]);
        // Identity pods carry the platform's own labels too (AKS needs azure.workload.identity/use).
        assert.deepEqual(
            nightly.taskRunSpecs.find((s) => s.pipelineTaskName === "assemble"),
            {
                pipelineTaskName: "assemble",
                serviceAccountName: "okd-records",
                metadata: { labels: { "azure.workload.identity/use": "true", "okd-ci/identity": "records" } },
            },
        );
        assert.deepEqual(nightly.taskRunSpecs[1], {
            pipelineTaskName: "machine-os",
            podTemplate: {
                nodeSelector: { "okd-ci/pool": "builds" },
                tolerations: [{ key: "okd-ci/pool", operator: "Exists", effect: "NoSchedule" }],
            },
        });
        assert.deepEqual(nightly.workspaces, [
            {
                name: "e2e",
                volumeClaimTemplate: {
                    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } },
                },
            },
        ]);
    });

    it("runs every release task as the promotion identity, restricted, and only for a promoting stream", () => {
        const [runs] = pipelineRuns(site(["aws"]), [stream({ promote: true })]);
        const release = runs.release as PipelineRunTemplate;
        assert.equal(release.pipelineName, "okd-release-4-15");
        assert.deepEqual(release.params, []);
        assert.deepEqual(release.eventParams, []);
        assert.deepEqual(release.workspaces, []);
        assert.deepEqual(release.timeouts, { pipeline: "5h", tasks: "4h30m", finally: "30m" });
        assert.deepEqual(release.taskRunTemplate, { serviceAccountName: "okd-promote", podTemplate: restrictedPod });
        assert.deepEqual(restrictedPod.securityContext, {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            fsGroup: 65532,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.deepEqual(who(release), [
            ["tools-image", "okd-promote", "promote", ""],
            ["pick", "okd-promote", "promote", ""],
            ["promote", "okd-promote", "promote", ""],
            ["release-notes", "okd-promote", "promote", ""],
            ["publish-signatures", "okd-promote", "promote", ""],
            ["publish-status", "okd-promote", "promote", ""],
        ]);
        assert.equal(pipelineRuns(site(["aws"]), [stream({ promote: false })])[0].release, undefined);
        assert.equal("release" in pipelineRuns(site(["aws"]), [stream({})])[0], false);
    });

    it("has no gate tasks, pull secret or e2e workspace without gates, and no machine-os build for stream-coreos", () => {
        const [runs] = pipelineRuns(site([]), [stream({ variant: "scos" } as Partial<Stream>)], 3);
        assert.deepEqual(who(runs.nightly), [
            ["tools-image", "(run default)", "-", "build pool"],
            ["build-components-1", "(run default)", "-", "build pool"],
            ["assemble", "okd-records", "records", ""],
            ["finalize-record", "okd-records", "records", ""],
        ]);
        assert.deepEqual(runs.nightly.workspaces, []);
    });

    it("labels identity pods only where the platform has labels for them", () => {
        assert.deepEqual(asIdentity("okd-records", "records", undefined), { serviceAccountName: "okd-records" });
        assert.deepEqual(asIdentity("okd-promote", "promote", {}), {
            serviceAccountName: "okd-promote",
            metadata: { labels: { "okd-ci/identity": "promote" } },
        });
        const [runs] = pipelineRuns(site(["aws"], false), [stream({})]);
        assert.deepEqual(
            runs.nightly.taskRunSpecs.find((s) => s.pipelineTaskName === "assemble"),
            { pipelineTaskName: "assemble", serviceAccountName: "okd-records" },
        );
    });
});
