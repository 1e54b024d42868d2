package agentloop

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
)

// Host is what the loop needs from the host: the version 1 host calls. The
// two calls of every turn take payloads the loop encodes itself (see
// conversation): Complete the JSON of a chat.Request, Append the JSON of
// messages.
type Host interface {
	RunStart() (*hostcall.RunStart, error)
	Complete(request []byte) (*chat.Response, error)
	Append(msgs []json.RawMessage) error
	CallTool(call hostcall.ToolCall) (*hostcall.ToolResult, error)
	Emit(ev hostcall.Event) error
	Finish(f hostcall.Finish) error
}

// Tools are the tools the guest runs itself (the built-in file tools).
type Tools interface {
	// Specs returns the schemas offered to the model.
	Specs() []chat.Tool
	// Has reports whether name is one of these tools.
	Has(name string) bool
	// Call runs a tool; failures are results with isError set.
	Call(name string, input json.RawMessage) (text string, isError bool)
	// SetBudget sets the wall-clock budget of each later call (the run's,
	// from run.start; 0 keeps the default). It is called before any Call.
	SetBudget(time.Duration)
}

// Run executes one agent run: it reads the run from the host, loops until the
// model answers without tool calls or the turn limit is reached, and
// reports the final answer with run.finish. It returns an error only when
// the host fails (a provider error, a cancelled run); tool failures go back
// to the model as error results.
func Run(host Host, tools Tools) error {
	// Before run.start, which a warm guest waits in: work that needs no run.
	guestTools, err := encodeTools(tools.Specs())
	if err != nil {
		return err
	}
	warmCodecs()
	rs, err := host.RunStart()
	if err != nil {
		return err
	}
	if rs.Cursor < 0 || rs.Cursor > len(rs.Messages) {
		return fmt.Errorf("run.start: cursor %d outside 0..%d", rs.Cursor, len(rs.Messages))
	}
	tools.SetBudget(time.Duration(rs.ToolBudgetMs) * time.Millisecond)
	hostTools, err := encodeTools(rs.HostTools)
	if err != nil {
		return err
	}
	conv, err := newConversation(rs, joinArrays(guestTools, hostTools))
	if err != nil {
		return err
	}
	// The new messages are persisted together with the first answer: the
	// first model request leaves without waiting for a disk flush, and a
	// run whose first model call fails leaves the transcript unchanged.
	pending, err := conv.add(rs.Messages...)
	if err != nil {
		return err
	}
	pending = pending[rs.Cursor:]
	var last string
	for turn := 1; turn <= rs.MaxTurns; turn++ {
		resp, err := host.Complete(conv.request())
		if err != nil {
			return err
		}
		answer, err := conv.add(resp.Message)
		if err != nil {
			return err
		}
		if err := host.Append(append(pending, answer...)); err != nil {
			return err
		}
		pending = nil
		last = resp.Message.Text()
		uses := resp.Message.ToolUses()
		if len(uses) == 0 {
			return host.Finish(hostcall.Finish{Response: last, Reason: hostcall.FinishEndTurn, Turns: turn})
		}
		results := make([]chat.Block, 0, len(uses))
		for _, use := range uses {
			res, err := runTool(host, tools, use)
			if err != nil {
				return err
			}
			results = append(results, chat.Block{
				Type: chat.BlockToolResult, ToolUseID: use.ID, Text: res.Text, IsError: res.IsError,
			})
		}
		encoded, err := conv.add(chat.Message{Role: chat.RoleUser, Content: results})
		if err != nil {
			return err
		}
		if err := host.Append(encoded); err != nil {
			return err
		}
	}
	return host.Finish(hostcall.Finish{Response: last, Reason: hostcall.FinishMaxTurns, Turns: rs.MaxTurns})
}

// runTool runs one tool_use block, built-in or host-served, and reports its
// start and end to the host. A host-side tool failure becomes an error
// result; only a cancelled or broken run returns an error.
func runTool(host Host, tools Tools, use chat.Block) (hostcall.ToolResult, error) {
	input := use.Input
	if len(input) == 0 {
		input = json.RawMessage("{}")
	}
	if err := emit(host, hostcall.Event{Type: hostcall.EventToolStart, ID: use.ID, Name: use.Name, Input: input}); err != nil {
		return hostcall.ToolResult{}, err
	}
	var res hostcall.ToolResult
	if tools.Has(use.Name) {
		res.Text, res.IsError = tools.Call(use.Name, input)
	} else {
		out, err := host.CallTool(hostcall.ToolCall{ID: use.ID, Name: use.Name, Input: input})
		var hcErr *hostcall.Error
		switch {
		case err == nil:
			res = *out
		case errors.As(err, &hcErr) && hcErr.Status != hostcall.Canceled:
			res = hostcall.ToolResult{Text: hcErr.Message, IsError: true}
		default:
			return hostcall.ToolResult{}, err
		}
	}
	if err := emit(host, hostcall.Event{Type: hostcall.EventToolEnd, ID: use.ID, Name: use.Name, Result: &res}); err != nil {
		return hostcall.ToolResult{}, err
	}
	return res, nil
}

// emit reports a progress event. Events are progress, not results: one the
// host's rate limit refuses is dropped rather than failing the run.
func emit(host Host, ev hostcall.Event) error {
	err := host.Emit(ev)
	var hcErr *hostcall.Error
	if errors.As(err, &hcErr) && hcErr.Status == hostcall.RateLimited {
		return nil
	}
	return err
}
