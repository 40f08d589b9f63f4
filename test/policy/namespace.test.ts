import * as assert from "node:assert/strict";

import { buildNamespacePodSecurity } from "../../policy/rules";
import { t } from "../../policy/types";
import { UNKNOWN, res, run, violations } from "./fixtures";

const ns = (labels: Record<string, string>, annotations: Record<string, string> = {}, name = "okd-builds") =>
    res(t.k8s.namespace, `${name}-ns`, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels, annotations },
    });
const enforce = "pod-security.kubernetes.io/enforce";

describe("policy build-namespace-pod-security", () => {
    it("passes the build namespace at restricted or baseline", () => {
        assert.deepEqual(violations(buildNamespacePodSecurity, [ns({ [enforce]: "restricted" })]), []);
        assert.deepEqual(violations(buildNamespacePodSecurity, [ns({ [enforce]: "baseline" })]), []);
    });

    it("fails the build namespace without an enforce label", () => {
        assert.deepEqual(
            violations(buildNamespacePodSecurity, [ns({ "pod-security.kubernetes.io/warn": "restricted" })]),
            ["namespace okd-builds has no pod-security.kubernetes.io/enforce label"],
        );
    });

    it("fails privileged without a justification and passes it with one", () => {
        assert.deepEqual(violations(buildNamespacePodSecurity, [ns({ [enforce]: "privileged" })]), [
            'namespace okd-builds enforces "privileged" without a okd-ci/privileged-justification annotation',
        ]);
        const justified = ns(
            { [enforce]: "privileged" },
            { "okd-ci/privileged-justification": "buildah needs SETFCAP for RPM installs" },
        );
        assert.deepEqual(violations(buildNamespacePodSecurity, [justified]), []);
    });

    it("fails a level Pod Security does not know", () => {
        assert.deepEqual(violations(buildNamespacePodSecurity, [ns({ [enforce]: "strict" })]), [
            "namespace okd-builds has pod-security.kubernetes.io/enforce=strict; expected one of restricted, baseline, privileged",
        ]);
    });

    it("leaves other namespaces alone", () => {
        assert.deepEqual(violations(buildNamespacePodSecurity, [ns({}, {}, "okd-site")]), []);
    });

    it("does not judge a namespace whose name is only known after apply", () => {
        const r = run(buildNamespacePodSecurity, [res(t.k8s.namespace, "auto", { metadata: { name: UNKNOWN } })]);
        assert.deepEqual(r.violations, []);
        assert.match(
            r.notEvaluated[0].message,
            /can't run build-namespace-pod-security during preview: the value at metadata.name is only known after apply/,
        );
    });
});
