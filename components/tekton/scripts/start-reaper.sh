#!/usr/bin/env bash
# Starts the e2e cluster reaper: a PipelineRun of okd-reap-clusters (components/pipelines/reaper.ts), given the names
# of every unfinished PipelineRun of the namespace (live-runs), whose clusters the reaper never touches whatever their
# age. The reaper itself runs as a Pipeline because it needs the pipeline tools image, which each run builds, and two
# identities: the pipeline's (artifact storage) and each gate's (its cloud).
#
# Environment:
#   NAMESPACE         the build namespace
#   PIPELINERUN_JSON  the PipelineRun to create, as JSON, without the live-runs param
# Writes: kubectl's answer (the PipelineRun created) on stdout.
set -euo pipefail

: "${NAMESPACE:?NAMESPACE must name the build namespace}"
: "${PIPELINERUN_JSON:?PIPELINERUN_JSON must be the reaper PipelineRun}"
jq -e '.kind == "PipelineRun" and (.metadata.generateName | length > 0)' <<<"${PIPELINERUN_JSON}" >/dev/null \
  || { echo "start-reaper: PIPELINERUN_JSON is not a PipelineRun with a generateName" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
# Captured first, so that a failing kubectl fails the script instead of looking like "nothing runs".
kubectl get pipelineruns.tekton.dev --namespace "${NAMESPACE}" --output json >"${work}/runs.json"
live="$(jq -r '[.items[] | select(.status.completionTime == null) | .metadata.name] | sort | join(" ")' "${work}/runs.json")"
echo "start-reaper: unfinished PipelineRuns, never reaped: ${live:-none}"
jq --arg live "${live}" '.spec.params = ([.spec.params[]? | select(.name != "live-runs")] + [{name: "live-runs", value: $live}])' \
  <<<"${PIPELINERUN_JSON}" >"${work}/run.json"
kubectl create --namespace "${NAMESPACE}" --filename "${work}/run.json"
