#!/usr/bin/env bash
# First step of a build Task: waits until the registry push token mounted from the okd-registry-push Secret exists and
# stays valid long enough, as a site's first run may start before the okd-registry-token CronJob has fired. The token
# itself is never read here beyond its expiry and the hosts it names.
#
# Reads:
#   TOKEN_DIR          the mounted Secret: auth.json ({"auths": {...}}) and expires (epoch seconds, or "never")
#   REGISTRY_HOST      the site registry host the token must name (not on an anonymous registry: PLATFORM local)
#   PLATFORM           aws, gcp, azure or local
#   MIN_VALID_SECONDS  optional, default 600: how long the token must still be valid
#   WAIT_SECONDS       optional, default 900: how long to wait for one (the CronJob fires every 10 minutes)
# Writes:
#   nothing but log lines
set -euo pipefail

: "${TOKEN_DIR:?await-registry-token: TOKEN_DIR is required}"
: "${REGISTRY_HOST:?await-registry-token: REGISTRY_HOST is required}"
: "${PLATFORM:?await-registry-token: PLATFORM is required}"
min_valid="${MIN_VALID_SECONDS:-600}"
deadline=$(($(date +%s) + ${WAIT_SECONDS:-900}))

# usable: 0 when the mounted token will do, else 1 with the reason in ${why}.
usable() {
  local expires
  if [ ! -s "${TOKEN_DIR}/expires" ] || [ ! -s "${TOKEN_DIR}/auth.json" ]; then
    why="no token mounted yet"
    return 1
  fi
  expires="$(cat "${TOKEN_DIR}/expires")"
  if [ "${expires}" != never ]; then
    if ! [[ "${expires}" =~ ^[0-9]+$ ]]; then
      why="expires is '${expires}', not a time"
      return 1
    fi
    if [ $((expires - $(date +%s))) -lt "${min_valid}" ]; then
      why="the token expires at ${expires}, in less than ${min_valid}s"
      return 1
    fi
  fi
  if [ "${PLATFORM}" != local ] && ! grep -qF "\"${REGISTRY_HOST}\"" "${TOKEN_DIR}/auth.json"; then
    why="the token names no auth for ${REGISTRY_HOST}"
    return 1
  fi
  return 0
}

why=""
until usable; do
  if [ "$(date +%s)" -ge "${deadline}" ]; then
    echo "await-registry-token: ${why}; the okd-registry-token CronJob in okd-release keeps the okd-registry-push Secret fresh: check its last Jobs (kubectl -n okd-release get jobs -l app.kubernetes.io/name=okd-registry-token) or run one (kubectl -n okd-release create job --from=cronjob/okd-registry-token okd-registry-token-now)" >&2
    exit 1
  fi
  echo "await-registry-token: ${why}; waiting"
  sleep 10
done
echo "await-registry-token: the push token for ${REGISTRY_HOST} is valid (expires $(cat "${TOKEN_DIR}/expires"))"
