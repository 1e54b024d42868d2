package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulkhead-dev/bulkhead/ledger"
	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/spf13/cobra"
)

// newWorkspaceUsageCmd is `workspace usage ID`: the workspace's usage
// ledger over a time range, as totals and, with --runs, one line a run.
func newWorkspaceUsageCmd(g *globals, complete cobra.CompletionFunc) *cobra.Command {
	var since, until time.Duration
	var asJSON, runs bool
	c := &cobra.Command{
		Use:   "usage ID",
		Short: "Show what a workspace's runs used: tokens, calls, jail CPU, bytes, cost",
		Long: "Shows the totals of the workspace's usage ledger for the runs that ended in a time range\n" +
			"(by default the last 24 hours): model tokens as the providers reported them, model and tool\n" +
			"calls, the jails' CPU time and peak memory from their cgroups, bytes written, wall time and\n" +
			"estimated cost. --runs adds one line a run; --json prints the report as one JSON object.",
		Args:              idArgs("workspace", 1),
		ValidArgsFunction: complete,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case since < 0:
				return usage(fmt.Errorf("invalid --since %s: want a positive duration", since))
			case until < 0 || until > since:
				return usage(fmt.Errorf("invalid --until %s: want 0 (now) up to --since", until))
			}
			return g.withPlatform(func(p *runtime.Platform) error {
				ws, err := p.Workspace(args[0])
				if err != nil {
					return err
				}
				now := time.Now()
				to := time.Time{}
				if until > 0 {
					to = now.Add(-until)
				}
				rep, err := ws.Usage(cmd.Context(), now.Add(-since), to)
				if err != nil {
					return err
				}
				if rep.Skipped > 0 {
					stderr.Notef("%d unreadable ledger lines skipped (a write torn by a crash)", rep.Skipped)
				}
				if asJSON {
					if !runs {
						rep.Runs = nil
					}
					return json.NewEncoder(display(os.Stdout)).Encode(usageJSON(rep, to.IsZero()))
				}
				return printUsage(rep, runs)
			})
		},
	}
	c.Flags().DurationVar(&since, "since", 24*time.Hour, "show runs that ended at most this long ago")
	c.Flags().DurationVar(&until, "until", 0, "and at least this long ago (0: up to now)")
	c.Flags().BoolVar(&runs, "runs", false, "list each run too")
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON object: from, to, totals, skipped and, with --runs, runs")
	return c
}

// usageReportJSON is the JSON shape of `workspace usage --json`.
type usageReportJSON struct {
	From    time.Time       `json:"from"`
	To      *time.Time      `json:"to,omitempty"` // absent: up to now
	Totals  ledger.Totals   `json:"totals"`
	Skipped int             `json:"skipped"`
	Runs    []ledger.Record `json:"runs,omitempty"`
}

func usageJSON(rep *runtime.UsageReport, open bool) usageReportJSON {
	j := usageReportJSON{From: rep.From.UTC(), Totals: rep.Totals, Skipped: rep.Skipped, Runs: rep.Runs}
	if !open {
		to := rep.To.UTC()
		j.To = &to
	}
	return j
}

// printUsage prints rep's totals and, with runs, one line per run.
func printUsage(rep *runtime.UsageReport, runs bool) error {
	t := rep.Totals
	tw := tabwriter.NewWriter(display(os.Stdout), 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "runs\t%d (%d failed)\n", t.Runs, t.Errors)
	fmt.Fprintf(tw, "model calls\t%d\n", t.ModelCalls)
	fmt.Fprintf(tw, "tokens\t%d in, %d out, %d cache read, %d cache write\n", t.InputTokens, t.OutputTokens, t.CacheReadTokens, t.CacheWriteTokens)
	fmt.Fprintf(tw, "tool calls\t%s\n", toolCounts(t.ToolCalls))
	fmt.Fprintf(tw, "jails\t%d, %s CPU, %s peak memory\n", t.JailRuns, t.JailCPU.Round(time.Millisecond), formatSize(t.JailMemoryPeak))
	fmt.Fprintf(tw, "written\t%s\n", formatSize(t.WriteBytes))
	fmt.Fprintf(tw, "wall time\t%s\n", t.WallTime.Round(time.Millisecond))
	fmt.Fprintf(tw, "cost\t$%.4f\n", t.CostUSD)
	if err := tw.Flush(); err != nil || !runs {
		return err
	}
	fmt.Fprintln(display(os.Stdout))
	tw = tabwriter.NewWriter(display(os.Stdout), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "END\tRUN\tSESSION\tMODEL\tIN\tOUT\tTOOLS\tJAIL CPU\tREASON")
	for _, r := range rep.Runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", r.End.Local().Format(time.DateTime), r.RunID, r.SessionID,
			r.Model, r.InputTokens, r.OutputTokens, toolCounts(r.ToolCalls), r.JailCPU.Round(time.Millisecond), r.Reason)
	}
	return tw.Flush()
}

// toolCounts renders tool calls by name as "bash 3, read 7", "-" for none.
func toolCounts(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", name, m[name]))
	}
	return strings.Join(parts, ", ")
}
