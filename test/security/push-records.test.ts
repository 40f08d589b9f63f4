/**
 * Push records (components/tekton/throttle.ts) live in okd-release beside other ConfigMaps, and RBAC cannot narrow
 * ConfigMap create or delete by label: the okd-ci-push-records admission policy does. Its CREATE rules are evaluated
 * here with kube-apiserver's own validating admission policy code (test/tools/go/vap-eval, which builds CREATE
 * requests); its DELETE rules, which read the stored object (`oldObject`), against a real API server in
 * `npm run test:engine` (test/engine/identity-checks.sh).
 */
import * as assert from "node:assert/strict";

import { type Doc, ofKind, stackObjects } from "./stack-objects";
import { type Case, evaluate } from "./vap";

const release = "okd-release";
const listener = `system:serviceaccount:${release}:okd-triggers`;
const dispatcher = `system:serviceaccount:${release}:okd-nightly-dispatcher`;

describe("the push-record admission policy (stack ci)", function () {
    this.timeout(300_000);
    let policy: Doc;
    let record: Doc;
    before(async () => {
        const s = await stackObjects("ci");
        const policies = ofKind(s, "ValidatingAdmissionPolicy").filter(
            (p) => p.metadata.name === "okd-ci-push-records",
        );
        assert.equal(policies.length, 1);
        policy = policies[0];
        const binding = ofKind(s, "ValidatingAdmissionPolicyBinding").find(
            (b) => b.spec.policyName === "okd-ci-push-records",
        );
        assert.deepEqual(binding?.spec.validationActions, ["Deny"]);
        const template = ofKind(s, "TriggerTemplate", release).find((t) =>
            t.metadata.name.startsWith("okd-push-record-"),
        );
        assert.ok(template, "a push-record TriggerTemplate in okd-release");
        // As Triggers fills it for a push of one commit.
        const rendered = template.spec.resourcetemplates[0];
        record = {
            ...rendered,
            metadata: {
                ...rendered.metadata,
                name: rendered.metadata.name.replace(
                    "$(tt.params.revision)",
                    "0123456789abcdef0123456789abcdef01234567",
                ),
            },
        };
        assert.match(record.metadata.name, /^okd-push-\d+-\d+-[0-9a-f]{40}$/);
    });

    it("admits the listener's push records and refuses any other ConfigMap it or the dispatcher would create", () => {
        const cases: Case[] = [
            { name: "push record", namespace: release, username: listener, object: record },
            {
                name: "unlabelled ConfigMap",
                namespace: release,
                username: listener,
                object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "okd-chains-public-key" }, data: {} },
            },
            {
                name: "labelled, under another name",
                namespace: release,
                username: listener,
                object: { ...record, metadata: { name: "okd-status-renderer", labels: record.metadata.labels } },
            },
            { name: "push record by the dispatcher", namespace: release, username: dispatcher, object: record },
            {
                name: "labelled, named from a branch instead of a commit",
                namespace: release,
                username: listener,
                object: { ...record, metadata: { ...record.metadata, name: "okd-push-4-15-main" } },
            },
            {
                name: "labelled, generated name",
                namespace: release,
                username: listener,
                object: { ...record, metadata: { generateName: "okd-push-4-15-", labels: record.metadata.labels } },
            },
            {
                name: "by an operator",
                namespace: release,
                username: "kubernetes-admin",
                object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } },
            },
        ];
        const result = evaluate(policy, cases);
        assert.deepEqual(result.compileErrors ?? [], []);
        const by = new Map(result.results.map((r) => [r.name, r]));
        assert.ok(
            by.get("push record")?.matched && !by.get("push record")?.denied,
            JSON.stringify(by.get("push record")),
        );
        for (const n of [
            "unlabelled ConfigMap",
            "labelled, under another name",
            "push record by the dispatcher",
            "labelled, named from a branch instead of a commit",
            "labelled, generated name",
        ]) {
            assert.ok(by.get(n)?.denied, `${n} was admitted`);
            assert.match(by.get(n)?.messages.join(" ") ?? "", /only the listener creates ConfigMaps here/);
        }
        assert.equal(by.get("by an operator")?.matched, false);
    });
});
