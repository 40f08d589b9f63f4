import type { CloudPlatform } from "../../shared/model";
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

/**
 * Time budgets: the install as the install gate's; the upgrade as long as openshift-tests gives its upgrade suites
 * (TestTimeout 240 minutes, openshift/origin pkg/testsuites/upgrade_suites.go), so the step never cuts the suite
 * before it reports; the Task holds both.
 */
export const upgradeTimeouts = { install: gateTimeouts.install, upgrade: "4h", task: "7h" } as const;

/** An upgrade gate's name, in the record, on the page and as its directory in the e2e workspace: `aws-upgrade`. */
export const upgradeGateName = (cloud: CloudPlatform): string => `${cloud}-upgrade`;

/**
 * An upgrade gate on one cloud: install the earlier release (`from-image`, chosen by release-record.sh `previous` among
 * the payload's own upgrade edges) with that release's installer, then upgrade the cluster to the payload under test
 * with the payload's tests image, `openshift-tests run-upgrade all --to-image <payload>` (e2e-test.sh, TEST_TYPE
 * upgrade), as OpenShift CI's upgrade jobs do. The same scripts, credentials, budgets and clean-up as the install gate
 * of that cloud, in a workspace directory of its own (`<cloud>-upgrade`), so both can run in one nightly. No earlier
 * release: the install writes `skipped` and the gate reports `skipped`, which no verdict counts against the payload.
 */
export function upgradeGateTask(ctx: PipelineContext, gate: GateAccess): TaskDefinition {
    const creds = credentials(gate);
    const name = upgradeGateName(gate.platform);
    const gateEnv: EnvVar[] = [
        { name: "GATE", value: gate.platform },
        { name: "STATE_DIR", value: gateDir(name) },
        { name: "PULL_SECRET_FILE", value: pullSecretFile },
        ...gateStepEnv(gate),
    ];
    return {
        name: upgradeGateTaskName(gate.platform),
        spec: {
            description: `Upgrade gate on ${gate.platform}: installs the earlier release in ${gate.region} and upgrades it to the payload with openshift-tests run-upgrade.`,
            params: [
                toolsImageParam,
                {
                    name: "from-image",
                    description: "The earlier release to install, repository@digest; empty: nothing to upgrade from.",
                },
                { name: "release-image", description: "Payload under test, repository@digest: the upgrade target." },
                { name: "tests-image", description: "The payload's own tests image (openshift-tests)." },
                { name: "run-id", description: "Unique id; names the cluster (distinct from the install gate's)." },
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
                    name: "install",
                    image: toolsStepImage,
                    script: loadScript("e2e-install.sh"),
                    env: [
                        ...paramEnv({ RELEASE_IMAGE: "from-image", RUN_ID: "run-id" }),
                        { name: "SKIP_WITHOUT_RELEASE", value: "true" },
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
