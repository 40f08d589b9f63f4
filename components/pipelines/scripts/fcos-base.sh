#!/usr/bin/env bash
# Resolves the inputs of the machine-os build: the Fedora CoreOS image it layers on (by digest), the version label
# `oc adm release new` reads from it, and the CRI-O minor that matches the payload's Kubernetes.
#
# The machine-os version label follows okd-machine-os (release-4.15 Dockerfile.ci: `${OSTREE_VERSION%.*}`,
# Dockerfile: `io.openshift.build.versions="machine-os=…"`, `io.openshift.build.version-display-names="machine-os=
# Fedora CoreOS"`): the FCOS version without its last part, 41.20250105.3.0 → 41.20250105.3. oc parses every
# input image's build-versions label as NAME=<semantic version> and rejects the payload otherwise (openshift/oc
# pkg/cli/admin/release/image_mapper.go parseComponentVersionsLabel, semver.Parse, @ae1bd9e4a75b), and FCOS
# versions have four parts.
#
# Reads:
#   FCOS_STREAM         stable, testing, next, testing-devel or next-devel
#   FCOS_REPOSITORY     optional, default quay.io/fedora/fedora-coreos
#   BASE_PAYLOAD        the stream's base payload; its Kubernetes version (`oc adm release info`) pins CRI-O
#   OUT_DIR             directory the build step reads
#   TLS_VERIFY          optional, default true
#   REGISTRY_AUTH_FILE  optional container auth file (read by skopeo itself; passed to oc)
# Writes:
#   $OUT_DIR/labels      io.openshift.build.versions=machine-os=<X.Y.Z>, the display name, io.openshift.release.operator
#   $OUT_DIR/build-args  FCOS_IMAGE=<repository>@<digest>, CRIO_MINOR=<Kubernetes major.minor>
#   $OUT_DIR/fcos-digest the digest of <repository>:<stream>
set -euo pipefail

: "${FCOS_STREAM:?fcos-base: FCOS_STREAM is required}"
: "${OUT_DIR:?fcos-base: OUT_DIR is required}"
: "${BASE_PAYLOAD:?fcos-base: BASE_PAYLOAD is required}"
repository="${FCOS_REPOSITORY:-quay.io/fedora/fedora-coreos}"
tls_verify="${TLS_VERIFY:-true}"
mkdir -p "${OUT_DIR}"

inspect="$(skopeo inspect --no-tags --tls-verify="${tls_verify}" "docker://${repository}:${FCOS_STREAM}")"
fcos_version="$(jq -r '.Labels.version // .Labels["org.opencontainers.image.version"] // empty' <<<"${inspect}")"
digest="$(jq -r '.Digest' <<<"${inspect}")"
if [ -z "${fcos_version}" ]; then
  echo "fcos-base: ${repository}:${FCOS_STREAM} has no version label; cannot label the machine-os image" >&2
  exit 1
fi
version="${fcos_version%.*}"
if ! [[ "${version}" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]; then
  echo "fcos-base: FCOS version ${fcos_version} does not give a three-part semantic version (got '${version}'); oc adm release new would reject the machine-os image" >&2
  exit 1
fi

oc_flags=()
if [ "${tls_verify}" != "true" ]; then oc_flags+=(--insecure=true); fi
if [ -n "${REGISTRY_AUTH_FILE:-}" ]; then oc_flags+=(--registry-config="${REGISTRY_AUTH_FILE}"); fi
kubernetes="$(oc adm release info "${oc_flags[@]}" --output=json "${BASE_PAYLOAD}" \
  | jq -r '.displayVersions.kubernetes.Version // empty')"
if ! [[ "${kubernetes}" =~ ^([0-9]+\.[0-9]+)\. ]]; then
  echo "fcos-base: ${BASE_PAYLOAD} reports no Kubernetes version ('${kubernetes}'); cannot pick the CRI-O minor" >&2
  exit 1
fi
crio_minor="${BASH_REMATCH[1]}"

{
  printf 'io.openshift.build.versions=machine-os=%s\n' "${version}"
  printf 'io.openshift.build.version-display-names=machine-os=Fedora CoreOS\n'
  printf 'io.openshift.release.operator=true\n'
} >"${OUT_DIR}/labels"
printf 'FCOS_IMAGE=%s@%s\nCRIO_MINOR=%s\n' "${repository}" "${digest}" "${crio_minor}" >"${OUT_DIR}/build-args"
printf '%s' "${digest}" >"${OUT_DIR}/fcos-digest"
echo "fcos-base: ${repository}:${FCOS_STREAM} is FCOS ${fcos_version} (${digest}), machine-os ${version}; CRI-O ${crio_minor} for Kubernetes ${kubernetes}"
