package main

import (
	"sync"
	"time"

	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/runtime"
	"github.com/rs/zerolog"
)

// runTrace logs what a run does at info level, which --verbose shows: its
// start and end, each model call with its model, latency and tokens, each
// tool call with its time (for bash, the jail's whole life), the provider
// layer's retries, key rotations, cooldowns and fallbacks, and
// compactions.
type runTrace struct {
	log       zerolog.Logger
	mu        sync.Mutex
	turnStart time.Time
	start     time.Time
}

func newRunTrace(log zerolog.Logger) *runTrace { return &runTrace{log: log} }

// on reports whether the trace is logged at all.
func (t *runTrace) on() bool { return t.log.GetLevel() <= zerolog.InfoLevel }

func (t *runTrace) event(ev runtime.Event) {
	if !t.on() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch ev.Type {
	case runtime.EventQueued:
		t.log.Info().Str("session", ev.SessionID).Msg("waiting for the session, which another run holds")
	case runtime.EventRunStart:
		t.start = ev.Time
		t.log.Info().Str("session", ev.SessionID).Str("model", ev.Model).Strs("tools", ev.Tools).Msg("run started")
	case runtime.EventTurnStart:
		t.turnStart = ev.Time
	case runtime.EventUsage:
		t.log.Info().Int("turn", ev.Turn).Str("model", ev.Model).Str("latency", roundMs(ev.Time.Sub(t.turnStart))).
			Int64("input_tokens", ev.Usage.InputTokens).Int64("output_tokens", ev.Usage.OutputTokens).
			Int64("cache_read_tokens", ev.Usage.CacheReadTokens).Int64("cache_write_tokens", ev.Usage.CacheWriteTokens).
			Msg("model call")
	case runtime.EventProvider:
		// A dropped key is the platform's warning, logged at every level.
		if n := ev.Notice; n.Kind != providers.NoticeKeyDropped {
			e := t.log.Info().Int("turn", ev.Turn).Str("provider", n.Provider).Str("model", n.Model).Str("class", string(n.Class))
			if n.Delay > 0 {
				e = e.Str("delay", roundMs(n.Delay))
			}
			if n.To != "" {
				e = e.Str("to", n.To)
			}
			if n.Key != "" {
				e = e.Str("key", n.Key) // a fingerprint, never the key
			}
			e.Str("error", n.Message).Msg("provider " + string(n.Kind))
		}
	case runtime.EventCompaction:
		c := ev.Compaction
		t.log.Info().Int("turn", ev.Turn).Str("model", ev.Model).Int("replaced", c.Replaced).
			Int("tokens_before", c.TokensBefore).Int("tokens_after", c.TokensAfter).Msg("session compacted")
	case runtime.EventToolEnd:
		t.log.Info().Int("turn", ev.Turn).Str("tool", ev.Tool.Name).Str("duration", roundMs(time.Duration(ev.Tool.DurationMs)*time.Millisecond)).
			Bool("error", ev.Tool.IsError).Msg("tool call")
	case runtime.EventDone:
		r := ev.Result
		t.log.Info().Int("turns", r.Turns).Str("reason", string(r.Reason)).Str("duration", roundMs(ev.Time.Sub(t.start))).
			Int64("input_tokens", r.Usage.InputTokens).Int64("output_tokens", r.Usage.OutputTokens).Msg("run finished")
	case runtime.EventError:
		t.log.Info().Str("error", ev.Error).Msg("run failed")
	}
}

// roundMs formats d rounded to the millisecond, e.g. "1.234s".
func roundMs(d time.Duration) string { return d.Round(time.Millisecond).String() }
