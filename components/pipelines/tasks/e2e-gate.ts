import * as pulumi from "@pulumi/pulumi";

import type { CloudPlatform } from "../../shared/model";
import { type GateAccess, secretNames } from "../../shared/site";
import { type PipelineContext, registryAuthStep } from "../context";
import { loadScript } from "../scripts";
import { type EnvVar, type Step, type TaskDefinition, paramEnv } from "../tekton";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const gateTaskName = (cloud: CloudPlatform): string => `okd-e2e-${cloud}`;
/** The gate's first half: the installer, install-config, manifests and ignition configs (metadata.json), no cloud resource. */
export const prepareTaskName = (cloud: CloudPlatform): string => `okd-e2e-prepare-${cloud}`;
export const destroyTaskName = (cloud: CloudPlatform): string => `okd-e2e-destroy-${cloud}`;
export const pullSecretTaskName = "okd-e2e-pull-secret";

/** The run's e2e workspace: one directory per gate, plus the install pull secret. */
export const e2eWorkspace = "e2e";
/** A gate's directory in the e2e workspace, by the gate's name (`aws`, or `aws-upgrade` for an upgrade gate). */
export const gateDir = (gate: string) => `$(workspaces.${e2eWorkspace}.path)/${gate}`;
export const pullSecretFile = `$(workspaces.${e2eWorkspace}.path)/pull-secret.json`;
const credentialsMount = "/var/run/okd-gate";

/**
 * Installer time budgets (okd COMMUNITY-TESTING.md: ~30 min on AWS; three attempts on infrastructure failures).
 * `destroy` holds all of e2e-destroy.sh's attempts: the destroy Task is not retried by Tekton, because every retry
 * would come out of the same `finally` budget (runs.ts) that finalize-record also needs.
 */
export const gateTimeouts = { install: "2h30m", tests: "2h", task: "5h", destroy: "1h" } as const;

/** A Tekton duration of hours and minutes (`1h`, `2h30m`, `45m`) in seconds. */
export function durationSeconds(duration: string): number {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(duration);
    if (m === null || duration === "") throw new Error(`${duration} is not a duration of hours and minutes`);
    return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60;
}

/** How long finalize-record waits at most for the destroys to end: their timeout. */
export const destroySeconds = durationSeconds(gateTimeouts.destroy);

/**
 * E2E clusters pull the payload from the site registry with a short-lived credential (12h on ECR, 1h on Artifact
 * Registry, 3h on ACR), written with OKD's placeholder auth into the run's e2e workspace, which the install config
 * takes as its pull secret. It is minted under the e2e ServiceAccount from the site's pull-only registry identity:
 * the secret lands in every e2e cluster, within reach of the payload under test, so it must not be able to push.
 * No registry is opened to the public.
 */
export function pullSecretTask(ctx: PipelineContext): TaskDefinition {
    return {
        name: pullSecretTaskName,
        spec: {
            description:
                "Mints a short-lived, pull-only secret for the site registry from the e2e ServiceAccount's identity, for the e2e clusters.",
            params: [],
            results: [],
            workspaces: [{ name: e2eWorkspace, description: "The run's e2e workspace; gets pull-secret.json." }],
            stepTemplate: { env: ctx.identityEnv },
            steps: [registryAuthStep(ctx, pullSecretFile, true)],
        },
    };
}

/**
 * Credentials of `openshift-install` on this gate: the gate Secret's one file, and the variable that points the
 * installer at it. The Secret is optional in the pod, so a missing one reaches the script, which says how to create
 * it, instead of a pod stuck pending.
 */
export function credentials(gate: GateAccess): {
    env: EnvVar[];
    volumes: Record<string, unknown>[];
    mounts: Step["volumeMounts"];
} {
    const { fileName, envVar, howToCreate } = gate.credentials;
    const secretName = secretNames.gate(gate.platform);
    return {
        env: [
            { name: "CREDENTIALS_ENV", value: envVar },
            { name: "CREDENTIALS_SECRET", value: secretName },
            { name: "CREDENTIALS_HOW_TO", value: howToCreate },
            { name: envVar, value: `${credentialsMount}/${fileName}` },
        ],
        volumes: [{ name: "gate-credentials", secret: { secretName, optional: true } }],
        mounts: [{ name: "gate-credentials", mountPath: credentialsMount, readOnly: true }],
    };
}

/**
 * The environment every step of a gate's Tasks shares: its credentials and its cloud's installer settings, and
 * nothing of the pipeline identity (the payload's installer must not run with the site's region, account or
 * identity variables). Each name once: a later duplicate would silently win in the container.
 */
export function gateStepEnv(gate: GateAccess): EnvVar[] {
    const env = [...credentials(gate).env, ...platformEnv(gate)];
    const seen = new Set<string>();
    for (const { name } of env) {
        if (seen.has(name)) throw new Error(`gate ${gate.platform}: ${name} is set twice in its step environment`);
        seen.add(name);
    }
    return env;
}

/** Installer settings each cloud needs beyond base domain and region. */
function platformEnv(gate: GateAccess): EnvVar[] {
    const env: EnvVar[] = Object.entries(gate.env).map(([name, value]) => ({ name, value }));
    env.push(
        { name: "INSTALL_CREDENTIALS_MODE", value: gate.credentialsMode },
        { name: "CLUSTER_PREFIX", value: gate.clusterPrefix },
    );
    // Derived here for gates whose site gave no value (a gate on another cloud); a site's own value wins.
    if (gate.platform === "gcp" && gate.project !== undefined && gate.env.GCP_PROJECT === undefined) {
        env.push({ name: "GCP_PROJECT", value: gate.project });
    }
    if (gate.platform === "azure" && gate.env.AZURE_BASE_DOMAIN_RESOURCE_GROUP === undefined) {
        env.push({ name: "AZURE_BASE_DOMAIN_RESOURCE_GROUP", value: gate.zone.apply(resourceGroupOf) });
    }
    return env;
}

/** Resource group of an Azure DNS zone resource id. */
export function resourceGroupOf(zoneId: string): string {
    const match = /\/resourceGroups\/([^/]+)\//i.exec(zoneId);
    if (!match) throw new Error(`Azure DNS zone ${zoneId} is not a resource id (/subscriptions/…/resourceGroups/…)`);
    return match[1];
}

/** `--provider` of openshift-tests for the gate's cloud. */
export function testProvider(gate: GateAccess): pulumi.Output<string> {
    const project = gate.env.GCP_PROJECT ?? pulumi.output(gate.project ?? "");
    return pulumi.output(project).apply((p) => {
        switch (gate.platform) {
            case "aws":
                return JSON.stringify({ type: "aws", region: gate.region, multizone: true, multimaster: true });
            case "gcp":
                return JSON.stringify({
                    type: "gce",
                    region: gate.region,
                    projectid: p,
                    multizone: true,
                    multimaster: true,
                });
            case "azure":
                return JSON.stringify({ type: "azure", multizone: true, multimaster: true });
        }
    });
}

/**
 * One e2e gate: install a cluster from the payload with the payload's installer, run the conformance suite from the
 * payload's tests image, report the outcome. A failed install or suite is an outcome, so the verdict always runs;
 * the cluster is destroyed by the pipeline's `finally`, never here.
 */
export function gateTask(ctx: PipelineContext, gate: GateAccess): TaskDefinition {
    const creds = credentials(gate);
    const gateEnv: EnvVar[] = [
        { name: "GATE", value: gate.platform },
        { name: "STATE_DIR", value: gateDir(gate.platform) },
        { name: "PULL_SECRET_FILE", value: pullSecretFile },
        ...gateStepEnv(gate),
    ];
    return {
        name: gateTaskName(gate.platform),
        spec: {
            description: `E2E gate on ${gate.platform}: installs the payload in ${gate.region} and runs the conformance suite.`,
            params: [
                toolsImageParam,
                { name: "release-image", description: "Payload under test, repository@digest." },
                { name: "tests-image", description: "The payload's own tests image (openshift-tests)." },
                { name: "run-id", description: "Unique id of the run; names the cluster." },
                {
                    name: "test-suite",
                    description: "openshift-tests suite.",
                    default: "openshift/conformance/parallel",
                },
            ],
            results: [{ name: "outcome", description: "passed or failed." }],
            workspaces: [{ name: e2eWorkspace, description: "The run's e2e workspace: installer state and logs." }],
            volumes: creds.volumes,
            stepTemplate: { env: gateEnv },
            steps: [
                {
                    name: "install",
                    image: toolsStepImage,
                    script: loadScript("e2e-install.sh"),
                    env: [
                        ...paramEnv({ RELEASE_IMAGE: "release-image", RUN_ID: "run-id" }),
                        // The prepare task made the installer directory, and register-cluster stored its metadata.json.
                        { name: "INSTALL_STEP", value: "create" },
                        { name: "BASE_DOMAIN", value: gate.baseDomain },
                        { name: "REGION", value: gate.region },
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                    ],
                    timeout: gateTimeouts.install,
                    // openshift-install runs its infrastructure providers in-process (terraform, or since 4.16 a
                    // local control plane with the Cluster API providers); 2 GiB is its usual working set. The limit
                    // must be stated: the LimitRange's 1 GiB default would sit below the request and the API server
                    // refuses such a pod ("must be less than or equal to memory limit").
                    computeResources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "6Gi" } },
                    volumeMounts: creds.mounts,
                },
                {
                    name: "test",
                    image: "$(params.tests-image)",
                    script: loadScript("e2e-test.sh"),
                    env: [
                        ...paramEnv({ TEST_SUITE: "test-suite" }),
                        { name: "TEST_PROVIDER", value: testProvider(gate) },
                        { name: "RESULT_OUTCOME", value: "$(results.outcome.path)" },
                    ],
                    timeout: gateTimeouts.tests,
                    computeResources: { requests: { cpu: "3", memory: "600Mi" }, limits: { memory: "4Gi" } },
                    volumeMounts: creds.mounts,
                },
            ],
        },
    };
}

/**
 * The first half of a gate: extracts the payload's installer and writes install-config, manifests and ignition
 * configs (metadata.json), creating no cloud resource, so that register-cluster can store metadata.json before the
 * gate task creates the cluster (e2e-install.sh INSTALL_STEP=prepare). A failure here is the install's outcome.
 */
export function prepareTask(ctx: PipelineContext, gate: GateAccess): TaskDefinition {
    const creds = credentials(gate);
    return {
        name: prepareTaskName(gate.platform),
        spec: {
            description: `Prepares the ${gate.platform} e2e install of a payload: installer, manifests and ignition configs (metadata.json); no cloud resource.`,
            params: [
                toolsImageParam,
                { name: "release-image", description: "Payload under test, repository@digest." },
                { name: "run-id", description: "Unique id of the run; names the cluster." },
            ],
            results: [],
            workspaces: [{ name: e2eWorkspace, description: "The run's e2e workspace: installer state and logs." }],
            volumes: creds.volumes,
            stepTemplate: {
                env: [
                    { name: "GATE", value: gate.platform },
                    { name: "STATE_DIR", value: gateDir(gate.platform) },
                    { name: "PULL_SECRET_FILE", value: pullSecretFile },
                    ...gateStepEnv(gate),
                ],
            },
            steps: [
                {
                    name: "prepare",
                    image: toolsStepImage,
                    script: loadScript("e2e-install.sh"),
                    env: [
                        ...paramEnv({ RELEASE_IMAGE: "release-image", RUN_ID: "run-id" }),
                        { name: "BASE_DOMAIN", value: gate.baseDomain },
                        { name: "REGION", value: gate.region },
                        { name: "INSTALL_STEP", value: "prepare" },
                        // oc reaches a registry without TLS (local) only when told (e2e-install.sh TLS_VERIFY).
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                    ],
                    timeout: "30m",
                    computeResources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "4Gi" } },
                    volumeMounts: creds.mounts,
                },
            ],
        },
    };
}

/** Destroys the gate's cluster from its metadata.json; in the pipeline's `finally`, so it runs whatever happened. */
export function destroyTask(ctx: PipelineContext, gate: GateAccess): TaskDefinition {
    const creds = credentials(gate);
    return {
        name: destroyTaskName(gate.platform),
        spec: {
            description: `Destroys the ${gate.platform} e2e cluster of a run, if one was ever created.`,
            params: [
                toolsImageParam,
                { name: "release-image", description: "Payload under test, to extract its installer if needed." },
                {
                    name: "gate",
                    description: `The gate whose cluster to destroy: its directory in the e2e workspace (${gate.platform}, or ${gate.platform}-upgrade).`,
                    default: gate.platform,
                },
            ],
            results: [],
            workspaces: [{ name: e2eWorkspace, description: "The run's e2e workspace: installer state." }],
            volumes: creds.volumes,
            stepTemplate: { env: gateStepEnv(gate) },
            steps: [
                {
                    name: "destroy",
                    image: toolsStepImage,
                    script: loadScript("e2e-destroy.sh"),
                    env: [
                        ...paramEnv({ RELEASE_IMAGE: "release-image" }),
                        { name: "STATE_DIR", value: gateDir("$(params.gate)") },
                        { name: "PULL_SECRET_FILE", value: pullSecretFile },
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                    ],
                    timeout: gateTimeouts.destroy,
                    volumeMounts: creds.mounts,
                },
            ],
        },
    };
}
