#!/usr/bin/env bash
# Reads and writes the durable release state in the site's artifact storage, in two prefixes with different writers:
#   releases/<minor>/<name>.json         one record per payload: name, digest, sources, gates, verdict (records identity)
#   releases/<minor>/index.json          the stream's payloads, newest first, with their verdicts (records identity)
#   promoted/<minor>/<name>.json         the payload's promotion: digest, published name, targets (promote identity)
#   promoted/<minor>/claims/<name>.json  a promotion's claim on a published name (promote identity; "Published names")
# A payload is promoted iff its promoted/ object exists. Only the promotion identity may write promoted/ (the site's
# grants, docs/security.md), so the nightly's identity, which writes releases/, cannot make a payload promoted, rewrite
# a promoted release's promotion or take its published name; promote only reads releases/. Readers merge the two
# (this script's `previous`, the status page and release notes: components/pipelines/status/records.ts) and take the
# promotion from promoted/ alone, never from a record. `adopt` copies promotions older records carry into promoted/,
# once per stream (the promote Task's first step); `previous`, `name` and `promote` refuse to run until it has.
# Records are the truth of what was built and decided; the index is derived from them: every write brings it into agreement with the records (see
# "The index" below), and `reindex` rebuilds it from all of them. Storage is reached through rclone's
# remote named `artifacts`, configured entirely by RCLONE_CONFIG_ARTIFACTS_* variables (s3, gcs or azureblob with
# env_auth: the pod's keyless identity), so one script serves every cloud.
#
# Reads:
#   RECORD_ACTION     previous | create | verdict | finalize | pick | check | name | promote | reindex | adopt
#   ARTIFACTS_BUCKET  bucket (or container) holding releases/
#   MINOR             the stream, e.g. 4.15
#   previous: PREVIOUS_MINOR (optional), OUT_FILE; for an upgrade gate UPGRADE_FROM (promoted|accepted), PROMOTED_REPO
#             (optional: the site's durable repository of promoted releases), RESULT_UPGRADE_FROM and
#             RESULT_UPGRADE_FROM_NAME
#   create:   RELEASE_FILE (JSON written by assemble-release.sh), PIPELINE_RUN
#   verdict:  NAME, VERDICT or VERDICT_FILE (accepted|rejected), GATES_FILE (JSON written by verdict.sh); only a pending
#             record takes one (the same verdict again changes nothing, any other is refused)
#   finalize: NAME, PIPELINE_STATUS (the aggregate status Tekton reports for the run's tasks), LOGS_URL,
#             VERDICT_FILE and GATES_FILE (optional: verdict.sh's files, applied to a record still pending),
#             UPLOAD_EXIT_CODE_FILE (optional: the upload-logs step's exit code file, which Tekton's entrypoint writes
#             for a step with `onError: continue`, failed or not; missing or empty when that step did not end)
#   pick:     nothing more
#   check:    NAME, DIGEST
#   name:     NAME, DIGEST, OUT_FILE; NAME_CLAIM_ATTEMPTS (optional, default 10)
#   promote:  NAME, DIGEST, PROMOTION_FILE (JSON written by mirror-release.sh)
#   adopt:    nothing more (the promote Task's first step, as the promotion identity; a no-op once the stream's
#             marker promoted/<minor>/adopted exists)
#   INDEX_SYNC_ATTEMPTS (optional, default 10): rounds of index agreement before giving up
# Writes:
#   the record and the index (create, verdict, finalize, reindex); promoted/<minor>/<name>.json (promote, adopt);
#   promoted/<minor>/adopted (adopt);
#   promoted/<minor>/claims/<name>.json (name, adopt)
#   previous: OUT_FILE, comma-separated published names of earlier promoted releases (upgrade edges); with UPGRADE_FROM, the
#             release the upgrade gate installs: RESULT_UPGRADE_FROM (repository@digest) and RESULT_UPGRADE_FROM_NAME,
#             both empty when there is none. `promoted`: the stream's newest promoted release, else the previous
#             minor's (each already an edge); `accepted`: the stream's newest accepted one, else as promoted, and added
#             to the edges, so the edge the gate tests is one the payload records. A promoted release is installed from
#             PROMOTED_REPO (nightlies expire, promoted copies do not), any other from its nightly repository.
#   name:     OUT_FILE, the name the payload is published under (see "Published names" below); its claim keeps it as
#             `promotedName`, and promote copies it into the promoted object
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
promoted_dir="${bucket}/promoted/${MINOR}"
claims_dir="${promoted_dir}/claims"
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
entry_of='{name, digest, pullSpec, created, verdict}'
# shellcheck source=lib/record-index.sh
source "${BASH_SOURCE[0]%/*}/lib/record-index.sh"

save_record() {
  store "$(record_path "$1")" "${work}/record.json"
  known "$1.json" "${work}/record.json"
  sync_index
}

# --- Published names and promoted/: lib/release-promoted.sh (load_promoted, with_promotion, published_name, adopt) ---
# shellcheck source=lib/release-promoted.sh
source "${BASH_SOURCE[0]%/*}/lib/release-promoted.sh"

case "${RECORD_ACTION}" in
  previous)
    need OUT_FILE
    require_adopted "${MINOR}"
    if [ -n "${PREVIOUS_MINOR:-}" ]; then require_adopted "${PREVIOUS_MINOR}"; fi
    load_index
    load_promoted "${MINOR}" "${work}/promoted.json"
    # Edges name releases as they were published (`promotedName`; FCOS releases and promotions older than the field
    # were published under the nightly's name), newest first. They come from promoted/ alone: a record cannot add one.
    jq -r '[to_entries[] | .value] | sort_by(.name) | reverse | map(.promotedName // .name) | join(",")' \
      "${work}/promoted.json" >"${work}/previous"
    if [ -n "${PREVIOUS_MINOR:-}" ]; then
      load_promoted "${PREVIOUS_MINOR}" "${work}/previous-promoted.json"
      # The newest promoted release of the previous minor upgrades into this one, as the OKD release pipeline's edges.
      jq -r '[to_entries[] | .value] | sort_by(.name) | reverse | map(.promotedName // .name) | .[0] // empty' \
        "${work}/previous-promoted.json" >>"${work}/previous"
    fi
    if [ -n "${UPGRADE_FROM:-}" ]; then
      need RESULT_UPGRADE_FROM RESULT_UPGRADE_FROM_NAME
      case "${UPGRADE_FROM}" in
        promoted) from_name="$(jq -r '[keys[]] | sort | reverse | .[0] // empty' "${work}/promoted.json")" ;;
        accepted) from_name="$(jq -r '[.releases[] | select(.verdict == "accepted") | .name][0] // empty' "${work}/index.json")" ;;
        *) fail "UPGRADE_FROM must be promoted or accepted, not ${UPGRADE_FROM}" ;;
      esac
      from_dir="${stream_dir}" from_promoted="${work}/promoted.json"
      if [ -z "${from_name}" ] && [ -f "${work}/previous-promoted.json" ]; then
        from_name="$(jq -r '[keys[]] | sort | reverse | .[0] // empty' "${work}/previous-promoted.json")"
        from_dir="${bucket}/releases/${PREVIOUS_MINOR}" from_promoted="${work}/previous-promoted.json"
      fi
      from_image=""
      if [ -n "${from_name}" ]; then
        [[ "${from_name}" =~ ${safe_name} ]] || fail "the upgrade gate's release '${from_name}' is not a release name"
        fetch "${from_dir}" "${from_name}.json" "${work}/from.record.json" || fail "no record for ${from_name}, the release the upgrade gate installs"
        with_promotion "${work}/from.record.json" "${from_promoted}" >"${work}/from.json"
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
    # Only a pending record takes a verdict: a decided one (or one closed `unfinished`) is never overwritten. The same
    # verdict again (a retried step) changes nothing.
    current="$(jq -r '.verdict' "${work}/record.json")"
    if [ "${current}" = "${VERDICT}" ]; then
      echo "release-record: ${NAME} is already ${VERDICT}; nothing to write"
      exit 0
    fi
    [ "${current}" = pending ] || fail "${NAME} is ${current}, not pending: its verdict is final and is not changed to ${VERDICT}"
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
    # A verdict decided in this pod but not written (the verdict step runs with `onError: continue`, so one failed
    # store write would otherwise close a decided payload as `unfinished` while the task succeeds and is never
    # retried) is applied in this same write: only to a record still pending, only when both of verdict.sh's files
    # are there and valid.
    late_verdict="" late_gates="null"
    if [ "$(jq -r '.verdict' "${work}/record.json")" = pending ] && [ -n "${VERDICT_FILE:-}" ] && [ -f "${VERDICT_FILE}" ] &&
      [ -n "${GATES_FILE:-}" ] && [ -f "${GATES_FILE}" ]; then
      late_verdict="$(head -c 16 "${VERDICT_FILE}")"
      if ! [[ "${late_verdict}" =~ ^(accepted|rejected)$ ]] || ! late_gates="$(jq -ce 'if type == "array" then . else error end' "${GATES_FILE}" 2>/dev/null)"; then
        echo "release-record: the verdict files in ${VERDICT_FILE} and ${GATES_FILE} are not a verdict and gates; not applying them" >&2
        late_verdict="" late_gates="null"
      else
        echo "release-record: the verdict (${late_verdict}) was decided but not recorded; recording it now" >&2
      fi
    fi
    # A payload whose run ended before the verdict (a gate timed out, the run was cancelled with CancelledRunFinally)
    # is never accepted. A plain `Cancelled` run runs no `finally`, so not this: its record stays `pending`.
    jq --arg status "${PIPELINE_STATUS}" --arg logs "${LOGS_URL:-}" --arg now "$(now)" \
      --arg upload "${upload}" --arg code "${upload_code}" \
      --arg verdict "${late_verdict}" --argjson gates "${late_gates}" '
      (if $verdict != "" then .gates = $gates | .verdict = $verdict | .decided = $now else . end)
      | .pipelineStatus = $status
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
    require_adopted "${MINOR}"
    published_name
    ;;

  promote)
    need NAME DIGEST PROMOTION_FILE
    require_adopted "${MINOR}"
    load_record "${NAME}"
    [ "$(jq -r '.digest' "${work}/record.json")" = "${DIGEST}" ] || fail "${NAME}: recorded digest differs from ${DIGEST}"
    [ "$(jq -r '.verdict' "${work}/record.json")" = "accepted" ] || fail "${NAME} is not accepted; refusing to record it promoted"
    # The published name is the held claim's (`name` ran before); FCOS releases keep the nightly's and have none.
    load_claims "${work}/claims.json"
    published="$(jq -r --arg self "${NAME}" --arg digest "${DIGEST}" \
      '[.[] | select(.name == $self and .digest == $digest and .promotedNameHeld == true) | .promotedName][0] // ""' \
      "${work}/claims.json")"
    if [[ "${NAME}" == "${MINOR}.0-0.okd-scos-"* ]] && [ -z "${published}" ]; then
      fail "${NAME} holds no published name in promoted/${MINOR}/claims/; run RECORD_ACTION=name first"
    fi
    if ! fetch "${promoted_dir}" "${NAME}.json" "${work}/promoted.json"; then echo 'null' >"${work}/promoted.json"; fi
    # The first promotion's time is kept: a second run changes nothing but `verified` (and the targets).
    jq -n --slurpfile prev "${work}/promoted.json" --slurpfile p "${PROMOTION_FILE}" --slurpfile r "${work}/record.json" \
      --arg published "${published}" --arg now "$(now)" '
      ($prev[0] // {}) as $old
      | {schemaVersion: 1, stream: $r[0].stream, name: $r[0].name, digest: $r[0].digest, pullSpec: $r[0].pullSpec}
        + (if $published != "" then {promotedName: $published} else {} end)
        + {promotion: ((if ($old.digest // "") == $r[0].digest then $old.promotion else null end // {at: $now})
                       + {targets: $p[0], verified: $now})}
    ' >"${work}/promoted.next"
    store "${promoted_dir}/${NAME}.json" "${work}/promoted.next"
    echo "release-record: ${NAME} promoted (promoted/${MINOR}/${NAME}.json)"
    ;;

  adopt)
    adopt_promotions
    ;;

  reindex)
    sync_index full
    ;;

  *)
    fail "unknown RECORD_ACTION ${RECORD_ACTION}"
    ;;
esac
