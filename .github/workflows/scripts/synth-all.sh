#!/usr/bin/env bash
# Synthesizes every stack of the checkout in the current directory (one Pulumi.<stack>.yaml each) into <out dir>.
#
# Usage: synth-all.sh <out dir> [--keep-going]
#   --keep-going  a stack that fails to synth is reported and skipped (for the base branch, whose program may
#                 predate a stack); without it the first failure fails the script.
# Reads: nothing from the environment. Writes: <out dir>/<stack>/plan.json and <out dir>/<stack>/manifests/.
set -euo pipefail

out="${1:?usage: synth-all.sh <out dir> [--keep-going]}"
keep_going="${2:-}"
failed=0
shopt -s nullglob
for file in Pulumi.*.yaml; do
  stack="${file#Pulumi.}"
  stack="${stack%.yaml}"
  echo "::group::synth ${stack}"
  if npm run --silent synth -- --stack "${stack}" --out "${out}"; then
    echo "::endgroup::"
  else
    echo "::endgroup::"
    echo "::warning::synth of stack ${stack} failed in $(pwd)"
    failed=1
    [ "${keep_going}" = "--keep-going" ] || exit 1
  fi
done
if [ "${failed}" -ne 0 ]; then
  echo "some stacks did not synthesize; they are left out of ${out}" >&2
fi
exit 0
