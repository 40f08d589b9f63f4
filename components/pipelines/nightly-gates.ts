/**
 * The nightly's e2e gates, after assembly: the pull secret, then for each gate prepare (metadata.json, no cloud
 * resource) → register (for the cluster reaper) → install (create the cluster) → a fresh pull secret → the gate
 * (refresh the cluster's pull secret, run the tests); the upgrade gate the same way from the earlier release; the
 * gates as the verdict (in finalize-record, `finally`) reads them; and the finally tasks that destroy every cluster a
 * gate may have created.
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
import { type PipelineTask, ref } from "./tekton";

/**
 * The gate tasks of a nightly, the `gates` param of the verdict (decided in finalize-record) and the finally destroys,
 * for `gates` and the stream's upgrade gate (`upgrade`, run on `upgradeAccess`). Without gates the verdict has no gate
 * (`[]`: accepted) and nothing is destroyed.
 */
export function nightlyGateTasks(
    t: typeof nightlyTasks,
    gates: GateAccess[],
    upgrade: UpgradeGate | undefined,
    upgradeAccess: GateAccess | undefined,
): { gateTasks: PipelineTask[]; verdictGates: string; destroys: PipelineTask[] } {
    const payload = `$(tasks.${t.assemble}.results.IMAGE_URL)@$(tasks.${t.assemble}.results.IMAGE_DIGEST)`;
    const e2e = [{ name: e2eWorkspace, workspace: e2eWorkspace }];
    const fromImage = `$(tasks.${t.assemble}.results.upgrade-from)`;
    /**
     * A gate's cluster, in two halves: before it exists, prepare (installer, manifests, ignition: metadata.json, no
     * cloud resource) → register (metadata.json into artifact storage, for the cluster reaper); then install (create
     * the cluster) → a fresh pull-only secret for it (the install's may have expired: 1h on Artifact Registry, 3h on
     * ACR). An install gate installs the payload under the run's uid; the upgrade gate installs the earlier release
     * under its own TaskRun's uid (its own cluster name beside the install gate's on the same cloud), in its own
     * directory, skipping everything when there is no earlier release; its registration names that release, whose
     * installer destroys it.
     */
    const cluster = (
        g: GateAccess,
        c: {
            names: { prepare: string; register: string; install: string; mint: string };
            gate: string;
            release: string;
            runId: string;
            upgrade: boolean;
        },
    ): { before: PipelineTask[]; after: PipelineTask[] } => {
        const own = c.upgrade
            ? [
                  { name: "gate", value: c.gate },
                  { name: "skip-without-release", value: "true" },
              ]
            : [];
        return {
            before: [
                {
                    name: c.names.prepare,
                    taskRef: ref(prepareTaskName(g.platform)),
                    runAfter: [t.pullSecret],
                    params: [
                        toolsImageArg,
                        { name: "release-image", value: c.release },
                        { name: "run-id", value: c.runId },
                        ...own,
                    ],
                    workspaces: e2e,
                    timeout: "30m",
                },
                {
                    name: c.names.register,
                    taskRef: ref(registerClusterTaskName),
                    runAfter: [c.names.prepare],
                    params: [
                        toolsImageArg,
                        { name: "gate", value: c.gate },
                        { name: "release-image", value: c.release },
                        { name: "pipeline-run", value: "$(context.pipelineRun.name)" },
                    ],
                    workspaces: e2e,
                    timeout: "10m",
                    retries: 2,
                },
            ],
            after: [
                {
                    name: c.names.install,
                    taskRef: ref(installTaskName(g.platform)),
                    runAfter: [c.names.register],
                    params: [
                        toolsImageArg,
                        { name: "release-image", value: c.release },
                        { name: "run-id", value: c.runId },
                        ...own,
                    ],
                    workspaces: e2e,
                    timeout: gateTimeouts.installTask,
                },
                {
                    name: c.names.mint,
                    taskRef: ref(pullSecretTaskName),
                    runAfter: [c.names.install],
                    params: [{ name: "path", value: refreshedPullSecretPath(c.gate) }],
                    workspaces: e2e,
                    timeout: gateTimeouts.mint,
                    retries: 2,
                },
            ],
        };
    };
    const installGate = (g: GateAccess) =>
        cluster(g, {
            names: { prepare: t.prepare(g), register: t.register(g), install: t.install(g), mint: t.pullSecretGate(g) },
            gate: g.platform,
            release: payload,
            runId: "$(context.pipelineRun.uid)",
            upgrade: false,
        });
    // The upgrade gate: its cluster of the earlier release, then the refresh of the cluster's pull secret and the upgrade.
    const upgradeTasks = (g: GateAccess, options: string): PipelineTask[] => {
        const { before, after } = cluster(g, {
            names: {
                prepare: t.prepareUpgrade(g),
                register: t.registerUpgrade(g),
                install: t.installUpgrade(g),
                mint: t.pullSecretUpgrade(g),
            },
            gate: upgradeGateName(g.platform),
            release: fromImage,
            runId: "$(context.taskRun.uid)",
            upgrade: true,
        });
        return [
            ...before,
            ...after,
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
    };
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
                  // Every gate's cluster prepared and registered, then each created, given its fresh pull secret, and
                  // its conformance suite run (after the refresh of the cluster's pull secret).
                  ...gates.flatMap((g) => installGate(g).before),
                  ...gates.flatMap((g) => [
                      ...installGate(g).after,
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

    /**
     * The gates for the verdict, which finalize-record decides in `finally` (verdict.sh): each gate's chain of tasks
     * with its `$(tasks.<t>.status)`, never a gate task's results (Tekton skips a finally task that references a result
     * its task never wrote: one failed gate task would skip the verdict). The gates write their outcomes to the e2e
     * workspace (e2e-test.sh); a gate whose chain did not succeed counts as failed, the task named.
     */
    const chain = (names: string[]) => names.map((n) => `${n}=$(tasks.${n}.status)`).join(" ");
    const verdictGates = `[${[
        ...gates.map(
            (g) =>
                `{"gate":"${g.platform}","blocking":${g.blocking},"tasks":"${chain([
                    t.pullSecret,
                    t.prepare(g),
                    t.register(g),
                    t.install(g),
                    t.pullSecretGate(g),
                    t.gate(g),
                ])}"}`,
        ),
        ...(upgrade && upgradeAccess
            ? [
                  `{"gate":"${upgradeGateName(upgradeAccess.platform)}","kind":"upgrade","blocking":${upgrade.blocking},` +
                      `"from":"$(tasks.${t.assemble}.results.upgrade-from-name)",` +
                      `"tasks":"${chain([
                          t.pullSecret,
                          t.prepareUpgrade(upgradeAccess),
                          t.registerUpgrade(upgradeAccess),
                          t.installUpgrade(upgradeAccess),
                          t.pullSecretUpgrade(upgradeAccess),
                          t.upgradeGate(upgradeAccess),
                      ])}"}`,
              ]
            : []),
    ].join(",")}]`;

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

    return { gateTasks, verdictGates, destroys };
}
