# shellcheck shell=bash
# When a stream's scheduled nightly is due, as one jq definition that dispatch-nightly.sh (which starts it) and
# start-status-render.sh (which shows it waiting) both prefix to their programs, so the page never says otherwise than
# the dispatcher decides: due when its CronJob last fired (status.lastScheduleTime, here epoch seconds or null) after
# the newest nightly that built every branch head (no revisions) was created (epoch seconds, null without any).
# shellcheck disable=SC2034,SC2016 # used by the scripts that source it; $… is jq's, not the shell's
scheduled_due_jq='def scheduled_due($fired; $heads): $fired != null and ($heads == null or $fired > $heads);'
