#!/usr/bin/env bash
# Clones one component's repository at the stream's branch (shallow) and labels the build with its source. A nightly
# the dispatcher started for recorded pushes names the pushed commit of each pushed repository (REVISIONS): that
# commit is built, so the run builds what was pushed even when the branch has moved on since.
#
# Reads:
#   REPOSITORY     GitHub repository, org/name
#   BRANCH         branch to build
#   SOURCE_DIR     where to clone (emptied first)
#   GIT_BASE_URL   optional, default https://github.com
#   SUBMODULES     optional, space-separated submodule paths to check out too (shallow, at the recorded commit)
#   LABELS_FILE    file the build step reads labels from
#   REVISIONS      optional, space-separated <org>/<name>=<40-hex commit>: the entry for REPOSITORY (compared
#                  case-insensitively, as GitHub compares repository names) is checked out instead of BRANCH's head,
#                  if it is on BRANCH (refused otherwise)
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

pin=""
if [ -n "${REVISIONS:-}" ]; then
  read -r -a entries <<<"${REVISIONS}"
  for entry in "${entries[@]}"; do
    if [ "${entry%%=*}" = "${entry}" ]; then
      echo "clone-source: REVISIONS entry '${entry}' is not <org>/<name>=<commit>" >&2
      exit 2
    fi
    repo="${entry%%=*}"
    [ "${repo,,}" = "${REPOSITORY,,}" ] || continue
    pin="${entry#*=}"
  done
  if [ -n "${pin}" ] && ! [[ "${pin}" =~ ^[0-9a-f]{40}$ ]]; then
    echo "clone-source: the revision of ${REPOSITORY} in REVISIONS is '${pin}', not a 40-character commit id" >&2
    exit 2
  fi
fi

rm -rf "${SOURCE_DIR}"
git clone --quiet --depth 1 --single-branch --branch "${BRANCH}" "${url}" "${SOURCE_DIR}"
if [ -n "${pin}" ] && [ "$(git -C "${SOURCE_DIR}" rev-parse HEAD)" != "${pin}" ]; then
  # The branch moved on after the push: fetch the pushed commit itself. Git's protocol v2 (the default since git 2.26)
  # lets a client want any object the server has; GitHub serves pushed commits by id.
  if ! git -C "${SOURCE_DIR}" fetch --quiet --depth 1 origin "${pin}"; then
    echo "clone-source: ${url} has no commit ${pin} (pushed to ${BRANCH}); was it force-pushed away?" >&2
    exit 1
  fi
  # A commit id alone proves nothing about where it came from: GitHub serves any object of the repository by id (other
  # branches, pull requests' refs, commits force-pushed away), and a replayed or redelivered webhook can name an old
  # one. Build it only if it is on BRANCH: deepen the branch to a day before the commit's date (a rebase or an amend
  # gives a commit a new committer date, so a commit on the branch is newer than that) and ask git whether the branch
  # head descends from it (git-merge-base(1) --is-ancestor: exit 0 yes, 1 no).
  since="$(( $(git -C "${SOURCE_DIR}" log -1 --format=%ct "${pin}") - 86400 ))"
  git -C "${SOURCE_DIR}" fetch --quiet --shallow-since="${since}" origin "${BRANCH}"
  if ! git -C "${SOURCE_DIR}" merge-base --is-ancestor "${pin}" "origin/${BRANCH}"; then
    echo "clone-source: commit ${pin} of ${url} is not on ${BRANCH}; refusing to build it" >&2
    exit 1
  fi
  git -C "${SOURCE_DIR}" -c advice.detachedHead=false checkout --quiet "${pin}"
fi
if [ -n "${SUBMODULES:-}" ]; then
  read -r -a submodules <<<"${SUBMODULES}"
  git -C "${SOURCE_DIR}" submodule --quiet update --init --depth 1 -- "${submodules[@]}"
fi
commit="$(git -C "${SOURCE_DIR}" rev-parse HEAD)"

printf '%s' "${url}" >"${RESULT_GIT_URL}"
printf '%s' "${commit}" >"${RESULT_GIT_COMMIT}"
printf 'io.openshift.build.source-location=%s\nio.openshift.build.commit.id=%s\n' "${url}" "${commit}" >>"${LABELS_FILE}"
echo "clone-source: ${url} ${BRANCH} at ${commit}${pin:+ (the pushed revision)}"
