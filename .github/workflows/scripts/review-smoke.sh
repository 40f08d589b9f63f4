#!/usr/bin/env bash
# Smoke test of a deployed `ci` stack: starts the nightly pipeline the way the schedule does (a Job from the
# stream's nightly CronJob), waits for the PipelineRun it creates and fails unless it succeeds.
#
# Reads: NAMESPACE (default okd-builds), PIPELINE (default okd-nightly-4-22: the first stream of Pulumi.ci.yaml),
#        TIMEOUT_SECONDS (default 2700). Needs kubectl pointed at the review cluster.
# Writes: nothing; prints the PipelineRun and, on failure, its TaskRuns and their pods' logs.
set -euo pipefail

namespace="${NAMESPACE:-okd-builds}"
pipeline="${PIPELINE:-okd-nightly-4-22}"
timeout_seconds="${TIMEOUT_SECONDS:-2700}"

cronjob="$(kubectl -n "${namespace}" get cronjobs -o name | grep -- "${pipeline#okd-}" | head -n 1 || true)"
if [ -z "${cronjob}" ]; then
  echo "no CronJob for ${pipeline} in ${namespace}; CronJobs there:" >&2
  kubectl -n "${namespace}" get cronjobs >&2 || true
  exit 1
fi

job="smoke-$(date +%s)"
kubectl -n "${namespace}" create job "${job}" --from="${cronjob}"
kubectl -n "${namespace}" wait --for=condition=complete "job/${job}" --timeout=5m

# The Job creates one PipelineRun of the pipeline; take the newest.
run=""
for _ in $(seq 1 30); do
  run="$(kubectl -n "${namespace}" get pipelineruns -l "tekton.dev/pipeline=${pipeline}" \
    --sort-by=.metadata.creationTimestamp -o name | tail -n 1)"
  [ -n "${run}" ] && break
  sleep 10
done
if [ -z "${run}" ]; then
  echo "the Job ran but no PipelineRun of ${pipeline} appeared" >&2
  exit 1
fi

# `kubectl wait --for=condition=Succeeded` would sit out the whole timeout on a failed run (status False), so poll.
echo "waiting up to ${timeout_seconds}s for ${run}"
status=Unknown
deadline=$((SECONDS + timeout_seconds))
while [ "${SECONDS}" -lt "${deadline}" ]; do
  status="$(kubectl -n "${namespace}" get "${run}" \
    -o jsonpath='{.status.conditions[?(@.type=="Succeeded")].status}')"
  if [ "${status}" = "True" ] || [ "${status}" = "False" ]; then break; fi
  sleep 20
done
if [ "${status}" != "True" ]; then
  echo "${run} ended with Succeeded=${status:-Unknown}" >&2
  kubectl -n "${namespace}" get "${run}" -o yaml || true
  kubectl -n "${namespace}" get taskruns -l "tekton.dev/pipelineRun=${run#*/}" -o wide || true
  for pod in $(kubectl -n "${namespace}" get pods -l "tekton.dev/pipelineRun=${run#*/}" -o name); do
    echo "::group::logs ${pod}"
    kubectl -n "${namespace}" logs "${pod}" --all-containers --tail=200 || true
    echo "::endgroup::"
  done
  exit 1
fi
kubectl -n "${namespace}" get "${run}"
