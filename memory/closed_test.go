package memory

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
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
