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
#   artifacts:$ARTIFACTS_BUCKET/$STATUS_PREFIX  the site, replacing what was there (rclone sync)
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
node "${RENDERER}" "${args[@]}"
rclone --quiet sync "${work}/site" "artifacts:${ARTIFACTS_BUCKET}/${prefix%/}"
echo "publish-status: published $(find "${work}/site" -type f | wc -l) file(s) to ${prefix}"
