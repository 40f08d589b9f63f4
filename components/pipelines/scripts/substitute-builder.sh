#!/usr/bin/env bash
# Points every build stage that starts FROM the OCP CI builder at the OKD builder image instead, as the OKD payload
# pipeline's kustomization did (okd-payload-pipeline: `FROM registry.ci.openshift.org/ocp/builder:*` → release:builder).
#
# Reads:
#   CONTAINERFILE   the component's Containerfile, edited in place
#   BUILDER_IMAGE   the builder image to use
# Writes:
#   $CONTAINERFILE  with the FROM lines replaced
set -euo pipefail

: "${CONTAINERFILE:?substitute-builder: CONTAINERFILE is required}"
: "${BUILDER_IMAGE:?substitute-builder: BUILDER_IMAGE is required}"
if [ ! -f "${CONTAINERFILE}" ]; then
  echo "substitute-builder: ${CONTAINERFILE} does not exist in the cloned repository" >&2
  exit 1
fi

# Keep `AS <stage>` and any --platform flag; only the image reference changes. `|` cannot occur in image references.
sed -E -i "s|^([[:space:]]*FROM[[:space:]]+(--[^[:space:]]+[[:space:]]+)*)registry\.ci\.openshift\.org/ocp/builder:[^[:space:]]+|\1${BUILDER_IMAGE}|I" \
  "${CONTAINERFILE}"
replaced="$(grep -ciF "${BUILDER_IMAGE}" "${CONTAINERFILE}" || true)"
echo "substitute-builder: ${replaced} stage(s) now build FROM ${BUILDER_IMAGE}"
