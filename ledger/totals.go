package ledger

import (
	"encoding/json"
	"time"
)

// Totals is the sum of a set of records, for a workspace's usage over a
// time range.
//
// # Notes
//
// JSON (MarshalJSON) uses the keys of Record ("input_tokens",
// "jail_cpu_us", "wall_ms"…) plus "runs", "errors", "first_start" and
// "last_end" (omitted when zero).
type Totals struct {
	// Runs counts the records; Errors those with a non-empty Error.
	Runs, Errors int
	// FirstStart is the earliest Start and LastEnd the latest End, zero
	// when there is no record.
	FirstStart, LastEnd time.Time
	// InputTokens, OutputTokens, CacheReadTokens and CacheWriteTokens
	// sum the records' token counts.
	InputTokens, OutputTokens, CacheReadTokens, CacheWriteTokens int64
	// ModelCalls sums the records' model calls.
	ModelCalls int
	// ToolCalls sums the tool calls by tool name; nil when there is none.
	ToolCalls map[string]int
	// JailCPU sums the jails' CPU time.
	JailCPU time.Duration
	// JailMemoryPeak is the largest JailMemoryPeak in bytes (a maximum,
	// not a sum).
	JailMemoryPeak int64
	// JailRuns sums the jails started.
	JailRuns int
	// WriteBytes sums the bytes written to storage.
	WriteBytes int64
	// WallTime sums the runs' wall-clock times.
	WallTime time.Duration
	// CostUSD sums the estimated prices in US dollars.
	CostUSD float64
}

// Sum returns the totals of recs.
func Sum(recs []Record) Totals {
	var t Totals
	for _, r := range recs {
		t.Add(r)
	}
	return t
}

// Add adds r to t.
func (t *Totals) Add(r Record) {
	t.Runs++
	if r.Error != "" {
		t.Errors++
	}
	if t.FirstStart.IsZero() || r.Start.Before(t.FirstStart) {
		t.FirstStart = r.Start
	}
	if r.End.After(t.LastEnd) {
		t.LastEnd = r.End
	}
	t.InputTokens += r.InputTokens
	t.OutputTokens += r.OutputTokens
	t.CacheReadTokens += r.CacheReadTokens
	t.CacheWriteTokens += r.CacheWriteTokens
	t.ModelCalls += r.ModelCalls
	for name, n := range r.ToolCalls {
		if t.ToolCalls == nil {
			t.ToolCalls = map[string]int{}
		}
		t.ToolCalls[name] += n
	}
	t.JailCPU += r.JailCPU
	t.JailMemoryPeak = max(t.JailMemoryPeak, r.JailMemoryPeak)
	t.JailRuns += r.JailRuns
	t.WriteBytes += r.WriteBytes
	t.WallTime += r.WallTime
	t.CostUSD += r.CostUSD
}

// wireTotals is Totals in JSON.
type wireTotals struct {
	Runs             int            `json:"runs"`
	Errors           int            `json:"errors"`
	FirstStart       *time.Time     `json:"first_start,omitempty"`
	LastEnd          *time.Time     `json:"last_end,omitempty"`
	InputTokens      int64          `json:"input_tokens"`
	OutputTokens     int64          `json:"output_tokens"`
	CacheReadTokens  int64          `json:"cache_read_tokens"`
	CacheWriteTokens int64          `json:"cache_write_tokens"`
	ModelCalls       int            `json:"model_calls"`
	ToolCalls        map[string]int `json:"tool_calls"`
	JailCPUMicros    int64          `json:"jail_cpu_us"`
	JailMemoryPeak   int64          `json:"jail_memory_peak"`
	JailRuns         int            `json:"jail_runs"`
	WriteBytes       int64          `json:"write_bytes"`
	WallMillis       int64          `json:"wall_ms"`
	CostUSD          float64        `json:"cost_usd"`
}

// MarshalJSON encodes t (see Totals); tool_calls is always an object.
func (t Totals) MarshalJSON() ([]byte, error) {
	w := wireTotals{
		Runs: t.Runs, Errors: t.Errors,
		InputTokens: t.InputTokens, OutputTokens: t.OutputTokens,
		CacheReadTokens: t.CacheReadTokens, CacheWriteTokens: t.CacheWriteTokens,
		ModelCalls: t.ModelCalls, ToolCalls: t.ToolCalls,
		JailCPUMicros: t.JailCPU.Microseconds(), JailMemoryPeak: t.JailMemoryPeak, JailRuns: t.JailRuns,
		WriteBytes: t.WriteBytes, WallMillis: t.WallTime.Milliseconds(), CostUSD: t.CostUSD,
	}
	if w.ToolCalls == nil {
		w.ToolCalls = map[string]int{}
	}
	if !t.FirstStart.IsZero() {
		s := t.FirstStart.UTC()
		w.FirstStart = &s
	}
	if !t.LastEnd.IsZero() {
		e := t.LastEnd.UTC()
		w.LastEnd = &e
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes what MarshalJSON encodes; an empty tool_calls
// object becomes nil.
func (t *Totals) UnmarshalJSON(data []byte) error {
	var w wireTotals
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*t = Totals{
		Runs: w.Runs, Errors: w.Errors,
		InputTokens: w.InputTokens, OutputTokens: w.OutputTokens,
		CacheReadTokens: w.CacheReadTokens, CacheWriteTokens: w.CacheWriteTokens,
		ModelCalls: w.ModelCalls,
		JailCPU:    time.Duration(w.JailCPUMicros) * time.Microsecond, JailMemoryPeak: w.JailMemoryPeak, JailRuns: w.JailRuns,
		WriteBytes: w.WriteBytes, WallTime: time.Duration(w.WallMillis) * time.Millisecond, CostUSD: w.CostUSD,
	}
	if len(w.ToolCalls) > 0 {
		t.ToolCalls = w.ToolCalls
	}
	if w.FirstStart != nil {
		t.FirstStart = w.FirstStart.UTC()
	}
	if w.LastEnd != nil {
		t.LastEnd = w.LastEnd.UTC()
	}
	return nil
}
