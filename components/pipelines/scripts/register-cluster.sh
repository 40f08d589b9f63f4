#!/usr/bin/env bash
# Registers a gate's e2e cluster in artifact storage before the cluster exists: runs between the gate's prepare step
# (openshift-install create manifests and ignition-configs, which write metadata.json and create no cloud resource)
# and its create step (create cluster). The cluster reaper (reap-select.sh) destroys, from this metadata.json, any
# registered cluster whose run is gone and that is older than its TTL; the run's own destroy (in `finally`) normally
# does it first. A failed upload fails this task, and the gate then creates no cluster: none exists unregistered.
# The upgrade gate's cluster, of the earlier release, registers the same way as `<cloud>-upgrade`, with that release.
#
# Reads:
#   STATE_DIR         this gate's directory in the run's e2e workspace (install/metadata.json)
#   GATE              the gate: aws, gcp or azure, or an upgrade gate aws-upgrade, gcp-upgrade or azure-upgrade
#   PIPELINE_RUN      the run's PipelineRun name
#   RELEASE_IMAGE     the release the cluster was installed from (the payload under test; an upgrade gate's earlier
#                     release): the reaper extracts its installer to destroy the cluster. Unused (may be empty) when
#                     there is no metadata.json: an upgrade gate with no earlier release prepares none
#   ARTIFACTS_BUCKET  bucket (or container); rclone's `artifacts` remote is configured by RCLONE_CONFIG_ARTIFACTS_*
#   CLUSTERS_PREFIX   optional, default clusters/
# Writes:
#   artifacts:$ARTIFACTS_BUCKET/$CLUSTERS_PREFIX<gate>/<pipeline run>/metadata.json  the installer's metadata
#   artifacts:$ARTIFACTS_BUCKET/$CLUSTERS_PREFIX<gate>/<pipeline run>/run.json       {pipelineRun, gate, releaseImage,
#                                                                                    clusterName, infraID, registered}
set -euo pipefail

fail() {
  echo "register-cluster: $*" >&2
  exit 1
}
# The e2e workspace is written by the gates, which run the payload's own installer and tests images: a file there may
# be a symlink, a hard link, or sit under a symlinked directory, pointing at a secret of this pod such as its identity
# token (/var/run/secrets/azure/tokens/azure-identity-token) or /proc/self/environ. Only a regular file with one link
# whose real path is inside STATE_DIR is read.
workspace_file() { # <workspace dir> <path>
  local root real
  [ -f "$2" ] && [ ! -L "$2" ] && [ "$(stat -c %h -- "$2")" = 1 ] || return 1
  root="$(realpath -e -- "$1")" && real="$(realpath -e -- "$2")" || return 1
  [[ "${real}" == "${root}/"* ]]
}

for var in STATE_DIR GATE PIPELINE_RUN ARTIFACTS_BUCKET; do
  [ -n "${!var:-}" ] || fail "${var} is required"
done
case "${GATE}" in
  aws | gcp | azure | aws-upgrade | gcp-upgrade | azure-upgrade) ;;
  *) fail "GATE must be aws, gcp or azure, or one of them with -upgrade (an upgrade gate), not ${GATE}" ;;
esac
[[ "${PIPELINE_RUN}" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || fail "PIPELINE_RUN is not a Kubernetes name: ${PIPELINE_RUN}"
prefix="${CLUSTERS_PREFIX:-clusters/}"
prefix="${prefix%/}/"

metadata="${STATE_DIR}/install/metadata.json"
if [ ! -s "${metadata}" ]; then
  echo "register-cluster: ${GATE}: no ${metadata}: the install ended before any cloud resource; nothing to register"
  exit 0
fi
[ -n "${RELEASE_IMAGE:-}" ] || fail "RELEASE_IMAGE is required: the reaper destroys ${GATE}'s cluster with its installer"
workspace_file "${STATE_DIR}" "${metadata}" \
  || fail "${metadata} is not a regular file inside ${STATE_DIR} (a symlink or hard link?); not registered"
jq -e '(.infraID | type == "string" and length > 0) and (.clusterName | type == "string")' "${metadata}" >/dev/null \
  || fail "${metadata} has no infraID and clusterName; it is not the installer's metadata.json"

stage="$(mktemp -d)"
trap 'rm -rf "${stage}"' EXIT
cp "${metadata}" "${stage}/metadata.json"
jq -n --arg run "${PIPELINE_RUN}" --arg gate "${GATE}" --arg image "${RELEASE_IMAGE}" --slurpfile m "${metadata}" \
  '{pipelineRun: $run, gate: $gate, releaseImage: $image, clusterName: $m[0].clusterName, infraID: $m[0].infraID,
    registered: (now | todate)}' >"${stage}/run.json"
target="artifacts:${ARTIFACTS_BUCKET}/${prefix}${GATE}/${PIPELINE_RUN}"
rc=0
rclone --quiet copy "${stage}" "${target}" || rc=$?
if [ "${rc}" -ne 0 ]; then
  fail "registering the ${GATE} cluster of ${PIPELINE_RUN} in ${ARTIFACTS_BUCKET} failed (rclone exit ${rc}); no cluster is created unregistered"
fi
echo "register-cluster: ${GATE}: $(jq -r '"\(.clusterName) (infraID \(.infraID))"' "${stage}/run.json") registered at ${prefix}${GATE}/${PIPELINE_RUN}/"
