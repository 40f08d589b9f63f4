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

stage="$(mktemp -d)"
trap 'rm -rf "${stage}"' EXIT
: >"${stage}/summary.jsonl"
removed=0
for d in "${OUT_DIR}"/*/*/; do
  [ -s "${d}metadata.json" ] || continue
  d="${d%/}"
  run="$(basename "${d}")"
  gate="$(basename "$(dirname "${d}")")"
  outcome="$(cat "${d}/outcome" 2>/dev/null || echo "not-run")"
  jq -c --arg gate "${gate}" --arg run "${run}" --arg outcome "${outcome}" --slurpfile r "${d}/run.json" \
    '{gate: $gate, run: $run, clusterName: .clusterName, infraID: .infraID, registered: ($r[0].registered // null),
      outcome: $outcome}' "${d}/metadata.json" >>"${stage}/summary.jsonl"
  if [ -f "${d}/destroy.log" ]; then
    mkdir -p "${stage}/${gate}/${run}"
    cp "${d}/destroy.log" "${stage}/${gate}/${run}/destroy.log"
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
