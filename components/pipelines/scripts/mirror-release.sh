#!/usr/bin/env bash
# Promotes an accepted nightly to every target: a new payload, named as the release is published, whose every image
# reference is in that target's content repository, made with
#   oc adm release new --from-release <nightly>@<digest> --name <name> --mirror <content> --to-image <release>:<name>
# as okd-release-pipeline's mirror-release task does for quay.io/okd/scos-release. <name> is the nightly's own for
# OKD/FCOS and 4.Y.0-okd-scos.N for OKD/SCOS (release-record.sh RECORD_ACTION=name, PUBLISHED_NAME_FILE).
#
# Why not `oc adm release mirror`: it copies the images but keeps the payload's digest precisely because it does not
# rewrite the payload, so the copy still names <site registry>/content@sha256:… (private, and expiring) in its
# image-references and manifests. `release new --mirror` copies every component by digest into <content> and writes a
# new release image that references them there; component digests stay, the payload digest is new (one per target).
# `--name` must be a semantic version (oc refuses anything else) and becomes the release-metadata `version` and the
# `io.openshift.release` label; with `--from-release` and no `--previous`, oc keeps the nightly's upgrade edges
# (release-metadata `previous`), and it records the source in the payload's image-references
# (`release.openshift.io/from-release`), which is how a second run recognises its work.
# (openshift/oc pkg/cli/admin/release/new.go: the --name semver check, `o.PreviousVersions = cm.Previous` in the
# --from-release branch, mirrorImages, @ae1bd9e4a75b.)
#
# A target that already holds <name> made from this nightly is checked and kept (oc pushes the release image after
# all content, so a present release image means a complete copy); one made from anything else is never overwritten.
#
# Reads:
#   NAME                the nightly's name, e.g. 4.15.0-0.okd-2025-01-01-020000
#   PUBLISHED_NAME_FILE optional: file holding the name to publish under (e.g. 4.16.0-okd-scos.0); default NAME
#   DIGEST              the nightly's digest, sha256:…
#   SOURCE_REPO         repository the nightly lives in
#   SOURCE_TLS_VERIFY   "true" or "false"
#   TARGETS             one target per line: <release repo> <content repo> <tls verify true|false> [<result prefix>]
#   SITE_AUTH_FILE      optional auth file for the site registry (registry-auth.sh)
#   MIRROR_AUTH_FILE    optional .dockerconfigjson with push rights on the quay.io repositories
#   MIRROR_SECRET       optional, the Secret MIRROR_AUTH_FILE comes from (named in errors)
#   RESULTS_DIR         optional: for a target with a result prefix P, writes P + IMAGE_URL and P + IMAGE_DIGEST there
#                       (Tekton Chains type hints, so each promoted payload is signed)
# Writes:
#   PROMOTION_FILE      JSON array of {release, pullSpec, digest, content, copied} for release-record.sh
set -euo pipefail

for var in NAME DIGEST SOURCE_REPO SOURCE_TLS_VERIFY TARGETS PROMOTION_FILE; do
  if [ -z "${!var:-}" ]; then
    echo "mirror-release: ${var} is required" >&2
    exit 2
  fi
done

published="${NAME}"
if [ -n "${PUBLISHED_NAME_FILE:-}" ]; then
  published="$(cat "${PUBLISHED_NAME_FILE}")" || exit 1
  if [ -z "${published}" ]; then
    echo "mirror-release: ${PUBLISHED_NAME_FILE} holds no name" >&2
    exit 1
  fi
fi

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

# `oc adm release info -o json` of $1 into file $3; $2 is "true" when TLS is verified.
release_info() {
  local flags=(--registry-config="${auth}")
  if [ "$2" != "true" ]; then flags+=(--insecure=true); fi
  oc adm release info "${flags[@]}" --output=json "$1" >"$3"
}

source_ref="${SOURCE_REPO}@${DIGEST}"
release_info "${source_ref}" "${SOURCE_TLS_VERIFY}" "${work}/source.json"
# tag → component digest of the nightly: every promoted copy must carry exactly these images.
jq -S '[.references.spec.tags[] | {key: .name, value: (.from.name | sub("^.*@"; ""))}] | from_entries' \
  "${work}/source.json" >"${work}/source-images.json"

printf '[]' >"${PROMOTION_FILE}"
while read -r release content tls prefix; do
  [ -n "${release:-}" ] || continue
  target="${release}:${published}"
  copied=false
  if [ -n "$(current_digest "${target}" "${tls}")" ]; then
    release_info "${target}" "${tls}" "${work}/target.json"
    from="$(jq -r '.references.metadata.annotations["release.openshift.io/from-release"] // ""' "${work}/target.json")"
    if [ "${from}" != "${source_ref}" ]; then
      echo "mirror-release: ${target} exists but was made from '${from}', not ${source_ref}; refusing to overwrite a promoted release" >&2
      exit 1
    fi
    echo "mirror-release: ${target} was already made from ${source_ref}; nothing to copy"
  else
    flags=(--keep-manifest-list=true --registry-config="${auth}")
    if [ "${tls}" != "true" ] || [ "${SOURCE_TLS_VERIFY}" != "true" ]; then flags+=(--insecure=true); fi
    oc adm release new "${flags[@]}" --from-release="${source_ref}" --name="${published}" --mirror="${content}" \
      --to-image="${target}"
    copied=true
  fi

  promoted="$(current_digest "${target}" "${tls}")"
  if [ -z "${promoted}" ]; then
    echo "mirror-release: ${target} is missing after oc adm release new" >&2
    exit 1
  fi
  # The proof that what this target serves is installable from it alone: every reference is <content>@sha256:…,
  # and the images are the nightly's, digest for digest.
  release_info "${release}@${promoted}" "${tls}" "${work}/promoted.json"
  outside="$(jq -r --arg c "${content}@sha256:" \
    '.references.spec.tags[] | select(.from.name | startswith($c) | not) | "\(.name) \(.from.name)"' "${work}/promoted.json")"
  if [ -n "${outside}" ]; then
    echo "mirror-release: ${release}@${promoted} references images outside ${content}:" $'\n'"${outside}" >&2
    exit 1
  fi
  jq -S '[.references.spec.tags[] | {key: .name, value: (.from.name | sub("^.*@"; ""))}] | from_entries' \
    "${work}/promoted.json" >"${work}/promoted-images.json"
  if ! cmp -s "${work}/source-images.json" "${work}/promoted-images.json"; then
    echo "mirror-release: ${release}@${promoted} does not carry the images of ${source_ref}:" >&2
    diff "${work}/source-images.json" "${work}/promoted-images.json" >&2 || true
    exit 1
  fi

  if [ -n "${prefix:-}" ] && [ -n "${RESULTS_DIR:-}" ]; then
    printf '%s' "${release}" >"${RESULTS_DIR}/${prefix}IMAGE_URL"
    printf '%s' "${promoted}" >"${RESULTS_DIR}/${prefix}IMAGE_DIGEST"
  fi
  jq --arg r "${target}@${promoted}" --arg p "${release}@${promoted}" --arg d "${promoted}" --arg c "${content}" \
    --argjson copied "${copied}" '. + [{release: $r, pullSpec: $p, digest: $d, content: $c, copied: $copied}]' \
    "${PROMOTION_FILE}" >"${work}/p.json"
  mv "${work}/p.json" "${PROMOTION_FILE}"
  echo "mirror-release: ${target} is ${promoted} (from ${source_ref}), every image in ${content}"
done <<<"${TARGETS}"
echo "mirror-release: ${NAME} is at every target as ${published}"
