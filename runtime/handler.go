package runtime

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bulkhead-dev/bulkhead/egress"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/sessions"
	"github.com/rs/zerolog"
)

// run is the host side of one agent run: it serves the guest's host calls
// (wasmhost.Handler) and gathers the result.
type run struct {
	workspaceID string
	runID       string     // names the run in egress events
	egress      *runEgress // the run's network, nil without
	sessionID   string
	model       string
	system      string
	maxTurns    int
	history     []chat.Message // prior transcript
	message     chat.Message   // the new user message
	llm         providers.Provider
	calls       modelSetup // settings, prices and context window of its model calls
	store       *sessions.Store
	tools       map[string]hostTool
	toolSpecs   []chat.Tool
	emit        func(Event)
	// toolBudget is the budget of one built-in tool call, toolGrace how
	// far past it the host waits; stop ends the run's guest with a cause
	// when a call overruns both (see watch).
	toolBudget, toolGrace time.Duration
	jail                  JailLimits // the workspace's, tightened by the request
	stop                  context.CancelCauseFunc
	hooks                 hookChain
	parentRunID           string          // the run whose subagent call started this one
	depth                 int             // subagent levels above this run
	appended              int             // messages the run added to its transcript
	parentSession         string          // the parent's session, for a subagent
	allowed               map[string]bool // the tools a subagent's role allows; nil: all
	budgets               Budgets         // this run's own, tightened by its request
	budget                *treeBudget     // its root's, shared with the whole tree
	meter                 *jailMeter
	writeBytes            atomic.Int64 // bytes of write and edit calls

	log zerolog.Logger

	mu         sync.Mutex
	turn       int    // model calls so far
	answeredBy string // the model that answered the last turn, for the transcript
	provider   string // the provider that answered it
	result     RunResult
	stepIn     *hostcall.StepInput  // the input of the step in progress
	stepOut    *hostcall.StepOutput // its output, once step.end came
	pending    map[string]*ToolCall
	watches    map[string]*time.Timer // running built-in tool calls by id
	// decisions are the before_tool_call verdicts on the calls of the
	// model's last answer, by call id; rewrites the outputs of built-in
	// calls of the step in progress that after_tool_call hooks changed.
	decisions map[string]hostcall.ToolDecision
	rewrites  map[string]ToolOutput
}

// hookRun returns the identity of the run for a hook payload, with its
// usage so far.
func (r *run) hookRun() HookRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	return HookRun{WorkspaceID: r.workspaceID, SessionID: r.sessionID, RunID: r.runID,
		ParentRunID: r.parentRunID, Depth: r.depth, Usage: r.result.Usage}
}

// ErrToolTimeout is wrapped by the error of a run whose guest was stopped
// because a built-in tool call ran past its budget and grace.
var ErrToolTimeout = errors.New("built-in tool call overran its time budget")

// hostTool is a tool the host serves for a step's host_calls: tc names the
// call, input is the model's arguments.
type hostTool func(ctx context.Context, tc ToolContext, input json.RawMessage) (text string, isError bool)

// HandleHostCall implements wasmhost.Handler for the step the run is in:
// step.begin answers the step's input, step.end takes its output, and
// event.emit reports the built-in tools' progress.
func (r *run) HandleHostCall(ctx context.Context, method string, payload []byte) ([]byte, error) {
	switch method {
	case hostcall.MethodStepBegin:
		r.mu.Lock()
		in := r.stepIn
		r.mu.Unlock()
		if in == nil {
			return nil, hostcall.Errorf(hostcall.Failed, "no step in progress")
		}
		return json.Marshal(in)
	case hostcall.MethodStepEnd:
		var out hostcall.StepOutput
		if err := decode(payload, &out); err != nil {
			return nil, err
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.stepOut != nil {
			return nil, hostcall.Errorf(hostcall.BadRequest, "step.end called twice")
		}
		r.stepOut = &out
		return []byte("{}"), nil
	case hostcall.MethodEventEmit:
		var ev hostcall.Event
		if err := decode(payload, &ev); err != nil {
			return nil, err
		}
		if ev.Type == hostcall.EventToolEnd && ev.Result != nil {
			r.afterBuiltin(ctx, &ev)
		}
		r.toolEvent(ev)
		return []byte("{}"), nil
	}
	return nil, hostcall.Errorf(hostcall.UnknownMethod, "no method %q", method)
}

// complete makes one model turn on the host, streaming text deltas as
// events and reporting the provider layer's notices. The model, system
// prompt and request settings are the run's, whatever the guest sent: the
// guest chooses the conversation, not the account it is billed to.
func (r *run) complete(ctx context.Context, req chat.Request) (*chat.Response, error) {
	req.Model, req.System = r.model, r.system
	r.calls.settings.apply(&req)
	req.Messages = chat.Coalesce(req.Messages)
	if r.allowed != nil {
		req.Tools = slices.DeleteFunc(slices.Clone(req.Tools), func(t chat.Tool) bool { return !r.allows(t.Name) })
	}
	r.mu.Lock()
	r.turn++
	turn := r.turn
	r.mu.Unlock()
	r.emit(Event{Type: EventTurnStart, Turn: turn, Model: r.model})
	resp, err := r.llm.Complete(r.observe(ctx, turn), req, func(delta string) {
		r.emit(Event{Type: EventTextDelta, Turn: turn, Text: delta})
	})
	if err != nil {
		return nil, err
	}
	answeredBy := cmp.Or(resp.Model, r.model)
	r.mu.Lock()
	r.answeredBy = answeredBy
	r.provider = cmp.Or(resp.Provider, r.provider)
	r.mu.Unlock()
	cost := r.account(resp)
	usage := resp.Usage
	r.emit(Event{Type: EventUsage, Turn: turn, Provider: resp.Provider, Model: answeredBy, Usage: &usage, CostUSD: cost})
	return resp, nil
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
		if !call.IsError {
			r.writeBytes.Add(writtenBytes(call.Name, call.Input))
		}
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

// networkEvent reports one connection of the run's jails, as the egress
// proxy logged it, and counts its bytes.
func (r *run) networkEvent(ev egress.Event) {
	r.mu.Lock()
	r.result.Network.Connections++
	r.result.Network.BytesUp += ev.BytesUp
	r.result.Network.BytesDown += ev.BytesDown
	if !ev.Allowed {
		r.result.Network.Refused++
	}
	r.mu.Unlock()
	r.emit(Event{Type: EventNetwork, Network: &ev})
	if !ev.Allowed {
		r.log.Info().Str("workspace", ev.Workspace).Str("run", ev.Run).Str("tool_call", ev.ToolCall).Str("skill", ev.Skill).
			Str("host", ev.Host).Str("reason", string(ev.Reason)).Msg("egress refused")
	}
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

// writtenBytes is what a successful write or edit call put into a file:
// write's content, edit's replacement texts; 0 for other tools.
func writtenBytes(tool string, input json.RawMessage) int64 {
	var in struct {
		Content string `json:"content"`
		Edits   []struct {
			NewText string `json:"newText"`
		} `json:"edits"`
	}
	if (tool != "write" && tool != "edit") || json.Unmarshal(input, &in) != nil {
		return 0
	}
	n := int64(len(in.Content))
	for _, e := range in.Edits {
		n += int64(len(e.NewText))
	}
	return n
}
