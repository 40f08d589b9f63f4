#!/usr/bin/env bash
# Destroys the gate's e2e cluster, whatever happened before: it runs in the pipeline's `finally`, so a failed install,
# a failed test, a timeout or a cancelled run (CancelledRunFinally) all end here. Without metadata.json no cloud
# resource was ever created, and there is nothing to do.
#
# Reads:
#   STATE_DIR         this gate's directory in the run's e2e workspace
#   RELEASE_IMAGE     payload under test, to extract the installer again if the gate never did
#   PULL_SECRET_FILE  auth file for the payload's registry
#   TLS_VERIFY        optional, default true; "false" lets oc reach a registry without TLS (--insecure=true)
#   DESTROY_ATTEMPTS  optional, default 3: attempts within this one run of the Task, which Tekton does not retry, so
#                     that every attempt fits the Task's timeout and the `finally` budget
#   CREDENTIALS_ENV, that variable, CREDENTIALS_SECRET, CREDENTIALS_HOW_TO: the gate's credentials, as e2e-install.sh
# Writes:
#   $STATE_DIR/artifacts/destroy.log   the installer's log, after every attempt (a failed destroy's log matters most)
#   $STATE_DIR/destroy.done            when the script ends, however: nothing, destroyed or failed; finalize-record
#                                      waits for it (await-destroys.sh) before uploading the logs
set -euo pipefail

: "${STATE_DIR:?e2e-destroy: STATE_DIR is required}"
outcome="failed"
mkdir -p "${STATE_DIR}"
trap 'echo "${outcome}" >"${STATE_DIR}/destroy.done"' EXIT
# Tekton stops a step that runs out of time with SIGTERM; end through the EXIT trap.
trap 'exit 143' TERM INT
dir="${STATE_DIR}/install"
if [ ! -s "${dir}/metadata.json" ]; then
  echo "e2e-destroy: no ${dir}/metadata.json; no cluster was created, nothing to destroy"
  outcome="nothing"
  exit 0
fi

# The gate's own credentials only, as e2e-install.sh: nothing else the pod carries may be picked up instead.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_CONTAINER_CREDENTIALS_FULL_URI \
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN
: "${CREDENTIALS_ENV:?e2e-destroy: CREDENTIALS_ENV is required}"
for var in GOOGLE_APPLICATION_CREDENTIALS GOOGLE_CREDENTIALS GOOGLE_CLOUD_KEYFILE_JSON GCLOUD_KEYFILE_JSON; do
  [ "${var}" = "${CREDENTIALS_ENV}" ] || unset "${var}"
done
if [ ! -s "${!CREDENTIALS_ENV:-/nonexistent}" ]; then
  echo "e2e-destroy: cannot destroy the cluster in ${dir}: ${CREDENTIALS_ENV} points at '${!CREDENTIALS_ENV:-}', which is missing or empty; the Secret ${CREDENTIALS_SECRET:-of this gate} holds them: ${CREDENTIALS_HOW_TO:-create it}" >&2
  exit 1
fi

installer="${STATE_DIR}/bin/openshift-install"
if [ ! -x "${installer}" ]; then
  : "${RELEASE_IMAGE:?e2e-destroy: RELEASE_IMAGE is required to extract the installer}"
  : "${PULL_SECRET_FILE:?e2e-destroy: PULL_SECRET_FILE is required to extract the installer}"
  mkdir -p "${STATE_DIR}/bin"
  oc_flags=()
  if [ "${TLS_VERIFY:-true}" != "true" ]; then oc_flags+=(--insecure=true); fi
  oc adm release extract "${oc_flags[@]}" --registry-config="${PULL_SECRET_FILE}" --command=openshift-install \
    --to="${STATE_DIR}/bin" "${RELEASE_IMAGE}"
fi

mkdir -p "${STATE_DIR}/artifacts"
attempts="${DESTROY_ATTEMPTS:-3}"
for attempt in $(seq 1 "${attempts}"); do
  status=0
  "${installer}" --dir="${dir}" destroy cluster || status=$?
  # The installer appends every run to .openshift_install.log: the copy holds all attempts so far.
  cp "${dir}/.openshift_install.log" "${STATE_DIR}/artifacts/destroy.log" 2>/dev/null || true
  if [ "${status}" -eq 0 ]; then
    outcome="destroyed"
    echo "e2e-destroy: destroyed $(jq -r '.infraID // "the cluster"' "${dir}/metadata.json" 2>/dev/null || echo 'the cluster')"
    exit 0
  fi
  echo "e2e-destroy: destroy attempt ${attempt} of ${attempts} failed" >&2
done
echo "e2e-destroy: could not destroy the cluster in ${dir}; cloud resources may be left behind" >&2
exit 1
