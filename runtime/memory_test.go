package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkhead-dev/bulkhead/internal/fakeembed"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/memory"
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
	emb := fakeembed.NewOllama()
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
	got := strings.Join(emb.Inputs(), "|")
	if !strings.Contains(got, "Deploys go out on Tuesdays") || !strings.Contains(got, "deploy") {
		t.Fatalf("embedding server saw %q", got)
	}
	t.Setenv("OPENAI_API_KEY", "") // a provider whose key is missing
	broken, err := p.CreateWorkspace("broken", WorkspaceConfig{EmbeddingProvider: "openai"})
	if err != nil {
		t.Fatal(err)
	}
	srv2 := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "memory_store", Input: map[string]string{"content": "kept anyway"}}}},
		fakellm.Step{Text: "ok"},
	)
	defer srv2.Close()
	if res, err := broken.Run(bg, anthropicRequest(srv2, "store")); err != nil || res.ToolCalls[0].IsError {
		t.Fatalf("broken embedding setting failed the run: %v %+v", err, res)
	}
}

// TestRunWithoutMemory: a workspace whose memory database is damaged or a
// symbolic link still runs, without the memory tools and without indexing,
// and says why in a warning event naming the workspace and the file.
func TestRunWithoutMemory(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
		want   string
	}{
		{"truncated", func(t *testing.T, path string) {
			if err := os.Truncate(path, 5000); err != nil {
				t.Fatal(err)
			}
		}, "is damaged: sqlite3: database disk image is malformed"},
		{"symlink", func(t *testing.T, path string) {
			other := filepath.Join(t.TempDir(), "other.db")
			if err := os.Rename(path, other); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(other, path); err != nil {
				t.Fatal(err)
			}
		}, "is a symbolic link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestPlatform(t)
			ws, path := workspaceWithClosedMemory(t, p, "cor1")
			tt.damage(t, path)
			before, _ := os.ReadFile(path)
			writeFile(t, filepath.Join(ws.FilesDir(), "MEMORY.md"), "# Notes\nIndexed only with a working memory.\n")
			srv := fakellm.New(fakellm.Step{Text: "Done."})
			defer srv.Close()
			req := anthropicRequest(srv, "hello")
			var warnings []string
			req.OnEvent = func(ev Event) {
				if ev.Type == EventWarning {
					warnings = append(warnings, ev.Text)
				}
			}
			res, err := ws.Run(bg, req)
			if err != nil || res.Response != "Done." {
				t.Fatalf("run: %+v, %v", res, err)
			}
			if names := srv.Requests()[0].ToolNames(); contains(names, "memory_store") || contains(names, "memory_search") || !contains(names, "bash") {
				t.Errorf("tools offered = %v", names)
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], "workspace cor1") || !strings.Contains(warnings[0], path+" "+tt.want) {
				t.Errorf("warnings = %q, want one naming cor1 and %s %s", warnings, path, tt.want)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
				t.Error("the memory database changed")
			}
		})
	}
}

// TestMemoryToolDamagedPage: when the database opens but a write finds it
// damaged, the memory tool fails without the host path, which only the log
// gets, and the run goes on.
func TestMemoryToolDamagedPage(t *testing.T) {
	var log bytes.Buffer
	logger := zerolog.New(&log)
	p, err := NewPlatform(Options{StateDir: t.TempDir(), Logger: &logger})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ws, path := workspaceWithClosedMemory(t, p, "cor1")
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(bytes.Repeat([]byte{0xab}, 4096), 4096) // page 2, a table the insert needs
	f.Close()
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "memory_store", Input: map[string]string{"content": "a fact"}}}},
		fakellm.Step{Text: "Could not store it."},
	)
	defer srv.Close()
	res, err := ws.Run(bg, anthropicRequest(srv, "remember a fact"))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.ToolCalls[0]; !got.IsError || got.Output != "memory is unavailable: its database is damaged" {
		t.Fatalf("memory_store = %+v", got)
	}
	if want := "memory database " + path + " is damaged"; !strings.Contains(log.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, log.String())
	}
}

// TestAgentCannotReachMemoryDir: the agent's tools see only the
// workspace's files/, so neither the file tools nor bash in the jail can
// write into <workspace>/memory/, e.g. plant a link to another tenant's
// database there.
func TestAgentCannotReachMemoryDir(t *testing.T) {
	p := newTestPlatform(t)
	victim := newTestWorkspace(t, p, "victim")
	st, release, err := victim.Memory()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := st.Store(bg, memory.NewMemory{Text: "victim secret 42"}); err != nil {
		t.Fatal(err)
	}
	victimDB := victim.layout().memoryDB()
	evil := newTestWorkspace(t, p, "evil")
	attacks := []fakellm.ToolCall{
		{Name: "write", Input: map[string]any{"path": "../memory/memory.db", "content": "x"}},
		{Name: "write", Input: map[string]any{"path": "/workspace/../memory/planted", "content": "x"}},
		{Name: "bash", Input: map[string]any{"command": "ln -sf " + victimDB + " ../memory/memory.db; ln -sf " + victimDB + " " +
			evil.layout().memoryDB() + "; mkdir -p ../memory && ln -sf " + victimDB + " ../memory/memory.db-wal; echo done"}},
	}
	srv := fakellm.New(
		fakellm.Step{ToolCalls: attacks},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "memory_search", Input: map[string]any{"query": "victim secret"}}}},
		fakellm.Step{Text: "done"},
	)
	defer srv.Close()
	res, err := evil.Run(bg, anthropicRequest(srv, "attack"))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range res.ToolCalls[:2] {
		if !c.IsError {
			t.Errorf("%s %v succeeded: %q", c.Name, attacks[i].Input, c.Output)
		}
	}
	if out := res.ToolCalls[3].Output; strings.Contains(out, "42") {
		t.Errorf("memory_search found the victim's memory: %q", out)
	}
	entries, err := os.ReadDir(filepath.Join(evil.Dir(), "memory"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), "memory.db") {
			t.Errorf("planted in evil's memory directory: %s (%v)", e.Name(), e.Type())
		}
	}
	if err := p.closeMemory("evil"); err != nil {
		t.Fatal(err)
	}
	if _, release, err := evil.Memory(); err != nil {
		t.Errorf("reopen evil's memory: %v", err)
	} else {
		release()
	}
}

// workspaceWithClosedMemory creates workspace id with one memory stored
// and its store closed, so that a test can damage the database file, whose
// path it returns.
func workspaceWithClosedMemory(t *testing.T, p *Platform, id string) (*Workspace, string) {
	t.Helper()
	ws := newTestWorkspace(t, p, id)
	st, release, err := ws.Memory()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := st.Store(bg, memory.NewMemory{Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	if err := p.closeMemory(id); err != nil {
		t.Fatal(err)
	}
	return ws, ws.layout().memoryDB()
}

// TestMemoryFault: a memory error that is not the model's own reaches the
// model as its kind alone, never with the host paths its message holds.
func TestMemoryFault(t *testing.T) {
	for err, want := range map[error]string{
		fmt.Errorf("memory database /srv/state/workspaces/a/memory/memory.db: %w", memory.ErrDamaged): "its database is damaged",
		fmt.Errorf("memory database /srv/state/workspaces/a/memory/memory.db: %w", memory.ErrNoSpace): "the disk is full",
		fmt.Errorf("store memories: %w", context.Canceled):                                            "the run was stopped",
		errors.New("open /srv/state/workspaces/a/memory/memory.db: permission denied"):                "an error on the host (logged there)",
	} {
		if got := memoryFault(err); got != want {
			t.Errorf("memoryFault(%v) = %q, want %q", err, got, want)
		}
	}
}

// TestIndexingAfterTheAnswer: with the embedding provider down (every
// request takes 300 ms and fails, and the client retries), a run returns
// without waiting for its turn to be indexed, and the next run's
// memory_search, which waits for the pending indexing (about 5 s here),
// still finds it.
func TestIndexingAfterTheAnswer(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	t.Setenv("OLLAMA_HOST", down.URL)
	p := newTestPlatform(t)
	ws, err := p.CreateWorkspace("w", WorkspaceConfig{EmbeddingProvider: "ollama", EmbeddingModel: "m"})
	if err != nil {
		t.Fatal(err)
	}
	srv := fakellm.New(fakellm.Step{Text: "Noted: the staging password rotates on Fridays."},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "memory_search", Input: map[string]any{"query": "staging password Fridays"}}}},
		fakellm.Step{Text: "Fridays."})
	defer srv.Close()
	start := time.Now()
	req := anthropicRequest(srv, "The staging password rotates on Fridays.")
	req.SessionID = "first"
	if _, err := ws.Run(bg, req); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("the run took %v: it waited for indexing", d)
	}
	req = anthropicRequest(srv, "When does the staging password rotate?")
	req.SessionID = "second"
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if out := res.ToolCalls[0].Output; !strings.Contains(out, "session:first") || !strings.Contains(out, "Fridays") {
		t.Fatalf("memory_search in the next run = %q", out)
	}
}
