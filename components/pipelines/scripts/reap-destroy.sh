#!/usr/bin/env bash
# The cluster reaper's destroy step, on one gate's cloud with that gate's own credentials: for each registration
# reap-select.sh picked, extracts the installer from the payload the run tested and runs
# `openshift-install destroy cluster --dir` on the stored metadata.json (destroy needs only metadata.json:
# openshift/installer pkg/destroy/destroyer.go@24c167b0 New() loads it with metadata.Load(rootDir) and picks the
# platform's destroyer from it). In dry-run mode it only says what it would destroy. A cloud's picked registrations
# are its install gate's (<cloud>/) and its upgrade gate's (<cloud>-upgrade/, whose run.json names the earlier release
# the cluster was installed from, so that release's installer destroys it).
#
# Reads:
#   WORK_DIR          the picked registrations (reap-select.sh OUT_DIR), <gate>/<pipeline run>/{metadata.json,run.json}
#   GATE              aws, gcp or azure: this cloud's, <GATE>/ and <GATE>-upgrade/, are destroyed
#   DRY_RUN           true (log only) or false (destroy)
#   PULL_SECRET_FILE  auth file for the payloads' registry (written by registry-auth.sh)
#   TLS_VERIFY        optional, default true; "false" lets oc reach a registry without TLS (--insecure=true)
#   CREDENTIALS_ENV, that variable, CREDENTIALS_SECRET, CREDENTIALS_HOW_TO: the gate's credentials, as e2e-install.sh
# Writes:
#   $WORK_DIR/<gate>/<run>/outcome       destroyed, failed or dry-run
#   $WORK_DIR/<gate>/<run>/destroy.log   the installer's log
# Exits 1 when any destroy failed (after trying every one), so the failure shows on the reaper's run.
set -euo pipefail

fail() {
  echo "reap-destroy: $*" >&2
  exit 1
}
for var in WORK_DIR GATE DRY_RUN; do
  [ -n "${!var:-}" ] || fail "${var} is required"
done
case "${DRY_RUN}" in true | false) ;; *) fail "DRY_RUN must be true or false, not ${DRY_RUN}" ;; esac
case "${GATE}" in aws | gcp | azure) ;; *) fail "GATE must be aws, gcp or azure, not ${GATE}" ;; esac
runs=()
for gate_dir in "${WORK_DIR}/${GATE}" "${WORK_DIR}/${GATE}-upgrade"; do
  [ -d "${gate_dir}" ] || continue
  for d in "${gate_dir}"/*/; do
    [ -s "${d}metadata.json" ] && runs+=("${d%/}")
  done
done
if [ "${#runs[@]}" -eq 0 ]; then
  echo "reap-destroy: ${GATE}: nothing to reap"
  exit 0
fi

if [ "${DRY_RUN}" = false ]; then
  # The gate's own credentials only, as e2e-install.sh: nothing else the pod carries may be picked up instead.
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_CONTAINER_CREDENTIALS_FULL_URI \
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN
  : "${CREDENTIALS_ENV:?reap-destroy: CREDENTIALS_ENV is required}"
  for var in GOOGLE_APPLICATION_CREDENTIALS GOOGLE_CREDENTIALS GOOGLE_CLOUD_KEYFILE_JSON GCLOUD_KEYFILE_JSON; do
    [ "${var}" = "${CREDENTIALS_ENV}" ] || unset "${var}"
  done
  if [ ! -s "${!CREDENTIALS_ENV:-/nonexistent}" ]; then
    fail "${GATE}: ${CREDENTIALS_ENV} points at '${!CREDENTIALS_ENV:-}', which is missing or empty; the Secret ${CREDENTIALS_SECRET:-of this gate} holds them: ${CREDENTIALS_HOW_TO:-create it}"
  fi
  : "${PULL_SECRET_FILE:?reap-destroy: PULL_SECRET_FILE is required to extract the installers}"
fi

oc_flags=()
if [ "${TLS_VERIFY:-true}" != "true" ]; then oc_flags+=(--insecure=true); fi
failed=0
for d in "${runs[@]}"; do
  # <gate>/<run>: the upgrade gate's clusters say so in every line.
  run="$(basename "$(dirname "${d}")")/$(basename "${d}")"
  what="$(jq -r '"\(.clusterName) (infraID \(.infraID))"' "${d}/metadata.json")"
  image="$(jq -r '.releaseImage // ""' "${d}/run.json" 2>/dev/null || true)"
  if [ "${DRY_RUN}" = true ]; then
    echo "reap-destroy: ${GATE}: dry run: would destroy ${what} of ${run} with the installer of ${image:-an unknown payload}"
    printf 'dry-run' >"${d}/outcome"
    continue
  fi
  if [ -z "${image}" ]; then
    echo "reap-destroy: ${GATE}: ${run}: run.json names no releaseImage to take the installer from; ${what} not destroyed" >&2
    printf 'failed' >"${d}/outcome"
    failed=$((failed + 1))
    continue
  fi
  mkdir -p "${d}/bin" "${d}/install"
  cp "${d}/metadata.json" "${d}/install/metadata.json"
  if ! oc adm release extract "${oc_flags[@]}" --registry-config="${PULL_SECRET_FILE}" --command=openshift-install \
    --to="${d}/bin" "${image}"; then
    echo "reap-destroy: ${GATE}: ${run}: could not extract openshift-install from ${image}; ${what} not destroyed" >&2
    printf 'failed' >"${d}/outcome"
    failed=$((failed + 1))
    continue
  fi
  status=0
  "${d}/bin/openshift-install" --dir="${d}/install" destroy cluster || status=$?
  cp "${d}/install/.openshift_install.log" "${d}/destroy.log" 2>/dev/null || true
  if [ "${status}" -eq 0 ]; then
    echo "reap-destroy: ${GATE}: destroyed ${what} of ${run}"
    printf 'destroyed' >"${d}/outcome"
  else
    echo "reap-destroy: ${GATE}: destroying ${what} of ${run} failed (openshift-install exit ${status}); the next reaper run tries again" >&2
    printf 'failed' >"${d}/outcome"
    failed=$((failed + 1))
  fi
done
echo "reap-destroy: ${GATE}: ${#runs[@]} picked, ${failed} failed"
[ "${failed}" -eq 0 ]
