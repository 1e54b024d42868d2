package agentloop

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
)

// StepHost is what one step needs from the host: its input, a place for
// its output, and progress events.
type StepHost interface {
	Begin() (*hostcall.StepInput, error)
	End(out *hostcall.StepOutput) error
	Emit(ev hostcall.Event) error
}

// stepState is what a step keeps for the next one: the results of the
// built-in tool calls of a turn whose host tool calls are pending.
type stepState struct {
	Results []hostcall.HostResult `json:"results"`
}

// Step runs one step of an agent run (docs/hostcall.md, "Step-wise agent
// guests"): it reads the step's input, runs the built-in tool calls of the
// model's answer, and reports what the host does next. It returns an error
// only when the host fails or the input is inconsistent; tool failures go
// back to the model as error results.
func Step(host StepHost, tools Tools) error {
	in, err := host.Begin()
	if err != nil {
		return err
	}
	tools.SetBudget(time.Duration(in.ToolBudgetMs) * time.Millisecond)
	out, err := step(host, tools, in)
	if err != nil {
		return err
	}
	return host.End(out)
}

// step computes a step's output from its input.
func step(host StepHost, tools Tools, in *hostcall.StepInput) (*hostcall.StepOutput, error) {
	var state stepState
	if len(in.State) > 0 && string(in.State) != "null" {
		if err := json.Unmarshal(in.State, &state); err != nil {
			return nil, fmt.Errorf("step state: %w", err)
		}
	}
	out := &hostcall.StepOutput{}
	conv := append([]chat.Message(nil), in.Messages...)
	var uses []chat.Block
	switch {
	case in.Response != nil:
		answer := in.Response.Message
		out.Append = append(out.Append, answer)
		conv = append(conv, answer)
		uses = answer.ToolUses()
		if len(uses) == 0 {
			out.Action = hostcall.ActionFinish
			out.Finish = &hostcall.Finish{Response: answer.Text(), Reason: hostcall.FinishEndTurn, Turns: in.Turn}
			return out, nil
		}
		var hostCalls []hostcall.ToolCall
		for _, use := range uses {
			input := use.Input
			if len(input) == 0 {
				input = json.RawMessage("{}")
			}
			d := in.Decisions[use.ID]
			if len(d.Input) > 0 {
				input = d.Input
			}
			if !tools.Has(use.Name) && d.Deny == "" {
				hostCalls = append(hostCalls, hostcall.ToolCall{ID: use.ID, Name: use.Name, Input: input})
				continue
			}
			res, err := runBuiltin(host, tools, use, input, d.Deny)
			if err != nil {
				return nil, err
			}
			state.Results = append(state.Results, res)
		}
		if len(hostCalls) > 0 {
			st, err := json.Marshal(state)
			if err != nil {
				return nil, err
			}
			out.Action, out.HostCalls, out.State = hostcall.ActionHostTools, hostCalls, st
			return out, nil
		}
	case in.HostResults != nil:
		if len(conv) == 0 {
			return nil, errors.New("step: host results without a conversation")
		}
		uses = conv[len(conv)-1].ToolUses()
		state.Results = append(state.Results, in.HostResults...)
	}
	if uses != nil {
		msg, err := toolResults(uses, state.Results)
		if err != nil {
			return nil, err
		}
		out.Append = append(out.Append, msg)
		conv = append(conv, msg)
		if in.Turn >= in.MaxTurns {
			out.Action = hostcall.ActionFinish
			out.Finish = &hostcall.Finish{Response: lastText(conv), Reason: hostcall.FinishMaxTurns, Turns: in.Turn}
			return out, nil
		}
	}
	tools2 := append(tools.Specs(), in.HostTools...)
	out.Action = hostcall.ActionComplete
	out.Request = &chat.Request{Model: in.Model, System: in.System, Messages: conv, Tools: tools2}
	return out, nil
}

// runBuiltin runs one built-in tool call (or reports its denial), with its
// start and end events.
func runBuiltin(host StepHost, tools Tools, use chat.Block, input json.RawMessage, deny string) (hostcall.HostResult, error) {
	if err := emit(host, hostcall.Event{Type: hostcall.EventToolStart, ID: use.ID, Name: use.Name, Input: input}); err != nil {
		return hostcall.HostResult{}, err
	}
	res := hostcall.ToolResult{Text: "denied: " + deny, IsError: true}
	if deny == "" {
		res.Text, res.IsError = tools.Call(use.Name, input)
	}
	if err := emit(host, hostcall.Event{Type: hostcall.EventToolEnd, ID: use.ID, Name: use.Name, Result: &res}); err != nil {
		return hostcall.HostResult{}, err
	}
	return hostcall.HostResult{ToolUseID: use.ID, Text: res.Text, IsError: res.IsError}, nil
}

// toolResults builds the user message answering uses, in their order,
// from results (by tool-use id); a call without a result is an error.
func toolResults(uses []chat.Block, results []hostcall.HostResult) (chat.Message, error) {
	byID := make(map[string]hostcall.HostResult, len(results))
	for _, r := range results {
		byID[r.ToolUseID] = r
	}
	blocks := make([]chat.Block, 0, len(uses))
	for _, u := range uses {
		r, ok := byID[u.ID]
		if !ok {
			return chat.Message{}, fmt.Errorf("step: no result for tool call %s (%s)", u.ID, u.Name)
		}
		blocks = append(blocks, chat.Block{Type: chat.BlockToolResult, ToolUseID: u.ID, Text: r.Text, IsError: r.IsError})
	}
	return chat.Message{Role: chat.RoleUser, Content: blocks}, nil
}

// lastText is the text of the last assistant message of conv.
func lastText(conv []chat.Message) string {
	for i := len(conv) - 1; i >= 0; i-- {
		if conv[i].Role == chat.RoleAssistant {
			return conv[i].Text()
		}
	}
	return ""
}
