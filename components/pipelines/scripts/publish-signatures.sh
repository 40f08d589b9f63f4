#!/usr/bin/env bash
# Copies the signature and the SLSA provenance attestation of a promoted payload from the site's attestation
# repository to the repository users pull it from (quay.io), so a consumer verifies it with the site's public key and
# quay.io alone:
#   cosign verify --key okd.pub --insecure-ignore-tlog=true quay.io/openshift/okd@sha256:…
#   cosign verify-attestation --key okd.pub --type slsaprovenance1 --insecure-ignore-tlog=true quay.io/openshift/okd@sha256:…
#
# Tekton Chains signs the promote TaskRun's PUBLIC_IMAGE_URL/PUBLIC_IMAGE_DIGEST (a simple signing `.sig`) and writes
# its provenance (`.att`) once that TaskRun has ended, into storage.oci.repository (the site's attestation repository),
# so this runs as a later task and first waits for both to be there, each verified with the site's public key.
# Then `cosign copy --only=sig,att <image> <repository>`: with COSIGN_REPOSITORY set, cosign reads the source's
# `sha256-<hex>.sig` and `.att` from that repository and writes them as the same tags of the destination repository;
# it also tags the payload itself `sha256-<hex>` there (the same manifest, copied unconditionally), and with --only it
# moves no other tag (sigstore/cosign v2.6.5 cmd/cosign/cli/copy/copy.go CopyCmd; pkg/oci/remote/options.go
# COSIGN_REPOSITORY). `--force`: Chains appends a signature to `.sig` when the promote TaskRun is retried, and the
# site's copy is the authoritative superset. Finally both are verified again from quay.io alone.
#
# Reads:
#   IMAGE                   the promoted payload where users pull it, <repository>@sha256:… (promote's PUBLIC_ results)
#   ATTESTATION_REPOSITORY  where Chains stores signatures and attestations (chains-config storage.oci.repository)
#   PUBLIC_KEY_FILE         PEM public key of the site's Chains signing key
#   KEY_REF                 instead of PUBLIC_KEY_FILE, the site's KMS key as cosign names it (awskms:///arn:…,
#                           gcpkms://projects/…, azurekms://…), read with the pod's identity
#   TLS_VERIFY              "true" or "false": the site registry's TLS (a local site's registry is plain HTTP)
#   SITE_AUTH_FILE          optional auth file for the site registry (registry-auth.sh)
#   MIRROR_AUTH_FILE        optional .dockerconfigjson with push rights on the quay.io repository
#   MIRROR_SECRET           optional, the Secret MIRROR_AUTH_FILE comes from (named in errors)
#   WAIT_SECONDS            optional, default 900: how long to wait for Chains to sign
#   POLL_SECONDS            optional, default 15
# Writes:
#   nothing but the copied tags; prints what it copied
set -euo pipefail
# shellcheck source=lib/cosign-key.sh
source "${BASH_SOURCE[0]%/*}/lib/cosign-key.sh"

for var in IMAGE ATTESTATION_REPOSITORY TLS_VERIFY; do
  if [ -z "${!var:-}" ]; then
    echo "publish-signatures: ${var} is required" >&2
    exit 2
  fi
done
if ! [[ "${IMAGE}" =~ ^([^@[:space:]]+)@sha256:[a-f0-9]{64}$ ]]; then
  echo "publish-signatures: IMAGE '${IMAGE}' is not <repository>@sha256:<digest>" >&2
  exit 2
fi
repository="${BASH_REMATCH[1]}"
cosign_key publish-signatures

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
# cosign reads registry credentials from a Docker config directory: the site's and quay.io's, merged.
export DOCKER_CONFIG="${work}/docker"
mkdir -p "${DOCKER_CONFIG}"
auths=()
for file in "${SITE_AUTH_FILE:-}" "${MIRROR_AUTH_FILE:-}"; do
  if [ -n "${file}" ] && [ -s "${file}" ]; then auths+=("${file}"); fi
done
if [ "${#auths[@]}" -gt 0 ]; then
  jq -s '{auths: (map(.auths // {}) | add)}' "${auths[@]}" >"${DOCKER_CONFIG}/config.json"
fi
if [ -z "${MIRROR_AUTH_FILE:-}" ] || [ ! -s "${MIRROR_AUTH_FILE}" ]; then
  echo "publish-signatures: no push credentials for ${repository} (${MIRROR_AUTH_FILE:-MIRROR_AUTH_FILE unset}; Secret ${MIRROR_SECRET:-of the mirror}); trying without" >&2
fi
registry_flags=()
if [ "${TLS_VERIFY}" != "true" ]; then registry_flags+=(--allow-insecure-registry --allow-http-registry); fi
verify_flags=(--key "${key}" --insecure-ignore-tlog=true "${registry_flags[@]}")

# verify_both <what>: the signature and the SLSA provenance of IMAGE, where COSIGN_REPOSITORY (if set) says.
verify_both() {
  cosign verify "${verify_flags[@]}" "${IMAGE}" >"${work}/verify.out" 2>"${work}/verify.log" \
    && cosign verify-attestation "${verify_flags[@]}" --type slsaprovenance1 "${IMAGE}" \
      >"${work}/verify.out" 2>"${work}/verify.log"
}

export COSIGN_REPOSITORY="${ATTESTATION_REPOSITORY}"
deadline=$((SECONDS + ${WAIT_SECONDS:-900}))
until verify_both; do
  if [ "${SECONDS}" -ge "${deadline}" ]; then
    echo "publish-signatures: after ${WAIT_SECONDS:-900}s ${ATTESTATION_REPOSITORY} still holds no signature and provenance of ${IMAGE} made with the site's key; is Tekton Chains running?" >&2
    sed 's/^/  cosign: /' "${work}/verify.log" >&2
    exit 1
  fi
  sleep "${POLL_SECONDS:-15}"
done
echo "publish-signatures: Chains signed and attested ${IMAGE}"

if ! cosign copy --only=sig,att --force "${registry_flags[@]}" "${IMAGE}" "${repository}" 2>"${work}/copy.log"; then
  echo "publish-signatures: could not copy the signature and attestation of ${IMAGE} to ${repository}" >&2
  sed 's/^/  cosign: /' "${work}/copy.log" >&2
  exit 1
fi
sed 's/^/publish-signatures: /' "${work}/copy.log"

# What a consumer does: the public key and the repository they pull from, nothing of the site.
unset COSIGN_REPOSITORY
if ! verify_both; then
  echo "publish-signatures: after the copy, ${IMAGE} still does not verify from ${repository} alone" >&2
  sed 's/^/  cosign: /' "${work}/verify.log" >&2
  exit 1
fi
echo "publish-signatures: ${IMAGE} verifies from ${repository} alone with the site's public key"
