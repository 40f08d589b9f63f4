#!/usr/bin/env bash
# A stand-in for the payload's openshift-tests in the e2e script tests: the real one needs a cluster. It is not a fake
# success: it refuses what the real command refuses, and otherwise exits as the test asks (STUB_TESTS_EXIT), the way a
# suite or upgrade that passed or failed would. Rules, from openshift/origin:
#   pkg/cmd/openshift-tests/run-upgrade/flags.go (03082920238b) ToOptions: an admin REST config from KUBECONFIG
#     ("unable to get admin rest config"), then "--to-image must be specified to run an upgrade test"; --options is a
#     string slice of KEY=VALUE options, --provider and -o/--junit-dir as for run.
#   pkg/testsuites/upgrade_suites.go (17b20ce1a3d8): the upgrade suites are all, platform and none.
#   run: the suite must be named; the stub knows openshift/conformance/parallel and openshift/conformance.
#
# Test knobs: STUB_TESTS_EXIT (default 0), the exit code of a run that got that far.
set -euo pipefail

fail() {
  echo "error: $*" >&2
  exit 1
}
command="${1:-}"
shift || true
suite="" to_image="" options=() provider="" junit="" out=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --to-image) to_image="$2"; shift 2 ;;
    --to-image=*) to_image="${1#*=}"; shift ;;
    --options) [ -n "$2" ] && IFS=, read -ra options <<<"$2"; shift 2 ;;
    --provider) provider="$2"; shift 2 ;;
    --junit-dir) junit="$2"; shift 2 ;;
    -o) out="$2"; shift 2 ;;
    -*) fail "unknown flag: $1" ;;
    *) [ -z "${suite}" ] || fail "only one suite may be named"; suite="$1"; shift ;;
  esac
done
[ -s "${KUBECONFIG:-/nonexistent}" ] || fail "unable to get admin rest config, KUBECONFIG '${KUBECONFIG:-}' is not a kubeconfig"
[ -n "${provider}" ] || fail "--provider is required by the stub (the scripts always pass it)"
case "${command}" in
  run-upgrade)
    [ -n "${to_image}" ] || fail "--to-image must be specified to run an upgrade test"
    case "${suite}" in all | platform | none) ;; *) fail "suite \"${suite}\" does not exist" ;; esac
    for option in "${options[@]}"; do
      [[ "${option}" == *=* ]] || fail "upgrade options must be KEY=VALUE, not ${option}"
    done
    ;;
  run)
    case "${suite}" in openshift/conformance/parallel | openshift/conformance) ;; *) fail "suite \"${suite}\" does not exist" ;; esac
    ;;
  *) fail "unknown command \"${command}\"" ;;
esac
if [ -n "${junit}" ]; then mkdir -p "${junit}"; fi
if [ -n "${out}" ]; then echo "stub: ${command} ${suite}" >"${out}"; fi
exit "${STUB_TESTS_EXIT:-0}"
