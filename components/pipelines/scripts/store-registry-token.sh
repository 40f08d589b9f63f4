#!/usr/bin/env bash
# Second half of the okd-registry-token CronJob: puts the push token registry-auth.sh minted (in the init container,
# under the build identity) into the okd-registry-push Secret of the build namespace, which build pods mount. A merge
# patch of the data alone: the Secret's other fields stay Pulumi's. The token goes from the file into the patch file,
# never into an argument or the log.
#
# Reads:
#   AUTH_FILE         the auth file registry-auth.sh wrote
#   EXPIRES_FILE      when it expires (epoch seconds, or "never")
#   SECRET_NAME       the Secret to update
#   SECRET_NAMESPACE  its namespace
# Writes:
#   the Secret (kubectl patch, which takes `patch` on that one Secret)
set -euo pipefail

for var in AUTH_FILE EXPIRES_FILE SECRET_NAME SECRET_NAMESPACE; do
  if [ -z "${!var:-}" ]; then
    echo "store-registry-token: ${var} is required" >&2
    exit 2
  fi
done
for f in "${AUTH_FILE}" "${EXPIRES_FILE}"; do
  if [ ! -s "${f}" ]; then
    echo "store-registry-token: ${f} is missing or empty; did the mint container fail?" >&2
    exit 1
  fi
done

umask 077
patch="$(mktemp)"
trap 'rm -f "${patch}"' EXIT
printf '{"data":{"auth.json":"%s","expires":"%s"}}' \
  "$(base64 -w0 <"${AUTH_FILE}")" "$(base64 -w0 <"${EXPIRES_FILE}")" >"${patch}"
kubectl patch secret "${SECRET_NAME}" --namespace "${SECRET_NAMESPACE}" --type merge --patch-file "${patch}" >/dev/null
echo "store-registry-token: ${SECRET_NAMESPACE}/${SECRET_NAME} updated (expires $(cat "${EXPIRES_FILE}"))"
