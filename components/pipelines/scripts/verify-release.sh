#!/usr/bin/env bash
# Refuses to promote a nightly unless Tekton Chains attested it: an in-toto statement with a SLSA v1 provenance
# predicate, signed by this site's Chains key, whose subject is exactly the nightly's digest and whose build is a
# PipelineRun of this stream's nightly Pipeline. Verified with cosign (signature, then the statement's content).
#
# What Chains writes, and so what is required (tektoncd/chains v0.29.1, the version the Tekton layer installs, with
# the site's chains-config: artifacts.pipelinerun.format slsa/v2alpha4, storage oci, deep inspection on):
#   predicateType                                        https://slsa.dev/provenance/v1
#   subject[].digest.sha256                              the payload's digest (assemble's IMAGE_URL/IMAGE_DIGEST)
#   predicate.buildDefinition.buildType                  https://tekton.dev/chains/v2/slsa (builddefinition.buildtype)
#   predicate.buildDefinition.externalParameters.runSpec the PipelineRun's spec, whose pipelineRef.name is PIPELINE
#   predicate.runDetails.builder.id                      https://tekton.dev/chains/v2 (builder.id)
# (tektoncd/chains pkg/chains/formats/slsa/internal/provenance/provenance.go GetSLSA1Statement,
# tektoncd/chains pkg/chains/formats/slsa/internal/external_parameters PipelineRun, tektoncd/chains docs/config.md). Chains stores the signed statement as a cosign attestation (`sha256-<hex>.att`) in
# storage.oci.repository, the site's attestation repository: cosign finds it there through COSIGN_REPOSITORY.
# No transparency log: the site's key is the trust root (chains-config transparency.enabled false).
#
# Reads:
#   IMAGE                   the nightly, <release repo>@sha256:…
#   PIPELINE                the Pipeline that must have built it, e.g. okd-nightly-4-15
#   PUBLIC_KEY_FILE         PEM public key of the site's Chains signing key (local: Chains signs with a key in a Secret)
#   KEY_REF                 instead of PUBLIC_KEY_FILE, the site's KMS key as cosign names it (awskms:///arn:…,
#                           gcpkms://projects/…, azurekms://…): cosign reads its public half with the pod's identity
#   ATTESTATION_REPOSITORY  optional: where Chains stores signatures and attestations (storage.oci.repository)
#   TLS_VERIFY              "true" or "false" (the local site's registry is plain HTTP)
#   REGISTRY_AUTH_FILE      optional container auth file for the site registry
#   BUILDER_ID              optional, default https://tekton.dev/chains/v2
#   BUILD_TYPE              optional, default https://tekton.dev/chains/v2/slsa
# Writes:
#   VERIFIED_FILE           optional: the verified statement (JSON), for the record and the logs
set -euo pipefail
# shellcheck source=lib/cosign-key.sh
source "${BASH_SOURCE[0]%/*}/lib/cosign-key.sh"

for var in IMAGE PIPELINE TLS_VERIFY; do
  if [ -z "${!var:-}" ]; then
    echo "verify-release: ${var} is required" >&2
    exit 2
  fi
done
if ! [[ "${IMAGE}" =~ ^[^@[:space:]]+@sha256:([a-f0-9]{64})$ ]]; then
  echo "verify-release: IMAGE '${IMAGE}' is not <repository>@sha256:<digest>" >&2
  exit 2
fi
hex="${BASH_REMATCH[1]}"
cosign_key verify-release

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
# cosign reads registry credentials from a Docker config directory.
export DOCKER_CONFIG="${work}/docker"
mkdir -p "${DOCKER_CONFIG}"
if [ -n "${REGISTRY_AUTH_FILE:-}" ] && [ -s "${REGISTRY_AUTH_FILE}" ]; then
  cp "${REGISTRY_AUTH_FILE}" "${DOCKER_CONFIG}/config.json"
fi
if [ -n "${ATTESTATION_REPOSITORY:-}" ]; then export COSIGN_REPOSITORY="${ATTESTATION_REPOSITORY}"; fi
flags=(--key "${key}" --type slsaprovenance1 --insecure-ignore-tlog=true --output json)
if [ "${TLS_VERIFY}" != "true" ]; then flags+=(--allow-insecure-registry --allow-http-registry); fi

# Signature first: cosign prints each attestation whose DSSE signature the key verifies, one envelope per line.
if ! cosign verify-attestation "${flags[@]}" "${IMAGE}" >"${work}/envelopes" 2>"${work}/cosign.log"; then
  echo "verify-release: ${IMAGE} has no SLSA provenance attestation signed by the site's Chains key; refusing to promote" >&2
  sed 's/^/  cosign: /' "${work}/cosign.log" >&2
  exit 1
fi

# Then the statement: this digest, built by this stream's nightly Pipeline through Tekton Chains.
jq -c '.payload | @base64d | fromjson' "${work}/envelopes" >"${work}/statements"
jq -c --arg hex "${hex}" --arg pipeline "${PIPELINE}" \
  --arg builder "${BUILDER_ID:-https://tekton.dev/chains/v2}" --arg type "${BUILD_TYPE:-https://tekton.dev/chains/v2/slsa}" '
  select(.predicateType == "https://slsa.dev/provenance/v1"
    and ([.subject[]?.digest.sha256] | index($hex) != null)
    and .predicate.buildDefinition.buildType == $type
    and .predicate.buildDefinition.externalParameters.runSpec.pipelineRef.name == $pipeline
    and .predicate.runDetails.builder.id == $builder)' "${work}/statements" >"${work}/matching"
if [ ! -s "${work}/matching" ]; then
  echo "verify-release: no attestation signed by the site's key says ${PIPELINE} built sha256:${hex}; refusing to promote. Found:" >&2
  jq -r '"  subjects \([.subject[]?.digest.sha256] | join(",")), buildType \(.predicate.buildDefinition.buildType // "none"), pipeline \(.predicate.buildDefinition.externalParameters.runSpec.pipelineRef.name // "none"), builder \(.predicate.runDetails.builder.id // "none")"' \
    "${work}/statements" >&2
  exit 1
fi
if [ -n "${VERIFIED_FILE:-}" ]; then head -n1 "${work}/matching" >"${VERIFIED_FILE}"; fi
echo "verify-release: ${IMAGE} was built by ${PIPELINE} (PipelineRun $(head -n1 "${work}/matching" | jq -r '.predicate.runDetails.metadata.invocationID // "unknown"')), attested by the site's Chains key"
