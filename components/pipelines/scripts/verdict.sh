#!/usr/bin/env bash
# Decides a payload's verdict from its gates: accepted only if every blocking gate passed. Optional gates are
# recorded and never change the verdict. An upgrade gate with no earlier release to upgrade from reports `skipped`:
# it tested nothing, so it neither passes nor rejects (a stream's first payload would otherwise never be accepted,
# and so never promoted to become the release the next one upgrades from).
#
# Reads:
#   GATES           JSON array of {gate, blocking, outcome[, kind, from, reason]}, compact, each key once; outcome is
#                   passed, failed or skipped (skipped counts only for kind upgrade; elsewhere it is not passed)
#
# The gates' outcomes (and an upgrade gate's reason) are results of TaskRuns that run the payload's own installer and
# tests images, pasted by Tekton into the `gates` param as text (nightly.ts): a step can rewrite its TaskRun's results
# (tektoncd/pipeline pkg/termination/write.go) and put a quote in one, adding keys to its entry, e.g. a second
# "blocking":false, which jq would take (the last of duplicate keys wins). So GATES must be exactly what jq -c prints
# for it (no key twice, no escaped quote, nothing added between entries) and every outcome one of the three values:
# anything else is refused, no verdict written, and the payload stays unaccepted. What remains possible is an entry
# closing its own and adding new ones before the real next entry, which stays as written: a new name adds a gate
# that decides nothing a real blocking gate does not, and a name already there is refused below.
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
canonical="$(jq -c '.' <<<"${GATES}")"
if [ "${canonical}" != "${GATES}" ]; then
  echo "verdict: GATES is not the compact JSON the pipeline writes (a key twice, an escape or extra text: a gate's result was tampered with); refusing to decide" >&2
  exit 2
fi
if ! jq -e '[.[].gate] | (unique | length) == length' <<<"${GATES}" >/dev/null; then
  echo "verdict: GATES names a gate twice (a gate's result added an entry); refusing to decide" >&2
  exit 2
fi
bad="$(jq -r '[.[] | select((.outcome | type) != "string" or (.outcome | test("^(passed|failed|skipped)$") | not)) | "\(.gate) (\(.outcome | tojson))"] | join(", ")' <<<"${GATES}")"
if [ -n "${bad}" ]; then
  echo "verdict: gate outcome must be passed, failed or skipped; got ${bad}; refusing to decide" >&2
  exit 2
fi
jq '.' <<<"${GATES}" >"${GATES_FILE}"
verdict="$(jq -r 'if all(.[] | select(.blocking and (.kind == "upgrade" and .outcome == "skipped" | not)); .outcome == "passed") then "accepted" else "rejected" end' <<<"${GATES}")"
printf '%s' "${verdict}" >"${RESULT_VERDICT}"
jq -r '.[] | "verdict: gate \(.gate) (\(if .blocking then "blocking" else "optional" end)): \(.outcome)"' <<<"${GATES}"
echo "verdict: ${verdict} ($(jq '[.[] | select(.blocking)] | length' <<<"${GATES}") blocking gate(s))"
