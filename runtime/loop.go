package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/wasmhost"
)

// drive runs the agent loop of r step by step (docs/hostcall.md, "Step-wise
// agent guests"): each step runs in a fresh guest instance, which reads the
// model's answer, runs the built-in tools and says what comes next; between
// steps no guest is alive while the host calls the model or serves its
// tools. The host persists what each step appends to the transcript before
// it acts, and keeps the conversation and the step's opaque state.
func (r *run) drive(ctx context.Context, host *wasmhost.Host, dir string, timeout time.Duration) (*RunResult, error) {
	conv := append(append([]chat.Message(nil), r.history...), r.message)
	persisted := len(r.history) // conv[:persisted] is in the transcript
	in := hostcall.StepInput{
		Model: r.model, System: r.system, MaxTurns: r.maxTurns, ToolBudgetMs: r.toolBudget.Milliseconds(),
		HostTools: r.toolSpecs, Messages: conv,
	}
	// Every turn takes at most two steps (its answer, then its host tools'
	// results), and the first step asks for the first turn.
	for steps := 0; steps <= 2*r.maxTurns+1; steps++ {
		out, err := r.step(ctx, host, dir, timeout, &in)
		if err != nil {
			return nil, r.failure(ctx, timeout, err)
		}
		if err := checkStep(&in, out); err != nil {
			return nil, fmt.Errorf("agent guest: %w", err)
		}
		r.applyRewrites(out)
		if len(out.Append) > 0 {
			// The run's new user message rides with the first answer: a
			// run whose first model call fails leaves the transcript as it
			// was.
			if err := r.persist(append(conv[persisted:len(conv):len(conv)], out.Append...)); err != nil {
				return nil, fmt.Errorf("transcript: %w", err)
			}
			conv = append(conv, out.Append...)
			r.appended += len(conv) - persisted
			persisted = len(conv)
		}
		next := hostcall.StepInput{
			Model: in.Model, System: in.System, MaxTurns: in.MaxTurns, ToolBudgetMs: in.ToolBudgetMs,
			HostTools: in.HostTools, Messages: conv, Turn: in.Turn, State: out.State,
		}
		switch out.Action {
		case hostcall.ActionFinish:
			r.mu.Lock()
			defer r.mu.Unlock()
			res := r.result
			res.Response, res.Turns, res.Reason = out.Finish.Response, out.Finish.Turns, out.Finish.Reason
			return &res, nil
		case hostcall.ActionComplete:
			if reason := r.budget.spent(); reason != "" {
				return r.finishAt(conv, in.Turn, reason), nil
			}
			req := *out.Request
			// The host's copy: hooks may have changed results, and the
			// context guard may shrink or compact it.
			conv, persisted, err = r.guard(ctx, req, conv, persisted)
			if err != nil {
				return nil, r.failure(ctx, timeout, err)
			}
			req.Messages, next.Messages = conv, conv
			resp, err := r.complete(ctx, req)
			if err != nil {
				return nil, r.failure(ctx, timeout, err)
			}
			next.Turn, next.Response = in.Turn+1, resp
			next.Decisions = r.decide(ctx, resp.Message)
		case hostcall.ActionHostTools:
			next.HostResults = r.hostCalls(ctx, out.HostCalls)
			if err := ctx.Err(); err != nil {
				return nil, r.failure(ctx, timeout, err)
			}
		}
		in = next
	}
	return nil, errors.New("agent guest: more steps than its turn limit allows")
}

// persist appends msgs to the run's transcript, linked to its parent's
// for a subagent.
func (r *run) persist(msgs []chat.Message) error {
	if r.parentSession != "" {
		return r.store.AppendFrom(r.sessionID, r.parentSession, r.answeredBy, msgs...)
	}
	return r.store.Append(r.sessionID, r.answeredBy, msgs...)
}

// finishAt is the result of a run that a spent budget stops before its
// next model call: the last text the model wrote, and reason.
func (r *run) finishAt(conv []chat.Message, turns int, reason hostcall.FinishReason) *RunResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.result
	res.Turns, res.Reason = turns, reason
	for i := len(conv) - 1; i >= 0; i-- {
		if conv[i].Role == chat.RoleAssistant {
			res.Response = conv[i].Text()
			break
		}
	}
	return &res
}

// step runs one guest step with input in and returns its output.
func (r *run) step(ctx context.Context, host *wasmhost.Host, dir string, timeout time.Duration, in *hostcall.StepInput) (*hostcall.StepOutput, error) {
	r.mu.Lock()
	r.stepIn, r.stepOut = in, nil
	r.mu.Unlock()
	err := host.RunAgent(ctx, wasmhost.RunSpec{
		Workspace: dir,
		Handler:   r,
		Methods:   wasmhost.AgentMethods,
		Limits:    wasmhost.Limits{Timeout: timeout},
		Stderr:    logWriter{r.log},
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if r.stepOut == nil {
		return nil, errors.New("agent guest exited without ending its step")
	}
	return r.stepOut, nil
}

// failure is the run's error for err: the run's time limit, its
// cancellation, or err itself.
func (r *run) failure(ctx context.Context, timeout time.Duration, err error) error {
	if errors.Is(context.Cause(ctx), ErrMaxRunTime) {
		return fmt.Errorf("%w of %s: %w", ErrMaxRunTime, timeout, context.DeadlineExceeded)
	}
	return err
}

// ErrMaxRunTime is wrapped, with context.DeadlineExceeded, by the error
// of a run stopped by its wall-clock budget (Budgets.MaxRunTime,
// RunRequest.Timeout).
var ErrMaxRunTime = errors.New("run exceeded its time budget (max run time)")

// hostCalls serves the host tool calls a step asked for, in order, with
// their start and end events, and returns their results.
func (r *run) hostCalls(ctx context.Context, calls []hostcall.ToolCall) []hostcall.HostResult {
	results := make([]hostcall.HostResult, 0, len(calls))
	for _, c := range calls {
		if d := r.decision(c.ID); len(d.Input) > 0 {
			c.Input = d.Input // the guest passes them on too; the host's copy rules
		}
		r.toolEvent(hostcall.Event{Type: hostcall.EventToolStart, ID: c.ID, Name: c.Name, Input: c.Input})
		res := r.hostCall(ctx, c)
		r.toolEvent(hostcall.Event{Type: hostcall.EventToolEnd, ID: c.ID, Name: c.Name, Result: &res})
		results = append(results, hostcall.HostResult{ToolUseID: c.ID, Text: res.Text, IsError: res.IsError})
	}
	return results
}

// callTool runs one host tool call; an unknown tool is an error result.
func (r *run) callTool(ctx context.Context, c hostcall.ToolCall) hostcall.ToolResult {
	tool, ok := r.tools[c.Name]
	if !ok {
		return hostcall.ToolResult{Text: fmt.Sprintf("unknown tool %q", c.Name), IsError: true}
	}
	if ctx.Err() != nil {
		return hostcall.ToolResult{Text: "not run: the run was stopped", IsError: true}
	}
	text, isErr := tool(ctx, ToolContext{WorkspaceID: r.workspaceID, SessionID: r.sessionID, RunID: r.runID, CallID: c.ID}, c.Input)
	return hostcall.ToolResult{Text: capResult(text, DefaultToolResultBytes), IsError: isErr}
}

// checkStep refuses a step output that breaks the protocol: an unknown
// action or one without its payload, an append that does not start with
// the model's answer when there is one, tool results that do not answer
// exactly the calls of the answer they follow, or messages of a role the
// transcript does not hold.
func checkStep(in *hostcall.StepInput, out *hostcall.StepOutput) error {
	switch {
	case out.Action == hostcall.ActionComplete && out.Request == nil,
		out.Action == hostcall.ActionHostTools && len(out.HostCalls) == 0,
		out.Action == hostcall.ActionFinish && out.Finish == nil:
		return fmt.Errorf("step action %q without its payload", out.Action)
	case out.Action != hostcall.ActionComplete && out.Action != hostcall.ActionHostTools && out.Action != hostcall.ActionFinish:
		return fmt.Errorf("unknown step action %q", out.Action)
	}
	app := out.Append
	prev := chat.Message{}
	if len(in.Messages) > 0 {
		prev = in.Messages[len(in.Messages)-1]
	}
	if in.Response != nil {
		if len(app) == 0 || !sameMessage(app[0], in.Response.Message) {
			return errors.New("step did not append the model's answer as given")
		}
		prev, app = app[0], app[1:]
	}
	for _, m := range app {
		if m.Role != chat.RoleUser || !answers(m, prev) {
			return errors.New("step appended a message that does not answer the model's tool calls")
		}
		prev = m
	}
	return nil
}

// sameMessage reports whether a and b encode alike.
func sameMessage(a, b chat.Message) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// answers reports whether m holds exactly one tool result for each tool
// call of answer, in order.
func answers(m, answer chat.Message) bool {
	uses := answer.ToolUses()
	if len(uses) == 0 || len(m.Content) != len(uses) {
		return false
	}
	for i, b := range m.Content {
		if b.Type != chat.BlockToolResult || b.ToolUseID != uses[i].ID {
			return false
		}
	}
	return true
}
