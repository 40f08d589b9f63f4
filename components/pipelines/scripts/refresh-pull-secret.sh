#!/usr/bin/env bash
# Replaces an e2e cluster's global pull secret with a freshly minted one, and waits until every node has it, before
# the cluster pulls a new payload (the upgrade gate's upgrade). The install's pull secret holds a short-lived registry
# token (1h on Artifact Registry, 3h on ACR, 12h on ECR), minted before the install; by the time the cluster upgrades
# it may have expired, and nodes could then not pull the new payload's images. The fresh one is minted just before
# this step by the pull-only identity (the okd-e2e-pull-secret Task), in the same format (registry-auth.sh with
# FAKE_PULL_AUTH: OKD's placeholder auth and the site registry's token).
#
# How: the global pull secret is `pull-secret` in `openshift-config`, replaced with
#   oc set data secret/pull-secret -n openshift-config --from-file=.dockerconfigjson=<file>
# (OKD docs, "Updating the global cluster pull secret":
# https://docs.okd.io/latest/openshift_images/managing_images/using-image-pull-secrets.html#images-update-global-pull-secret_using-image-pull-secrets).
# The Machine Config Operator renders it into a new MachineConfig for every pool, which lays it down on every node as
# /var/lib/kubelet/config.json, without drain or reboot since 4.7
# (openshift/machine-config-operator docs/PullSecret.md). A pool has it when its rendered configuration
# (spec.configuration.name) changed and the pool is Updated with status.configuration.name equal to it; that is what
# this waits for.
#
# A refresh that fails (the API refuses the change, or the pools do not roll it out in time) is the gate's outcome,
# not a task failure: it writes `failed: <why>` and e2e-test.sh reports the gate failed with that reason.
#
# Reads:
#   STATE_DIR         this gate's directory (install/auth/kubeconfig, install-outcome)
#   PULL_SECRET_FILE  the fresh pull secret ({"auths": {...}})
#   WAIT_SECONDS      optional, default 1200: how long the pools may take to roll it out
#   POLL_SECONDS      optional, default 15
# Writes:
#   $STATE_DIR/pull-secret-refresh   refreshed, unchanged, or failed: <why>; absent when there was no cluster
set -euo pipefail

: "${STATE_DIR:?refresh-pull-secret: STATE_DIR is required}"
: "${PULL_SECRET_FILE:?refresh-pull-secret: PULL_SECRET_FILE is required}"
wait_seconds="${WAIT_SECONDS:-1200}"
poll="${POLL_SECONDS:-15}"
for var in wait_seconds poll; do
  [[ "${!var}" =~ ^[0-9]+$ ]] || {
    echo "refresh-pull-secret: ${var^^} must be a whole number of seconds, not '${!var}'" >&2
    exit 2
  }
done
result="${STATE_DIR}/pull-secret-refresh"
rm -f "${result}"
outcome() {
  printf '%s' "$1" >"${result}"
  echo "refresh-pull-secret: $1"
}

install="$(cat "${STATE_DIR}/install-outcome" 2>/dev/null || echo missing)"
if [ "${install}" != passed ]; then
  echo "refresh-pull-secret: the install ${install/missing/never finished}; no cluster to refresh"
  exit 0
fi
if ! jq -e '.auths | type == "object"' "${PULL_SECRET_FILE}" >/dev/null 2>&1; then
  outcome "failed: no fresh pull secret to refresh the cluster's with (${PULL_SECRET_FILE} is missing or not an auth file)"
  exit 0
fi
export KUBECONFIG="${STATE_DIR}/install/auth/kubeconfig"

# The data of the Secret never reaches the log or an argument: it is compared and written from files.
current="$(mktemp)"
trap 'rm -f "${current}"' EXIT
if ! oc get secret/pull-secret -n openshift-config -o 'jsonpath={.data.\.dockerconfigjson}' >"${current}.b64"; then
  rm -f "${current}.b64"
  outcome "failed: the cluster's pull secret (openshift-config/pull-secret) could not be read"
  exit 0
fi
base64 -d <"${current}.b64" >"${current}" 2>/dev/null || true
rm -f "${current}.b64"
# By digest: the tools image has coreutils, not diffutils' cmp.
if [ "$(sha256sum <"${current}")" = "$(sha256sum <"${PULL_SECRET_FILE}")" ]; then
  outcome unchanged
  exit 0
fi

# Each pool's rendered configuration before the change: the MCO makes a new one from the new pull secret.
pools() { oc get machineconfigpools -o json; }
if ! before="$(pools | jq -c '[.items[] | {key: .metadata.name, value: .spec.configuration.name}] | from_entries')"; then
  outcome "failed: the machine config pools could not be read"
  exit 0
fi
if ! oc set data secret/pull-secret -n openshift-config --from-file=.dockerconfigjson="${PULL_SECRET_FILE}" >/dev/null; then
  outcome "failed: oc set data secret/pull-secret -n openshift-config was refused"
  exit 0
fi
echo "refresh-pull-secret: openshift-config/pull-secret replaced; waiting up to ${wait_seconds}s for the machine config pools to roll it out"

deadline=$(($(date +%s) + wait_seconds))
pending=""
while :; do
  # Pools still without it: an unchanged rendered configuration, or one not yet on every machine.
  if pending="$(pools | jq -r --argjson before "${before}" '
      [.items[]
       | select(.spec.configuration.name == $before[.metadata.name]
                or .status.configuration.name != .spec.configuration.name
                or ([.status.conditions[]? | select(.type == "Updated" and .status == "True")] | length) == 0)
       | .metadata.name] | join(" ")')"; then
    if [ -z "${pending}" ]; then
      outcome refreshed
      exit 0
    fi
  else
    pending="(the pools could not be read)"
  fi
  if [ "$(date +%s)" -ge "${deadline}" ]; then
    outcome "failed: the new pull secret was not rolled out to the nodes within ${wait_seconds}s (pools still updating: ${pending})"
    exit 0
  fi
  echo "refresh-pull-secret: pools still updating: ${pending}"
  sleep "${poll}"
done
