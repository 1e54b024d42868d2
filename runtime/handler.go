package runtime

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/sessions"
)

// run is the host side of one agent run: it serves the guest's host calls
// (wasmhost.Handler) and gathers the result.
type run struct {
	workspaceID string
	sessionID   string
	model       string
	system      string
	maxTurns    int
	history     []chat.Message // prior transcript
	message     chat.Message   // the new user message
	llm         providers.Provider
	store       *sessions.Store
	tools       map[string]hostTool
	toolSpecs   []chat.Tool
	emit        func(Event)
	// toolBudget is the budget of one built-in tool call, toolGrace how
	// far past it the host waits; stop ends the run's guest with a cause
	// when a call overruns both (see watch).
	toolBudget, toolGrace time.Duration
	stop                  context.CancelCauseFunc

	mu       sync.Mutex
	turn     int // model calls so far
	result   RunResult
	finished bool
	llmErr   error // first provider failure, reported as the run's error
	pending  map[string]*ToolCall
	watches  map[string]*time.Timer // running built-in tool calls by id
}

// ErrToolTimeout is wrapped by the error of a run whose guest was stopped
// because a built-in tool call ran past its budget and grace.
var ErrToolTimeout = errors.New("built-in tool call overran its time budget")

// hostTool is a tool served by tool.call: tc names the call, input is the
// model's arguments.
type hostTool func(ctx context.Context, tc ToolContext, input json.RawMessage) (text string, isError bool)

// HandleHostCall implements wasmhost.Handler.
func (r *run) HandleHostCall(ctx context.Context, method string, payload []byte) ([]byte, error) {
	switch method {
	case hostcall.MethodRunStart:
		msgs := append(append([]chat.Message(nil), r.history...), r.message)
		return json.Marshal(hostcall.RunStart{
			Model: r.model, System: r.system, Messages: msgs, Cursor: len(r.history),
			MaxTurns: r.maxTurns, HostTools: r.toolSpecs, ToolBudgetMs: r.toolBudget.Milliseconds(),
		})
	case hostcall.MethodLLMComplete:
		var req chat.Request
		if err := decode(payload, &req); err != nil {
			return nil, err
		}
		return r.complete(ctx, req)
	case hostcall.MethodTranscriptAppend:
		var a hostcall.Append
		if err := decode(payload, &a); err != nil {
			return nil, err
		}
		if err := r.store.Append(r.sessionID, r.model, a.Messages...); err != nil {
			return nil, fmt.Errorf("transcript: %w", err)
		}
		return []byte("{}"), nil
	case hostcall.MethodToolCall:
		var c hostcall.ToolCall
		if err := decode(payload, &c); err != nil {
			return nil, err
		}
		tool, ok := r.tools[c.Name]
		if !ok {
			return nil, hostcall.Errorf(hostcall.Failed, "unknown tool %q", c.Name)
		}
		text, isErr := tool(ctx, ToolContext{WorkspaceID: r.workspaceID, SessionID: r.sessionID, CallID: c.ID}, c.Input)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return json.Marshal(hostcall.ToolResult{Text: capResult(text, DefaultToolResultBytes), IsError: isErr})
	case hostcall.MethodEventEmit:
		var ev hostcall.Event
		if err := decode(payload, &ev); err != nil {
			return nil, err
		}
		r.toolEvent(ev)
		return []byte("{}"), nil
	case hostcall.MethodRunFinish:
		var f hostcall.Finish
		if err := decode(payload, &f); err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.result.Response, r.result.Turns, r.result.Reason = f.Response, f.Turns, f.Reason
		r.finished = true
		r.mu.Unlock()
		return []byte("{}"), nil
	}
	return nil, hostcall.Errorf(hostcall.UnknownMethod, "no method %q", method)
}

// complete makes one model turn on the host, streaming text deltas as
// events. The model and system prompt are the run's, whatever the guest
// sent: the guest chooses the conversation, not the account it is billed to.
func (r *run) complete(ctx context.Context, req chat.Request) ([]byte, error) {
	req.Model, req.System = r.model, r.system
	req.Messages = chat.Coalesce(req.Messages)
	r.mu.Lock()
	r.turn++
	turn := r.turn
	r.mu.Unlock()
	r.emit(Event{Type: EventTurnStart, Turn: turn, Model: r.model})
	resp, err := r.llm.Complete(ctx, req, func(delta string) {
		r.emit(Event{Type: EventTextDelta, Turn: turn, Text: delta})
	})
	if err != nil {
		r.mu.Lock()
		if r.llmErr == nil {
			r.llmErr = err
		}
		r.mu.Unlock()
		return nil, err
	}
	r.mu.Lock()
	r.result.Usage = r.result.Usage.Add(resp.Usage)
	r.mu.Unlock()
	usage := resp.Usage
	r.emit(Event{Type: EventUsage, Turn: turn, Model: cmp.Or(resp.Model, r.model), Usage: &usage})
	return json.Marshal(resp)
}

// toolEvent records a tool's start or end and forwards it to the caller.
func (r *run) toolEvent(ev hostcall.Event) {
	r.mu.Lock()
	call, ok := r.pending[ev.ID]
	switch {
	case ev.Type == hostcall.EventToolStart:
		call = &ToolCall{ID: ev.ID, Name: ev.Name, Input: ev.Input, started: time.Now()}
		r.pending[ev.ID] = call
		r.watch(ev.ID, ev.Name)
	case ev.Type == hostcall.EventToolEnd && ok && ev.Result != nil:
		call.Output, call.IsError = ev.Result.Text, ev.Result.IsError
		call.DurationMs = time.Since(call.started).Milliseconds()
		r.result.ToolCalls = append(r.result.ToolCalls, *call)
		delete(r.pending, ev.ID)
		if t := r.watches[ev.ID]; t != nil {
			t.Stop()
			delete(r.watches, ev.ID)
		}
	default:
		r.mu.Unlock()
		return
	}
	snapshot, turn := *call, r.turn
	r.mu.Unlock()
	typ := EventToolStart
	if ev.Type == hostcall.EventToolEnd {
		typ = EventToolEnd
	}
	r.emit(Event{Type: typ, Turn: turn, Tool: &snapshot})
}

// watch starts the backstop of built-in tool call id: the guest stops a
// call at its budget by itself, and if it has not reported the call's end
// within the budget and toolGrace, the run's guest is stopped as
// its deadline would stop it. r.mu must be held.
func (r *run) watch(id, name string) {
	if !slices.Contains(guestToolNames, name) || r.stop == nil {
		return
	}
	if r.watches == nil {
		r.watches = map[string]*time.Timer{}
	}
	limit := r.toolBudget + r.toolGrace
	r.watches[id] = time.AfterFunc(limit, func() {
		r.stop(fmt.Errorf("%w: %s ran for more than %s (budget %s); the agent guest was stopped", ErrToolTimeout, name, limit, r.toolBudget))
	})
}

// decode unmarshals a host-call payload, answering BadRequest on failure.
func decode(payload []byte, v any) error {
	if err := json.Unmarshal(payload, v); err != nil {
		return hostcall.Errorf(hostcall.BadRequest, "invalid payload: %v", err)
	}
	return nil
}
