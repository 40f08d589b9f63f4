# shellcheck shell=bash
# shellcheck disable=SC2154 # fail, work, stream_dir, MINOR, entry_of and load_index come from release-record.sh
# The release index of one stream (releases/<minor>/index.json), kept in agreement with its records: release-record.sh's
# `sync_index` and what it needs. The including script defines, before it sources this, what lib/rclone-store.sh needs
# and: `stream_dir` (the rclone path of releases/<minor>), MINOR, `entry_of` (the jq expression that makes an index
# entry of a record) and `load_index` (reads the index into ${work}/index.json, an empty one when there is none).
#
# --- The index --------------------------------------------------------------------------------------------------------
# Records are the truth and the index is derived from them, so two runs writing at once can only lose index work,
# never a record. Each writer, after writing its record, brings the index into agreement with the records: it lists
# them, re-reads those whose MD5 differs from the one their index entry was built from, writes the index if anything
# changed, and checks again, until a check finds nothing to change. Every record written before the last index write
# is visible to the check its writer makes after that write, because the three stores list and read with strong
# consistency (S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html#ConsistencyModel; GCS:
# https://cloud.google.com/storage/docs/consistency; Azure Blob:
# https://learn.microsoft.com/azure/storage/blobs/concurrency-manage), so the index ends with every record in it.
# rclone exposes no conditional write (If-Match, generation match) to do this with a precondition instead.
# Entries carry `recordMd5`; a store that lists no MD5 just has every record re-read on each check.

# Objects this run wrote or read, kept in ${work}/known/ with their MD5 in ${work}/known.md5 ("<md5> <name>" lines, the
# last line of a name wins): a listing that shows the same MD5 for the object means the store holds exactly that
# content, so sync_index takes it from here instead of downloading it again (the record just written, the index just
# written or read with the record). A store that lists no MD5 has everything downloaded, as before.
known() {
  local sum _
  mkdir -p "${work}/known"
  cp "$2" "${work}/known/$1"
  read -r sum _ < <(md5sum <"$2")
  printf '%s %s\n' "${sum}" "$1" >>"${work}/known.md5"
}
# jq: the known.md5 lines as an object, name -> MD5.
# shellcheck disable=SC2016 # jq expands these, not the shell
known_md5s='[$known | split("\n")[] | select(. != "") | {key: .[33:], value: .[0:32]}] | from_entries'

# fetch_record <name> <local file>: as `fetch` of <name>.json, with the index read in the same rclone call and kept
# as known (when it is a JSON object), so the sync after this run's write need not download it again when nobody
# changed it meanwhile. 0 when copied, 1 when the listing shows no such record. When that call fails for any reason the
# record is read alone with `fetch`, so a failure to read the index stops the script where it always did, in
# sync_index after the record is written (an index that cannot be read is then tried twice, each with rclone's retries).
fetch_record() {
  local got="${work}/fetch-record"
  rm -rf "${got}"
  printf '+ /%s\n+ /index.json\n- *\n' "$1.json" >"${work}/fetch-record.rules"
  if rclone --quiet copy --filter-from "${work}/fetch-record.rules" "${stream_dir}/" "${got}/" 2>"${work}/rclone.err"; then
    [ -f "${got}/$1.json" ] || return 1 # the copy listed the directory: there is no such record
    mv "${got}/$1.json" "$2"
    if [ -f "${got}/index.json" ] && jq -e 'type == "object"' "${got}/index.json" >/dev/null 2>&1; then
      known index.json "${got}/index.json"
    fi
    return 0
  fi
  fetch "${stream_dir}" "$1.json" "$2"
}

# sync_index [full]: `full` re-reads every record (reindex); otherwise only those the index is stale for.
sync_index() {
  local writes=0 agreed how file
  : >>"${work}/known.md5"
  for _ in $(seq 1 "${INDEX_SYNC_ATTEMPTS:-10}"); do
    list_dir "${stream_dir}" "${work}/listing.json"
    # The index: the copy this run wrote when the listing shows its MD5, else downloaded.
    if jq -e --rawfile known "${work}/known.md5" "(${known_md5s}) as \$k"'
      | any(.[]; .Name == "index.json" and (.Hashes.md5 // "") != "" and .Hashes.md5 == $k["index.json"])
    ' "${work}/listing.json" >/dev/null; then
      cp "${work}/known/index.json" "${work}/index.json"
    else
      load_index
    fi
    # The records to re-read, each marked `known` when the listing shows the content this run wrote, else `fetch`.
    jq -r --slurpfile idx "${work}/index.json" --arg full "${1:-}" --rawfile known "${work}/known.md5" "(${known_md5s}) as \$k"'
      | ([$idx[0].releases[]? | {key: ((.name // "") + ".json"), value: (.recordMd5 // "")}] | from_entries) as $indexed
      | .[] | select(.Name != "index.json" and (.Name | endswith(".json")))
      | select($full != "" or (.Hashes.md5 // "") == "" or $indexed[.Name] != .Hashes.md5)
      | (if (.Hashes.md5 // "") != "" and $k[.Name] == .Hashes.md5 then "known" else "fetch" end) + " " + .Name
    ' "${work}/listing.json" >"${work}/stale.plan"
    rm -rf "${work}/records"
    mkdir -p "${work}/records"
    : >"${work}/stale"
    : >"${work}/stale.fetch"
    while read -r how file; do
      printf '%s\n' "${file}" >>"${work}/stale"
      if [ "${how}" = known ]; then
        cp "${work}/known/${file}" "${work}/records/${file}"
      else
        printf '%s\n' "${file}" >>"${work}/stale.fetch"
      fi
    done <"${work}/stale.plan"
    if [ -s "${work}/stale.fetch" ]; then fetch_many "${stream_dir}" "${work}/stale.fetch" "${work}/records"; fi
    # The next index, in one jq program over the records read now (a record deleted since the listing is absent: the
    # next check settles it): their entries, each with the MD5 of what was read (md5sum -z: NUL-terminated, names
    # never escaped), and the current entries of the records that are still listed and not re-read.
    (
      cd "${work}/records"
      shopt -s nullglob dotglob
      set -- *
      if [ $# -gt 0 ]; then md5sum -z -- "$@" >"${work}/records.md5"; else : >"${work}/records.md5"; fi
      jq -n --slurpfile idx "${work}/index.json" --slurpfile listing "${work}/listing.json" \
        --rawfile stale "${work}/stale" --rawfile sums "${work}/records.md5" --arg minor "${MINOR}" '
        ([$sums | split("\u0000")[] | select(. != "") | {key: .[34:], value: .[0:32]}] | from_entries) as $md5
        | [inputs as $r | input_filename as $f | $r | '"${entry_of}"' + {recordMd5: $md5[$f]}] as $fresh
        | ([$listing[0][].Name] | map({key: ., value: true}) | from_entries) as $listed
        | ($stale | split("\n") | map(select(. != "")) | map({key: ., value: true}) | from_entries) as $reread
        | $idx[0]
        | .releases = ([.releases[]? | select($listed[(.name // "") + ".json"] and ($reread[.name + ".json"] | not))]
                       + $fresh | sort_by(.name) | reverse)
        | .stream = $minor | .updated = (now | todate)
      ' -- "$@" </dev/null
    ) >"${work}/index.write"
    if agreed="$(jq -e --slurpfile next "${work}/index.write" \
      'if .releases == $next[0].releases then (.releases | length) else false end' "${work}/index.json")"; then
      echo "release-record: the index of ${MINOR} agrees with its ${agreed} record(s)"
      return 0
    fi
    # Writers that keep colliding retry at different times.
    if [ "${writes}" -gt 0 ]; then sleep "0.$((RANDOM % 10))"; fi
    # Another run may overwrite the index between rclone's upload and its check of what was stored (rclone re-reads
    # the object on S3 and Azure), which rclone would report as "corrupted on transfer". The agreement check that
    # follows re-reads the index anyway, so rclone's own check is off for this one object.
    store "${stream_dir}/index.json" "${work}/index.write" --ignore-checksum --ignore-size --s3-no-head
    known index.json "${work}/index.write"
    writes=$((writes + 1))
    set -- "" # a full re-read is needed once at most
  done
  fail "the index of ${MINOR} still disagreed with its records after ${INDEX_SYNC_ATTEMPTS:-10} attempts (other runs writing?); run RECORD_ACTION=reindex"
}

