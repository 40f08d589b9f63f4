#!/usr/bin/env bash
# Points every image a component's Containerfile pulls (FROM lines, COPY --from=<image>, ARG defaults) that lives in
# the OpenShift CI registry's `ocp` namespace (login-only, RHEL content) at an image the site can pull:
#
#   ocp/builder:rhel-N-golang-G-openshift-V   → BUILDER_IMAGE, with {rhel} {go} {ocp} filled from the tag (default:
#                                               the public CI build root registry.ci.openshift.org/openshift/release:
#                                               rhel-N-release-golang-G-openshift-V that ocp/builder is re-wrapped from)
#   ocp/builder:rhel-N-base-openshift-V,      → BASE_IMAGE, the OKD base image (origin/<minor>:base for OKD/FCOS and
#   ocp/<V>:base, :base-rhel8, :base-rhel9      SCOS before 4.16, origin/scos-<minor>:base-stream9 for SCOS from 4.16,
#                                               as OpenShift CI's __okd / __okd-scos variants build them `from:`)
#   ocp/<V>:<payload tag>                     → that image of this run (by the digest an earlier batch's build
#                                               reported, the arguments), else of the base payload (`oc adm release
#                                               info --image-for`),
#                                               as ci-operator does for `from: installer` (installer-artifacts)
# The legacy host registry.svc.ci.openshift.org counts as the same registry. Anything else in `ocp` fails the build
# here, by name, rather than at pull time. Other references (quay.io, origin/…, openshift/release:…, stage names,
# scratch) are left alone. `AS <stage>` and `--platform` flags are kept: only the reference changes.
#
# FINAL_FROM then does what ci-operator's `from:` does: ci-operator builds images with OpenShift Builds, whose Docker
# strategy `from` replaces the image of the last FROM instruction, whatever it names (docs.okd.io "Build strategies",
# "Replacing the Dockerfile FROM image"). The okd-scos configurations rely on it: operator-framework/operator-marketplace
# Dockerfile.okd ends with `FROM registry.ci.openshift.org/origin/<minor>:base` and is built `from:
# origin_scos-<minor>_base-stream9` (openshift/release ci-operator/config/operator-framework/operator-marketplace/
# operator-framework-operator-marketplace-release-4.22__okd-scos.yaml).
#
# Reads:
#   CONTAINERFILE       the component's Containerfile, edited in place
#   BUILDER_IMAGE       the Go builder image; may contain {rhel}, {go} and {ocp}
#   BASE_IMAGE          the OKD base image
#   BASE_PAYLOAD        the stream's base payload, for payload-tag stages
#   arguments           the BUILT results of this run's earlier batches, one JSON object each (build-report.sh):
#                       {"component", "image": <repository>@sha256:<digest>, …} or {"component", "failed", …}. Only
#                       the digest a build reported is used, never a tag, which any later build could move
#   RUN_COMPONENTS      optional, space-separated payload tags this run builds (a stage naming one of them that an
#                       earlier batch did not build must wait for it: an error, never the base payload's stale image)
#   FINAL_FROM          optional: what the last FROM is replaced with: `base` (BASE_IMAGE) or a payload tag (this
#                       run's image of it, else the base payload's); empty: the Containerfile's own
#   TLS_VERIFY          optional, default true (oc --insecure when false)
#   REGISTRY_AUTH_FILE  optional container auth file for oc
# Writes:
#   $CONTAINERFILE      with the references replaced; one line per replacement on stdout
set -euo pipefail

for var in CONTAINERFILE BUILDER_IMAGE BASE_IMAGE BASE_PAYLOAD; do
  if [ -z "${!var:-}" ]; then
    echo "substitute-builder: ${var} is required" >&2
    exit 2
  fi
done
if [ ! -f "${CONTAINERFILE}" ]; then
  echo "substitute-builder: ${CONTAINERFILE} does not exist in the cloned repository" >&2
  exit 1
fi

oc_flags=()
if [ "${TLS_VERIFY:-true}" != "true" ]; then oc_flags+=(--insecure=true); fi
if [ -n "${REGISTRY_AUTH_FILE:-}" ]; then oc_flags+=(--registry-config="${REGISTRY_AUTH_FILE}"); fi

declare -A run_images=() run_failed=()
for built in "$@"; do
  if ! entry="$(jq -er 'if (.component | type) == "string" and (.component | test("^[a-z0-9][-a-z0-9.]*$"))
      then if (.image | type) == "string" then "image\t\(.component)\t\(.image)"
           elif has("failed") then "failed\t\(.component)\t\(.failed | tostring)" else error end
      else error end' <<<"${built}" 2>/dev/null)"; then
    echo "substitute-builder: an earlier build's result is not a BUILT object: ${built:0:200}" >&2
    exit 2
  fi
  IFS=$'\t' read -r kind component value <<<"${entry}"
  if [ "${kind}" = failed ]; then
    run_failed["${component}"]="${value}"
  elif [[ "${value}" =~ ^[^@[:space:]]+@sha256:[a-f0-9]{64}$ ]]; then
    run_images["${component}"]="${value}"
  else
    echo "substitute-builder: the earlier build of ${component} reported ${value}, not <repository>@sha256:<digest>" >&2
    exit 2
  fi
done
read -r -a run_components <<<"${RUN_COMPONENTS:-}"

fail() {
  echo "substitute-builder: ${CONTAINERFILE}: $*" >&2
  exit 1
}

# The image of payload tag $1 (wanted by $2): this run's if an earlier batch built it, else the base payload's.
payload_image() {
  local tag="$1" ref="$2" c image
  if [ -n "${run_images[${tag}]:-}" ]; then
    printf '%s' "${run_images[${tag}]}"
    return
  fi
  if [ -n "${run_failed[${tag}]:-}" ]; then
    fail "${ref} is this run's ${tag} image, whose build failed (${run_failed[${tag}]}); not the base payload's stale one"
  fi
  for c in "${run_components[@]}"; do
    if [ "${c}" = "${tag}" ]; then
      fail "${ref} is this run's ${tag} image, which is not built yet; ${tag} must build in an earlier batch"
    fi
  done
  if ! image="$(oc adm release info "${oc_flags[@]}" --image-for="${tag}" "${BASE_PAYLOAD}" 2>&1)"; then
    fail "${ref} names the payload image ${tag}, which ${BASE_PAYLOAD} does not give: ${image}"
  fi
  printf '%s' "${image}"
}

# The image the site pulls instead of $1 (a CI-registry reference), or a failure naming it.
substitute() {
  local ref="$1" path tag
  path="${ref#*/}"
  tag="${path##*:}"
  case "${path}" in
    ocp/builder:*)
      if [[ "${tag}" =~ ^rhel-([0-9]+)-golang-([0-9.]+)-openshift-([0-9.]+)$ ]]; then
        local image="${BUILDER_IMAGE}"
        image="${image//\{rhel\}/${BASH_REMATCH[1]}}"
        image="${image//\{go\}/${BASH_REMATCH[2]}}"
        printf '%s' "${image//\{ocp\}/${BASH_REMATCH[3]}}"
      elif [[ "${tag}" =~ ^rhel-[0-9]+-base(-openshift-[0-9.]+)?$ ]]; then
        printf '%s' "${BASE_IMAGE}"
      else
        fail "${ref} is an OCP builder with no public counterpart here (only rhel-N-golang-G-openshift-V and rhel-N-base-openshift-V are substituted)"
      fi
      ;;
    ocp/*:base | ocp/*:base-rhel8 | ocp/*:base-rhel9)
      printf '%s' "${BASE_IMAGE}"
      ;;
    ocp/[0-9]*.[0-9]*:*)
      payload_image "${tag}" "${ref}"
      ;;
    ocp/*)
      fail "${ref} is in the login-only ocp namespace and has no public counterpart here"
      ;;
    *)
      printf '%s' "${ref}"
      ;;
  esac
}

# Image references on the lines that pull: FROM (after any --flags), COPY/ADD --from=, ARG defaults.
mapfile -t refs < <(
  grep -iE '^[[:space:]]*(FROM|COPY|ADD|ARG)[[:space:]]' "${CONTAINERFILE}" \
    | grep -oiE '(registry\.ci\.openshift\.org|registry\.svc\.ci\.openshift\.org)/[a-z0-9._/-]+:[A-Za-z0-9._-]+' \
    | sort -u
)
escape() { sed -e 's/[][\.*^$|/]/\\&/g' <<<"$1"; }
replacement() { sed -e 's/[&|\\/]/\\&/g' <<<"$1"; }
for ref in "${refs[@]}"; do
  image="$(substitute "${ref}")"
  [ "${image}" != "${ref}" ] || continue
  pattern="(^|[[:space:]=\"])$(escape "${ref}")([[:space:]\"]|\$)"
  sed -E -i "/^[[:space:]]*(FROM|COPY|ADD|ARG)[[:space:]]/I s/${pattern}/\\1$(replacement "${image}")\\2/g" \
    "${CONTAINERFILE}"
  echo "substitute-builder: ${ref} → ${image}"
done
if [ -n "${FINAL_FROM:-}" ]; then
  last="$(grep -niE '^[[:space:]]*FROM[[:space:]]' "${CONTAINERFILE}" | tail -n 1 | cut -d: -f1)"
  [ -n "${last}" ] || fail "has no FROM instruction for from: ${FINAL_FROM} to replace"
  if [ "${FINAL_FROM}" = base ]; then
    final="${BASE_IMAGE}"
  else
    final="$(payload_image "${FINAL_FROM}" "from: ${FINAL_FROM}")"
  fi
  # The first word after FROM and its --flags is the image; `AS <stage>` and the flags stay.
  replaced="$(awk -v n="${last}" 'NR == n { i = 2; while (i <= NF && substr($i, 1, 2) == "--") i++; print $i }' \
    "${CONTAINERFILE}")"
  awk -v n="${last}" -v image="${final}" '
    NR == n {
      out = $1; i = 2
      while (i <= NF && substr($i, 1, 2) == "--") { out = out " " $i; i++ }
      out = out " " image; i++
      for (; i <= NF; i++) out = out " " $i
      print out; next
    }
    { print }' "${CONTAINERFILE}" >"${CONTAINERFILE}.final"
  mv "${CONTAINERFILE}.final" "${CONTAINERFILE}"
  echo "substitute-builder: final stage ${replaced} → ${final} (from: ${FINAL_FROM})"
fi
if left="$(grep -inE '^[[:space:]]*(FROM|COPY|ADD|ARG)[[:space:]].*registry\.(svc\.)?ci\.openshift\.org/ocp/' "${CONTAINERFILE}")"; then
  fail "still pulls from the ocp namespace:"$'\n'"${left}"
fi
echo "substitute-builder: ${#refs[@]} CI-registry reference(s) checked in ${CONTAINERFILE}"
