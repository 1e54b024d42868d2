package memory

import (
	"context"
	"path/filepath"
	"testing"
)

// openTest opens a fresh store in a temporary directory.
func openTest(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "memory", "memory.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// storeTexts stores texts with source api and returns their ids.
func storeTexts(t *testing.T, s *Store, texts ...string) []int64 {
	t.Helper()
	ms := make([]NewMemory, len(texts))
	for i, x := range texts {
		ms[i] = NewMemory{Text: x}
	}
	r, err := s.StoreBatch(context.Background(), ms)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(texts))
	for i, m := range r.Memories {
		ids[i] = m.ID
	}
	return ids
}
