package providers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// Route is one entry of a fallback chain: a provider and the model to ask
// it for. Name is the provider's name for notices and errors (e.g.
// "openai"); Model "" keeps the request's model.
type Route struct {
	Name     string
	Model    string
	Provider Provider
}

// String returns "name/model".
func (r Route) String() string { return r.Name + "/" + r.Model }

// ParseRoute splits "provider/model" at the first slash, so that
// OpenRouter's "openrouter/anthropic/claude-sonnet-4.5" names provider
// openrouter and model anthropic/claude-sonnet-4.5. It fails for an unknown
// provider or an empty model.
func ParseRoute(s string) (provider, model string, err error) {
	provider, model, ok := strings.Cut(s, "/")
	if !ok || model == "" {
		return "", "", fmt.Errorf("fallback %q: want provider/model, e.g. openai/gpt-4.1", s)
	}
	if _, err := lookup(provider); err != nil {
		return "", "", fmt.Errorf("fallback %q: %w", s, err)
	}
	return provider, model, nil
}

// Fallback returns a Provider that sends each request to the first route
// and, when it fails in a way another model may not, continues the same
// conversation on the next route: the chat.Request is provider-neutral, so
// a turn can move between protocols with its tool calls and results.
// windows, when not nil, gives context windows for the context_overflow
// rule below (nil means DefaultContextWindows).
//
// # Notes
//
//   - A route is left for the next on a failure whose class FallsBack
//     (auth, billing, model_not_found, overloaded, server, timeout, network,
//     rate_limit or unknown, after the route's own retries and key
//     rotation), and on context_overflow only towards a model whose
//     context window is larger. bad_request ends the chain: the
//     conversation itself is at fault.
//   - A route that is not the last does not wait for its cooldowns: a
//     cooling route is skipped at once (providers built by New only).
//   - The Response's Provider and Model say which route answered. The
//     observer of ctx (WithObserver) gets a NoticeFallback per move, and a
//     Restart first when text was already streamed; without a Restart
//     function, a turn that streamed text is not moved.
//   - The error returned when every route failed is the last route's,
//     wrapped with the list of failures; errors.As finds that *Error.
func Fallback(windows ContextWindows, routes ...Route) Provider {
	if windows == nil {
		windows = DefaultContextWindows
	}
	return &fallback{routes: routes, windows: windows}
}

type fallback struct {
	routes  []Route
	windows ContextWindows
}

// waitless is implemented by providers that can skip their cooldowns.
type waitless interface {
	complete(ctx context.Context, req chat.Request, onText func(string), wait bool) (*chat.Response, error)
}

func (f *fallback) Complete(ctx context.Context, req chat.Request, onText func(string)) (*chat.Response, error) {
	if len(f.routes) == 0 {
		return nil, errors.New("fallback: no routes")
	}
	obs := observer(ctx)
	var failures []string
	for i, r := range f.routes {
		last := i == len(f.routes)-1
		rreq := req
		if r.Model != "" {
			rreq.Model = r.Model
		}
		streamed := false
		emit := func(d string) {
			streamed = true
			if onText != nil {
				onText(d)
			}
		}
		var resp *chat.Response
		var err error
		if w, ok := r.Provider.(waitless); ok {
			resp, err = w.complete(ctx, rreq, emit, last)
		} else {
			resp, err = r.Provider.Complete(ctx, rreq, emit)
		}
		if err == nil {
			return resp, nil
		}
		var pe *Error
		if ctx.Err() != nil || !errors.As(err, &pe) || last || !f.movesOn(pe, rreq.Model, f.routes[i+1]) ||
			(streamed && obs.Restart == nil) {
			return nil, f.wrap(failures, err)
		}
		failures = append(failures, fmt.Sprintf("%s: %s", r, pe.Class))
		next := f.routes[i+1]
		obs.notify(Notice{Kind: NoticeFallback, Provider: r.Name, Model: rreq.Model, Class: pe.Class,
			To: next.Name + "/" + cmpModel(next.Model, rreq.Model), Message: pe.Message})
		if streamed {
			obs.notify(Notice{Kind: NoticeRestart, Provider: r.Name, Model: rreq.Model, Class: pe.Class, Message: pe.Message})
			obs.Restart(pe)
		}
	}
	panic("unreachable")
}

// movesOn reports whether a failure of a route for model lets the chain
// continue on next.
func (f *fallback) movesOn(pe *Error, model string, next Route) bool {
	if pe.Class == ContextOverflow {
		return f.windows.Window(cmpModel(next.Model, model)) > f.windows.Window(model)
	}
	return pe.Class.FallsBack()
}

// wrap returns err with the failures of the routes before it, or err alone.
func (f *fallback) wrap(failures []string, err error) error {
	if len(failures) == 0 {
		return err
	}
	return fmt.Errorf("fallback after %s: %w", strings.Join(failures, ", "), err)
}

// cmpModel returns m, or def when m is empty.
func cmpModel(m, def string) string {
	if m == "" {
		return def
	}
	return m
}
