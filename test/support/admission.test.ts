import * as assert from "node:assert/strict";

import { buildNodeSize } from "../../components/tekton/namespace";
import { listStacks } from "../../src/synth/stackfile";
import { root } from "../synth/run";
import { type PodReport, type ValidateResult, quantity, validateStack } from "./tekton-validate";

/**
 * The TaskRun pods of every stack as the API server admits them: Tekton's pod builder, then LimitRange defaulting,
 * pod validation and the ResourceQuota (tekton-validate, test/tools/go/tekton-validate/pod.go).
 */
describe("TaskRun pod admission (LimitRange and ResourceQuota of okd-builds)", () => {
    for (const stack of listStacks(root)) {
        describe(`stack ${stack}`, () => {
            let result: ValidateResult;
            before(async function () {
                this.timeout(180_000);
                result = await validateStack(stack);
            });

            it("admits every container of every TaskRun pod", () => {
                const admission = result.problems.filter((p) => / pod |quota|LimitRange/.test(p));
                assert.deepEqual(admission, []);
                assert.ok(result.pods.length > 0);
                assert.deepEqual(
                    result.pods.filter((p) => !p.admitted).map((p) => p.label),
                    [],
                );
            });

            it("gives every container a memory limit no lower than its request", () => {
                for (const pod of result.pods) {
                    for (const c of pod.containers) {
                        assert.ok(c.limits.memory, `${pod.label}: ${c.name} has no memory limit`);
                        assert.ok(
                            quantity(c.limits.memory) >= quantity(c.requests.memory),
                            `${pod.label}: ${c.name} requests ${c.requests.memory} above its limit ${c.limits.memory}`,
                        );
                    }
                }
            });

            it("sizes the oc release steps for a full payload instead of the 1 GiB default", () => {
                const oc = [
                    ...container(result.pods, "okd-assemble-release", "step-assemble"),
                    ...container(result.pods, "okd-promote-release", "step-mirror"),
                ];
                assert.ok(oc.length > 0);
                for (const c of oc) {
                    assert.ok(quantity(c.requests.memory) >= 2 * 2 ** 30, `${c.name} requests ${c.requests.memory}`);
                    assert.ok(quantity(c.limits.memory) >= 4 * 2 ** 30, `${c.name} is limited to ${c.limits.memory}`);
                }
            });

            it("fits every TaskRun pod on one build node", () => {
                for (const pod of result.pods) {
                    assert.ok(quantity(pod.pod["requests.cpu"]) <= buildNodeSize.cpu, `${pod.label}: cpu`);
                    assert.ok(
                        quantity(pod.pod["requests.memory"]) <= buildNodeSize.memoryGb * 2 ** 30,
                        `${pod.label}: memory`,
                    );
                }
            });
        });
    }
});

function container(pods: PodReport[], task: string, name: string): PodReport["containers"] {
    return pods.filter((p) => p.task === task).flatMap((p) => p.containers.filter((c) => c.name === name));
}
