#!/usr/bin/env bash
# Provides the pipeline tools image for the rest of the run: the image built from the tools Containerfile, tagged by
# the hash of its content in the site registry, built and pushed only when that tag is missing; or, when a prebuilt
# image is given, that image, resolved to its digest and passed through.
#
# The check pulls the tag: the buildah image ships no skopeo, and `buildah manifest inspect` reads manifest lists
# only. A failed pull (tag missing, or anything else) means "build": a needless rebuild only costs time and pushes an
# equivalent image, while a genuine registry problem still fails loudly at the push.
#
# Reads:
#   CONTAINERFILE        the tools Containerfile; sha256 of its content names the tag
#   CONTEXT_DIR          build context directory
#   REPOSITORY           repository the image is pushed to (the site's components repository), no tag
#   TAG_PREFIX           optional, default "pipeline-tools-"; the tag is <prefix><first 16 hex of the sha256>
#   TLS_VERIFY           "true" or "false" (the local site's registry is plain HTTP)
#   PREBUILT_IMAGE       optional: use this image (repository:tag or repository@sha256:…) and build nothing
#   REGISTRY_AUTH_FILE   optional, read by buildah: the site registry's auth file
#   BUILDAH_ISOLATION    optional, read by buildah itself (chroot where no OCI runtime works)
# Writes:
#   RESULT_IMAGE_URL     file: the image without digest, repository:tag (Tekton Chains type hint)
#   RESULT_IMAGE_DIGEST  file: sha256:… of the manifest the registry holds
set -euo pipefail

for var in CONTAINERFILE CONTEXT_DIR REPOSITORY TLS_VERIFY RESULT_IMAGE_URL RESULT_IMAGE_DIGEST; do
  if [ -z "${!var:-}" ]; then
    echo "tools-image: ${var} is required" >&2
    exit 2
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

report() {
  printf '%s' "$1" >"${RESULT_IMAGE_URL}"
  printf '%s' "$2" >"${RESULT_IMAGE_DIGEST}"
  echo "tools-image: $1@$2"
}

# Pulls $1 and prints the digest of the manifest it was pulled by; fails (stderr in ${work}/pull.log) when it cannot.
pulled_digest() {
  local image="$1" tls="$2"
  buildah pull --quiet --tls-verify="${tls}" "docker://${image}" >/dev/null 2>"${work}/pull.log" || return 1
  buildah images --digests --format '{{.Digest}}' "${image}" | head -n1
}

# The site registry may be plain HTTP; any other registry is verified.
site_host="${REPOSITORY%%/*}"

if [ -n "${PREBUILT_IMAGE:-}" ]; then
  tls="true"
  if [ "${PREBUILT_IMAGE%%/*}" = "${site_host}" ]; then tls="${TLS_VERIFY}"; fi
  if ! digest="$(pulled_digest "${PREBUILT_IMAGE}" "${tls}")"; then
    echo "tools-image: the prebuilt image ${PREBUILT_IMAGE} cannot be pulled:" >&2
    cat "${work}/pull.log" >&2
    exit 1
  fi
  echo "tools-image: using the prebuilt image, building nothing"
  # Consumers run <IMAGE_URL>@<IMAGE_DIGEST>, so the URL never carries a digest of its own.
  report "${PREBUILT_IMAGE%@*}" "${digest}"
  exit 0
fi

if [ ! -f "${CONTAINERFILE}" ]; then
  echo "tools-image: Containerfile ${CONTAINERFILE} does not exist" >&2
  exit 2
fi
hash="$(sha256sum "${CONTAINERFILE}" | cut -c1-64)"
image="${REPOSITORY}:${TAG_PREFIX:-pipeline-tools-}${hash:0:16}"

if digest="$(pulled_digest "${image}" "${TLS_VERIFY}")" && [ -n "${digest}" ]; then
  echo "tools-image: ${image} already exists, not rebuilding"
  report "${image}" "${digest}"
  exit 0
fi
echo "tools-image: ${image} is not usable ($(tail -n1 "${work}/pull.log" 2>/dev/null || true)); building it"

buildah build --file "${CONTAINERFILE}" --tag "${image}" --layers=false \
  --label "io.okd-ci.containerfile.sha256=${hash}" "${CONTEXT_DIR}"
buildah push --tls-verify="${TLS_VERIFY}" --digestfile "${work}/digest" "${image}" "docker://${image}"
report "${image}" "$(cat "${work}/digest")"
