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
#   GIT_ATTEMPTS   optional, default 3: attempts of each network git call (clone, fetch, submodules)
#   RETRY_DELAY_SECONDS  optional, default 15: wait after the first failed attempt, doubled after each
#   FAILURE_NOTE_FILE    optional: where an infrastructure failure is described for build-report.sh
# Writes:
#   RESULT_GIT_URL     file: the clone URL (Chains type hint CHAINS-GIT_URL)
#   RESULT_GIT_COMMIT  file: the commit built (Chains type hint CHAINS-GIT_COMMIT)
#   $LABELS_FILE       io.openshift.build.source-location and io.openshift.build.commit.id
#   $FAILURE_NOTE_FILE when a git call failed on every attempt
#
# A network git call that fails is retried with back-off (a GitHub hiccup must not make a component fall back to the
# base payload's image), unless git's message says retrying cannot help (the branch, the repository or the commit does
# not exist: exit 1 at once). When every attempt failed the script exits 75 (EX_TEMPFAIL, sysexits.h) and writes
# FAILURE_NOTE_FILE, so that the record tells "infrastructure failure after N attempts" from a failed build.
set -euo pipefail

for var in REPOSITORY BRANCH SOURCE_DIR LABELS_FILE RESULT_GIT_URL RESULT_GIT_COMMIT; do
  if [ -z "${!var:-}" ]; then
    echo "clone-source: ${var} is required" >&2
    exit 2
  fi
done
url="${GIT_BASE_URL:-https://github.com}/${REPOSITORY}"
attempts="${GIT_ATTEMPTS:-3}" delay0="${RETRY_DELAY_SECONDS:-15}"
if ! [[ "${attempts}" =~ ^[1-9]$ ]] || ! [[ "${delay0}" =~ ^[0-9]{1,3}$ ]]; then
  echo "clone-source: GIT_ATTEMPTS must be 1-9 and RETRY_DELAY_SECONDS 0-999, got '${attempts}' and '${delay0}'" >&2
  exit 2
fi
errors="$(mktemp)"
trap 'rm -f "${errors}"' EXIT
# git's own words for what no retry fixes: a missing branch ("Remote branch X not found in upstream origin"), a missing
# or private repository (GitHub: "Repository not found"; an HTTP 404: "repository '<url>' not found"; GitHub answers a
# missing or private repository without credentials with 401, on which git, unable to prompt, says "could not read
# Username", and with wrong credentials "Authentication failed"), a commit the server does not have ("not our ref").
permanent='Remote branch .* not found|Repository not found|repository .* not found|could not read Username|Authentication failed|not our ref|does not match any|couldn.t find remote ref'
# Never wait on a terminal prompt for credentials (there is no terminal): fail at once, with "could not read Username".
export GIT_TERMINAL_PROMPT=0

# retry <what> <command...>: the command, again after a back-off while it fails transiently. Returns 1 when git says
# retrying cannot help; exits 75 (with the note) when every attempt failed.
retry() {
  local what="$1" n=1 delay="${delay0}" rc
  shift
  while :; do
    "$@" 2>"${errors}" && { cat "${errors}" >&2; return 0; }
    rc=$?
    cat "${errors}" >&2
    if grep -qE "${permanent}" "${errors}"; then return 1; fi
    if [ "${n}" -ge "${attempts}" ]; then
      local note last
      last="$({ grep -m1 -E 'fatal|error' "${errors}" || true; } | head -c 200)"
      note="${what} of ${url} failed ${attempts} times (last exit ${rc}: ${last})"
      echo "clone-source: infrastructure failure: ${note}" >&2
      if [ -n "${FAILURE_NOTE_FILE:-}" ]; then printf '%s' "${note}" >"${FAILURE_NOTE_FILE}"; fi
      exit 75
    fi
    echo "clone-source: ${what} failed (exit ${rc}), attempt ${n} of ${attempts}; again in ${delay}s" >&2
    sleep "${delay}"
    n=$((n + 1)) delay=$((delay * 2))
  done
}
clone() {
  rm -rf "${SOURCE_DIR}"
  git clone --quiet --depth 1 --single-branch --branch "${BRANCH}" "${url}" "${SOURCE_DIR}"
}

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

if ! retry "git clone" clone; then
  echo "clone-source: ${url} has no branch ${BRANCH} (or no such repository)" >&2
  exit 1
fi
if [ -n "${pin}" ] && [ "$(git -C "${SOURCE_DIR}" rev-parse HEAD)" != "${pin}" ]; then
  # The branch moved on after the push: fetch the pushed commit itself. Git's protocol v2 (the default since git 2.26)
  # lets a client want any object the server has; GitHub serves pushed commits by id.
  if ! retry "git fetch of ${pin}" git -C "${SOURCE_DIR}" fetch --quiet --depth 1 origin "${pin}"; then
    echo "clone-source: ${url} has no commit ${pin} (pushed to ${BRANCH}); was it force-pushed away?" >&2
    exit 1
  fi
  # A commit id alone proves nothing about where it came from: GitHub serves any object of the repository by id (other
  # branches, pull requests' refs, commits force-pushed away), and a replayed or redelivered webhook can name an old
  # one. Build it only if it is on BRANCH: deepen the branch to a day before the commit's date (a rebase or an amend
  # gives a commit a new committer date, so a commit on the branch is newer than that) and ask git whether the branch
  # head descends from it (git-merge-base(1) --is-ancestor: exit 0 yes, 1 no).
  since="$(( $(git -C "${SOURCE_DIR}" log -1 --format=%ct "${pin}") - 86400 ))"
  retry "git fetch of ${BRANCH}" git -C "${SOURCE_DIR}" fetch --quiet --shallow-since="${since}" origin "${BRANCH}" || exit 1
  if ! git -C "${SOURCE_DIR}" merge-base --is-ancestor "${pin}" "origin/${BRANCH}"; then
    echo "clone-source: commit ${pin} of ${url} is not on ${BRANCH}; refusing to build it" >&2
    exit 1
  fi
  git -C "${SOURCE_DIR}" -c advice.detachedHead=false checkout --quiet "${pin}"
fi
if [ -n "${SUBMODULES:-}" ]; then
  read -r -a submodules <<<"${SUBMODULES}"
  retry "git submodule update" git -C "${SOURCE_DIR}" submodule --quiet update --init --depth 1 -- "${submodules[@]}" || exit 1
fi
commit="$(git -C "${SOURCE_DIR}" rev-parse HEAD)"

printf '%s' "${url}" >"${RESULT_GIT_URL}"
printf '%s' "${commit}" >"${RESULT_GIT_COMMIT}"
printf 'io.openshift.build.source-location=%s\nio.openshift.build.commit.id=%s\n' "${url}" "${commit}" >>"${LABELS_FILE}"
echo "clone-source: ${url} ${BRANCH} at ${commit}${pin:+ (the pushed revision)}"
