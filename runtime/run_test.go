package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/providers"
)

// TestRunAllTools drives every built-in tool and bash through the real guest
// and jail, over both protocols, and checks files, results and transcript.
func TestRunAllTools(t *testing.T) {
	for _, proto := range []string{"anthropic", "openai"} {
		t.Run(proto, func(t *testing.T) {
			srv := fakellm.New(
				fakellm.Step{Text: "Looking around.", ToolCalls: []fakellm.ToolCall{
					{Name: "write", Input: map[string]any{"path": "notes/a.txt", "content": "alpha\nbeta\n"}},
					{Name: "ls", Input: map[string]any{"path": "notes"}},
					{Name: "bash", Input: map[string]any{"command": "cat notes/a.txt | tr a-z A-Z > notes/b.txt; echo wrote"}},
				}},
				fakellm.Step{ToolCalls: []fakellm.ToolCall{
					{Name: "read", Input: map[string]any{"path": "notes/b.txt"}},
					{Name: "edit", Input: map[string]any{"path": "/workspace/notes/a.txt", "edits": []map[string]string{{"oldText": "beta", "newText": "gamma"}}}},
					{Name: "grep", Input: map[string]any{"pattern": "gam+a"}},
					{Name: "find", Input: map[string]any{"pattern": "*.txt"}},
				}},
				fakellm.Step{Text: "All done."},
			)
			defer srv.Close()
			p := newTestPlatform(t)
			ws := newTestWorkspace(t, p, "w1")
			req := anthropicRequest(srv, "do the thing")
			if proto == "openai" {
				req = openaiRequest(srv, "do the thing")
			}
			var events []Event
			req.OnEvent = func(e Event) { events = append(events, e) }
			res, err := ws.Run(bg, req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Response != "All done." || res.Turns != 3 || res.Reason != hostcall.FinishEndTurn {
				t.Fatalf("result = %+v", res)
			}
			if len(res.ToolCalls) != 7 {
				t.Fatalf("tool calls = %+v", res.ToolCalls)
			}
			for _, c := range res.ToolCalls {
				if c.IsError {
					t.Errorf("tool %s failed: %s", c.Name, c.Output)
				}
			}
			files := ws.FilesDir()
			if got := readFile(t, filepath.Join(files, "notes/a.txt")); got != "alpha\ngamma\n" {
				t.Errorf("a.txt = %q", got)
			}
			if got := readFile(t, filepath.Join(files, "notes/b.txt")); got != "ALPHA\nBETA\n" {
				t.Errorf("b.txt = %q", got)
			}
			// The tool results went back to the model in call order.
			reqs := srv.Requests()
			if len(reqs) != 3 {
				t.Fatalf("%d requests", len(reqs))
			}
			results := reqs[1].LastToolResults()
			if len(results) != 3 || !strings.Contains(results[2].Text, "wrote") || !strings.Contains(results[2].Text, "exit code 0") {
				t.Fatalf("turn 1 results = %+v", results)
			}
			results = reqs[2].LastToolResults()
			if len(results) != 4 || !strings.Contains(results[0].Text, "ALPHA") || !strings.Contains(results[2].Text, "gamma") {
				t.Fatalf("turn 2 results = %+v", results)
			}
			if res.Usage.InputTokens == 0 || res.Usage.OutputTokens == 0 {
				t.Errorf("usage = %+v", res.Usage)
			}
			// Transcript: user, 3 assistant turns, 2 tool-result messages.
			msgs, _, err := ws.Sessions().Load(res.SessionID)
			if err != nil || len(msgs) != 6 {
				t.Fatalf("transcript: %d messages, err %v", len(msgs), err)
			}
			raw, _ := os.ReadFile(filepath.Join(ws.Dir(), "sessions", res.SessionID+".jsonl"))
			if strings.Contains(string(raw), testKey) {
				t.Fatal("transcript contains the API key")
			}
			assertEvents(t, events)
		})
	}
}

func assertEvents(t *testing.T, events []Event) {
	t.Helper()
	count := map[EventType]int{}
	for _, e := range events {
		count[e.Type]++
	}
	if count[EventRunStart] != 1 || count[EventToolStart] != 7 || count[EventToolEnd] != 7 ||
		count[EventUsage] != 3 || count[EventDone] != 1 || count[EventError] != 0 {
		t.Fatalf("event counts = %v", count)
	}
	if events[len(events)-1].Type != EventDone {
		t.Fatalf("last event = %v", events[len(events)-1])
	}
}

// TestSessionContinues checks that a second run on a session sends the
// whole prior history.
func TestSessionContinues(t *testing.T) {
	srv := fakellm.New(fakellm.Step{Text: "first answer"}, fakellm.Step{Text: "second answer"})
	defer srv.Close()
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "w")
	req := anthropicRequest(srv, "first question")
	req.SessionID = "s1"
	if _, err := ws.Run(bg, req); err != nil {
		t.Fatal(err)
	}
	req.Message = "second question"
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Requests()[1].Messages()
	if len(msgs) != 3 || msgs[0].Text() != "first question" || msgs[1].Text() != "first answer" || msgs[2].Text() != "second question" {
		t.Fatalf("second request history = %+v", msgs)
	}
	info, err := ws.Sessions().Get("s1")
	if err != nil || info.Messages != 4 || info.Model != "claude-test" || res.SessionID != "s1" {
		t.Fatalf("info = %+v, err %v", info, err)
	}
}

// weatherArgs are the typed arguments of the weather tool.
type weatherArgs struct {
	City  string `json:"city" jsonschema:"description=the city"`
	Units string `json:"units,omitempty" jsonschema:"enum=metric,enum=imperial"`
}

// TestCustomHostTool: a typed tool built with NewTool offers a schema
// generated from its struct, gets the decoded arguments and the call's
// workspace, session and call ids, and its errors (and arguments that do
// not decode) reach the model as error results.
func TestCustomHostTool(t *testing.T) {
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{
			{Name: "weather", Input: map[string]string{"city": "Oslo"}},
			{Name: "weather", Input: map[string]string{"city": "fail"}},
			{Name: "weather", Input: map[string]any{"city": 7}},
		}},
		fakellm.Step{Text: "ok"},
	)
	defer srv.Close()
	ws := newTestWorkspace(t, newTestPlatform(t), "w")
	req := anthropicRequest(srv, "weather?")
	req.SessionID = "s1"
	var seen []ToolContext
	tool, err := NewTool("weather", "weather by city", func(_ context.Context, tc ToolContext, in weatherArgs) (string, error) {
		seen = append(seen, tc)
		if in.City == "fail" {
			return "", errors.New("no station")
		}
		return "sunny in " + in.City, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	req.Tools = []Tool{tool}
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.ToolCalls[0]; got.Output != "sunny in Oslo" || got.IsError {
		t.Errorf("call 0 = %+v", got)
	}
	if got := res.ToolCalls[1]; got.Output != "no station" || !got.IsError {
		t.Errorf("call 1 = %+v", got)
	}
	if got := res.ToolCalls[2]; !got.IsError || !strings.Contains(got.Output, "invalid arguments for weather") {
		t.Errorf("call 2 = %+v", got)
	}
	if len(seen) != 2 || seen[0].RunID == "" || seen[0] != (ToolContext{WorkspaceID: "w", SessionID: "s1", RunID: seen[0].RunID, CallID: res.ToolCalls[0].ID}) {
		t.Errorf("tool contexts %+v", seen)
	}
	if names := srv.Requests()[0].ToolNames(); !contains(names, "weather") || !contains(names, "bash") || !contains(names, "read") {
		t.Errorf("tools offered = %v", names)
	}
	var schema map[string]any
	if err := json.Unmarshal(tool.Parameters, &schema); err != nil {
		t.Fatal(err)
	}
	props, _ := schema["properties"].(map[string]any)
	city, _ := props["city"].(map[string]any)
	if schema["type"] != "object" || city["type"] != "string" || city["description"] != "the city" || fmt.Sprint(schema["required"]) != "[city]" {
		t.Errorf("schema %s", tool.Parameters)
	}
	if _, err := NewTool("bad", "", func(context.Context, ToolContext, string) (string, error) { return "", nil }); err == nil {
		t.Error("NewTool accepted a non-struct argument type")
	}
}

func TestCustomToolNameClash(t *testing.T) {
	ws := newTestWorkspace(t, newTestPlatform(t), "w")
	_, err := ws.Run(bg, RunRequest{Message: "x", LLM: unusedLLM{}, Tools: []Tool{{Name: "read", Run: func(context.Context, ToolContext, json.RawMessage) (string, error) { return "", nil }}}})
	if err == nil || !strings.Contains(err.Error(), "taken by a built-in tool") {
		t.Fatalf("err = %v", err)
	}
}

func TestMaxTurns(t *testing.T) {
	loop := fakellm.Step{Text: "still going", ToolCalls: []fakellm.ToolCall{{Name: "ls"}}}
	srv := fakellm.New(loop, loop, loop, loop)
	defer srv.Close()
	ws := newTestWorkspace(t, newTestPlatform(t), "w")
	req := anthropicRequest(srv, "loop")
	req.MaxTurns = 2
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reason != hostcall.FinishMaxTurns || res.Turns != 2 || len(srv.Requests()) != 2 {
		t.Fatalf("result = %+v after %d requests", res, len(srv.Requests()))
	}
}

func TestProviderErrors(t *testing.T) {
	cases := []struct {
		name string
		step fakellm.Step
		want string
	}{
		{"unauthorized", fakellm.Step{Status: 401, Text: "invalid x-api-key"}, "401"},
		{"bad json", fakellm.Step{RawBody: "{not json"}, "anthropic"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := fakellm.New(c.step, c.step)
			defer srv.Close()
			ws := newTestWorkspace(t, newTestPlatform(t), "w")
			_, err := ws.Run(bg, anthropicRequest(srv, "hi"))
			var pe *providers.Error
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a provider error containing %q", err, c.want)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Fatal("error leaks the key")
			}
		})
	}
}

func TestRunRequestErrors(t *testing.T) {
	ws := newTestWorkspace(t, newTestPlatform(t), "w")
	notDir := filepath.Join(t.TempDir(), "file")
	writeFile(t, notDir, "x")
	cases := []struct {
		name string
		req  RunRequest
		want string
	}{
		{"no message", RunRequest{LLM: unusedLLM{}}, "no message"},
		{"bad session", RunRequest{Message: "x", SessionID: "../etc", LLM: unusedLLM{}}, "invalid session id"},
		{"missing dir", RunRequest{Message: "x", WorkspaceDir: "/nonexistent/dir", LLM: unusedLLM{}}, "workspace directory"},
		{"file as dir", RunRequest{Message: "x", WorkspaceDir: notDir, LLM: unusedLLM{}}, "not a directory"},
		{"no key", RunRequest{Message: "x", Provider: "groq"}, "GROQ_API_KEY"},
		{"bad provider", RunRequest{Message: "x", Provider: "nope", APIKey: "k"}, "nope"},
	}
	t.Setenv("GROQ_API_KEY", "")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ws.Run(bg, c.req)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestStream(t *testing.T) {
	srv := fakellm.New(fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "ls"}}}, fakellm.Step{Text: "streamed answer"})
	defer srv.Close()
	ws := newTestWorkspace(t, newTestPlatform(t), "w")
	var types []EventType
	var text strings.Builder
	for ev, err := range ws.Stream(bg, anthropicRequest(srv, "hi")) {
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
		text.WriteString(ev.Text)
	}
	if types[0] != EventRunStart || types[len(types)-1] != EventDone || !strings.Contains(text.String(), "streamed answer") {
		t.Fatalf("types = %v, text %q", types, text.String())
	}
	// A failing run ends the stream with its error.
	var last error
	for _, err := range ws.Stream(bg, RunRequest{LLM: unusedLLM{}}) {
		last = err
	}
	if last == nil {
		t.Fatal("want the run's error at the end of the stream")
	}
}

// unusedLLM fails the test's run if it is ever called.
type unusedLLM struct{}

func (unusedLLM) Complete(context.Context, chat.Request, func(string)) (*chat.Response, error) {
	return nil, errors.New("unexpected model call")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
