#!/usr/bin/env bash
# Runs the payload's own tests image against the e2e cluster: the conformance suite (TEST_TYPE=suite), or for an
# upgrade gate an upgrade of the cluster (installed from an earlier release) to the payload under test
# (TEST_TYPE=upgrade), as openshift/release ci-operator/step-registry/openshift/e2e/test/openshift-e2e-test-commands.sh
# (@01658a1b7508, functions suite and upgrade) runs them:
#   openshift-tests run <suite> --provider <provider> -o <log> --junit-dir <dir>
#   openshift-tests run-upgrade all --to-image <payload> --options <options> --provider <provider> -o <log> --junit-dir <dir>
# A failing suite or upgrade is an outcome (the payload is rejected, if the gate blocks), not a task failure.
#
# Reads:
#   STATE_DIR       this gate's directory (install/auth/kubeconfig, install-outcome, and pull-secret-refresh when
#                   refresh-pull-secret.sh ran before: a failed refresh fails the gate with its reason)
#   TEST_TYPE       optional: suite (default) or upgrade
#   TEST_SUITE      optional, default openshift/conformance/parallel (suite)
#   TO_IMAGE        upgrade: the payload under test, repository@digest (run-upgrade --to-image)
#   UPGRADE_OPTIONS optional, upgrade: run-upgrade --options, e.g. abort-at=random
#   TEST_PROVIDER   the cloud as openshift-tests wants it, e.g. {"type":"aws","region":"us-east-1"}
#   GOOGLE_CLOUD_KEYFILE_JSON  gcp: the gate's key; the suite's GCE client reads GOOGLE_APPLICATION_CREDENTIALS
#   (AWS_SHARED_CREDENTIALS_FILE and AZURE_AUTH_LOCATION reach the suite as they are)
# Writes:
#   $STATE_DIR/artifacts/e2e.log, $STATE_DIR/artifacts/junit/
#   RESULT_OUTCOME  file: passed, failed, or skipped (an upgrade gate with no earlier release: install-outcome skipped)
#   RESULT_REASON   optional file: why it did not pass, in a sentence; empty when it passed
#   $STATE_DIR/gate-outcome, $STATE_DIR/gate-reason  the same two, in the e2e workspace: the verdict is decided in the
#                   nightly's `finally` (finalize-record), which reads them there, never the results (Tekton skips a
#                   finally task that references a result its task did not write: a gate whose task failed or never
#                   ran would then skip the verdict)
set -euo pipefail

: "${STATE_DIR:?e2e-test: STATE_DIR is required}"
: "${TEST_PROVIDER:?e2e-test: TEST_PROVIDER is required}"
: "${RESULT_OUTCOME:?e2e-test: RESULT_OUTCOME is required}"
type="${TEST_TYPE:-suite}"
suite="${TEST_SUITE:-openshift/conformance/parallel}"
case "${type}" in
  suite) ;;
  upgrade) : "${TO_IMAGE:?e2e-test: TO_IMAGE is required for an upgrade}" ;;
  *)
    echo "e2e-test: TEST_TYPE must be suite or upgrade, not ${type}" >&2
    exit 2
    ;;
esac
artifacts="${STATE_DIR}/artifacts"
mkdir -p "${artifacts}/junit"
report() {
  printf '%s' "$1" >"${RESULT_OUTCOME}"
  if [ -n "${RESULT_REASON:-}" ]; then printf '%s' "$2" >"${RESULT_REASON}"; fi
  printf '%s' "$1" >"${STATE_DIR}/gate-outcome"
  printf '%s' "$2" >"${STATE_DIR}/gate-reason"
}

install="$(cat "${STATE_DIR}/install-outcome" 2>/dev/null || echo missing)"
if [ "${install}" = "skipped" ]; then
  echo "e2e-test: no earlier release to upgrade from; the gate is skipped"
  report skipped "no earlier release to upgrade from"
  exit 0
fi
if [ "${install}" != "passed" ]; then
  echo "e2e-test: the install ${install/missing/never finished}; the gate fails without running tests"
  report failed "the cluster did not install"
  exit 0
fi

refresh="$(cat "${STATE_DIR}/pull-secret-refresh" 2>/dev/null || true)"
if [[ "${refresh}" == failed* ]]; then
  echo "e2e-test: the cluster's pull secret was not refreshed (${refresh#failed: }); the gate fails without running tests"
  report failed "the cluster's pull secret could not be refreshed: ${refresh#failed: }"
  exit 0
fi

export KUBECONFIG="${STATE_DIR}/install/auth/kubeconfig"
# As openshift/release's openshift-e2e-test step does for gcp: the suite's cloud client uses application default
# credentials, which the gate's key file provides.
if [ -n "${GOOGLE_CLOUD_KEYFILE_JSON:-}" ]; then
  export GOOGLE_APPLICATION_CREDENTIALS="${GOOGLE_CLOUD_KEYFILE_JSON}"
fi
rc=0
if [ "${type}" = "upgrade" ]; then
  what="the upgrade to ${TO_IMAGE}"
  openshift-tests run-upgrade all --to-image "${TO_IMAGE}" --options "${UPGRADE_OPTIONS:-}" \
    --provider "${TEST_PROVIDER}" -o "${artifacts}/e2e.log" --junit-dir "${artifacts}/junit" || rc=$?
else
  what="${suite}"
  openshift-tests run "${suite}" --provider "${TEST_PROVIDER}" -o "${artifacts}/e2e.log" \
    --junit-dir "${artifacts}/junit" || rc=$?
fi
if [ "${rc}" -eq 0 ]; then
  report passed ""
else
  report failed "openshift-tests exited ${rc} (${what})"
fi
echo "e2e-test: ${what} exited ${rc}: $(cat "${RESULT_OUTCOME}")"
