import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { defaultProviderName, defaultProviderUrn, engineUrn, qualifiedType, rootStackType } from "../../src/synth/urn";
import { find, recorder, settled, useMocks } from "../helpers";
import { synthInProcess } from "./run";

/**
 * The engine's URN rule (pulumi/pulumi v3.248.0 pkg/resource/deploy/deployment.go `generateURN`): a resource's type is
 * prefixed by its parent's whole qualified type, so every ancestor's type appears outermost first, and the root Stack
 * never does. `npm run test:engine` checks the same URNs against a real `pulumi preview`.
 */
describe("engine URNs", () => {
    useMocks();

    describe("the rule", () => {
        const stack = "urn:pulumi:ci::okd-ci::pulumi:pulumi:Stack::okd-ci-ci";

        it("names the Stack and the resources directly under it without a Stack$ prefix", () => {
            assert.equal(engineUrn("ci", "okd-ci", "", rootStackType, "okd-ci-ci"), stack);
            assert.equal(
                engineUrn("ci", "okd-ci", stack, "okd-ci:tekton:Layer", "tekton"),
                "urn:pulumi:ci::okd-ci::okd-ci:tekton:Layer::tekton",
            );
        });

        it("chains every ancestor's type, outermost first", () => {
            const layer = engineUrn("ci", "okd-ci", stack, "okd-ci:tekton:Layer", "tekton");
            const secrets = engineUrn("ci", "okd-ci", layer, "okd-ci:tekton:PipelineSecrets", "tekton-secrets");
            assert.equal(
                engineUrn("ci", "okd-ci", secrets, "random:index/randomPassword:RandomPassword", "tekton-webhook"),
                "urn:pulumi:ci::okd-ci::okd-ci:tekton:Layer$okd-ci:tekton:PipelineSecrets$random:index/randomPassword:RandomPassword::tekton-webhook",
            );
        });

        it("keeps names that contain '::' whole and reads the type of such a URN", () => {
            const urn = engineUrn("ci", "okd-ci", stack, "okd-ci:x:C", "a::b");
            assert.equal(urn, "urn:pulumi:ci::okd-ci::okd-ci:x:C::a::b");
            assert.equal(qualifiedType(engineUrn("ci", "okd-ci", urn, "t:m:R", "c")), "okd-ci:x:C$t:m:R");
        });

        it("names default providers default_<major>_<minor>_<patch>[_<pre>…]", () => {
            assert.equal(defaultProviderName("4.34.2"), "default_4_34_2");
            assert.equal(defaultProviderName("v1.2.3-alpha.1+abc"), "default_1_2_3_alpha_1_abc");
            assert.equal(
                defaultProviderUrn("ci", "okd-ci", "kubernetes", "4.34.2"),
                "urn:pulumi:ci::okd-ci::pulumi:providers:kubernetes::default_4_34_2",
            );
            assert.throws(() => defaultProviderName("4.34"), /not a semantic version: 4.34/);
        });
    });

    describe("the recorder (the mocks every test and synth run under)", () => {
        class Outer extends pulumi.ComponentResource {
            constructor(name: string) {
                super("okd-ci:test:Outer", name, {});
                new Inner(`${name}-inner`, { parent: this });
            }
        }
        class Inner extends pulumi.ComponentResource {
            constructor(name: string, opts: pulumi.ComponentResourceOptions) {
                super("okd-ci:test:Inner", name, {}, opts);
                new random.RandomPassword(`${name}-password`, { length: 8 }, { parent: this });
            }
        }

        it("gives nested resources the engine's URNs, not the mock runtime's", async () => {
            new Outer("urn-outer");
            await settled();
            const outer = find("okd-ci:test:Outer", "urn-outer");
            const inner = find("okd-ci:test:Inner", "urn-outer-inner");
            const password = find("random:index/randomPassword:RandomPassword", "urn-outer-inner-password");
            assert.equal(outer.urn, "urn:pulumi:test::okd-ci::okd-ci:test:Outer::urn-outer");
            assert.equal(inner.urn, "urn:pulumi:test::okd-ci::okd-ci:test:Outer$okd-ci:test:Inner::urn-outer-inner");
            assert.equal(
                password.urn,
                "urn:pulumi:test::okd-ci::okd-ci:test:Outer$okd-ci:test:Inner$random:index/randomPassword:RandomPassword::urn-outer-inner-password",
            );
            assert.equal(password.parent, inner.urn);
            assert.equal(inner.parent, outer.urn);
        });

        it("records protect and retainOnDelete as the engine receives them", async () => {
            new random.RandomId("rec-kept", { byteLength: 4 }, { protect: true, retainOnDelete: true });
            new random.RandomId("rec-protected", { byteLength: 4 }, { protect: true });
            new random.RandomId("rec-plain", { byteLength: 4 }, { retainOnDelete: false });
            await settled();
            const flags = (name: string) => {
                const r = find("random:index/randomId:RandomId", name);
                return [r.protect, r.retainOnDelete];
            };
            assert.deepEqual(flags("rec-kept"), [true, true]);
            assert.deepEqual(flags("rec-protected"), [true, false]);
            assert.deepEqual(flags("rec-plain"), [false, false]);
        });

        it("finds exactly one resource by type and name, and names the others of the type when it cannot", async () => {
            new random.RandomId("find-a", { byteLength: 4 });
            new random.RandomString("find-a", { length: 4 });
            new random.RandomId("find-b", { byteLength: 4 });
            await settled();
            assert.equal(
                find("random:index/randomString:RandomString", "find-a").type,
                "random:index/randomString:RandomString",
            );
            assert.deepEqual(
                recorder()
                    .ofType("random:index/randomId:RandomId")
                    .map((r) => r.name)
                    .filter((n) => n.startsWith("find-")),
                ["find-a", "find-b"],
            );
            assert.throws(
                () => find("random:index/randomId:RandomId", "find-c"),
                (err: Error) =>
                    err.message.startsWith(
                        "expected one random:index/randomId:RandomId named find-c, found 0; random:index/randomId:RandomId names: ",
                    ) &&
                    err.message.includes("find-a, find-b") &&
                    !err.message.includes("RandomString"),
            );
        });

        it("answers an invoke from its table and refuses one it does not know", async () => {
            const partition = await pulumi.runtime.invoke("aws:index/getPartition:getPartition", {});
            assert.equal(partition.partition, "aws");
            assert.deepEqual(recorder().calls.at(-1), { token: "aws:index/getPartition:getPartition", inputs: {} });
            // The mock runtime turns the error into a rejection without its message; the recorder's own is the guide.
            await assert.rejects(pulumi.runtime.invoke("aws:index/getRegion:getRegion", {}));
            assert.throws(
                () =>
                    recorder().call({
                        token: "aws:index/getRegion:getRegion",
                        inputs: {},
                    } as pulumi.runtime.MockCallArgs),
                new Error(
                    "unexpected invoke aws:index/getRegion:getRegion: add it to src/synth/invokes.ts with a placeholder result",
                ),
            );
        });
    });

    describe("the ci stack's plan", () => {
        it("has every URN equal to the engine rule applied to its parent chain", async () => {
            const { plan } = await synthInProcess("ci");
            const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
            assert.ok(plan.resources.length > 10);
            for (const r of plan.resources) {
                assert.doesNotMatch(r.urn, /pulumi:pulumi:Stack\$/, r.urn);
                if (r.type !== rootStackType) {
                    assert.ok(byUrn.has(r.parent), `${r.urn}: parent ${r.parent} is not in the plan`);
                }
                assert.equal(r.urn, engineUrn("ci", "okd-ci", r.parent, r.type, r.name));
                for (const dep of r.dependencies) assert.ok(byUrn.has(dep), `${r.urn}: dependency ${dep} unknown`);
            }
            // Nested components keep every ancestor: the Tekton layer's secrets are two components deep.
            assert.ok(
                plan.resources.some((r) => qualifiedType(r.urn).split("$").length >= 3),
                "expected a resource under two components",
            );
        });
    });
});
