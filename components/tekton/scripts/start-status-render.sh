#!/usr/bin/env bash
# Starts the scheduled render of the release status site: a PipelineRun of okd-render-status
# (components/pipelines/status-render.ts), so that the page is re-rendered, and staleness shown, on every site even
# when no nightly, release or reaper runs. It hands the run what it sees of the nightly throttle, which the records in
# artifact storage do not hold: per configured stream, the push records the dispatcher (dispatch-nightly.sh) will
# build, the stream's unfinished nightlies and when its newest started (the `throttle` param, shown on the page as
# the pushes waiting and the next dispatch), and whether its scheduled nightly is due (`scheduled`: since when, or
# null). Then it deletes its own finished runs beyond the newest KEEP_RUNS, so
# that hourly renders never crowd the release runs out of the namespace's quota or the pruner's keep.
#
# Which records count is dispatch-nightly.sh's rule, repeated here: a record that names no <org>/<name>, 40-hex
# commit and epoch-seconds pushedAt, that was made more than PUSH_MAX_AGE_SECONDS after its push (a replayed
# delivery), or that is older than the newest nightly that built every branch head (no revisions), is discarded by
# the dispatcher, not built, and is not shown. So is when the scheduled nightly is due: its CronJob (okd-nightly-<id>,
# which starts nothing itself) last fired (status.lastScheduleTime) after the newest branch-head nightly was created;
# a stream whose CronJob does not exist (NotFound) has none due.
#
# Environment:
#   RECORDS_NAMESPACE  where the push records are (the release namespace)
#   RUNS_NAMESPACE     where the nightlies run (the build namespace); only read
#   NAMESPACE          where the render runs (the release namespace)
#   STREAMS            the configured streams, space-separated minors (4.15 4.16)
#   DISPATCH_SCHEDULE  the dispatchers' cron (nightlyDispatchSchedule), passed on for the page's next dispatch
#   PIPELINERUN_JSON   the PipelineRun to create, as JSON, without the throttle param
#   KEEP_RUNS          optional, default 3: finished render runs kept
#   PUSH_MAX_AGE_SECONDS  optional, default 3600: the dispatcher's own (dispatch-nightly.sh), the same default
#   SCHEDULE_CRONJOBS  optional, space-separated <minor>=<CronJob>: each stream's scheduled-nightly CronJob in
#                      RECORDS_NAMESPACE (the dispatcher's SCHEDULE_CRONJOB); a stream not named has none due
# Writes: kubectl's answer (the PipelineRun created) and what was deleted, on stdout.
set -euo pipefail
# shellcheck source=lib/scheduled-due.sh
source "${BASH_SOURCE[0]%/*}/lib/scheduled-due.sh"

fail() {
  echo "start-status-render: $*" >&2
  exit 2
}
for var in RECORDS_NAMESPACE RUNS_NAMESPACE NAMESPACE STREAMS DISPATCH_SCHEDULE PIPELINERUN_JSON; do
  [ -n "${!var:-}" ] || fail "${var} is required"
done
keep="${KEEP_RUNS:-3}"
[[ "${keep}" =~ ^[1-9][0-9]*$ ]] || fail "KEEP_RUNS must be a whole number of at least 1, got '${keep}'"
maxage="${PUSH_MAX_AGE_SECONDS:-3600}"
[[ "${maxage}" =~ ^[0-9]+$ ]] || fail "PUSH_MAX_AGE_SECONDS must be a whole number of seconds, got '${maxage}'"
read -r -a minors <<<"${STREAMS}"
for s in "${minors[@]}"; do
  [[ "${s}" =~ ^[0-9]+\.[0-9]+$ ]] || fail "STREAMS holds '${s}'; expected minors such as 4.15"
done
declare -A cronjobs=()
read -r -a pairs <<<"${SCHEDULE_CRONJOBS:-}"
for pair in "${pairs[@]}"; do
  [[ "${pair}" =~ ^([0-9]+\.[0-9]+)=([a-z0-9]([a-z0-9-]{0,50}[a-z0-9])?)$ ]] \
    || fail "SCHEDULE_CRONJOBS holds '${pair}'; expected <minor>=<CronJob name>, such as 4.15=okd-nightly-4-15"
  cronjobs["${BASH_REMATCH[1]}"]="${BASH_REMATCH[2]}"
done
jq -e '.kind == "PipelineRun" and (.metadata.generateName | length > 0) and .metadata.labels["okd-ci/run"] == "status"' \
  <<<"${PIPELINERUN_JSON}" >/dev/null \
  || fail "PIPELINERUN_JSON is not a PipelineRun with a generateName, labelled okd-ci/run=status"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
# Captured to files first, so that a failing kubectl fails the script instead of looking like "no pushes".
kubectl get configmaps --namespace "${RECORDS_NAMESPACE}" --selector okd-ci/push-record=nightly --output json \
  >"${work}/records.json"
kubectl get pipelineruns.tekton.dev --namespace "${RUNS_NAMESPACE}" --selector okd-ci/run=nightly --output json \
  >"${work}/runs.json"
# Each stream's CronJob: {"<minor>": lastScheduleTime or null}. --ignore-not-found prints nothing for a missing one
# (kubectl get's documented flag), which is not due; any other failure fails the script.
echo '{}' >"${work}/scheduled.json"
for s in "${minors[@]}"; do
  [ -n "${cronjobs[${s}]:-}" ] || continue
  kubectl get cronjobs.batch --namespace "${RECORDS_NAMESPACE}" "${cronjobs[${s}]}" --ignore-not-found --output json \
    >"${work}/cronjob.json"
  jq --arg s "${s}" --slurpfile c "${work}/cronjob.json" '.[$s] = ($c[0].status.lastScheduleTime // null)' \
    "${work}/scheduled.json" >"${work}/scheduled.next.json"
  mv "${work}/scheduled.next.json" "${work}/scheduled.json"
done

jq -n -c \
  --slurpfile records "${work}/records.json" \
  --slurpfile runs "${work}/runs.json" \
  --slurpfile scheduled "${work}/scheduled.json" \
  --arg streams "${STREAMS}" \
  --arg schedule "${DISPATCH_SCHEDULE}" \
  --argjson maxage "${maxage}" "${scheduled_due_jq}"'
  def created: .metadata.creationTimestamp | fromdateiso8601;
  def revisions: [.spec.params[]? | select(.name == "revisions") | .value] | first // "";
  def stream: .metadata.labels["okd-ci/stream"] // "";
  {observed: (now | floor | todate), dispatchSchedule: $schedule,
   streams: [($streams | split(" ") | map(select(. != "")))[] as $s
     | ([($runs[0].items // [])[] | select(stream == $s)]) as $runs
     | ([$runs[] | select(revisions == "") | created] | max) as $heads
     | ($scheduled[0][$s] // null | if . == null then null else fromdateiso8601 end) as $fired
     | {stream: $s,
        pending: [($records[0].items // [])[] | select(stream == $s)
          | {created: created, since: .metadata.creationTimestamp,
             repository: (.data.repository // ""), revision: (.data.revision // ""), pushed: (.data.pushedAt // "")}
          | select((.repository | test("^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$")) and (.revision | test("^[0-9a-f]{40}$"))
                   and (.pushed | test("^[0-9]{1,12}$")))
          | select(.created - (.pushed | tonumber) <= $maxage)
          | select($heads == null or .created >= $heads)]
          | sort_by(.created) | map({repository, revision, since}),
        unfinished: ([$runs[] | select(.status.completionTime == null)] | length),
        lastStarted: ([$runs[] | created] | max | if . == null then null else todate end),
        scheduled: (if scheduled_due($fired; $heads) then $fired | todate else null end)}]}' >"${work}/throttle.json"
while IFS= read -r line; do echo "start-status-render: ${line}"; done < <(jq -r '.streams[]
  | "\(.stream): \(.pending | length) push(es) waiting\(if .scheduled then " and the scheduled nightly (due since \(.scheduled))" else "" end), \(.unfinished) nightly run(s) unfinished"' "${work}/throttle.json")

jq --rawfile throttle "${work}/throttle.json" \
  '.spec.params = ([.spec.params[]? | select(.name != "throttle")] + [{name: "throttle", value: ($throttle | rtrimstr("\n"))}])' \
  <<<"${PIPELINERUN_JSON}" >"${work}/run.json"
kubectl create --namespace "${NAMESPACE}" --filename "${work}/run.json"

# Its own finished runs, oldest first, beyond the newest KEEP_RUNS: deleted (their TaskRuns and pods go with them).
kubectl get pipelineruns.tekton.dev --namespace "${NAMESPACE}" --selector okd-ci/run=status --output json \
  >"${work}/renders.json"
mapfile -t doomed < <(jq -r --argjson keep "${keep}" '[.items[] | select(.status.completionTime != null)]
  | sort_by(.metadata.creationTimestamp) | .[0:(if length > $keep then length - $keep else 0 end)][] | .metadata.name' \
  "${work}/renders.json")
if [ "${#doomed[@]}" -gt 0 ]; then
  kubectl delete pipelineruns.tekton.dev --namespace "${NAMESPACE}" "${doomed[@]}"
fi
echo "start-status-render: ${#doomed[@]} finished render run(s) deleted, up to ${keep} kept"
