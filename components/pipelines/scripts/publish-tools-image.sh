#!/usr/bin/env bash
# Publishes this run's tools image under its tag in the release repository, the tag the release run resolves
# (resolve-tools-image.sh). The image was built by the tools-image task as a build (no identity: its RUN steps share
# the pod's network, where on GKE any process could get the pod's token from the metadata server) and pushed by digest
# to the build repository, where any build may push tags but nobody can change what a digest names. This step runs as
# the records identity, the only writer of the release repository, in a pod that runs no build, and copies exactly
# that digest.
#
# Reads:
#   TOOLS_IMAGE          the tools image this run uses, <repository>:<tag>@sha256:<hex> (the tools-image results)
#   BUILD_REPOSITORY     where the tools-image task builds to (the components repository); an image from elsewhere (a
#                        prebuilt one, PipelineImages.tools) is not published: the release run resolves that one itself
#   TARGET_REPOSITORY    the release repository
#   TLS_VERIFY           "true" or "false" (the local site's registry is plain HTTP)
#   REGISTRY_AUTH_FILE   the site registry's auth file (records)
#   LATEST_TAG           optional: also move this tag (the newest tools image a nightly published) to the digest;
#                        only forward (to an image created later than the one it names); a failure to move it is
#                        a warning only
# Writes:
#   <TARGET_REPOSITORY>:<tag> (and :<LATEST_TAG>), the digest of TOOLS_IMAGE; a line saying so on stdout
set -euo pipefail

for var in TOOLS_IMAGE BUILD_REPOSITORY TARGET_REPOSITORY TLS_VERIFY REGISTRY_AUTH_FILE; do
  if [ -z "${!var:-}" ]; then
    echo "publish-tools-image: ${var} is required" >&2
    exit 2
  fi
done

if ! [[ "${TOOLS_IMAGE}" =~ ^([^@]+)@(sha256:[0-9a-f]{64})$ ]]; then
  echo "publish-tools-image: TOOLS_IMAGE '${TOOLS_IMAGE}' is not <repository>:<tag>@sha256:<digest>" >&2
  exit 2
fi
named="${BASH_REMATCH[1]}"
digest="${BASH_REMATCH[2]}"
# The tag is what follows the last ':' after the last '/' (a registry host may carry a port). A prebuilt image may be
# named by digest alone (repository@sha256:…, what tools-image.sh reports for one), so the repository is compared first.
last="${named##*/}"
tag=""
repository="${named}"
if [[ "${last}" == *:* ]]; then
  tag="${last##*:}"
  repository="${named%:*}"
fi
if [ "${repository}" != "${BUILD_REPOSITORY}" ]; then
  echo "publish-tools-image: ${repository} is not the build repository (a prebuilt tools image); nothing to publish"
  exit 0
fi
if [ -z "${tag}" ]; then
  echo "publish-tools-image: TOOLS_IMAGE '${TOOLS_IMAGE}' has no tag" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
# Every registry call retries a transient failure (skopeo --retry-times: containers/common pkg/retry, which retries
# network errors and 5xx-class responses with a growing delay). This step is assemble's first: without retries one
# blip in a copy of a few hundred MiB sank the whole nightly.
retry=(--retry-times 3)
# --preserve-digests: fail rather than write anything but the very manifest the run used.
copy_to() {
  skopeo copy --quiet "${retry[@]}" --preserve-digests --authfile "${REGISTRY_AUTH_FILE}" \
    --src-tls-verify="${TLS_VERIFY}" --dest-tls-verify="${TLS_VERIFY}" \
    "docker://${repository}@${digest}" "docker://${TARGET_REPOSITORY}:$1"
}
# The hash tag is what the release run resolves (resolve-tools-image.sh): failing to publish it is fatal.
copy_to "${tag}"
# Checked by digest, not by tag: another stream's nightly may move the same tag to its own build of the same
# Containerfile between the copy and the check, which is no error.
skopeo inspect "${retry[@]}" --raw --authfile "${REGISTRY_AUTH_FILE}" --tls-verify="${TLS_VERIFY}" \
  "docker://${TARGET_REPOSITORY}@${digest}" >"${work}/manifest"
served="sha256:$(sha256sum "${work}/manifest" | cut -c1-64)"
if [ "${served}" != "${digest}" ]; then
  echo "publish-tools-image: ${TARGET_REPOSITORY}@${digest} serves ${served}" >&2
  exit 1
fi
echo "publish-tools-image: ${TARGET_REPOSITORY}:${tag} is ${digest}"

# LATEST_TAG, when set, is the newest tools image a nightly published: only the release run's fallback after a
# Containerfile change (resolve-tools-image.sh FALLBACK_IMAGE). It is moved after the hash tag, so the hash tag is
# never the one missing, and failing to move it is a warning, not a failed nightly: the release run still resolves
# this run's hash tag, and the next nightly moves it.
# It only moves forward: a long nightly that built the old Containerfile and ends after one that built a newer one
# leaves it alone. "Newer" is the image config's `created` (skopeo inspect .Created, set by buildah at build time). A
# registry has no compare-and-swap on tags, so two nightlies ending within the same second can still race; the next
# nightly settles it.
created_of() { # <reference> -> epoch nanoseconds of its config's created, or nothing
  local c
  c="$(skopeo inspect "${retry[@]}" --authfile "${REGISTRY_AUTH_FILE}" --tls-verify="${TLS_VERIFY}" \
    "docker://$1" 2>"${work}/inspect.err" | jq -r '.Created // empty')" || return 1
  [ -n "${c}" ] && date -u -d "${c}" +%s%N
}
move_latest() {
  local mine theirs
  if ! mine="$(created_of "${TARGET_REPOSITORY}@${digest}")"; then
    echo "publish-tools-image: warning: cannot read when ${digest} was created; not moving :${LATEST_TAG}" >&2
    return 1
  fi
  if theirs="$(created_of "${TARGET_REPOSITORY}:${LATEST_TAG}")"; then
    if [ "${theirs}" -ge "${mine}" ]; then
      echo "publish-tools-image: ${TARGET_REPOSITORY}:${LATEST_TAG} already names an image created no earlier than ${digest}; left as it is"
      return 0
    fi
  elif ! grep -q 'manifest unknown' "${work}/inspect.err"; then
    # Anything but "no such tag" (or an image without a creation time) leaves the tag alone.
    echo "publish-tools-image: warning: cannot read ${TARGET_REPOSITORY}:${LATEST_TAG}: $(tail -c 300 "${work}/inspect.err")" >&2
    return 1
  fi
  copy_to "${LATEST_TAG}" || return 1
  echo "publish-tools-image: ${TARGET_REPOSITORY}:${LATEST_TAG} is ${digest}"
}
if [ -n "${LATEST_TAG:-}" ] && ! move_latest; then
  echo "publish-tools-image: warning: could not move ${TARGET_REPOSITORY}:${LATEST_TAG} (the release run's fallback) to ${digest}; it still names an earlier tools image" >&2
fi
