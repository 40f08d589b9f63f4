// Command tekton-validate checks rendered Kubernetes objects the way the cluster that runs them would: Tekton
// Pipelines' and Triggers' own admission webhooks, the PipelineRun and TaskRun reconcilers' checks before anything
// runs, and the API server's admission of every TaskRun pod (LimitRange defaulting, pod validation, LimitRange and
// ResourceQuota limits).
//
// Usage:
//
//	tekton-validate [--report FILE] [PATH ...]
//
// Each PATH is a YAML or JSON file (several documents allowed) or a directory of them (*.yaml, *.yml, *.json, not
// recursive); no PATH or "-" reads standard input. All objects are checked together: a PipelineRun is checked
// against the Pipeline it names, and TaskRun pods against the namespace's LimitRanges and ResourceQuotas and the
// ServiceAccounts they run as, all taken from the same objects.
//
// Tekton's configuration (the `feature-flags` and `config-defaults` ConfigMaps in `tekton-pipelines`) is read from
// the objects too: okd-ci renders its ConfigMapPatch objects as ConfigMaps, so the flags checked are the ones the
// site deploys; keys they leave out keep Tekton's defaults, as on the cluster.
//
// Output: one line per problem, `FILE: KIND/NAME: FIELD: MESSAGE`, on standard output; a summary on standard
// error. --report writes every TaskRun pod as admitted (containers' requests and limits, pod totals) as JSON.
// Exit status: 0 no problem, 1 problems, 2 unusable input.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("tekton-validate", flag.ContinueOnError)
	flags.SetOutput(stderr)
	report := flags.String("report", "", "write the admitted TaskRun pods as JSON to this file")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: tekton-validate [--report FILE] [PATH ...]   (no PATH or - reads stdin)")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	paths := flags.Args()
	if len(paths) == 0 {
		paths = []string{"-"}
	}

	objects, err := loadAll(paths, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "tekton-validate: %v\n", err)
		return 2
	}

	v := newValidator(context.Background(), objects)
	v.run()

	sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].sortKey() < v.problems[j].sortKey() })
	for _, p := range v.problems {
		fmt.Fprintln(stdout, p.String())
	}
	if *report != "" {
		data, err := json.MarshalIndent(v.pods, "", "  ")
		if err == nil {
			err = os.WriteFile(*report, append(data, '\n'), 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "tekton-validate: writing %s: %v\n", *report, err)
			return 2
		}
	}
	fmt.Fprintf(stderr, "tekton-validate: %d objects (%s); %s; %d TaskRun pods admitted; %d problems\n",
		len(objects), kindCounts(objects), v.configSource, len(v.pods), len(v.problems))
	if len(v.problems) > 0 {
		return 1
	}
	return 0
}

// problem is one finding, located by the file and object it comes from.
type problem struct {
	File    string
	Kind    string
	Name    string
	Field   string
	Message string
}

func (p problem) String() string {
	field := p.Field
	if field == "" {
		field = "-"
	}
	return fmt.Sprintf("%s: %s/%s: %s: %s", p.File, p.Kind, p.Name, field, oneLine(p.Message))
}

func (p problem) sortKey() string { return p.String() }

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func kindCounts(objects []*object) string {
	counts := map[string]int{}
	for _, o := range objects {
		counts[o.Kind]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	return strings.Join(parts, ", ")
}
