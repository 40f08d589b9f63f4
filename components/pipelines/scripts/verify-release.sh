#!/usr/bin/env bash
# Refuses to promote a nightly unless Tekton Chains attested that the stream's assemble TaskRun produced it: an in-toto
# statement with a SLSA v1 provenance predicate, signed by this site's Chains key, made for a TaskRun of the assemble
# Task whose subject is exactly the nightly's digest in the release repository. Verified with cosign (signature, then
# the statement's content).
#
# Why the assemble TaskRun and not the nightly PipelineRun: any step can rewrite its own termination message and add
# IMAGE_URL/IMAGE_DIGEST results its Task never declared (tektoncd/pipeline v1.15.0 pkg/termination/write.go; pkg/pod/
# status.go keeps undeclared results), and the gate steps run the payload's own installer and tests images. With deep
# inspection (chains-config artifacts.pipelinerun.enable-deep-inspection) the PipelineRun's provenance lists every
# child TaskRun's image results as subjects, so a gate (or any component build) could get any digest into a statement
# the site's key signs. A TaskRun's provenance only lists that TaskRun's own results, and assemble runs only the
# pinned tools image: its statement is the one that says "this stream assembled this payload".
#
# What Chains writes for a TaskRun, and so what is required (tektoncd/chains v0.29.1, the version the Tekton layer
# installs, with the site's chains-config: artifacts.taskrun.format slsa/v2alpha4, artifacts.taskrun.storage oci):
#   predicateType                                        https://slsa.dev/provenance/v1
#   subject[]                                            {name: <repository>, digest.sha256: <hex>} per IMAGE_URL/
#                                                        IMAGE_DIGEST result pair, the name being the repository of
#                                                        the digest reference (pkg/chains/formats/slsa/extract
#                                                        SubjectsFromBuildArtifact: d.Repository.Name())
#   predicate.buildDefinition.buildType                  https://tekton.dev/chains/v2/slsa (builddefinition.buildtype)
#   predicate.buildDefinition.externalParameters.runSpec the TaskRun's spec (internal/external_parameters TaskRun);
#                                                        a Pipeline's child TaskRun carries the PipelineTask's taskRef
#                                                        (tektoncd/pipeline pkg/reconciler/pipelinerun createTaskRun)
#                                                        and its resolved params
#   predicate.runDetails.builder.id                      https://tekton.dev/chains/v2 (builder.id)
# (tektoncd/chains pkg/chains/formats/slsa/v2alpha4/internal/taskrun/taskrun.go GenerateAttestation, internal/
# provenance/provenance.go GetSLSA1Statement; tektoncd/chains docs/config.md). Chains stores the signed statement as a cosign
# attestation (`sha256-<hex>.att`) in storage.oci.repository, the site's attestation repository: cosign finds it there
# through COSIGN_REPOSITORY. No transparency log: the site's key is the trust root (chains-config transparency.enabled
# false).
#
# Reads:
#   IMAGE                   the nightly, <release repo>@sha256:…
#   ASSEMBLE_TASK           the Task whose TaskRun must have produced it, e.g. okd-assemble-release
#   MINOR                   the stream, e.g. 4.15: the assemble TaskRun's `minor` param must be it
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

for var in IMAGE ASSEMBLE_TASK MINOR TLS_VERIFY; do
  if [ -z "${!var:-}" ]; then
    echo "verify-release: ${var} is required" >&2
    exit 2
  fi
done
if ! [[ "${IMAGE}" =~ ^([^@[:space:]]+)@sha256:([a-f0-9]{64})$ ]]; then
  echo "verify-release: IMAGE '${IMAGE}' is not <repository>@sha256:<digest>" >&2
  exit 2
fi
repository="${BASH_REMATCH[1]}"
hex="${BASH_REMATCH[2]}"
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

# Then the statement: the assemble TaskRun of this stream produced exactly this digest in this repository, through
# Tekton Chains. A PipelineRun's statement (runSpec.pipelineRef) never qualifies, whatever its subjects.
jq -c '.payload | @base64d | fromjson' "${work}/envelopes" >"${work}/statements"
jq -c --arg hex "${hex}" --arg repository "${repository}" --arg task "${ASSEMBLE_TASK}" --arg minor "${MINOR}" \
  --arg builder "${BUILDER_ID:-https://tekton.dev/chains/v2}" --arg type "${BUILD_TYPE:-https://tekton.dev/chains/v2/slsa}" '
  .predicate.buildDefinition.externalParameters.runSpec as $run
  | select(.predicateType == "https://slsa.dev/provenance/v1"
    and ([.subject[]? | select(.name == $repository and .digest.sha256 == $hex)] | length > 0)
    and .predicate.buildDefinition.buildType == $type
    and ($run | type) == "object"
    and ($run.pipelineRef | not)
    and ($run.taskRef | type) == "object" and $run.taskRef.name == $task
    and ([$run.params[]? | select(.name == "minor") | .value] == [$minor])
    and .predicate.runDetails.builder.id == $builder)' "${work}/statements" >"${work}/matching"
if [ ! -s "${work}/matching" ]; then
  echo "verify-release: no attestation signed by the site's key says a ${ASSEMBLE_TASK} TaskRun of ${MINOR} produced ${repository}@sha256:${hex}; refusing to promote. Found:" >&2
  jq -r '.predicate.buildDefinition.externalParameters.runSpec as $run
    | "  subjects \([.subject[]? | "\(.name // "")@sha256:\(.digest.sha256 // "")"] | join(",")), buildType \(.predicate.buildDefinition.buildType // "none"), task \($run.taskRef.name? // "none"), pipeline \($run.pipelineRef.name? // "none"), minor \([$run.params[]? | select(.name == "minor") | .value] | first // "none"), builder \(.predicate.runDetails.builder.id // "none")"' \
    "${work}/statements" >&2
  exit 1
fi
if [ -n "${VERIFIED_FILE:-}" ]; then head -n1 "${work}/matching" >"${VERIFIED_FILE}"; fi
echo "verify-release: ${IMAGE} was produced by ${ASSEMBLE_TASK} for ${MINOR} (TaskRun $(head -n1 "${work}/matching" | jq -r '.predicate.runDetails.metadata.invocationID // "unknown"')), attested by the site's Chains key"
