#!/usr/bin/env bash
# The last step of a component build: makes the BUILT result say what happened, so that one failed component never
# fails the nightly. The clone, substitute-builder and build steps run with `onError: continue`
# (tektoncd/pipeline docs/tasks.md @v1.15.0, section "Specifying onError for a step": the step's exit code is kept,
# the TaskRun goes on to its next step and succeeds), so this step always runs; it reads their exit codes from the
# files Tekton names `$(steps.step-<name>.exitCode.path)` (tektoncd/pipeline docs/variables.md @v1.15.0).
#
# All steps exited 0: BUILT is the build's own report (build-image.sh), checked to be there. A step failed: BUILT is
# {"component", "failed": "<step> exited <code>", "taskRun"}, which assembly takes as "keep the base payload's image
# for this tag" and records as a fallback. A step that times out, a pod that is evicted or a failure of any step not
# listed here still fails the TaskRun (the entrypoint writes no exit code for those), and the pipeline task's retries
# and failure apply as before.
#
# Reads:
#   COMPONENT         the payload tag this build replaces
#   STEP_EXIT_FILES   one `<step>=<exit code file>` per line, in the order the steps ran
#   TASK_RUN          optional: name of this TaskRun, kept in the failure so a reader finds its logs
#   FAILURE_NOTE_FILE optional: what clone-source.sh or build-image.sh wrote when a step exited 75 (EX_TEMPFAIL: git or
#                     the registry failed on every attempt); the failure then says "infrastructure failure after N
#                     attempts" and carries "infrastructure": true, never confused with a build that failed
# Writes:
#   RESULT_BUILT      the BUILT result (see above)
set -euo pipefail

for var in COMPONENT STEP_EXIT_FILES RESULT_BUILT; do
  if [ -z "${!var:-}" ]; then
    echo "build-report: ${var} is required" >&2
    exit 2
  fi
done

failed="" infra="false"
while IFS= read -r line; do
  [ -n "${line}" ] || continue
  step="${line%%=*}" file="${line#*=}"
  code="$(cat "${file}" 2>/dev/null || true)"
  if [ -z "${code}" ]; then
    # A step that ran always has its exit code file; none means it did not run to the end.
    failed="${step} reported no exit code"
    break
  fi
  if [ "${code}" != "0" ]; then
    failed="${step} exited ${code}"
    if [ "${code}" = 75 ]; then
      infra="true"
      note="$(head -c 400 "${FAILURE_NOTE_FILE:-/dev/null}" 2>/dev/null || true)"
      failed="infrastructure failure in ${step}: ${note:-exited 75 after its retries}"
    fi
    break
  fi
done <<<"${STEP_EXIT_FILES}"

if [ -z "${failed}" ]; then
  if ! jq -e --arg c "${COMPONENT}" '.component == $c and (.image | type) == "string"' "${RESULT_BUILT}" >/dev/null 2>&1; then
    echo "build-report: every step of ${COMPONENT} succeeded but the build reported nothing in ${RESULT_BUILT}" >&2
    exit 1
  fi
  echo "build-report: ${COMPONENT} built: $(jq -r .image "${RESULT_BUILT}")"
  exit 0
fi

jq -cn --arg c "${COMPONENT}" --arg f "${failed}" --arg tr "${TASK_RUN:-}" --argjson infra "${infra}" \
  '{component: $c, failed: $f} + (if $infra then {infrastructure: true} else {} end)
   + (if $tr == "" then {} else {taskRun: $tr} end)' | tr -d '\n' >"${RESULT_BUILT}"
echo "build-report: ${COMPONENT} did not build (${failed}); the payload keeps the base payload's image for it" >&2
