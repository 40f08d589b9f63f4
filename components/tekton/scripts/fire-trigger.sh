#!/usr/bin/env bash
# Fires one stream's pipeline through the internal (cluster-only) EventListener, as a CronJob does on schedule.
#
# Week parity: with EVERY_WEEKS=N the request is sent only in weeks whose index is a multiple of N. Weeks are
# counted from the Unix epoch and start on Monday 00:00 UTC ((days since 1970-01-01 + 3) / 7), so a weekly schedule
# alternates exactly even across years, unlike ISO week numbers (a 53-week year would give two odd weeks in a row).
#
# Environment:
#   LISTENER_URL  URL of the internal EventListener, e.g. http://el-okd-schedule.okd-builds.svc.cluster.local:8080
#   STREAM        stream minor version, e.g. 4.15
#   PIPELINE      nightly or release
#   BRANCH        the stream's branch, passed on as the revision to build
#   EVERY_WEEKS   fire in one week out of this many (default 1: every firing)
# Writes: the listener's answer on stdout.
set -euo pipefail

: "${LISTENER_URL:?LISTENER_URL must be the internal EventListener URL}"
: "${STREAM:?STREAM must be the stream minor version}"
: "${PIPELINE:?PIPELINE must be nightly or release}"
: "${BRANCH:?BRANCH must be the stream branch}"
every="${EVERY_WEEKS:-1}"

if ! [[ "$STREAM" =~ ^[0-9]+\.[0-9]+$ ]]; then
  echo "fire-trigger: STREAM must look like 4.15, got '$STREAM'" >&2
  exit 2
fi
case "$PIPELINE" in
  nightly | release) ;;
  *)
    echo "fire-trigger: PIPELINE must be nightly or release, got '$PIPELINE'" >&2
    exit 2
    ;;
esac
if ! [[ "$BRANCH" =~ ^[A-Za-z0-9._/-]+$ ]]; then
  echo "fire-trigger: BRANCH has characters a git branch of ours never has: '$BRANCH'" >&2
  exit 2
fi
if ! [[ "$every" =~ ^[1-9][0-9]*$ ]]; then
  echo "fire-trigger: EVERY_WEEKS must be a whole number of at least 1, got '$every'" >&2
  exit 2
fi

now="$(date -u +%s)"
week=$(((now / 86400 + 3) / 7))
if ((week % every != 0)); then
  echo "fire-trigger: week $week is not one of every $every weeks: $PIPELINE of $STREAM not fired"
  exit 0
fi

# No repository pushed: the bindings pass an empty trigger-repository and no revisions (every branch head) to the run.
body="$(printf '{"stream":"%s","pipeline":"%s","branch":"%s","repository":"","revisions":"","week":%d}' \
  "$STREAM" "$PIPELINE" "$BRANCH" "$week")"
echo "fire-trigger: firing $PIPELINE of $STREAM (week $week)"
curl --fail-with-body --silent --show-error \
  --retry 5 --retry-connrefused --retry-delay 10 --max-time 30 \
  --header 'Content-Type: application/json' \
  --data "$body" \
  "$LISTENER_URL"
echo
