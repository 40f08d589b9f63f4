/**
 * The test mock runtime (test/helpers.ts): each suite that calls `useMocks()` sees its own registrations only, nested
 * suites give the outer one back, and a resource no such suite owns fails the test that made it. And the whole
 * point: component tests pass a second time in the same process, as StrykerJS runs them.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { assertNothingUnowned, find, recorder, settled, under, useMocks } from "../helpers";
import { root } from "../synth/run";

const exec = promisify(execFile);

describe("test mock runtime", () => {
    describe("a suite with useMocks()", () => {
        useMocks();
        before(async () => {
            new k8s.core.v1.Namespace("mocks-a", { metadata: { name: "a" } });
            await settled();
        });

        it("records its resources with the stack and project the program sees", () => {
            assert.deepEqual(find("kubernetes:core/v1:Namespace", "mocks-a").inputs.metadata, { name: "a" });
            assert.equal(pulumi.getStack(), "test");
            assert.equal(pulumi.getProject(), "okd-ci");
        });

        describe("and a nested one", () => {
            useMocks({ stack: "nested" });
            before(async () => {
                new k8s.core.v1.Namespace("mocks-a", { metadata: { name: "inner" } });
                await settled();
            });

            it("sees only its own registrations, under its own stack name", () => {
                assert.deepEqual(
                    under("mocks-a").map((r) => r.inputs.metadata),
                    [{ name: "inner" }],
                );
                assert.equal(pulumi.getStack(), "nested");
            });
        });

        describe("after the nested one", () => {
            it("has its own recorder and stack back", async () => {
                assert.equal(pulumi.getStack(), "test");
                new k8s.core.v1.Namespace("mocks-b", {});
                await settled();
                assert.deepEqual(
                    recorder().resources.map((r) => r.name),
                    ["mocks-a", "mocks-b"],
                );
            });
        });
    });

    describe("another suite with useMocks()", () => {
        useMocks();

        it("starts empty, whatever ran before it", () => {
            assert.deepEqual(recorder().resources, []);
        });
    });

    describe("a suite without useMocks()", () => {
        it("has no recorder to read", () => {
            assert.throws(() => recorder(), /no mock runtime here: call useMocks\(\) first/);
        });

        it("fails naming a resource created outside any useMocks() suite", async () => {
            const stray = new k8s.core.v1.Namespace("mocks-stray", {});
            await new Promise<void>((resolve) => stray.urn.apply(() => resolve()));
            assert.throws(
                () => assertNothingUnowned(),
                /^Error: resources registered outside a suite that called useMocks\(\) \(test\/helpers\.ts\): kubernetes:core\/v1:Namespace mocks-stray$/,
            );
            // Reported once: the root afterEach hook finds nothing left.
            assert.doesNotThrow(() => assertNothingUnowned());
        });
    });

    it("runs component tests twice in one process with the same result, as StrykerJS does", async () => {
        const files = ["test/components/tekton/install.test.ts", "test/components/pipelines/pipelines.test.ts"];
        const { code, stdout } = await exec(process.execPath, ["--import", "tsx", "test/support/rerun.ts", ...files], {
            cwd: root,
            maxBuffer: 16 << 20,
        }).then(
            (r) => ({ code: 0, stdout: r.stdout }),
            (err: { code?: number; stdout?: string }) => ({ code: err.code ?? 1, stdout: err.stdout ?? "" }),
        );
        assert.equal(code, 0, stdout);
        const runs = [...stdout.matchAll(/^run (\d): (\d+) passing, (\d+) failing$/gm)].map((m) => [
            Number(m[2]),
            Number(m[3]),
        ]);
        assert.equal(runs.length, 2, stdout);
        assert.ok(runs[0][0] > 40, stdout);
        assert.deepEqual(runs[1], runs[0]);
        assert.equal(runs[0][1], 0);
    });
});
