#!/usr/bin/env bash
# Deletes the oldest finished PipelineRuns of a namespace beyond the newest $KEEP. Their TaskRuns (and those
# TaskRuns' pods) are owned by the PipelineRun and go with it through Kubernetes garbage collection.
# Runs still going are never deleted, even when they are beyond $KEEP.
#
# Environment:
#   NAMESPACE  namespace whose PipelineRuns are pruned
#   KEEP       how many of the newest PipelineRuns to keep (a whole number, at least 1)
# Writes: nothing but log lines on stdout.
set -euo pipefail

: "${NAMESPACE:?NAMESPACE must name the namespace to prune}"
: "${KEEP:?KEEP must be the number of PipelineRuns to keep}"
if ! [[ "$KEEP" =~ ^[1-9][0-9]*$ ]]; then
  echo "prune-runs: KEEP must be a whole number of at least 1, got '$KEEP'" >&2
  exit 2
fi

# Oldest first: one "name<TAB>completionTime" line per run; the completion time is empty while a run goes on.
# Captured before splitting so that a failing kubectl fails the script instead of looking like "no runs".
listing="$(
  kubectl get pipelineruns.tekton.dev \
    --namespace "$NAMESPACE" \
    --sort-by=.metadata.creationTimestamp \
    --output 'jsonpath={range .items[*]}{.metadata.name}{"\t"}{.status.completionTime}{"\n"}{end}'
)"
runs=()
if [ -n "$listing" ]; then
  mapfile -t runs <<<"$listing"
fi

excess=$((${#runs[@]} - KEEP))
if [ "$excess" -le 0 ]; then
  echo "prune-runs: ${#runs[@]} PipelineRuns in $NAMESPACE, keeping up to $KEEP: nothing to prune"
  exit 0
fi

doomed=()
for line in "${runs[@]:0:excess}"; do
  name="${line%%$'\t'*}"
  finished="${line#*$'\t'}"
  if [ -z "$finished" ]; then
    echo "prune-runs: keeping $name, still running"
    continue
  fi
  doomed+=("$name")
done

if [ "${#doomed[@]}" -eq 0 ]; then
  echo "prune-runs: the $excess oldest PipelineRuns are still running: nothing to prune"
  exit 0
fi

echo "prune-runs: deleting ${#doomed[@]} PipelineRuns from $NAMESPACE: ${doomed[*]}"
kubectl delete pipelineruns.tekton.dev \
  --namespace "$NAMESPACE" \
  --cascade=background \
  --wait=false \
  -- "${doomed[@]}"
