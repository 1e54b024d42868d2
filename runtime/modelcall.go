package runtime

import (
	"cmp"
	"context"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/sessions"
)

// modelSetup is what a run's model calls need besides the conversation.
type modelSetup struct {
	provider string          // the primary provider's name, for prices when a response names none
	settings RequestSettings // the workspace's, overridden by the request
	prices   providers.Prices
	window   int // the context window the guard assumes, in tokens
	// base is the number of transcript messages the conversation's
	// compaction summary stands for, and lead 1 when the conversation
	// starts with that summary (else 0): conv[i] is the transcript's
	// message base+i-lead for i >= lead.
	base, lead int
}

// modelSetup resolves what the model calls of a run of w for req need:
// req's settings over the workspace's, checked together; the platform's
// prices; the context window of model (the workspace's ContextWindow,
// else the platform's table).
func (w *Workspace) modelSetup(req RunRequest, provider, model string) (modelSetup, error) {
	if err := req.RequestSettings.validate(); err != nil {
		return modelSetup{}, fmt.Errorf("request settings: %w", err)
	}
	settings := w.cfg.RequestSettings.override(req.RequestSettings)
	if err := settings.validate(); err != nil {
		return modelSetup{}, fmt.Errorf("request settings (with the workspace's): %w", err)
	}
	if err := checkFallbacks(req.Fallbacks); err != nil {
		return modelSetup{}, err
	}
	return modelSetup{provider: provider, settings: settings, prices: w.p.prices,
		window: cmp.Or(w.cfg.ContextWindow, w.p.windows.Window(model))}, nil
}

// compactedPrefix returns the base and lead of modelSetup for a history
// loaded as h.
func compactedPrefix(h sessions.History) (base, lead int) {
	if h.Compaction == nil {
		return 0, 0
	}
	return h.Compaction.Replaced, 1
}

// observe returns ctx carrying the run's provider observer for the model
// calls of turn: each notice becomes an EventProvider event and a log
// line, and a restart (text streamed by a void attempt) an
// EventTextReset event.
func (r *run) observe(ctx context.Context, turn int) context.Context {
	return providers.WithObserver(ctx, providers.Observer{
		Notice: func(n providers.Notice) {
			r.emit(Event{Type: EventProvider, Turn: turn, Provider: n.Provider, Model: n.Model, Notice: &n})
			r.logNotice(n)
		},
		Restart: func(*providers.Error) {
			r.emit(Event{Type: EventTextReset, Turn: turn})
		},
	})
}

// logNotice logs a provider notice at info level. A dropped key is left
// to the platform's Health, which warns once for every run.
func (r *run) logNotice(n providers.Notice) {
	if n.Kind == providers.NoticeKeyDropped {
		return
	}
	e := r.log.Info().Str("workspace", r.workspaceID).Str("run", r.runID).
		Str("provider", n.Provider).Str("model", n.Model).Str("class", string(n.Class))
	if n.Key != "" {
		e = e.Str("key", n.Key) // a fingerprint
	}
	if n.Delay > 0 {
		e = e.Dur("delay", n.Delay)
	}
	if n.To != "" {
		e = e.Str("to", n.To)
	}
	e.Str("error", n.Message).Msg("provider " + string(n.Kind))
}

// account adds a model call's usage and cost to the run's result and
// budget, and returns its cost in USD, nil when the answering model has
// no price.
func (r *run) account(resp *chat.Response) *float64 {
	cost, priced := r.calls.prices.Cost(cmp.Or(resp.Provider, r.calls.provider), cmp.Or(resp.Model, r.model), resp.Usage)
	r.mu.Lock()
	r.result.Usage = r.result.Usage.Add(resp.Usage)
	r.result.ModelCalls++
	r.result.CostUSD += cost
	if !priced {
		r.result.UnpricedCalls++
	}
	r.mu.Unlock()
	r.budget.addTokens(resp.Usage)
	if !priced {
		return nil
	}
	return &cost
}
