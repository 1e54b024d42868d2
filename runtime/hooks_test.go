package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// hookLog records hook calls in order, safely across goroutines.
type hookLog struct {
	mu    sync.Mutex
	calls []string
	runs  []HookRun
}

func (l *hookLog) add(what string, run HookRun) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, what)
	l.runs = append(l.runs, run)
}

func (l *hookLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

// registerAll registers a recording hook at every point of h, each
// entry prefixed with who.
func registerAll(h *Hooks, who string, log *hookLog) {
	h.BeforeAgentStart(func(_ context.Context, ev AgentStartEvent) (AgentStartVerdict, error) {
		log.add(who+" before_agent_start", ev.HookRun)
		return AgentStartVerdict{}, nil
	})
	h.OnSessionStart(func(_ context.Context, ev SessionHookEvent) error {
		log.add(fmt.Sprintf("%s session_start new=%v messages=%d", who, ev.New, ev.Messages), ev.HookRun)
		return nil
	})
	h.BeforeToolCall(func(_ context.Context, ev ToolCallEvent) (ToolVerdict, error) {
		log.add(who+" before_tool_call "+ev.Tool, ev.HookRun)
		return ToolVerdict{}, nil
	})
	h.AfterToolCall(func(_ context.Context, ev ToolResultEvent) (ToolOutput, error) {
		log.add(who+" after_tool_call "+ev.Tool, ev.HookRun)
		return ev.Output, nil
	})
	h.OnSessionEnd(func(_ context.Context, ev SessionHookEvent) error {
		log.add(fmt.Sprintf("%s session_end messages=%d", who, ev.Messages), ev.HookRun)
		return nil
	})
	h.AfterAgentEnd(func(_ context.Context, ev AgentEndEvent) error {
		log.add(fmt.Sprintf("%s after_agent_end ok=%v", who, ev.Err == nil && ev.Result != nil), ev.HookRun)
		return nil
	})
}

// echoTool is a custom tool that counts its calls and answers its input.
func echoTool(calls *int) Tool {
	return Tool{Name: "echo", Run: func(_ context.Context, _ ToolContext, in json.RawMessage) (string, error) {
		*calls++
		return "echo " + string(in), nil
	}}
}

// TestHookOrderAndPayloads: the platform's hooks, then the workspace's,
// at all six points in run order, for a built-in tool, a custom tool and
// bash, with the run's identity and its usage so far.
func TestHookOrderAndPayloads(t *testing.T) {
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{
			{Name: "read", Input: map[string]string{"path": "a.txt"}},
			{Name: "echo", Input: map[string]string{"x": "1"}},
			{Name: "bash", Input: map[string]string{"command": "echo hi"}},
		}},
		fakellm.Step{Text: "done"},
	)
	defer srv.Close()
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "w")
	writeFile(t, filepath.Join(ws.FilesDir(), "a.txt"), "alpha")
	var log hookLog
	registerAll(p.Hooks(), "p", &log)
	registerAll(ws.Hooks(), "w", &log)
	calls := 0
	req := anthropicRequest(srv, "go")
	req.SessionID = "s1"
	req.Tools = []Tool{echoTool(&calls)}
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"p before_agent_start", "w before_agent_start",
		"p session_start new=true messages=0", "w session_start new=true messages=0",
		"p before_tool_call read", "w before_tool_call read",
		"p before_tool_call echo", "w before_tool_call echo",
		"p before_tool_call bash", "w before_tool_call bash",
		"p after_tool_call read", "w after_tool_call read",
		"p after_tool_call echo", "w after_tool_call echo",
		"p after_tool_call bash", "w after_tool_call bash",
		"p session_end messages=4", "w session_end messages=4",
		"p after_agent_end ok=true", "w after_agent_end ok=true",
	}
	if got := log.list(); !slices.Equal(got, want) {
		t.Fatalf("hook calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i, run := range log.runs {
		if run.WorkspaceID != "w" || run.SessionID != "s1" || run.RunID == "" || run.RunID != log.runs[0].RunID {
			t.Errorf("call %d (%s): run %+v", i, log.calls[i], run)
		}
	}
	if u := log.runs[4].Usage; u.OutputTokens == 0 { // before_tool_call, after the first turn
		t.Errorf("before_tool_call saw no usage so far: %+v", u)
	}
	if last := log.runs[len(log.runs)-1].Usage; last != res.Usage {
		t.Errorf("after_agent_end usage %+v, result %+v", last, res.Usage)
	}
	if calls != 1 {
		t.Errorf("echo ran %d times", calls)
	}
}

// TestBeforeToolCallDenies: a denied call does not run, for a built-in
// tool, a custom tool and bash; the model, the transcript and the result
// say why.
func TestBeforeToolCallDenies(t *testing.T) {
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{
			{Name: "write", Input: map[string]string{"path": "x.txt", "content": "no"}},
			{Name: "echo", Input: map[string]string{}},
			{Name: "bash", Input: map[string]string{"command": "touch y.txt"}},
			{Name: "ls", Input: map[string]string{}},
		}},
		fakellm.Step{Text: "done"},
	)
	defer srv.Close()
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "w")
	ws.Hooks().BeforeToolCall(func(_ context.Context, ev ToolCallEvent) (ToolVerdict, error) {
		if ev.Tool == "ls" {
			return ToolVerdict{}, nil
		}
		return ToolVerdict{Deny: "policy forbids " + ev.Tool}, nil
	})
	calls := 0
	req := anthropicRequest(srv, "go")
	req.SessionID = "s1"
	req.Tools = []Tool{echoTool(&calls)}
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 0 {
		t.Error("the denied custom tool ran")
	}
	for _, name := range []string{"x.txt", "y.txt"} {
		if _, err := os.Lstat(filepath.Join(ws.FilesDir(), name)); err == nil {
			t.Errorf("the denied call created %s", name)
		}
	}
	results := toolResultsOf(srv.Requests()[1].Messages())
	for i, tool := range []string{"write", "echo", "bash"} {
		if want := "denied: policy forbids " + tool; results[i].Text != want || !results[i].IsError {
			t.Errorf("model saw %+v for %s, want %q", results[i], tool, want)
		}
		if got := res.ToolCalls[i]; got.Output != "denied: policy forbids "+tool {
			t.Errorf("result call %d = %+v", i, got)
		}
	}
	if results[3].IsError {
		t.Errorf("the allowed ls failed: %+v", results[3])
	}
	history, _, err := ws.Sessions().Load("s1")
	if err != nil {
		t.Fatal(err)
	}
	if got := toolResultsOf(history)[0].Text; got != "denied: policy forbids write" {
		t.Errorf("transcript holds %q", got)
	}
}

// TestBeforeToolCallRewrites: a rewrite of the arguments is what runs,
// for a built-in and a custom tool; later hooks see the rewrite.
func TestBeforeToolCallRewrites(t *testing.T) {
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{
			{Name: "read", Input: map[string]string{"path": "a.txt"}},
			{Name: "echo", Input: map[string]string{"v": "model"}},
		}},
		fakellm.Step{Text: "done"},
	)
	defer srv.Close()
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "w")
	writeFile(t, filepath.Join(ws.FilesDir(), "a.txt"), "alpha")
	writeFile(t, filepath.Join(ws.FilesDir(), "b.txt"), "bravo")
	p.Hooks().BeforeToolCall(func(_ context.Context, ev ToolCallEvent) (ToolVerdict, error) {
		if ev.Tool == "read" {
			return ToolVerdict{Input: json.RawMessage(`{"path":"b.txt"}`)}, nil
		}
		return ToolVerdict{Input: json.RawMessage(`{"v":"hook"}`)}, nil
	})
	var seen []string
	ws.Hooks().BeforeToolCall(func(_ context.Context, ev ToolCallEvent) (ToolVerdict, error) {
		seen = append(seen, string(ev.Input))
		return ToolVerdict{}, nil
	})
	calls := 0
	req := anthropicRequest(srv, "go")
	req.Tools = []Tool{echoTool(&calls)}
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []string{`{"path":"b.txt"}`, `{"v":"hook"}`}) {
		t.Errorf("the workspace's hook saw %q", seen)
	}
	if got := res.ToolCalls[0].Output; !strings.Contains(got, "bravo") || strings.Contains(got, "alpha") {
		t.Errorf("read returned %q, want b.txt's content", got)
	}
	if got := res.ToolCalls[1].Output; got != `echo {"v":"hook"}` {
		t.Errorf("echo returned %q", got)
	}
}

// TestAfterToolCallRedacts: an after_tool_call hook's output replaces the
// tool's everywhere: the model's next request, the transcript, events and
// the result, for a built-in tool, a custom tool and bash.
func TestAfterToolCallRedacts(t *testing.T) {
	const secret = "S3CR3T-CANARY"
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{
			{Name: "read", Input: map[string]string{"path": "a.txt"}},
			{Name: "echo", Input: map[string]string{"v": secret}},
			{Name: "bash", Input: map[string]string{"command": "cat a.txt"}},
		}},
		fakellm.Step{Text: "done"},
	)
	defer srv.Close()
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "w")
	writeFile(t, filepath.Join(ws.FilesDir(), "a.txt"), "key="+secret)
	ws.Hooks().AfterToolCall(func(_ context.Context, ev ToolResultEvent) (ToolOutput, error) {
		ev.Output.Text = strings.ReplaceAll(ev.Output.Text, secret, "[redacted]")
		return ev.Output, nil
	})
	calls := 0
	req := anthropicRequest(srv, "go")
	req.SessionID = "s1"
	req.Tools = []Tool{echoTool(&calls)}
	var events []string
	req.OnEvent = func(ev Event) {
		b, _ := json.Marshal(ev)
		events = append(events, string(b))
	}
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range toolResultsOf(srv.Requests()[1].Messages()) {
		if strings.Contains(r.Text, secret) || !strings.Contains(r.Text, "[redacted]") {
			t.Errorf("model saw result %d: %q", i, r.Text)
		}
	}
	history, _, err := ws.Sessions().Load("s1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range toolResultsOf(history) {
		if strings.Contains(r.Text, secret) {
			t.Errorf("transcript holds %q", r.Text)
		}
	}
	for _, c := range res.ToolCalls {
		if strings.Contains(c.Output, secret) {
			t.Errorf("result call %s: %q", c.Name, c.Output)
		}
	}
	for _, ev := range events {
		if strings.Contains(ev, `"type":"tool_end"`) && strings.Contains(ev, `"output":`) && strings.Contains(ev[strings.Index(ev, `"output":`):], secret) {
			t.Errorf("event shows the secret: %s", ev)
		}
	}
}

// TestBeforeAgentStart: a hook may add to the system prompt, or refuse
// the run before any model call, with an error that says why.
func TestBeforeAgentStart(t *testing.T) {
	srv := fakellm.New(fakellm.Step{Text: "done"})
	defer srv.Close()
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "w")
	remove := ws.Hooks().BeforeAgentStart(func(_ context.Context, ev AgentStartEvent) (AgentStartVerdict, error) {
		return AgentStartVerdict{AppendSystem: "Answer in French."}, nil
	})
	if _, err := ws.Run(bg, anthropicRequest(srv, "hi")); err != nil {
		t.Fatal(err)
	}
	if sys := srv.Requests()[0].System(); !strings.HasSuffix(sys, "\n\nAnswer in French.") {
		t.Errorf("system prompt %q", sys)
	}
	remove()
	ended := 0
	ws.Hooks().AfterAgentEnd(func(context.Context, AgentEndEvent) error { ended++; return nil })
	ws.Hooks().BeforeAgentStart(func(_ context.Context, ev AgentStartEvent) (AgentStartVerdict, error) {
		return AgentStartVerdict{Refuse: "tenant over quota"}, nil
	})
	_, err := ws.Run(bg, anthropicRequest(srv, "hi"))
	if !errors.Is(err, ErrRunRefused) || !strings.Contains(err.Error(), "tenant over quota") {
		t.Fatalf("err = %v", err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("a refused run called the model (%d requests)", n)
	}
	if ended != 0 {
		t.Error("after_agent_end was called for a run that never started")
	}
}

// TestHookFailuresAreContained: a hook that panics, errors or overruns its
// timeout fails closed before (deny, refuse) and changes nothing after;
// the host goes on.
func TestHookFailuresAreContained(t *testing.T) {
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{
			{Name: "echo", Input: map[string]string{"k": "panic"}},
			{Name: "echo", Input: map[string]string{"k": "slow"}},
			{Name: "echo", Input: map[string]string{"k": "error"}},
			{Name: "echo", Input: map[string]string{"k": "fine"}},
		}},
		fakellm.Step{Text: "done"},
		fakellm.Step{Text: "never"},
	)
	defer srv.Close()
	p, err := NewPlatform(Options{StateDir: t.TempDir(), HookTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ws := newTestWorkspace(t, p, "w")
	ws.Hooks().OnSessionStart(func(context.Context, SessionHookEvent) error { panic("session hook bug") })
	ws.Hooks().BeforeToolCall(func(ctx context.Context, ev ToolCallEvent) (ToolVerdict, error) {
		switch {
		case strings.Contains(string(ev.Input), "panic"):
			panic("hook bug")
		case strings.Contains(string(ev.Input), "slow"):
			time.Sleep(time.Second) // ignores its context
		case strings.Contains(string(ev.Input), "error"):
			return ToolVerdict{}, errors.New("policy service down")
		}
		return ToolVerdict{}, nil
	})
	ws.Hooks().AfterToolCall(func(ctx context.Context, ev ToolResultEvent) (ToolOutput, error) {
		if strings.Contains(string(ev.Input), "fine") {
			return ToolOutput{Text: "changed"}, errors.New("but failed")
		}
		return ev.Output, nil
	})
	calls := 0
	req := anthropicRequest(srv, "go")
	req.Tools = []Tool{echoTool(&calls)}
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if got := res.ToolCalls[i].Output; got != "denied: a before_tool_call hook failed" {
			t.Errorf("call %d: %q", i, got)
		}
	}
	if got := res.ToolCalls[3].Output; got != `echo {"k":"fine"}` {
		t.Errorf("a failed after_tool_call hook changed the output to %q", got)
	}
	if calls != 1 {
		t.Errorf("echo ran %d times, want 1", calls)
	}
	ws.Hooks().BeforeAgentStart(func(context.Context, AgentStartEvent) (AgentStartVerdict, error) { panic("start hook bug") })
	if _, err := ws.Run(bg, anthropicRequest(srv, "again")); !errors.Is(err, ErrRunRefused) || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("a panicking before_agent_start hook: err = %v", err)
	}
}

// TestWorkspaceHooksStayInTheirWorkspace: a workspace's hooks never see
// another workspace's runs, and go with their workspace.
func TestWorkspaceHooksStayInTheirWorkspace(t *testing.T) {
	srv := fakellm.New(fakellm.Step{Text: "a"}, fakellm.Step{Text: "b"})
	defer srv.Close()
	p := newTestPlatform(t)
	a := newTestWorkspace(t, p, "a")
	b := newTestWorkspace(t, p, "b")
	var seen []string
	a.Hooks().OnSessionStart(func(_ context.Context, ev SessionHookEvent) error {
		seen = append(seen, ev.WorkspaceID)
		return nil
	})
	if _, err := b.Run(bg, anthropicRequest(srv, "hi")); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 0 {
		t.Fatalf("workspace a's hook saw %v", seen)
	}
	if err := p.DeleteWorkspace("a"); err != nil {
		t.Fatal(err)
	}
	a = newTestWorkspace(t, p, "a")
	if _, err := a.Run(bg, anthropicRequest(srv, "hi")); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 0 {
		t.Errorf("a deleted workspace's hook ran for its successor: %v", seen)
	}
}

// TestRegisteredTools: tools registered on the platform and on a
// workspace are offered to its runs; the workspace's wins over the
// platform's, the run's over both; a call past its timeout is an error
// result.
func TestRegisteredTools(t *testing.T) {
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "who"}, {Name: "slow"}}},
		fakellm.Step{Text: "done"},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "who"}}},
		fakellm.Step{Text: "done"},
	)
	defer srv.Close()
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "w")
	other := newTestWorkspace(t, p, "other")
	answer := func(s string) func(context.Context, ToolContext, json.RawMessage) (string, error) {
		return func(context.Context, ToolContext, json.RawMessage) (string, error) { return s, nil }
	}
	if err := p.RegisterTool(Tool{Name: "who", Run: answer("platform")}); err != nil {
		t.Fatal(err)
	}
	if err := p.RegisterTool(Tool{Name: "who", Run: answer("again")}); err == nil {
		t.Error("a second platform tool of the same name was accepted")
	}
	if err := p.RegisterTool(Tool{Name: "bash", Run: answer("x")}); err == nil {
		t.Error("a platform tool named bash was accepted")
	}
	if err := ws.RegisterTool(Tool{Name: "who", Run: answer("workspace")}); err != nil {
		t.Fatal(err)
	}
	if err := ws.RegisterTool(Tool{Name: "slow", Timeout: 50 * time.Millisecond, Run: func(ctx context.Context, _ ToolContext, _ json.RawMessage) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	}}); err != nil {
		t.Fatal(err)
	}
	res, err := ws.Run(bg, anthropicRequest(srv, "go"))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.ToolCalls[0].Output; got != "workspace" {
		t.Errorf("who = %q, want the workspace's", got)
	}
	if got := res.ToolCalls[1]; !got.IsError || !strings.Contains(got.Output, "exceeded its timeout of 50ms") {
		t.Errorf("slow = %+v", got)
	}
	names := srv.Requests()[0].ToolNames()
	if slices.Index(names, "who") < 0 || slices.Index(names, "slow") < 0 {
		t.Errorf("tools offered: %v", names)
	}
	res, err = other.Run(bg, anthropicRequest(srv, "go"))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.ToolCalls[0].Output; got != "platform" {
		t.Errorf("who in another workspace = %q, want the platform's", got)
	}
	if slices.Contains(srv.Requests()[2].ToolNames(), "slow") {
		t.Error("a workspace's tool was offered to another workspace")
	}
	if !ws.UnregisterTool("slow") || ws.UnregisterTool("slow") {
		t.Error("UnregisterTool did not report its removal once")
	}
}

// toolResultsOf returns the tool_result blocks of msgs in order.
func toolResultsOf(msgs []chat.Message) []chat.Block {
	var out []chat.Block
	for _, m := range msgs {
		for _, b := range m.Content {
			if b.Type == chat.BlockToolResult {
				out = append(out, b)
			}
		}
	}
	return out
}
