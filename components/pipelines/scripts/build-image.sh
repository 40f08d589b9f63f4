#!/usr/bin/env bash
# Builds a Containerfile with buildah and pushes the image, reporting the digest the registry stored.
#
# Reads:
#   CONTEXT_DIR          build context directory
#   CONTAINERFILE        Containerfile path
#   IMAGE                destination, repository:tag
#   TLS_VERIFY           "true" or "false" (the local site's registry is plain HTTP)
#   BUILD_ARGS           optional, KEY=VALUE per line
#   BUILD_ARGS_FILE      optional file with more KEY=VALUE lines (written by an earlier step)
#   LABELS               optional, KEY=VALUE per line
#   LABELS_FILE          optional file with more KEY=VALUE lines (written by an earlier step)
#   SKIP_IF_PRESENT      optional "true": when IMAGE already exists, report its digest and build nothing
#   BUILDAH_ISOLATION    optional, read by buildah itself (chroot where no OCI runtime works)
# Writes:
#   RESULT_IMAGE_URL     file: IMAGE (Tekton Chains type hint)
#   RESULT_IMAGE_DIGEST  file: sha256:… of the pushed manifest
set -euo pipefail

for var in CONTEXT_DIR CONTAINERFILE IMAGE TLS_VERIFY RESULT_IMAGE_URL RESULT_IMAGE_DIGEST; do
  if [ -z "${!var:-}" ]; then
    echo "build-image: ${var} is required" >&2
    exit 2
  fi
done
if [ ! -f "${CONTAINERFILE}" ]; then
  echo "build-image: Containerfile ${CONTAINERFILE} does not exist" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

report() {
  printf '%s' "${IMAGE}" >"${RESULT_IMAGE_URL}"
  printf '%s' "$1" >"${RESULT_IMAGE_DIGEST}"
  echo "build-image: ${IMAGE}@$1"
}

if [ "${SKIP_IF_PRESENT:-false}" = "true" ] \
  && buildah pull --quiet --tls-verify="${TLS_VERIFY}" "docker://${IMAGE}" >/dev/null 2>&1; then
  digest="$(buildah images --digests --format '{{.Digest}}' "${IMAGE}" | head -n1)"
  echo "build-image: ${IMAGE} already exists, not rebuilding"
  report "${digest}"
  exit 0
fi

# KEY=VALUE lines from a variable and an optional file, as repeated flags; blank lines are ignored.
flags_from() {
  local flag="$1" text="$2" file="${3:-}" line
  {
    printf '%s\n' "${text}"
    if [ -n "${file}" ] && [ -f "${file}" ]; then cat "${file}"; fi
  } | while IFS= read -r line; do
    if [ -n "${line}" ]; then printf '%s\0%s\0' "${flag}" "${line}"; fi
  done
}

args=()
while IFS= read -r -d '' item; do args+=("${item}"); done \
  < <(flags_from --build-arg "${BUILD_ARGS:-}" "${BUILD_ARGS_FILE:-}"; flags_from --label "${LABELS:-}" "${LABELS_FILE:-}")

buildah build --file "${CONTAINERFILE}" --tag "${IMAGE}" --layers=false --tls-verify="${TLS_VERIFY}" \
  "${args[@]}" "${CONTEXT_DIR}"
buildah push --tls-verify="${TLS_VERIFY}" --digestfile "${work}/digest" "${IMAGE}" "docker://${IMAGE}"
report "$(cat "${work}/digest")"
