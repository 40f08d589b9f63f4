#!/usr/bin/env bash
# The credential plugins `pulumi preview` needs per cloud: the kubeconfig each site builds for its Kubernetes
# provider runs one of them for a token (exec credentials, no token embedded). One list, used by the preview
# workflow; test/workflows/preview-tools.test.ts fails when it drifts from the commands the sites' kubeconfigs exec
# (components/aws/cluster.ts, components/gcp/kubeconfig.ts, components/azure/kubeconfig.ts).
#
# Usage: preview-tools.sh <aws|gcp|azure> | --list
#   <cloud>   make sure that cloud's plugins are on PATH, installing the missing ones (GitHub's ubuntu-24.04 runner:
#             sudo without a password, the Google Cloud apt repository and az preinstalled), then print their versions
#   --list    print every plugin as <cloud> TAB <command> TAB <how it is installed>, and exit
# Reads: RUNNER_TEMP or TMPDIR (where an installed binary goes), GITHUB_PATH (appended to, on a runner).
set -euo pipefail

# cloud → command its kubeconfig execs
declare -A plugin=(
  [aws]=aws
  [gcp]=gke-gcloud-auth-plugin
  [azure]=kubelogin
)
# cloud → how a missing command is installed (also what --list prints). `$bin` in single quotes is expanded when
# the command runs (eval below), not here.
# shellcheck disable=SC2016
declare -A install=(
  # AWS CLI v2 is preinstalled on GitHub's Ubuntu runners; v1 from PyPI also has `aws eks get-token`.
  [aws]="python3 -m pip install --user awscli==1.46.2"
  # gcloud on GitHub's Ubuntu runners comes from Google's apt repository, which also has the plugin.
  [gcp]="sudo apt-get install -y google-cloud-cli-gke-gcloud-auth-plugin"
  # az is preinstalled on GitHub's Ubuntu runners; this installs kubelogin (and kubectl) into a directory on PATH.
  [azure]='az aks install-cli --install-location "$bin/kubectl" --kubelogin-install-location "$bin/kubelogin"'
)

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

case "${1:-}" in
  --list)
    for cloud in aws gcp azure; do
      printf '%s\t%s\t%s\n' "${cloud}" "${plugin[${cloud}]}" "${install[${cloud}]}"
    done
    exit 0
    ;;
  -h | --help)
    usage
    exit 0
    ;;
  aws | gcp | azure) cloud="$1" ;;
  *)
    echo "preview-tools: expected aws, gcp, azure or --list, not '${1:-}'" >&2
    exit 2
    ;;
esac

command_name="${plugin[${cloud}]}"
if ! command -v "${command_name}" >/dev/null 2>&1; then
  bin="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/okd-ci-preview-bin"
  mkdir -p "${bin}"
  export PATH="${bin}:${HOME}/.local/bin:${PATH}"
  echo "preview-tools: installing ${command_name}: ${install[${cloud}]}" >&2
  eval "${install[${cloud}]}"
  if [ -n "${GITHUB_PATH:-}" ]; then
    printf '%s\n%s\n' "${bin}" "${HOME}/.local/bin" >>"${GITHUB_PATH}"
  fi
fi
if ! command -v "${command_name}" >/dev/null 2>&1; then
  echo "preview-tools: ${command_name} is still not on PATH after: ${install[${cloud}]}" >&2
  exit 1
fi
"${command_name}" --version
