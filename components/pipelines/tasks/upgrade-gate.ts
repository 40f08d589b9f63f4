import type { CloudPlatform } from "../../shared/model";
import type { GateAccess } from "../../shared/site";
import { loadScript } from "../scripts";
import { type EnvVar, type TaskDefinition, paramEnv, untrustedStep } from "../tekton";
import {
    credentials,
    credentialsFileEnv,
    e2eWorkspace,
    gateDir,
    refreshPullSecretStep,
    testProvider,
} from "./e2e-gate";
import { toolsImageParam } from "./tools-image";

export const upgradeGateTaskName = (cloud: CloudPlatform): string => `okd-e2e-upgrade-${cloud}`;

/**
 * Time budgets: the install as the install gate's (the same Task); the upgrade as long as openshift-tests gives its
 * upgrade suites (TestTimeout 240 minutes, openshift/origin pkg/testsuites/upgrade_suites.go), so the step never cuts
 * the suite before it reports, after the pull secret's refresh (its wait for the machine config pools). Install and
 * upgrade were one 7h Task; split around the pull secret's mint they take 7h05m.
 */
export const upgradeTimeouts = { upgrade: "4h", task: "4h30m" } as const;

/** An upgrade gate's name, in the record, on the page and as its directory in the e2e workspace: `aws-upgrade`. */
export const upgradeGateName = (cloud: CloudPlatform): string => `${cloud}-upgrade`;

/**
 * The upgrade itself, on the cluster of the earlier release the install Task created (installTask with gate
 * `<cloud>-upgrade`): first the cluster's global pull secret is replaced with the one minted for it just before
 * (refresh-pull-secret.sh; the install's token may have expired during the install, and the nodes pull the new
 * payload only now), then `openshift-tests run-upgrade all --to-image <payload>` with the payload's tests image
 * (e2e-test.sh, TEST_TYPE upgrade), as OpenShift CI's upgrade jobs do. No earlier release: the install wrote
 * `skipped` and the gate reports `skipped`, which no verdict counts against the payload.
 */
export function upgradeGateTask(gate: GateAccess): TaskDefinition {
    const creds = credentials(gate);
    const name = upgradeGateName(gate.platform);
    // What refresh-pull-secret.sh and e2e-test.sh read: the gate's directory and, for the suite, its credentials file.
    const gateEnv: EnvVar[] = [{ name: "STATE_DIR", value: gateDir(name) }, ...credentialsFileEnv(gate)];
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
            stepTemplate: { env: gateEnv, securityContext: untrustedStep },
            steps: [
                refreshPullSecretStep(name),
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
