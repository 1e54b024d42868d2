//go:build linux

package stepguest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/tools-wasm/builtin"
)

func toolUse(id, name, input string) chat.Block {
	b := chat.Block{Type: chat.BlockToolUse, ID: id, Name: name}
	if input != "" {
		b.Input = json.RawMessage(input)
	}
	return b
}

func assistant(blocks ...chat.Block) chat.Message {
	return chat.Message{Role: chat.RoleAssistant, Content: blocks}
}

func answer(m chat.Message) *chat.Response {
	return &chat.Response{Message: m, StopReason: chat.StopToolUse}
}

// decode unmarshals raw JSON into a value of type T.
func decode[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	return v
}

// sameJSON fails unless a and b encode the same value.
func sameJSON(t *testing.T, what string, a, b any) {
	t.Helper()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("%s:\n got %s\nwant %s", what, ja, jb)
	}
}

var bashTool = chat.Tool{Name: "bash", Description: "Run a command.", Parameters: json.RawMessage(`{"type":"object","properties":{"command":{"type":"string"}}}`)}

// TestFirstStep: without a response the step asks for the first model
// turn, with the conversation and the built-in tools' specs exactly as
// the Go toolbox gives them, followed by the host tools.
func TestFirstStep(t *testing.T) {
	msgs := []chat.Message{chat.UserText("earlier"), assistant(chat.Block{Type: chat.BlockText, Text: "ok <&>"}), chat.UserText("now \u2028 é")}
	out, events := runStep(t, t.TempDir(), stepInput{Model: "m", System: "s", MaxTurns: 5, HostTools: []chat.Tool{bashTool}, Messages: msgs})
	if out.Action != "complete" || len(out.Append) != 0 || out.Request == nil || len(events) != 0 {
		t.Fatalf("output %+v, events %v", out, events)
	}
	var got []chat.Message
	for _, m := range out.Request.Messages {
		got = append(got, decode[chat.Message](t, m))
	}
	sameJSON(t, "request messages", got, msgs)
	want := append((&builtin.Toolbox{}).Specs(), bashTool)
	sameJSON(t, "request tools", out.Request.Tools, want)
}

// TestFirstStepNoHostTools: host_tools null or empty leaves the built-in
// tools alone.
func TestFirstStepNoHostTools(t *testing.T) {
	out, _ := runStep(t, t.TempDir(), stepInput{MaxTurns: 1, Messages: []chat.Message{chat.UserText("hi")}})
	sameJSON(t, "tools", out.Request.Tools, (&builtin.Toolbox{}).Specs())
}

// TestEndTurn: an answer without tool calls is appended and finishes the
// run with its text.
func TestEndTurn(t *testing.T) {
	msg := assistant(chat.Block{Type: chat.BlockText, Text: "first"}, chat.Block{Type: chat.BlockThinking, Text: "hmm", Signature: "sig"}, chat.Block{Type: chat.BlockText, Text: ""}, chat.Block{Type: chat.BlockText, Text: "second"})
	out, _ := runStep(t, t.TempDir(), stepInput{MaxTurns: 5, Turn: 2, Messages: []chat.Message{chat.UserText("q")}, Response: answer(msg)})
	if out.Action != "finish" || out.Finish == nil || len(out.Append) != 1 {
		t.Fatalf("output %+v", out)
	}
	sameJSON(t, "finish", out.Finish, hostcall.Finish{Response: "first\nsecond", Reason: hostcall.FinishEndTurn, Turns: 2})
	sameJSON(t, "appended", decode[chat.Message](t, out.Append[0]), msg)
}

// TestToolsRoundTrip runs a turn with built-in, host, denied and
// rewritten calls: the built-in ones run in the step with events, the
// host ones go to the host, and the next step answers the model with
// every result in the calls' order.
func TestToolsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("alpha\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.txt"), []byte("beta\n"), 0o644)
	msg := assistant(
		chat.Block{Type: chat.BlockText, Text: "let me look"},
		toolUse("t1", "read", `{"path":"a.txt"}`),
		toolUse("t2", "bash", `{"command":"ls"}`),
		toolUse("t3", "read", `{"path":"a.txt"}`),
		toolUse("t4", "read", `{"path":"a.txt"}`),
		toolUse("t5", "ls", ""),
		toolUse("t6", "bash", `{"command":"rm -rf /"}`),
	)
	history := []chat.Message{chat.UserText("look")}
	in := stepInput{
		MaxTurns: 5, Turn: 1, HostTools: []chat.Tool{bashTool}, Messages: history, Response: answer(msg),
		Decisions: map[string]json.RawMessage{
			"t3": json.RawMessage(`{"deny":"not now"}`),
			"t4": json.RawMessage(`{"input":{"path":"b.txt"}}`),
			"t6": json.RawMessage(`{"deny":"no"}`),
		},
	}
	out, events := runStep(t, dir, in)
	if out.Action != "host_tools" || len(out.Append) != 1 || out.State == nil {
		t.Fatalf("output %+v", out)
	}
	sameJSON(t, "host calls", out.HostCalls, []hostcall.ToolCall{{ID: "t2", Name: "bash", Input: json.RawMessage(`{"command":"ls"}`)}})
	wantEvents := []hostcall.Event{
		{Type: hostcall.EventToolStart, ID: "t1", Name: "read", Input: json.RawMessage(`{"path":"a.txt"}`)},
		{Type: hostcall.EventToolEnd, ID: "t1", Name: "read", Result: &hostcall.ToolResult{Text: "     1\talpha"}},
		{Type: hostcall.EventToolStart, ID: "t3", Name: "read", Input: json.RawMessage(`{"path":"a.txt"}`)},
		{Type: hostcall.EventToolEnd, ID: "t3", Name: "read", Result: &hostcall.ToolResult{Text: "denied: not now", IsError: true}},
		{Type: hostcall.EventToolStart, ID: "t4", Name: "read", Input: json.RawMessage(`{"path":"b.txt"}`)},
		{Type: hostcall.EventToolEnd, ID: "t4", Name: "read", Result: &hostcall.ToolResult{Text: "     1\tbeta"}},
		{Type: hostcall.EventToolStart, ID: "t5", Name: "ls", Input: json.RawMessage(`{}`)},
		{Type: hostcall.EventToolEnd, ID: "t5", Name: "ls", Result: &hostcall.ToolResult{Text: "a.txt\nb.txt"}},
		{Type: hostcall.EventToolStart, ID: "t6", Name: "bash", Input: json.RawMessage(`{"command":"rm -rf /"}`)},
		{Type: hostcall.EventToolEnd, ID: "t6", Name: "bash", Result: &hostcall.ToolResult{Text: "denied: no", IsError: true}},
	}
	sameJSON(t, "events", events, wantEvents)

	// The host runs bash and comes back with its result and the state.
	history = append(history, msg)
	in2 := stepInput{MaxTurns: 5, Turn: 1, HostTools: []chat.Tool{bashTool}, Messages: history, State: out.State,
		HostResults: []hostResult{{ToolUseID: "t2", Text: "a.txt b.txt"}}}
	out2, events2 := runStep(t, dir, in2)
	if out2.Action != "complete" || len(out2.Append) != 1 || len(events2) != 0 {
		t.Fatalf("output %+v, events %v", out2, events2)
	}
	results := chat.Message{Role: chat.RoleUser, Content: []chat.Block{
		{Type: chat.BlockToolResult, ToolUseID: "t1", Text: "     1\talpha"},
		{Type: chat.BlockToolResult, ToolUseID: "t2", Text: "a.txt b.txt"},
		{Type: chat.BlockToolResult, ToolUseID: "t3", Text: "denied: not now", IsError: true},
		{Type: chat.BlockToolResult, ToolUseID: "t4", Text: "     1\tbeta"},
		{Type: chat.BlockToolResult, ToolUseID: "t5", Text: "a.txt\nb.txt"},
		{Type: chat.BlockToolResult, ToolUseID: "t6", Text: "denied: no", IsError: true},
	}}
	wantResults, _ := json.Marshal(results)
	if string(out2.Append[0]) != string(wantResults) {
		t.Fatalf("results message\n got %s\nwant %s", out2.Append[0], wantResults)
	}
	var msgs []chat.Message
	for _, m := range out2.Request.Messages {
		msgs = append(msgs, decode[chat.Message](t, m))
	}
	sameJSON(t, "request messages", msgs, append(history, results))
}

// TestBuiltinOnlyTurn: when every call is built in, one step answers the
// model: the assistant message and the results are appended together.
func TestBuiltinOnlyTurn(t *testing.T) {
	dir := t.TempDir()
	msg := assistant(toolUse("w", "write", `{"path":"new/f.txt","content":"x\n"}`), toolUse("r", "read", `{"path":"new/f.txt"}`))
	out, events := runStep(t, dir, stepInput{MaxTurns: 3, Turn: 1, Messages: []chat.Message{chat.UserText("go")}, Response: answer(msg)})
	if out.Action != "complete" || len(out.Append) != 2 || len(events) != 4 || out.State != nil {
		t.Fatalf("output %+v, %d events", out, len(events))
	}
	res := decode[chat.Message](t, out.Append[1])
	if res.Content[0].Text != "wrote 2 bytes to new/f.txt (new file)" || res.Content[1].Text != "     1\tx" {
		t.Fatalf("results %+v", res)
	}
	if len(out.Request.Messages) != 3 {
		t.Fatalf("request has %d messages, want 3", len(out.Request.Messages))
	}
}

// TestMaxTurns: the results of the last allowed turn are appended and the
// run finishes with the answer's text.
func TestMaxTurns(t *testing.T) {
	msg := assistant(chat.Block{Type: chat.BlockText, Text: "again"}, toolUse("x", "ls", `{}`))
	out, _ := runStep(t, t.TempDir(), stepInput{MaxTurns: 2, Turn: 2, Messages: []chat.Message{chat.UserText("go")}, Response: answer(msg)})
	if out.Action != "finish" || len(out.Append) != 2 || out.Request != nil {
		t.Fatalf("output %+v", out)
	}
	sameJSON(t, "finish", out.Finish, hostcall.Finish{Response: "again", Reason: hostcall.FinishMaxTurns, Turns: 2})

	// With host tools, the finish comes in the step that gets their results.
	msg = assistant(chat.Block{Type: chat.BlockText, Text: "run it"}, toolUse("b", "bash", `{"command":"true"}`))
	in := stepInput{MaxTurns: 1, Turn: 1, HostTools: []chat.Tool{bashTool}, Messages: []chat.Message{chat.UserText("go")}, Response: answer(msg)}
	out, _ = runStep(t, t.TempDir(), in)
	in.Response, in.Messages, in.State = nil, append(in.Messages, msg), out.State
	in.HostResults = []hostResult{{ToolUseID: "b", Text: "done", IsError: true}}
	out, _ = runStep(t, t.TempDir(), in)
	if out.Action != "finish" || len(out.Append) != 1 {
		t.Fatalf("output %+v", out)
	}
	sameJSON(t, "finish after host tools", out.Finish, hostcall.Finish{Response: "run it", Reason: hostcall.FinishMaxTurns, Turns: 1})

	// max_turns 0 finishes at once, as the Go loop did.
	out, _ = runStep(t, t.TempDir(), stepInput{Messages: []chat.Message{chat.UserText("go")}})
	sameJSON(t, "no turns", out.Finish, hostcall.Finish{Reason: hostcall.FinishMaxTurns})
}

// TestEventsRateLimited: an event the host refuses for its rate is
// dropped; a cancelled one ends the step without step.end.
func TestEventsRateLimited(t *testing.T) {
	step := stepGuest(t)
	msg := assistant(toolUse("x", "ls", `{}`))
	raw, _ := json.Marshal(stepInput{MaxTurns: 3, Turn: 1, Messages: []chat.Message{chat.UserText("go")}, Response: answer(msg)})
	h := &stepHost{input: raw, emitStatus: hostcall.RateLimited}
	if code, stderr := step.run(t, t.TempDir(), h); code != 0 || !h.ended {
		t.Fatalf("rate-limited events: exit %d, ended %v: %s", code, h.ended, stderr)
	}
	h = &stepHost{input: raw, emitStatus: hostcall.Canceled}
	code, stderr := step.run(t, t.TempDir(), h)
	if code != 1 || h.ended || !strings.Contains(stderr, "event.emit: refused by the test") {
		t.Fatalf("cancelled event: exit %d, ended %v: %q", code, h.ended, stderr)
	}
}

// TestBadStepInput: input that is not a step fails the step with a reason
// and without step.end.
func TestBadStepInput(t *testing.T) {
	step := stepGuest(t)
	for _, in := range []string{``, `[]`, `{"messages":[}`, `{"host_results":[{"tool_use_id":"x"}]}`} {
		h := &stepHost{input: []byte(in)}
		code, stderr := step.run(t, t.TempDir(), h)
		if code != 1 || h.ended || !strings.HasPrefix(stderr, "step: ") {
			t.Errorf("input %q: exit %d, ended %v, stderr %q", in, code, h.ended, stderr)
		}
	}
	// A host result missing for a call the state names.
	h := &stepHost{input: []byte(`{"max_turns":3,"turn":1,"host_results":[],"state":{"calls":[{"id":"b","host":true}]}}`)}
	if code, stderr := step.run(t, t.TempDir(), h); code != 1 || !strings.Contains(stderr, `no result for tool call "b"`) {
		t.Errorf("missing host result: exit %d, %q", code, stderr)
	}
}

// TestNoWorkspace: without the /workspace preopen a built-in call fails
// as the Go guest's did, and the step still completes.
func TestNoWorkspace(t *testing.T) {
	out, _ := runStep(t, "", stepInput{MaxTurns: 3, Turn: 1, Messages: []chat.Message{chat.UserText("go")}, Response: answer(assistant(toolUse("x", "ls", `{}`)))})
	res := decode[chat.Message](t, out.Append[1])
	if !res.Content[0].IsError || !strings.Contains(res.Content[0].Text, "ls: cannot open the workspace") {
		t.Fatalf("result %+v", res.Content[0])
	}
	if !slices.Contains([]string{"complete"}, out.Action) {
		t.Fatalf("action %q", out.Action)
	}
}
