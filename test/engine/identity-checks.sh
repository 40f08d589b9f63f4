#!/usr/bin/env bash
# After `pulumi up` of the ci stack (scripts/test-engine.sh): the attacks test/security/*.test.ts reason about over
# rendered objects, made against the real API server that holds the stack, as the identities an attacker would hold.
#
#   - the webhook listener's ServiceAccount (its token leaked from the EventListener sink): no Secret, no TaskRun, no
#     pod, no impersonation; PipelineRuns only as its TriggerTemplates make them, which the ValidatingAdmissionPolicy
#     decides (inline pipelineSpec, another Pipeline, a resolver, other ServiceAccounts, pod templates or params, the
#     other namespace: all refused), and no more of them than the namespace's PipelineRun quota;
#   - the build ServiceAccount (code a build runs): no API right at all;
#   - the registry token minter's ServiceAccount: store-registry-token.sh, with a token of that ServiceAccount, can
#     update the push-token Secret and no other;
#   - the nightly dispatcher's ServiceAccount: push records (ConfigMaps) in okd-release only, nightlies read only; the
#     okd-ci-push-records policy lets the listener create and the dispatcher delete push records and no other ConfigMap;
#   - the cluster reaper's starter: PipelineRuns in okd-builds only, and only the reaper's run as its CronJob makes it
#     (the okd-ci-reaper-pipelineruns policy: another Pipeline, a TTL or dry-run of its own, other ServiceAccounts,
#     an inline spec all refused), within the quota. The ci stack has no gates and so no reaper: its objects (policy,
#     binding, ServiceAccount, Role, RoleBinding, CronJob) are applied from a gated stack's synth (REAPER_MANIFESTS)
#     for these checks and deleted after.
#
# Creations are server-side dry runs (every admission plugin runs, nothing is stored), except the push-token patch,
# which is the minter's real job. No controller manager runs here, so this script writes the ResourceQuota status as
# the quota controller would (hard from spec, used zero, then used at hard) before asking for PipelineRuns.
#
# Reads:
#   KUBECONFIG  an admin kubeconfig of the API server (the script impersonates from it, `--as`)
#   RUNS_DIR    the stack's hand runs, as `npm run synth` writes them (out/<stack>/runs)
#   REAPER_MANIFESTS  optional: a gated stack's synth manifests (out/<stack>/manifests), where the stack has no reaper
# Writes:
#   the okd-builds and okd-release ResourceQuota status, the okd-registry-push Secret's data; a temporary directory
#   (removed). Prints one line per check and a summary; exits 1 if any check failed.
set -euo pipefail

: "${KUBECONFIG:?identity-checks: KUBECONFIG is required}"
: "${RUNS_DIR:?identity-checks: RUNS_DIR is required}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

builds=okd-builds
release=okd-release
policy=okd-ci-listener-pipelineruns
passed=0
failed=0
ok() {
  passed=$((passed + 1))
  echo "  ok    $*"
}
bad() {
  failed=$((failed + 1))
  echo "  FAIL  $*"
}

# may <expected yes|no> <as> <verb> <resource> [namespace]: `kubectl auth can-i` asks the RBAC authorizer itself.
may() {
  local expected="$1" as="$2" verb="$3" resource="$4" ns="${5:-}" got
  local args=(auth can-i "${verb}" "${resource}" --as "${as}")
  if [ -n "${ns}" ]; then args+=(--namespace "${ns}"); else args+=(--all-namespaces); fi
  got="$(kubectl "${args[@]}" 2>/dev/null || true)"
  local verdict="may"
  [ "${expected}" = yes ] || verdict="may not"
  if [ "${got}" = "${expected}" ]; then
    ok "${as##*:} ${verdict} ${verb} ${resource}${ns:+ in ${ns}}"
  else
    bad "${as##*:}: can-i ${verb} ${resource} ${ns:+in ${ns}} said '${got}', expected ${expected}"
  fi
}

listener_sa="$(kubectl get eventlisteners --namespace "${release}" -o jsonpath='{.items[0].spec.serviceAccountName}')"
listener="system:serviceaccount:${release}:${listener_sa}"
build="system:serviceaccount:${builds}:okd-build"
minter_sa=okd-registry-token
minter="system:serviceaccount:${release}:${minter_sa}"

echo "identity-checks: RBAC of the listener (${listener}), the build and the token minter"
for ns in "${builds}" "${release}"; do
  may no "${listener}" get secrets "${ns}"
  may no "${listener}" list secrets "${ns}"
  may no "${listener}" create taskruns.tekton.dev "${ns}"
  may no "${listener}" create pods "${ns}"
  may no "${listener}" update pipelineruns.tekton.dev "${ns}"
  may no "${listener}" delete pipelineruns.tekton.dev "${ns}"
  may yes "${listener}" create pipelineruns.tekton.dev "${ns}"
  may no "${build}" get secrets "${ns}"
  may no "${build}" create pipelineruns.tekton.dev "${ns}"
  may no "${build}" create pods "${ns}"
done
may no "${listener}" create pipelineruns.tekton.dev default
may no "${listener}" impersonate serviceaccounts
may no "${listener}" get secrets
may yes "${minter}" patch secret/okd-registry-push "${builds}"
may no "${minter}" get secret/okd-github-webhook "${release}"
may no "${minter}" list secrets "${builds}"
may no "${minter}" patch secret/okd-artifacts-records "${builds}"

# Push records live beside the listeners, never in the namespace that runs pushed code.
dispatcher="system:serviceaccount:${release}:okd-nightly-dispatcher"
may yes "${listener}" create configmaps "${release}"
may no "${listener}" create configmaps "${builds}"
may no "${listener}" delete configmaps "${release}"
for verb in get list delete; do may yes "${dispatcher}" "${verb}" configmaps "${release}"; done
may no "${dispatcher}" create configmaps "${release}"
may no "${dispatcher}" delete configmaps "${builds}"
may yes "${dispatcher}" list pipelineruns.tekton.dev "${builds}"
for ns in "${builds}" "${release}"; do
  may no "${dispatcher}" create pipelineruns.tekton.dev "${ns}"
  may no "${dispatcher}" delete pipelineruns.tekton.dev "${ns}"
  may no "${dispatcher}" get secrets "${ns}"
done

# --- ResourceQuota status, as the quota controller writes it --------------------------------------------------------
# quota_status <namespace> <zero|full>: used = 0 for every resource, or PipelineRuns at their hard limit.
quota_status() {
  kubectl get resourcequota "$1" --namespace "$1" -o json >"${work}/quota.json"
  node -e '
    const q = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const used = Object.fromEntries(Object.keys(q.spec.hard).map((k) => [k, "0"]));
    if (process.argv[2] === "full") used["count/pipelineruns.tekton.dev"] = q.spec.hard["count/pipelineruns.tekton.dev"];
    console.log(JSON.stringify({ status: { hard: q.spec.hard, used } }));
  ' "${work}/quota.json" "$2" >"${work}/status.json"
  kubectl patch resourcequota "$1" --namespace "$1" --subresource status --type merge --patch-file "${work}/status.json" >/dev/null
}
quota_status "${builds}" zero
quota_status "${release}" zero

# --- PipelineRuns as the listener creates them, and as an attacker holding its token would ------------------------
# create_as <expect: admitted|denied|quota> <description> <as|-> <file>: a server-side dry run.
create_as() {
  local expect="$1" what="$2" as="$3" file="$4" policy="${5:-${policy}}" out status=0
  local args=(create --dry-run=server -o name -f "${file}")
  if [ "${as}" != - ]; then args+=(--as "${as}"); fi
  out="$(kubectl "${args[@]}" 2>&1)" || status=$?
  case "${expect}" in
    admitted)
      if [ "${status}" -eq 0 ]; then ok "admitted: ${what}"; else bad "refused: ${what}: ${out}"; fi
      ;;
    denied)
      if [ "${status}" -ne 0 ] && grep -qF "ValidatingAdmissionPolicy '${policy}'" <<<"${out}"; then
        ok "denied by ${policy}: ${what}"
      else
        bad "not denied by ${policy}: ${what}: ${out}"
      fi
      ;;
    quota)
      if [ "${status}" -ne 0 ] && grep -qF "exceeded quota" <<<"${out}"; then
        ok "denied by the quota: ${what}"
      else
        bad "not denied by the quota: ${what}: ${out}"
      fi
      ;;
  esac
}

# variant <run.json> <out.json> <node expression over r, the run>: writes an edited copy of the run.
variant() {
  node -e '
    const fs = require("fs");
    const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    (new Function("r", process.argv[3]))(r);
    fs.writeFileSync(process.argv[2], JSON.stringify(r));
  ' "$1" "$2" "$3"
}

runs=("${RUNS_DIR}"/*.yaml)
[ -e "${runs[0]}" ] || {
  echo "identity-checks: no runs in ${RUNS_DIR}" >&2
  exit 1
}
echo "identity-checks: PipelineRuns created as the listener (dry run; ${#runs[@]} TriggerTemplate runs)"
for file in "${runs[@]}"; do
  name="$(basename "${file}" .yaml)"
  run="${work}/${name}.json"
  kubectl create --dry-run=client -o json -f "${file}" >"${run}"
  ns="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).metadata.namespace' "${run}")"
  other_ns="$([ "${ns}" = "${builds}" ] && echo "${release}" || echo "${builds}")"
  create_as admitted "${name} as its TriggerTemplate makes it" "${listener}" "${run}"

  variant "${run}" "${work}/v.json" 'delete r.spec.pipelineRef; r.spec.pipelineSpec = {tasks: [{name: "x", taskSpec: {steps: [{name: "x", image: "quay.io/fedora/fedora:41", script: "cat /var/run/secrets/*/*"}]}}]};'
  create_as denied "${name} with an inline pipelineSpec" "${listener}" "${work}/v.json"
  create_as admitted "${name} with an inline pipelineSpec, by the admin (the policy holds the listener only)" - "${work}/v.json"
  variant "${run}" "${work}/v.json" 'r.spec.pipelineRef = {name: "okd-evil"};'
  create_as denied "${name} naming another Pipeline" "${listener}" "${work}/v.json"
  variant "${run}" "${work}/v.json" 'r.spec.pipelineRef = {resolver: "git", params: [{name: "url", value: "https://github.com/evil/x"}, {name: "pathInRepo", value: "p.yaml"}, {name: "revision", value: "main"}]};'
  create_as denied "${name} through the git resolver" "${listener}" "${work}/v.json"
  variant "${run}" "${work}/v.json" 'r.spec.taskRunTemplate.serviceAccountName = "okd-records";'
  create_as denied "${name} with every task as the records ServiceAccount" "${listener}" "${work}/v.json"
  variant "${run}" "${work}/v.json" 'r.spec.taskRunSpecs = (r.spec.taskRunSpecs || []).map((s) => ({...s, serviceAccountName: "okd-promote"}));'
  create_as denied "${name} with its task run specs as the promotion ServiceAccount" "${listener}" "${work}/v.json"
  variant "${run}" "${work}/v.json" 'r.spec.taskRunTemplate.podTemplate = {hostNetwork: true};'
  create_as denied "${name} on the host network" "${listener}" "${work}/v.json"
  variant "${run}" "${work}/v.json" 'r.spec.params = [...(r.spec.params || []), {name: "x", value: "y"}];'
  create_as denied "${name} with a param its template does not pass" "${listener}" "${work}/v.json"
  variant "${run}" "${work}/v.json" "r.metadata.namespace = \"${other_ns}\";"
  create_as denied "${name} in ${other_ns}" "${listener}" "${work}/v.json"
done

echo "identity-checks: the PipelineRun quota"
quota_status "${builds}" full
quota_status "${release}" full
for file in "${runs[@]}"; do
  create_as quota "$(basename "${file}" .yaml) when its namespace holds its quota of PipelineRuns" "${listener}" "${work}/$(basename "${file}" .yaml).json"
done
quota_status "${builds}" zero
quota_status "${release}" zero

# --- Push records: the listener creates them, the dispatcher deletes them, and no other ConfigMap ----------------------
echo "identity-checks: push records (okd-ci-push-records)"
records_policy=okd-ci-push-records
cm() { # cm <file> <generateName|name> <value> <labelled: yes|no>
  node -e '
    const [file, key, value, labelled] = process.argv.slice(1);
    const m = { [key]: value, namespace: "okd-release" };
    if (labelled === "yes") m.labels = { "okd-ci/push-record": "nightly", "okd-ci/stream": "4.22" };
    require("fs").writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: m, data: {} }));
  ' "$@"
}
cm "${work}/record.json" name okd-push-4-22-0123456789abcdef0123456789abcdef01234567 yes
create_as admitted "a push record, by the listener" "${listener}" "${work}/record.json"
cm "${work}/v.json" name okd-evil no
create_as denied "an unlabelled ConfigMap, by the listener" "${listener}" "${work}/v.json" "${records_policy}"
cm "${work}/v.json" name okd-push-named yes
create_as denied "a labelled ConfigMap under a name of its choosing, by the listener" "${listener}" "${work}/v.json" "${records_policy}"
# Real objects (as the admin, whom the policy does not hold), then deletes as the dispatcher (dry runs).
cm "${work}/stored-record.json" name okd-push-4-22-check yes
cm "${work}/stored-other.json" name okd-not-a-record no
kubectl create -f "${work}/stored-record.json" -f "${work}/stored-other.json" >/dev/null
delete_as() { # delete_as <admitted|denied> <what> <name>
  local out status=0
  out="$(kubectl delete configmap "$3" --namespace "${release}" --dry-run=server --as "${dispatcher}" 2>&1)" || status=$?
  if [ "$1" = admitted ]; then
    if [ "${status}" -eq 0 ]; then ok "admitted: $2"; else bad "refused: $2: ${out}"; fi
  elif [ "${status}" -ne 0 ] && grep -qF "ValidatingAdmissionPolicy '${records_policy}'" <<<"${out}"; then
    ok "denied by ${records_policy}: $2"
  else
    bad "not denied by ${records_policy}: $2: ${out}"
  fi
}
delete_as admitted "the dispatcher deleting a push record" okd-push-4-22-check
delete_as denied "the dispatcher deleting another ConfigMap of ${release}" okd-not-a-record
kubectl delete configmap okd-push-4-22-check okd-not-a-record --namespace "${release}" >/dev/null

# --- The cluster reaper's starter ----------------------------------------------------------------------------------
reaper_sa=okd-cluster-reaper
reaper_policy=okd-ci-reaper-pipelineruns
reaper_applied=()
if ! kubectl get cronjob "${reaper_sa}" --namespace "${release}" >/dev/null 2>&1; then
  if [ -n "${REAPER_MANIFESTS:-}" ]; then
    for f in \
      "validatingadmissionpolicy_cluster_${reaper_policy}.yaml" \
      "validatingadmissionpolicybinding_cluster_${reaper_policy}.yaml" \
      "serviceaccount_${release}_${reaper_sa}.yaml" \
      "role_${builds}_${reaper_sa}.yaml" \
      "rolebinding_${builds}_${reaper_sa}.yaml" \
      "cronjob_${release}_${reaper_sa}.yaml"; do
      [ -f "${REAPER_MANIFESTS}/${f}" ] || {
        bad "the gated stack's synth has no ${f}"
        continue
      }
      kubectl apply -f "${REAPER_MANIFESTS}/${f}" >/dev/null
      reaper_applied+=("${REAPER_MANIFESTS}/${f}")
    done
    echo "identity-checks: the reaper's objects applied from ${REAPER_MANIFESTS} (this stack has no gates)"
  fi
fi
if kubectl get cronjob "${reaper_sa}" --namespace "${release}" >/dev/null 2>&1; then
  reaper="system:serviceaccount:${release}:${reaper_sa}"
  echo "identity-checks: the reaper's starter (${reaper})"
  may yes "${reaper}" create pipelineruns.tekton.dev "${builds}"
  may yes "${reaper}" list pipelineruns.tekton.dev "${builds}"
  may no "${reaper}" create pipelineruns.tekton.dev "${release}"
  may no "${reaper}" delete pipelineruns.tekton.dev "${builds}"
  may no "${reaper}" create taskruns.tekton.dev "${builds}"
  may no "${reaper}" create pods "${builds}"
  may no "${reaper}" get secrets "${builds}"
  may no "${reaper}" get secrets "${release}"
  # The run its CronJob starts, with the live runs start-reaper.sh adds.
  kubectl get cronjob "${reaper_sa}" --namespace "${release}" -o json |
    node -e '
      const c = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const env = c.spec.jobTemplate.spec.template.spec.containers[0].env;
      const r = JSON.parse(env.find((e) => e.name === "PIPELINERUN_JSON").value);
      r.metadata.namespace = process.argv[1];
      r.spec.params = [{ name: "live-runs", value: "okd-nightly-4-22-abcde" }];
      console.log(JSON.stringify(r));
    ' "${builds}" >"${work}/reaper.json"
  # A policy just created takes a moment to be enforced; wait until it refuses the plainest forgery.
  variant "${work}/reaper.json" "${work}/v.json" 'r.spec.pipelineRef = {name: "okd-evil"};'
  for _ in $(seq 1 30); do
    if ! kubectl create --dry-run=server -o name -f "${work}/v.json" --as "${reaper}" >/dev/null 2>&1; then break; fi
    sleep 1
  done
  create_as admitted "the reaper's run as its CronJob makes it" "${reaper}" "${work}/reaper.json"
  create_as denied "the reaper's starter naming another Pipeline" "${reaper}" "${work}/v.json" "${reaper_policy}"
  variant "${work}/reaper.json" "${work}/v.json" 'delete r.spec.pipelineRef; r.spec.pipelineSpec = {tasks: [{name: "x", taskSpec: {steps: [{name: "x", image: "quay.io/fedora/fedora:41", script: "id"}]}}]};'
  create_as denied "the reaper's starter with an inline pipelineSpec" "${reaper}" "${work}/v.json" "${reaper_policy}"
  variant "${work}/reaper.json" "${work}/v.json" 'r.spec.params.push({name: "ttl-hours", value: "0"});'
  create_as denied "the reaper with a zero TTL" "${reaper}" "${work}/v.json" "${reaper_policy}"
  variant "${work}/reaper.json" "${work}/v.json" 'r.spec.taskRunTemplate.serviceAccountName = "okd-promote";'
  create_as denied "the reaper with every task as the promotion ServiceAccount" "${reaper}" "${work}/v.json" "${reaper_policy}"
  variant "${work}/reaper.json" "${work}/v.json" 'r.spec.taskRunSpecs = r.spec.taskRunSpecs.map((s) => ({...s, serviceAccountName: "okd-records"}));'
  create_as denied "the reaper with its destroys as the records ServiceAccount" "${reaper}" "${work}/v.json" "${reaper_policy}"
  quota_status "${builds}" full
  create_as quota "the reaper's run when ${builds} holds its quota of PipelineRuns" "${reaper}" "${work}/reaper.json"
  quota_status "${builds}" zero
else
  echo "identity-checks: no cluster reaper on this stack, and no REAPER_MANIFESTS: its checks did not run"
fi
for ((i = ${#reaper_applied[@]} - 1; i >= 0; i--)); do kubectl delete -f "${reaper_applied[i]}" --ignore-not-found >/dev/null; done

# --- The token minter, with a token of its own ServiceAccount -------------------------------------------------------
echo "identity-checks: store-registry-token.sh as ${minter}"
kubectl config view --raw --minify -o json >"${work}/admin.json"
server="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).clusters[0].cluster.server' "${work}/admin.json")"
node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).clusters[0].cluster["certificate-authority-data"]' "${work}/admin.json" |
  base64 -d >"${work}/ca.crt"
minter_config="${work}/minter.kubeconfig"
KUBECONFIG="${minter_config}" kubectl config set-cluster c --server "${server}" --certificate-authority "${work}/ca.crt" --embed-certs >/dev/null
KUBECONFIG="${minter_config}" kubectl config set-credentials m --token "$(kubectl create token "${minter_sa}" --namespace "${release}" --duration 10m)" >/dev/null
KUBECONFIG="${minter_config}" kubectl config set-context c --cluster c --user m >/dev/null
KUBECONFIG="${minter_config}" kubectl config use-context c >/dev/null
printf '{"auths":{"registry.example":{"auth":"%s"}}}' "$(printf 'u:%s' "$(openssl rand -hex 8)" | base64 -w0)" >"${work}/auth.json"
expires="$(($(date +%s) + 3600))"
echo "${expires}" >"${work}/expires"
store() {
  AUTH_FILE="${work}/auth.json" EXPIRES_FILE="${work}/expires" SECRET_NAME="$1" SECRET_NAMESPACE="$2" \
    KUBECONFIG="${minter_config}" bash "${root}/components/pipelines/scripts/store-registry-token.sh"
}
if out="$(store okd-registry-push "${builds}" 2>&1)"; then
  stored="$(kubectl get secret okd-registry-push --namespace "${builds}" -o jsonpath='{.data.expires}' | base64 -d)"
  if [ "${stored}" = "${expires}" ]; then ok "the minter updated ${builds}/okd-registry-push"; else bad "the Secret holds expires '${stored}', not ${expires}"; fi
else
  bad "the minter could not update ${builds}/okd-registry-push: ${out}"
fi
for target in "${builds}/okd-artifacts-records" "${release}/okd-github-webhook" "${release}/okd-registry-push"; do
  if out="$(store "${target#*/}" "${target%/*}" 2>&1)"; then
    bad "the minter wrote ${target}"
  elif grep -qi forbidden <<<"${out}"; then
    ok "the minter may not write ${target}"
  else
    bad "writing ${target} failed otherwise: ${out}"
  fi
done

echo "identity-checks: ${passed} passed, ${failed} failed"
[ "${failed}" -eq 0 ]
