#!/usr/bin/env bash
# Resolves the Fedora CoreOS image the machine-os build layers on, so the node image is labelled with the exact FCOS
# version it carries (`io.openshift.build.versions: machine-os=<version>`, which `oc adm release new` reads).
#
# Reads:
#   FCOS_STREAM      stable, testing, next, testing-devel or next-devel
#   FCOS_REPOSITORY  optional, default quay.io/fedora/fedora-coreos
#   OUT_DIR          directory the build step reads
#   TLS_VERIFY       optional, default true
# Writes:
#   $OUT_DIR/labels      io.openshift.build.versions=machine-os=<version>, io.openshift.release.operator=true
#   $OUT_DIR/build-args  FCOS_STREAM=<stream>
#   $OUT_DIR/fcos-digest the digest of quay.io/fedora/fedora-coreos:<stream> when it was resolved
set -euo pipefail

: "${FCOS_STREAM:?fcos-base: FCOS_STREAM is required}"
: "${OUT_DIR:?fcos-base: OUT_DIR is required}"
repository="${FCOS_REPOSITORY:-quay.io/fedora/fedora-coreos}"
mkdir -p "${OUT_DIR}"

inspect="$(skopeo inspect --no-tags --tls-verify="${TLS_VERIFY:-true}" "docker://${repository}:${FCOS_STREAM}")"
version="$(jq -r '.Labels.version // empty' <<<"${inspect}")"
digest="$(jq -r '.Digest' <<<"${inspect}")"
if [ -z "${version}" ]; then
  echo "fcos-base: ${repository}:${FCOS_STREAM} has no version label; cannot label the machine-os image" >&2
  exit 1
fi

printf 'io.openshift.build.versions=machine-os=%s\nio.openshift.release.operator=true\n' "${version}" >"${OUT_DIR}/labels"
printf 'FCOS_STREAM=%s\n' "${FCOS_STREAM}" >"${OUT_DIR}/build-args"
printf '%s' "${digest}" >"${OUT_DIR}/fcos-digest"
echo "fcos-base: ${repository}:${FCOS_STREAM} is FCOS ${version} (${digest})"
