#!/usr/bin/env bash
# Reads and writes the durable release state in the site's artifact storage:
#   releases/<minor>/<name>.json   one record per payload: name, digest, sources, gates, verdict, promotion
#   releases/<minor>/index.json    the stream's payloads, newest first, with verdict and promotion
# Records are the truth; the index is a summary `reindex` rebuilds from them. Storage is reached through rclone's
# remote named `artifacts`, configured entirely by RCLONE_CONFIG_ARTIFACTS_* variables (s3, gcs or azureblob with
# env_auth: the pod's keyless identity), so one script serves every cloud.
#
# Reads:
#   RECORD_ACTION     previous | create | verdict | finalize | pick | check | promote | reindex
#   ARTIFACTS_BUCKET  bucket (or container) holding releases/
#   MINOR             the stream, e.g. 4.15
#   previous: PREVIOUS_MINOR (optional), OUT_FILE
#   create:   RELEASE_FILE (JSON written by assemble-release.sh), PIPELINE_RUN
#   verdict:  NAME, VERDICT or VERDICT_FILE (accepted|rejected), GATES_FILE (JSON written by verdict.sh)
#   finalize: NAME, PIPELINE_STATUS (the aggregate status Tekton reports for the run's tasks), LOGS_URL
#   pick:     nothing more
#   check:    NAME, DIGEST
#   promote:  NAME, DIGEST, PROMOTION_FILE (JSON written by mirror-release.sh)
# Writes:
#   the record and the index (create, verdict, finalize, promote, reindex)
#   previous: OUT_FILE, comma-separated names of earlier promoted releases (upgrade edges)
#   pick:     RESULT_NAME, RESULT_DIGEST, RESULT_PULLSPEC, RESULT_VERDICT (files); verdict "none" when nothing
#             was accepted
set -euo pipefail

fail() {
  echo "release-record: $*" >&2
  exit 1
}
need() {
  local var
  for var in "$@"; do
    [ -n "${!var:-}" ] || fail "${var} is required for ${RECORD_ACTION}"
  done
}
need RECORD_ACTION ARTIFACTS_BUCKET MINOR
NAME="${NAME:-}" DIGEST="${DIGEST:-}" VERDICT="${VERDICT:-}"
[ -n "${RCLONE_CONFIG_ARTIFACTS_TYPE:-}" ] || fail "RCLONE_CONFIG_ARTIFACTS_TYPE is not set; the task must configure the artifacts remote"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
stream_dir="artifacts:${ARTIFACTS_BUCKET}/releases/${MINOR}"
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# fetch <remote path> <local file>: 0 when copied, 1 when the object does not exist; any other error stops the script
# (a transient error must never be mistaken for "no index yet", which would overwrite it).
fetch() {
  local rc=0
  rclone --quiet cat "$1" >"$2" 2>"${work}/rclone.err" || rc=$?
  case "${rc}" in
    0) return 0 ;;
    3 | 4) return 1 ;;
    *)
      cat "${work}/rclone.err" >&2
      fail "reading $1 failed (rclone exit ${rc})"
      ;;
  esac
}
store() {
  jq . "$2" >/dev/null || fail "refusing to store invalid JSON at $1"
  rclone --quiet copyto "$2" "$1"
}

record_path() { printf '%s/%s.json' "${stream_dir}" "$1"; }

load_record() {
  fetch "$(record_path "$1")" "${work}/record.json" || fail "no record for $1 in releases/${MINOR}/"
}

load_index() {
  if ! fetch "${stream_dir}/index.json" "${work}/index.json"; then
    jq -n --arg minor "${MINOR}" '{stream: $minor, releases: []}' >"${work}/index.json"
  fi
}

# Puts the summary of the record in work/record.json into the index, newest first (names sort by time).
upsert_index() {
  load_index
  jq --slurpfile r "${work}/record.json" --arg now "$(now)" '
    ($r[0] | {name, digest, pullSpec, created, verdict, promoted: (.promotion != null)}) as $entry
    | .updated = $now
    | .releases = ([.releases[] | select(.name != $entry.name)] + [$entry] | sort_by(.name) | reverse)
  ' "${work}/index.json" >"${work}/index.next"
  store "${stream_dir}/index.json" "${work}/index.next"
}

save_record() {
  store "$(record_path "$1")" "${work}/record.json"
  upsert_index
}

case "${RECORD_ACTION}" in
  previous)
    need OUT_FILE
    load_index
    jq -r '[.releases[] | select(.promoted) | .name] | join(",")' "${work}/index.json" >"${work}/previous"
    if [ -n "${PREVIOUS_MINOR:-}" ] \
      && fetch "artifacts:${ARTIFACTS_BUCKET}/releases/${PREVIOUS_MINOR}/index.json" "${work}/previous-index.json"; then
      # The newest promoted release of the previous minor upgrades into this one, as the OKD release pipeline's edges.
      jq -r '[.releases[] | select(.promoted) | .name][0] // empty' "${work}/previous-index.json" >>"${work}/previous"
    fi
    paste -sd, <(grep -v '^$' "${work}/previous" | tr ',' '\n' | grep -v '^$' || true) >"${OUT_FILE}"
    echo "release-record: upgrade edges from [$(cat "${OUT_FILE}")]"
    ;;

  create)
    need RELEASE_FILE PIPELINE_RUN
    payload="$(jq -r '.name // empty' "${RELEASE_FILE}")"
    if [ -z "${payload}" ]; then fail "${RELEASE_FILE} has no name"; fi
    jq --arg minor "${MINOR}" --arg run "${PIPELINE_RUN}" --arg now "$(now)" '
      {schemaVersion: 1, stream: $minor, name, pullSpec, digest, created: $now, pipelineRun: $run,
       basePayload, sources, previous, gates: [], verdict: "pending", logs: null, promotion: null}
    ' "${RELEASE_FILE}" >"${work}/record.json"
    save_record "${payload}"
    echo "release-record: recorded ${payload} (pending)"
    ;;

  verdict)
    if [ -z "${VERDICT}" ] && [ -n "${VERDICT_FILE:-}" ] && [ -f "${VERDICT_FILE}" ]; then VERDICT="$(cat "${VERDICT_FILE}")"; fi
    need NAME VERDICT GATES_FILE
    case "${VERDICT}" in accepted | rejected) ;; *) fail "VERDICT must be accepted or rejected, not ${VERDICT}" ;; esac
    load_record "${NAME}"
    jq --arg verdict "${VERDICT}" --slurpfile gates "${GATES_FILE}" --arg now "$(now)" \
      '.gates = $gates[0] | .verdict = $verdict | .decided = $now' "${work}/record.json" >"${work}/record.next"
    mv "${work}/record.next" "${work}/record.json"
    save_record "${NAME}"
    echo "release-record: ${NAME} ${VERDICT}"
    ;;

  finalize)
    need NAME PIPELINE_STATUS
    load_record "${NAME}"
    # A payload whose run ended before the verdict (a gate timed out, the run was cancelled) is never accepted.
    jq --arg status "${PIPELINE_STATUS}" --arg logs "${LOGS_URL:-}" --arg now "$(now)" '
      .pipelineStatus = $status
      | .finished = $now
      | (if $logs != "" then .logs = $logs else . end)
      | (if .verdict == "pending" then .verdict = "unfinished" else . end)
    ' "${work}/record.json" >"${work}/record.next"
    mv "${work}/record.next" "${work}/record.json"
    save_record "${NAME}"
    echo "release-record: ${NAME} finished ($(jq -r .verdict "${work}/record.json"), run ${PIPELINE_STATUS})"
    ;;

  pick)
    need RESULT_NAME RESULT_DIGEST RESULT_PULLSPEC RESULT_VERDICT
    load_index
    newest="$(jq -r '[.releases[] | select(.verdict == "accepted") | .name] | sort | reverse | .[0] // empty' "${work}/index.json")"
    if [ -z "${newest}" ]; then
      printf '' >"${RESULT_NAME}"
      printf '' >"${RESULT_DIGEST}"
      printf '' >"${RESULT_PULLSPEC}"
      printf 'none' >"${RESULT_VERDICT}"
      echo "release-record: no accepted payload in releases/${MINOR}/; nothing to promote"
      exit 0
    fi
    # The index is a summary: the verdict and digest come from the record itself.
    load_record "${newest}"
    jq -j '.name' "${work}/record.json" >"${RESULT_NAME}"
    jq -j '.digest' "${work}/record.json" >"${RESULT_DIGEST}"
    jq -j '.pullSpec' "${work}/record.json" >"${RESULT_PULLSPEC}"
    jq -j '.verdict' "${work}/record.json" >"${RESULT_VERDICT}"
    echo "release-record: newest accepted payload is ${newest} ($(cat "${RESULT_VERDICT}"))"
    ;;

  check)
    need NAME DIGEST
    load_record "${NAME}"
    recorded_verdict="$(jq -r '.verdict' "${work}/record.json")"
    recorded_digest="$(jq -r '.digest' "${work}/record.json")"
    [ "${recorded_verdict}" = "accepted" ] || fail "${NAME} is ${recorded_verdict}, not accepted; refusing to promote it"
    [ "${recorded_digest}" = "${DIGEST}" ] \
      || fail "${NAME} was recorded with digest ${recorded_digest}, not ${DIGEST}; refusing to promote it"
    echo "release-record: ${NAME} is accepted at ${DIGEST}"
    ;;

  promote)
    need NAME DIGEST PROMOTION_FILE
    load_record "${NAME}"
    [ "$(jq -r '.digest' "${work}/record.json")" = "${DIGEST}" ] || fail "${NAME}: recorded digest differs from ${DIGEST}"
    # The first promotion's time is kept: a second run changes nothing but `verified`.
    jq --slurpfile p "${PROMOTION_FILE}" --arg now "$(now)" '
      .promotion = ((.promotion // {at: $now}) + {targets: $p[0], verified: $now})
    ' "${work}/record.json" >"${work}/record.next"
    mv "${work}/record.next" "${work}/record.json"
    save_record "${NAME}"
    echo "release-record: ${NAME} promoted"
    ;;

  reindex)
    jq -n --arg minor "${MINOR}" '{stream: $minor, releases: []}' >"${work}/index.json"
    rclone --quiet lsf --files-only --filter '- index.json' --filter '+ *.json' --filter '- *' "${stream_dir}/" >"${work}/names" || true
    while IFS= read -r file; do
      fetch "${stream_dir}/${file}" "${work}/one.json" || continue
      jq --slurpfile r "${work}/one.json" \
        '.releases += [$r[0] | {name, digest, pullSpec, created, verdict, promoted: (.promotion != null)}]' \
        "${work}/index.json" >"${work}/index.next"
      mv "${work}/index.next" "${work}/index.json"
    done <"${work}/names"
    jq --arg now "$(now)" '.updated = $now | .releases |= (sort_by(.name) | reverse)' "${work}/index.json" >"${work}/index.next"
    store "${stream_dir}/index.json" "${work}/index.next"
    echo "release-record: rebuilt the index of ${MINOR} from $(wc -l <"${work}/names") record(s)"
    ;;

  *)
    fail "unknown RECORD_ACTION ${RECORD_ACTION}"
    ;;
esac
