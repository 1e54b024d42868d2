package runtime

import (
	"context"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/sessions"
)

// The context guard's thresholds, in percent.
const (
	// ContextGuardPercent is the share of the context window a request
	// may fill, by providers.EstimateTokens, less the call's output cap,
	// before the guard acts. The estimate runs 3 to 7 % under the
	// providers' counts; the rest is margin.
	ContextGuardPercent = 85
	// ShrinkTargetPercent is where shrinking old tool results stops, as a
	// share of the guard's limit: shrinking well below the limit keeps the
	// next turns' prompts (and their cached prefix) unchanged until the
	// conversation has grown again.
	ShrinkTargetPercent = 70
	// CompactKeepPercent is the share of the window that compaction keeps
	// whole at the end of the conversation, at most
	// providers.DefaultCompactKeepTokens.
	CompactKeepPercent = 15
)

const (
	// ShrinkKeepResults is how many of the latest tool results shrinking
	// leaves whole.
	ShrinkKeepResults = 4
	// MinContextWindow is the smallest WorkspaceConfig.ContextWindow, in
	// tokens.
	MinContextWindow = 4096
)

// guard keeps the model call about to be made with req inside the
// context window: when the request's estimate passes the guard's limit
// (ContextGuardPercent of the window, less the output cap), the oldest
// tool results are shrunk (providers.ShrinkToolResults, keeping the
// latest ShrinkKeepResults whole) and, when that is not enough, the
// session is compacted (see compact). It returns the conversation to
// continue with and how much of it is in the transcript; a conversation
// that still does not fit fails with a context_overflow *providers.Error
// saying what to do.
//
// # Notes
//
//   - Shrunk results change the run's copy of the conversation only; the
//     transcript keeps them whole.
func (r *run) guard(ctx context.Context, req chat.Request, conv []chat.Message, persisted int) ([]chat.Message, int, error) {
	limit := r.contextLimit()
	req.System, req.Messages = r.system, conv
	before := providers.EstimateTokens(req)
	if before <= limit {
		return conv, persisted, nil
	}
	conv, after := r.shrink(req, limit)
	if after <= limit {
		return conv, persisted, nil
	}
	req.Messages = conv
	conv, persisted, err := r.compact(ctx, req, persisted, before)
	if err != nil {
		return nil, 0, err
	}
	req.Messages = conv
	if n := providers.EstimateTokens(req); n > limit {
		if conv, n = r.shrink(req, limit); n > limit {
			return nil, 0, r.overflow(n, limit)
		}
	}
	return conv, persisted, nil
}

// contextLimit is the guard's limit in estimated prompt tokens: the
// ContextGuardPercent share of the window less the output cap, and never
// below a quarter of the window.
func (r *run) contextLimit() int {
	w := r.calls.window
	return max(w*ContextGuardPercent/100-r.calls.settings.maxOutput(), w/4)
}

// shrink returns req's messages with old tool results shrunk towards
// ShrinkTargetPercent of limit, and the request's estimate after.
func (r *run) shrink(req chat.Request, limit int) ([]chat.Message, int) {
	out, st := providers.ShrinkToolResults(req, limit*ShrinkTargetPercent/100, ShrinkKeepResults)
	if st.Shrunk > 0 {
		r.log.Info().Str("workspace", r.workspaceID).Str("run", r.runID).Str("session", r.sessionID).
			Int("results", st.Shrunk).Int("tokens_before", st.TokensBefore).Int("tokens_after", st.TokensAfter).
			Msg("context guard: old tool results shrunk")
	}
	return out.Messages, st.TokensAfter
}

// compact replaces the older part of req's conversation, of which the
// first persisted messages are in the transcript, by a summary the run's
// model writes (providers.PrepareCompaction, through the run's provider
// chain), records the compaction in the transcript (sessions.Compaction:
// the replaced lines stay on disk) and reports it as an EventCompaction.
// Only transcript messages are replaced; the most recent part worth
// CompactKeepPercent of the window stays whole. before is the request's
// estimate, for the record.
func (r *run) compact(ctx context.Context, req chat.Request, persisted, before int) ([]chat.Message, int, error) {
	conv := req.Messages
	keep := min(providers.DefaultCompactKeepTokens, r.calls.window*CompactKeepPercent/100)
	keep = max(keep-providers.MessagesTokens(conv[persisted:]), 1)
	plan, err := providers.PrepareCompaction(conv[:persisted], providers.CompactOptions{KeepTokens: keep, Model: r.model})
	if err != nil || plan.Split <= r.calls.lead { // nothing, or only the last summary, to replace
		return nil, 0, r.overflow(before, r.contextLimit())
	}
	r.mu.Lock()
	turn := r.turn
	r.mu.Unlock()
	resp, err := r.llm.Complete(r.observe(ctx, turn), plan.Request, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("compact session %s: %w", r.sessionID, err)
	}
	cost := r.account(resp)
	done, err := plan.Record(conv[:persisted], resp)
	if err != nil {
		return nil, 0, fmt.Errorf("compact session %s: %w", r.sessionID, err)
	}
	summary := done.Message()
	next := append([]chat.Message{summary}, conv[plan.Split:]...)
	req.Messages = next
	rec := sessions.Compaction{
		Replaced: r.calls.base + plan.Split - r.calls.lead, Summary: summary,
		TokensBefore: before, TokensAfter: providers.EstimateTokens(req),
		Provider: resp.Provider, Model: resp.Model, Usage: resp.Usage,
	}
	if err := r.store.AppendCompaction(r.sessionID, rec); err != nil {
		return nil, 0, fmt.Errorf("transcript: %w", err)
	}
	r.calls.base, r.calls.lead = rec.Replaced, 1
	r.mu.Lock()
	r.result.Compactions++
	r.mu.Unlock()
	text := fmt.Sprintf("session compacted to fit %s's %d-token window: %d messages summarised, about %d tokens now instead of %d",
		r.model, r.calls.window, plan.Split, rec.TokensAfter, before)
	r.log.Info().Str("workspace", r.workspaceID).Str("run", r.runID).Str("session", r.sessionID).
		Int("replaced", rec.Replaced).Int("tokens_before", before).Int("tokens_after", rec.TokensAfter).Msg("context guard: session compacted")
	usage := resp.Usage
	r.emit(Event{Type: EventCompaction, Turn: turn, Provider: resp.Provider, Model: resp.Model, Usage: &usage, CostUSD: cost, Compaction: &rec, Text: text})
	return next, persisted - plan.Split + 1, nil
}

// overflow is the error of a conversation of tokens that the guard cannot
// bring under limit.
func (r *run) overflow(tokens, limit int) error {
	return &providers.Error{Provider: r.calls.provider, Model: r.model, Class: providers.ContextOverflow,
		Message: fmt.Sprintf("session %s needs about %d tokens, more than the %d the context guard allows for model %s (%d%% of its %d-token window less the output cap), "+
			"even with old tool results shrunk and the history compacted: start a new session, or, if the model's window is larger, "+
			"raise it (workspace context_window, Options.ContextWindows)", r.sessionID, tokens, limit, r.model, ContextGuardPercent, r.calls.window)}
}
