#!/usr/bin/env bash
# Renders the release status site from the release records in artifact storage and publishes it there, under
# STATUS_PREFIX (default status/): an overview, a page per stream and per payload, status.json and schema.json. The
# renderer is the `npm run status` program (scripts/status.ts), bundled and mounted from the okd-status-renderer
# ConfigMap, run with the tools image's node; it reads the records with rclone itself. Pages link the gate logs by
# relative paths (status/ sits next to logs/ in the bucket), so they resolve wherever the bucket is read as a whole:
# a local copy, an authenticated browser URL, or a static website when one is configured (docs/status.md).
#
# Reads:
#   ARTIFACTS_BUCKET   bucket (or container); rclone's `artifacts` remote is configured by RCLONE_CONFIG_ARTIFACTS_*
#   RENDERER           the bundled renderer, e.g. /var/run/okd-status/status.js
#   STREAMS_JSON       optional: the configured streams, [{minor, variant, promote, gates}]; a configured stream
#                      without records is listed (and stale)
#   STATUS_PREFIX      optional, default status/: where the site goes in the bucket
#   THROTTLE_JSON      optional: what the throttle's dispatcher will find (start-status-render.sh): the pages show the
#                      pushes waiting and the next dispatch, and the site carries it as throttle.json. Empty: the
#                      renderer reads the throttle.json the published site carries (the last one seen), if any
# Writes:
#   artifacts:$ARTIFACTS_BUCKET/$STATUS_PREFIX  the site, replacing what was there (rclone sync), and published.json,
#                                               its watermark (see below), last
set -euo pipefail

fail() {
  echo "publish-status: $*" >&2
  exit 1
}
[ -n "${ARTIFACTS_BUCKET:-}" ] || fail "ARTIFACTS_BUCKET is required"
[ -n "${RENDERER:-}" ] || fail "RENDERER is required"
[ -f "${RENDERER}" ] || fail "the renderer ${RENDERER} is missing; is the okd-status-renderer ConfigMap mounted?"
command -v node >/dev/null || fail "node is not on PATH; the tools image provides it"
[ -n "${RCLONE_CONFIG_ARTIFACTS_TYPE:-}" ] || fail "RCLONE_CONFIG_ARTIFACTS_TYPE is not set; the task must configure the artifacts remote"
prefix="${STATUS_PREFIX:-status/}"
prefix="${prefix%/}/"
case "${prefix}" in /* | *..*) fail "STATUS_PREFIX must be a relative path inside the bucket, not ${prefix}" ;; esac

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
args=(--from "artifacts:${ARTIFACTS_BUCKET}" --out "${work}/site")
# From the site's root, the bucket's root is one level up per segment of the prefix.
up="$(printf '%s' "${prefix}" | tr -cd '/' | sed 's#/#../#g')"
args+=(--artifacts-href "${up}")
if [ -n "${STREAMS_JSON:-}" ]; then
  printf '%s' "${STREAMS_JSON}" >"${work}/streams.json"
  args+=(--streams "${work}/streams.json")
fi
if [ -n "${THROTTLE_JSON:-}" ]; then
  printf '%s' "${THROTTLE_JSON}" >"${work}/throttle.json"
  args+=(--throttle "${work}/throttle.json")
fi
# Concurrent renders (a nightly's finalize-record, a release, the reaper, the scheduled render) must not publish an
# older snapshot over a newer one. The site carries its watermark, published.json: {renderStarted (ns since the epoch,
# when that render began reading the records), throttleObserved (the throttle snapshot's observed time, or "")}. Right
# before uploading, a render reads the published watermark: newer in both, it publishes nothing; older in both, it
# publishes (the pages, then the watermark last); newer in one only, it renders again with the newest of each (the
# published throttle.json, or its own, over freshly read records), at most three times. What stays open is the
# seconds between that check and the end of the upload: two renders finishing in the same seconds can still interleave,
# and the next render puts the newest back.
published_watermark() {
  rclone cat "artifacts:${ARTIFACTS_BUCKET}/${prefix}published.json" 2>/dev/null || true
}
for _ in 1 2 3; do
  rm -rf "${work}/site"
  started="$(date -u +%s%N)"
  node "${RENDERER}" "${args[@]}"
  ours_throttle="$(jq -r '.observed // ""' "${work}/site/throttle.json" 2>/dev/null || true)"
  mark="$(published_watermark)"
  [ -n "${mark}" ] || mark='{}'
  pub_started="$(jq -r '.renderStarted // 0' <<<"${mark}" 2>/dev/null || echo 0)"
  pub_throttle="$(jq -r '.throttleObserved // ""' <<<"${mark}" 2>/dev/null || true)"
  [[ "${pub_started}" =~ ^[0-9]+$ ]] || pub_started=0
  newer_records=false newer_throttle=false
  if [ "${pub_started}" -gt "${started}" ]; then newer_records=true; fi
  if [[ "${pub_throttle}" > "${ours_throttle}" ]]; then newer_throttle=true; fi
  if [ "${newer_records}" = true ] && { [ "${newer_throttle}" = true ] || [ "${pub_throttle}" = "${ours_throttle}" ]; }; then
    echo "publish-status: a render that began later already published (${pub_started} > ${started}); not publishing this older snapshot"
    exit 0
  fi
  if [ "${newer_records}" = false ] && [ "${newer_throttle}" = false ]; then
    jq -n --argjson started "${started}" --arg throttle "${ours_throttle}" \
      '{renderStarted: $started, throttleObserved: $throttle}' >"${work}/published.json"
    rclone --quiet sync --exclude /published.json "${work}/site" "artifacts:${ARTIFACTS_BUCKET}/${prefix%/}"
    rclone --quiet copyto "${work}/published.json" "artifacts:${ARTIFACTS_BUCKET}/${prefix}published.json"
    echo "publish-status: published $(find "${work}/site" -type f | wc -l) file(s) to ${prefix}"
    exit 0
  fi
  if [ "${newer_throttle}" = true ]; then
    # Ours has the newer records, the published site the newer throttle snapshot: render again with that snapshot.
    echo "publish-status: the published site has a newer throttle snapshot (${pub_throttle}); rendering again with it"
    rclone cat "artifacts:${ARTIFACTS_BUCKET}/${prefix}throttle.json" >"${work}/throttle.json"
    args=(--from "artifacts:${ARTIFACTS_BUCKET}" --out "${work}/site" --artifacts-href "${up}")
    if [ -n "${STREAMS_JSON:-}" ]; then args+=(--streams "${work}/streams.json"); fi
    args+=(--throttle "${work}/throttle.json")
  else
    echo "publish-status: a render that began later published older throttle facts; rendering again over the records as they are now"
  fi
done
echo "publish-status: renders kept overtaking this one; not publishing (the next render publishes the newest)"
