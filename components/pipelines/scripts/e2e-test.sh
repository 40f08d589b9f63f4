#!/usr/bin/env bash
# Runs the conformance suite from the payload's own tests image against the e2e cluster. A failing suite is an
# outcome (the payload is rejected), not a task failure.
#
# Reads:
#   STATE_DIR       this gate's directory (install/auth/kubeconfig, install-outcome)
#   TEST_SUITE      optional, default openshift/conformance/parallel
#   TEST_PROVIDER   the cloud as openshift-tests wants it, e.g. {"type":"aws","region":"us-east-1"}
#   GOOGLE_CLOUD_KEYFILE_JSON  gcp: the gate's key; the suite's GCE client reads GOOGLE_APPLICATION_CREDENTIALS
#   (AWS_SHARED_CREDENTIALS_FILE and AZURE_AUTH_LOCATION reach the suite as they are)
# Writes:
#   $STATE_DIR/artifacts/e2e.log, $STATE_DIR/artifacts/junit/
#   RESULT_OUTCOME  file: passed or failed
set -euo pipefail

: "${STATE_DIR:?e2e-test: STATE_DIR is required}"
: "${TEST_PROVIDER:?e2e-test: TEST_PROVIDER is required}"
: "${RESULT_OUTCOME:?e2e-test: RESULT_OUTCOME is required}"
suite="${TEST_SUITE:-openshift/conformance/parallel}"
artifacts="${STATE_DIR}/artifacts"
mkdir -p "${artifacts}/junit"

install="$(cat "${STATE_DIR}/install-outcome" 2>/dev/null || echo missing)"
if [ "${install}" != "passed" ]; then
  echo "e2e-test: the install ${install/missing/never finished}; the gate fails without running tests"
  printf 'failed' >"${RESULT_OUTCOME}"
  exit 0
fi

export KUBECONFIG="${STATE_DIR}/install/auth/kubeconfig"
# As openshift/release's openshift-e2e-test step does for gcp: the suite's cloud client uses application default
# credentials, which the gate's key file provides.
if [ -n "${GOOGLE_CLOUD_KEYFILE_JSON:-}" ]; then
  export GOOGLE_APPLICATION_CREDENTIALS="${GOOGLE_CLOUD_KEYFILE_JSON}"
fi
rc=0
openshift-tests run "${suite}" --provider "${TEST_PROVIDER}" -o "${artifacts}/e2e.log" \
  --junit-dir "${artifacts}/junit" || rc=$?
if [ "${rc}" -eq 0 ]; then
  printf 'passed' >"${RESULT_OUTCOME}"
else
  printf 'failed' >"${RESULT_OUTCOME}"
fi
echo "e2e-test: ${suite} exited ${rc}: $(cat "${RESULT_OUTCOME}")"
