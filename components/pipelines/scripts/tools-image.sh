#!/usr/bin/env bash
# Provides the pipeline tools image for the rest of the run, by digest: the image this step builds from the tools
# Containerfile and pushes, or, when a prebuilt image is given, that image resolved to its digest.
#
# The built image is never reused by tag. The tools image runs assembly, promotion (with the quay.io credentials) and
# the e2e installer (with the gate credentials), and the repository it lives in is one every component build pushes
# to: a tag found there proves nothing about who pushed it (issue 15 path 5). So every run builds it (a few minutes
# of dnf and Go builds against a pinned base, against hours of builds and installs) and hands on the digest its own push
# reported; Tekton Chains signs that result with the TaskRun that produced it. The tag (`<prefix><first 16 hex of
# the Containerfile's sha256>`) is only a name for people; overwriting it changes nothing a run uses.
#
# RUN steps run under OCI isolation with a user namespace, exactly as build-image.sh runs component builds.
#
# Reads:
#   CONTAINERFILE        the tools Containerfile; sha256 of its content names the tag
#   CONTEXT_DIR          build context directory
#   REPOSITORY           repository the image is pushed to (the site's components repository), no tag
#   TAG_PREFIX           optional, default "pipeline-tools-"
#   TLS_VERIFY           "true" or "false" (the local site's registry is plain HTTP)
#   PREBUILT_IMAGE       optional: use this image (repository@sha256:… or repository:tag) and build nothing; a digest
#                        must be what the registry serves, a tag is resolved once and the digest reported
#   REGISTRY_AUTH_FILE   optional, read by buildah: the site registry's auth file
#   BUILD_USERNS_BASE    optional, default 1000000000: first host UID/GID of the build's user namespace
#   BUILDAH_RUNTIME      optional OCI runtime for RUN steps (tests: runc, see build-image.sh)
#   BUILDAH_ULIMITS      optional, space-separated --ulimit values for RUN steps (tests)
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

# The site registry may be plain HTTP; any other registry is verified.
site_host="${REPOSITORY%%/*}"

if [ -n "${PREBUILT_IMAGE:-}" ]; then
  tls="true"
  if [ "${PREBUILT_IMAGE%%/*}" = "${site_host}" ]; then tls="${TLS_VERIFY}"; fi
  if ! buildah pull --quiet --tls-verify="${tls}" "docker://${PREBUILT_IMAGE}" >/dev/null 2>"${work}/pull.log"; then
    echo "tools-image: the prebuilt image ${PREBUILT_IMAGE} cannot be pulled:" >&2
    cat "${work}/pull.log" >&2
    exit 1
  fi
  digest="$(buildah images --digests --format '{{.Digest}}' "${PREBUILT_IMAGE}" | head -n1)"
  if [[ "${PREBUILT_IMAGE}" == *@sha256:* ]] && [ "${digest}" != "${PREBUILT_IMAGE##*@}" ]; then
    echo "tools-image: ${PREBUILT_IMAGE} was served as ${digest}" >&2
    exit 1
  fi
  if [[ "${PREBUILT_IMAGE}" != *@sha256:* ]]; then
    echo "tools-image: the prebuilt image is given by tag; this run uses ${digest} (pin it by digest to stop it moving between runs)"
  fi
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

userns_base="${BUILD_USERNS_BASE:-1000000000}"
if ! [[ "${userns_base}" =~ ^[1-9][0-9]{0,9}$ ]] || [ "${userns_base}" -gt 4294901759 ]; then
  echo "tools-image: BUILD_USERNS_BASE '${userns_base}' is not a host UID from 1 to 4294901759" >&2
  exit 2
fi
isolation=(--isolation oci --userns-uid-map "0:${userns_base}:65536" --userns-gid-map "0:${userns_base}:65536"
  --network host)
if [ -n "${BUILDAH_RUNTIME:-}" ]; then isolation+=(--runtime "${BUILDAH_RUNTIME}"); fi
for ulimit in ${BUILDAH_ULIMITS:-}; do isolation+=(--ulimit "${ulimit}"); done

echo "tools-image: building ${image}"
buildah build --file "${CONTAINERFILE}" --tag "${image}" --layers=false "${isolation[@]}" \
  --label "io.okd-ci.containerfile.sha256=${hash}" "${CONTEXT_DIR}"
buildah push --tls-verify="${TLS_VERIFY}" --digestfile "${work}/digest" "${image}" "docker://${image}"
report "${image}" "$(cat "${work}/digest")"
