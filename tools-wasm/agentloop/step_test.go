package agentloop

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
)

// fakeHost serves one step in memory.
type fakeHost struct {
	in      hostcall.StepInput
	out     *hostcall.StepOutput
	events  []hostcall.Event
	emitErr error
}

func (h *fakeHost) Begin() (*hostcall.StepInput, error) { return &h.in, nil }
func (h *fakeHost) End(out *hostcall.StepOutput) error  { h.out = out; return nil }
func (h *fakeHost) Emit(ev hostcall.Event) error        { h.events = append(h.events, ev); return h.emitErr }

// echoTools is one built-in tool, read, that echoes its input.
type echoTools struct{ budget *time.Duration }

func (echoTools) Specs() []chat.Tool { return []chat.Tool{{Name: "read"}} }
func (echoTools) Has(n string) bool  { return n == "read" }
func (echoTools) Call(n string, in json.RawMessage) (string, bool) {
	return "builtin:" + string(in), strings.Contains(string(in), "bad")
}
func (e echoTools) SetBudget(d time.Duration) {
	if e.budget != nil {
		*e.budget = d
	}
}

func toolUse(id, name, input string) chat.Block {
	return chat.Block{Type: chat.BlockToolUse, ID: id, Name: name, Input: json.RawMessage(input)}
}

func answer(blocks ...chat.Block) *chat.Response {
	return &chat.Response{Message: chat.Message{Role: chat.RoleAssistant, Content: blocks}}
}

func runStep(t *testing.T, h *fakeHost) *hostcall.StepOutput {
	t.Helper()
	var budget time.Duration
	if err := Step(h, echoTools{budget: &budget}); err != nil {
		t.Fatal(err)
	}
	if want := time.Duration(h.in.ToolBudgetMs) * time.Millisecond; budget != want {
		t.Fatalf("budget %v, want %v", budget, want)
	}
	return h.out
}

func TestFirstStepAsksForTheModel(t *testing.T) {
	h := &fakeHost{in: hostcall.StepInput{Model: "m", System: "s", MaxTurns: 3, ToolBudgetMs: 1500,
		HostTools: []chat.Tool{{Name: "bash"}}, Messages: []chat.Message{chat.UserText("go")}}}
	out := runStep(t, h)
	if out.Action != hostcall.ActionComplete || len(out.Append) != 0 {
		t.Fatalf("output %+v", out)
	}
	r := out.Request
	if r.Model != "m" || r.System != "s" || len(r.Messages) != 1 || len(r.Tools) != 2 || r.Tools[0].Name != "read" || r.Tools[1].Name != "bash" {
		t.Fatalf("request %+v", r)
	}
}

func TestAnswerWithoutToolsFinishes(t *testing.T) {
	h := &fakeHost{in: hostcall.StepInput{MaxTurns: 3, Turn: 1, Messages: []chat.Message{chat.UserText("go")},
		Response: answer(chat.Block{Type: chat.BlockText, Text: "done"})}}
	out := runStep(t, h)
	if out.Action != hostcall.ActionFinish || out.Finish.Response != "done" || out.Finish.Reason != hostcall.FinishEndTurn || out.Finish.Turns != 1 || len(out.Append) != 1 {
		t.Fatalf("output %+v", out)
	}
}

// TestBuiltinAndHostTools: a turn with a built-in and a host call runs the
// built-in one, asks the host for the other, and once its result comes back
// answers both in the model's order.
func TestBuiltinAndHostTools(t *testing.T) {
	conv := []chat.Message{chat.UserText("go")}
	resp := answer(toolUse("t1", "bash", `{"command":"ls"}`), toolUse("t2", "read", `{"path":"a"}`))
	h := &fakeHost{in: hostcall.StepInput{MaxTurns: 3, Turn: 1, Messages: conv, Response: resp}}
	out := runStep(t, h)
	if out.Action != hostcall.ActionHostTools || len(out.HostCalls) != 1 || out.HostCalls[0].ID != "t1" || len(out.Append) != 1 {
		t.Fatalf("first output %+v", out)
	}
	if len(h.events) != 2 || h.events[1].Result.Text != `builtin:{"path":"a"}` {
		t.Fatalf("events %+v", h.events)
	}
	h2 := &fakeHost{in: hostcall.StepInput{MaxTurns: 3, Turn: 1, Messages: append(conv, out.Append...), State: out.State,
		HostResults: []hostcall.HostResult{{ToolUseID: "t1", Text: "a.txt"}}}}
	out2 := runStep(t, h2)
	if out2.Action != hostcall.ActionComplete || len(out2.Append) != 1 {
		t.Fatalf("second output %+v", out2)
	}
	results := out2.Append[0].Content
	if len(results) != 2 || results[0].ToolUseID != "t1" || results[0].Text != "a.txt" || results[1].ToolUseID != "t2" {
		t.Fatalf("tool results %+v", results)
	}
	if n := len(out2.Request.Messages); n != 3 {
		t.Fatalf("request holds %d messages, want 3", n)
	}
}

func TestStopsAtMaxTurns(t *testing.T) {
	h := &fakeHost{in: hostcall.StepInput{MaxTurns: 2, Turn: 2, Messages: []chat.Message{chat.UserText("go")},
		Response: answer(chat.Block{Type: chat.BlockText, Text: "working"}, toolUse("t1", "read", `{}`))}}
	out := runStep(t, h)
	if out.Action != hostcall.ActionFinish || out.Finish.Reason != hostcall.FinishMaxTurns || out.Finish.Response != "working" || len(out.Append) != 2 {
		t.Fatalf("output %+v", out)
	}
}

// TestDecisions: a denied call is not run and gets an error result with the
// reason; a rewritten call runs with the host's input; both for built-in
// and host tools.
func TestDecisions(t *testing.T) {
	h := &fakeHost{in: hostcall.StepInput{MaxTurns: 3, Turn: 1, Messages: []chat.Message{chat.UserText("go")},
		Response: answer(toolUse("t1", "read", `{"path":"secret"}`), toolUse("t2", "read", `{"path":"x"}`), toolUse("t3", "bash", `{"command":"rm -rf /"}`)),
		Decisions: map[string]hostcall.ToolDecision{
			"t1": {Deny: "policy"}, "t2": {Input: json.RawMessage(`{"path":"y"}`)}, "t3": {Deny: "no rm"},
		}}}
	out := runStep(t, h)
	if out.Action != hostcall.ActionComplete {
		t.Fatalf("output %+v", out)
	}
	r := out.Append[1].Content
	if r[0].Text != "denied: policy" || !r[0].IsError || r[1].Text != `builtin:{"path":"y"}` || r[2].Text != "denied: no rm" {
		t.Fatalf("results %+v", r)
	}
}

func TestMissingHostResult(t *testing.T) {
	conv := []chat.Message{chat.UserText("go"), answer(toolUse("t1", "bash", `{}`)).Message}
	h := &fakeHost{in: hostcall.StepInput{MaxTurns: 3, Turn: 1, Messages: conv, HostResults: []hostcall.HostResult{}}}
	if err := Step(h, echoTools{}); err == nil || !strings.Contains(err.Error(), "no result for tool call t1") {
		t.Fatalf("err = %v", err)
	}
}

func TestRateLimitedEventsAreDropped(t *testing.T) {
	h := &fakeHost{emitErr: &hostcall.Error{Status: hostcall.RateLimited}, in: hostcall.StepInput{MaxTurns: 3, Turn: 1,
		Messages: []chat.Message{chat.UserText("go")}, Response: answer(toolUse("t1", "read", `{}`))}}
	if out := runStep(t, h); out.Action != hostcall.ActionComplete {
		t.Fatalf("output %+v", out)
	}
}
