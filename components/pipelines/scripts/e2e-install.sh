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
#   CLUSTER_PREFIX        optional, default okd
#   STATE_DIR             this gate's directory in the run's e2e workspace
#   PULL_SECRET_FILE      auth file for the payload's registry (written by registry-auth.sh)
#   CREDENTIALS_MODE      workload-identity or secret
#   CREDENTIALS_ENV       secret: the variable that points the installer at its credentials file
#   CREDENTIALS_SECRET    secret: the Kubernetes Secret the file comes from (named in errors)
#   GCP_PROJECT           gcp: project of the cluster
#   AZURE_BASE_DOMAIN_RESOURCE_GROUP  azure: resource group of the DNS zone
#   INSTALL_ATTEMPTS      optional, default 3
# Writes:
#   $STATE_DIR/install/               installer directory (metadata.json before any cloud resource exists)
#   $STATE_DIR/artifacts/install-attempt-<n>.log
#   $STATE_DIR/install-outcome        passed or failed
set -euo pipefail

fail() {
  echo "e2e-install: $*" >&2
  exit 1
}
for var in GATE RELEASE_IMAGE BASE_DOMAIN REGION RUN_ID STATE_DIR PULL_SECRET_FILE CREDENTIALS_MODE; do
  [ -n "${!var:-}" ] || fail "${var} is required"
done

# Credentials first: without them nothing below could mean anything.
case "${CREDENTIALS_MODE}" in
  secret)
    [ -n "${CREDENTIALS_ENV:-}" ] || fail "CREDENTIALS_ENV is required with CREDENTIALS_MODE=secret"
    file="${!CREDENTIALS_ENV:-}"
    if [ -z "${file}" ] || [ ! -s "${file}" ]; then
      fail "gate ${GATE} has no credentials: ${CREDENTIALS_ENV} points at '${file}', which is missing or empty; create the Secret ${CREDENTIALS_SECRET:-for this gate} in the pipeline namespace"
    fi
    ;;
  workload-identity)
    case "${GATE}" in
      aws) [ -n "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ] \
        || fail "gate aws has no credentials: no EKS Pod Identity or IRSA variables in the pod; is the okd-e2e ServiceAccount bound to the gate role?" ;;
      azure) [ -n "${AZURE_FEDERATED_TOKEN_FILE:-}" ] \
        || fail "gate azure has no credentials: AZURE_FEDERATED_TOKEN_FILE is not set; is the pod labelled azure.workload.identity/use=true?" ;;
      gcp) ;; # GKE Workload Identity answers on the metadata server; nothing to check in the environment.
      *) fail "unknown GATE ${GATE}" ;;
    esac
    ;;
  *) fail "CREDENTIALS_MODE must be workload-identity or secret, not ${CREDENTIALS_MODE}" ;;
esac
[ -s "${PULL_SECRET_FILE}" ] || fail "pull secret ${PULL_SECRET_FILE} is missing; the registry-auth task writes it"

bin="${STATE_DIR}/bin"
dir="${STATE_DIR}/install"
artifacts="${STATE_DIR}/artifacts"
mkdir -p "${bin}" "${artifacts}"
rm -rf "${dir}" "${dir}.backup"
mkdir -p "${dir}"
outcome() {
  printf '%s' "$1" >"${STATE_DIR}/install-outcome"
  echo "e2e-install: ${GATE}: install $1"
}

if ! oc adm release extract --registry-config="${PULL_SECRET_FILE}" --command=openshift-install --to="${bin}" "${RELEASE_IMAGE}"; then
  echo "e2e-install: could not extract openshift-install from ${RELEASE_IMAGE}" >&2
  outcome failed
  exit 0
fi

cluster="${CLUSTER_PREFIX:-okd}-${RUN_ID:0:8}"
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

export OPENSHIFT_INSTALL_RELEASE_IMAGE_OVERRIDE="${RELEASE_IMAGE}"
installer="${bin}/openshift-install"
# Manifests and ignition configs create no cloud resource, and metadata.json (what `destroy cluster` needs) exists
# from here on, so the finally task can always clean up.
if ! "${installer}" --dir="${dir}" create manifests || ! "${installer}" --dir="${dir}" create ignition-configs; then
  outcome failed
  exit 0
fi
cp -a "${dir}" "${dir}.backup"

attempts="${INSTALL_ATTEMPTS:-3}"
for attempt in $(seq 1 "${attempts}"); do
  rc=0
  "${installer}" --dir="${dir}" create cluster || rc=$?
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
  "${installer}" --dir="${dir}" destroy cluster || echo "e2e-install: destroy between attempts failed; retrying anyway" >&2
  rm -rf "${dir}"
  cp -a "${dir}.backup" "${dir}"
done
