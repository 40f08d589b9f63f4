#!/usr/bin/env bash
# Mints a short-lived credential for the site registry from the pod's keyless identity and writes it as a container
# auth file (the format buildah, skopeo, oc and openshift-install read). Nothing is printed but the expiry.
#
# Reads:
#   PLATFORM        aws, gcp, azure or local
#   REGISTRY_HOST   the site registry host
#   AWS_REGION      aws: region of the registry
#   AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE
#                   azure: injected by AKS workload identity
#   ACR_TOKEN_NAME  azure, optional: instead of an Entra registry token (registry-wide for AcrPush), generate a
#                   password of this ACR token, whose scope map names the repositories it may use (the build identity
#                   sets it: its token may push the build repositories only). Needs ACR_RESOURCE_GROUP.
#   ACR_RESOURCE_GROUP
#                   azure, with ACR_TOKEN_NAME: the registry's resource group
#   ACR_TOKEN_LIFETIME
#                   azure, optional: seconds the generated password is valid (default 3600)
#   ACR_TOKEN_SETTLE_SECONDS
#                   azure, optional: seconds to wait after generating a password before writing it (default 60: ACR
#                   takes up to 60 seconds to make a regenerated token password usable, learn.microsoft.com
#                   azure/container-registry/container-registry-token-based-repository-permissions, "Add token password")
#   FAKE_PULL_AUTH  optional "true": add OKD's placeholder `fake` auth, so the file is also an install pull secret
#   GCP_IMPERSONATE_SERVICE_ACCOUNT
#                   gcp, optional: mint a fresh token of this account through the IAM Credentials API, valid
#                   GCP_TOKEN_LIFETIME seconds (default 3600), instead of the metadata server's cached one, whose
#                   remaining lifetime nobody chooses (the registry token minter sets it for its own account)
#   EXPIRES_FILE    optional: where to write when the token expires (epoch seconds, or "never")
# Writes:
#   AUTH_FILE       {"auths": {...}} with mode 0600
#   EXPIRES_FILE    when set
set -euo pipefail

: "${PLATFORM:?registry-auth: PLATFORM is required}"
: "${REGISTRY_HOST:?registry-auth: REGISTRY_HOST is required}"
: "${AUTH_FILE:?registry-auth: AUTH_FILE is required}"

# Tokens go from the CLI straight into base64 and the file, never into the log.
token=""
user=""
# Lifetimes count from before the request, so the recorded expiry is never later than the token's.
minted_at="$(date +%s)"
case "${PLATFORM}" in
  aws)
    : "${AWS_REGION:?registry-auth: AWS_REGION is required on aws}"
    user="AWS"
    token="$(aws ecr get-login-password --region "${AWS_REGION}")"
    lifetime="12h"
    seconds=43200
    ;;
  gcp)
    user="oauth2accesstoken"
    if [ -n "${GCP_IMPERSONATE_SERVICE_ACCOUNT:-}" ]; then
      seconds="${GCP_TOKEN_LIFETIME:-3600}"
      token="$(gcloud auth print-access-token --impersonate-service-account="${GCP_IMPERSONATE_SERVICE_ACCOUNT}" \
        --lifetime="${seconds}" --quiet)"
      lifetime="${seconds}s"
    else
      token="$(gcloud auth print-access-token --quiet)"
      lifetime="up to 1h"
      # The metadata server hands out a cached token that may have only minutes left.
      seconds=300
    fi
    ;;
  azure)
    for var in AZURE_CLIENT_ID AZURE_TENANT_ID AZURE_FEDERATED_TOKEN_FILE; do
      if [ -z "${!var:-}" ]; then
        echo "registry-auth: ${var} is not set; is the pod labelled azure.workload.identity/use=true?" >&2
        exit 1
      fi
    done
    az login --service-principal --username "${AZURE_CLIENT_ID}" --tenant "${AZURE_TENANT_ID}" \
      --federated-token "$(cat "${AZURE_FEDERATED_TOKEN_FILE}")" --output none
    if [ -n "${ACR_TOKEN_NAME:-}" ]; then
      : "${ACR_RESOURCE_GROUP:?registry-auth: ACR_RESOURCE_GROUP is required with ACR_TOKEN_NAME}"
      seconds="${ACR_TOKEN_LIFETIME:-3600}"
      # A token has two password slots, and generating one replaces it at once: alternate between them by ten-minute
      # window (the minter's schedule), so the password the builds read until this run stores its own stays valid.
      slot="password$(((minted_at / 600) % 2 + 1))"
      expiry="$(date -u -d "@$((minted_at + seconds))" +%Y-%m-%dT%H:%M:%SZ)"
      user="${ACR_TOKEN_NAME}"
      token="$(az acr token credential generate --registry "${REGISTRY_HOST%%.*}" \
        --resource-group "${ACR_RESOURCE_GROUP}" --name "${ACR_TOKEN_NAME}" "--${slot}" --expiration "${expiry}" \
        --output tsv --query "passwords[?name=='${slot}'].value | [0]")"
      if [ -z "${token}" ]; then
        echo "registry-auth: ACR returned no ${slot} for token ${ACR_TOKEN_NAME}" >&2
        exit 1
      fi
      lifetime="${seconds}s (token ${ACR_TOKEN_NAME}, ${slot})"
      sleep "${ACR_TOKEN_SETTLE_SECONDS:-60}"
    else
      user="00000000-0000-0000-0000-000000000000"
      token="$(az acr login --name "${REGISTRY_HOST%%.*}" --expose-token --output tsv --query accessToken)"
      lifetime="3h"
      seconds=10800
    fi
    ;;
  local)
    lifetime="none (anonymous in-cluster registry)"
    seconds=never
    ;;
  *)
    echo "registry-auth: unknown PLATFORM ${PLATFORM}; expected aws, gcp, azure or local" >&2
    exit 2
    ;;
esac

entries=()
if [ "${FAKE_PULL_AUTH:-false}" = "true" ]; then
  # OKD accepts a placeholder pull secret (okd COMMUNITY-TESTING.md); the installer insists on one.
  entries+=('"fake":{"auth":"aWQ6cGFzcwo="}')
fi
if [ -n "${token}" ]; then
  entries+=("\"${REGISTRY_HOST}\":{\"auth\":\"$(printf '%s:%s' "${user}" "${token}" | base64 -w0)\"}")
fi
joined="$(IFS=,; printf '%s' "${entries[*]:-}")"

umask 077
mkdir -p "$(dirname "${AUTH_FILE}")"
printf '{"auths":{%s}}\n' "${joined}" >"${AUTH_FILE}"
if [ -n "${EXPIRES_FILE:-}" ]; then
  if [ "${seconds}" = never ]; then
    printf 'never' >"${EXPIRES_FILE}"
  else
    printf '%s' "$((minted_at + seconds))" >"${EXPIRES_FILE}"
  fi
fi
echo "registry-auth: wrote ${AUTH_FILE} for ${REGISTRY_HOST} (lifetime ${lifetime})"
