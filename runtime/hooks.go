package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// DefaultHookTimeout is the default Options.HookTimeout: how long one hook
// call may take before it is abandoned and treated as failed.
const DefaultHookTimeout = 5 * time.Second

// ErrRunRefused is wrapped by the error of a run that a before_agent_start
// hook refused, or whose before_agent_start hook failed; the message says
// which and why.
var ErrRunRefused = errors.New("run refused")

// HookRun identifies the run a hook is called for; every hook payload
// embeds it.
type HookRun struct {
	WorkspaceID string
	SessionID   string
	RunID       string
	// ParentRunID names the run whose subagent tool call started this
	// run, and Depth counts the subagent levels above it; "" and 0 for a
	// run the embedding program started.
	ParentRunID string
	Depth       int
	// Usage is the model usage of the run so far.
	Usage chat.Usage
}

// SessionHookEvent is the payload of session_start, called once the run
// holds its session and has loaded its transcript, and of session_end,
// called when the run is done with it (its transcript complete, before
// its lock is released).
type SessionHookEvent struct {
	HookRun
	// New is true when the session had no transcript before this run.
	New bool
	// Messages counts the messages of the transcript: as loaded at
	// session_start, as left at session_end.
	Messages int
}

// AgentStartEvent is the payload of before_agent_start, called before the
// run takes its session and calls the model.
type AgentStartEvent struct {
	HookRun
	Message      string // the user's message
	SystemPrompt string // the system prompt so far (earlier hooks' additions included)
	Model        string
}

// AgentStartVerdict is a before_agent_start hook's answer: a non-empty
// Refuse stops the run with an error wrapping ErrRunRefused that quotes
// it; AppendSystem is added to the system prompt (after a blank line).
// The zero value lets the run start unchanged.
type AgentStartVerdict struct {
	Refuse       string
	AppendSystem string
}

// AgentEndEvent is the payload of after_agent_end, called when a run that
// its before_agent_start hooks let start has ended: Result on success,
// Err on failure.
type AgentEndEvent struct {
	HookRun
	Result *RunResult
	Err    error
}

// ToolCallEvent is the payload of before_tool_call: the call the model
// asked for, with its arguments as rewritten by earlier hooks.
type ToolCallEvent struct {
	HookRun
	CallID string
	Tool   string
	Input  json.RawMessage
}

// ToolVerdict is a before_tool_call hook's answer: a non-empty Deny
// refuses the call (it does not run; the model gets the error result
// "denied: " + Deny), a non-empty Input replaces its arguments (a JSON
// object). The zero value allows the call unchanged.
type ToolVerdict struct {
	Deny  string
	Input json.RawMessage
}

// ToolResultEvent is the payload of after_tool_call: a call that ran and
// its output, as changed by earlier hooks.
type ToolResultEvent struct {
	HookRun
	CallID string
	Tool   string
	Input  json.RawMessage
	Output ToolOutput
}

// ToolOutput is the result of a tool call as the model sees it.
type ToolOutput struct {
	Text    string
	IsError bool
}

// Hooks holds the lifecycle hooks of a platform (Platform.Hooks, called
// for every run) or of one workspace (Workspace.Hooks, called for its runs
// only, after the platform's). Each registration method adds a hook and
// returns the function that removes it; hooks of a point are called in
// registration order. Safe for concurrent use; a run uses the hooks
// registered when it reaches each point.
//
// # Notes
//
//   - Hooks are the embedding program's trusted Go code, called on the
//     host. Each call gets a context that ends with the run or after the
//     hook timeout (Options.HookTimeout, default DefaultHookTimeout).
//   - A hook that returns an error, panics or overruns its timeout is
//     contained: the failure is logged and, for before_agent_start and
//     before_tool_call, treated as a refusal (fail closed); for the other
//     points it changes nothing. A hook that ignores its context keeps its
//     goroutine until it returns, but the run goes on without it.
//   - before_tool_call covers every tool: the guest's built-in file tools
//     (decided before the guest step that runs them, so a workspace
//     without such hooks pays nothing), bash, memory, skills, custom tools
//     and subagent. The hooks for all calls of one model turn run before
//     any of its calls.
type Hooks struct {
	mu           sync.RWMutex
	next         uint64
	sessionStart []hook[func(context.Context, SessionHookEvent) error]
	sessionEnd   []hook[func(context.Context, SessionHookEvent) error]
	agentStart   []hook[func(context.Context, AgentStartEvent) (AgentStartVerdict, error)]
	agentEnd     []hook[func(context.Context, AgentEndEvent) error]
	beforeTool   []hook[func(context.Context, ToolCallEvent) (ToolVerdict, error)]
	afterTool    []hook[func(context.Context, ToolResultEvent) (ToolOutput, error)]
}

// hook is one registered hook function and the id that removes it.
type hook[F any] struct {
	id uint64
	fn F
}

// add appends fn to *list under h's lock and returns its remover.
func add[F any](h *Hooks, list *[]hook[F], fn F) (remove func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.next++
	id := h.next
	*list = append(*list, hook[F]{id, fn})
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		*list = slices.DeleteFunc(*list, func(e hook[F]) bool { return e.id == id })
	}
}

// snapshot returns the functions of list under h's read lock.
func snapshot[F any](h *Hooks, list *[]hook[F]) []F {
	h.mu.RLock()
	defer h.mu.RUnlock()
	fns := make([]F, len(*list))
	for i, e := range *list {
		fns[i] = e.fn
	}
	return fns
}

// OnSessionStart registers fn for session_start; its error is logged.
func (h *Hooks) OnSessionStart(fn func(context.Context, SessionHookEvent) error) (remove func()) {
	return add(h, &h.sessionStart, fn)
}

// OnSessionEnd registers fn for session_end; its error is logged.
func (h *Hooks) OnSessionEnd(fn func(context.Context, SessionHookEvent) error) (remove func()) {
	return add(h, &h.sessionEnd, fn)
}

// BeforeAgentStart registers fn for before_agent_start: it may refuse the
// run or add to its system prompt (AgentStartVerdict); its failure
// refuses the run.
func (h *Hooks) BeforeAgentStart(fn func(context.Context, AgentStartEvent) (AgentStartVerdict, error)) (remove func()) {
	return add(h, &h.agentStart, fn)
}

// AfterAgentEnd registers fn for after_agent_end; its error is logged.
func (h *Hooks) AfterAgentEnd(fn func(context.Context, AgentEndEvent) error) (remove func()) {
	return add(h, &h.agentEnd, fn)
}

// BeforeToolCall registers fn for before_tool_call: it may deny the call
// or rewrite its arguments (ToolVerdict); its failure denies the call.
func (h *Hooks) BeforeToolCall(fn func(context.Context, ToolCallEvent) (ToolVerdict, error)) (remove func()) {
	return add(h, &h.beforeTool, fn)
}

// AfterToolCall registers fn for after_tool_call: it returns the output
// the model, the transcript and the events see (return ev.Output to keep
// it); its failure keeps the output it was given.
func (h *Hooks) AfterToolCall(fn func(context.Context, ToolResultEvent) (ToolOutput, error)) (remove func()) {
	return add(h, &h.afterTool, fn)
}
