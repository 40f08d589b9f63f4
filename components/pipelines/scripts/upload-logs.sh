#!/usr/bin/env bash
# Copies the e2e gates' logs and JUnit results from the run's e2e workspace to the site's artifact storage under
# logs/ (which expires after logRetentionDays). Only an allow-list is copied: install directories also hold the
# kubeadmin password, kubeconfigs, ignition configs and the pull secret, and none of that may leave the workspace.
#
# Reads:
#   E2E_DIR           the run's e2e workspace (one directory per gate); empty when the run has none
#   ARTIFACTS_BUCKET  bucket (or container); rclone's `artifacts` remote is configured by RCLONE_CONFIG_ARTIFACTS_*
#   LOGS_PREFIX       e.g. logs/4.15/4.15.0-0.okd-2025-01-01-020000/
# Writes:
#   artifacts:$ARTIFACTS_BUCKET/$LOGS_PREFIX<gate>/{e2e.log,junit/,install-attempt-<n>.log,destroy.log,metadata.json}
set -euo pipefail

: "${ARTIFACTS_BUCKET:?upload-logs: ARTIFACTS_BUCKET is required}"
: "${LOGS_PREFIX:?upload-logs: LOGS_PREFIX is required}"

# The e2e workspace is written by the gates, which run the payload's own installer and tests images: a file there may
# be a symlink, a hard link, or sit under a symlinked directory, pointing at a secret of this pod such as its identity
# token (/var/run/secrets/azure/tokens/azure-identity-token) or /proc/self/environ. Only a regular file with one link
# whose real path is inside the workspace is read.
workspace_file() { # <workspace dir> <path>
  local root real
  [ -f "$2" ] && [ ! -L "$2" ] && [ "$(stat -c %h -- "$2")" = 1 ] || return 1
  root="$(realpath -e -- "$1")" && real="$(realpath -e -- "$2")" || return 1
  [[ "${real}" == "${root}/"* ]]
}

if [ -z "${E2E_DIR:-}" ] || [ ! -d "${E2E_DIR}" ]; then
  echo "upload-logs: the run has no e2e workspace; nothing to upload"
  exit 0
fi

stage="$(mktemp -d)"
trap 'rm -rf "${stage}"' EXIT
for gate_dir in "${E2E_DIR}"/*/; do
  [ -d "${gate_dir}" ] || continue
  gate="$(basename "${gate_dir}")"
  mkdir -p "${stage}/${gate}"
  # find never follows a symlink below its start point (-P); -o -type l lists planted links, to be refused by name.
  if [ -d "${gate_dir}artifacts" ] && [ ! -L "${gate_dir%/}" ] && [ ! -L "${gate_dir}artifacts" ]; then
    while IFS= read -r -d '' file; do
      rel="${file#"${gate_dir}artifacts/"}"
      if workspace_file "${E2E_DIR}" "${file}"; then
        mkdir -p "$(dirname "${stage}/${gate}/${rel}")"
        cp -P -- "${file}" "${stage}/${gate}/${rel}"
      else
        echo "upload-logs: ${gate}/artifacts/${rel} is not a regular file inside the workspace; not uploaded" >&2
      fi
    done < <(find "${gate_dir}artifacts/" -mindepth 1 \( -type f -o -type l \) -print0)
  fi
  for file in install/metadata.json install-outcome; do
    if [ -e "${gate_dir}${file}" ] || [ -L "${gate_dir}${file}" ]; then
      if workspace_file "${E2E_DIR}" "${gate_dir}${file}"; then
        cp -P -- "${gate_dir}${file}" "${stage}/${gate}/"
      else
        echo "upload-logs: ${gate}/${file} is not a regular file inside the workspace; not uploaded" >&2
      fi
    fi
  done
done
# What a gate swapped in after the checks above is still refused: only regular files leave.
find "${stage}" -mindepth 1 ! -type f ! -type d -delete
# The installer logs the console password when an install succeeds, and its debug log may hold instance user data
# and API tokens: redacted as OpenShift CI redacts the installer's log (openshift/release
# ci-operator/step-registry/ipi/install/install/ipi-install-install-commands.sh: password, X-Auth-Token, UserData).
find "${stage}" -name '*.log' -type f -exec sed -i -E \
  -e 's/(password: ).*/\1[redacted]/' -e 's/(X-Auth-Token).*/\1 [redacted]/' -e 's/(UserData:).*/\1 [redacted]/' {} +

count="$(find "${stage}" -type f | wc -l)"
if [ "${count}" -eq 0 ]; then
  echo "upload-logs: no gate logs in ${E2E_DIR}; nothing to upload"
  exit 0
fi
# The same on every store: rclone creates no bucket (no_check_bucket / no_check_container), uploads each file and checks
# its size and MD5, retries what fails, and exits non-zero if anything is still missing, which fails the step.
# test/scripts/upload-logs.test.ts runs this against moto (S3), Azurite and fake-gcs-server.
rc=0
rclone --quiet copy "${stage}" "artifacts:${ARTIFACTS_BUCKET}/${LOGS_PREFIX}" || rc=$?
if [ "${rc}" -ne 0 ]; then
  echo "upload-logs: uploading ${count} file(s) to ${LOGS_PREFIX} in ${ARTIFACTS_BUCKET} failed (rclone exit ${rc})" >&2
  exit "${rc}"
fi
echo "upload-logs: ${count} file(s) to ${LOGS_PREFIX}"
