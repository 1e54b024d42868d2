package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bulkhead-dev/bulkhead/ledger"
)

// ledger returns the workspace's usage ledger.
func (w *Workspace) ledger() *ledger.Ledger { return ledger.Open(w.layout().usage()) }

// UsageReport is what a workspace used over a time range: one record per
// run that ended in it, and their totals.
type UsageReport struct {
	From, To time.Time
	Runs     []ledger.Record
	Totals   ledger.Totals
	// Skipped counts ledger lines that could not be read (a line torn by
	// a crash mid-append); they are left out of Runs and Totals.
	Skipped int
}

// Usage returns the usage of the runs of w that ended in [from, to) (a
// zero to: until now), from its ledger: every run the platform admitted
// and its hooks let start, failed or not, subagents included (each a run
// of its own, with ParentRunID set). Errors: ctx's, or the ledger's (an
// unreadable segment, a line of a newer format).
func (w *Workspace) Usage(ctx context.Context, from, to time.Time) (*UsageReport, error) {
	recs, skipped, err := w.ledger().Records(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("workspace %s: usage: %w", w.id, err)
	}
	return &UsageReport{From: from, To: to, Runs: recs, Totals: ledger.Sum(recs), Skipped: skipped}, nil
}

// record appends the ledger row of run r, started at start, that ended
// with res or err. A row that cannot be written is logged: the run has
// happened, and failing it now would lose its answer. A run stopped by
// its workspace's deletion has no ledger left to write to.
func (w *Workspace) record(r *run, start time.Time, res *RunResult, err error) {
	if errors.Is(err, ErrWorkspaceNotFound) {
		return
	}
	end := time.Now()
	r.mu.Lock()
	rec := ledger.Record{
		Start: start, End: end, RunID: r.runID, SessionID: r.sessionID, ParentRunID: r.parentRunID,
		Provider: r.provider, Model: r.answeredBy,
		InputTokens: r.result.Usage.InputTokens, OutputTokens: r.result.Usage.OutputTokens,
		CacheReadTokens: r.result.Usage.CacheReadTokens, CacheWriteTokens: r.result.Usage.CacheWriteTokens,
		ModelCalls: r.result.ModelCalls, WallTime: end.Sub(start), CostUSD: r.result.CostUSD,
	}
	for _, c := range r.result.ToolCalls {
		if rec.ToolCalls == nil {
			rec.ToolCalls = map[string]int{}
		}
		rec.ToolCalls[c.Name]++
	}
	r.mu.Unlock()
	jail := r.meter.get()
	rec.JailCPU, rec.JailMemoryPeak, rec.JailRuns = jail.CPU, jail.MemoryPeak, jail.Runs
	rec.WriteBytes = r.writeBytes.Load() + jail.WriteBytes
	switch {
	case err == nil:
		rec.Reason = string(res.Reason)
	case errors.Is(err, ErrMaxRunTime):
		rec.Reason, rec.Error = "max_run_time", err.Error()
	case errors.Is(err, context.Canceled), errors.Is(err, ErrClosed):
		rec.Reason, rec.Error = "cancelled", err.Error()
	default:
		rec.Reason, rec.Error = "error", err.Error()
	}
	if err := w.ledger().Append(rec); err != nil {
		w.p.log.Error().Str("workspace", w.id).Str("run", r.runID).Err(err).Msg("usage ledger: the run's row was not recorded")
	}
}
