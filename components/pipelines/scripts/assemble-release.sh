#!/usr/bin/env bash
# Assembles the nightly payload: the base payload with every image this run rebuilt overriding its component,
# mirrored into the content repository and pushed as <release repo>:<name>.
#
# Each rebuilt component is taken exactly as its build reported it (the build TaskRun's BUILT result, which Tekton
# Chains signs with that TaskRun): by digest, with the source and commit the clone step recorded. Nothing is
# resolved from a tag (any holder of push rights on the components repository can move one between build and
# assembly) and no image label is read (the image's own content, which its Containerfile controls, writes those).
#
# Arguments: one JSON object per rebuilt component, {"component", "image": <COMPONENTS_REPO>@sha256:…, "source",
#   "commit"} (the nightly passes the BUILT results of every build batch, which Tekton aggregates per matrix), or
#   {"component", "failed": <why>, "taskRun"} when that build failed (build-report.sh): the payload then keeps the
#   base payload's image for the tag (no override, so `oc adm release new --from-release` carries it over) and the
#   record lists the component under `fallbacks`, never under `sources` (what this run built).
# Reads:
#   MINOR               stream, e.g. 4.15; names the payload 4.15.0-0.<NAME_STREAM>-YYYY-MM-DD-HHMMSS (UTC)
#   NAME_STREAM         okd or okd-scos
#   BASE_PAYLOAD        pull spec of the payload the stream starts from
#   RELEASE_REPO        repository of nightly payloads
#   CONTENT_REPO        repository every component image is mirrored into
#   COMPONENTS_REPO     repository the component builds pushed to
#   COMPONENTS          payload tags rebuilt this run, space-separated: exactly one argument must name each
#   NODE_IMAGES         the node OS images, one line per payload tag: `<tag>=<repository>@<digest>[ <configured as>]`
#                       (OKD/FCOS: this run's machine-os as fedora-coreos and machine-os-content; OKD/SCOS: the
#                       pinned CentOS Stream CoreOS as stream-coreos and its extensions as stream-coreos-extensions)
#   PREVIOUS_FILE       optional file with comma-separated earlier promoted releases (--previous upgrade edges)
#   TLS_VERIFY          "true" or "false"
#   REGISTRY_AUTH_FILE  optional container auth file (also read by skopeo itself)
# Writes:
#   OUT_FILE            JSON: name, pullSpec, digest, basePayload, sources (every tag this run set: image by digest,
#                       and where it came from), fallbacks (each component whose build failed: why, its TaskRun and the
#                       image the payload kept), previous (read by release-record.sh)
#   RESULT_NAME, RESULT_PULLSPEC, RESULT_IMAGE_URL, RESULT_IMAGE_DIGEST, RESULT_TESTS_IMAGE (files)
set -euo pipefail

for var in MINOR NAME_STREAM BASE_PAYLOAD RELEASE_REPO CONTENT_REPO COMPONENTS_REPO NODE_IMAGES TLS_VERIFY \
  OUT_FILE RESULT_NAME RESULT_PULLSPEC RESULT_IMAGE_URL RESULT_IMAGE_DIGEST RESULT_TESTS_IMAGE; do
  if [ -z "${!var:-}" ]; then
    echo "assemble-release: ${var} is required" >&2
    exit 2
  fi
done

oc_flags=()
if [ "${TLS_VERIFY}" != "true" ]; then oc_flags+=(--insecure=true); fi
if [ -n "${REGISTRY_AUTH_FILE:-}" ]; then oc_flags+=(--registry-config="${REGISTRY_AUTH_FILE}"); fi

# The digest of the manifest bytes exactly as served (never through a shell variable, which drops a final newline).
digest_of() {
  local sum
  sum="$(skopeo inspect --raw --tls-verify="${TLS_VERIFY}" "docker://$1" | sha256sum)" || return 1
  printf 'sha256:%s' "${sum%% *}"
}

# Each node image by digest.
overrides=()
sources='{}'
node_digests=()
while read -r mapping from; do
  [ -n "${mapping}" ] || continue
  tag="${mapping%%=*}" image="${mapping#*=}"
  if ! [[ "${tag}" =~ ^[a-z0-9][a-z0-9.-]*$ && "${image}" =~ ^[^@[:space:]]+@sha256:[a-f0-9]{64}$ ]]; then
    echo "assemble-release: NODE_IMAGES line '${mapping}' is not <tag>=<repository>@sha256:<digest>" >&2
    exit 2
  fi
  overrides+=("${tag}=${image}")
  node_digests+=("${image#*@}")
  sources="$(jq --arg t "${tag}" --arg image "${image}" --arg from "${from}" \
    '.[$t] = ({image: $image} + (if $from == "" then {} else {from: $from} end))' <<<"${sources}")"
done <<<"${NODE_IMAGES}"
if [ "${#node_digests[@]}" -eq 0 ]; then
  echo "assemble-release: NODE_IMAGES names no node image" >&2
  exit 2
fi
# The builds' reports: each a component of COMPONENTS, once, by digest in the components repository.
built='{}'
failed='{}'
for report in "$@"; do
  if entry="$(jq -ce 'select(type == "object" and (.component | type) == "string" and (.failed | type) == "string"
      and ((.taskRun // "") | type) == "string")' <<<"${report}" 2>/dev/null)"; then
    component="$(jq -r .component <<<"${entry}")"
  elif entry="$(jq -ce 'select(type == "object" and (.component | type) == "string" and (.image | type) == "string"
      and ((.source // "") | type) == "string" and ((.commit // "") | type) == "string")' <<<"${report}" 2>/dev/null)"; then
    component="$(jq -r .component <<<"${entry}")" image="$(jq -r .image <<<"${entry}")"
  else
    echo "assemble-release: a build reported '${report}', not {\"component\", \"image\", \"source\", \"commit\"} nor {\"component\", \"failed\"}" >&2
    exit 2
  fi
  if ! [[ " ${COMPONENTS:-} " == *" ${component} "* ]]; then
    echo "assemble-release: a build reported component '${component}', which this run does not build (${COMPONENTS:-none})" >&2
    exit 1
  fi
  if [ "$(jq --arg c "${component}" 'has($c)' <<<"${built}")" = "true" ] \
    || [ "$(jq --arg c "${component}" 'has($c)' <<<"${failed}")" = "true" ]; then
    echo "assemble-release: two builds reported component ${component}" >&2
    exit 1
  fi
  if [ "$(jq 'has("failed")' <<<"${entry}")" = "true" ]; then
    echo "assemble-release: the ${component} build failed ($(jq -r .failed <<<"${entry}")); keeping the base payload's image" >&2
    failed="$(jq --arg c "${component}" --argjson e "${entry}" '.[$c] = $e' <<<"${failed}")"
    continue
  fi
  if ! [[ "${image}" =~ ^(.+)@(sha256:[a-f0-9]{64})$ ]] || [ "${BASH_REMATCH[1]}" != "${COMPONENTS_REPO}" ]; then
    echo "assemble-release: the ${component} build reported '${image}', not ${COMPONENTS_REPO}@sha256:<digest>" >&2
    exit 1
  fi
  if [ "$(digest_of "${image}" 2>/dev/null || true)" != "${BASH_REMATCH[2]}" ]; then
    echo "assemble-release: ${image} (the ${component} build's image) is not in the registry" >&2
    exit 1
  fi
  built="$(jq --arg c "${component}" --argjson e "${entry}" '.[$c] = $e' <<<"${built}")"
done
for component in ${COMPONENTS:-}; do
  if [ "$(jq --arg c "${component}" 'has($c)' <<<"${failed}")" = "true" ]; then continue; fi
  if [ "$(jq --arg c "${component}" 'has($c)' <<<"${built}")" != "true" ]; then
    echo "assemble-release: no build reported ${component}; did its build succeed?" >&2
    exit 1
  fi
  image="$(jq -r --arg c "${component}" '.[$c].image' <<<"${built}")"
  overrides+=("${component}=${image}")
  sources="$(jq --arg c "${component}" --argjson b "${built}" \
    '.[$c] = ($b[$c] | {image, source: (.source // ""), commit: (.commit // "")})' <<<"${sources}")"
done

# The release image is the cluster-version-operator image plus the release-manifests layer. With --from-release, oc
# builds it on the image the base payload's io.openshift.release.base-image-digest label names (the base payload's
# CVO) unless --to-image-base says otherwise, even when the cluster-version-operator tag is overridden
# (openshift/oc pkg/cli/admin/release/new.go, the --from-release branch, @ae1bd9e4a75b): a rebuilt CVO is the base.
base_flags=()
if [ "$(jq 'has("cluster-version-operator")' <<<"${built}")" = "true" ]; then
  base_flags+=(--to-image-base="$(jq -r '.["cluster-version-operator"].image' <<<"${built}")")
fi

previous=""
if [ -n "${PREVIOUS_FILE:-}" ] && [ -s "${PREVIOUS_FILE}" ]; then previous="$(tr -d '\n' <"${PREVIOUS_FILE}")"; fi
previous_flags=()
if [ -n "${previous}" ]; then previous_flags+=(--previous="${previous}"); fi

name="${MINOR}.0-0.${NAME_STREAM}-$(date -u +%Y-%m-%d-%H%M%S)"
pullspec="${RELEASE_REPO}:${name}"
echo "assemble-release: ${name} from ${BASE_PAYLOAD} with ${#overrides[@]} override(s)"
oc adm release new "${oc_flags[@]}" \
  --from-release="${BASE_PAYLOAD}" \
  --name="${name}" \
  --keep-manifest-list=true \
  --mirror="${CONTENT_REPO}" \
  --to-image="${pullspec}" \
  "${base_flags[@]}" \
  "${previous_flags[@]}" \
  "${overrides[@]}"

digest="$(digest_of "${pullspec}")"
info="$(oc adm release info "${oc_flags[@]}" --output=json "${RELEASE_REPO}@${digest}")"
# A node image of the base payload left in place (a tag NODE_IMAGES misses) would ship two machine-os versions.
stale="$(jq -r --argjson digests "$(printf '%s\n' "${node_digests[@]}" | jq -R . | jq -s .)" '.references.spec.tags[]
  | select((.annotations["io.openshift.build.versions"] // "") | test("(^|,)machine-os="))
  | select((.from.name | split("@")[1]) as $d | $digests | index($d) | not)
  | "\(.name) (\(.annotations["io.openshift.build.versions"]))"' <<<"${info}")"
if [ -n "${stale}" ]; then
  echo "assemble-release: ${pullspec} still carries the base payload's node image at:" $'\n'"${stale}" >&2
  echo "assemble-release: the stream's node images must replace those tags too (NODE_IMAGES, from the variant's node tags)" >&2
  exit 1
fi
# Each failed component: the image the payload kept for its tag. A tag the base payload lacks is not in the payload.
fallbacks="$(jq -c --argjson failed "${failed}" '[.references.spec.tags as $tags | $failed | to_entries[]
  | .key as $c | .value | {component: $c, reason: .failed} + (if (.taskRun // "") == "" then {} else {taskRun} end)
  + (if .infrastructure == true then {infrastructure: true} else {} end)
  + {image: ([$tags[] | select(.name == $c) | .from.name][0] // null)}]' <<<"${info}")"
missing="$(jq -r '[.[] | select(.image == null) | .component] | join(" ")' <<<"${fallbacks}")"
if [ -n "${missing}" ]; then
  echo "assemble-release: the build of ${missing} failed and the base payload ${BASE_PAYLOAD} has no such tag to keep" >&2
  exit 1
fi
tests_image="$(jq -r '.references.spec.tags[] | select(.name == "tests") | .from.name' <<<"${info}")"
if [ -z "${tests_image}" ]; then
  echo "assemble-release: ${pullspec} has no tests image; the e2e gates need one" >&2
  exit 1
fi

jq -n --arg name "${name}" --arg pullSpec "${pullspec}" --arg digest "${digest}" --arg base "${BASE_PAYLOAD}" \
  --arg previous "${previous}" --argjson sources "${sources}" --argjson fallbacks "${fallbacks}" \
  '{name: $name, pullSpec: $pullSpec, digest: $digest, basePayload: $base, sources: $sources, fallbacks: $fallbacks,
    previous: ($previous | split(",") | map(select(. != "")))}' >"${OUT_FILE}"
printf '%s' "${name}" >"${RESULT_NAME}"
printf '%s' "${pullspec}" >"${RESULT_PULLSPEC}"
printf '%s' "${RELEASE_REPO}" >"${RESULT_IMAGE_URL}"
printf '%s' "${digest}" >"${RESULT_IMAGE_DIGEST}"
printf '%s' "${tests_image}" >"${RESULT_TESTS_IMAGE}"
echo "assemble-release: ${pullspec}@${digest}"
