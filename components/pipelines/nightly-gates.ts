/**
 * The nightly's e2e gates, after assembly: the pull secret, then for each gate prepare (metadata.json, no cloud
 * resource) → register (for the cluster reaper) → install (create the cluster) → a fresh pull secret → the gate
 * (refresh the cluster's pull secret, run the tests); the upgrade gate the same way from the earlier release; the
 * verdict over their outcomes; and the finally tasks that destroy every cluster a gate may have created.
 */
import type { UpgradeGate } from "../shared/model";
import type { GateAccess } from "../shared/site";
import type { nightlyTasks } from "./nightly";
import {
    destroyTaskName,
    e2eWorkspace,
    gateTaskName,
    gateTimeouts,
    installTaskName,
    prepareTaskName,
    pullSecretTaskName,
    refreshedPullSecretPath,
} from "./tasks/e2e-gate";
import { registerClusterTaskName } from "./tasks/register-cluster";
import { toolsImageArg } from "./tasks/tools-image";
import { upgradeGateName, upgradeGateTaskName, upgradeTimeouts } from "./tasks/upgrade-gate";
import { verdictTaskName } from "./tasks/verdict";
import { type PipelineTask, ref } from "./tekton";

/**
 * The gate tasks of a nightly, the verdict task and the finally destroys, for `gates` and the stream's upgrade gate
 * (`upgrade`, run on `upgradeAccess`). Without gates the verdict follows assembly and nothing is destroyed.
 */
export function nightlyGateTasks(
    t: typeof nightlyTasks,
    gates: GateAccess[],
    upgrade: UpgradeGate | undefined,
    upgradeAccess: GateAccess | undefined,
): { gateTasks: PipelineTask[]; verdict: PipelineTask; destroys: PipelineTask[] } {
    const payload = `$(tasks.${t.assemble}.results.IMAGE_URL)@$(tasks.${t.assemble}.results.IMAGE_DIGEST)`;
    const e2e = [{ name: e2eWorkspace, workspace: e2eWorkspace }];
    const fromImage = `$(tasks.${t.assemble}.results.upgrade-from)`;
    // The upgrade gate: its cluster of the earlier release prepared and registered before it exists (as an install
    // gate's), created, then a fresh pull-only secret minted for it (the install's may have expired: 1h on Artifact
    // Registry, 3h on ACR), then the refresh of the cluster's pull secret and the upgrade.
    const upgradeTasks = (g: GateAccess, options: string): PipelineTask[] => [
        {
            name: t.prepareUpgrade(g),
            taskRef: ref(prepareTaskName(g.platform)),
            runAfter: [t.pullSecret],
            params: [
                toolsImageArg,
                { name: "release-image", value: fromImage },
                // Its own cluster name beside the install gate's on the same cloud.
                { name: "run-id", value: "$(context.taskRun.uid)" },
                { name: "gate", value: upgradeGateName(g.platform) },
                { name: "skip-without-release", value: "true" },
            ],
            workspaces: e2e,
            timeout: "30m",
        },
        {
            name: t.registerUpgrade(g),
            taskRef: ref(registerClusterTaskName),
            runAfter: [t.prepareUpgrade(g)],
            params: [
                toolsImageArg,
                { name: "gate", value: upgradeGateName(g.platform) },
                // The cluster runs the earlier release: its installer destroys it.
                { name: "release-image", value: fromImage },
                { name: "pipeline-run", value: "$(context.pipelineRun.name)" },
            ],
            workspaces: e2e,
            timeout: "10m",
            retries: 2,
        },
        {
            name: t.installUpgrade(g),
            taskRef: ref(installTaskName(g.platform)),
            runAfter: [t.registerUpgrade(g)],
            params: [
                toolsImageArg,
                { name: "release-image", value: fromImage },
                { name: "run-id", value: "$(context.taskRun.uid)" },
                { name: "gate", value: upgradeGateName(g.platform) },
                { name: "skip-without-release", value: "true" },
            ],
            workspaces: e2e,
            timeout: gateTimeouts.installTask,
        },
        {
            name: t.pullSecretUpgrade(g),
            taskRef: ref(pullSecretTaskName),
            runAfter: [t.installUpgrade(g)],
            params: [{ name: "path", value: refreshedPullSecretPath(upgradeGateName(g.platform)) }],
            workspaces: e2e,
            timeout: gateTimeouts.mint,
            retries: 2,
        },
        {
            name: t.upgradeGate(g),
            taskRef: ref(upgradeGateTaskName(g.platform)),
            runAfter: [t.pullSecretUpgrade(g)],
            params: [
                toolsImageArg,
                { name: "release-image", value: payload },
                { name: "tests-image", value: `$(tasks.${t.assemble}.results.tests-image)` },
                { name: "upgrade-options", value: options },
            ],
            workspaces: e2e,
            timeout: upgradeTimeouts.task,
        },
    ];
    const gateTasks: PipelineTask[] =
        gates.length === 0
            ? []
            : [
                  // Minted like each gate's fresh one (a token request can fail transiently): bounded and retried.
                  {
                      name: t.pullSecret,
                      taskRef: ref(pullSecretTaskName),
                      runAfter: [t.assemble],
                      workspaces: e2e,
                      timeout: gateTimeouts.mint,
                      retries: 2,
                  },
                  // Each gate: prepare (metadata.json, no cloud resource) → register (metadata.json into artifact
                  // storage, for the cluster reaper) → the gate (create cluster, tests).
                  ...gates.flatMap((g) => [
                      {
                          name: t.prepare(g),
                          taskRef: ref(prepareTaskName(g.platform)),
                          runAfter: [t.pullSecret],
                          params: [
                              toolsImageArg,
                              { name: "release-image", value: payload },
                              { name: "run-id", value: "$(context.pipelineRun.uid)" },
                          ],
                          workspaces: e2e,
                          timeout: "30m",
                      },
                      {
                          name: t.register(g),
                          taskRef: ref(registerClusterTaskName),
                          runAfter: [t.prepare(g)],
                          params: [
                              toolsImageArg,
                              { name: "gate", value: g.platform },
                              { name: "release-image", value: payload },
                              { name: "pipeline-run", value: "$(context.pipelineRun.name)" },
                          ],
                          workspaces: e2e,
                          timeout: "10m",
                          retries: 2,
                      },
                  ]),
                  // Then: create cluster → a fresh pull secret (the install's may have expired: 1h on Artifact Registry,
                  // 3h on ACR) → its refresh on the cluster and the conformance suite.
                  ...gates.flatMap((g) => [
                      {
                          name: t.install(g),
                          taskRef: ref(installTaskName(g.platform)),
                          runAfter: [t.register(g)],
                          params: [
                              toolsImageArg,
                              { name: "release-image", value: payload },
                              { name: "run-id", value: "$(context.pipelineRun.uid)" },
                          ],
                          workspaces: e2e,
                          timeout: gateTimeouts.installTask,
                      },
                      {
                          name: t.pullSecretGate(g),
                          taskRef: ref(pullSecretTaskName),
                          runAfter: [t.install(g)],
                          params: [{ name: "path", value: refreshedPullSecretPath(g.platform) }],
                          workspaces: e2e,
                          timeout: gateTimeouts.mint,
                          retries: 2,
                      },
                      {
                          name: t.gate(g),
                          taskRef: ref(gateTaskName(g.platform)),
                          runAfter: [t.pullSecretGate(g)],
                          params: [
                              toolsImageArg,
                              { name: "tests-image", value: `$(tasks.${t.assemble}.results.tests-image)` },
                          ],
                          workspaces: e2e,
                          timeout: gateTimeouts.task,
                      },
                  ]),
                  ...(upgrade && upgradeAccess ? upgradeTasks(upgradeAccess, upgrade.options) : []),
              ];

    const gatesJson = `[${[
        ...gates.map(
            (g) =>
                `{"gate":"${g.platform}","blocking":${g.blocking},"outcome":"$(tasks.${t.gate(g)}.results.outcome)"}`,
        ),
        ...(upgrade && upgradeAccess
            ? [
                  `{"gate":"${upgradeGateName(upgradeAccess.platform)}","kind":"upgrade","blocking":${upgrade.blocking},` +
                      `"from":"$(tasks.${t.assemble}.results.upgrade-from-name)",` +
                      `"outcome":"$(tasks.${t.upgradeGate(upgradeAccess)}.results.outcome)",` +
                      `"reason":"$(tasks.${t.upgradeGate(upgradeAccess)}.results.reason)"}`,
              ]
            : []),
    ].join(",")}]`;
    const gateTaskNames = [...gates.map((g) => t.gate(g)), ...(upgradeAccess ? [t.upgradeGate(upgradeAccess)] : [])];
    const verdict: PipelineTask = {
        name: t.verdict,
        taskRef: ref(verdictTaskName),
        runAfter: gates.length === 0 ? [t.assemble] : gateTaskNames,
        params: [
            toolsImageArg,
            { name: "minor", value: "$(params.minor)" },
            { name: "name", value: `$(tasks.${t.assemble}.results.name)` },
            { name: "gates", value: gatesJson },
        ],
        retries: 2,
    };

    const destroys: PipelineTask[] = gates.map((g) => ({
        name: t.destroy(g),
        taskRef: ref(destroyTaskName(g.platform)),
        // A cluster whose install never started was never created; every other outcome (passed, failed, timed out,
        // cancelled, at any later task) may have left one.
        when: [{ input: `$(tasks.${t.install(g)}.status)`, operator: "notin", values: ["None"] }],
        params: [toolsImageArg, { name: "release-image", value: payload }],
        workspaces: e2e,
        // No Tekton retries: e2e-destroy.sh makes its attempts within this one timeout, so that the destroy and
        // finalize-record, which waits for it, both fit the finally budget.
        timeout: gateTimeouts.destroy,
    }));
    if (upgradeAccess) {
        const g = upgradeAccess;
        destroys.push({
            name: t.destroyUpgrade(g),
            taskRef: ref(destroyTaskName(g.platform)),
            // The install task creates the cluster: whatever became of it or of the upgrade, it may exist.
            when: [{ input: `$(tasks.${t.installUpgrade(g)}.status)`, operator: "notin", values: ["None"] }],
            // The cluster runs the earlier release (or, mid-upgrade, both): its installer destroys it.
            params: [
                toolsImageArg,
                { name: "release-image", value: `$(tasks.${t.assemble}.results.upgrade-from)` },
                { name: "gate", value: upgradeGateName(g.platform) },
            ],
            workspaces: e2e,
            timeout: gateTimeouts.destroy,
        });
    }

    return { gateTasks, verdict, destroys };
}
