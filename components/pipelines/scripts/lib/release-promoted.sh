# shellcheck shell=bash
# shellcheck disable=SC2154,SC2153 # fail, work, bucket, MINOR, NAME, DIGEST, OUT_FILE, safe_name, stream_dir, promoted_dir,
# claims_dir and the storage functions (lib/rclone-store.sh) come from release-record.sh, which includes this file.
# The promoted state (promoted/<minor>/…, written by the promotion identity only) and how release-record.sh reads and
# writes it: the promoted objects, the published-name claims, and the adoption of promotions older records carry.

# fetch_named <dir> <local dir>: every object <name>.json of <dir> whose <name> is a payload name (never index.json),
# fetched into <local dir> (emptied first); their file names, one a line, in <local dir>.names.
fetch_named() {
  list_dir "$1" "$2.listing"
  jq -r --arg safe "${safe_name}" \
    '.[] | .Name | select(. != "index.json" and endswith(".json")) | select(rtrimstr(".json") | test($safe))' \
    "$2.listing" >"$2.names"
  rm -rf "$2"
  mkdir -p "$2"
  if [ -s "$2.names" ]; then fetch_many "$1" "$2.names" "$2"; fi
}

# load_promoted <minor> <out>: the stream's promoted objects, as one JSON object keyed by payload name ({} when none).
# An object counts only when it is a promotion of the payload its file is named after.
load_promoted() {
  local dir="${bucket}/promoted/$1" got="${work}/promoted-$1"
  fetch_named "${dir}" "${got}"
  echo '{}' >"$2"
  local file
  while IFS= read -r file; do
    [ -f "${got}/${file}" ] || continue
    jq --slurpfile p "${got}/${file}" --arg name "${file%.json}" \
      'if ($p[0] | type) == "object" and $p[0].name == $name and ($p[0].promotion | type) == "object"
       then .[$name] = $p[0] else . end' "$2" >"$2.next"
    mv "$2.next" "$2"
  done <"${got}.names"
}

# with_promotion <record file> <promoted map file>: the record with the promotion promoted/ holds for it, and without
# whatever promotion fields the record itself carries (a record is the records identity's to write).
with_promotion() {
  jq --slurpfile p "$2" '
    del(.promotion, .promotedName, .promotedNameHeld, .promotedNameAt)
    + (($p[0][.name] // null) as $o | if $o == null then {promotion: null}
       else {promotion: $o.promotion} + (if $o.promotedName then {promotedName: $o.promotedName} else {} end) end)
  ' "$1"
}

# --- Published names --------------------------------------------------------------------------------------------------
# OKD/FCOS releases kept the nightly's name (4.15.0-0.okd-2024-03-10-010116, okd-project/okd issues #334 and #345).
# OKD/SCOS releases are published as <minor>.0-okd-scos.<N>, N counting from 0 per minor (4.17.0-okd-scos.0,
# 4.17.0-okd-scos.1 on quay.io/okd/scos-release, stream 4-scos-stable; okd-project/okd issue #2082). An OKD/SCOS
# nightly is one named <minor>.0-0.okd-scos-<time> (assemble-release.sh).
#
# N is the lowest number no other payload of the stream claims, which is the number of releases promoted before
# when none was abandoned. Two promotions may race, and there is no conditional write to allocate with, so a name is
# claimed in two writes of the payload's claim object (promoted/<minor>/claims/<name>.json, which only the promotion
# identity writes): the claim first takes the name (`promotedName`, not yet `promotedNameHeld`); if no other claim
# holds or takes that name the claim becomes held, otherwise it is withdrawn and the run tries again after a random
# pause. Of two runs claiming one name, the later writer's check lists after the earlier one's write and sees it (the
# stores' strong consistency, see "The index"), so at most one of them holds it; both may withdraw, never both hold.
# A held name is never given up: a re-run of the promotion (a retry, or the release Pipeline picking the same nightly
# again) reuses it, and other runs skip it. A name claimed and then abandoned (a promotion that failed after naming and
# is never re-run) stays taken: N then has a gap.

# load_claims <out>: every claim of the stream, as a JSON array.
load_claims() {
  fetch_named "${claims_dir}" "${work}/claims"
  echo '[]' >"$1"
  local file
  while IFS= read -r file; do
    [ -f "${work}/claims/${file}" ] || continue
    jq --slurpfile c "${work}/claims/${file}" --arg name "${file%.json}" \
      'if ($c[0] | type) == "object" and $c[0].name == $name then . + $c[0:1] else . end' "$1" >"$1.next"
    mv "$1.next" "$1"
  done <"${work}/claims.names"
}

# write_claim <name> <digest> <published name or ""> <held: true|false>
write_claim() {
  jq -n --arg name "$1" --arg digest "$2" --arg n "$3" --argjson held "$4" --arg minor "${MINOR}" --arg now "$(now)" '
    {schemaVersion: 1, stream: $minor, name: $name, digest: $digest}
    + (if $n != "" then {promotedName: $n, promotedNameHeld: $held, promotedNameAt: $now} else {} end)
  ' >"${work}/claim.json"
  store "${claims_dir}/$1.json" "${work}/claim.json"
}

published_name() {
  local prefix="${MINOR}.0-okd-scos." claimed held n own
  if [[ "${NAME}" != "${MINOR}.0-0.okd-scos-"* ]]; then
    printf '%s' "${NAME}" >"${OUT_FILE}"
    echo "release-record: ${NAME} is published under its own name"
    return 0
  fi
  load_record "${NAME}"
  [ "$(jq -r '.digest' "${work}/record.json")" = "${DIGEST}" ] || fail "${NAME}: recorded digest differs from ${DIGEST}"
  for attempt in $(seq 1 "${NAME_CLAIM_ATTEMPTS:-10}"); do
    load_claims "${work}/claims.json"
    own="$(jq -c --arg self "${NAME}" '[.[] | select(.name == $self)][0] // {}' "${work}/claims.json")"
    claimed="$(jq -r '.promotedName // ""' <<<"${own}")"
    held="$(jq -r '.promotedNameHeld == true' <<<"${own}")"
    if [ -n "${claimed}" ] && [ "${held}" = "true" ]; then
      printf '%s' "${claimed}" >"${OUT_FILE}"
      echo "release-record: ${NAME} is published as ${claimed}"
      return 0
    fi
    if [ -z "${claimed}" ]; then
      n="$(jq -r --arg self "${NAME}" --arg prefix "${prefix}" '
        [.[] | select(.name != $self) | .promotedName // "" | select(startswith($prefix))
         | ltrimstr($prefix) | select(test("^(0|[1-9][0-9]*)$")) | tonumber] as $taken
        | first(range(0; infinite) | select(. as $n | $taken | any(. == $n) | not))
      ' "${work}/claims.json")"
      claimed="${prefix}${n}"
      write_claim "${NAME}" "${DIGEST}" "${claimed}" false
      load_claims "${work}/claims.json"
    fi
    # A claim a run left unconfirmed (it stopped in between) is checked like a new one.
    rivals="$(jq -r --arg self "${NAME}" --arg n "${claimed}" \
      '[.[] | select(.name != $self and .promotedName == $n) | .name] | join(", ")' "${work}/claims.json")"
    if [ -z "${rivals}" ]; then
      write_claim "${NAME}" "${DIGEST}" "${claimed}" true
      # Another run promoting this same nightly may have written its own claim over this one meanwhile: go by the
      # stored claim, not by what this run wrote.
      load_claims "${work}/claims.json"
      if [ "$(jq -r --arg self "${NAME}" '[.[] | select(.name == $self)][0].promotedName // ""' "${work}/claims.json")" != "${claimed}" ]; then
        continue
      fi
      printf '%s' "${claimed}" >"${OUT_FILE}"
      echo "release-record: ${NAME} is published as ${claimed}"
      return 0
    fi
    echo "release-record: ${claimed} is also claimed by ${rivals}; withdrawing and trying again (attempt ${attempt})" >&2
    write_claim "${NAME}" "${DIGEST}" "" false
    sleep "$((RANDOM % 3)).$((RANDOM % 10))"
  done
  fail "could not claim a release name for ${NAME} in ${NAME_CLAIM_ATTEMPTS:-10} attempts (other promotions of ${MINOR} running?)"
}

# --- Adoption of promotions older records carry ----------------------------------------------------------------------
# Sites whose records still carry the promotion (written before promoted/ existed) have an empty promoted/ until those
# promotions are copied there: readers would find no upgrade edge, skip the upgrade gate and restart published names at
# .0. The promote Task runs `adopt` first, as the promotion identity, so the first promotion after an upgrade does it;
# `previous`, `name` and `promote` refuse to run (require_adopted) while a stream has promotions left to adopt.
# Adoption trusts what the records say, as every reader did before, so it happens once per stream: it leaves the marker
# promoted/<minor>/adopted, and after that a promotion a record carries is never read again (a records identity could
# have written it; see the header of release-record.sh).
adopted_marker="adopted"

# legacy_promotions <minor> <records dir> <out>: fetches the stream's records into <records dir> and writes to <out>
# the names of those carrying a promotion that promoted/<minor>/ lacks, one a line.
legacy_promotions() {
  local dir="${bucket}/releases/$1" file r name
  fetch_named "${dir}" "$2"
  load_promoted "$1" "$3.promoted"
  : >"$3"
  while IFS= read -r file; do
    r="$2/${file}"
    [ -f "${r}" ] || continue
    name="$(jq -r '.name // ""' "${r}")"
    [ "${name}.json" = "${file}" ] || continue
    jq -e '.promotion | type == "object"' "${r}" >/dev/null || continue
    jq -e --arg n "${name}" 'has($n)' "$3.promoted" >/dev/null && continue
    printf '%s\n' "${name}" >>"$3"
  done <"$2.names"
}

# require_adopted <minor>: stops the script, naming `adopt`, while the stream has promotions left to adopt.
require_adopted() {
  fetch "${bucket}/promoted/$1" "${adopted_marker}" "${work}/adopted-$1" && return 0
  legacy_promotions "$1" "${work}/legacy-records-$1" "${work}/legacy-$1"
  [ -s "${work}/legacy-$1" ] || return 0
  fail "releases/$1/ has promotions not yet in promoted/$1/ ($(paste -sd, "${work}/legacy-$1")): run RECORD_ACTION=adopt MINOR=$1 as the promotion identity (the promote Task does it as its first step; docs/pipelines.md, \"Durable release state\")"
}

adopt_promotions() {
  local adopted=0 name r
  if fetch "${promoted_dir}" "${adopted_marker}" "${work}/adopted.json"; then
    echo "release-record: promoted/${MINOR}/ adopted the records' promotions on $(jq -r '.at' "${work}/adopted.json"); nothing to adopt"
    return 0
  fi
  legacy_promotions "${MINOR}" "${work}/records" "${work}/legacy"
  while IFS= read -r name; do
    r="${work}/records/${name}.json"
    jq '{schemaVersion: 1, stream, name, digest, pullSpec} + (if .promotedName then {promotedName} else {} end)
        + {promotion, adoptedFromRecord: true}' "${r}" >"${work}/adopt.json"
    store "${promoted_dir}/${name}.json" "${work}/adopt.json"
    if [ "$(jq -r '.promotedName // ""' "${r}")" != "" ]; then
      write_claim "${name}" "$(jq -r .digest "${r}")" "$(jq -r .promotedName "${r}")" true
    fi
    adopted=$((adopted + 1))
  done <"${work}/legacy"
  jq -n --arg now "$(now)" --argjson n "${adopted}" '{schemaVersion: 1, at: $now, adopted: $n}' >"${work}/adopted.json"
  store "${promoted_dir}/${adopted_marker}" "${work}/adopted.json"
  echo "release-record: adopted ${adopted} promotion(s) of ${MINOR} into promoted/${MINOR}/"
}
