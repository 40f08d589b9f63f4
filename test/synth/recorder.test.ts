/**
 * The recorder (src/synth/recorder.ts): the Pulumi mocks that every component test and the offline synth run under.
 * What it records is what the plan, the manifests and the policy pack read, so each field is pinned here against a
 * registration whose request is known: the wire form the engine would receive (secrets, unknowns and resource
 * references keep their signatures, from @pulumi/pulumi runtime/rpc) and the plain inputs the tests read.
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { defaultInvokes } from "../../src/synth/invokes";
import { Recorder, sig, transform, unwrap } from "../../src/synth/recorder";
import { find, recorder, settled, useMocks } from "../helpers";

/** The arguments the mock runtime passes to `newResource`, with only what a case sets. */
const resourceArgs = (a: Partial<pulumi.runtime.MockResourceArgs>): pulumi.runtime.MockResourceArgs => ({
    type: "random:index/randomId:RandomId",
    name: "r",
    inputs: {},
    provider: "",
    custom: true,
    ...a,
});

describe("synth recorder", () => {
    describe("unwrap and transform (wire form to plain values)", () => {
        const urn = "urn:pulumi:ci::okd-ci::random:index/randomId:RandomId::a";

        it("unwraps secrets at any depth, drops unknowns and turns resource references into their URN", () => {
            assert.deepEqual(
                unwrap({
                    secret: { [sig.key]: sig.secret, value: { nested: { [sig.key]: sig.secret, value: "hunter2" } } },
                    unknown: sig.unknown,
                    ref: { [sig.key]: sig.resource, urn, id: "a-id" },
                    list: [sig.unknown, "plain", 3, null, true, [{ [sig.key]: sig.secret, value: 1 }]],
                    nothing: null,
                }),
                {
                    secret: { nested: "hunter2" },
                    unknown: undefined,
                    ref: urn,
                    list: [undefined, "plain", 3, null, true, [1]],
                    nothing: null,
                },
            );
        });

        it("reads output values: a secret one unwrapped, a known one transformed, one without a value unknown", () => {
            assert.deepEqual(
                unwrap({
                    secretOutput: { [sig.key]: sig.outputValue, value: "hunter2", secret: true },
                    known: { [sig.key]: sig.outputValue, value: { inner: sig.unknown, kept: "k" } },
                    falsy: { [sig.key]: sig.outputValue, value: 0, secret: false },
                    pending: { [sig.key]: sig.outputValue, secret: false },
                }),
                { secretOutput: "hunter2", known: { inner: undefined, kept: "k" }, falsy: 0, pending: undefined },
            );
        });

        it("names assets and archives by their path, else their URI, else [asset]", () => {
            assert.deepEqual(
                unwrap([
                    { [sig.key]: sig.asset, path: "/a/file", uri: "https://x/y" },
                    { [sig.key]: sig.asset, uri: "https://x/y" },
                    { [sig.key]: sig.asset, text: "inline" },
                    { [sig.key]: sig.archive, path: "/a/dir" },
                    { [sig.key]: sig.archive, uri: "file:///a.zip" },
                    { [sig.key]: sig.archive, assets: {} },
                ]),
                ["/a/file", "https://x/y", "[asset]", "/a/dir", "file:///a.zip", "[asset]"],
            );
        });

        it("hands each signature to the transform's own callback, with the raw inner value", () => {
            const seen: string[] = [];
            const t = {
                secret: (inner: unknown) => {
                    seen.push(`secret ${JSON.stringify(inner)}`);
                    return "S";
                },
                unknown: () => {
                    seen.push("unknown");
                    return "U";
                },
                resource: (u: string) => {
                    seen.push(`resource ${u}`);
                    return "R";
                },
            };
            assert.deepEqual(
                transform(
                    {
                        a: { [sig.key]: sig.secret, value: { b: sig.unknown } },
                        c: sig.unknown,
                        d: { [sig.key]: sig.resource, urn: 7 },
                        e: { [sig.key]: sig.outputValue, value: "v", secret: true },
                        f: { [sig.key]: sig.outputValue },
                        g: { [sig.key]: "not a signature", h: sig.unknown },
                    },
                    t,
                ),
                { a: "S", c: "U", d: "R", e: "S", f: "U", g: { [sig.key]: "not a signature", h: "U" } },
            );
            // The secret callback gets the value as it is (its unknown not yet replaced); a URN is made a string.
            assert.deepEqual(seen, [
                `secret {"b":"${sig.unknown}"}`,
                "unknown",
                "resource 7",
                'secret "v"',
                "unknown",
                "unknown",
            ]);
        });

        it("uses the signatures of @pulumi/pulumi runtime/rpc", async () => {
            const rpc = await import("@pulumi/pulumi/runtime/rpc");
            assert.equal(sig.key, rpc.specialSigKey);
            assert.equal(sig.secret, rpc.specialSecretSig);
            assert.equal(sig.resource, rpc.specialResourceSig);
            assert.equal(sig.outputValue, rpc.specialOutputValueSig);
            assert.equal(sig.asset, rpc.specialAssetSig);
            assert.equal(sig.archive, rpc.specialArchiveSig);
            assert.equal(sig.unknown, rpc.unknownValue);
        });
    });

    describe("the mock answers", () => {
        it("gives custom resources an id after up, none in a preview, and never to a component", () => {
            const inputs = { byteLength: 4 };
            assert.deepEqual(new Recorder().newResource(resourceArgs({ name: "a", inputs })), {
                id: "a-id",
                state: inputs,
            });
            assert.deepEqual(new Recorder({ ids: true }).newResource(resourceArgs({ name: "b" })).id, "b-id");
            assert.equal(new Recorder({ ids: false }).newResource(resourceArgs({ name: "c" })).id, undefined);
            assert.equal(new Recorder({}).newResource(resourceArgs({ name: "d", custom: false })).id, undefined);
        });

        it("answers invokes from the default table unless the options replace an entry, and keeps every call", () => {
            const own = new Recorder({
                invokes: { "aws:index/getRegion:getRegion": (inputs) => ({ name: "eu-west-3", asked: inputs }) },
            });
            assert.deepEqual(own.call({ token: "aws:index/getRegion:getRegion", inputs: { a: 1 } } as never), {
                name: "eu-west-3",
                asked: { a: 1 },
            });
            const token = Object.keys(defaultInvokes)[0];
            assert.deepEqual(
                own.call({ token, inputs: {} } as never),
                defaultInvokes[token]({}),
                "the default table stays under the options' entries",
            );
            assert.deepEqual(own.calls, [
                { token: "aws:index/getRegion:getRegion", inputs: { a: 1 } },
                { token, inputs: {} },
            ]);
            const plain = new Recorder();
            assert.throws(() => plain.call({ token: "aws:index/getRegion:getRegion", inputs: {} } as never));
            assert.deepEqual(plain.calls, [{ token: "aws:index/getRegion:getRegion", inputs: {} }]);
        });
    });

    describe("a registration after up", () => {
        useMocks();

        class Box extends pulumi.ComponentResource {
            constructor(name: string) {
                super("okd-ci:test:Box", name, {});
            }
        }

        it("records type, name, custom, parent, provider, sorted dependencies, ignoreChanges and inputs", async () => {
            const box = new Box("rec-box");
            const provider = new random.Provider("rec-provider", {});
            const zeta = new random.RandomId("rec-zeta", { byteLength: 4 });
            const alpha = new random.RandomId("rec-alpha", { byteLength: 4 });
            new random.RandomPassword(
                "rec-password",
                {
                    length: 12,
                    keepers: { plain: "p", secret: pulumi.secret("hunter2"), fromOther: alpha.id },
                },
                { parent: box, provider, dependsOn: [zeta], ignoreChanges: ["length", "keepers"] },
            );
            new random.RandomId("rec-bare", { byteLength: 2 });
            await settled();

            const r = find("random:index/randomPassword:RandomPassword", "rec-password");
            const boxUrn = find("okd-ci:test:Box", "rec-box").urn;
            const providerRecord = find("pulumi:providers:random", "rec-provider");
            assert.equal(r.type, "random:index/randomPassword:RandomPassword");
            assert.equal(r.name, "rec-password");
            assert.equal(r.custom, true);
            assert.equal(r.parent, boxUrn);
            assert.equal(r.provider, `${providerRecord.urn}::rec-provider-id`);
            assert.deepEqual(r.dependencies, [
                find("random:index/randomId:RandomId", "rec-alpha").urn,
                find("random:index/randomId:RandomId", "rec-zeta").urn,
            ]);
            assert.deepEqual(r.ignoreChanges, ["length", "keepers"]);
            assert.equal(r.protect, false);
            assert.equal(r.retainOnDelete, false);
            // Wire form: the secret keeps its signature; inputs: plain values, as a test reads them.
            assert.deepEqual(r.object, {
                length: 12,
                keepers: { plain: "p", secret: { [sig.key]: sig.secret, value: "hunter2" }, fromOther: "rec-alpha-id" },
            });
            assert.deepEqual(r.inputs, {
                length: 12,
                keepers: { plain: "p", secret: "hunter2", fromOther: "rec-alpha-id" },
            });

            const b = find("okd-ci:test:Box", "rec-box");
            assert.equal(b.custom, false);
            assert.equal(b.parent, "");
            assert.equal(b.provider, "");
            assert.deepEqual(b.dependencies, []);
            assert.deepEqual(b.ignoreChanges, []);

            const bare = find("random:index/randomId:RandomId", "rec-bare");
            assert.equal(bare.provider, "", "the default provider is named by an empty reference");
            assert.deepEqual(bare.object, { byteLength: 2 });
            assert.deepEqual(bare.inputs, { byteLength: 2 });
        });

        it("names how many it found, and the others of the type, when a name is registered twice", async () => {
            new random.RandomId("rec-twice", { byteLength: 4 });
            new random.RandomId("rec-twice", { byteLength: 8 });
            await settled();
            assert.throws(
                () => find("random:index/randomId:RandomId", "rec-twice"),
                (err: Error) =>
                    /^expected one random:index\/randomId:RandomId named rec-twice, found 2; random:index\/randomId:RandomId names: .*rec-twice, rec-twice/.test(
                        err.message,
                    ) && !/rec-password|rec-box/.test(err.message),
            );
            assert.equal(
                recorder()
                    .ofType("random:index/randomId:RandomId")
                    .filter((x) => x.name === "rec-twice").length,
                2,
            );
            assert.deepEqual(recorder().ofType("okd-ci:test:Nothing"), []);
        });
    });

    describe("a registration the engine refuses", () => {
        useMocks();

        /** Mocks that fail one registration, as the engine fails a resource it cannot register. */
        class Refusing extends Recorder {
            override newResource(args: pulumi.runtime.MockResourceArgs) {
                if (args.name === "refused") throw new Error("refused by the engine");
                return super.newResource(args);
            }
        }

        it("is not recorded, and its error reaches the program", async () => {
            const refusing = new Refusing();
            await refusing.install("okd-ci", "test", false);
            try {
                const refused = new random.RandomId("refused", { byteLength: 4 });
                new random.RandomId("accepted", { byteLength: 4 });
                // An Output's `promise()` is internal to @pulumi/pulumi (not in its typings); `apply` never runs on a
                // rejected Output, so it is the one way to see the error the program would get.
                const urn = refused.urn as unknown as { promise(): Promise<string> };
                await assert.rejects(urn.promise(), /refused by the engine/);
                await refusing.settle();
                assert.deepEqual(
                    refusing.resources.map((r) => r.name),
                    ["accepted"],
                );
            } finally {
                await recorder().install("okd-ci", "test", false);
            }
        });
    });

    describe("a registration in a preview", () => {
        useMocks({ preview: true, ids: false });

        it("records an input known only after apply as the unknown signature, and as undefined in inputs", async () => {
            const first = new random.RandomId("prev-first", { byteLength: 4 });
            new random.RandomPassword("prev-second", { length: 8, keepers: { id: first.id, fixed: "f" } });
            await settled();
            const second = find("random:index/randomPassword:RandomPassword", "prev-second");
            assert.deepEqual(second.object, { length: 8, keepers: { id: sig.unknown, fixed: "f" } });
            assert.deepEqual(second.inputs, { length: 8, keepers: { id: undefined, fixed: "f" } });
            assert.deepEqual(second.dependencies, [find("random:index/randomId:RandomId", "prev-first").urn]);
        });
    });
});
