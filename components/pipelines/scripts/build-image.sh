#!/usr/bin/env bash
# Builds a Containerfile with buildah and pushes the image, reporting the digest the registry stored.
#
# Reads:
#   CONTEXT_DIR          build context directory
#   CONTAINERFILE        Containerfile path
#   IMAGE                destination, repository:tag
#   TLS_VERIFY           "true" or "false" (the local site's registry is plain HTTP)
#   REGISTRY_AUTH_FILE   optional, read by buildah itself: the registry's auth file (pull and push)
#   BUILD_ARGS           optional, KEY=VALUE per line
#   BUILD_ARGS_FILE      optional file with more KEY=VALUE lines (written by an earlier step)
#   LABELS               optional, KEY=VALUE per line
#   LABELS_FILE          optional file with more KEY=VALUE lines (written by an earlier step)
#   BUILD_USERNS_BASE    optional, default 1000000000: first host UID/GID of the build's user namespace (65536 IDs)
#   BUILDAH_RUNTIME      optional OCI runtime for RUN steps (default: the image's, crun); the tests pass runc because
#                        this development machine's hybrid cgroups break crun
#   BUILDAH_ULIMITS      optional, space-separated --ulimit values for RUN steps (same reason, for runc here)
#   COMPONENT            optional: the payload tag this build replaces; with RESULT_BUILT, names it in that result
#   SOURCE_URL_FILE      optional: file holding the repository built (the clone step's CHAINS-GIT_URL result)
#   SOURCE_COMMIT_FILE   optional: file holding the commit built (its CHAINS-GIT_COMMIT result)
#   REGISTRY_ATTEMPTS    optional, default 4: attempts of each registry pull (FROM images) and of the push
#   REGISTRY_RETRY_DELAY optional, default 15s: buildah's --retry-delay between them
#   FAILURE_NOTE_FILE    optional: where an infrastructure failure is described for build-report.sh
# Writes:
#   RESULT_IMAGE_URL     file: IMAGE (Tekton Chains type hint)
#   RESULT_IMAGE_DIGEST  file: sha256:… of the pushed manifest
#   RESULT_BUILT         optional file: {"component", "image": <repository>@<digest>, "source", "commit"} as one JSON
#                        line, what assembly takes instead of resolving a tag or trusting image labels (issue 15
#                        path 4); written by this TaskRun only, so Chains' signature of the TaskRun covers it
#   $FAILURE_NOTE_FILE   when the registry failed on every attempt
#
# Registry calls are retried by buildah itself (`--retry`, `--retry-delay`, for pulls and the push: buildah's manual
# pages buildah-build(1) and buildah-push(1)). When they all failed (the push, or a build that failed pulling an
# image for a reason a retry may fix: the registry unreachable, timing out, 5xx, rate-limited), the script exits 75
# (EX_TEMPFAIL, sysexits.h) and writes FAILURE_NOTE_FILE, so that the record tells "infrastructure failure after N
# attempts" from a failed build; any other build failure is the build's.
#
# Every RUN step of the Containerfile is untrusted code (an upstream commit controls it). It runs in an OCI container
# (`--isolation oci`), never in buildah's chroot isolation, which unshares only the mount and UTS namespaces (a user
# namespace only when ID maps are given) and binds the pod's /dev without `nodev` (containers/buildah
# chroot/run_linux.go @5b1b18eebdc2: `UnshareFlags = CLONE_NEWUTS | CLONE_NEWNS`, `devFlags` without MS_NODEV): in a
# privileged pod a RUN step as root opens the node's disks, and an older buildah (Debian's 1.28) only chroot()s, which
# root escapes.
# Under OCI isolation each RUN step gets its own user namespace (root inside is an unprivileged host UID from
# BUILD_USERNS_BASE), PID, IPC, mount and UTS namespaces, a pivot_root'ed root filesystem, a minimal /dev with no host
# device, masked /proc paths and the runtime's default seccomp profile; the pod's files (registry credentials,
# Tekton's result files, the ServiceAccount token) are not in its mount namespace. It shares the pod's network
# namespace (`--network host`), so the pod's NetworkPolicy is what bounds its egress (no instance metadata service);
# buildah's own bridge networking would need CNI plugins and iptables inside the pod.
# (containers/buildah docs/buildah-build.1.md: --isolation, --userns-uid-map, --network.)
set -euo pipefail

for var in CONTEXT_DIR CONTAINERFILE IMAGE TLS_VERIFY RESULT_IMAGE_URL RESULT_IMAGE_DIGEST; do
  if [ -z "${!var:-}" ]; then
    echo "build-image: ${var} is required" >&2
    exit 2
  fi
done
if [ ! -f "${CONTAINERFILE}" ]; then
  echo "build-image: Containerfile ${CONTAINERFILE} does not exist" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

report() {
  printf '%s' "${IMAGE}" >"${RESULT_IMAGE_URL}"
  printf '%s' "$1" >"${RESULT_IMAGE_DIGEST}"
  echo "build-image: ${IMAGE}@$1"
  if [ -n "${RESULT_BUILT:-}" ]; then report_built "$1"; fi
}

must_match() {
  if ! [[ "$2" =~ $3 ]]; then
    echo "build-image: $1 '$2' cannot go into the BUILT result (expected $3)" >&2
    exit 1
  fi
}

# The BUILT result, as JSON written without jq (the buildah image has none): every value is checked against a
# pattern that admits no quote, backslash or control character first.
report_built() {
  local digest="$1" repository="${IMAGE%:*}" source="" commit=""
  # IMAGE is repository:tag; a registry port is not a tag.
  if [[ "${IMAGE##*/}" != *:* ]]; then repository="${IMAGE}"; fi
  if [ -n "${SOURCE_URL_FILE:-}" ]; then source="$(cat "${SOURCE_URL_FILE}")"; fi
  if [ -n "${SOURCE_COMMIT_FILE:-}" ]; then commit="$(cat "${SOURCE_COMMIT_FILE}")"; fi
  must_match COMPONENT "${COMPONENT:-}" '^[a-z0-9][a-z0-9.-]*$'
  must_match digest "${digest}" '^sha256:[a-f0-9]{64}$'
  must_match source "${source}" '^([A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9._~/@:+-]+)?$'
  must_match commit "${commit}" '^([a-f0-9]{40}|[a-f0-9]{64})?$'
  printf '{"component":"%s","image":"%s@%s","source":"%s","commit":"%s"}' \
    "${COMPONENT}" "${repository}" "${digest}" "${source}" "${commit}" >"${RESULT_BUILT}"
}

# KEY=VALUE lines from a variable and an optional file, as repeated flags; blank lines are ignored.
flags_from() {
  local flag="$1" text="$2" file="${3:-}" line
  {
    printf '%s\n' "${text}"
    if [ -n "${file}" ] && [ -f "${file}" ]; then cat "${file}"; fi
  } | while IFS= read -r line; do
    if [ -n "${line}" ]; then printf '%s\0%s\0' "${flag}" "${line}"; fi
  done
}

# The isolation of RUN steps: the flags the Task runs with, on every platform (see the header).
userns_base="${BUILD_USERNS_BASE:-1000000000}"
if ! [[ "${userns_base}" =~ ^[1-9][0-9]{0,9}$ ]] || [ "${userns_base}" -gt 4294901759 ]; then
  echo "build-image: BUILD_USERNS_BASE '${userns_base}' is not a host UID from 1 to 4294901759" >&2
  exit 2
fi
isolation=(--isolation oci --userns-uid-map "0:${userns_base}:65536" --userns-gid-map "0:${userns_base}:65536"
  --network host)
if [ -n "${BUILDAH_RUNTIME:-}" ]; then isolation+=(--runtime "${BUILDAH_RUNTIME}"); fi
for ulimit in ${BUILDAH_ULIMITS:-}; do isolation+=(--ulimit "${ulimit}"); done

attempts="${REGISTRY_ATTEMPTS:-4}" retry_delay="${REGISTRY_RETRY_DELAY:-15s}"
if ! [[ "${attempts}" =~ ^[1-9]$ ]] || ! [[ "${retry_delay}" =~ ^[0-9]{1,3}(ms|s)$ ]]; then
  echo "build-image: REGISTRY_ATTEMPTS must be 1-9 and REGISTRY_RETRY_DELAY like 15s, got '${attempts}' and '${retry_delay}'" >&2
  exit 2
fi
# buildah --retry counts the retries after the first attempt.
retry=(--retry "$((attempts - 1))" --retry-delay "${retry_delay}")
# What buildah prints when a registry, not the build, failed (Go's net errors, HTTP 429/5xx, its ping of the registry).
transient='pinging container registry|connection refused|connection reset|i/o timeout|TLS handshake timeout|no such host|toomanyrequests|(429|500|502|503|504) '
# Matched only against buildah's own final error (`Error: ...`, cobra's prefix for the error a command returns), never
# the rest of stderr, which carries the build's RUN output: a RUN step that prints "connection refused" and fails is
# the build's failure. A RUN step's own failure (`Error: building at STEP "RUN ...": ...`, the step's text quoted) is
# never the registry's either, whatever its command line says.
# The last `Error: ` line first, then the filters: a RUN step's tools print `Error: ...` lines of their own (cobra's
# prefix too) before buildah's final one, and one of those must never stand for buildah's.
registry_error() {
  { grep -E '^Error: ' "${work}/stderr" || true; } | tail -n 1 | { grep -vE '^Error: building at STEP "RUN ' || true; } |
    { grep -iE "${transient}" || true; }
}
infrastructure() {
  local last made
  # The final error (its end names the cause), and the attempts buildah made (one, plus each "retrying in" it logged).
  last="$(registry_error | tail -c 200)"
  made="$(($(grep -c 'retrying in' "${work}/stderr" || true) + 1))"
  local note="$1 failed after ${made} attempts (${last})"
  echo "build-image: infrastructure failure: ${note}" >&2
  if [ -n "${FAILURE_NOTE_FILE:-}" ]; then printf '%s' "${note}" >"${FAILURE_NOTE_FILE}"; fi
  exit 75
}

args=()
while IFS= read -r -d '' item; do args+=("${item}"); done \
  < <(flags_from --build-arg "${BUILD_ARGS:-}" "${BUILD_ARGS_FILE:-}"; flags_from --label "${LABELS:-}" "${LABELS_FILE:-}")

# stderr kept for the classification below, then shown (buildah prints the build's own steps on stdout).
rc=0
buildah build --file "${CONTAINERFILE}" --tag "${IMAGE}" --layers=false --tls-verify="${TLS_VERIFY}" "${retry[@]}" \
  "${isolation[@]}" "${args[@]}" "${CONTEXT_DIR}" 2>"${work}/stderr" || rc=$?
cat "${work}/stderr" >&2
if [ "${rc}" -ne 0 ]; then
  if [ -n "$(registry_error)" ]; then infrastructure "pulling an image of ${CONTAINERFILE}"; fi
  exit "${rc}"
fi
buildah push --tls-verify="${TLS_VERIFY}" "${retry[@]}" --digestfile "${work}/digest" "${IMAGE}" "docker://${IMAGE}" \
  2>"${work}/stderr" || rc=$?
cat "${work}/stderr" >&2
if [ "${rc}" -ne 0 ]; then
  if [ -n "$(registry_error)" ]; then infrastructure "the push of ${IMAGE}"; fi
  exit "${rc}"
fi
report "$(cat "${work}/digest")"
