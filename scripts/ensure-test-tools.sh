#!/usr/bin/env bash
# Makes sure every tool the tests run for real is here, the same way for `npm test`, `.ci/run` and every workflow
# (they all call this script; no workflow installs a test tool by hand). Four sources:
#
#   Debian packages   the `debian_tools` table below; installed with apt-get (root, or passwordless sudo),
#                     otherwise the script fails naming the one command to run.
#   Go modules        one wrapper module per tool under test/tools/go/<tool>/ (go.mod and go.sum pinning the
#                     upstream module, repeating its `replace` lines; tool.env naming the package, build tags and
#                     group; BINARY and PACKAGE may list several binaries of one module; GENERATE=true runs the
#                     wrapper's `go generate` in a copy of it first). Built once per content of that directory and
#                     Go version, into a cache outside the repository ($OKD_CI_TOOLS_CACHE, default
#                     ~/.cache/okd-ci/tools), then linked into .tools/bin, which test/setup.ts puts first on PATH.
#                     Nothing is downloaded but Go modules from the proxy.
#   PyPI packages     the `pypi_tools` table below, pinned; each installed once per requirement and Python version
#                     into its own virtualenv in the same cache, linked into .tools/bin.
#   npm packages      servers the tests start (devDependencies): `npm ci` installs them; nothing to do here.
#
# Usage: ensure-test-tools.sh [--group test|engine|all] [--list]
#   --group   which Go tools to build: `test` (default, what `npm test` needs), `engine` (`npm run test:engine`), `all`
#   --list    print every tool, its source and version, one per line, and exit
# Reads: OKD_CI_TOOLS_CACHE (optional), GOFLAGS (kept), GOTOOLCHAIN (kept).
# Writes: the cache, .tools/bin/<tool> links, and one line per tool built with the time it took.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
go_tools_dir="${root}/test/tools/go"
bin_dir="${root}/.tools/bin"
cache="${OKD_CI_TOOLS_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/okd-ci/tools}"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

group="test"
list=false
while [ "$#" -gt 0 ]; do
  case "$1" in
    --group)
      [ "$#" -ge 2 ] || {
        echo "ensure-test-tools: --group needs a value: test, engine or all" >&2
        exit 2
      }
      group="$2"
      shift 2
      ;;
    --list)
      list=true
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "ensure-test-tools: unknown argument '$1'; see --help" >&2
      exit 2
      ;;
  esac
done
case "${group}" in test | engine | all) ;; *)
  echo "ensure-test-tools: --group is test, engine or all, not '${group}'" >&2
  exit 2
  ;;
esac

# Debian tools: command → package. shellcheck (every step script), docker-registry and skopeo (images between local
# registries), buildah, runc and umoci (real builds, RUN steps under OCI isolation, tiny test images), jq (step
# scripts), rclone (release records), git (component sources), busybox and a static bash (the stand-in Fedora CoreOS
# the machine-os Containerfile is built on), openssl (Chains-style signing keys for the cosign tests), chromium (the
# status page's browser test drives it with playwright-core, which downloads no browser of its own).
declare -A debian_tools=(
  [shellcheck]=shellcheck
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [buildah]=buildah
  [runc]=runc
  [openssl]=openssl
  [umoci]=umoci
  [jq]=jq
  [rclone]=rclone
  [git]=git
  [busybox]=busybox-static
  [bash-static]=bash-static
  [chromium]=chromium
)

# PyPI tools: command → pinned requirement. moto_server is the S3 server of the object-store tests
# (test/scripts/object-stores.ts).
declare -A pypi_tools=(
  [moto_server]="moto[server]==5.2.1"
)

# The Go tools in a group, one directory name per line.
go_tools_of() {
  local dir tool_group
  for dir in "${go_tools_dir}"/*/; do
    [ -f "${dir}tool.env" ] || continue
    tool_group="$(sed -n 's/^GROUP=//p' "${dir}tool.env")"
    if [ "$1" = all ] || [ "${tool_group}" = "$1" ]; then basename "${dir}"; fi
  done
}

if [ "${list}" = true ]; then
  for tool in $(printf '%s\n' "${!debian_tools[@]}" | sort); do
    printf 'debian\t%s\t%s\n' "${tool}" "${debian_tools[${tool}]}"
  done
  for tool in $(printf '%s\n' "${!pypi_tools[@]}" | sort); do
    printf 'pypi\t%s\t%s\n' "${tool}" "${pypi_tools[${tool}]}"
  done
  for tool in $(go_tools_of all); do
    (
      BINARY="" PACKAGE="" VERSION="" GROUP=""
      # shellcheck disable=SC1090,SC1091
      source "${go_tools_dir}/${tool}/tool.env"
      printf 'go\t%s\t%s %s (%s)\n' "${BINARY}" "${PACKAGE}" "${VERSION}" "${GROUP}"
    )
  done
  exit 0
fi

# --- Debian ---------------------------------------------------------------------------------------------------------
missing=()
for tool in "${!debian_tools[@]}"; do
  command -v "${tool}" >/dev/null 2>&1 || missing+=("${debian_tools[${tool}]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  sudo=()
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo); fi
  if { [ "$(id -u)" -eq 0 ] || [ "${#sudo[@]}" -gt 0 ]; } && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-test-tools: installing ${missing[*]} with apt-get" >&2
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "ensure-test-tools: the tests need ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# --- PyPI -----------------------------------------------------------------------------------------------------------
# Each in its own virtualenv in the cache (one per pinned requirement and Python version), linked into .tools/bin:
# nothing is installed into the system Python, which Debian and Ubuntu mark externally managed (PEP 668).
mkdir -p "${bin_dir}"
for tool in "${!pypi_tools[@]}"; do
  requirement="${pypi_tools[${tool}]}"
  if ! command -v python3 >/dev/null 2>&1; then
    echo "ensure-test-tools: ${tool} needs Python 3 with venv (apt-get install python3-venv)" >&2
    exit 1
  fi
  py_version="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  key="$(printf '%s %s\n' "${requirement}" "${py_version}" | sha256sum | cut -c1-16)"
  venv="${cache}/pypi-${tool}/${key}"
  if [ ! -x "${venv}/bin/${tool}" ]; then
    mkdir -p "${cache}/pypi-${tool}"
    exec 9>"${cache}/pypi-${tool}/.lock"
    flock 9
    if [ ! -x "${venv}/bin/${tool}" ]; then
      echo "ensure-test-tools: installing ${requirement} from PyPI into ${venv}" >&2
      start="$(date +%s)"
      rm -rf "${venv}"
      python3 -m venv "${venv}" || {
        echo "ensure-test-tools: python3 -m venv failed; install the venv module (apt-get install python3-venv)" >&2
        exit 1
      }
      "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check "${requirement}" >&2 || {
        rm -rf "${venv}"
        echo "ensure-test-tools: pip install ${requirement} failed" >&2
        exit 1
      }
      echo "ensure-test-tools: installed ${requirement} in $(($(date +%s) - start)) s" >&2
    fi
    exec 9>&-
  fi
  ln -sfn "${venv}/bin/${tool}" "${bin_dir}/${tool}"
done

# --- Go -------------------------------------------------------------------------------------------------------------
tools=()
mapfile -t tools < <(go_tools_of "${group}")
[ "${#tools[@]}" -gt 0 ] || exit 0
if ! command -v go >/dev/null 2>&1; then
  echo "ensure-test-tools: building ${tools[*]} needs Go 1.26 or later (https://go.dev/doc/install, or apt-get install golang-go from a recent release)" >&2
  exit 1
fi
mkdir -p "${bin_dir}" "${cache}"
go_version="$(go env GOVERSION) $(go env GOOS)/$(go env GOARCH)"

for tool in "${tools[@]}"; do
  dir="${go_tools_dir}/${tool}"
  # Each tool's settings, in a subshell so one tool's variables never leak into the next.
  (
    BINARY="" PACKAGE="" VERSION="" TAGS="" LDFLAGS="" CGO="0" GENERATE=""
    # shellcheck disable=SC1090,SC1091
    source "${dir}/tool.env"
    : "${BINARY:?${dir}/tool.env sets no BINARY}" "${PACKAGE:?${dir}/tool.env sets no PACKAGE}"
    # BINARY and PACKAGE may list several binaries of one module, the i-th binary built from the i-th package.
    read -r -a binaries <<<"${BINARY}"
    read -r -a packages <<<"${PACKAGE}"
    if [ "${#binaries[@]}" -ne "${#packages[@]}" ]; then
      echo "ensure-test-tools: ${dir}/tool.env names ${#binaries[@]} BINARY and ${#packages[@]} PACKAGE; expected one package per binary" >&2
      exit 1
    fi
    # The key is everything that decides the binaries: the wrapper module's files and the Go toolchain.
    key="$(
      cd "${dir}"
      {
        printf '%s\n' "${go_version}"
        find . -type f ! -name '*.md' | LC_ALL=C sort | xargs sha256sum
      } | sha256sum | cut -c1-16
    )"
    target="${cache}/${tool}/${key}"
    built() {
      local binary
      for binary in "${binaries[@]}"; do [ -x "${target}/${binary}" ] || return 1; done
    }
    if ! built; then
      mkdir -p "${cache}/${tool}"
      exec 9>"${cache}/${tool}/.lock"
      flock 9 # another checkout may be building the same tool
      if ! built; then
        echo "ensure-test-tools: building ${BINARY} (${VERSION}) from its Go module; the first build takes minutes" >&2
        start="$(date +%s)"
        tmp="$(mktemp -d "${cache}/${tool}/build.XXXXXX")"
        log="${tmp}/build.log"
        src="${dir}"
        # GENERATE=true: the module has `go:generate` steps (files a package embeds that its module zip lacks); run
        # them in a copy of the wrapper module, never in the repository.
        if [ "${GENERATE}" = true ]; then
          src="${tmp}/src"
          cp -R "${dir}" "${src}"
        fi
        if ! (
          cd "${src}"
          export CGO_ENABLED="${CGO}" GOFLAGS="${GOFLAGS:-} -mod=readonly"
          if [ "${GENERATE}" = true ]; then go generate ./...; fi
          for i in "${!binaries[@]}"; do
            go build -trimpath -tags "${TAGS}" -ldflags "${LDFLAGS}" -o "${tmp}/out/${binaries[${i}]}" "${packages[${i}]}"
          done
        ) >"${log}" 2>&1; then
          tail -n 40 "${log}" >&2
          echo "ensure-test-tools: building ${BINARY} from ${PACKAGE} failed (full log above, last 40 lines)" >&2
          rm -rf "${tmp}"
          exit 1
        fi
        rm -rf "${target}"
        mv "${tmp}/out" "${target}"
        rm -rf "${tmp}"
        echo "ensure-test-tools: built ${BINARY} ${VERSION} in $(($(date +%s) - start)) s (cached in ${target})" >&2
      fi
      exec 9>&-
    fi
    for binary in "${binaries[@]}"; do
      ln -sfn "${target}/${binary}" "${bin_dir}/${binary}"
    done
  )
done
