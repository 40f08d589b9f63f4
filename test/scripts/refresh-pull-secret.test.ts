/**
 * refresh-pull-secret.sh, the upgrade gate's refresh of its cluster's global pull secret before the upgrade, and
 * e2e-test.sh's reading of its outcome. No cluster can be had here, so `oc` against the cluster is a recording stub
 * that keeps the cluster's state in files and lets the real oc (built from its Go module) do what it can without an
 * API server: `oc set data --local` computes the Secret the script's own `set data` arguments make, and the script's
 * own `-o jsonpath=` is evaluated by the real oc on the stored Secret. The Machine Config Operator's side is
 * emulated as openshift/machine-config-operator docs/PullSecret.md describes it: a changed openshift-config/pull-secret
 * gives every pool a new rendered configuration (spec.configuration.name), which the pool then rolls out (Updated,
 * status.configuration.name following), without drain or reboot since 4.7.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { calls, requireTool, runScript, stub, tempDir } from "./harness";

const testsStub = path.resolve(__dirname, "stubs", "openshift-tests.sh");
const stale = '{"auths":{"fake":{"auth":"aWQ6cGFzcwo="},"registry.example":{"auth":"b2F1dGgyYWNjZXNzdG9rZW46b2xk"}}}\n';
const fresh =
    '{"auths":{"fake":{"auth":"aWQ6cGFzcwo="},"registry.example":{"auth":"b2F1dGgyYWNjZXNzdG9rZW46ZnJlc2g="}}}\n';
const freshToken = "b2F1dGgyYWNjZXNzdG9rZW46ZnJlc2g=";

describe("refresh-pull-secret.sh: the upgrade cluster's global pull secret, refreshed before the upgrade", function () {
    this.timeout(120_000);
    let dir: string;
    let bin: string;
    let state: string;
    let cluster: string;

    before(() => {
        requireTool("oc");
        requireTool("jq");
    });
    beforeEach(() => {
        dir = tempDir("refresh");
        bin = path.join(dir, "bin");
        state = path.join(dir, "ws", "aws-upgrade");
        cluster = path.join(dir, "cluster");
        fs.mkdirSync(path.join(state, "install", "auth"), { recursive: true });
        fs.mkdirSync(cluster);
        fs.writeFileSync(path.join(state, "install-outcome"), "passed");
        // The installer's kubeconfig; the real oc needs one to run even with --local.
        fs.writeFileSync(
            path.join(state, "install", "auth", "kubeconfig"),
            [
                "apiVersion: v1",
                "kind: Config",
                "clusters: [{name: c, cluster: {server: 'https://api.okd-e2e.example:6443'}}]",
                "users: [{name: admin, user: {token: not-a-token}}]",
                "contexts: [{name: admin, context: {cluster: c, user: admin}}]",
                "current-context: admin",
                "",
            ].join("\n"),
        );
        // The cluster as the installer left it: the install's pull secret, two pools rolled out.
        fs.writeFileSync(
            path.join(cluster, "secret.json"),
            JSON.stringify({
                apiVersion: "v1",
                kind: "Secret",
                metadata: { name: "pull-secret", namespace: "openshift-config" },
                type: "kubernetes.io/dockerconfigjson",
                data: { ".dockerconfigjson": Buffer.from(stale).toString("base64") },
            }),
        );
        const pool = (name: string) => ({
            metadata: { name },
            spec: { configuration: { name: `rendered-${name}-0000` } },
            status: {
                configuration: { name: `rendered-${name}-0000` },
                conditions: [
                    { type: "Updated", status: "True" },
                    { type: "Updating", status: "False" },
                ],
            },
        });
        fs.writeFileSync(
            path.join(cluster, "pools.json"),
            JSON.stringify({ apiVersion: "v1", kind: "List", items: [pool("master"), pool("worker")] }),
        );
        fs.writeFileSync(path.join(state, "pull-secret.json"), fresh);
        ocStub();
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /**
     * `oc` against the e2e cluster. STUB_MCO: `rolls` (default) rolls a new pull secret out after two reads of the
     * pools, `stuck` never does; STUB_SET_DATA_EXIT makes the API server refuse the change (as a 403 would).
     */
    function ocStub() {
        const real = requireReal();
        stub(
            bin,
            "oc",
            `c="${cluster}"
refuse() { echo "Error from server (NotFound): $*" >&2; exit 1; }
[ -s "\${KUBECONFIG:-}" ] || { echo "error: Missing or incomplete configuration info" >&2; exit 1; }
case "$1 $2" in
  "get secret/pull-secret")
    shift 2
    [ "$1 $2" = "-n openshift-config" ] || refuse "secrets \\"pull-secret\\" not found (namespace \${2:-default})"
    shift 2
    # The script's own output flags, evaluated by the real oc on the stored Secret (x- removes no key).
    exec "${real}" set data -f "$c/secret.json" --local "$@" x-
    ;;
  "set data")
    [ "$3 $4 $5" = "secret/pull-secret -n openshift-config" ] || refuse "secrets \\"\${3#secret/}\\" not found"
    [ "\${STUB_SET_DATA_EXIT:-0}" = 0 ] || { echo 'Error from server (Forbidden): secrets "pull-secret" is forbidden' >&2; exit 1; }
    shift 5
    "${real}" set data -f "$c/secret.json" --local --dry-run=client -o json "$@" >"$c/secret.new"
    mv "$c/secret.new" "$c/secret.json"
    # The MCO renders a new configuration for every pool from the new pull secret; the pools roll it out later.
    sum="$(jq -r '.data[".dockerconfigjson"]' "$c/secret.json" | sha256sum | cut -c1-8)"
    jq --arg s "$sum" '.items |= map(.spec.configuration.name = "rendered-\\(.metadata.name)-\\($s)"
      | .status.conditions = [{type: "Updated", status: "False"}, {type: "Updating", status: "True"}])' \\
      "$c/pools.json" >"$c/pools.new" && mv "$c/pools.new" "$c/pools.json"
    echo 0 >"$c/reads"
    echo "secret/pull-secret data updated"
    ;;
  "get machineconfigpools")
    [ "$3 $4" = "-o json" ] || { echo "error: unexpected output flags: $*" >&2; exit 1; }
    if [ -f "$c/reads" ] && [ "\${STUB_MCO:-rolls}" = rolls ]; then
      reads=$(($(cat "$c/reads") + 1)); echo "$reads" >"$c/reads"
      if [ "$reads" -ge 2 ]; then
        jq '.items |= map(.status.configuration.name = .spec.configuration.name
          | .status.conditions = [{type: "Updated", status: "True"}, {type: "Updating", status: "False"}])' \\
          "$c/pools.json" >"$c/pools.new" && mv "$c/pools.new" "$c/pools.json"
      fi
    fi
    cat "$c/pools.json"
    ;;
  *) echo "error: the stub does not know: oc $*" >&2; exit 1 ;;
esac`,
            ["KUBECONFIG"],
        );
    }
    function requireReal(): string {
        const found = (process.env.PATH ?? "")
            .split(":")
            .map((d) => path.join(d, "oc"))
            .find((f) => fs.existsSync(f) && !f.startsWith(dir));
        assert.ok(found, "the real oc is not on PATH");
        return found;
    }

    const refresh = (extra: Record<string, string> = {}) =>
        runScript(
            "refresh-pull-secret.sh",
            {
                STATE_DIR: state,
                PULL_SECRET_FILE: path.join(state, "pull-secret.json"),
                POLL_SECONDS: "0",
                ...extra,
            },
            bin,
        );
    const clusterPullSecret = () =>
        Buffer.from(
            JSON.parse(fs.readFileSync(path.join(cluster, "secret.json"), "utf8")).data[".dockerconfigjson"],
            "base64",
        ).toString();
    const outcome = () => fs.readFileSync(path.join(state, "pull-secret-refresh"), "utf8");

    it("replaces openshift-config/pull-secret with the fresh one and waits until every pool has rolled it out", () => {
        const r = refresh();
        assert.equal(r.status, 0, r.stderr);
        assert.equal(outcome(), "refreshed");
        assert.equal(clusterPullSecret(), fresh, "the cluster's pull secret is the fresh file, byte for byte");
        const secret = JSON.parse(fs.readFileSync(path.join(cluster, "secret.json"), "utf8"));
        assert.equal(secret.type, "kubernetes.io/dockerconfigjson", "set data keeps the Secret's type");
        const oc = calls(bin, "oc");
        assert.deepEqual(
            oc.find((c) => c.args[0] === "set")?.args,
            [
                "set",
                "data",
                "secret/pull-secret",
                "-n",
                "openshift-config",
                `--from-file=.dockerconfigjson=${path.join(state, "pull-secret.json")}`,
            ],
            "the command OKD's docs give for updating the global pull secret",
        );
        for (const c of oc) assert.equal(c.env.KUBECONFIG, path.join(state, "install", "auth", "kubeconfig"));
        // It waited for the pools: read before the change, then until both had the new rendered configuration.
        const pools = oc.filter((c) => c.args[1] === "machineconfigpools").length;
        assert.ok(pools >= 3, `read the pools ${pools} times`);
        const final = JSON.parse(fs.readFileSync(path.join(cluster, "pools.json"), "utf8"));
        for (const p of final.items) assert.equal(p.status.configuration.name, p.spec.configuration.name);
        assert.match(r.stdout, /waiting up to 1200s for the machine config pools/);
        // The token never reaches the log or an argument.
        for (const text of [r.stdout, r.stderr, JSON.stringify(oc)]) assert.ok(!text.includes(freshToken));
    });

    it("changes nothing when the cluster already has that pull secret", () => {
        fs.writeFileSync(path.join(state, "pull-secret.json"), stale);
        const r = refresh();
        assert.equal(r.status, 0, r.stderr);
        assert.equal(outcome(), "unchanged");
        assert.ok(!calls(bin, "oc").some((c) => c.args[0] === "set"), "no set data");
    });

    it("a rollout that does not finish in time is a failed refresh, and the upgrade then fails with its reason", () => {
        const r = refresh({ STUB_MCO: "stuck", WAIT_SECONDS: "1", POLL_SECONDS: "1" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(
            outcome(),
            "failed: the new pull secret was not rolled out to the nodes within 1s (pools still updating: master worker)",
        );
        stub(bin, "openshift-tests", `exec "${testsStub}" "$@"`);
        const result = path.join(dir, "outcome");
        const reason = path.join(dir, "reason");
        const t = runScript(
            "e2e-test.sh",
            {
                STATE_DIR: state,
                TEST_TYPE: "upgrade",
                TO_IMAGE: "registry.example/okd/release@sha256:abc",
                TEST_PROVIDER: '{"type":"aws","region":"us-east-1"}',
                RESULT_OUTCOME: result,
                RESULT_REASON: reason,
            },
            bin,
        );
        assert.equal(t.status, 0, t.stderr);
        assert.equal(fs.readFileSync(result, "utf8"), "failed");
        assert.equal(
            fs.readFileSync(reason, "utf8"),
            "the cluster's pull secret could not be refreshed: the new pull secret was not rolled out to the nodes within 1s (pools still updating: master worker)",
        );
        assert.deepEqual(calls(bin, "openshift-tests"), [], "no upgrade started");
    });

    it("a change the API server refuses, or no fresh pull secret, is a failed refresh", () => {
        const refused = refresh({ STUB_SET_DATA_EXIT: "1" });
        assert.equal(refused.status, 0, refused.stderr);
        assert.equal(outcome(), "failed: oc set data secret/pull-secret -n openshift-config was refused");
        assert.equal(clusterPullSecret(), stale);
        fs.rmSync(path.join(state, "pull-secret.json"));
        const missing = refresh();
        assert.equal(missing.status, 0, missing.stderr);
        assert.match(outcome(), /^failed: no fresh pull secret to refresh the cluster's with/);
    });

    it("does nothing without a cluster (install failed or skipped), and refuses bad settings", () => {
        for (const install of ["failed", "skipped"]) {
            fs.writeFileSync(path.join(state, "install-outcome"), install);
            const r = refresh();
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, new RegExp(`the install ${install}; no cluster to refresh`));
            assert.ok(!fs.existsSync(path.join(state, "pull-secret-refresh")));
        }
        assert.deepEqual(calls(bin, "oc"), []);
        fs.writeFileSync(path.join(state, "install-outcome"), "passed");
        const bad = refresh({ WAIT_SECONDS: "soon" });
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /WAIT_SECONDS must be a whole number of seconds, not 'soon'/);
    });
});
