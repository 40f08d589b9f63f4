import type { CloudPlatform } from "../../shared/model";
import type { GateAccess } from "../../shared/site";
import { type PipelineContext, registryAuthStep } from "../context";
import { loadScript } from "../scripts";
import { type EnvVar, type Step, type TaskDefinition, paramEnv, untrustedStep } from "../tekton";
import { credentials, credentialsFileEnv, gateStepEnv, testProvider } from "./gate-access";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export { credentials, credentialsFileEnv, gateStepEnv, resourceGroupOf, testProvider } from "./gate-access";

export const gateTaskName = (cloud: CloudPlatform): string => `okd-e2e-${cloud}`;
/** Creates a prepared, registered cluster: the install gate's, or (gate `<cloud>-upgrade`) the upgrade gate's. */
export const installTaskName = (cloud: CloudPlatform): string => `okd-e2e-install-${cloud}`;
/** The gate's first half: the installer, install-config, manifests and ignition configs (metadata.json), no cloud resource. */
export const prepareTaskName = (cloud: CloudPlatform): string => `okd-e2e-prepare-${cloud}`;
export const destroyTaskName = (cloud: CloudPlatform): string => `okd-e2e-destroy-${cloud}`;
export const pullSecretTaskName = "okd-e2e-pull-secret";

/** The run's e2e workspace: one directory per gate, plus the install pull secret. */
export const e2eWorkspace = "e2e";
/** A gate's directory in the e2e workspace, by the gate's name (`aws`, or `aws-upgrade` for an upgrade gate). */
export const gateDir = (gate: string) => `$(workspaces.${e2eWorkspace}.path)/${gate}`;
export const pullSecretFile = `$(workspaces.${e2eWorkspace}.path)/pull-secret.json`;
/**
 * Where a gate's fresh pull secret is minted after its install (pullSecretTask `path`, relative to the e2e
 * workspace), for refresh-pull-secret.sh: `aws/pull-secret.json`, `aws-upgrade/pull-secret.json`.
 */
export const refreshedPullSecretPath = (gate: string): string => `${gate}/pull-secret.json`;

/**
 * Installer time budgets (okd COMMUNITY-TESTING.md: ~30 min on AWS; three attempts on infrastructure failures).
 * `destroy` holds all of e2e-destroy.sh's attempts: the destroy Task is not retried by Tekton, because every retry
 * would come out of the same `finally` budget (runs.ts) that finalize-record also needs.
 */
export const gateTimeouts = {
    install: "2h30m",
    installTask: "2h35m",
    mint: "15m",
    refresh: "25m",
    tests: "2h",
    task: "2h30m",
    destroy: "1h",
} as const;

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
            params: [
                {
                    name: "path",
                    description:
                        "Where in the e2e workspace: pull-secret.json (the installs'), or <gate>/pull-secret.json for a refresh.",
                    default: "pull-secret.json",
                },
            ],
            results: [],
            workspaces: [
                { name: e2eWorkspace, description: "The run's e2e workspace; gets the pull secret at `path`." },
            ],
            stepTemplate: { env: ctx.identityEnv },
            steps: [registryAuthStep(ctx, `$(workspaces.${e2eWorkspace}.path)/$(params.path)`, true)],
        },
    };
}

/**
 * The refresh of a gate's cluster's global pull secret (refresh-pull-secret.sh), from the one pull-secret-<gate>
 * minted after the install: the install's token may have expired by the time the cluster pulls images it has not yet
 * (a new payload in an upgrade, an image a test starts, a replaced node).
 */
export function refreshPullSecretStep(gateName: string): Step {
    return {
        name: "refresh-pull-secret",
        image: toolsStepImage,
        script: loadScript("refresh-pull-secret.sh"),
        env: [
            {
                name: "PULL_SECRET_FILE",
                value: `$(workspaces.${e2eWorkspace}.path)/${refreshedPullSecretPath(gateName)}`,
            },
        ],
        timeout: gateTimeouts.refresh,
        computeResources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
    };
}

/**
 * A gate's cluster: created from the installer directory its prepare task made and register-cluster stored
 * (e2e-install.sh INSTALL_STEP=create), for the install gate (`gate` `<cloud>`, the payload) and the upgrade gate
 * (`gate` `<cloud>-upgrade`, the earlier release, `skip-without-release`). A failed install is the gate's outcome;
 * the cluster is destroyed by the pipeline's `finally`, never here.
 */
export function installTask(ctx: PipelineContext, gate: GateAccess): TaskDefinition {
    const creds = credentials(gate);
    return {
        name: installTaskName(gate.platform),
        spec: {
            description: `Creates a prepared, registered e2e cluster on ${gate.platform} in ${gate.region}.`,
            params: [
                toolsImageParam,
                { name: "release-image", description: "The release installed, repository@digest." },
                { name: "run-id", description: "Unique id (the cluster was named by the prepare task)." },
                {
                    name: "gate",
                    description: `The gate's directory in the e2e workspace (${gate.platform}, or ${gate.platform}-upgrade).`,
                    default: gate.platform,
                },
                {
                    name: "skip-without-release",
                    description:
                        "true (upgrade gate): an empty release-image installs nothing and the gate is skipped.",
                    default: "false",
                },
            ],
            results: [],
            workspaces: [{ name: e2eWorkspace, description: "The run's e2e workspace: installer state and logs." }],
            volumes: creds.volumes,
            stepTemplate: {
                env: [
                    { name: "GATE", value: gate.platform },
                    { name: "STATE_DIR", value: gateDir("$(params.gate)") },
                    { name: "PULL_SECRET_FILE", value: pullSecretFile },
                    ...gateStepEnv(gate),
                ],
                securityContext: untrustedStep,
            },
            steps: [
                {
                    name: "install",
                    image: toolsStepImage,
                    script: loadScript("e2e-install.sh"),
                    env: [
                        ...paramEnv({
                            RELEASE_IMAGE: "release-image",
                            RUN_ID: "run-id",
                            SKIP_WITHOUT_RELEASE: "skip-without-release",
                        }),
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
            ],
        },
    };
}

/**
 * One e2e gate's verdict on the cluster installTask created from the payload: the cluster's pull secret refreshed
 * with the one minted after the install, then the conformance suite from the payload's tests image; the outcome.
 * A failed install, refresh or suite is an outcome, so the verdict always runs.
 */
export function gateTask(gate: GateAccess): TaskDefinition {
    const creds = credentials(gate);
    // What refresh-pull-secret.sh and e2e-test.sh read: the gate's directory and, for the suite, its credentials file.
    const gateEnv: EnvVar[] = [{ name: "STATE_DIR", value: gateDir(gate.platform) }, ...credentialsFileEnv(gate)];
    return {
        name: gateTaskName(gate.platform),
        spec: {
            description: `E2E gate on ${gate.platform}: refreshes the installed cluster's pull secret and runs the conformance suite.`,
            params: [
                toolsImageParam,
                { name: "tests-image", description: "The payload's own tests image (openshift-tests)." },
                {
                    name: "test-suite",
                    description: "openshift-tests suite.",
                    default: "openshift/conformance/parallel",
                },
            ],
            results: [{ name: "outcome", description: "passed or failed." }],
            workspaces: [{ name: e2eWorkspace, description: "The run's e2e workspace: installer state and logs." }],
            volumes: creds.volumes,
            stepTemplate: { env: gateEnv, securityContext: untrustedStep },
            steps: [
                refreshPullSecretStep(gate.platform),
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
                    // OpenShift CI's step registry requests 3 CPUs for this step (openshift/release
                    // ci-operator/step-registry/openshift/e2e/test/openshift-e2e-test-ref.yaml@0337579) on its large
                    // build-farm nodes. Here the pod is coscheduled with the e2e workspace on a system node
                    // (src/config/system-pool.ts sizes that pool for 1 CPU per gate chain): openshift-tests is a client
                    // that mostly waits on the cluster under test, a request is a reservation, and with no CPU limit
                    // it bursts into whatever the node has free.
                    computeResources: { requests: { cpu: "1", memory: "600Mi" }, limits: { memory: "4Gi" } },
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
 * The upgrade gate prepares with it too, in its own directory (`gate`: `<cloud>-upgrade`), from the earlier release
 * (`skip-without-release`: no earlier release prepares nothing and writes install-outcome `skipped`).
 */
export function prepareTask(ctx: PipelineContext, gate: GateAccess): TaskDefinition {
    const creds = credentials(gate);
    return {
        name: prepareTaskName(gate.platform),
        spec: {
            description: `Prepares the ${gate.platform} e2e install of a payload: installer, manifests and ignition configs (metadata.json); no cloud resource.`,
            params: [
                toolsImageParam,
                { name: "release-image", description: "Release to install, repository@digest." },
                { name: "run-id", description: "Unique id of the run; names the cluster." },
                {
                    name: "gate",
                    description: `The gate's directory in the e2e workspace (${gate.platform}, or ${gate.platform}-upgrade).`,
                    default: gate.platform,
                },
                {
                    name: "skip-without-release",
                    description:
                        "true (upgrade gate): an empty release-image prepares nothing and the gate is skipped.",
                    default: "false",
                },
            ],
            results: [],
            workspaces: [{ name: e2eWorkspace, description: "The run's e2e workspace: installer state and logs." }],
            volumes: creds.volumes,
            stepTemplate: {
                env: [
                    { name: "GATE", value: gate.platform },
                    { name: "STATE_DIR", value: gateDir("$(params.gate)") },
                    { name: "PULL_SECRET_FILE", value: pullSecretFile },
                    ...gateStepEnv(gate),
                ],
                securityContext: untrustedStep,
            },
            steps: [
                {
                    name: "prepare",
                    image: toolsStepImage,
                    script: loadScript("e2e-install.sh"),
                    env: [
                        ...paramEnv({
                            RELEASE_IMAGE: "release-image",
                            RUN_ID: "run-id",
                            SKIP_WITHOUT_RELEASE: "skip-without-release",
                        }),
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
            stepTemplate: { env: creds.env, securityContext: untrustedStep },
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
