#!/usr/bin/env bash
# Resolves the pipeline tools image to the digest the registry holds for it, building nothing: the release Pipeline's
# tools-image task, which runs unprivileged in the restricted release namespace. The image is the one the nightlies
# build from the tools Containerfile (tagged by its hash) or a prebuilt one; a missing tag means no nightly has built
# this Containerfile yet. Then, with FALLBACK_IMAGE (the tag every nightly's assemble also moves to the image it
# published, publish-tools-image.sh LATEST_TAG), the release runs the newest tools image a nightly built, saying so
# loudly: the payload it promotes was built and gated by a nightly with that image or an older one, and a release must not wait for a
# nightly because the Containerfile changed. Only a tag the registry does not know falls back; any other error
# (auth, network) fails.
#
# Reads:
#   IMAGE                the tools image, repository:tag or repository@sha256:…
#   SITE_HOST            the site registry host; images there use TLS_VERIFY, any other registry is verified
#   TLS_VERIFY           "true" or "false" (the local site's registry is plain HTTP)
#   REGISTRY_AUTH_FILE   optional, read by skopeo itself: the site registry's auth file
#   FALLBACK_IMAGE       optional: repository:tag of the newest tools image a nightly built (same registry rules)
# Writes:
#   RESULT_IMAGE_URL     file: the image without digest (Tekton Chains type hint)
#   RESULT_IMAGE_DIGEST  file: sha256:… of the manifest the registry holds
set -euo pipefail

for var in IMAGE SITE_HOST TLS_VERIFY RESULT_IMAGE_URL RESULT_IMAGE_DIGEST; do
  if [ -z "${!var:-}" ]; then
    echo "resolve-tools-image: ${var} is required" >&2
    exit 2
  fi
done

tls="true"
if [ "${IMAGE%%/*}" = "${SITE_HOST}" ]; then tls="${TLS_VERIFY}"; fi

err="$(mktemp)"
trap 'rm -f "${err}"' EXIT
# A registry that does not know a tag answers MANIFEST_UNKNOWN (distribution spec, "Pulling manifests"); skopeo prints
# "manifest unknown".
if ! digest="$(skopeo inspect --tls-verify="${tls}" --format '{{.Digest}}' "docker://${IMAGE}" 2>"${err}")" \
  || [ -z "${digest}" ]; then
  echo "resolve-tools-image: ${IMAGE} cannot be inspected:" >&2
  cat "${err}" >&2
  if [ -z "${FALLBACK_IMAGE:-}" ] || ! grep -qi 'manifest unknown' "${err}"; then
    echo "resolve-tools-image: the nightlies build this tools image when its Containerfile changes; run the stream's nightly first (or set a prebuilt tools image)" >&2
    exit 1
  fi
  if [ "${FALLBACK_IMAGE%%/*}" != "${IMAGE%%/*}" ]; then
    echo "resolve-tools-image: FALLBACK_IMAGE ${FALLBACK_IMAGE} is not in the registry of ${IMAGE}" >&2
    exit 2
  fi
  if ! digest="$(skopeo inspect --tls-verify="${tls}" --format '{{.Digest}}' "docker://${FALLBACK_IMAGE}" 2>"${err}")" \
    || [ -z "${digest}" ]; then
    cat "${err}" >&2
    echo "resolve-tools-image: neither ${IMAGE} nor ${FALLBACK_IMAGE} exists: no nightly has built a tools image yet; run the stream's nightly first" >&2
    exit 1
  fi
  echo "resolve-tools-image: WARNING: no nightly has built the tools image of this Containerfile yet (${IMAGE}); this release runs the newest one a nightly built, ${FALLBACK_IMAGE}@${digest} (the nightlies move that tag). The next nightly builds ${IMAGE}." >&2
  IMAGE="${FALLBACK_IMAGE}"
fi

# Consumers run <IMAGE_URL>@<IMAGE_DIGEST>, so the URL never carries a digest of its own.
url="${IMAGE%@*}"
printf '%s' "${url}" >"${RESULT_IMAGE_URL}"
printf '%s' "${digest}" >"${RESULT_IMAGE_DIGEST}"
echo "resolve-tools-image: ${url}@${digest}"
