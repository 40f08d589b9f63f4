#!/usr/bin/env bash
# The cluster reaper's first step: picks the registered e2e clusters to destroy. Every gate registers its cluster's
# metadata.json in artifact storage before the cluster exists (register-cluster.sh); the run's own destroy normally
# removes the cluster, and a later reaper run removes the registration. A registration is reaped when its run is gone
# (not among LIVE_RUNS, the PipelineRuns the reaper's starter saw unfinished) and it is older than TTL_HOURS.
# A gate cloud's registrations are its install gate's (clusters/<cloud>/) and its upgrade gate's
# (clusters/<cloud>-upgrade/, the cluster of the earlier release), which its credentials destroy alike.
#
# Reads:
#   ARTIFACTS_BUCKET  bucket (or container); rclone's `artifacts` remote is configured by RCLONE_CONFIG_ARTIFACTS_*
#   GATES             the site's gate clouds, space-separated (aws gcp azure)
#   TTL_HOURS         whole hours a registration must be old before its cluster is reaped (at least 1)
#   LIVE_RUNS         optional: names of unfinished PipelineRuns, space-separated; their clusters are never reaped
#   OUT_DIR           where the picked registrations go, <gate>/<pipeline run>/{metadata.json,run.json}, <gate> as
#                     registered (aws, aws-upgrade, …)
#   CLUSTERS_PREFIX   optional, default clusters/
# Writes:
#   $OUT_DIR/<gate>/<pipeline run>/  metadata.json and run.json of each cluster to reap
#   stdout                           one line per registration: to reap or kept, and why
set -euo pipefail

fail() {
  echo "reap-select: $*" >&2
  exit 1
}
for var in ARTIFACTS_BUCKET GATES OUT_DIR; do
  [ -n "${!var:-}" ] || fail "${var} is required"
done
[[ "${TTL_HOURS:-}" =~ ^[1-9][0-9]*$ ]] || fail "TTL_HOURS must be a whole number of hours of at least 1, got '${TTL_HOURS:-}'"
prefix="${CLUSTERS_PREFIX:-clusters/}"
prefix="${prefix%/}/"
read -r -a gate_list <<<"${GATES}"
read -r -a live <<<"${LIVE_RUNS:-}"
mkdir -p "${OUT_DIR}"

picked=0
kept=0
registered=()
for cloud in "${gate_list[@]}"; do
  case "${cloud}" in aws | gcp | azure) ;; *) fail "GATES holds '${cloud}'; expected aws, gcp or azure" ;; esac
  registered+=("${cloud}" "${cloud}-upgrade")
done
for gate in "${registered[@]}"; do
  base="artifacts:${ARTIFACTS_BUCKET}/${prefix}${gate}"
  rc=0
  listing="$(rclone lsf --dirs-only "${base}/")" || rc=$?
  # Exit 3 is rclone's "directory not found": the local backend says so for a prefix nothing was ever written
  # under, where bucket backends list nothing.
  if [ "${rc}" -eq 3 ]; then
    listing=""
  elif [ "${rc}" -ne 0 ]; then
    fail "listing ${prefix}${gate}/ in ${ARTIFACTS_BUCKET} failed (rclone exit ${rc})"
  fi
  while IFS= read -r entry; do
    [ -n "${entry}" ] || continue
    run="${entry%/}"
    record="$(rclone cat "${base}/${run}/run.json")" || fail "reading ${prefix}${gate}/${run}/run.json failed"
    if ! age="$(jq -er '(now - (.registered | fromdateiso8601)) / 3600 | floor' <<<"${record}" 2>/dev/null)"; then
      echo "reap-select: ${gate}/${run}: run.json has no registered time; kept for a person to look at" >&2
      kept=$((kept + 1))
      continue
    fi
    what="$(jq -r '"\(.clusterName) (infraID \(.infraID))"' <<<"${record}")"
    if [[ " ${live[*]} " == *" ${run} "* ]]; then
      echo "reap-select: ${gate}/${run}: ${what}: kept, its run is still going"
      kept=$((kept + 1))
    elif [ "${age}" -lt "${TTL_HOURS}" ]; then
      echo "reap-select: ${gate}/${run}: ${what}: kept, registered ${age}h ago, under the ${TTL_HOURS}h TTL"
      kept=$((kept + 1))
    else
      mkdir -p "${OUT_DIR}/${gate}/${run}"
      rclone --quiet copy "${base}/${run}" "${OUT_DIR}/${gate}/${run}" \
        || fail "copying ${prefix}${gate}/${run}/ failed"
      [ -s "${OUT_DIR}/${gate}/${run}/metadata.json" ] || fail "${prefix}${gate}/${run}/ has no metadata.json"
      echo "reap-select: ${gate}/${run}: ${what}: to reap, its run is gone and it was registered ${age}h ago (TTL ${TTL_HOURS}h)"
      picked=$((picked + 1))
    fi
  done <<<"${listing}"
done
echo "reap-select: ${picked} cluster(s) to reap, ${kept} kept"
