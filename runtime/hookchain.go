package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// hookChain calls the hooks of one run: the platform's, then its
// workspace's, each call contained by contain.
type hookChain struct {
	sets    []*Hooks
	timeout time.Duration
	log     zerolog.Logger
}

// hooksOf returns the functions registered for one point across c's sets,
// in order.
func hooksOf[F any](c hookChain, list func(*Hooks) *[]hook[F]) []F {
	var fns []F
	for _, h := range c.sets {
		fns = append(fns, snapshot(h, list(h))...)
	}
	return fns
}

// errContained is wrapped by contain's errors for a panic or an overrun.
var errContained = errors.New("contained")

// contain calls fn with a context that ends after timeout, in its own
// goroutine so that a panic or an overrun is contained: both come back as
// errors wrapping errContained, and an overrunning fn is abandoned.
func contain[T any](ctx context.Context, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answer struct {
		v   T
		err error
	}
	done := make(chan answer, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- answer{err: fmt.Errorf("%w: panicked: %v", errContained, p)}
			}
		}()
		v, err := fn(ctx)
		done <- answer{v, err}
	}()
	select {
	case a := <-done:
		return a.v, a.err
	case <-ctx.Done():
		var zero T
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return zero, fmt.Errorf("%w: exceeded its timeout of %s", errContained, timeout)
		}
		return zero, ctx.Err()
	}
}

// failed logs a contained hook failure.
func (c hookChain) failed(point string, run HookRun, err error, outcome string) {
	c.log.Warn().Str("hook", point).Str("workspace", run.WorkspaceID).Str("run", run.RunID).
		Err(err).Msg("hook failed; " + outcome)
}

// notify calls the hooks of a point whose answer is only an error.
func notify[E any](ctx context.Context, c hookChain, point string, run HookRun, fns []func(context.Context, E) error, ev E) {
	for _, fn := range fns {
		_, err := contain(ctx, c.timeout, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, fn(ctx, ev)
		})
		if err != nil {
			c.failed(point, run, err, "nothing changed")
		}
	}
}

// sessionStart calls the session_start hooks.
func (c hookChain) sessionStart(ctx context.Context, ev SessionHookEvent) {
	notify(ctx, c, "session_start", ev.HookRun, hooksOf(c, func(h *Hooks) *[]hook[func(context.Context, SessionHookEvent) error] { return &h.sessionStart }), ev)
}

// sessionEnd calls the session_end hooks.
func (c hookChain) sessionEnd(ctx context.Context, ev SessionHookEvent) {
	notify(ctx, c, "session_end", ev.HookRun, hooksOf(c, func(h *Hooks) *[]hook[func(context.Context, SessionHookEvent) error] { return &h.sessionEnd }), ev)
}

// agentEnd calls the after_agent_end hooks.
func (c hookChain) agentEnd(ctx context.Context, ev AgentEndEvent) {
	notify(ctx, c, "after_agent_end", ev.HookRun, hooksOf(c, func(h *Hooks) *[]hook[func(context.Context, AgentEndEvent) error] { return &h.agentEnd }), ev)
}

// agentStart calls the before_agent_start hooks and returns what they add
// to the system prompt, or an error wrapping ErrRunRefused when one
// refuses the run or fails.
func (c hookChain) agentStart(ctx context.Context, ev AgentStartEvent) (string, error) {
	var added []string
	for _, fn := range hooksOf(c, func(h *Hooks) *[]hook[func(context.Context, AgentStartEvent) (AgentStartVerdict, error)] {
		return &h.agentStart
	}) {
		v, err := contain(ctx, c.timeout, func(ctx context.Context) (AgentStartVerdict, error) { return fn(ctx, ev) })
		if err != nil {
			c.failed("before_agent_start", ev.HookRun, err, "the run is refused")
			return "", fmt.Errorf("%w: a before_agent_start hook failed: %v", ErrRunRefused, err)
		}
		if v.Refuse != "" {
			return "", fmt.Errorf("%w by a before_agent_start hook: %s", ErrRunRefused, v.Refuse)
		}
		if s := strings.TrimSpace(v.AppendSystem); s != "" {
			added = append(added, s)
			ev.SystemPrompt += "\n\n" + s
		}
	}
	if len(added) == 0 {
		return "", nil
	}
	return "\n\n" + strings.Join(added, "\n\n"), nil
}

// hasBeforeTool reports whether any before_tool_call hook is registered.
func (c hookChain) hasBeforeTool() bool {
	return slices.ContainsFunc(c.sets, func(h *Hooks) bool {
		h.mu.RLock()
		defer h.mu.RUnlock()
		return len(h.beforeTool) > 0
	})
}

// beforeTool calls the before_tool_call hooks on one call and returns the
// verdict: the first denial, else the last rewrite of the arguments. A
// failed hook or a rewrite that is not a JSON object denies the call.
func (c hookChain) beforeTool(ctx context.Context, ev ToolCallEvent) ToolVerdict {
	var verdict ToolVerdict
	for _, fn := range hooksOf(c, func(h *Hooks) *[]hook[func(context.Context, ToolCallEvent) (ToolVerdict, error)] {
		return &h.beforeTool
	}) {
		ev.Input = slices.Clone(ev.Input) // no hook can change what another sees
		v, err := contain(ctx, c.timeout, func(ctx context.Context) (ToolVerdict, error) { return fn(ctx, ev) })
		switch {
		case err != nil:
			c.failed("before_tool_call", ev.HookRun, err, "the call is denied")
			return ToolVerdict{Deny: "a before_tool_call hook failed"}
		case v.Deny != "":
			return ToolVerdict{Deny: v.Deny}
		case len(v.Input) > 0:
			if !isObject(v.Input) {
				c.failed("before_tool_call", ev.HookRun, errors.New("rewritten arguments are not a JSON object"), "the call is denied")
				return ToolVerdict{Deny: "a before_tool_call hook rewrote the arguments into something other than a JSON object"}
			}
			verdict.Input = slices.Clone(v.Input)
			ev.Input = verdict.Input
		}
	}
	return verdict
}

// afterTool calls the after_tool_call hooks on one call's output and
// returns the output the run keeps; a failed hook leaves it as it was.
func (c hookChain) afterTool(ctx context.Context, ev ToolResultEvent) ToolOutput {
	for _, fn := range hooksOf(c, func(h *Hooks) *[]hook[func(context.Context, ToolResultEvent) (ToolOutput, error)] {
		return &h.afterTool
	}) {
		ev.Input = slices.Clone(ev.Input)
		out, err := contain(ctx, c.timeout, func(ctx context.Context) (ToolOutput, error) { return fn(ctx, ev) })
		if err != nil {
			c.failed("after_tool_call", ev.HookRun, err, "the output is kept")
			continue
		}
		ev.Output = out
	}
	return ev.Output
}

// hasAfterTool reports whether any after_tool_call hook is registered.
func (c hookChain) hasAfterTool() bool {
	return slices.ContainsFunc(c.sets, func(h *Hooks) bool {
		h.mu.RLock()
		defer h.mu.RUnlock()
		return len(h.afterTool) > 0
	})
}

// isObject reports whether raw is a JSON object.
func isObject(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && m != nil
}
