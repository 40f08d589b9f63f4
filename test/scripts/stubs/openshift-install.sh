#!/usr/bin/env bash
# A stand-in for openshift-install in the e2e script tests: the real installer cannot be built or run here (no
# cloud). It is not a fake success: it enforces the installer's credential rules and fails the way the real one does.
# Each rule names where openshift/installer (or the cloud-credential-operator) implements it; commits are those of the
# copies read (openshift/installer does not fit this machine's snapshot limit, so no release branch head could be
# read; where a rule changed across versions, the stub follows the 4.1x one and says so):
#   openshift/installer pkg/types/validation/installconfig.go validateCloudCredentialsMode: the modes each platform
#     accepts, reported sorted by field.NotSupported. At 4309374399ec (4.6) Azure still took Mint and GCP no Manual;
#     the 4.1x versions take aws and gcp Manual|Mint|Passthrough, azure Manual|Passthrough. The stub enforces those.
#   openshift/installer pkg/asset/manifests/openshift.go Openshift.Generate (e703cdefe1f5, and unchanged in the
#     AWS SDK v2 version): outside Manual mode AWS credentials must be static (IsStaticCredentials: env or shared
#     file, no session token), since openshift/installer#4596.
#   openshift/installer pkg/asset/installconfig/platformpermscheck.go (4309374399ec and later): the permission
#     check runs only when install-config sets no credentialsMode; pkg/asset/installconfig/aws/permissions.go
#     ValidateCreds (e267891975, and later): install permissions, then mint or passthrough.
#   openshift/cloud-credential-operator pkg/aws/utils.go CheckPermissionsAgainstActions at release-4.15 (cffd42537):
#     SimulatePrincipalPolicy of every action on Resource "*" with aws:RequestedRegion.
#   openshift/installer pkg/asset/installconfig/gcp/session.go loadCredentials: GOOGLE_CREDENTIALS,
#     GOOGLE_CLOUD_KEYFILE_JSON, GCLOUD_KEYFILE_JSON, ~/.gcp/osServiceAccount.json, then application default
#     credentials (GOOGLE_APPLICATION_CREDENTIALS, then the metadata server, whose credentials carry no JSON).
#   openshift/installer pkg/asset/installconfig/azure/session.go: osServicePrincipal.json from AZURE_AUTH_LOCATION or
#     ~/.azure, else a survey on the terminal.
#
# Usage as the installer: openshift-install --dir=<dir> create manifests|ignition-configs|cluster | destroy cluster
# Test knobs (never credentials):
#   STUB_EXITS_FILE          create cluster exits with the next code in this file, one line per attempt (default 0)
#   STUB_CONSUMED_CONFIG     where to keep a copy of the install-config.yaml that create manifests consumed
#   STUB_AWS_IAM_POLICY      JSON array of the policy documents IAM has attached to the AWS user (what
#                            SimulatePrincipalPolicy would evaluate); needed only when the pre-flight check runs
#   STUB_AWS_PREFLIGHT_ACTIONS, STUB_AWS_MINT_ACTIONS   files, one action a line: what the pre-flight simulates
set -euo pipefail

fatal() {
  echo "level=fatal msg=$*" >&2
  exit 1
}

dir="${1#--dir=}"
shift
verb="$*"
config="${dir}/install-config.yaml"
state="${dir}/.stub-install-state"

# A single-level `key: value` of our install-config (the e2e script writes it; a YAML library is not needed).
config_value() { sed -n "s/^$1: *//p" "$2" | head -n1 | tr -d "'\""; }

platform_of() {
  local p
  p="$(sed -n '/^platform:/{n;s/^  \([a-z]*\):.*/\1/p}' "$1")"
  [ -n "${p}" ] || fatal "failed to fetch Install Config: platform: Required value"
  printf '%s' "${p}"
}

# validateCloudCredentialsMode: the modes each platform accepts.
check_mode() {
  local platform="$1" mode="$2"
  local -a allowed
  [ -z "${mode}" ] && return 0
  case "${platform}" in
    aws | gcp) allowed=(Manual Mint Passthrough) ;;
    azure) allowed=(Manual Passthrough) ;;
    *) fatal "credentialsMode cannot be set for platform ${platform}" ;;
  esac
  case " ${allowed[*]} " in
    *" ${mode} "*) ;;
    *) fatal "failed to fetch Install Config: invalid \"install-config.yaml\" file: credentialsMode: Unsupported value: \"${mode}\": supported values: $(printf '"%s", ' "${allowed[@]}" | sed 's/, $//')" ;;
  esac
}

# The AWS SDK chain the installer builds: environment, shared credentials file, then the SDK's defaults (container
# credentials such as EKS Pod Identity, web identity such as IRSA). Prints "<provider> <static|session>".
aws_credentials() {
  if [ -n "${AWS_ACCESS_KEY_ID:-}" ] && [ -n "${AWS_SECRET_ACCESS_KEY:-}" ]; then
    [ -n "${AWS_SESSION_TOKEN:-}" ] && echo "EnvConfigCredentials session" || echo "EnvConfigCredentials static"
    return
  fi
  local file="${AWS_SHARED_CREDENTIALS_FILE:-${HOME}/.aws/credentials}" profile="${AWS_PROFILE:-default}"
  if [ -s "${file}" ]; then
    local section
    section="$(awk -v p="[${profile}]" '$0==p{on=1;next} /^\[/{on=0} on' "${file}")"
    if grep -q '^ *aws_access_key_id *= *[^ ]' <<<"${section}" && grep -q '^ *aws_secret_access_key *= *[^ ]' <<<"${section}"; then
      grep -q '^ *aws_session_token *= *[^ ]' <<<"${section}" && echo "SharedCredentialsProvider session" || echo "SharedCredentialsProvider static"
      return
    fi
  fi
  if [ -n "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}" ]; then
    echo "CredentialsEndpointProvider session"
    return
  fi
  if [ -n "${AWS_WEB_IDENTITY_TOKEN_FILE:-}" ] && [ -n "${AWS_ROLE_ARN:-}" ]; then
    echo "WebIdentityCredentials session"
    return
  fi
  fatal "NoCredentialProviders: no valid providers in chain"
}

# IAM's SimulatePrincipalPolicy as the installer calls it: every action on Resource "*" with aws:RequestedRegion set
# (ResourceArns not given). A statement counts only if its Resource covers "*" and each condition is satisfied by
# that context; a condition on any other key (iam:PassedToService, ...) has no value and fails.
simulate() {
  local actions="$1" region="$2"
  [ -n "${STUB_AWS_IAM_POLICY:-}" ] || fatal "stub: the test must give STUB_AWS_IAM_POLICY for the default-mode permission check"
  jq -r --arg region "${region}" --rawfile actions "${actions}" '
    def list(x): if x == null then [] elif (x|type) == "array" then x else [x] end;
    def matches($pattern; $value): $value | test("^" + ($pattern | gsub("\\*"; ".*")) + "$"; "i");
    def ok(cond): (cond // {}) | to_entries | all(
      .key == "StringEquals" and (.value | to_entries | all(.key == "aws:RequestedRegion" and (list(.value) | index($region) != null))));
    [.[] | .Statement[]] as $statements
    | ($actions | split("\n") | map(select(length > 0))) as $wanted
    | $wanted[] as $a
    | select(any($statements[]; .Effect == "Allow" and any(list(.Action)[]; matches(.; $a))
        and any(list(.Resource)[]; . == "*") and ok(.Condition)) | not)
    | $a' <<<"${STUB_AWS_IAM_POLICY}"
}

# platformpermscheck.go: only with no credentialsMode; ValidateCreds: install permissions, then mint or passthrough.
aws_preflight() {
  local region="$1" denied
  [ -n "${STUB_AWS_PREFLIGHT_ACTIONS:-}" ] || fatal "stub: the test must give STUB_AWS_PREFLIGHT_ACTIONS"
  denied="$(simulate "${STUB_AWS_PREFLIGHT_ACTIONS}" "${region}")"
  if [ -n "${denied}" ]; then
    echo "level=error msg=$(tr '\n' ' ' <<<"${denied}")are not allowed" >&2
    fatal "failed to fetch Cluster: failed to fetch dependency of \"Cluster\": failed to generate asset \"Platform Permissions Check\": validate AWS credentials: current credentials insufficient for performing cluster installation"
  fi
  denied="$(simulate "${STUB_AWS_MINT_ACTIONS:?stub: the test must give STUB_AWS_MINT_ACTIONS}" "${region}")"
  [ -z "${denied}" ] || fatal "failed to generate asset \"Platform Permissions Check\": validate AWS credentials: AWS credentials cannot be used to either create new creds or use as-is"
}

# GCP: the first key-file variable set (a path or the JSON itself), then ~/.gcp/osServiceAccount.json, then
# application default credentials: GOOGLE_APPLICATION_CREDENTIALS, else the metadata server (GKE Workload Identity),
# whose credentials have no JSON.
gcp_credentials_json() {
  local var value
  for var in GOOGLE_CREDENTIALS GOOGLE_CLOUD_KEYFILE_JSON GCLOUD_KEYFILE_JSON; do
    value="${!var:-}"
    [ -n "${value}" ] || continue
    if [ -f "${value}" ]; then cat "${value}"; else printf '%s' "${value}"; fi
    return
  done
  if [ -f "${HOME}/.gcp/osServiceAccount.json" ]; then
    cat "${HOME}/.gcp/osServiceAccount.json"
  elif [ -n "${GOOGLE_APPLICATION_CREDENTIALS:-}" ] && [ -f "${GOOGLE_APPLICATION_CREDENTIALS}" ]; then
    cat "${GOOGLE_APPLICATION_CREDENTIALS}"
  fi
  return 0
}

# openshift.go: outside Manual mode the installer hands its own credentials to the cluster (kube-system/aws-creds,
# gcp-credentials, azure-credentials), so it must have credentials it can hand over.
check_credentials() {
  local platform="$1" mode="$2" region="$3"
  case "${platform}" in
    aws)
      local provider kind
      read -r provider kind <<<"$(aws_credentials)"
      if [ "${kind}" != static ]; then
        [ -z "${mode}" ] && fatal "failed to fetch Openshift Manifests: failed to generate asset \"Openshift Manifests\": AWS credentials provided by ${provider} are not valid for default credentials mode"
        [ "${mode}" != Manual ] && fatal "failed to fetch Openshift Manifests: failed to generate asset \"Openshift Manifests\": AWS credentials provided by ${provider} are not valid for ${mode} credentials mode"
      fi
      if [ -z "${mode}" ]; then aws_preflight "${region}"; fi
      ;;
    gcp)
      local json
      json="$(gcp_credentials_json)"
      if [ -n "${json}" ]; then
        jq -e '.type == "service_account" and (.private_key | length > 0) and (.client_email | length > 0)' <<<"${json}" >/dev/null 2>&1 \
          || fatal "failed to fetch Install Config: creating GCP session: failed to load credentials: the key file is not a service account key"
      elif [ "${mode}" != Manual ]; then
        # Reality gets further: the manifests carry an empty kube-system/gcp-credentials, the cloud-credential-operator
        # cannot provision any CredentialsRequest, and the install times out with degraded operators.
        fatal "stub: application default credentials (metadata server) have no key JSON to write into kube-system/gcp-credentials; the cluster's operators would get no credentials in ${mode:-default (Mint)} mode"
      fi
      ;;
    azure)
      local file="${AZURE_AUTH_LOCATION:-${HOME}/.azure/osServicePrincipal.json}"
      # Without the file the real installer asks for it on a terminal; a Task has none.
      [ -s "${file}" ] || fatal "failed to fetch Install Config: creating Azure session: ${file} not found, and no terminal to ask for a service principal"
      jq -e '(.subscriptionId | length > 0) and (.tenantId | length > 0) and (.clientId | length > 0) and ((.clientSecret // .clientCertificate) | length > 0)' "${file}" >/dev/null 2>&1 \
        || fatal "failed to fetch Install Config: creating Azure session: ${file} needs subscriptionId, tenantId, clientId and clientSecret or clientCertificate"
      ;;
  esac
}

case "${verb}" in
  "create manifests" | "create ignition-configs" | "create cluster")
    if [ -f "${config}" ]; then
      platform="$(platform_of "${config}")"
      mode="$(config_value credentialsMode "${config}")"
      region="$(sed -n 's/^    region: *//p' "${config}" | head -n1)"
      name="$(sed -n '/^metadata:/{n;s/^  name: *//p}' "${config}")"
      check_mode "${platform}" "${mode}"
      printf '%s\n%s\n%s\n%s\n' "${platform}" "${mode}" "${region}" "${name}" >"${state}"
      [ -z "${STUB_CONSUMED_CONFIG:-}" ] || cp "${config}" "${STUB_CONSUMED_CONFIG}"
      # The installer consumes install-config.yaml into its state.
      rm -f "${config}"
    elif [ ! -f "${state}" ]; then
      fatal "failed to fetch Master Machines: failed to load asset \"Install Config\": install-config.yaml not found in ${dir}"
    fi
    { read -r platform; read -r mode; read -r region; read -r name; } <"${state}"
    check_credentials "${platform}" "${mode}" "${region}"
    case "${verb}" in
      "create manifests") mkdir -p "${dir}/manifests" "${dir}/openshift" ;;
      "create ignition-configs")
        # infraID: the cluster name cut to 21 characters plus a random suffix (pkg/asset/installconfig/clusterid.go).
        infra="$(printf '%s' "${name:0:21}" | sed 's/-*$//')-abcde"
        printf '{"clusterName":"%s","infraID":"%s","%s":{"region":"%s"}}' "${name}" "${infra}" "${platform}" "${region}" >"${dir}/metadata.json"
        # The admin kubeconfig is an asset of the ignition-configs target (pkg/asset/kubeconfig/admin.go,
        # auth/kubeconfig); it points at api.<name>.<baseDomain>, which answers once create cluster succeeded.
        mkdir -p "${dir}/auth"
        printf 'apiVersion: v1\nkind: Config\nclusters: [{name: %s, cluster: {server: "https://api.%s:6443"}}]\n' \
          "${name}" "${name}" >"${dir}/auth/kubeconfig"
        ;;
      "create cluster")
        [ -s "${dir}/metadata.json" ] || fatal "stub: create cluster without create ignition-configs first is not modelled"
        echo "level=info msg=attempt" >"${dir}/.openshift_install.log"
        code=0
        if [ -n "${STUB_EXITS_FILE:-}" ] && [ -s "${STUB_EXITS_FILE}" ]; then
          code="$(head -n1 "${STUB_EXITS_FILE}")"
          sed -i 1d "${STUB_EXITS_FILE}"
        fi
        if [ "${code}" = 0 ]; then
          # A completed install prints and logs the console password (cmd/openshift-install logComplete:
          # logrus.Infof("Login to the console with user: %q, and password: %q", "kubeadmin", pw)).
          mkdir -p "${dir}/auth"
          printf 'kubeadmin-stub-password' >"${dir}/auth/kubeadmin-password"
          echo 'level=info msg="Login to the console with user: \"kubeadmin\", and password: \"kubeadmin-stub-password\""' \
            >>"${dir}/.openshift_install.log"
          echo 'INFO Login to the console with user: "kubeadmin", and password: "kubeadmin-stub-password"' >&2
        fi
        exit "${code}"
        ;;
    esac
    ;;
  "destroy cluster")
    [ -s "${dir}/metadata.json" ] || fatal "failed to load metadata.json from ${dir}"
    platform="$(jq -r 'if .aws then "aws" elif .gcp then "gcp" elif .azure then "azure" else "" end' "${dir}/metadata.json")"
    # Destroy hands nothing to a cluster: any credentials that authenticate will do (Manual mode rules).
    check_credentials "${platform}" Manual ""
    echo "level=info msg=destroyed" >"${dir}/.openshift_install.log"
    ;;
  *) fatal "stub: ${verb} is not modelled" ;;
esac
