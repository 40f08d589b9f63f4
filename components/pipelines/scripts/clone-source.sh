#!/usr/bin/env bash
# Clones one component's repository at the stream's branch (shallow) and labels the build with its source.
#
# Reads:
#   REPOSITORY     GitHub repository, org/name
#   BRANCH         branch to build
#   SOURCE_DIR     where to clone (emptied first)
#   GIT_BASE_URL   optional, default https://github.com
#   SUBMODULES     optional, space-separated submodule paths to check out too (shallow, at the recorded commit)
#   LABELS_FILE    file the build step reads labels from
# Writes:
#   RESULT_GIT_URL     file: the clone URL (Chains type hint CHAINS-GIT_URL)
#   RESULT_GIT_COMMIT  file: the commit built (Chains type hint CHAINS-GIT_COMMIT)
#   $LABELS_FILE       io.openshift.build.source-location and io.openshift.build.commit.id
set -euo pipefail

for var in REPOSITORY BRANCH SOURCE_DIR LABELS_FILE RESULT_GIT_URL RESULT_GIT_COMMIT; do
  if [ -z "${!var:-}" ]; then
    echo "clone-source: ${var} is required" >&2
    exit 2
  fi
done
url="${GIT_BASE_URL:-https://github.com}/${REPOSITORY}"

rm -rf "${SOURCE_DIR}"
git clone --quiet --depth 1 --single-branch --branch "${BRANCH}" "${url}" "${SOURCE_DIR}"
if [ -n "${SUBMODULES:-}" ]; then
  read -r -a submodules <<<"${SUBMODULES}"
  git -C "${SOURCE_DIR}" submodule --quiet update --init --depth 1 -- "${submodules[@]}"
fi
commit="$(git -C "${SOURCE_DIR}" rev-parse HEAD)"

printf '%s' "${url}" >"${RESULT_GIT_URL}"
printf '%s' "${commit}" >"${RESULT_GIT_COMMIT}"
printf 'io.openshift.build.source-location=%s\nio.openshift.build.commit.id=%s\n' "${url}" "${commit}" >>"${LABELS_FILE}"
echo "clone-source: ${url} ${BRANCH} at ${commit}"
