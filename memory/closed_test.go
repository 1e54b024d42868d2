package memory

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/memory/embedding"
)

// TestClosed: after Close, every method that returns an error returns
// ErrClosed, whatever its input (a query of stopwords, which reads no
// database, included), and Path and PlanQuery still work.
func TestClosed(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "memory.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	storeTexts(t, s, "the launch checklist")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // for Watch
	defer cancel()
	calls := map[string]func() error{
		"Close": s.Close,
		"Store": func() error { _, err := s.Store(ctx, NewMemory{Text: "x"}); return err },
		"StoreBatch": func() error {
			_, err := s.StoreBatch(ctx, []NewMemory{{Text: "x"}, {Text: ""}})
			return err
		},
		"Update":          func() error { _, err := s.Update(ctx, 1, "y"); return err },
		"Delete":          func() error { return s.Delete(ctx, 1) },
		"Get":             func() error { _, err := s.Get(ctx, 1); return err },
		"List":            func() error { _, err := s.List(ctx, ListOptions{}); return err },
		"List bad source": func() error { _, err := s.List(ctx, ListOptions{Source: "robot"}); return err },
		"Search":          func() error { _, err := s.Search(ctx, "launch checklist", SearchOptions{}); return err },
		"Search stopword": func() error { _, err := s.Search(ctx, "the", SearchOptions{}); return err },
		"Search empty":    func() error { _, err := s.Search(ctx, "", SearchOptions{}); return err },
		"EmbedPending":    func() error { _, err := s.EmbedPending(ctx); return err },
		"IndexFiles":      func() error { _, err := s.IndexFiles(ctx, t.TempDir()); return err },
		"IndexSessions":   func() error { _, err := s.IndexSessions(ctx, t.TempDir()); return err },
		"CallTool store": func() error {
			_, err := s.CallTool(ctx, ToolStore, []byte(`{"content": "x"}`))
			return err
		},
		"CallTool search": func() error {
			_, err := s.CallTool(ctx, ToolSearch, []byte(`{"query": "the"}`))
			return err
		},
		"CallTool bad input": func() error { _, err := s.CallTool(ctx, ToolSearch, []byte(`{}`)); return err },
		"Watch":              func() error { return s.Watch(ctx, WatchOptions{FilesDir: t.TempDir()}) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrClosed) || err.Error() != "memory store is closed" {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	if s.Path() == "" || len(s.PlanQuery("launch").Keywords) != 1 {
		t.Errorf("Path %q, PlanQuery %+v after Close", s.Path(), s.PlanQuery("launch"))
	}
}

// gateEmbedder blocks each Embed call, after announcing it on entered,
// until release is closed; its vectors are hashVector's.
type gateEmbedder struct {
	entered chan struct{}
	release chan struct{}
}

func (g *gateEmbedder) Model() string { return "test/gate" }
func (g *gateEmbedder) MaxBatch() int { return 16 }
func (g *gateEmbedder) Embed(ctx context.Context, texts []string, _ embedding.Kind) ([][]float32, error) {
	g.entered <- struct{}{}
	<-g.release
	vs := make([][]float32, len(texts))
	for i, t := range texts {
		vs[i] = hashVector(t, 8)
	}
	return vs, nil
}

// TestCloseWaitsForCalls: a search that began before Close, held inside
// its query embedding while Close is called, still finishes with its
// results (Close waits for it), while calls made after Close began get
// ErrClosed.
func TestCloseWaitsForCalls(t *testing.T) {
	gate := &gateEmbedder{entered: make(chan struct{}, 1), release: make(chan struct{})}
	s, err := Open(filepath.Join(t.TempDir(), "memory.db"), Options{Embedder: gate, DisableBackfill: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	stored := make(chan error, 1)
	go func() { _, err := s.Store(ctx, NewMemory{Text: "the launch checklist"}); stored <- err }()
	<-gate.entered
	gate.release <- struct{}{} // let the Store embed its one memory
	if err := <-stored; err != nil {
		t.Fatal(err)
	}

	type outcome struct {
		rs  []Result
		err error
	}
	searched := make(chan outcome, 1)
	go func() { rs, err := s.Search(ctx, "launch checklist", SearchOptions{}); searched <- outcome{rs, err} }()
	<-gate.entered // the search is running, inside Embed
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	for _, err := s.Get(ctx, 1); !errors.Is(err, ErrClosed); _, err = s.Get(ctx, 1) {
		time.Sleep(time.Millisecond) // until Close has begun
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a search was running", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(gate.release)
	if o := <-searched; o.err != nil || len(o.rs) != 1 {
		t.Errorf("the search running at Close: %d results, %v; want 1, nil", len(o.rs), o.err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
}
