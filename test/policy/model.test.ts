import * as assert from "node:assert/strict";

import {
    UnknownValueError,
    arr,
    at,
    boundSubjects,
    dependenciesOf,
    guardUnknowns,
    isPipelineServiceAccount,
    isUnknownPlaceholder,
    isUnknownValueError,
    known,
    namesPipelineSubject,
    obj,
    ofType,
    pipelineNamespaces,
    readKnown,
    serves,
    str,
} from "../../policy/model";
import { fromPlanResource } from "../../policy/plan";
import { UNKNOWN, res } from "./fixtures";

describe("policy model", () => {
    describe("unknown values", () => {
        it("recognises its own error and CrossGuard's, which sets no name", () => {
            assert.equal(isUnknownValueError(new UnknownValueError("a.b")), true);
            // CrossGuard's class is also called UnknownValueError but leaves `name` as "Error".
            class UnknownValueErrorLike extends Error {}
            Object.defineProperty(UnknownValueErrorLike, "name", { value: "UnknownValueError" });
            assert.equal(isUnknownValueError(new UnknownValueErrorLike("x")), true);
            const named = new Error("x");
            named.name = "UnknownValueError";
            assert.equal(isUnknownValueError(named), true);
            assert.equal(isUnknownValueError(new Error("x")), false);
            assert.equal(isUnknownValueError({ name: "UnknownValueError" }), false);
            assert.equal(new UnknownValueError("a.b").message, "the value at a.b is only known after apply");
            assert.equal(new UnknownValueError("a.b").path, "a.b");
            assert.equal(new UnknownValueError("a.b").name, "UnknownValueError");
        });

        it("reads a known value, marks an unknown one and rethrows any other error", () => {
            assert.deepEqual(
                readKnown(() => 1),
                { known: true, value: 1 },
            );
            assert.deepEqual(
                readKnown(() => {
                    throw new UnknownValueError("x");
                }),
                { known: false },
            );
            assert.throws(
                () =>
                    readKnown(() => {
                        throw new TypeError("boom");
                    }),
                /boom/,
            );
            assert.equal(
                known(() => "v"),
                "v",
            );
            assert.equal(
                known(() => {
                    throw new UnknownValueError("x");
                }),
                undefined,
            );
        });

        it("recognises synth's placeholder for an unknown value, and nothing else", () => {
            assert.equal(isUnknownPlaceholder(UNKNOWN), true);
            assert.equal(isUnknownPlaceholder("[unknown: arn of aws:iam/role:Role]"), true);
            assert.equal(isUnknownPlaceholder("[unknown: ]"), true);
            assert.equal(isUnknownPlaceholder("x[unknown: a]"), false);
            assert.equal(isUnknownPlaceholder("[unknown: a]x"), false);
            assert.equal(isUnknownPlaceholder("[unknown: a] b]"), false);
            assert.equal(isUnknownPlaceholder("[unknown:a]"), false);
            assert.equal(isUnknownPlaceholder(["[unknown: a]"]), false);
        });

        it("throws on reading an unknown, naming its path, and passes everything else through", () => {
            const value = guardUnknowns({
                a: { b: UNKNOWN, c: 1 },
                list: ["x", UNKNOWN, { d: UNKNOWN }],
                top: UNKNOWN,
                n: null,
            });
            assert.equal(value.a.c, 1);
            assert.equal(value.list[0], "x");
            assert.equal(value.n, null);
            assert.equal(value.list.length, 3);
            const thrown = (read: () => unknown) => {
                try {
                    read();
                } catch (err) {
                    assert.ok(err instanceof UnknownValueError);
                    return err.path;
                }
                assert.fail("expected an UnknownValueError");
            };
            assert.equal(
                thrown(() => value.a.b),
                "a.b",
            );
            assert.equal(
                thrown(() => value.top),
                "top",
            );
            assert.equal(
                thrown(() => value.list[1]),
                "list[1]",
            );
            assert.equal(
                thrown(() => (value.list[2] as { d: unknown }).d),
                "list[2].d",
            );
            assert.equal(
                thrown(() => guardUnknowns({ x: { y: UNKNOWN } }, "props").x.y),
                "props.x.y",
            );
            // Symbol keys (iteration, inspection) are not values of the document.
            assert.deepEqual([...guardUnknowns(["a", "b"])], ["a", "b"]);
            assert.equal(guardUnknowns("s"), "s");
            assert.equal(guardUnknowns(null), null);
        });
    });

    describe("readers", () => {
        it("reads objects, arrays and strings defensively", () => {
            assert.deepEqual(obj({ a: 1 }), { a: 1 });
            assert.equal(obj([1]), undefined);
            assert.equal(obj(null), undefined);
            assert.equal(obj("a"), undefined);
            assert.deepEqual(arr([1, 2]), [1, 2]);
            assert.deepEqual(arr("a"), ["a"]);
            assert.deepEqual(arr(0), [0]);
            assert.deepEqual(arr(undefined), []);
            assert.deepEqual(arr(null), []);
            assert.equal(str("a"), "a");
            assert.equal(str(1), undefined);
        });

        it("follows a dotted path, undefined where a step is missing", () => {
            const v = { a: { b: { c: 3 } }, s: "x" };
            assert.equal(at(v, "a.b.c"), 3);
            assert.deepEqual(at(v, "a.b"), { c: 3 });
            assert.equal(at(v, "a.x.c"), undefined);
            assert.equal(at(v, "s.length"), undefined);
            assert.equal(at("x", "a"), undefined);
        });

        const bucket = res("aws:s3/bucketV2:BucketV2", "artifacts", { bucket: "okd-artifacts" });
        const other = res("aws:s3/bucketV2:BucketV2", "other", { bucket: "okd-other" });
        const pab = res(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "pab",
            { bucket: UNKNOWN },
            {
                dependsOn: [bucket],
            },
        );
        const byName = res("aws:s3/bucketPolicy:BucketPolicy", "policy", { bucket: "okd-artifacts" });
        const [b, o, p, n] = [bucket, other, pab, byName].map(fromPlanResource);

        it("selects resources by type and by dependency", () => {
            assert.deepEqual(
                ofType([b, o, p], "aws:s3/bucketV2:BucketV2").map((r) => r.name),
                ["artifacts", "other"],
            );
            assert.deepEqual(
                ofType([b, o, p], "x", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").map((r) => r.name),
                ["pab"],
            );
            assert.deepEqual(
                dependenciesOf(p, [b, o, p], "aws:s3/bucketV2:BucketV2").map((r) => r.name),
                ["artifacts"],
            );
            assert.deepEqual(dependenciesOf(p, [b, o, p], "x"), []);
        });

        it("relates a child to its parent by dependency or by the same known name", () => {
            assert.equal(serves(p, b, "bucket", ["bucket"]), true);
            assert.equal(serves(p, o, "bucket", ["bucket"]), false);
            assert.equal(serves(n, b, "bucket", ["id", "bucket"]), true);
            assert.equal(serves(n, o, "bucket", ["bucket"]), false);
            assert.equal(serves(n, b, "bucket", ["id"]), false);
            // An unknown name relates nothing (and does not throw).
            const unknownParent = fromPlanResource(res("aws:s3/bucketV2:BucketV2", "u", { bucket: UNKNOWN }));
            assert.equal(serves(n, unknownParent, "bucket", ["bucket"]), false);
            const unknownChild = fromPlanResource(res("aws:s3/bucketPolicy:BucketPolicy", "c", { bucket: UNKNOWN }));
            assert.equal(serves(unknownChild, unknownParent, "bucket", ["bucket"]), false);
        });
    });

    describe("pipeline identities", () => {
        it("lists the namespaces whose ServiceAccounts run pipeline code, once each", () => {
            assert.deepEqual([...pipelineNamespaces].sort(), ["okd-builds", "okd-release", "tekton-chains"]);
        });

        it("counts every ServiceAccount of the pipeline namespaces and the Chains controller", () => {
            assert.equal(isPipelineServiceAccount("okd-builds", "okd-e2e"), true);
            assert.equal(isPipelineServiceAccount("okd-release", "anything"), true);
            assert.equal(isPipelineServiceAccount("tekton-chains", "tekton-chains-controller"), true);
            assert.equal(isPipelineServiceAccount("tekton-chains", "tekton-chains-webhook"), false);
            assert.equal(isPipelineServiceAccount("okd-release-x", "okd-promote"), false);
            assert.equal(isPipelineServiceAccount("default", "okd-records"), false);
            assert.equal(isPipelineServiceAccount(undefined, "okd-records"), false);
            assert.equal(isPipelineServiceAccount(undefined), false);
            // Without a name: a group subject covering the whole namespace.
            assert.equal(isPipelineServiceAccount("tekton-chains"), true);
            assert.equal(isPipelineServiceAccount("okd-builds"), true);
            assert.equal(isPipelineServiceAccount("kube-system"), false);
        });

        it("finds a pipeline identity's subject in each cloud's member syntax", () => {
            for (const text of [
                "system:serviceaccount:okd-builds:okd-records",
                "serviceAccount:p.svc.id.goog[okd-release/okd-promote]",
                "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p.svc.id.goog/subject/ns/tekton-chains/sa/tekton-chains-controller",
                "system:serviceaccounts:okd-builds",
                "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/namespace/okd-release",
            ]) {
                assert.equal(namesPipelineSubject(text), true, text);
            }
            for (const text of [
                // The pull-only e2e identity has its own rule.
                "system:serviceaccount:okd-builds:okd-e2e",
                "serviceAccount:p.svc.id.goog[okd-builds/okd-build]",
                "system:serviceaccounts:okd-builds-x",
                "principalSet://x/namespace/okd-release/extra",
                "system:serviceaccounts:default",
                "user:someone@example.com",
            ]) {
                assert.equal(namesPipelineSubject(text), false, text);
            }
        });

        it("reads the Kubernetes subjects a binding names in each cloud's syntax", () => {
            assert.deepEqual(boundSubjects("system:serviceaccount:okd-builds:okd-e2e"), ["okd-builds/okd-e2e"]);
            assert.deepEqual(boundSubjects("serviceAccount:p.svc.id.goog[okd-release/okd-promote]"), [
                "okd-release/okd-promote",
            ]);
            assert.deepEqual(boundSubjects("principal://x/subject/ns/tekton-chains/sa/tekton-chains-controller"), [
                "tekton-chains/tekton-chains-controller",
            ]);
            assert.deepEqual(boundSubjects("system:serviceaccounts:okd-builds"), ["okd-builds/*"]);
            assert.deepEqual(boundSubjects("principalSet://x/namespace/okd-release"), ["okd-release/*"]);
            assert.deepEqual(boundSubjects("principalSet://x/namespace/okd-release/more"), []);
            assert.deepEqual(boundSubjects("user:someone@example.com"), []);
            assert.deepEqual(boundSubjects("system:serviceaccount:a:b system:serviceaccount:c-1:d-2"), [
                "a/b",
                "c-1/d-2",
            ]);
        });
    });
});
