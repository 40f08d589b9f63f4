/**
 * The nightly's e2e gates, after assembly: the pull secret, then for each gate prepare (metadata.json, no cloud
 * resource) → register (for the cluster reaper) → the gate (create a cluster, run the tests); the upgrade gate; the
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
    prepareTaskName,
    pullSecretTaskName,
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
    const gateTasks: PipelineTask[] =
        gates.length === 0
            ? []
            : [
                  { name: t.pullSecret, taskRef: ref(pullSecretTaskName), runAfter: [t.assemble], workspaces: e2e },
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
                  ...gates.map((g) => ({
                      name: t.gate(g),
                      taskRef: ref(gateTaskName(g.platform)),
                      runAfter: [t.register(g)],
                      params: [
                          toolsImageArg,
                          { name: "release-image", value: payload },
                          { name: "tests-image", value: `$(tasks.${t.assemble}.results.tests-image)` },
                          { name: "run-id", value: "$(context.pipelineRun.uid)" },
                      ],
                      workspaces: e2e,
                      timeout: gateTimeouts.task,
                  })),
                  ...(upgrade && upgradeAccess
                      ? [
                            {
                                name: t.upgradeGate(upgradeAccess),
                                taskRef: ref(upgradeGateTaskName(upgradeAccess.platform)),
                                runAfter: [t.pullSecret],
                                params: [
                                    toolsImageArg,
                                    { name: "from-image", value: `$(tasks.${t.assemble}.results.upgrade-from)` },
                                    { name: "release-image", value: payload },
                                    { name: "tests-image", value: `$(tasks.${t.assemble}.results.tests-image)` },
                                    // Its own cluster name beside the install gate's on the same cloud.
                                    { name: "run-id", value: "$(context.taskRun.uid)" },
                                    { name: "upgrade-options", value: upgrade.options },
                                ],
                                workspaces: e2e,
                                timeout: upgradeTimeouts.task,
                            },
                        ]
                      : []),
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
        // A gate that never started created nothing; every other outcome (passed, failed, timed out, cancelled) may have.
        when: [{ input: `$(tasks.${t.gate(g)}.status)`, operator: "notin", values: ["None"] }],
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
            when: [{ input: `$(tasks.${t.upgradeGate(g)}.status)`, operator: "notin", values: ["None"] }],
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
