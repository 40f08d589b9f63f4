#!/usr/bin/env bash
# First step of finalize-record: waits until the destroy of every gate that started has ended, so that the logs
# uploaded next include each gate's destroy.log. Tekton starts all `finally` tasks at once and allows no runAfter
# among them (tektoncd/pipeline v1.15 docs/pipelines.md, "Cannot configure the finally task execution order"), so
# finalize-record and destroy-<gate> meet in the run's e2e workspace: e2e-destroy.sh writes <gate>/destroy.done when
# it ends, whatever the outcome. A gate whose status is None never started, and its destroy is skipped (its `when`),
# so there is nothing to wait for. Never fails: when the wait runs out the record must still be closed, and the gate
# whose destroy had not ended is named in the log.
#
# Reads:
#   E2E_DIR        the run's e2e workspace (one directory per gate); empty or absent when the run has no gate
#   GATE_STATUSES  space-separated <gate>=<status>, the statuses of the gate tasks (Succeeded, Failed or None)
#   WAIT_SECONDS   how long to wait at most: the destroy task's timeout
#   POLL_SECONDS   optional, default 10
# Writes:
#   nothing; prints which destroys ended and how
set -euo pipefail

# The e2e workspace is written by the gates, which run the payload's own installer and tests images: a file there may
# be a symlink, a hard link, or sit under a symlinked directory, pointing at a secret of this pod such as its identity
# token (/var/run/secrets/azure/tokens/azure-identity-token) or /proc/self/environ. Only a regular file with one link
# whose real path is inside the workspace is read.
workspace_file() { # <workspace dir> <path>
  local root real
  [ -f "$2" ] && [ ! -L "$2" ] && [ "$(stat -c %h -- "$2")" = 1 ] || return 1
  root="$(realpath -e -- "$1")" && real="$(realpath -e -- "$2")" || return 1
  [[ "${real}" == "${root}/"* ]]
}

: "${WAIT_SECONDS:?await-destroys: WAIT_SECONDS is required}"
poll="${POLL_SECONDS:-10}"

pending=()
for entry in ${GATE_STATUSES:-}; do
  gate="${entry%%=*}"
  status="${entry#*=}"
  if [ "${status}" = "None" ]; then
    echo "await-destroys: gate ${gate} never started; no destroy to wait for"
    continue
  fi
  pending+=("${gate}")
done
if [ "${#pending[@]}" -eq 0 ] || [ -z "${E2E_DIR:-}" ]; then
  exit 0
fi

deadline=$((SECONDS + WAIT_SECONDS))
while :; do
  still=()
  for gate in "${pending[@]}"; do
    done_file="${E2E_DIR}/${gate}/destroy.done"
    if workspace_file "${E2E_DIR}" "${done_file}"; then
      echo "await-destroys: destroy of gate ${gate} ended: $(head -c 200 "${done_file}" | tr -cd '[:print:]')"
    elif [ -e "${done_file}" ] || [ -L "${done_file}" ]; then
      echo "await-destroys: destroy of gate ${gate} ended (its destroy.done is not a regular file inside the workspace; not read)"
    else
      still+=("${gate}")
    fi
  done
  if [ "${#still[@]}" -eq 0 ]; then exit 0; fi
  pending=("${still[@]}")
  if [ "${SECONDS}" -ge "${deadline}" ]; then
    echo "await-destroys: destroy of gate(s) ${pending[*]} had not ended after ${WAIT_SECONDS}s; their destroy.log is incomplete or missing" >&2
    exit 0
  fi
  sleep "${poll}"
done
