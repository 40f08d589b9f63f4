#!/usr/bin/env bash
# Reads and writes the durable release state in the site's artifact storage:
#   releases/<minor>/<name>.json   one record per payload: name, digest, sources, gates, verdict, promotion
#   releases/<minor>/index.json    the stream's payloads, newest first, with verdict and promotion
# Records are the truth; the index is derived from them: every write brings it into agreement with the records (see
# "The index" below), and `reindex` rebuilds it from all of them. Storage is reached through rclone's
# remote named `artifacts`, configured entirely by RCLONE_CONFIG_ARTIFACTS_* variables (s3, gcs or azureblob with
# env_auth: the pod's keyless identity), so one script serves every cloud.
#
# Reads:
#   RECORD_ACTION     previous | create | verdict | finalize | pick | check | name | promote | reindex
#   ARTIFACTS_BUCKET  bucket (or container) holding releases/
#   MINOR             the stream, e.g. 4.15
#   previous: PREVIOUS_MINOR (optional), OUT_FILE; for an upgrade gate UPGRADE_FROM (promoted|accepted), PROMOTED_REPO
#             (optional: the site's durable repository of promoted releases), RESULT_UPGRADE_FROM and
#             RESULT_UPGRADE_FROM_NAME
#   create:   RELEASE_FILE (JSON written by assemble-release.sh), PIPELINE_RUN
#   verdict:  NAME, VERDICT or VERDICT_FILE (accepted|rejected), GATES_FILE (JSON written by verdict.sh)
#   finalize: NAME, PIPELINE_STATUS (the aggregate status Tekton reports for the run's tasks), LOGS_URL,
#             UPLOAD_EXIT_CODE_FILE (optional: the upload-logs step's exit code file, which Tekton's entrypoint writes
#             for a step with `onError: continue`, failed or not; missing or empty when that step did not end)
#   pick:     nothing more
#   check:    NAME, DIGEST
#   name:     NAME, DIGEST, OUT_FILE; NAME_CLAIM_ATTEMPTS (optional, default 10)
#   promote:  NAME, DIGEST, PROMOTION_FILE (JSON written by mirror-release.sh)
#   INDEX_SYNC_ATTEMPTS (optional, default 10): rounds of index agreement before giving up
# Writes:
#   the record and the index (create, verdict, finalize, promote, reindex)
#   previous: OUT_FILE, comma-separated published names of earlier promoted releases (upgrade edges); with UPGRADE_FROM, the
#             release the upgrade gate installs: RESULT_UPGRADE_FROM (repository@digest) and RESULT_UPGRADE_FROM_NAME,
#             both empty when there is none. `promoted`: the stream's newest promoted release, else the previous
#             minor's (each already an edge); `accepted`: the stream's newest accepted one, else as promoted, and added
#             to the edges, so the edge the gate tests is one the payload records. A promoted release is installed from
#             PROMOTED_REPO (nightlies expire, promoted copies do not), any other from its nightly repository.
#   name:     OUT_FILE, the name the payload is published under (see "Published names" below); the record keeps it
#             as `promotedName`
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

# Names become object keys and rclone filter rules: allow only what release names and minors are made of.
safe_name='^[A-Za-z0-9][A-Za-z0-9._+-]*$'
[[ "${MINOR}" =~ ${safe_name} ]] || fail "MINOR '${MINOR}' is not a stream name (letters, digits, . _ + -)"
if [ -n "${NAME}" ] && ! [[ "${NAME}" =~ ${safe_name} ]]; then
  fail "NAME '${NAME}' is not a release name (letters, digits, . _ + -)"
fi
if [ -n "${PREVIOUS_MINOR:-}" ] && ! [[ "${PREVIOUS_MINOR}" =~ ${safe_name} ]]; then
  fail "PREVIOUS_MINOR '${PREVIOUS_MINOR}' is not a stream name (letters, digits, . _ + -)"
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
bucket="artifacts:${ARTIFACTS_BUCKET}"
stream_dir="${bucket}/releases/${MINOR}"
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# --- Storage: lib/rclone-store.sh (rclone_or_fail, list_dir, fetch_many, fetch, store) --------------------------------
# shellcheck source=lib/rclone-store.sh
source "${BASH_SOURCE[0]%/*}/lib/rclone-store.sh"

record_path() { printf '%s/%s.json' "${stream_dir}" "$1"; }

load_record() {
  fetch_record "$1" "${work}/record.json" || fail "no record for $1 in releases/${MINOR}/"
}

# load_index: the stream's index, or an empty one when there is none yet. An index that is not a JSON object (the
# 0-byte index the old `rclone cat` reading left behind) is taken as empty, so the next write rebuilds it.
load_index() {
  if fetch "${stream_dir}" index.json "${work}/index.json"; then
    jq -e 'type == "object"' "${work}/index.json" >/dev/null 2>&1 && return 0
    echo "release-record: releases/${MINOR}/index.json is empty or not JSON; rebuilding it from the records" >&2
  fi
  jq -n --arg minor "${MINOR}" '{stream: $minor, releases: []}' >"${work}/index.json"
}

# --- The index: lib/record-index.sh (sync_index: bring the index into agreement with the records) -----------------
# An index entry, made of a record.
entry_of='{name, digest, pullSpec, created, verdict, promoted: (.promotion != null), promotedName}'
# shellcheck source=lib/record-index.sh
source "${BASH_SOURCE[0]%/*}/lib/record-index.sh"

save_record() {
  store "$(record_path "$1")" "${work}/record.json"
  known "$1.json" "${work}/record.json"
  sync_index
}

# --- Published names --------------------------------------------------------------------------------------------------
# OKD/FCOS releases kept the nightly's name (4.15.0-0.okd-2024-03-10-010116, okd-project/okd issues #334 and #345).
# OKD/SCOS releases are published as <minor>.0-okd-scos.<N>, N counting from 0 per minor (4.17.0-okd-scos.0,
# 4.17.0-okd-scos.1 on quay.io/okd/scos-release, stream 4-scos-stable; okd-project/okd issue #2082). An OKD/SCOS
# nightly is one named <minor>.0-0.okd-scos-<time> (assemble-release.sh).
#
# N is the lowest number no other record of the stream claims, which is the number of releases promoted before
# when none was abandoned. Two promotions may race, and there is no conditional write to allocate with, so a name is
# claimed in two writes: the record first takes the name (`promotedName`, not yet `promotedNameHeld`) and the index is
# brought into agreement with the records; if no other record claims that name the claim becomes held, otherwise it is
# withdrawn and the run tries again after a random pause. Of two runs claiming one name, the later writer's check
# lists after the earlier one's write and sees it (the stores' strong consistency, see "The index"), so at most one of
# them holds it; both may withdraw, never both hold. A held name is never given up: a re-run of the promotion (a
# retry, or the release Pipeline picking the same nightly again) reuses it, and other runs skip it. A name claimed and
# then abandoned (a promotion that failed after naming and is never re-run) stays taken: N then has a gap.
published_name() {
  local prefix="${MINOR}.0-okd-scos." claimed held n
  if [[ "${NAME}" != "${MINOR}.0-0.okd-scos-"* ]]; then
    printf '%s' "${NAME}" >"${OUT_FILE}"
    echo "release-record: ${NAME} is published under its own name"
    return 0
  fi
  for attempt in $(seq 1 "${NAME_CLAIM_ATTEMPTS:-10}"); do
    load_record "${NAME}"
    [ "$(jq -r '.digest' "${work}/record.json")" = "${DIGEST}" ] || fail "${NAME}: recorded digest differs from ${DIGEST}"
    claimed="$(jq -r '.promotedName // ""' "${work}/record.json")"
    held="$(jq -r '.promotedNameHeld == true' "${work}/record.json")"
    if [ -n "${claimed}" ] && [ "${held}" = "true" ]; then
      printf '%s' "${claimed}" >"${OUT_FILE}"
      echo "release-record: ${NAME} is published as ${claimed}"
      return 0
    fi
    if [ -z "${claimed}" ]; then
      sync_index
      n="$(jq -r --arg self "${NAME}" --arg prefix "${prefix}" '
        [.releases[] | select(.name != $self) | .promotedName // "" | select(startswith($prefix))
         | ltrimstr($prefix) | select(test("^(0|[1-9][0-9]*)$")) | tonumber] as $taken
        | first(range(0; infinite) | select(. as $n | $taken | any(. == $n) | not))
      ' "${work}/index.json")"
      claimed="${prefix}${n}"
      jq --arg n "${claimed}" --arg now "$(now)" '.promotedName = $n | .promotedNameHeld = false | .promotedNameAt = $now' \
        "${work}/record.json" >"${work}/record.next"
      mv "${work}/record.next" "${work}/record.json"
      save_record "${NAME}"
    else
      # A claim a run left unconfirmed (it stopped in between): check it like a new one.
      sync_index
    fi
    rivals="$(jq -r --arg self "${NAME}" --arg n "${claimed}" \
      '[.releases[] | select(.name != $self and .promotedName == $n) | .name] | join(", ")' "${work}/index.json")"
    if [ -z "${rivals}" ]; then
      jq '.promotedNameHeld = true' "${work}/record.json" >"${work}/record.next"
      mv "${work}/record.next" "${work}/record.json"
      save_record "${NAME}"
      # Another run promoting this same nightly may have written its own claim over this one meanwhile: go by the
      # record, not by what this run wrote.
      load_record "${NAME}"
      if [ "$(jq -r '.promotedName // ""' "${work}/record.json")" != "${claimed}" ]; then continue; fi
      printf '%s' "${claimed}" >"${OUT_FILE}"
      echo "release-record: ${NAME} is published as ${claimed}"
      return 0
    fi
    echo "release-record: ${claimed} is also claimed by ${rivals}; withdrawing and trying again (attempt ${attempt})" >&2
    jq 'del(.promotedName, .promotedNameHeld, .promotedNameAt)' "${work}/record.json" >"${work}/record.next"
    mv "${work}/record.next" "${work}/record.json"
    save_record "${NAME}"
    sleep "$((RANDOM % 3)).$((RANDOM % 10))"
  done
  fail "could not claim a release name for ${NAME} in ${NAME_CLAIM_ATTEMPTS:-10} attempts (other promotions of ${MINOR} running?)"
}

case "${RECORD_ACTION}" in
  previous)
    need OUT_FILE
    load_index
    # Edges name releases as they were published (`promotedName`; FCOS releases and records older than the field
    # were published under the nightly's name).
    jq -r '[.releases[] | select(.promoted) | .promotedName // .name] | join(",")' "${work}/index.json" >"${work}/previous"
    if [ -n "${PREVIOUS_MINOR:-}" ] \
      && fetch "${bucket}/releases/${PREVIOUS_MINOR}" index.json "${work}/previous-index.json"; then
      # The newest promoted release of the previous minor upgrades into this one, as the OKD release pipeline's edges.
      jq -r '[.releases[] | select(.promoted) | .promotedName // .name][0] // empty' "${work}/previous-index.json" >>"${work}/previous"
    fi
    if [ -n "${UPGRADE_FROM:-}" ]; then
      need RESULT_UPGRADE_FROM RESULT_UPGRADE_FROM_NAME
      case "${UPGRADE_FROM}" in
        promoted) select_from='select(.promoted)' ;;
        accepted) select_from='select(.verdict == "accepted")' ;;
        *) fail "UPGRADE_FROM must be promoted or accepted, not ${UPGRADE_FROM}" ;;
      esac
      from_name="$(jq -r "[.releases[] | ${select_from} | .name][0] // empty" "${work}/index.json")"
      from_dir="${stream_dir}"
      if [ -z "${from_name}" ] && [ -f "${work}/previous-index.json" ]; then
        from_name="$(jq -r '[.releases[] | select(.promoted) | .name][0] // empty' "${work}/previous-index.json")"
        from_dir="${bucket}/releases/${PREVIOUS_MINOR}"
      fi
      from_image=""
      if [ -n "${from_name}" ]; then
        [[ "${from_name}" =~ ${safe_name} ]] || fail "the upgrade gate's release '${from_name}' is not a release name"
        fetch "${from_dir}" "${from_name}.json" "${work}/from.json" || fail "no record for ${from_name}, the release the upgrade gate installs"
        from_image="$(jq -r --arg promoted "${PROMOTED_REPO:-}" '
          ([.promotion.targets[]? | select($promoted != "" and (.release | startswith($promoted + ":")))
            | "\($promoted)@\(.digest // (.release | split("@")[1]))"][0])
          // "\(.pullSpec | sub(":[^:/]+$"; ""))@\(.digest)"' "${work}/from.json")"
        [[ "${from_image}" =~ ^[^@[:space:]]+@sha256:[a-f0-9]{64}$ ]] \
          || fail "the record of ${from_name} gives no image by digest to install (${from_image})"
        # The edge is the version the installed cluster reports: the published name of a promoted copy
        # (`promotedName`, see "Published names"), the nightly's own name otherwise.
        jq -r --arg promoted "${PROMOTED_REPO:-}" '
          if $promoted != "" and ([.promotion.targets[]? | select(.release | startswith($promoted + ":"))] | length > 0)
          then (.promotedName // .name) else .name end' "${work}/from.json" >>"${work}/previous"
        echo "release-record: the upgrade gate installs ${from_name} (${UPGRADE_FROM}): ${from_image}"
      else
        echo "release-record: no ${UPGRADE_FROM} release to upgrade from; the upgrade gate will be skipped"
      fi
      printf '%s' "${from_image}" >"${RESULT_UPGRADE_FROM}"
      printf '%s' "${from_name}" >"${RESULT_UPGRADE_FROM_NAME}"
    fi
    # Each edge once, in the order found.
    paste -sd, <(grep -v '^$' "${work}/previous" | tr ',' '\n' | grep -v '^$' | awk '!seen[$0]++' || true) >"${OUT_FILE}"
    echo "release-record: upgrade edges from [$(cat "${OUT_FILE}")]"
    ;;

  create)
    need RELEASE_FILE PIPELINE_RUN
    payload="$(jq -r '.name // empty' "${RELEASE_FILE}")"
    if [ -z "${payload}" ]; then fail "${RELEASE_FILE} has no name"; fi
    jq --arg minor "${MINOR}" --arg run "${PIPELINE_RUN}" --arg now "$(now)" '
      {schemaVersion: 1, stream: $minor, name, pullSpec, digest, created: $now, pipelineRun: $run,
       basePayload, sources, fallbacks: (.fallbacks // []), previous, gates: [], verdict: "pending", logs: null,
       promotion: null}
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
    # The record is closed whatever the log upload did (the step before runs with `onError: continue`); its outcome
    # is noted: `uploaded` (exit 0), `failed` (with rclone's exit code; some logs may be missing) or `unknown` (no exit
    # code: the step did not end, or the task gave none). `logs` names the logs only when they were all uploaded.
    upload="unknown" upload_code=""
    if [ -n "${UPLOAD_EXIT_CODE_FILE:-}" ] && [ -s "${UPLOAD_EXIT_CODE_FILE}" ]; then
      upload_code="$(tr -d '[:space:]' <"${UPLOAD_EXIT_CODE_FILE}")"
      if [ "${upload_code}" = 0 ]; then upload="uploaded"; else upload="failed"; fi
    fi
    if [ "${upload}" != uploaded ]; then
      echo "release-record: the log upload ${upload}${upload_code:+ (exit ${upload_code})}; closing the record anyway" >&2
    fi
    # A payload whose run ended before the verdict (a gate timed out, the run was cancelled) is never accepted.
    jq --arg status "${PIPELINE_STATUS}" --arg logs "${LOGS_URL:-}" --arg now "$(now)" \
      --arg upload "${upload}" --arg code "${upload_code}" '
      .pipelineStatus = $status
      | .finished = $now
      | .logsUpload = ({status: $upload} + (if $code != "" then {exitCode: $code} else {} end))
      | (if $logs != "" and $upload != "failed" then .logs = $logs else . end)
      | (if .verdict == "pending" then .verdict = "unfinished" else . end)
    ' "${work}/record.json" >"${work}/record.next"
    mv "${work}/record.next" "${work}/record.json"
    save_record "${NAME}"
    echo "release-record: ${NAME} finished ($(jq -r .verdict "${work}/record.json"), run ${PIPELINE_STATUS}, logs ${upload})"
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

  name)
    need NAME DIGEST OUT_FILE
    published_name
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
    sync_index full
    ;;

  *)
    fail "unknown RECORD_ACTION ${RECORD_ACTION}"
    ;;
esac
