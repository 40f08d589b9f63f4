#!/usr/bin/env bash
# Mirrors an accepted payload to every promotion target with `oc adm release mirror`, which keeps the payload's
# digest. A target that already holds <name> at that digest is skipped: oc pushes the release image after all its
# content, so a present release image means a complete mirror, and running this twice copies nothing.
#
# Reads:
#   NAME                payload name, e.g. 4.15.0-0.okd-2025-01-01-020000
#   DIGEST              its digest, sha256:…
#   SOURCE_REPO         repository the nightly lives in
#   SOURCE_TLS_VERIFY   "true" or "false"
#   TARGETS             one target per line: <release repo> <content repo> <tls verify true|false>
#   SITE_AUTH_FILE      optional auth file for the site registry (registry-auth.sh)
#   MIRROR_AUTH_FILE    optional .dockerconfigjson with push rights on the quay.io repositories
#   MIRROR_SECRET       optional, the Secret MIRROR_AUTH_FILE comes from (named in errors)
# Writes:
#   PROMOTION_FILE      JSON array of {release, content, copied} for release-record.sh
set -euo pipefail

for var in NAME DIGEST SOURCE_REPO SOURCE_TLS_VERIFY TARGETS PROMOTION_FILE; do
  if [ -z "${!var:-}" ]; then
    echo "mirror-release: ${var} is required" >&2
    exit 2
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
# One auth file with both the site registry and the mirror credentials: oc reads a single registry config.
auth="${work}/auth.json"
files=()
for f in "${SITE_AUTH_FILE:-}" "${MIRROR_AUTH_FILE:-}"; do
  if [ -n "${f}" ]; then
    if [ ! -s "${f}" ]; then
      echo "mirror-release: credentials file ${f} is missing or empty; is the Secret ${MIRROR_SECRET:-with the push credentials} in the pipeline namespace?" >&2
      exit 1
    fi
    files+=("${f}")
  fi
done
if [ "${#files[@]}" -gt 0 ]; then
  jq -s 'reduce .[] as $f ({auths: {}}; .auths += ($f.auths // {}))' "${files[@]}" >"${auth}"
else
  printf '{"auths":{}}' >"${auth}"
fi
chmod 600 "${auth}"

# The digest of the manifest bytes exactly as served, or nothing when the target does not hold the tag.
current_digest() {
  local sum
  sum="$(skopeo inspect --raw --authfile "${auth}" --tls-verify="$2" "docker://$1" 2>/dev/null | sha256sum)" || return 0
  printf 'sha256:%s' "${sum%% *}"
}

printf '[]' >"${PROMOTION_FILE}"
while read -r release content tls; do
  [ -n "${release:-}" ] || continue
  target="${release}:${NAME}"
  copied=false
  if [ "$(current_digest "${target}" "${tls}")" = "${DIGEST}" ]; then
    echo "mirror-release: ${target} already holds ${DIGEST}; nothing to copy"
  else
    flags=(--keep-manifest-list=true --registry-config="${auth}")
    if [ "${tls}" != "true" ] || [ "${SOURCE_TLS_VERIFY}" != "true" ]; then flags+=(--insecure=true); fi
    oc adm release mirror "${flags[@]}" --from="${SOURCE_REPO}@${DIGEST}" --to="${content}" \
      --to-release-image="${target}"
    after="$(current_digest "${target}" "${tls}")"
    if [ "${after}" != "${DIGEST}" ]; then
      echo "mirror-release: ${target} has digest '${after}' after mirroring, not ${DIGEST}" >&2
      exit 1
    fi
    copied=true
  fi
  jq --arg r "${target}@${DIGEST}" --arg c "${content}" --argjson copied "${copied}" \
    '. + [{release: $r, content: $c, copied: $copied}]' "${PROMOTION_FILE}" >"${work}/p.json"
  mv "${work}/p.json" "${PROMOTION_FILE}"
done <<<"${TARGETS}"
echo "mirror-release: ${NAME} is at every target"
