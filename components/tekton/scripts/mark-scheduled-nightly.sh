#!/usr/bin/env bash
# The stream's scheduled nightly CronJob (okd-nightly-<id>, on schedules.nightly) starts no run: its firing is the
# mark. The CronJob controller sets its status.lastScheduleTime when it creates this Job, and the stream's dispatcher
# (dispatch-nightly.sh, okd-dispatch-<id> on nightlyDispatchSchedule) starts a branch-head nightly once that time is
# newer than the newest branch-head nightly, within the stream's throttle (maxUnfinished, minIntervalMinutes), as it
# does for pushes. One dispatcher decides every start of the stream, so a firing can never race it.
#
# Environment:
#   STREAM    stream minor version, e.g. 4.15
# Writes: one line on stdout.
set -euo pipefail

: "${STREAM:?STREAM must be the stream minor version}"
if ! [[ "${STREAM}" =~ ^[0-9]+\.[0-9]+$ ]]; then
  echo "mark-scheduled-nightly: STREAM must look like 4.15, got '${STREAM}'" >&2
  exit 2
fi
echo "mark-scheduled-nightly: the scheduled nightly of ${STREAM} is due; the stream's dispatcher starts it within its throttle"
