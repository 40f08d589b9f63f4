#!/usr/bin/env bash
# `npm run test:engine`: the `ci` stack through the real Pulumi engine against a real Kubernetes API server.
#
#   1. builds (once per pinned version, cached outside the repository) the Pulumi CLI, the kubernetes provider,
#      kube-apiserver, kubectl and etcd from their Go modules (scripts/ensure-test-tools.sh --group engine);
#   2. starts etcd and kube-apiserver (Kubernetes 1.34) on 127.0.0.1 with certificates made here and writes a
#      kubeconfig with an admin client certificate;
#   3. builds the pinned Tekton release manifests from the Go modules' config/ (test/engine/release-manifests.ts) and
#      installs their CustomResourceDefinitions, so the preview's server-side dry-run checks Tekton objects against
#      the real schemas (the namespaces the stack uses come from the manifests and the program: none is pre-created);
#   4. logs in to a local (file) backend in a temporary directory, `pulumi stack init ci` with the passphrase
#      secrets provider in a copy of the project's Pulumi.yaml and Pulumi.ci.yaml (never the repository's files),
#      points the stack's config at this API server and the local manifests;
#   5. synthesizes the same configuration offline (npm run synth) and runs `pulumi preview --stack ci --policy-pack
#      policy --diff` (test/engine/engine.ts), which must exit 0 with every URN equal to the plan's, no mandatory
#      policy violation, the analyzer's violations exactly those the offline policy run finds in the plan, and no
#      warning that is not expected;
#   6. if the preview passed: `pulumi up --stack ci --skip-preview`, checked the same way. No kubelet or controller
#      manager runs here, so no Pod ever starts: for `up` only, engine.ts adds the provider's `pulumi.com/skipAwait`
#      annotation to the kinds whose readiness needs them (Deployments, Jobs, Services, claims, quotas, ...); every
#      other object is created and awaited as in production. See docs/ci.md.
#   7. after `up`: test/engine/identity-checks.sh makes, as the listener's, the build's, the token minter's, the
#      nightly dispatcher's and the cluster reaper starter's ServiceAccounts, the attempts docs/security.md says fail
#      (RBAC, the listener and reaper admission policies, the PipelineRun quota, the minter's one Secret); the
#      reaper's objects come from the aws stack's synth, since the ci stack has no gates.
#
# Usage: scripts/test-engine.sh [--preview-only] [--keep]
#   --preview-only  stop after the preview
#   --keep          keep the temporary directory (state, logs, kubeconfig) and print its path
# Reads: OKD_CI_TOOLS_CACHE (see ensure-test-tools.sh). Writes: a temporary directory, removed unless --keep.
# Every process it starts listens on 127.0.0.1 only and is stopped on exit.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "${root}"

preview_only=false
keep=false
usage() {
  cat <<'USAGE'
usage: npm run test:engine [-- --preview-only] [-- --keep]
  --preview-only  stop after the preview
  --keep          keep the temporary directory (state, logs, kubeconfig) and print its path
  -h, --help      this text, then what the test does
USAGE
}
for arg in "$@"; do
  case "${arg}" in
    --preview-only) preview_only=true ;;
    --keep) keep=true ;;
    -h | --help)
      usage
      echo
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *)
      # The npm-script convention (scripts/cli.ts): one line naming the mistake, then the usage, exit 2.
      echo "test:engine: Unknown option '${arg}'" >&2
      usage >&2
      exit 2
      ;;
  esac
done

started="$(date +%s)"
say() { printf 'test-engine [%4ss] %s\n' "$(($(date +%s) - started))" "$*"; }

bash scripts/ensure-test-tools.sh --group engine
export PATH="${root}/.tools/bin:${root}/node_modules/.bin:${PATH}"
for tool in pulumi pulumi-resource-kubernetes kube-apiserver kubectl etcd openssl node; do
  command -v "${tool}" >/dev/null || {
    echo "test-engine: ${tool} is missing after ensure-test-tools.sh" >&2
    exit 1
  }
done
say "tools: $(pulumi version), kube-apiserver $(kube-apiserver --version | cut -d' ' -f2), etcd $(etcd --version | sed -n 's/^etcd Version: //p')"

work="$(mktemp -d "${TMPDIR:-/tmp}/okd-ci-engine.XXXXXX")"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  if [ "${keep}" = true ]; then echo "test-engine: kept ${work}"; else rm -rf "${work}"; fi
}
trap cleanup EXIT

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# --- Certificates: a CA, the API server's serving certificate, an admin client certificate, the SA signing key ----
pki="${work}/pki"
mkdir -p "${pki}"
(
  cd "${pki}"
  ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
  ec ca.key
  openssl req -x509 -new -key ca.key -days 2 -subj "/CN=okd-ci-engine-test-ca" -out ca.crt
  sign() { # name subject extensions
    ec "$1.key"
    openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
    printf '%s\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  }
  sign apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth"
  sign admin "/O=system:masters/CN=okd-ci-engine-test" "extendedKeyUsage=clientAuth"
  ec sa.key
  openssl pkey -in sa.key -pubout -out sa.pub
)

# --- etcd and kube-apiserver on 127.0.0.1 -------------------------------------------------------------------------
etcd_port="$(free_port)"
peer_port="$(free_port)"
api_port="$(free_port)"
etcd --name engine-test --data-dir "${work}/etcd" --log-level warn --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:${etcd_port}" --advertise-client-urls "http://127.0.0.1:${etcd_port}" \
  --listen-peer-urls "http://127.0.0.1:${peer_port}" --initial-advertise-peer-urls "http://127.0.0.1:${peer_port}" \
  --initial-cluster "engine-test=http://127.0.0.1:${peer_port}" >"${work}/etcd.log" 2>&1 &
pids+=("$!")

# The admission webhooks (Tekton's) run in Pods, which need a kubelet: with the webhook admission plugins on, the API
# server would refuse every Tekton object once `up` registers them ("no endpoints available for service"), which
# says nothing about the program. Everything else (schemas, core validation, RBAC, the other admission plugins) is on.
kube-apiserver --etcd-servers "http://127.0.0.1:${etcd_port}" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "${api_port}" \
  --tls-cert-file "${pki}/apiserver.crt" --tls-private-key-file "${pki}/apiserver.key" --client-ca-file "${pki}/ca.crt" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "${pki}/sa.pub" --service-account-signing-key-file "${pki}/sa.key" \
  --service-cluster-ip-range 10.96.0.0/16 --authorization-mode RBAC \
  --disable-admission-plugins MutatingAdmissionWebhook,ValidatingAdmissionWebhook \
  --cert-dir "${work}/apiserver" --profiling=false >"${work}/kube-apiserver.log" 2>&1 &
pids+=("$!")

kubeconfig="${work}/kubeconfig"
context=okd-ci-engine
kubectl config --kubeconfig "${kubeconfig}" set-cluster "${context}" --server "https://127.0.0.1:${api_port}" \
  --certificate-authority "${pki}/ca.crt" --embed-certs >/dev/null
kubectl config --kubeconfig "${kubeconfig}" set-credentials "${context}-admin" \
  --client-certificate "${pki}/admin.crt" --client-key "${pki}/admin.key" --embed-certs >/dev/null
kubectl config --kubeconfig "${kubeconfig}" set-context "${context}" --cluster "${context}" --user "${context}-admin" >/dev/null
kubectl config --kubeconfig "${kubeconfig}" use-context "${context}" >/dev/null
k() { kubectl --kubeconfig "${kubeconfig}" "$@"; }

for _ in $(seq 1 120); do
  if k get --raw /readyz >/dev/null 2>&1; then break; fi
  for pid in "${pids[@]}"; do
    kill -0 "${pid}" 2>/dev/null || {
      tail -n 20 "${work}/etcd.log" "${work}/kube-apiserver.log" >&2
      echo "test-engine: etcd or kube-apiserver exited (logs above)" >&2
      exit 1
    }
  done
  sleep 1
done
k get --raw /readyz >/dev/null || {
  tail -n 30 "${work}/kube-apiserver.log" >&2
  echo "test-engine: kube-apiserver did not become ready in 120 s" >&2
  exit 1
}
say "kube-apiserver $(k version -o json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).serverVersion.gitVersion))') ready on https://127.0.0.1:${api_port}"

# --- Tekton: release manifests from the pinned modules, their CRDs, the namespaces the stack expects -------------
manifests="${work}/tekton-releases"
tsx test/engine/release-manifests.ts "${manifests}"
k apply --server-side --field-manager okd-ci-engine-test -f "${manifests}/crds.yaml" >/dev/null
# A CRD without status yet makes `kubectl wait` fail at once rather than wait: try again until all are established.
for _ in $(seq 1 60); do
  if k wait --for condition=established --timeout 10s crd --all >/dev/null 2>&1; then break; fi
  sleep 2
done
k wait --for condition=established --timeout 10s crd --all >/dev/null
say "installed $(k get crd -o name | wc -l) CustomResourceDefinitions"

# --- The stack: local backend, passphrase secrets, config pointing at this cluster ---------------------------------
project="${work}/project"
mkdir -p "${project}" "${work}/state"
cp Pulumi.yaml Pulumi.ci.yaml "${project}/"
# The CLI checks that the project's `main` (launch/pulumi.js) exists; the program itself is this repository's bundle
# (see test/engine/engine.ts).
ln -s "${root}/launch" "${project}/launch"
export PULUMI_HOME="${work}/pulumi-home"
export PULUMI_BACKEND_URL="file://${work}/state"
PULUMI_CONFIG_PASSPHRASE="$(openssl rand -hex 24)"
export PULUMI_CONFIG_PASSPHRASE
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# The policy pack's analyzer (see test/engine/pulumi-analyzer-policy-nodejs), installed where the CLI looks for it.
analyzer="${PULUMI_HOME}/plugins/analyzer-policy-nodejs-v$(pulumi version | sed 's/^v//')"
mkdir -p "${analyzer}"
cp test/engine/pulumi-analyzer-policy-nodejs "${analyzer}/"

(
  cd "${project}"
  pulumi login "${PULUMI_BACKEND_URL}" >/dev/null
  pulumi stack init ci --secrets-provider passphrase >/dev/null
  pulumi config set okd-ci:kubeconfig "${kubeconfig}"
  pulumi config set okd-ci:kubeContext "${context}"
  pulumi config set okd-ci:tektonManifestSource "${manifests}"
  # Values the program would otherwise generate with the random and tls providers, which cannot be built here (the
  # Go module proxy serves no version of github.com/pulumi/pulumi-random/provider or pulumi-tls/provider): the
  # program's configured-secret paths instead, set as secrets.
  pulumi config set --secret okd-ci:githubWebhookSecret "$(openssl rand -hex 20)"
  pulumi config set --secret okd-ci:objectStoreAccessKey "$(openssl rand -hex 10)"
  pulumi config set --secret okd-ci:objectStoreSecretKey "$(openssl rand -hex 20)"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
    pulumi config set --secret okd-ci:chainsSigningKey
)
say "stack ci in ${PULUMI_BACKEND_URL}"

# --- The synth plan of the same configuration ----------------------------------------------------------------------
npm run --silent synth -- --stack ci --config-dir "${project}" --out "${work}/synth" >"${work}/synth.log"
plan="${work}/synth/ci/plan.json"
say "synth plan: $(node -e 'console.log(require(process.argv[1]).resources.length)' "${plan}") resources"

# --- preview, then up ----------------------------------------------------------------------------------------------
status=0
tsx test/engine/engine.ts --work-dir "${project}" --plan "${plan}" --report "${work}/preview.json" || status=$?
if [ "${status}" -ne 0 ]; then
  say "pulumi preview failed the checks above"
  keep=true
  exit 1
fi
say "pulumi preview passed"
if [ "${preview_only}" = false ]; then
  tsx test/engine/engine.ts --up --work-dir "${project}" --plan "${plan}" --report "${work}/up.json" || status=$?
  say "pulumi up: $(node -e 'const r=require(process.argv[1]);console.log(JSON.stringify({ok:r.ok,ops:r.ops,failed:r.failedResources.length}))' "${work}/up.json")"
  if [ "${status}" -ne 0 ]; then
    keep=true
    exit 1
  fi
  # The ci stack has no gates, so no cluster reaper: its admission policy and RBAC come from the aws stack's synth.
  npm run --silent synth -- --stack aws --out "${work}/synth-aws" >"${work}/synth-aws.log"
  KUBECONFIG="${kubeconfig}" RUNS_DIR="${work}/synth/ci/runs" REAPER_MANIFESTS="${work}/synth-aws/aws/manifests" \
    bash test/engine/identity-checks.sh || status=$?
  if [ "${status}" -ne 0 ]; then
    say "identity checks failed (above)"
    keep=true
    exit 1
  fi
fi
say "done in $(($(date +%s) - started)) s"
if [ "${preview_only}" = true ]; then echo "test-engine: 1 passed, 0 failed"; else echo "test-engine: 3 passed, 0 failed"; fi
