#!/usr/bin/env bash
# Installs an e2e cluster from the payload under test with the installer extracted from that payload. Retries only
# on infrastructure failures (exit code 4), destroying between tries, as the OpenShift CI install step does.
# A failed install is an outcome (the payload is rejected), not a task failure; a missing credential is a task
# failure, because it says nothing about the payload.
#
# Reads:
#   GATE                  aws, gcp or azure
#   RELEASE_IMAGE         payload under test, repository@digest
#   BASE_DOMAIN, REGION   where the cluster goes
#   RUN_ID                unique id of the run; the cluster is named <CLUSTER_PREFIX>-<first 8 characters>
#   CLUSTER_PREFIX        the gate's cluster name prefix; the gate identity's IAM is scoped to names starting with it
#   STATE_DIR             this gate's directory in the run's e2e workspace
#   INSTALL_STEP          optional: prepare (installer, install-config, manifests and ignition configs: metadata.json,
#                         and no cloud resource yet), create (create cluster from a prepared directory) or all (the
#                         default, both). The nightly runs prepare and create as two tasks with register-cluster.sh
#                         between them, so that every cluster's metadata.json is in artifact storage before the
#                         cluster exists (the cluster reaper destroys leaked clusters from it).
#   PULL_SECRET_FILE      auth file for the payload's registry (written by registry-auth.sh)
#   CREDENTIALS_ENV       the variable that points the installer at its credentials file (e.g.
#                         AWS_SHARED_CREDENTIALS_FILE); that variable, set to the file from the gate Secret
#   CREDENTIALS_SECRET    the Kubernetes Secret the file comes from (named in errors)
#   CREDENTIALS_HOW_TO    optional: how the operator creates the credentials (named in errors)
#   INSTALL_CREDENTIALS_MODE  install-config credentialsMode: Mint or Passthrough
#   GCP_PROJECT           gcp: project of the cluster
#   AZURE_BASE_DOMAIN_RESOURCE_GROUP  azure: resource group of the DNS zone
#   INSTALL_ATTEMPTS      optional, default 3
#   TLS_VERIFY            optional, default true; "false" lets oc reach a registry without TLS (--insecure=true)
#   SKIP_WITHOUT_RELEASE  optional, "true" for an upgrade gate: an empty RELEASE_IMAGE (no earlier release to upgrade
#                         from) installs nothing and writes install-outcome `skipped`
# Writes:
#   $STATE_DIR/install/               installer directory (metadata.json before any cloud resource exists)
#   $STATE_DIR/artifacts/install-attempt-<n>.log
#   $STATE_DIR/install-outcome        passed, failed or (SKIP_WITHOUT_RELEASE) skipped
set -euo pipefail

fail() {
  echo "e2e-install: $*" >&2
  exit 1
}
if [ "${SKIP_WITHOUT_RELEASE:-}" = "true" ] && [ -z "${RELEASE_IMAGE:-}" ] && [ -n "${STATE_DIR:-}" ]; then
  mkdir -p "${STATE_DIR}"
  printf 'skipped' >"${STATE_DIR}/install-outcome"
  echo "e2e-install: ${GATE:-gate}: no release to install (no earlier release to upgrade from); skipped"
  exit 0
fi
for var in GATE RELEASE_IMAGE BASE_DOMAIN REGION RUN_ID CLUSTER_PREFIX STATE_DIR PULL_SECRET_FILE CREDENTIALS_ENV \
  INSTALL_CREDENTIALS_MODE; do
  [ -n "${!var:-}" ] || fail "${var} is required"
done

# Credentials first: without them nothing below could mean anything. The installer must use exactly the gate's own
# static credentials: outside Manual mode it hands them to the cluster it creates, and it refuses session credentials
# (openshift/installer pkg/asset/manifests/openshift.go). Any other credentials the pod may carry would come first in
# the SDKs' search order, so they go.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_CONTAINER_CREDENTIALS_FULL_URI \
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN
for var in GOOGLE_APPLICATION_CREDENTIALS GOOGLE_CREDENTIALS GOOGLE_CLOUD_KEYFILE_JSON GCLOUD_KEYFILE_JSON; do
  [ "${var}" = "${CREDENTIALS_ENV}" ] || unset "${var}"
done
file="${!CREDENTIALS_ENV:-}"
if [ -z "${file}" ] || [ ! -s "${file}" ]; then
  fail "gate ${GATE} has no credentials: ${CREDENTIALS_ENV} points at '${file}', which is missing or empty; the Secret ${CREDENTIALS_SECRET:-of this gate} in the pipeline namespace holds them: ${CREDENTIALS_HOW_TO:-create it}"
fi
case "${GATE}" in
  aws)
    if ! grep -Eq '^ *aws_access_key_id *= *[^ ]' "${file}" || ! grep -Eq '^ *aws_secret_access_key *= *[^ ]' "${file}"; then
      fail "gate aws: ${CREDENTIALS_ENV} is not an AWS credentials file with aws_access_key_id and aws_secret_access_key"
    fi
    if grep -Eq '^ *aws_session_token *=' "${file}"; then
      fail "gate aws: ${CREDENTIALS_ENV} holds session credentials; openshift-install accepts them only in Manual mode, the gate needs the static access key of its IAM user"
    fi
    ;;
  gcp)
    jq -e '.type == "service_account" and (.private_key | length > 0)' "${file}" >/dev/null 2>&1 \
      || fail "gate gcp: ${CREDENTIALS_ENV} is not a service account key (JSON with type service_account and a private_key)"
    ;;
  azure)
    jq -e '(.subscriptionId // "" | length > 0) and (.tenantId // "" | length > 0) and (.clientId // "" | length > 0) and ((.clientSecret // .clientCertificate // "") | length > 0)' "${file}" >/dev/null 2>&1 \
      || fail "gate azure: ${CREDENTIALS_ENV} is not a service principal file (subscriptionId, tenantId, clientId and clientSecret or clientCertificate)"
    ;;
  *) fail "unknown GATE ${GATE}" ;;
esac
case "${INSTALL_CREDENTIALS_MODE}" in
  Mint | Passthrough) ;;
  *) fail "INSTALL_CREDENTIALS_MODE must be Mint or Passthrough, not ${INSTALL_CREDENTIALS_MODE}" ;;
esac
[ -s "${PULL_SECRET_FILE}" ] || fail "pull secret ${PULL_SECRET_FILE} is missing; the registry-auth task writes it"
step="${INSTALL_STEP:-all}"
case "${step}" in
  prepare | create | all) ;;
  *) fail "INSTALL_STEP must be prepare, create or all, not ${step}" ;;
esac

bin="${STATE_DIR}/bin"
dir="${STATE_DIR}/install"
artifacts="${STATE_DIR}/artifacts"
installer="${bin}/openshift-install"
export OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE="${RELEASE_IMAGE}"
outcome() {
  printf '%s' "$1" >"${STATE_DIR}/install-outcome"
  echo "e2e-install: ${GATE}: install $1"
}

# The installer prints the kubeadmin password when a cluster is up (cmd/openshift-install logComplete: "Login to the
# console with user: %q, and password: %q"), and the step log is readable by whoever may read the namespace's pod
# logs: with that password the cluster's console gives cluster-admin, and the cluster holds the gate's cloud
# credentials. Its output is filtered as OpenShift CI's install step filters it (openshift/release
# ci-operator/step-registry/ipi/install/install/ipi-install-install-commands.sh: grep --line-buffered -v
# 'password\|X-Auth-Token\|UserData:'); --skip-password-print exists only in newer installers. Returns the
# installer's exit code. upload-logs.sh redacts the same from the log files it uploads.
run_installer() {
  "${installer}" --dir="${dir}" "$@" 2>&1 | { grep --line-buffered -v 'password\|X-Auth-Token\|UserData:' || true; }
  return "${PIPESTATUS[0]}"
}

if [ "${step}" != create ]; then
  mkdir -p "${bin}" "${artifacts}"
  rm -rf "${dir}" "${dir}.backup" "${STATE_DIR}/install-outcome"
  mkdir -p "${dir}"

  # `--command=openshift-install` takes /usr/bin/openshift-install from the payload's `installer` image for linux on
  # oc's own architecture, the pod's (no --command-os: the installer must run here), when the payload is of that
  # architecture, and pins the payload (repository@digest) and its name into the binary (openshift/oc
  # pkg/cli/admin/release/extract_tools.go @ae1bd9e4a75b: the linux/targetReleaseArch target, releaseImageMarker).
  oc_flags=()
  if [ "${TLS_VERIFY:-true}" != "true" ]; then oc_flags+=(--insecure=true); fi

  if ! oc adm release extract "${oc_flags[@]}" --registry-config="${PULL_SECRET_FILE}" --command=openshift-install \
    --to="${bin}" "${RELEASE_IMAGE}"; then
    echo "e2e-install: could not extract openshift-install from ${RELEASE_IMAGE}" >&2
    outcome failed
    exit 0
  fi

  cluster="${CLUSTER_PREFIX}-${RUN_ID:0:8}"
  case "${GATE}" in
    aws) platform="  aws:
    region: ${REGION}" ;;
    gcp)
      [ -n "${GCP_PROJECT:-}" ] || fail "GCP_PROJECT is required for the gcp gate"
      platform="  gcp:
    projectID: ${GCP_PROJECT}
    region: ${REGION}" ;;
    azure)
      [ -n "${AZURE_BASE_DOMAIN_RESOURCE_GROUP:-}" ] || fail "AZURE_BASE_DOMAIN_RESOURCE_GROUP is required for the azure gate"
      platform="  azure:
    region: ${REGION}
    baseDomainResourceGroupName: ${AZURE_BASE_DOMAIN_RESOURCE_GROUP}
    cloudName: AzurePublicCloud" ;;
    *) fail "unknown GATE ${GATE}" ;;
  esac
  # The pull secret is a JSON document on one line; YAML reads it as a single-quoted scalar.
  pull_secret="$(tr -d '\n' <"${PULL_SECRET_FILE}")"
  umask 077
  cat >"${dir}/install-config.yaml" <<CONFIG
apiVersion: v1
baseDomain: ${BASE_DOMAIN}
credentialsMode: ${INSTALL_CREDENTIALS_MODE}
metadata:
  name: ${cluster}
controlPlane:
  name: master
  replicas: 3
compute:
  - name: worker
    replicas: 3
networking:
  networkType: OVNKubernetes
platform:
${platform}
pullSecret: '${pull_secret}'
CONFIG

  # Manifests and ignition configs create no cloud resource, and metadata.json (what `destroy cluster` needs) exists
  # from here on, so the finally task can always clean up: openshift/installer pkg/asset/targets/targets.go@02082043
  # lists cluster.Metadata among the IgnitionConfigs targets; only the Cluster targets provision.
  if ! run_installer create manifests || ! run_installer create ignition-configs; then
    outcome failed
    exit 0
  fi
  cp -a "${dir}" "${dir}.backup"
fi
if [ "${step}" = prepare ]; then
  echo "e2e-install: ${GATE}: prepared ${dir} (metadata.json: infraID $(jq -r .infraID "${dir}/metadata.json"))"
  exit 0
fi
if [ "${step}" = create ]; then
  if [ -f "${STATE_DIR}/install-outcome" ]; then
    echo "e2e-install: ${GATE}: the prepare step already ended the install: $(cat "${STATE_DIR}/install-outcome")"
    exit 0
  fi
  if [ ! -s "${dir}/metadata.json" ] || [ ! -d "${dir}.backup" ]; then
    fail "no prepared installer directory ${dir} (metadata.json and its backup); run INSTALL_STEP=prepare first"
  fi
fi
mkdir -p "${artifacts}"

attempts="${INSTALL_ATTEMPTS:-3}"
for attempt in $(seq 1 "${attempts}"); do
  rc=0
  run_installer create cluster || rc=$?
  cp "${dir}/.openshift_install.log" "${artifacts}/install-attempt-${attempt}.log" 2>/dev/null || true
  if [ "${rc}" -eq 0 ]; then
    outcome passed
    exit 0
  fi
  if [ "${rc}" -ne 4 ] || [ "${attempt}" -eq "${attempts}" ]; then
    echo "e2e-install: create cluster exited ${rc} on attempt ${attempt} of ${attempts}" >&2
    outcome failed
    exit 0
  fi
  echo "e2e-install: infrastructure failure (exit 4) on attempt ${attempt}; destroying and retrying" >&2
  run_installer destroy cluster || echo "e2e-install: destroy between attempts failed; retrying anyway" >&2
  rm -rf "${dir}"
  cp -a "${dir}.backup" "${dir}"
done
