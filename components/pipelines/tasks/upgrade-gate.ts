import type { CloudPlatform } from "../../../src/config/schema";
import type { GateAccess } from "../../shared/site";
import type { PipelineContext } from "../context";
import { loadScript } from "../scripts";
import { type EnvVar, type TaskDefinition, paramEnv } from "../tekton";
import {
    credentials,
    e2eWorkspace,
    gateDir,
    gateStepEnv,
    gateTimeouts,
    pullSecretFile,
    testProvider,
} from "./e2e-gate";
import { toolsImageParam, toolsStepImage } from "./tools-image";

export const upgradeGateTaskName = (cloud: CloudPlatform): string => `okd-e2e-upgrade-${cloud}`;
/** The upgrade gate's install: creates the cluster of the earlier release from its prepared, registered directory. */
export const upgradeInstallTaskName = (cloud: CloudPlatform): string => `okd-e2e-upgrade-install-${cloud}`;

/**
 * Time budgets: the install as the install gate's; the upgrade as long as openshift-tests gives its upgrade suites
 * (TestTimeout 240 minutes, openshift/origin pkg/testsuites/upgrade_suites.go), so the step never cuts the suite
 * before it reports, after the pull secret's refresh (its wait for the machine config pools). Install and upgrade
 * were one 7h Task; split around the pull secret's mint they take 7h05m.
 */
export const upgradeTimeouts = {
    install: gateTimeouts.install,
    installTask: "2h35m",
    refresh: "25m",
    upgrade: "4h",
    task: "4h30m",
} as const;

/** An upgrade gate's name, in the record, on the page and as its directory in the e2e workspace: `aws-upgrade`. */
export const upgradeGateName = (cloud: CloudPlatform): string => `${cloud}-upgrade`;

/** Where the upgrade gate's fresh pull secret is minted, relative to the e2e workspace (pullSecretTask `path`). */
export const refreshedPullSecretPath = (cloud: CloudPlatform): string => `${upgradeGateName(cloud)}/pull-secret.json`;

/**
 * The upgrade gate's cluster, as the install gate's is: prepared (prepareTask, gate `<cloud>-upgrade`) and registered
 * for the reaper before this creates it (e2e-install.sh INSTALL_STEP=create) from the earlier release (`from-image`)
 * with that release's installer. No earlier release: prepare wrote `skipped`, and this does nothing.
 */
export function upgradeInstallTask(ctx: PipelineContext, gate: GateAccess): TaskDefinition {
    const creds = credentials(gate);
    const name = upgradeGateName(gate.platform);
    return {
        name: upgradeInstallTaskName(gate.platform),
        spec: {
            description: `Upgrade gate on ${gate.platform}: creates the earlier release's cluster in ${gate.region} from its prepared, registered installer directory.`,
            params: [
                toolsImageParam,
                {
                    name: "from-image",
                    description: "The earlier release to install, repository@digest; empty: nothing to upgrade from.",
                },
                { name: "run-id", description: "Unique id (the cluster was named by the prepare task)." },
            ],
            results: [],
            workspaces: [{ name: e2eWorkspace, description: "The run's e2e workspace: installer state and logs." }],
            volumes: creds.volumes,
            stepTemplate: {
                env: [
                    { name: "GATE", value: gate.platform },
                    { name: "STATE_DIR", value: gateDir(name) },
                    { name: "PULL_SECRET_FILE", value: pullSecretFile },
                    ...gateStepEnv(gate),
                ],
            },
            steps: [
                {
                    name: "install",
                    image: toolsStepImage,
                    script: loadScript("e2e-install.sh"),
                    env: [
                        ...paramEnv({ RELEASE_IMAGE: "from-image", RUN_ID: "run-id" }),
                        { name: "SKIP_WITHOUT_RELEASE", value: "true" },
                        // prepare-upgrade made the installer directory, and register-upgrade stored its metadata.json.
                        { name: "INSTALL_STEP", value: "create" },
                        { name: "BASE_DOMAIN", value: gate.baseDomain },
                        { name: "REGION", value: gate.region },
                        // oc reaches a registry without TLS (local) only when told, as in the install gate.
                        { name: "TLS_VERIFY", value: ctx.tlsVerify },
                    ],
                    timeout: upgradeTimeouts.install,
                    // As the install gate's install step (e2e-gate.ts).
                    computeResources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "6Gi" } },
                    volumeMounts: creds.mounts,
                },
            ],
        },
    };
}

/**
 * The upgrade itself, on the cluster upgradeInstallTask created: first the cluster's global pull secret is replaced
 * with the one minted for it just before (refresh-pull-secret.sh; the install's token may have expired during the
 * install, and the nodes pull the new payload only now), then `openshift-tests run-upgrade all --to-image <payload>`
 * with the payload's tests image (e2e-test.sh, TEST_TYPE upgrade), as OpenShift CI's upgrade jobs do. No earlier
 * release: the install wrote `skipped` and the gate reports `skipped`, which no verdict counts against the payload.
 */
export function upgradeGateTask(gate: GateAccess): TaskDefinition {
    const creds = credentials(gate);
    const name = upgradeGateName(gate.platform);
    const gateEnv: EnvVar[] = [
        { name: "GATE", value: gate.platform },
        { name: "STATE_DIR", value: gateDir(name) },
        ...gateStepEnv(gate),
    ];
    return {
        name: upgradeGateTaskName(gate.platform),
        spec: {
            description: `Upgrade gate on ${gate.platform}: refreshes the earlier release's cluster's pull secret and upgrades it to the payload with openshift-tests run-upgrade.`,
            params: [
                toolsImageParam,
                { name: "release-image", description: "Payload under test, repository@digest: the upgrade target." },
                { name: "tests-image", description: "The payload's own tests image (openshift-tests)." },
                {
                    name: "upgrade-options",
                    description: "openshift-tests run-upgrade --options, e.g. abort-at=random.",
                    default: "",
                },
            ],
            results: [
                { name: "outcome", description: "passed, failed, or skipped (no earlier release)." },
                { name: "reason", description: "Why it did not pass, in a sentence; empty when it passed." },
            ],
            workspaces: [{ name: e2eWorkspace, description: "The run's e2e workspace: installer state and logs." }],
            volumes: creds.volumes,
            stepTemplate: { env: gateEnv },
            steps: [
                {
                    name: "refresh-pull-secret",
                    image: toolsStepImage,
                    script: loadScript("refresh-pull-secret.sh"),
                    env: [
                        {
                            name: "PULL_SECRET_FILE",
                            value: `$(workspaces.${e2eWorkspace}.path)/${refreshedPullSecretPath(gate.platform)}`,
                        },
                    ],
                    timeout: upgradeTimeouts.refresh,
                    computeResources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                },
                {
                    name: "upgrade",
                    image: "$(params.tests-image)",
                    script: loadScript("e2e-test.sh"),
                    env: [
                        { name: "TEST_TYPE", value: "upgrade" },
                        ...paramEnv({ TO_IMAGE: "release-image", UPGRADE_OPTIONS: "upgrade-options" }),
                        { name: "TEST_PROVIDER", value: testProvider(gate) },
                        { name: "RESULT_OUTCOME", value: "$(results.outcome.path)" },
                        { name: "RESULT_REASON", value: "$(results.reason.path)" },
                    ],
                    timeout: upgradeTimeouts.upgrade,
                    computeResources: { requests: { cpu: "1", memory: "600Mi" }, limits: { memory: "4Gi" } },
                    volumeMounts: creds.mounts,
                },
            ],
        },
    };
}
