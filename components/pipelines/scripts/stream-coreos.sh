#!/usr/bin/env bash
# Resolves an OKD/SCOS stream's node images, CentOS Stream CoreOS and its extensions, to the digests this nightly
# ships, as OpenShift CI imports them into `origin/scos-<minor>:stream-coreos` (openshift/release#51754 for 4.16: an
# ImageStreamTag importing quay.io/okd/centos-stream-coreos-9:4.16-x86_64) or promotes them from its openshift/os
# build (#62296, from 4.19). Nothing is rebuilt: OKD's node image is layered in OpenShift CI from repositories only
# its build farm reaches (openshift/os build-node-image.sh: ci/get-ocp-repo.sh, the rhel-9.x-server-ose repository),
# so a site ships the image OKD published, pinned by digest for the run and recorded with the payload.
#
# Checks, before assembly rather than after: the node image is an OS image (an `ostree.bootable` or
# `containers.bootc` label, as every ostree container carries), and its `io.openshift.build.versions` label, if any,
# is what `oc adm release new` accepts (NAME=<semantic version> with NAME one of kubernetes, machine-os, kernel, crio,
# kubectl, kubernetes-tests: openshift/oc pkg/cli/admin/release/new.go AllowedComponents, image_mapper.go
# parseComponentVersionsLabel @ae1bd9e4a75b). OKD's SCOS images carry `machine-os=<version>` with the display name
# `CentOS Stream CoreOS` (e.g. machine-os=413.9.202302130811-0; the MCO reads that name to tell SCOS from RHCOS).
#
# Reads:
#   NODE_IMAGE          the node image, by tag or digest
#   NODE_TAGS           payload tags it is shipped as, space-separated (e.g. stream-coreos)
#   EXTENSIONS_IMAGE    optional: its extensions image, by tag or digest
#   EXTENSIONS_TAGS     payload tags of the extensions image (required with EXTENSIONS_IMAGE)
#   TLS_VERIFY          optional, default true
#   REGISTRY_AUTH_FILE  optional container auth file (read by skopeo itself)
# Writes:
#   RESULT_NODE_IMAGES  one line per payload tag: `<tag>=<repository>@<digest> <image as configured>`
#   RESULT_VERSION      the node image's OS version (machine-os label, else `version`), or `unknown`
set -euo pipefail

for var in NODE_IMAGE NODE_TAGS RESULT_NODE_IMAGES RESULT_VERSION; do
  if [ -z "${!var:-}" ]; then
    echo "stream-coreos: ${var} is required" >&2
    exit 2
  fi
done
if [ -n "${EXTENSIONS_IMAGE:-}" ] && [ -z "${EXTENSIONS_TAGS:-}" ]; then
  echo "stream-coreos: EXTENSIONS_TAGS is required with EXTENSIONS_IMAGE" >&2
  exit 2
fi
tls_verify="${TLS_VERIFY:-true}"

# The repository of a pull spec: without its digest, or its tag (a port in the host is not a tag).
repository_of() {
  local ref="${1%@*}"
  if [[ "${ref##*/}" == *:* ]]; then ref="${ref%:*}"; fi
  printf '%s' "${ref}"
}

# <repository>@<digest of the manifest bytes exactly as served> (for a manifest list, the list's digest).
resolve() {
  local ref="$1" raw sum
  raw="$(mktemp)"
  if ! skopeo inspect --raw --tls-verify="${tls_verify}" "docker://${ref}" >"${raw}" 2>"${raw}.err"; then
    echo "stream-coreos: cannot read ${ref}: $(cat "${raw}.err")" >&2
    rm -f "${raw}" "${raw}.err"
    return 1
  fi
  sum="$(sha256sum <"${raw}")"
  rm -f "${raw}" "${raw}.err"
  printf '%s@sha256:%s' "$(repository_of "${ref}")" "${sum%% *}"
}

node="$(resolve "${NODE_IMAGE}")"
labels="$(skopeo inspect --no-tags --tls-verify="${tls_verify}" "docker://${node}" | jq '.Labels // {}')"
if [ "$(jq -r '(.["ostree.bootable"] // .["containers.bootc"] // "") | length' <<<"${labels}")" = 0 ]; then
  echo "stream-coreos: ${NODE_IMAGE} is not a bootable OS image (no ostree.bootable or containers.bootc label); nodeImage must name a CentOS Stream CoreOS image such as quay.io/okd/centos-stream-coreos-9:<minor>-x86_64" >&2
  exit 1
fi

version=""
build_versions="$(jq -r '.["io.openshift.build.versions"] // empty' <<<"${labels}")"
if [ -n "${build_versions}" ]; then
  semver='(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?'
  IFS=',' read -r -a entries <<<"${build_versions}"
  for entry in "${entries[@]}"; do
    name="${entry%%=*}" value="${entry#*=}"
    case "${name}" in
      kubernetes | machine-os | kernel | crio | kubectl | kubernetes-tests) ;;
      *)
        echo "stream-coreos: ${NODE_IMAGE} has io.openshift.build.versions '${build_versions}': '${name}' is not a component oc adm release new accepts" >&2
        exit 1
        ;;
    esac
    if ! [[ "${value}" =~ ^${semver}$ ]]; then
      echo "stream-coreos: ${NODE_IMAGE} has io.openshift.build.versions '${build_versions}': '${value}' is not a semantic version, so oc adm release new would refuse the payload" >&2
      exit 1
    fi
    if [ "${name}" = machine-os ]; then version="${value}"; fi
  done
fi
if [ -z "${version}" ]; then version="$(jq -r '.version // .["org.opencontainers.image.version"] // "unknown"' <<<"${labels}")"; fi

{
  for tag in ${NODE_TAGS}; do printf '%s=%s %s\n' "${tag}" "${node}" "${NODE_IMAGE}"; done
  if [ -n "${EXTENSIONS_IMAGE:-}" ]; then
    extensions="$(resolve "${EXTENSIONS_IMAGE}")"
    for tag in ${EXTENSIONS_TAGS}; do printf '%s=%s %s\n' "${tag}" "${extensions}" "${EXTENSIONS_IMAGE}"; done
  fi
} >"${RESULT_NODE_IMAGES}"
printf '%s' "${version}" >"${RESULT_VERSION}"
echo "stream-coreos: ${NODE_IMAGE} is ${node} (${version})${EXTENSIONS_IMAGE:+; ${EXTENSIONS_IMAGE} is ${extensions:-}}"
