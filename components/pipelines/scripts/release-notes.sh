#!/usr/bin/env bash
# Writes the release notes of a payload just promoted: what changed since the previous promoted release (its
# stream's, else the previous minor's newest). The renderer (the `npm run status` program, bundled) computes from the
# two release records which components changed and their commit ranges; then
#   oc adm release info --changelog=<dir> --output=json --changes-from=<previous copy> <this copy>
# adds the merged pull requests of each range. oc reads each changed component's source location and commit from the
# payloads' image-references annotations and clones those repositories into <dir> with git (openshift/oc
# pkg/cli/admin/release/info.go describeChangelog, git.go ensureCloneForRepo @ae1bd9e4a75b), so it needs the
# repositories' hosts (github.com) and time; when it fails or times out, the notes keep the commit ranges and say why
# pull requests are missing. Both copies are the site's durable promoted ones, which never expire.
#
# Reads:
#   MINOR               the stream, e.g. 4.15
#   NAME                the promoted payload
#   ARTIFACTS_BUCKET    bucket (or container); rclone's `artifacts` remote is configured by RCLONE_CONFIG_ARTIFACTS_*
#   RENDERER            the bundled renderer, e.g. /var/run/okd-status/status.js
#   PROMOTED_REPO       the site's durable release repository (a target of every promotion)
#   TLS_VERIFY          "true" or "false"
#   REGISTRY_AUTH_FILE  optional: auth file for the site registry (registry-auth.sh)
#   CHANGELOG_TIMEOUT   optional, default 1200: seconds oc may take (it clones the changed repositories)
# Writes:
#   artifacts:$ARTIFACTS_BUCKET/notes/$MINOR/$NAME.json   the notes (docs/status.md: the notes schema)
#   artifacts:$ARTIFACTS_BUCKET/notes/$MINOR/$NAME.md     the same as Markdown, e.g. for a GitHub release
set -euo pipefail

fail() {
  echo "release-notes: $*" >&2
  exit 1
}
for var in MINOR NAME ARTIFACTS_BUCKET RENDERER PROMOTED_REPO TLS_VERIFY; do
  [ -n "${!var:-}" ] || fail "${var} is required"
done
[ -f "${RENDERER}" ] || fail "the renderer ${RENDERER} is missing; is the okd-status-renderer ConfigMap mounted?"
[ -n "${RCLONE_CONFIG_ARTIFACTS_TYPE:-}" ] || fail "RCLONE_CONFIG_ARTIFACTS_TYPE is not set; the task must configure the artifacts remote"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
notes=(--from "artifacts:${ARTIFACTS_BUCKET}" --notes "${MINOR}/${NAME}" --promoted-repo "${PROMOTED_REPO}" --out "${work}/notes")
node "${RENDERER}" "${notes[@]}"
from="$(jq -r '.fromPullSpec // empty' "${work}/notes/${NAME}.json")"
to="$(jq -r '.toPullSpec // empty' "${work}/notes/${NAME}.json")"

if [ -n "${from}" ] && [ -n "${to}" ]; then
  oc_flags=()
  if [ "${TLS_VERIFY}" != "true" ]; then oc_flags+=(--insecure=true); fi
  if [ -n "${REGISTRY_AUTH_FILE:-}" ]; then oc_flags+=(--registry-config="${REGISTRY_AUTH_FILE}"); fi
  rc=0
  timeout "${CHANGELOG_TIMEOUT:-1200}" oc adm release info "${oc_flags[@]}" --changelog="${work}/git" --output=json \
    --changes-from="${from}" "${to}" >"${work}/changelog.json" 2>"${work}/changelog.err" || rc=$?
  # oc prints the JSON even when some repositories failed, then exits 1 naming them (describeChangelog's hasError).
  errors="$(grep -E '^(error|fatal)' "${work}/changelog.err" | head -n 3 | tr '\n' ' ' || true)"
  if [ "${rc}" -eq 124 ]; then errors="oc adm release info --changelog did not finish in ${CHANGELOG_TIMEOUT:-1200}s"; fi
  if [ "${rc}" -ne 0 ] && [ -z "${errors}" ]; then errors="oc adm release info --changelog exited ${rc}: $(tail -n 1 "${work}/changelog.err")"; fi
  merge=()
  if jq -e 'type == "object"' "${work}/changelog.json" >/dev/null 2>&1; then merge+=(--changelog "${work}/changelog.json"); fi
  if [ -n "${errors}" ]; then merge+=(--changelog-error "${errors% }"); fi
  if [ "${#merge[@]}" -gt 0 ]; then node "${RENDERER}" "${notes[@]}" "${merge[@]}"; fi
  echo "release-notes: compared ${from} and ${to}${errors:+ (${errors% })}"
else
  echo "release-notes: no earlier promoted copy in ${PROMOTED_REPO} to compare with; the notes list the components from the records"
fi
rclone --quiet copy "${work}/notes" "artifacts:${ARTIFACTS_BUCKET}/notes/${MINOR}"
echo "release-notes: notes/${MINOR}/${NAME}.json and .md"
