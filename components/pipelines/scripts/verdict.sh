#!/usr/bin/env bash
# Decides a payload's verdict from its gates: accepted only if every blocking gate passed. Optional gates are
# recorded and never change the verdict. An upgrade gate with no earlier release to upgrade from (its `from` empty) is
# `skipped`, whatever its chain's tasks did: it tested nothing, so it neither passes nor rejects (a stream's first
# payload would otherwise never be accepted, and so never promoted to become the release the next one upgrades from).
# An upgrade gate that had a release to upgrade from and reports `skipped` counts as failed.
#
# It runs in the nightly's `finally` (finalize-record, before the record is closed), so it runs whatever became of
# the gates' Tekton tasks. Each gate names its chain of pipeline tasks with their execution status (`tasks.<t>.status`
# as Tekton substitutes it): Succeeded, Failed or None (not run: skipped, or the run stopped first) (tektoncd/pipeline
# docs/pipelines.md at v1.15, "Using Execution Status of pipelineTask"). A gate whose chain all Succeeded reports its
# outcome in the e2e workspace (e2e-test.sh: <gate>/gate-outcome, <gate>/gate-reason): never as a task result here,
# because Tekton skips a finally task that references a result its task never wrote, so one failed gate task would
# skip the verdict and leave the payload `unfinished`. A gate whose chain did not succeed (a task timed out, its pod
# was evicted, a mint or register task ran out of retries, or the run was cancelled with CancelledRunFinally) counts
# as `failed`, the task named in its reason: an optional one then changes nothing, a blocking one rejects the payload
# (the run shows which infrastructure failed; a payload nothing tested is never accepted, and `rejected` says why where
# `unfinished` would not). A run cancelled with a plain `Cancelled` runs no `finally` task
# (tektoncd/pipeline docs/pipelineruns.md, "Cancelling a PipelineRun"), so neither this nor the record's closing: its
# record stays `pending`, never promoted.
#
# Reads:
#   GATES           JSON array, compact, each key once, of {gate, blocking[, kind, from]} with either
#                   tasks: "<task>=<status> ..." (the gate's chain, in order, its gate task last) or
#                   outcome: passed, failed or skipped (skipped counts only for kind upgrade; elsewhere it is not passed)
#   E2E_DIR         the e2e workspace (needed when an entry has tasks)
#
# GATES is written by the pipeline (nightly-gates.ts) from Tekton's own statuses and assemble's results, and must be
# exactly what jq -c prints for it (no key twice, no escape, nothing added between entries). The outcome files are
# written by the payload's own tests image, so only passed, failed or skipped is taken from them (anything else
# fails the gate) and the reason is kept as text (at most 500 characters).
# Writes:
#   GATES_FILE      the gates as JSON, for release-record.sh: {gate, blocking[, kind, from], outcome[, reason]}
#   RESULT_VERDICT  file: accepted or rejected
set -euo pipefail

: "${GATES:?verdict: GATES is required}"
: "${GATES_FILE:?verdict: GATES_FILE is required}"
: "${RESULT_VERDICT:?verdict: RESULT_VERDICT is required}"

jq -e 'type == "array" and all(.[]; has("gate") and has("blocking") and (has("outcome") or (.tasks | type) == "string"))' <<<"${GATES}" >/dev/null || {
  echo "verdict: GATES must be a JSON array of {gate, blocking, outcome or tasks}" >&2
  exit 2
}
canonical="$(jq -c '.' <<<"${GATES}")"
if [ "${canonical}" != "${GATES}" ]; then
  echo "verdict: GATES is not the compact JSON the pipeline writes (a key twice, an escape or extra text: a gate's result was tampered with); refusing to decide" >&2
  exit 2
fi
if ! jq -e '[.[].gate] | (unique | length) == length' <<<"${GATES}" >/dev/null; then
  echo "verdict: GATES names a gate twice (a gate's result added an entry); refusing to decide" >&2
  exit 2
fi
# A gate's file in the e2e workspace, at most $3 bytes, or nothing. The workspace is written by the gates' pods (the
# payload's own code, whose installer still runs in the destroy tasks beside this one), this runs in the records pod:
# a link (the gate's directory or the file) could point at this pod's secrets, whose text would then land in the
# published record, so a link or anything but a regular file is read as nothing. A check then a read by path would
# race a link swapped in between, so the read itself refuses links: it enters the gate's directory and checks, from
# inside, that it is the gate's own (a link swapped in for the directory after that changes nothing: the read is
# relative to the directory entered), then opens the file with O_NOFOLLOW (dd iflag=nofollow: a link swapped in for
# the file fails the open) and O_NONBLOCK (a FIFO swapped in does not hang the verdict). GNU coreutils' dd, in the
# tools image (components/pipelines/images/tools/Containerfile).
gate_file() {
  local top
  top="$(cd -P "${E2E_DIR}" 2>/dev/null && pwd)" || return 0
  if [ -L "${E2E_DIR}/$1" ] || [ ! -d "${E2E_DIR}/$1" ]; then return 0; fi
  (
    cd -P "${E2E_DIR}/$1" 2>/dev/null || exit 0
    [ "$(pwd -P)" = "${top}/$1" ] || exit 0
    if [ -L "$2" ] || [ ! -f "$2" ]; then exit 0; fi
    dd if="./$2" iflag=nofollow,nonblock,fullblock,count_bytes count="$3" bs=4096 status=none 2>/dev/null || true
  )
}

# Each entry with tasks becomes an entry with an outcome (and a reason when it did not pass).
resolved="[]"
while IFS= read -r entry; do
  tasks="$(jq -r '.tasks // empty' <<<"${entry}")"
  if [ -z "${tasks}" ]; then
    resolved="$(jq -c --argjson e "${entry}" '. + [$e]' <<<"${resolved}")"
    continue
  fi
  gate="$(jq -r '.gate' <<<"${entry}")"
  if [[ ! "${gate}" =~ ^[a-z0-9-]+$ ]]; then
    echo "verdict: gate name ${gate} is not a gate directory name; refusing to decide" >&2
    exit 2
  fi
  not_ok="" last=""
  read -ra pairs <<<"${tasks}"
  for pair in "${pairs[@]}"; do
    task="${pair%%=*}" status="${pair#*=}"
    last="${task}"
    case "${status}" in
      Succeeded) ;;
      # The first task that failed names the cause; without one, the first that did not run.
      Failed | None) if [ -z "${not_ok}" ] || [[ "${not_ok}" == *=None && "${status}" == Failed ]]; then not_ok="${task}=${status}"; fi ;;
      *)
        echo "verdict: gate ${gate}: task ${task} has status ${status}, not Succeeded, Failed or None; refusing to decide" >&2
        exit 2
        ;;
    esac
  done
  if [ -z "${not_ok}" ]; then
    : "${E2E_DIR:?verdict: E2E_DIR is required for a gate given by its tasks}"
    outcome="$(gate_file "${gate}" gate-outcome 16)"
    reason="$(gate_file "${gate}" gate-reason 500)"
    case "${outcome}" in
      passed | failed | skipped) ;;
      *)
        # Its content is not repeated: the record is published.
        reason="task ${last} succeeded but left no valid outcome in ${gate}/gate-outcome"
        outcome="failed"
        ;;
    esac
  else
    outcome="failed"
    case "${not_ok}" in
      *=Failed) reason="task ${not_ok%=*} failed (a timeout, an evicted pod, or out of retries); the gate did not finish" ;;
      *) reason="task ${not_ok%=*} did not run (the run was cancelled or stopped before it); the gate did not finish" ;;
    esac
  fi
  resolved="$(jq -c --argjson e "${entry}" --arg o "${outcome}" --arg r "${reason}" \
    '. + [($e | del(.tasks)) + {outcome: $o} + (if $o == "passed" or $r == "" then {} else {reason: $r} end)]' <<<"${resolved}")"
done < <(jq -c '.[]' <<<"${GATES}")
GATES="${resolved}"
bad="$(jq -r '[.[] | select((.outcome | type) != "string" or (.outcome | test("^(passed|failed|skipped)$") | not)) | "\(.gate) (\(.outcome | tojson))"] | join(", ")' <<<"${GATES}")"
if [ -n "${bad}" ]; then
  echo "verdict: gate outcome must be passed, failed or skipped; got ${bad}; refusing to decide" >&2
  exit 2
fi
# An upgrade gate with no earlier release (`from` empty) tested nothing: it is `skipped`, whatever its chain did (its
# pull-secret mint may have failed with nothing to install), so a stream's first payload is never rejected for it. With
# an earlier release, `skipped` is no outcome an upgrade gate may report: it counts as failed.
GATES="$(jq -c 'map(
  if .kind == "upgrade" and has("from") and .from == "" then
    (if .outcome == "skipped" then . else .outcome = "skipped" | .reason = "no earlier release to upgrade from: the gate tested nothing" end)
  elif .kind == "upgrade" and .outcome == "skipped" then
    .outcome = "failed" | .reason = "reported skipped, but there was a release to upgrade from (\(.from // "" | tostring | .[:200]))"
  else . end)' <<<"${GATES}")"
jq '.' <<<"${GATES}" >"${GATES_FILE}"
verdict="$(jq -r 'if all(.[] | select(.blocking and (.kind == "upgrade" and .outcome == "skipped" | not)); .outcome == "passed") then "accepted" else "rejected" end' <<<"${GATES}")"
printf '%s' "${verdict}" >"${RESULT_VERDICT}"
jq -r '.[] | "verdict: gate \(.gate) (\(if .blocking then "blocking" else "optional" end)): \(.outcome)"' <<<"${GATES}"
echo "verdict: ${verdict} ($(jq '[.[] | select(.blocking)] | length' <<<"${GATES}") blocking gate(s))"
