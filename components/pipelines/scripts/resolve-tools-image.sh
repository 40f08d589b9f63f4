#!/usr/bin/env bash
# Resolves the pipeline tools image to the digest the registry holds for it, building nothing: the release Pipeline's
# tools-image task, which runs unprivileged in the restricted release namespace. The image is the one the nightlies
# build from the tools Containerfile (tagged by its hash) or a prebuilt one; a missing tag means no nightly has built
# this Containerfile yet.
#
# Reads:
#   IMAGE                the tools image, repository:tag or repository@sha256:…
#   SITE_HOST            the site registry host; images there use TLS_VERIFY, any other registry is verified
#   TLS_VERIFY           "true" or "false" (the local site's registry is plain HTTP)
#   REGISTRY_AUTH_FILE   optional, read by skopeo itself: the site registry's auth file
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
if ! digest="$(skopeo inspect --tls-verify="${tls}" --format '{{.Digest}}' "docker://${IMAGE}" 2>"${err}")" \
  || [ -z "${digest}" ]; then
  echo "resolve-tools-image: ${IMAGE} cannot be inspected:" >&2
  cat "${err}" >&2
  echo "resolve-tools-image: the nightlies build this tools image when its Containerfile changes; run the stream's nightly first (or set a prebuilt tools image)" >&2
  exit 1
fi

# Consumers run <IMAGE_URL>@<IMAGE_DIGEST>, so the URL never carries a digest of its own.
url="${IMAGE%@*}"
printf '%s' "${url}" >"${RESULT_IMAGE_URL}"
printf '%s' "${digest}" >"${RESULT_IMAGE_DIGEST}"
echo "resolve-tools-image: ${url}@${digest}"
