package ledger

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// FormatVersion is the "v" of every line this package writes. Readers
// accept unknown fields in a line of this version; a line of a higher
// version is an error (ErrNewerVersion), never skipped.
const FormatVersion = 1

// Record is the usage of one run: one line of the ledger.
//
// # Notes
//
//   - JSON (MarshalJSON): snake_case keys as named per field, times in
//     RFC 3339 with nanoseconds in UTC, JailCPU as integer microseconds
//     ("jail_cpu_us") and WallTime as integer milliseconds ("wall_ms"),
//     plus "v" (FormatVersion).
//   - Token counts are the provider's usage fields summed over the run's
//     model calls (Anthropic usage.input_tokens, output_tokens,
//     cache_read_input_tokens, cache_creation_input_tokens; OpenAI
//     usage.prompt_tokens minus prompt_tokens_details.cached_tokens,
//     completion_tokens, cached_tokens), as chat.Usage holds them.
type Record struct {
	// Start and End are when the run started and ended ("start", "end").
	// End is required and decides the month segment and the time ranges
	// of Records; Append stores both in UTC.
	Start, End time.Time
	// RunID and SessionID identify the run and its session ("run_id",
	// "session_id").
	RunID, SessionID string
	// ParentRunID is the run that started this one as a subagent, "" for
	// a top-level run ("parent_run_id", omitted when empty).
	ParentRunID string
	// Provider and Model answered the run's last model call ("provider",
	// "model"), e.g. "anthropic" and "claude-sonnet-4-5".
	Provider, Model string
	// InputTokens, OutputTokens, CacheReadTokens and CacheWriteTokens are
	// the run's token counts ("input_tokens", "output_tokens",
	// "cache_read_tokens", "cache_write_tokens").
	InputTokens, OutputTokens, CacheReadTokens, CacheWriteTokens int64
	// ModelCalls counts the provider requests the run made
	// ("model_calls").
	ModelCalls int
	// ToolCalls counts the run's tool calls by tool name ("tool_calls",
	// omitted when empty), e.g. {"bash": 3, "read": 7}.
	ToolCalls map[string]int
	// JailCPU is the CPU time of the run's jails, from their cgroups
	// (nsjail Usage.CPUTime), encoded in microseconds ("jail_cpu_us").
	JailCPU time.Duration
	// JailMemoryPeak is the largest cgroup memory peak of the run's jails
	// in bytes (nsjail Usage.MemoryPeak; "jail_memory_peak").
	JailMemoryPeak int64
	// JailRuns counts the jails the run started ("jail_runs").
	JailRuns int
	// WriteBytes is the bytes the run caused to be written to storage
	// ("write_bytes"): the jails' nsjail Usage.WriteBytes plus what the
	// runtime wrote to the workspace for the built-in tools.
	WriteBytes int64
	// WallTime is the run's wall-clock time, encoded in milliseconds
	// ("wall_ms").
	WallTime time.Duration
	// Reason says why the run ended ("reason"), as the runtime names it:
	// "end_turn", "max_turns", "max_tokens_budget", "error",
	// "cancelled"…
	Reason string
	// Error is the run's error message, "" when it succeeded ("error",
	// omitted when empty). It must hold no secret.
	Error string
	// CostUSD is the run's estimated price in US dollars, 0 when unknown
	// ("cost_usd", omitted when 0).
	CostUSD float64
}

// wireRecord is a Record as one JSON line.
type wireRecord struct {
	V                int            `json:"v"`
	Start            time.Time      `json:"start"`
	End              time.Time      `json:"end"`
	RunID            string         `json:"run_id"`
	SessionID        string         `json:"session_id"`
	ParentRunID      string         `json:"parent_run_id,omitempty"`
	Provider         string         `json:"provider"`
	Model            string         `json:"model"`
	InputTokens      int64          `json:"input_tokens"`
	OutputTokens     int64          `json:"output_tokens"`
	CacheReadTokens  int64          `json:"cache_read_tokens"`
	CacheWriteTokens int64          `json:"cache_write_tokens"`
	ModelCalls       int            `json:"model_calls"`
	ToolCalls        map[string]int `json:"tool_calls,omitempty"`
	JailCPUMicros    int64          `json:"jail_cpu_us"`
	JailMemoryPeak   int64          `json:"jail_memory_peak"`
	JailRuns         int            `json:"jail_runs"`
	WriteBytes       int64          `json:"write_bytes"`
	WallMillis       int64          `json:"wall_ms"`
	Reason           string         `json:"reason"`
	Error            string         `json:"error,omitempty"`
	CostUSD          float64        `json:"cost_usd,omitempty"`
}

// MarshalJSON encodes r as a ledger line without its newline (see
// Record). JailCPU is truncated to microseconds, WallTime to
// milliseconds.
func (r Record) MarshalJSON() ([]byte, error) {
	return json.Marshal(wireRecord{
		V: FormatVersion, Start: r.Start.UTC(), End: r.End.UTC(),
		RunID: r.RunID, SessionID: r.SessionID, ParentRunID: r.ParentRunID,
		Provider: r.Provider, Model: r.Model,
		InputTokens: r.InputTokens, OutputTokens: r.OutputTokens,
		CacheReadTokens: r.CacheReadTokens, CacheWriteTokens: r.CacheWriteTokens,
		ModelCalls: r.ModelCalls, ToolCalls: r.ToolCalls,
		JailCPUMicros: r.JailCPU.Microseconds(), JailMemoryPeak: r.JailMemoryPeak, JailRuns: r.JailRuns,
		WriteBytes: r.WriteBytes, WallMillis: r.WallTime.Milliseconds(),
		Reason: r.Reason, Error: r.Error, CostUSD: r.CostUSD,
	})
}

// UnmarshalJSON decodes a line written by MarshalJSON. Unknown keys are
// ignored; a "v" above FormatVersion fails with ErrNewerVersion, a
// missing or lower one with an error.
func (r *Record) UnmarshalJSON(data []byte) error {
	var w wireRecord
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	return w.record(r)
}

// record checks w's version and converts it into *r.
func (w *wireRecord) record(r *Record) error {
	switch {
	case w.V > FormatVersion:
		return fmt.Errorf("%w: v %d, this build reads %d", ErrNewerVersion, w.V, FormatVersion)
	case w.V < FormatVersion:
		return fmt.Errorf("usage record: v %d, want %d", w.V, FormatVersion)
	}
	*r = Record{
		Start: w.Start.UTC(), End: w.End.UTC(),
		RunID: w.RunID, SessionID: w.SessionID, ParentRunID: w.ParentRunID,
		Provider: w.Provider, Model: w.Model,
		InputTokens: w.InputTokens, OutputTokens: w.OutputTokens,
		CacheReadTokens: w.CacheReadTokens, CacheWriteTokens: w.CacheWriteTokens,
		ModelCalls: w.ModelCalls, ToolCalls: w.ToolCalls,
		JailCPU: time.Duration(w.JailCPUMicros) * time.Microsecond, JailMemoryPeak: w.JailMemoryPeak, JailRuns: w.JailRuns,
		WriteBytes: w.WriteBytes, WallTime: time.Duration(w.WallMillis) * time.Millisecond,
		Reason: w.Reason, Error: w.Error, CostUSD: w.CostUSD,
	}
	if len(r.ToolCalls) == 0 {
		r.ToolCalls = nil // as omitempty wrote it
	}
	return nil
}

// Validate checks what Append requires of r: Start and End set, years
// 1 to 9999 (RFC 3339), End not before Start, no negative counter or
// duration, no empty tool name, a finite CostUSD. The error wraps
// ErrInvalidRecord and names the field by its JSON key.
func (r Record) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidRecord, fmt.Sprintf(format, args...))
	}
	for _, t := range []struct {
		key string
		v   time.Time
	}{{"start", r.Start}, {"end", r.End}} {
		switch y := t.v.UTC().Year(); {
		case t.v.IsZero():
			return bad("%s is not set", t.key)
		case y < 1 || y > 9999:
			return bad("%s year %d is outside 1..9999", t.key, y)
		}
	}
	if r.End.Before(r.Start) {
		return bad("end %s is before start %s", r.End.UTC().Format(time.RFC3339Nano), r.Start.UTC().Format(time.RFC3339Nano))
	}
	for _, c := range []struct {
		key string
		v   int64
	}{
		{"input_tokens", r.InputTokens}, {"output_tokens", r.OutputTokens},
		{"cache_read_tokens", r.CacheReadTokens}, {"cache_write_tokens", r.CacheWriteTokens},
		{"model_calls", int64(r.ModelCalls)}, {"jail_cpu_us", int64(r.JailCPU)},
		{"jail_memory_peak", r.JailMemoryPeak}, {"jail_runs", int64(r.JailRuns)},
		{"write_bytes", r.WriteBytes}, {"wall_ms", int64(r.WallTime)},
	} {
		if c.v < 0 {
			return bad("%s is negative", c.key)
		}
	}
	for name, n := range r.ToolCalls {
		if name == "" {
			return bad("tool_calls has an empty tool name")
		}
		if n < 0 {
			return bad("tool_calls[%q] is negative (%d)", name, n)
		}
	}
	if math.IsNaN(r.CostUSD) || math.IsInf(r.CostUSD, 0) || r.CostUSD < 0 {
		return bad("cost_usd is %v, want a finite number >= 0", r.CostUSD)
	}
	return nil
}

// segmentName is the file of the month holding End (UTC): "YYYY-MM.jsonl".
func segmentName(end time.Time) string {
	end = end.UTC()
	return fmt.Sprintf("%04d-%02d%s", end.Year(), int(end.Month()), segmentSuffix)
}
