package runtime

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// TestMemoryWithEmbeddings: a workspace configured with an embedding
// provider embeds what the agent stores and the queries it searches (here
// Ollama's API on loopback); a broken provider setting degrades to keywords.
func TestMemoryWithEmbeddings(t *testing.T) {
	var mu sync.Mutex
	var inputs []string
	emb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		inputs = append(inputs, req.Input...)
		mu.Unlock()
		vecs := make([][]float32, len(req.Input))
		for i, in := range req.Input {
			vecs[i] = []float32{float32(len(in)%7) + 1, 1, 0.5}
		}
		json.NewEncoder(w).Encode(map[string]any{"embeddings": vecs})
	}))
	defer emb.Close()
	t.Setenv("OLLAMA_HOST", emb.URL)
	p := newTestPlatform(t)
	ws, err := p.CreateWorkspace("vec", WorkspaceConfig{EmbeddingProvider: "ollama", EmbeddingModel: "test-embed"})
	if err != nil {
		t.Fatal(err)
	}
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "memory_store", Input: map[string]string{"content": "Deploys go out on Tuesdays"}}}},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "memory_search", Input: map[string]any{"query": "when do we deploy?"}}}},
		fakellm.Step{Text: "Tuesdays."},
	)
	defer srv.Close()
	res, err := ws.Run(bg, anthropicRequest(srv, "remember and recall"))
	if err != nil {
		t.Fatal(err)
	}
	if out := res.ToolCalls[1].Output; !strings.Contains(out, "Tuesdays") {
		t.Fatalf("memory_search = %q", out)
	}
	mu.Lock()
	got := strings.Join(inputs, "|")
	mu.Unlock()
	if !strings.Contains(got, "Deploys go out on Tuesdays") || !strings.Contains(got, "deploy") {
		t.Fatalf("embedding server saw %q", got)
	}
	broken, _ := p.CreateWorkspace("broken", WorkspaceConfig{EmbeddingProvider: "no-such-provider"})
	srv2 := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "memory_store", Input: map[string]string{"content": "kept anyway"}}}},
		fakellm.Step{Text: "ok"},
	)
	defer srv2.Close()
	if res, err := broken.Run(bg, anthropicRequest(srv2, "store")); err != nil || res.ToolCalls[0].IsError {
		t.Fatalf("broken embedding setting failed the run: %v %+v", err, res)
	}
}
