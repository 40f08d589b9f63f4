/**
 * The wiring between every rendered pipeline object and the scripts its steps run (test/support/step-contract.ts):
 * each env variable a step sets is one its script reads, each variable the script requires is set and not empty,
 * each literal it branches on is one it takes, and every `$(params…)`, `$(tasks…results…)`, `$(results…)` and
 * `$(workspaces…)` names something declared. On the objects OkdPipelines, ClusterReaper and StatusRender render for
 * a site of each kind, as src/program.ts builds them.
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import type { Stream } from "../../../components/shared/model";
import { scriptsDir } from "../../../components/pipelines/scripts";
import { unmanagedGateAccess } from "../../../components/shared";
import type { Site } from "../../../components/shared/site";
import { streamSchema } from "../../../src/config/schema";
import type { Platform } from "../../../src/config/schema";
import { recorder, settled, useMocks } from "../../helpers";
import { type RunningStep, runningSteps, script, stepProblems, templateProblems } from "../../support/step-contract";
import { pipelineProblems, taskProblems } from "../../support/tekton-refs";
import { fakeKmsRef, fakeSite } from "../tekton/fixtures";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON */
type Obj = any;

const fcos = (minor: string, extra: object = {}): Stream =>
    streamSchema.parse({
        minor,
        branch: `release-${minor}`,
        basePayload: `quay.io/openshift/okd:${minor}.0-0.okd-2024-03-10-010116`,
        components: [
            { name: "installer", repository: "openshift/installer", dockerfile: "Dockerfile" },
            {
                name: "installer-artifacts",
                repository: "openshift/installer",
                dockerfile: "Dockerfile",
                from: "installer",
            },
            { name: "ironic", repository: "openshift/ironic-image", dockerfile: "Dockerfile.ocp" },
        ],
        ...extra,
    });
const scos = (minor: string, extra: object = {}): Stream =>
    streamSchema.parse({
        minor,
        branch: `release-${minor}`,
        basePayload: `quay.io/okd/scos-release:${minor}.0-okd-scos.1`,
        ...extra,
    });

/**
 * The configurations: a site of each kind, with what its stack file (Pulumi.<stack>.yaml) exercises: promoting and
 * not, OKD/FCOS (machine-os) and OKD/SCOS (stream-coreos) streams, an upgrade gate on the clouds with a gcp gate
 * (the fake aws and gcp sites), and the ci stack's local site with one stream that does not promote.
 */
const configurations: { platform: Platform; streams: Stream[]; tools?: string }[] = [
    {
        platform: "aws",
        streams: [
            fcos("4.15", { promote: true }),
            scos("4.16", {
                upgradeGate: { gate: "gcp", blocking: true, from: "accepted", options: "abort-at=random" },
            }),
        ],
    },
    {
        platform: "gcp",
        streams: [fcos("4.15", { promote: true, upgradeGate: { gate: "gcp" } }), scos("4.22", { promote: true })],
    },
    { platform: "azure", streams: [scos("4.22", { promote: true })] },
    { platform: "local", streams: [scos("4.22")] },
    // A local site that promotes (Chains' public key, not a KMS key) with a prebuilt tools image.
    { platform: "local", streams: [fcos("4.15", { promote: true })], tools: "quay.io/example/pipeline-tools:2.0.0" },
];

const T = {
    task: "kubernetes:tekton.dev/v1:Task",
    pipeline: "kubernetes:tekton.dev/v1:Pipeline",
    cronJob: "kubernetes:batch/v1:CronJob",
};

/**
 * The fixture site with what the real one of its kind also gives the steps: the identity env of components/aws/site.ts,
 * components/gcp/site.ts, components/azure/site.ts and components/local/site.ts (read by the tools, or required by
 * registry-auth.sh: AWS_REGION), an Azure container URL (the storage account is taken from it), and a project for a gcp
 * gate on another cloud (the config loader requires `gates.gcp.project` without `gcpProject`).
 */
function realistic(site: Site): Site {
    const out = (v: string) => pulumi.output(v);
    const env: Record<Platform, Record<string, pulumi.Output<string>>> = {
        aws: { AWS_REGION: out("us-east-1") },
        gcp: { GOOGLE_CLOUD_PROJECT: out("okd-proj"), GCP_REGION: out("us-central1") },
        azure: {
            AZURE_SUBSCRIPTION_ID: out("00000000-0000-0000-0000-0000000000aa"),
            AZURE_LOCATION: out("eastus"),
            AZURE_STORAGE_ACCOUNT: out("okdartifacts"),
            AZURE_STORAGE_CONTAINER: out("okd-artifacts"),
            AZURE_STORAGE_AUTH_MODE: out("login"),
            AZURE_CONTAINER_REGISTRY: out("okdci"),
        },
        local: { AWS_REGION: out("us-east-1") },
    };
    const identities = { ...site.identities, env: env[site.platform] };
    if (site.platform === "azure") {
        identities.build = {
            ...identities.build,
            env: { ACR_TOKEN_NAME: out("okd-build"), ACR_RESOURCE_GROUP: out("okd-rg") },
        };
    }
    return {
        ...site,
        identities,
        artifacts:
            site.platform === "azure"
                ? { ...site.artifacts, url: out("https://okdartifacts.blob.core.windows.net/okd-artifacts/") }
                : site.artifacts,
        gates: [
            ...site.gates.map((g) =>
                g.platform === "gcp" && g.project === undefined ? { ...g, project: "okd-e2e" } : g,
            ),
            // The azure site's home gate, with the env components/azure/gate.ts gives it.
            ...(site.platform === "azure"
                ? [
                      unmanagedGateAccess(
                          "azure",
                          { blocking: true, baseDomain: "azure.ci.example.org", region: "eastus" },
                          "okd",
                          pulumi.secret("{}"),
                          out(
                              "/subscriptions/s/resourceGroups/okd-dns/providers/Microsoft.Network/dnszones/azure.ci.example.org",
                          ),
                          { AZURE_BASE_DOMAIN_RESOURCE_GROUP: out("okd-dns") },
                      ),
                  ]
                : []),
        ],
    };
}

async function render(name: string, platform: Platform, streams: Stream[], tools?: string): Promise<Site> {
    const { OkdPipelines } = await import("../../../components/pipelines");
    const { ClusterReaper } = await import("../../../components/pipelines/reaper");
    const { StatusRender } = await import("../../../components/pipelines/status-render");
    const site = realistic(fakeSite(`${name}-site`, platform));
    const kmsRef = fakeKmsRef[platform];
    const pipelines = new OkdPipelines(`${name}-pipelines`, {
        site,
        streams,
        mirror: { release: "quay.io/openshift/okd", content: "quay.io/openshift/okd-content" },
        chains:
            kmsRef !== undefined
                ? { kmsRef }
                : { publicKey: "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n" },
        maxParallelBuilds: 2,
        ...(tools !== undefined ? { images: { tools } } : {}),
    });
    if (site.gates.length > 0) {
        new ClusterReaper(`${name}-reaper`, {
            site,
            streams,
            schedule: "15 */6 * * *",
            ttlHours: 24,
            dryRun: false,
            dependsOn: [pipelines],
        });
    }
    new StatusRender(`${name}-status`, {
        site,
        streams,
        schedule: "7 * * * *",
        dispatchSchedule: "*/10 * * * *",
        dependsOn: [pipelines],
    });
    await settled();
    return site;
}

/** Steps (Task steps, CronJob init and main containers) of every recorded object that run a script. */
export function scriptSteps(objects: { type: string; inputs: Obj }[]): RunningStep[] {
    return objects.flatMap(({ type, inputs }) => {
        const id = `${inputs.kind ?? type} ${inputs.metadata?.name}`;
        if (type === T.task) {
            return runningSteps(id, inputs.spec.steps, inputs.spec.stepTemplate?.env, inputs.spec.params);
        }
        if (type === T.cronJob) {
            const pod = inputs.spec.jobTemplate.spec.template.spec;
            return runningSteps(id, [...(pod.initContainers ?? []), ...pod.containers]);
        }
        return [];
    });
}

for (const { platform, streams, tools: prebuilt } of configurations) {
    const minors = streams.map((s) => s.minor).join(", ");
    describe(`step contract: the pipelines of a ${platform} site (${minors}${prebuilt ? ", prebuilt tools" : ""})`, () => {
        useMocks();
        const name = `sc-${platform}${prebuilt ? "-prebuilt" : ""}`;
        let objects: { type: string; inputs: Obj }[];
        /**
         * The site's identity env (Site.identities.env: region, project, storage account, …) goes to every step that
         * holds an identity, for the cloud CLIs and SDKs it runs; which tool reads which is the site's contract
         * (components/<cloud>/site.ts), not one script's.
         */
        const tools: Record<string, string> = {};
        before(async () => {
            const site = await render(name, platform, streams, prebuilt);
            for (const n of Object.keys(site.identities.env)) tools[n] = "the site's identity env, for the cloud tools";
            objects = recorder().resources.map((r) => ({ type: r.type, inputs: r.inputs as Obj }));
        });
        const of = (type: string) => objects.filter((o) => o.type === type).map((o) => o.inputs);

        it("runs a script in every step of every Task, each one wired to what it reads and requires", () => {
            const steps = scriptSteps(objects);
            // Every Task step and every CronJob container runs one of the script files, none a script of its own.
            const taskSteps = of(T.task).flatMap((t) => t.spec.steps as Obj[]);
            const containers = of(T.cronJob).flatMap((c) => {
                const pod = c.spec.jobTemplate.spec.template.spec;
                return [...(pod.initContainers ?? []), ...pod.containers];
            });
            assert.equal(steps.length, taskSteps.length + containers.length);
            assert.ok(taskSteps.length >= 20, `only ${taskSteps.length} Task steps`);
            assert.deepEqual(
                steps.flatMap((s) => stepProblems(s, tools)),
                [],
            );
        });

        it("hands every step of a Task, through its stepTemplate, only what one of their scripts reads", () => {
            const steps = scriptSteps(objects);
            const templates = of(T.task).flatMap((t) =>
                templateProblems(
                    `Task ${t.metadata.name}`,
                    t.spec.stepTemplate?.env ?? [],
                    steps.filter((s) => s.where.startsWith(`Task ${t.metadata.name} step`)),
                    tools,
                ),
            );
            assert.deepEqual(templates, []);
        });

        it("resolves every param, result and workspace a Task names, and uses every param it declares", () => {
            assert.deepEqual(of(T.task).flatMap(taskProblems), []);
        });

        it("resolves every param, task result, workspace and Task each Pipeline names", () => {
            const pipelines = of(T.pipeline);
            assert.ok(pipelines.length >= streams.length, pipelines.map((p) => p.metadata.name).join(", "));
            const problems = pipelines.flatMap((p) => {
                const tasks = new Map<string, Obj>(
                    of(T.task)
                        .filter((t) => t.metadata.namespace === p.metadata.namespace)
                        .map((t) => [t.metadata.name, t]),
                );
                return pipelineProblems(p, tasks);
            });
            assert.deepEqual(problems, []);
        });
    });
}

describe("step contract checker (test/support/step-contract.ts) on pipeline scripts", () => {
    const dir = scriptsDir;
    it("reads release-record.sh's per-action requirements and its RECORD_ACTION alternatives from the script", () => {
        const s = script("release-record.sh", dir);
        assert.deepEqual([...new Set(s.required.map((r) => r.join(" or ")))].sort(), [
            "ARTIFACTS_BUCKET",
            "MINOR",
            "RCLONE_CONFIG_ARTIFACTS_TYPE",
            "RECORD_ACTION",
        ]);
        assert.deepEqual(s.armNeeds.get("RECORD_ACTION")?.get("verdict"), [
            ["NAME"],
            ["VERDICT", "VERDICT_FILE"],
            ["GATES_FILE"],
        ]);
        assert.ok(s.cases.get("RECORD_ACTION")?.refusesOthers);
        const step = (env: Obj[]) => ({ where: "x", script: s, env, inherited: [] });
        const base = [
            { name: "ARTIFACTS_BUCKET", value: "b" },
            { name: "MINOR", value: "4.15" },
            { name: "RCLONE_CONFIG_ARTIFACTS_TYPE", value: "s3" },
        ];
        assert.deepEqual(stepProblems(step([...base, { name: "RECORD_ACTION", value: "pick" }])).length, 4);
        assert.deepEqual(stepProblems(step([...base, { name: "RECORD_ACTION", value: "adopt" }])), []);
        assert.match(stepProblems(step([...base, { name: "RECORD_ACTION", value: "adpot" }])).join("\n"), /refuses/);
        assert.match(stepProblems(step([...base, { name: "RECORD_ACTON", value: "adopt" }])).join("\n"), /never reads/);
    });
});
