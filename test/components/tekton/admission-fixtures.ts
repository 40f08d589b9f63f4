/** Run templates the admission tests build their policies from. */
import type { StreamRuns } from "../../../components/shared/pipelines";

/** A nightly with a pod template, labelled task run specs and a workspace; a release with none of them. */
export const policyStreams: StreamRuns[] = [
    {
        minor: "4.15",
        nightly: {
            pipelineName: "okd-nightly-4-15",
            params: [{ name: "stream", value: "4.15" }],
            eventParams: ["revision"],
            timeouts: { pipeline: "8h", tasks: "7h" },
            taskRunTemplate: {
                serviceAccountName: "okd-build",
                podTemplate: {
                    // A value over two lines: CEL's quoted literals hold no raw line break.
                    env: [{ name: "OKD_CI_NOTE", value: "built by okd-ci\r\nfor OKD" }],
                    nodeSelector: { "okd-ci/pool": "build" },
                    tolerations: [{ key: "okd-ci/pool", operator: "Equal", value: "build", effect: "NoSchedule" }],
                },
            },
            taskRunSpecs: [
                {
                    pipelineTaskName: "e2e-aws",
                    serviceAccountName: "okd-e2e",
                    metadata: { labels: { "okd-ci/identity": "records", "azure.workload.identity/use": "true" } },
                },
            ],
            workspaces: [
                { name: "shared", volumeClaimTemplate: { spec: { resources: { requests: { storage: "10Gi" } } } } },
            ],
        },
        release: {
            pipelineName: "okd-release-4-15",
            params: [],
            eventParams: [],
            timeouts: { pipeline: "2h", tasks: "1h30m", finally: "30m" },
            taskRunTemplate: { serviceAccountName: "okd-promote" },
            taskRunSpecs: [],
            workspaces: [],
        },
    },
];
