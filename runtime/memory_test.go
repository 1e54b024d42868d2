package runtime

import (
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// TestMemoryAcrossSessions: an agent stores a fact in one session and finds
// it in another; what a user said in an earlier session is found too
// (session indexer), and another workspace finds neither.
func TestMemoryAcrossSessions(t *testing.T) {
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "alice")
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "memory_store", Input: map[string]string{"content": "The project uses React and TypeScript"}}}},
		fakellm.Step{Text: "Noted."},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{
			{Name: "memory_search", Input: map[string]any{"query": "what framework do we use?"}},
			{Name: "memory_search", Input: map[string]any{"query": "favourite colour"}},
		}},
		fakellm.Step{Text: "React."},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "memory_search", Input: map[string]any{"query": "what framework do we use?"}}}},
		fakellm.Step{Text: "No idea."},
	)
	defer srv.Close()
	req := anthropicRequest(srv, "Remember our stack. By the way, my favourite colour is teal.")
	req.SessionID = "one"
	if _, err := ws.Run(bg, req); err != nil {
		t.Fatal(err)
	}
	req = anthropicRequest(srv, "Which framework?")
	req.SessionID = "two"
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if out := res.ToolCalls[0].Output; res.ToolCalls[0].IsError || !strings.Contains(out, "React and TypeScript") {
		t.Fatalf("memory_search (stored fact) = %q", out)
	}
	if out := res.ToolCalls[1].Output; !strings.Contains(out, "teal") || !strings.Contains(out, "session:one") {
		t.Fatalf("memory_search (earlier session) = %q", out)
	}
	other := newTestWorkspace(t, p, "bob")
	req = anthropicRequest(srv, "Which framework?")
	res, err = other.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if out := res.ToolCalls[0].Output; strings.Contains(out, "React") {
		t.Fatalf("another workspace found alice's memory: %q", out)
	}
}
