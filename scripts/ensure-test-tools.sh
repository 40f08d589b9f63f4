#!/usr/bin/env bash
# Makes sure the Debian tools the tests run for real are installed: shellcheck (every step script), docker-registry
# and skopeo (images moved between local registries), buildah (real builds), jq (step scripts), rclone (release
# records in artifact storage, through its local backend).
# Installs what is missing when it can (root with apt-get); otherwise fails naming what to install.
set -euo pipefail

declare -A package_of=(
  [shellcheck]=shellcheck
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [buildah]=buildah
  [umoci]=umoci
  [jq]=jq
  [rclone]=rclone
)
missing=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${package_of[$tool]}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-tools: installing ${missing[*]} with apt-get" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "ensure-test-tools: the tests need ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
exit 1
