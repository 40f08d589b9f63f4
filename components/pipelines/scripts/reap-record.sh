#!/usr/bin/env bash
# The cluster reaper's last step (in `finally`): removes the registration of every cluster it destroyed, so that the
# next run does not try again, and uploads what it did to the logs: summary.jsonl (one line per picked cluster:
# gate, run, clusterName, infraID, registered, outcome) and each destroy's installer log.
#
# Reads:
#   OUT_DIR           the picked registrations with their outcomes, <gate>/<pipeline run>/
#   ARTIFACTS_BUCKET  bucket (or container); rclone's `artifacts` remote is configured by RCLONE_CONFIG_ARTIFACTS_*
#   LOGS_PREFIX       e.g. logs/reaper/okd-reap-clusters-x7k2p/
#   CLUSTERS_PREFIX   optional, default clusters/
# Writes:
#   artifacts:$ARTIFACTS_BUCKET/$LOGS_PREFIX{summary.jsonl,<gate>/<run>/destroy.log}
#   deletes artifacts:$ARTIFACTS_BUCKET/$CLUSTERS_PREFIX<gate>/<run>/ of each destroyed cluster
set -euo pipefail

fail() {
  echo "reap-record: $*" >&2
  exit 1
}
for var in OUT_DIR ARTIFACTS_BUCKET LOGS_PREFIX; do
  [ -n "${!var:-}" ] || fail "${var} is required"
done
prefix="${CLUSTERS_PREFIX:-clusters/}"
prefix="${prefix%/}/"
logs="${LOGS_PREFIX%/}/"
case "${logs}" in /* | *..*) fail "LOGS_PREFIX must be a relative path inside the bucket, not ${logs}" ;; esac

# OUT_DIR is written by reap-destroy.sh's step, which runs the installer extracted from the payload: a file there may
# be a symlink, a hard link, or sit under a symlinked directory, pointing at a secret of this pod such as its identity
# token (/var/run/secrets/azure/tokens/azure-identity-token) or /proc/self/environ. Only a regular file with one link
# whose real path is inside OUT_DIR is read.
workspace_file() { # <workspace dir> <path>
  local root real
  [ -f "$2" ] && [ ! -L "$2" ] && [ "$(stat -c %h -- "$2")" = 1 ] || return 1
  root="$(realpath -e -- "$1")" && real="$(realpath -e -- "$2")" || return 1
  [[ "${real}" == "${root}/"* ]]
}

stage="$(mktemp -d)"
trap 'rm -rf "${stage}"' EXIT
: >"${stage}/summary.jsonl"
removed=0
for d in "${OUT_DIR}"/*/*/; do
  [ -s "${d}metadata.json" ] || continue
  d="${d%/}"
  run="$(basename "${d}")"
  gate="$(basename "$(dirname "${d}")")"
  outcome="not-run"
  if workspace_file "${OUT_DIR}" "${d}/outcome"; then outcome="$(head -c 64 "${d}/outcome")"; fi
  case "${outcome}" in destroyed | failed | dry-run | not-run) ;; *) outcome="unreadable" ;; esac
  jq -c --arg gate "${gate}" --arg run "${run}" --arg outcome "${outcome}" --slurpfile r "${d}/run.json" \
    '{gate: $gate, run: $run, clusterName: .clusterName, infraID: .infraID, registered: ($r[0].registered // null),
      outcome: $outcome}' "${d}/metadata.json" >>"${stage}/summary.jsonl"
  if workspace_file "${OUT_DIR}" "${d}/destroy.log"; then
    mkdir -p "${stage}/${gate}/${run}"
    cp -P -- "${d}/destroy.log" "${stage}/${gate}/${run}/destroy.log"
  elif [ -e "${d}/destroy.log" ] || [ -L "${d}/destroy.log" ]; then
    echo "reap-record: ${gate}/${run}: destroy.log is not a regular file inside ${OUT_DIR}; not uploaded" >&2
  fi
  if [ "${outcome}" = destroyed ]; then
    rclone --quiet purge "artifacts:${ARTIFACTS_BUCKET}/${prefix}${gate}/${run}" \
      || fail "removing the registration ${prefix}${gate}/${run}/ failed; the next reaper run destroys it again (harmless)"
    echo "reap-record: ${gate}/${run}: destroyed, registration removed"
    removed=$((removed + 1))
  else
    echo "reap-record: ${gate}/${run}: ${outcome}, registration kept"
  fi
done
count="$(wc -l <"${stage}/summary.jsonl")"
if [ "${count}" -eq 0 ]; then
  echo "reap-record: nothing was picked; nothing to record"
  exit 0
fi
rclone --quiet copy "${stage}" "artifacts:${ARTIFACTS_BUCKET}/${logs}" || fail "uploading the reaper's logs to ${logs} failed"
echo "reap-record: ${count} cluster(s) recorded in ${logs}summary.jsonl, ${removed} registration(s) removed"
