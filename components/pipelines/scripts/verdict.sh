#!/usr/bin/env bash
# Decides a payload's verdict from its gates: accepted only if every blocking gate passed. Optional gates are
# recorded and never change the verdict. An upgrade gate with no earlier release to upgrade from reports `skipped`:
# it tested nothing, so it neither passes nor rejects (a stream's first payload would otherwise never be accepted,
# and so never promoted to become the release the next one upgrades from).
#
# Reads:
#   GATES           JSON array of {gate, blocking, outcome[, kind, from, reason]}; outcome is passed, failed or
#                   (kind upgrade only) skipped; anything else counts as not passed
# Writes:
#   GATES_FILE      the gates as JSON, for release-record.sh
#   RESULT_VERDICT  file: accepted or rejected
set -euo pipefail

: "${GATES:?verdict: GATES is required}"
: "${GATES_FILE:?verdict: GATES_FILE is required}"
: "${RESULT_VERDICT:?verdict: RESULT_VERDICT is required}"

jq -e 'type == "array" and all(.[]; has("gate") and has("blocking") and has("outcome"))' <<<"${GATES}" >/dev/null || {
  echo "verdict: GATES must be a JSON array of {gate, blocking, outcome}" >&2
  exit 2
}
jq '.' <<<"${GATES}" >"${GATES_FILE}"
verdict="$(jq -r 'if all(.[] | select(.blocking and (.kind == "upgrade" and .outcome == "skipped" | not)); .outcome == "passed") then "accepted" else "rejected" end' <<<"${GATES}")"
printf '%s' "${verdict}" >"${RESULT_VERDICT}"
jq -r '.[] | "verdict: gate \(.gate) (\(if .blocking then "blocking" else "optional" end)): \(.outcome)"' <<<"${GATES}"
echo "verdict: ${verdict} ($(jq '[.[] | select(.blocking)] | length' <<<"${GATES}") blocking gate(s))"
