package agentloop

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
)

// fakeHost scripts model turns and records every host call.
type fakeHost struct {
	start     hostcall.RunStart
	turns     []chat.Message
	requests  []chat.Request
	appended  []chat.Message
	events    []hostcall.Event
	toolCalls []hostcall.ToolCall
	toolErr   error
	emitErr   error
	finish    *hostcall.Finish
}

func (h *fakeHost) RunStart() (*hostcall.RunStart, error) { return &h.start, nil }

func (h *fakeHost) Complete(request []byte) (*chat.Response, error) {
	var req chat.Request
	if err := json.Unmarshal(request, &req); err != nil {
		return nil, err
	}
	h.requests = append(h.requests, req)
	if len(h.turns) == 0 {
		return nil, &hostcall.Error{Method: hostcall.MethodLLMComplete, Status: hostcall.Failed, Message: "script exhausted"}
	}
	m := h.turns[0]
	h.turns = h.turns[1:]
	return &chat.Response{Message: m}, nil
}

func (h *fakeHost) Append(raw []json.RawMessage) error {
	var p hostcall.Append
	if err := json.Unmarshal(hostcall.EncodeAppend(raw), &p); err != nil {
		return err
	}
	h.appended = append(h.appended, p.Messages...)
	return nil
}

func (h *fakeHost) CallTool(c hostcall.ToolCall) (*hostcall.ToolResult, error) {
	h.toolCalls = append(h.toolCalls, c)
	if h.toolErr != nil {
		return nil, h.toolErr
	}
	return &hostcall.ToolResult{Text: "host:" + c.Name}, nil
}

func (h *fakeHost) Emit(ev hostcall.Event) error {
	if h.emitErr != nil {
		return h.emitErr
	}
	h.events = append(h.events, ev)
	return nil
}

func (h *fakeHost) Finish(f hostcall.Finish) error { h.finish = &f; return nil }

type echoTools struct{}

func (echoTools) Specs() []chat.Tool { return []chat.Tool{{Name: "read"}} }
func (echoTools) Has(n string) bool  { return n == "read" }
func (echoTools) Call(n string, in json.RawMessage) (string, bool) {
	return "builtin:" + string(in), strings.Contains(string(in), "bad")
}
func (echoTools) SetBudget(time.Duration) {}

// budgetTools records the budget the loop sets.
type budgetTools struct {
	echoTools
	budget *time.Duration
}

func (b budgetTools) SetBudget(d time.Duration) { *b.budget = d }

// TestRunSetsToolBudget: run.start's tool budget reaches the tools before
// the first model turn.
func TestRunSetsToolBudget(t *testing.T) {
	var got time.Duration
	h := &fakeHost{
		start: hostcall.RunStart{MaxTurns: 1, ToolBudgetMs: 2500, Messages: []chat.Message{chat.UserText("go")}},
		turns: []chat.Message{assistant(chat.Block{Type: chat.BlockText, Text: "done"})},
	}
	if err := Run(h, budgetTools{budget: &got}); err != nil {
		t.Fatal(err)
	}
	if got != 2500*time.Millisecond {
		t.Fatalf("budget %v, want 2.5s", got)
	}
}

func toolUse(id, name, input string) chat.Block {
	return chat.Block{Type: chat.BlockToolUse, ID: id, Name: name, Input: json.RawMessage(input)}
}

func assistant(blocks ...chat.Block) chat.Message {
	return chat.Message{Role: chat.RoleAssistant, Content: blocks}
}

func TestRunToolsThenAnswer(t *testing.T) {
	h := &fakeHost{
		start: hostcall.RunStart{
			Model: "m", System: "sys", MaxTurns: 5, Cursor: 1,
			Messages:  []chat.Message{chat.UserText("old"), chat.UserText("new")},
			HostTools: []chat.Tool{{Name: "bash"}},
		},
		turns: []chat.Message{
			assistant(toolUse("a", "read", `{"path":"x"}`), toolUse("b", "bash", `{"command":"ls"}`), toolUse("c", "read", `{"path":"bad"}`)),
			assistant(chat.Block{Type: chat.BlockText, Text: "done"}),
		},
	}
	if err := Run(h, echoTools{}); err != nil {
		t.Fatal(err)
	}
	if h.finish == nil || h.finish.Response != "done" || h.finish.Reason != hostcall.FinishEndTurn || h.finish.Turns != 2 {
		t.Fatalf("finish = %+v", h.finish)
	}
	// The new user message, two assistant turns and one tool-result message.
	if len(h.appended) != 4 || h.appended[0].Text() != "new" {
		t.Fatalf("appended %d messages: %+v", len(h.appended), h.appended)
	}
	results := h.appended[2].Content
	if len(results) != 3 {
		t.Fatalf("tool results = %+v", results)
	}
	wantIDs := []string{"a", "b", "c"}
	for i, r := range results {
		if r.Type != chat.BlockToolResult || r.ToolUseID != wantIDs[i] {
			t.Errorf("result %d = %+v", i, r)
		}
	}
	if results[1].Text != "host:bash" || !results[2].IsError || results[0].IsError {
		t.Errorf("results = %+v", results)
	}
	if len(h.toolCalls) != 1 || h.toolCalls[0].Name != "bash" {
		t.Errorf("host tool calls = %+v", h.toolCalls)
	}
	if len(h.events) != 6 || h.events[0].Type != hostcall.EventToolStart || h.events[5].Type != hostcall.EventToolEnd {
		t.Errorf("events = %+v", h.events)
	}
	// The second request carries the full history and both tool sets.
	r := h.requests[1]
	if len(r.Messages) != 4 || r.System != "sys" || r.Model != "m" || len(r.Tools) != 2 {
		t.Errorf("second request = %+v", r)
	}
}

func TestRunStopsAtMaxTurns(t *testing.T) {
	loop := assistant(chat.Block{Type: chat.BlockText, Text: "again"}, toolUse("x", "read", `{}`))
	h := &fakeHost{
		start: hostcall.RunStart{MaxTurns: 2, Messages: []chat.Message{chat.UserText("go")}},
		turns: []chat.Message{loop, loop, loop},
	}
	if err := Run(h, echoTools{}); err != nil {
		t.Fatal(err)
	}
	if h.finish.Reason != hostcall.FinishMaxTurns || len(h.requests) != 2 || h.finish.Response != "again" {
		t.Fatalf("finish = %+v after %d requests", h.finish, len(h.requests))
	}
}

func TestHostToolFailureGoesToModel(t *testing.T) {
	h := &fakeHost{
		start:   hostcall.RunStart{MaxTurns: 3, Messages: []chat.Message{chat.UserText("go")}},
		turns:   []chat.Message{assistant(toolUse("x", "nope", `{}`)), assistant(chat.Block{Type: chat.BlockText, Text: "ok"})},
		toolErr: &hostcall.Error{Status: hostcall.Failed, Message: `unknown tool "nope"`},
	}
	if err := Run(h, echoTools{}); err != nil {
		t.Fatal(err)
	}
	res := h.appended[2].Content[0]
	if !res.IsError || !strings.Contains(res.Text, "unknown tool") {
		t.Fatalf("result = %+v", res)
	}
}

func TestCancelAbortsRun(t *testing.T) {
	cancel := &hostcall.Error{Status: hostcall.Canceled, Message: "context canceled"}
	h := &fakeHost{
		start:   hostcall.RunStart{MaxTurns: 3, Messages: []chat.Message{chat.UserText("go")}},
		turns:   []chat.Message{assistant(toolUse("x", "bash", `{}`))},
		toolErr: cancel,
	}
	err := Run(h, echoTools{})
	if !errors.Is(err, cancel) || h.finish != nil {
		t.Fatalf("err = %v, finish = %+v", err, h.finish)
	}
}

func TestProviderErrorAborts(t *testing.T) {
	h := &fakeHost{start: hostcall.RunStart{MaxTurns: 3, Messages: []chat.Message{chat.UserText("go")}}}
	if err := Run(h, echoTools{}); err == nil || h.finish != nil {
		t.Fatalf("err = %v, finish = %+v", err, h.finish)
	}
	if len(h.appended) != 0 {
		t.Fatalf("a failed first turn appended %d messages", len(h.appended))
	}
}

func TestBadCursor(t *testing.T) {
	h := &fakeHost{start: hostcall.RunStart{MaxTurns: 1, Cursor: 2, Messages: []chat.Message{chat.UserText("go")}}}
	if err := Run(h, echoTools{}); err == nil {
		t.Fatal("want error for cursor beyond messages")
	}
}

// TestRequestEncoding checks the incrementally built request against
// encoding/json's encoding of the same chat.Request.
func TestRequestEncoding(t *testing.T) {
	rs := &hostcall.RunStart{Model: "m", System: "s\"q", MaxTokens: 9}
	a, err := encodeTools([]chat.Tool{{Name: "a", Parameters: json.RawMessage(`{"type":"object"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := encodeTools([]chat.Tool{{Name: "b"}})
	none, _ := encodeTools(nil)
	if string(joinArrays(none, b)) != string(b) || string(joinArrays(a, none)) != string(a) {
		t.Fatalf("joinArrays with an empty array: %s, %s", joinArrays(none, b), joinArrays(a, none))
	}
	tools := joinArrays(a, b)
	conv, err := newConversation(rs, tools)
	if err != nil {
		t.Fatal(err)
	}
	msgs := []chat.Message{chat.UserText("hi"), assistant(toolUse("1", "a", `{"x":[1,2]}`))}
	conv.add(msgs...)
	var got chat.Request
	if err := json.Unmarshal(conv.request(), &got); err != nil {
		t.Fatalf("request is not JSON: %v\n%s", err, conv.request())
	}
	want := chat.Request{Model: "m", System: "s\"q", MaxTokens: 9, Messages: msgs,
		Tools: []chat.Tool{{Name: "a", Parameters: json.RawMessage(`{"type":"object"}`)}, {Name: "b"}}}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("request\n got %s\nwant %s", gotJSON, wantJSON)
	}
}

func TestRequestEncodingMinimal(t *testing.T) {
	none, _ := encodeTools(nil)
	conv, err := newConversation(&hostcall.RunStart{Model: "m"}, none)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(conv.request()); got != `{"model":"m","tools":[],"messages":[]}` {
		t.Fatalf("request = %s", got)
	}
}

func TestRateLimitedEventsAreDropped(t *testing.T) {
	h := &fakeHost{
		start:   hostcall.RunStart{MaxTurns: 3, Messages: []chat.Message{chat.UserText("go")}},
		turns:   []chat.Message{assistant(toolUse("x", "read", `{}`)), assistant(chat.Block{Type: chat.BlockText, Text: "ok"})},
		emitErr: &hostcall.Error{Status: hostcall.RateLimited, Message: "slow down"},
	}
	if err := Run(h, echoTools{}); err != nil || h.finish == nil || h.finish.Response != "ok" {
		t.Fatalf("err = %v, finish = %+v", err, h.finish)
	}
	h = &fakeHost{
		start:   hostcall.RunStart{MaxTurns: 3, Messages: []chat.Message{chat.UserText("go")}},
		turns:   []chat.Message{assistant(toolUse("x", "read", `{}`))},
		emitErr: &hostcall.Error{Status: hostcall.Canceled, Message: "gone"},
	}
	if err := Run(h, echoTools{}); err == nil {
		t.Fatal("a cancelled emit must end the run")
	}
}
