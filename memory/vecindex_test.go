package memory

import (
	"context"
	"path/filepath"
	"testing"
)

// TestVectorIndexFollowsOtherStores opens one database twice: vectors
// written, updated and deleted through one Store are seen by the other's
// in-memory index, incrementally and after the change log was pruned.
func TestVectorIndexFollowsOtherStores(t *testing.T) {
	es := newEmbedServer(t, 32)
	path := filepath.Join(t.TempDir(), "memory.db")
	ctx := context.Background()
	open := func() *Store {
		s, err := Open(path, Options{Embedder: es.embedder(t, "m"), DisableBackfill: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	vectorIDs := func(q string) []int64 {
		hits, _, ran := b.vectorStage(ctx, q, 10, nil)
		if !ran {
			return nil
		}
		var ids []int64
		for _, h := range hits {
			ids = append(ids, h.id)
		}
		return ids
	}
	if got := vectorIDs("anything"); got != nil {
		t.Fatalf("empty store: %v", got)
	}
	x, err := a.Store(ctx, NewMemory{Text: "kettle descaling schedule"})
	if err != nil {
		t.Fatal(err)
	}
	if got := vectorIDs("kettle descaling"); len(got) != 1 || got[0] != x.ID {
		t.Fatalf("after insert: %v", got)
	}
	y, _ := a.Store(ctx, NewMemory{Text: "bicycle tyre pressure"})
	if got := vectorIDs("bicycle tyre"); len(got) != 2 || got[0] != y.ID {
		t.Fatalf("second insert: %v", got)
	}
	if _, err := a.Update(ctx, x.ID, "bicycle tyre pressure check"); err != nil {
		t.Fatal(err)
	}
	if err := b.vec.sync(ctx, b.db, b.st.vectorBounds); err != nil {
		t.Fatal(err)
	}
	v := b.vec.vectors("openai/m", []int64{x.ID})[0]
	if want := unit(hashVector("bicycle tyre pressure check", 32)); dot(v, want) < 0.9999 {
		t.Fatalf("updated vector not followed: cos %v", dot(v, want))
	}
	if err := a.Delete(ctx, y.ID); err != nil {
		t.Fatal(err)
	}
	if got := vectorIDs("bicycle tyre"); len(got) != 1 || got[0] != x.ID {
		t.Fatalf("after delete: %v", got)
	}
	// Simulate b falling behind a pruned log: it must reload.
	z, _ := a.Store(ctx, NewMemory{Text: "zebra crossing"})
	if _, err := a.db.Exec(`DELETE FROM vector_changes`); err != nil {
		t.Fatal(err)
	}
	a.Store(ctx, NewMemory{Text: "another change"})
	if got := vectorIDs("zebra crossing"); len(got) != 3 || got[0] != z.ID {
		t.Fatalf("after pruning: %v", got)
	}
}
