#!/usr/bin/env bash
# Second step of finalize-record, after await-destroys.sh: removes the registration (register-cluster.sh) of every
# gate whose destroy succeeded in this run, so that the cluster reaper (reap-select.sh) does not destroy it again after
# its TTL. e2e-destroy.sh writes <gate>/destroy.done with its outcome: only `destroyed` removes the registration; a
# failed destroy (`failed`), one that had not ended (no destroy.done) and one with nothing to destroy (`nothing`: no
# metadata.json, so nothing was registered) keep theirs, and the reaper destroys those clusters. An upgrade gate
# (<cloud>-upgrade) is registered and unregistered the same way; its status is that of its install task.
# Runs with `onError: continue`: a failure here must not keep the record from being closed; a registration left
# behind only costs the reaper one more, harmless, destroy.
#
# Reads:
#   E2E_DIR           the run's e2e workspace (one directory per gate); empty or absent when the run has no gate
#   GATE_STATUSES     space-separated <gate>=<status>, the statuses of the tasks that create the gates' clusters
#                     (Succeeded, Failed or None); gates are aws, gcp, azure and <cloud>-upgrade
#   PIPELINE_RUN      the run's PipelineRun name, under which register-cluster.sh registered its clusters
#   ARTIFACTS_BUCKET  bucket (or container); rclone's `artifacts` remote is configured by RCLONE_CONFIG_ARTIFACTS_*
#   CLUSTERS_PREFIX   optional, default clusters/
# Writes:
#   deletes artifacts:$ARTIFACTS_BUCKET/$CLUSTERS_PREFIX<gate>/$PIPELINE_RUN/ of each gate destroyed in this run
set -euo pipefail

if [ -z "${GATE_STATUSES:-}" ] || [ -z "${E2E_DIR:-}" ]; then
  exit 0
fi
fail() {
  echo "unregister-clusters: $*" >&2
  exit 1
}
prefix="${CLUSTERS_PREFIX:-clusters/}"
prefix="${prefix%/}/"

failed=0
for entry in ${GATE_STATUSES}; do
  gate="${entry%%=*}"
  status="${entry#*=}"
  case "${gate}" in
    aws | gcp | azure | aws-upgrade | gcp-upgrade | azure-upgrade) ;;
    *)
      # Never registered by register-cluster.sh, which refuses such a name; the other gates still go.
      echo "unregister-clusters: GATE_STATUSES names an unknown gate '${gate}' (expected aws, gcp, azure or <cloud>-upgrade); passed over" >&2
      failed=1
      continue
      ;;
  esac
  # A gate that never started registered nothing, and its destroy is skipped.
  [ "${status}" != None ] || continue
  outcome="$(cat "${E2E_DIR}/${gate}/destroy.done" 2>/dev/null || echo "not ended")"
  if [ "${outcome}" != destroyed ]; then
    echo "unregister-clusters: ${gate}: destroy ${outcome}; registration (if any) kept for the reaper"
    continue
  fi
  for var in PIPELINE_RUN ARTIFACTS_BUCKET; do
    [ -n "${!var:-}" ] || fail "${var} is required"
  done
  [[ "${PIPELINE_RUN}" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || fail "PIPELINE_RUN is not a Kubernetes name: ${PIPELINE_RUN}"
  registration="${prefix}${gate}/${PIPELINE_RUN}"
  # A directory that does not exist: the local backend exits 3 (https://rclone.org/docs/#exit-code), a bucket
  # backend lists nothing; either way there is nothing to remove (the gate's registration failed, or was removed).
  rc=0
  listing="$(rclone lsf "artifacts:${ARTIFACTS_BUCKET}/${registration}")" || rc=$?
  if [ "${rc}" -eq 3 ] || { [ "${rc}" -eq 0 ] && [ -z "${listing}" ]; }; then
    echo "unregister-clusters: ${gate}: destroyed; no registration at ${registration}/"
    continue
  fi
  if rclone --quiet purge "artifacts:${ARTIFACTS_BUCKET}/${registration}"; then
    echo "unregister-clusters: ${gate}: destroyed; registration ${registration}/ removed"
  else
    echo "unregister-clusters: ${gate}: removing the registration ${registration}/ failed; the reaper destroys the cluster again after its TTL (harmless)" >&2
    failed=1
  fi
done
exit "${failed}"
