#!/usr/bin/env bash
# Starts one stream's nightly for the pushes recorded since its last run, within the stream's throttle. A push to one
# of the stream's repositories starts no run itself: the GitHub listener records it (a ConfigMap labelled
# okd-ci/push-record=nightly and okd-ci/stream=<minor>, with data.repository and data.revision). On every firing this
# script reads the records and the stream's nightly PipelineRuns and decides:
#
#   - records made before the newest nightly that built every branch head (no revisions: a scheduled run) are covered
#     by it (it cloned after the push) and are deleted;
#   - records that are not <org>/<name> and a 40-character commit id with the push's time (pushedAt, epoch seconds)
#     are deleted, never built;
#   - records created more than PUSH_MAX_AGE_SECONDS after their push are deleted, never built: a captured delivery
#     keeps a valid signature forever (GitHub's HMAC covers the body, not the time), so a late one is a replay that
#     would build an old commit (a record is named from the stream and commit, so a replay while the push still
#     waits fails with AlreadyExists in the listener instead; components/tekton/throttle.ts);
#   - the stream's scheduled nightly is due when its CronJob (SCHEDULE_CRONJOB, which starts nothing itself) last
#     fired after the newest branch-head nightly was created: it waits here like a push, and builds every branch head;
#   - nothing left and no scheduled nightly due: nothing to do;
#   - MAX_UNFINISHED nightlies of the stream are unfinished (no status.completionTime): wait;
#   - the newest nightly (any trigger) started less than MIN_INTERVAL_MINUTES ago: wait;
#   - otherwise start one nightly through the schedule listener with the newest pushed commit of each pushed
#     repository (by push time; "revisions", which the clone steps check out), or, when the scheduled nightly is due,
#     with none (every branch head, which covers every push recorded so far), then delete the records it consumed.
# So a scheduled nightly is throttled exactly as pushes are: one dispatcher per stream (a Forbid CronJob) decides
# every start, and two never race.
#
# The listener's 202 is no proof of a run: Triggers answers it before it creates anything, and a PipelineRun the API
# refuses (ResourceQuota, admission policy, Tekton's webhook down) is only logged by the listener
# (tektoncd/triggers pkg/sink/sink.go HandleEvent). So after posting, the script waits up to CONFIRM_TIMEOUT_SECONDS
# for the nightly PipelineRun carrying the event id of the 202 body ({"eventListener":…,"eventID":…}), which Triggers
# labels every created resource with (triggers.tekton.dev/triggers-eventid: pkg/apis/triggers/register.go
# EventIDLabelKey, set in pkg/resources/create.go). Records are deleted by name only once that run exists, so a push
# recorded meanwhile waits for the next firing; when the request fails or no run appears, the records are kept and the
# script exits non-zero (the next firing retries).
#
# Environment:
#   RECORDS_NAMESPACE     where the listeners create push records (the release namespace)
#   RUNS_NAMESPACE        where nightly PipelineRuns run (the build namespace); only read
#   STREAM                stream minor version, e.g. 4.15
#   BRANCH                the stream's branch, passed on as the schedule binding's revision
#   LISTENER_URL          URL of the internal (schedule) EventListener
#   MIN_INTERVAL_MINUTES  whole minutes, at least 0
#   MAX_UNFINISHED        whole number, at least 1
#   CONFIRM_TIMEOUT_SECONDS  optional, whole seconds (default 120) to wait for the started PipelineRun to exist
#   PUSH_MAX_AGE_SECONDS  optional, whole seconds (default 3600): how long after its push a record may be created
#   SCHEDULE_CRONJOB      optional: the CronJob in RECORDS_NAMESPACE on the stream's schedules.nightly, whose
#                         status.lastScheduleTime (set by the CronJob controller at each firing) makes the scheduled
#                         nightly due; empty: no scheduled nightly
# Writes: one line per decision on stdout (what was started, with which revisions, or why not).
set -euo pipefail
# shellcheck source=lib/scheduled-due.sh
source "${BASH_SOURCE[0]%/*}/lib/scheduled-due.sh"

fail() {
  echo "dispatch-nightly: $*" >&2
  exit 2
}
: "${RECORDS_NAMESPACE:?RECORDS_NAMESPACE must name the namespace of the push records}"
: "${RUNS_NAMESPACE:?RUNS_NAMESPACE must name the namespace of the nightly PipelineRuns}"
: "${LISTENER_URL:?LISTENER_URL must be the internal EventListener URL}"
: "${STREAM:?STREAM must be the stream minor version}"
: "${BRANCH:?BRANCH must be the stream branch}"
[[ "${STREAM}" =~ ^[0-9]+\.[0-9]+$ ]] || fail "STREAM must look like 4.15, got '${STREAM}'"
[[ "${BRANCH}" =~ ^[A-Za-z0-9._/-]+$ ]] || fail "BRANCH has characters a git branch of ours never has: '${BRANCH}'"
[[ "${MIN_INTERVAL_MINUTES:-}" =~ ^[0-9]+$ ]] || fail "MIN_INTERVAL_MINUTES must be a whole number of minutes, got '${MIN_INTERVAL_MINUTES:-}'"
[[ "${MAX_UNFINISHED:-}" =~ ^[1-9][0-9]*$ ]] || fail "MAX_UNFINISHED must be a whole number of at least 1, got '${MAX_UNFINISHED:-}'"
CONFIRM_TIMEOUT_SECONDS="${CONFIRM_TIMEOUT_SECONDS:-120}"
[[ "${CONFIRM_TIMEOUT_SECONDS}" =~ ^[0-9]+$ ]] || fail "CONFIRM_TIMEOUT_SECONDS must be a whole number of seconds, got '${CONFIRM_TIMEOUT_SECONDS}'"
PUSH_MAX_AGE_SECONDS="${PUSH_MAX_AGE_SECONDS:-3600}"
[[ "${PUSH_MAX_AGE_SECONDS}" =~ ^[0-9]+$ ]] || fail "PUSH_MAX_AGE_SECONDS must be a whole number of seconds, got '${PUSH_MAX_AGE_SECONDS}'"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
# Captured to files first, so that a failing kubectl fails the script instead of looking like "no pushes".
kubectl get configmaps --namespace "${RECORDS_NAMESPACE}" \
  --selector "okd-ci/push-record=nightly,okd-ci/stream=${STREAM}" --output json >"${work}/records.json"
kubectl get pipelineruns.tekton.dev --namespace "${RUNS_NAMESPACE}" \
  --selector "okd-ci/run=nightly,okd-ci/stream=${STREAM}" --output json >"${work}/runs.json"
scheduled="null"
if [ -n "${SCHEDULE_CRONJOB:-}" ]; then
  [[ "${SCHEDULE_CRONJOB}" =~ ^[a-z0-9]([a-z0-9-]{0,50}[a-z0-9])?$ ]] || fail "SCHEDULE_CRONJOB must be a CronJob name, got '${SCHEDULE_CRONJOB}'"
  # --ignore-not-found: a missing CronJob prints nothing and exits 0 (kubectl pkg/cmd/get/get.go, the NotFound error
  # ignored, "if len(infos) == 0 && o.IgnoreNotFound" returns before printing), so a hand-deleted CronJob costs the
  # stream its scheduled nightly until `pulumi up` restores it, not its pushes too; any other error still fails.
  kubectl get cronjobs.batch --namespace "${RECORDS_NAMESPACE}" "${SCHEDULE_CRONJOB}" --ignore-not-found \
    --output json >"${work}/schedule.json"
  if [ -s "${work}/schedule.json" ]; then
    scheduled="$(jq -c '.status.lastScheduleTime // null' "${work}/schedule.json")"
  else
    echo "WARNING: CronJob ${RECORDS_NAMESPACE}/${SCHEDULE_CRONJOB} does not exist, so no scheduled nightly of ${STREAM} is due; pushes are still dispatched. \`pulumi up\` restores it." >&2
  fi
fi

now="$(date -u +%s)"
# The decision, from the two lists alone: {action, reason, revisions, consume, discard}.
jq -n \
  --slurpfile records "${work}/records.json" \
  --slurpfile runs "${work}/runs.json" \
  --argjson now "${now}" \
  --argjson interval "$((MIN_INTERVAL_MINUTES * 60))" \
  --argjson max "${MAX_UNFINISHED}" \
  --argjson maxage "${PUSH_MAX_AGE_SECONDS}" \
  --argjson scheduled "${scheduled}" "${scheduled_due_jq}"'
  def created: .metadata.creationTimestamp | fromdateiso8601;
  def revisions: [.spec.params[]? | select(.name == "revisions") | .value] | first // "";
  ($runs[0].items // []) as $runs
  | ([$runs[] | select(.status.completionTime == null)] | length) as $unfinished
  | ([$runs[] | created] | max) as $last
  | ([$runs[] | select(revisions == "") | created] | max) as $heads
  | [($records[0].items // [])[]
      | {name: .metadata.name, created: created, repository: (.data.repository // ""), revision: (.data.revision // ""),
         pushed: (.data.pushedAt // "")}
      | .ok = ((.repository | test("^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$")) and (.revision | test("^[0-9a-f]{40}$"))
               and (.pushed | test("^[0-9]{1,12}$")))
      | .pushed = (if .ok then (.pushed | tonumber) else 0 end)]
  | map(select(.ok | not)) as $invalid
  | map(select(.ok and (.created - .pushed) > $maxage)) as $late
  | map(select(.ok and (.created - .pushed) <= $maxage)) as $valid
  | ($valid | map(select($heads != null and .created < $heads))) as $covered
  | ($valid | map(select($heads == null or .created >= $heads))) as $pending
  | (if $scheduled == null then null else ($scheduled | fromdateiso8601) end) as $fired
  | scheduled_due($fired; $heads) as $due
  | ([(if $due then "the scheduled nightly (due since \($fired | todate))" else empty end),
      (if ($pending | length) > 0 then "\($pending | length) push(es)" else empty end)] | join(" and ")) as $waiting
  | {discard: ([$invalid[], $late[], $covered[]] | map(.name)), invalid: ($invalid | map(.name)),
     late: ($late | map("\(.name) (\(.repository)@\(.revision), pushed \(.pushed | todate))")), covered: ($covered | map(.name))}
  + if ($pending | length) == 0 and ($due | not) then {action: "idle", reason: "no pushes waiting"}
    elif $unfinished >= $max then
      {action: "wait", reason: "\($waiting) wait: \($unfinished) nightly run(s) unfinished, at most \($max)"}
    elif $last != null and ($now - $last) < $interval then
      {action: "wait", reason: "\($waiting) wait: the last nightly started at \($last | todate), the next may start at \($last + $interval | todate)"}
    elif $due then
      # Every branch head: it covers every push recorded so far.
      {action: "dispatch", consume: ($pending | map(.name)), revisions: "", reason: $waiting}
    else
      {action: "dispatch",
       consume: ($pending | map(.name)),
       revisions: ($pending | group_by(.repository | ascii_downcase) | map(max_by([.pushed, .created]) | "\(.repository)=\(.revision)") | sort | join(" ")),
       reason: "\($pending | length) push(es) of \($pending | map(.repository | ascii_downcase) | unique | length) repositor(y/ies)"}
    end' >"${work}/decision.json"

field() { jq -r "$1" "${work}/decision.json"; }
if [ "$(field '.invalid | length')" -gt 0 ]; then
  echo "dispatch-nightly: ${STREAM}: discarding push records that name no repository and commit: $(field '.invalid | join(" ")')"
fi
if [ "$(field '.late | length')" -gt 0 ]; then
  echo "dispatch-nightly: ${STREAM}: discarding push records made more than ${PUSH_MAX_AGE_SECONDS}s after their push (replayed deliveries?): $(field '.late | join(", ")')"
fi
if [ "$(field '.covered | length')" -gt 0 ]; then
  echo "dispatch-nightly: ${STREAM}: $(field '.covered | length') push(es) already built by a later branch-head nightly"
fi
action="$(field .action)"
echo "dispatch-nightly: ${STREAM}: ${action}: $(field .reason)"

consumed=()
if [ "${action}" = dispatch ]; then
  revisions="$(field .revisions)"
  body="$(jq -cn --arg stream "${STREAM}" --arg branch "${BRANCH}" --arg revisions "${revisions}" \
    '{stream: $stream, pipeline: "nightly", branch: $branch, repository: "", revisions: $revisions}')"
  if ! curl --fail-with-body --silent --show-error \
    --retry 5 --retry-connrefused --retry-delay 10 --max-time 30 \
    --header 'Content-Type: application/json' \
    --data "${body}" \
    --output "${work}/accepted.json" \
    "${LISTENER_URL}"; then
    fail "${STREAM}: the listener refused the run: $(head -c 300 "${work}/accepted.json" 2>/dev/null); keeping the push records for the next firing"
  fi
  event="$(jq -r '.eventID // empty' "${work}/accepted.json" 2>/dev/null || true)"
  # A label value (at most 63 of these characters); Triggers uses a generated UID.
  [[ "${event}" =~ ^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$ ]] ||
    fail "${STREAM}: the listener answered without a usable eventID ($(head -c 300 "${work}/accepted.json")); keeping the push records for the next firing"
  echo "dispatch-nightly: ${STREAM}: the listener accepted event ${event}; waiting up to ${CONFIRM_TIMEOUT_SECONDS}s for its PipelineRun"
  deadline=$(($(date -u +%s) + CONFIRM_TIMEOUT_SECONDS))
  while :; do
    # A failing kubectl fails the script (records kept), like the listings above.
    kubectl get pipelineruns.tekton.dev --namespace "${RUNS_NAMESPACE}" \
      --selector "triggers.tekton.dev/triggers-eventid=${event},okd-ci/run=nightly,okd-ci/stream=${STREAM}" \
      --output json >"${work}/started.json"
    created="$(jq -r '[.items[]?.metadata.name] | join(" ")' "${work}/started.json")"
    [ -z "${created}" ] || break
    [ "$(date -u +%s)" -lt "${deadline}" ] ||
      fail "${STREAM}: the listener accepted event ${event} but no nightly PipelineRun labelled with it appeared in ${RUNS_NAMESPACE} within ${CONFIRM_TIMEOUT_SECONDS}s (refused by a quota, an admission policy or the Tekton webhook? see the EventListener's log for that event id); keeping the push records for the next firing"
    sleep 2
  done
  echo "dispatch-nightly: ${STREAM}: started the nightly ${created} building ${revisions:-every branch head}"
  mapfile -t consumed < <(field '.consume[]')
fi

mapfile -t discarded < <(field '.discard[]')
doomed=("${consumed[@]}" "${discarded[@]}")
if [ "${#doomed[@]}" -gt 0 ]; then
  kubectl delete configmaps --namespace "${RECORDS_NAMESPACE}" --ignore-not-found --wait=false -- "${doomed[@]}"
fi
