// cron-parse-standard checks schedules exactly as Kubernetes validates a CronJob's spec.schedule: with
// github.com/robfig/cron/v3's ParseStandard (kubernetes/kubernetes pkg/apis/batch/validation/validation.go,
// validateScheduleFormat). It reads one schedule per line on stdin and prints, per line, "ok" or "error: <message>".
// The tests run it against the schedule rules in components/shared/cron.ts, so the TypeScript port cannot drift from the
// parser Kubernetes uses.
package main

import (
	"bufio"
	"fmt"
	"os"

	"github.com/robfig/cron/v3"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		if _, err := cron.ParseStandard(in.Text()); err != nil {
			fmt.Fprintf(out, "error: %s\n", err)
		} else {
			fmt.Fprintln(out, "ok")
		}
	}
}
