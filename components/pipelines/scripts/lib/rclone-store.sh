# shellcheck shell=bash
# shellcheck disable=SC2154 # fail, work, bucket and ARTIFACTS_BUCKET come from the including script
# Reading and writing JSON objects in the artifact store with rclone, so that a missing object and a failed read are
# never confused (release-record.sh's storage). The including script defines, before it sources this: `fail <message>`
# (prints and exits 1), `work` (a scratch directory), `bucket` (the rclone remote path of the bucket, `artifacts:<name>`)
# and ARTIFACTS_BUCKET (the bucket's name, for messages).
#
# rclone takes a path that is not an object for a directory, and on bucket stores (S3, GCS, Azure Blob) a directory
# with nothing under it is just empty: `rclone cat` of a missing object exits 0 with no output there, and exit 3
# ("directory not found") means the *bucket* is missing (the local backend alone says 3 for a missing directory). So
# presence is never inferred from a read: an object exists when a successful listing of its directory holds it, and
# every other failure (permission, a transient error that outlived rclone's retries) stops the script before anything
# is written. test/scripts/release-record.test.ts proves this against moto (S3), Azurite and fake-gcs-server.

# rclone_or_fail <what> <rclone args...>: runs rclone; on failure prints its errors and stops the script.
rclone_or_fail() {
  local what="$1" rc=0
  shift
  rclone --quiet "$@" 2>"${work}/rclone.err" || rc=$?
  if [ "${rc}" -ne 0 ]; then
    cat "${work}/rclone.err" >&2
    fail "${what} failed (rclone exit ${rc})"
  fi
}

# bucket_present_or_fail: called on exit 3 ("directory not found") from a listing. On bucket stores that means the
# bucket itself is missing; on the local backend it may just be a directory nobody wrote yet. A listing of the bucket's
# top level tells the two apart: it succeeds on any existing bucket, empty or not.
bucket_present_or_fail() {
  local err="${work}/rclone.err.saved"
  cp "${work}/rclone.err" "${err}"
  if ! rclone --quiet lsf --max-depth 1 "${bucket}/" >/dev/null 2>"${work}/rclone.err"; then
    cat "${err}" "${work}/rclone.err" >&2
    fail "listing the bucket ${ARTIFACTS_BUCKET} failed (rclone exit 3: it does not exist or is not visible)"
  fi
}

# list_dir <dir> <out>: the objects directly in <dir> as rclone lsjson JSON (Name, Size, Hashes.md5).
list_dir() {
  local rc=0
  rclone --quiet lsjson --files-only --no-modtime --no-mimetype --hash-type md5 "$1/" >"$2" 2>"${work}/rclone.err" || rc=$?
  case "${rc}" in
    0) ;;
    3)
      bucket_present_or_fail
      echo '[]' >"$2"
      ;;
    *)
      cat "${work}/rclone.err" >&2
      fail "listing $1/ failed (rclone exit ${rc})"
      ;;
  esac
}

# fetch_many <dir> <file of object names> <local dir>: copies those of the named objects that exist. One listing of
# <dir> decides which exist; rclone checks size and MD5 of each download.
fetch_many() {
  local rc=0 rules="${work}/fetch.rules"
  sed 's|^|+ /|' "$2" >"${rules}"
  echo '- *' >>"${rules}"
  mkdir -p "$3"
  rclone --quiet copy --filter-from "${rules}" "$1/" "$3/" 2>"${work}/rclone.err" || rc=$?
  case "${rc}" in
    0) ;;
    3) bucket_present_or_fail ;;
    *)
      cat "${work}/rclone.err" >&2
      fail "reading from $1/ failed (rclone exit ${rc})"
      ;;
  esac
}

# fetch <dir> <object name> <local file>: 0 when copied, 1 when a successful listing shows the object does not exist.
fetch() {
  local got="${work}/fetch.$$.${RANDOM}"
  printf '%s\n' "$2" >"${got}.names"
  fetch_many "$1" "${got}.names" "${got}"
  if [ -f "${got}/$2" ]; then
    mv "${got}/$2" "$3"
    rm -rf "${got}" "${got}.names"
    return 0
  fi
  rm -rf "${got}" "${got}.names"
  return 1
}

# store <remote path> <local file> [rclone flags]: uploads unconditionally (--ignore-times: never skipped as
# "unchanged"); rclone checks the size and MD5 of what was stored.
store() {
  jq . "$2" >/dev/null || fail "refusing to store invalid JSON at $1"
  rclone_or_fail "writing $1" copyto --ignore-times "${@:3}" "$2" "$1"
}
