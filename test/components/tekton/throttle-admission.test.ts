/**
 * The push-record admission policy (components/tekton/throttle.ts, `pushRecordPolicy`): RBAC lets the listener create
 * and the dispatcher delete any ConfigMap of the release namespace; this policy narrows both to push records. Its
 * rendered form is pinned value by value, and what it decides is evaluated with kube-apiserver's own validating
 * admission policy code (test/tools/go/vap-eval): CREATE requests with the requested object, DELETE requests with the
 * stored object only (`oldObject`), as the API server sends them. Resource matching (`matchConstraints`) is the API
 * server's dispatcher, which vap-eval does not run: its values are pinned here and `npm run test:engine`
 * (test/engine/identity-checks.sh) exercises it against a real API server.
 */
import * as assert from "node:assert/strict";

import { pushRecordPolicy } from "../../../components/tekton/throttle";
import type { Platform } from "../../../src/config/schema";
import { tektonLayerArgs } from "../../../src/layers";
import { find, settled, useMocks } from "../../helpers";
import { type Case, type Outcome, clone, evaluate } from "../../security/vap";
import { type Json, fakeConfig, fakeRuns, fakeSite, stream415 } from "./fixtures";

const T = {
    policy: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
    binding: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
    throttle: "okd-ci:tekton:NightlyThrottle",
} as const;

const release = "okd-release";
const listener = `system:serviceaccount:${release}:okd-triggers`;
const dispatcher = `system:serviceaccount:${release}:okd-nightly-dispatcher`;
const createMessage =
    "only the listener creates ConfigMaps here, and only push records (okd-ci/push-record=nightly, okd-push-<stream>-<commit>)";
const deleteMessage = "only the dispatcher deletes ConfigMaps here, and only push records (okd-ci/push-record=nightly)";

async function buildLayer(name: string, platform: Platform) {
    const { TektonLayer } = await import("../../../components/tekton");
    const config = fakeConfig(platform, [stream415]);
    new TektonLayer(
        name,
        tektonLayerArgs(config, { site: fakeSite(`${name}-site`, platform), runs: fakeRuns(config) }),
    );
    await settled();
}

describe("pushRecordPolicy (rendered)", () => {
    it("fails closed and matches ConfigMap creates and deletes, in the equivalent versions too", () => {
        const spec = pushRecordPolicy("ns-a", "sa-l");
        assert.equal(spec.failurePolicy, "Fail");
        assert.deepEqual(spec.matchConstraints, {
            matchPolicy: "Equivalent",
            resourceRules: [
                { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "DELETE"], resources: ["configmaps"] },
            ],
        });
    });

    it("applies to the listener's and the dispatcher's ServiceAccounts of the namespace given, no one else", () => {
        const spec = pushRecordPolicy("ns-a", "sa-l");
        assert.deepEqual(spec.matchConditions, [
            {
                name: "by-the-listener-or-the-dispatcher",
                expression:
                    "request.userInfo.username in ['system:serviceaccount:ns-a:sa-l', 'system:serviceaccount:ns-a:okd-nightly-dispatcher']",
            },
        ]);
    });

    it("states each rule with its message and the Forbidden reason", () => {
        const spec = pushRecordPolicy("ns-a", "sa-l");
        const labelled = (o: string) =>
            `has(${o}.metadata.labels) && 'okd-ci/push-record' in ${o}.metadata.labels && ${o}.metadata.labels['okd-ci/push-record'] == 'nightly'`;
        assert.deepEqual(spec.validations, [
            {
                expression: `request.operation != 'CREATE' || (request.userInfo.username == 'system:serviceaccount:ns-a:sa-l' && ${labelled("object")} && has(object.metadata.name) && object.metadata.name.matches('^okd-push-[0-9]+-[0-9]+-[0-9a-f]{40}$'))`,
                message: createMessage,
                reason: "Forbidden",
            },
            {
                expression: `request.operation != 'DELETE' || (request.userInfo.username == 'system:serviceaccount:ns-a:okd-nightly-dispatcher' && ${labelled("oldObject")})`,
                message: deleteMessage,
                reason: "Forbidden",
            },
        ]);
        assert.deepEqual(Object.keys(spec).sort(), [
            "failurePolicy",
            "matchConditions",
            "matchConstraints",
            "validations",
        ]);
    });
});

describe("the push-record admission policy of the Tekton layer", function () {
    // vap-eval compiles the policy once per run: a few seconds on a loaded machine.
    this.timeout(60_000);
    useMocks();
    const n = "tpa";
    let policy: Json;
    let outcomes: Map<string, Outcome>;

    const commit = "0123456789abcdef0123456789abcdef01234567";
    const record: Json = {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
            name: `okd-push-4-15-${commit}`,
            labels: { "okd-ci/push-record": "nightly", "okd-ci/stream": "4.15", "app.kubernetes.io/part-of": "okd-ci" },
        },
        data: { stream: "4.15" },
    };
    const other: Json = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "okd-chains-public-key" }, data: {} };
    /** `record` with its labels replaced. */
    const relabelled = (labels: Record<string, string> | undefined): Json => {
        const r = clone(record);
        if (labels === undefined) delete r.metadata.labels;
        else r.metadata.labels = labels;
        return r;
    };
    const renamed = (name: string): Json => ({ ...record, metadata: { ...record.metadata, name } });

    const create = (name: string, username: string, object: Json): Case => ({
        name,
        namespace: release,
        username,
        object,
    });
    const remove = (name: string, username: string, stored: Json): Case => ({
        name,
        operation: "DELETE",
        namespace: release,
        username,
        oldObject: stored,
    });
    const cases: Case[] = [
        create("listener creates a push record", listener, record),
        create("listener creates another ConfigMap", listener, other),
        create("listener creates a record without labels", listener, relabelled(undefined)),
        create(
            "listener creates a record without the push-record label",
            listener,
            relabelled({ "okd-ci/stream": "4.15" }),
        ),
        create(
            "listener creates a record labelled for another use",
            listener,
            relabelled({ "okd-ci/push-record": "weekly" }),
        ),
        create("listener creates a labelled ConfigMap under another name", listener, renamed("okd-status-renderer")),
        create("listener creates a record named from a branch", listener, renamed("okd-push-4-15-main")),
        create("listener creates a record named from a short commit", listener, renamed("okd-push-4-15-0123456")),
        create(
            "listener creates a record named without the stream's dash",
            listener,
            renamed(`okd-push-415-${commit}`),
        ),
        create("listener creates a record named with a suffix", listener, renamed(`okd-push-4-15-${commit}-x`)),
        create("listener creates a record named with a prefix", listener, renamed(`x-okd-push-4-15-${commit}`)),
        create("listener creates a record with a generated name", listener, {
            ...record,
            metadata: { generateName: "okd-push-4-15-", labels: record.metadata.labels },
        }),
        create("dispatcher creates a push record", dispatcher, record),
        create("an operator creates a ConfigMap", "kubernetes-admin", other),
        create(
            "another namespace's listener creates a ConfigMap",
            "system:serviceaccount:okd-builds:okd-triggers",
            other,
        ),
        create(
            "the namespace's default account creates a ConfigMap",
            `system:serviceaccount:${release}:default`,
            other,
        ),
        remove("dispatcher deletes a push record", dispatcher, record),
        remove("dispatcher deletes another ConfigMap", dispatcher, other),
        remove("dispatcher deletes a record without labels", dispatcher, relabelled(undefined)),
        remove(
            "dispatcher deletes a record labelled for another use",
            dispatcher,
            relabelled({ "okd-ci/push-record": "x" }),
        ),
        remove("listener deletes a push record", listener, record),
        remove("an operator deletes a ConfigMap", "kubernetes-admin", other),
    ];

    before(async () => {
        await buildLayer(n, "aws");
        const p = find(T.policy, `${n}-throttle-records-admission-policy`).inputs;
        policy = p;
        const result = evaluate(p, cases);
        assert.deepEqual(result.compileErrors ?? [], []);
        outcomes = new Map(result.results.map((r) => [r.name, r]));
    });
    const outcome = (name: string): Outcome => {
        const o = outcomes.get(name);
        assert.ok(o, `no outcome for ${name}`);
        return o;
    };
    const admitted = { matched: true, denied: false, messages: [] };
    const unmatched = { matched: false, denied: false, messages: [] };

    it("renders pushRecordPolicy for the release namespace and the listeners' ServiceAccount, bound to deny", () => {
        assert.equal(policy.apiVersion, "admissionregistration.k8s.io/v1");
        assert.equal(policy.kind, "ValidatingAdmissionPolicy");
        assert.deepEqual(policy.metadata, { name: "okd-ci-push-records" });
        assert.deepEqual(policy.spec, pushRecordPolicy(release, "okd-triggers"));
        const binding = find(T.binding, `${n}-throttle-records-admission-binding`);
        assert.deepEqual(binding.inputs.metadata, { name: "okd-ci-push-records" });
        assert.deepEqual(binding.inputs.spec, { policyName: "okd-ci-push-records", validationActions: ["Deny"] });
        assert.ok(binding.dependencies.includes(find(T.policy, `${n}-throttle-records-admission-policy`).urn));
        // Both belong to the throttle component and go to the build cluster.
        const parent = find(T.throttle, `${n}-throttle`).urn;
        const provider = find("pulumi:providers:kubernetes", `${n}-site-k8s`).urn;
        for (const r of [find(T.policy, `${n}-throttle-records-admission-policy`), binding]) {
            assert.equal(r.parent, parent, r.name);
            assert.ok(r.provider.startsWith(`${provider}::`), `${r.name}: ${r.provider}`);
        }
    });

    it("admits the listener's push record, with the label and a name of stream and full commit", () => {
        assert.deepEqual(outcome("listener creates a push record"), {
            name: "listener creates a push record",
            ...admitted,
        });
    });

    it("refuses every other ConfigMap the listener creates, with the create rule's message", () => {
        for (const name of [
            "listener creates another ConfigMap",
            "listener creates a record without labels",
            "listener creates a record without the push-record label",
            "listener creates a record labelled for another use",
            "listener creates a labelled ConfigMap under another name",
            "listener creates a record named from a branch",
            "listener creates a record named from a short commit",
            "listener creates a record named without the stream's dash",
            "listener creates a record named with a suffix",
            "listener creates a record named with a prefix",
            "listener creates a record with a generated name",
        ]) {
            assert.deepEqual(outcome(name), { name, matched: true, denied: true, messages: [createMessage] });
        }
    });

    it("refuses the dispatcher any create, even of a push record", () => {
        const name = "dispatcher creates a push record";
        assert.deepEqual(outcome(name), { name, matched: true, denied: true, messages: [createMessage] });
    });

    it("lets the dispatcher delete a stored push record and nothing else", () => {
        assert.deepEqual(outcome("dispatcher deletes a push record"), {
            name: "dispatcher deletes a push record",
            ...admitted,
        });
        for (const name of [
            "dispatcher deletes another ConfigMap",
            "dispatcher deletes a record without labels",
            "dispatcher deletes a record labelled for another use",
        ]) {
            assert.deepEqual(outcome(name), { name, matched: true, denied: true, messages: [deleteMessage] });
        }
    });

    it("refuses the listener any delete, even of a push record", () => {
        const name = "listener deletes a push record";
        assert.deepEqual(outcome(name), { name, matched: true, denied: true, messages: [deleteMessage] });
    });

    it("leaves every other user to RBAC: operators, other namespaces' accounts, the namespace's other accounts", () => {
        for (const name of [
            "an operator creates a ConfigMap",
            "another namespace's listener creates a ConfigMap",
            "the namespace's default account creates a ConfigMap",
            "an operator deletes a ConfigMap",
        ]) {
            assert.deepEqual(outcome(name), { name, ...unmatched });
        }
    });
});
