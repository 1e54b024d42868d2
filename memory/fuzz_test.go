package memory

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/bulkhead-dev/bulkhead/memory/internal/textindex"
)

// FuzzIndexRoundTrip checks that the text a delete analyses is the text
// that was indexed: a memory's text comes back from the database byte for
// byte, and analysed again it names exactly the indexed terms, so deleting
// the memory leaves no term in the full-text index and the index passes
// FTS5's integrity check. (FuzzIndexReproducible, in internal/textindex,
// checks that the analysis itself is reproducible.)
func FuzzIndexRoundTrip(f *testing.F) {
	for _, s := range []string{
		"Deployments happen on Fridays after the standup.",
		"¿Qué base de datos usamos? Lucía vive en Madrid.",
		"我们的前端使用Vue 3和Vite构建。東京オフィス",
		"운영 데이터베이스는 PostgreSQL이며",
		"ما الإطار الذي نستخدمه؟ والمشروع",
		"ΑΘΗΝΑ Σίσυφος, maxRetries 🚀🔥️",
		"nul\x00inside and cafe\u0301",
		"\xff\xfe not UTF-8",
	} {
		f.Add(s)
	}
	s, err := Open(filepath.Join(f.TempDir(), "memory.db"), Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(ctx, `CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, memories_fts, row)`); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		m, err := s.Store(ctx, NewMemory{Text: text})
		if errors.Is(err, ErrInvalid) {
			return // not a memory: nothing indexed
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Text != text {
			t.Fatalf("stored %q, read back %q", text, got.Text)
		}
		if a, b := textindex.Index(text), textindex.Index(got.Text); a != b {
			t.Fatalf("%q indexed as %q, analysed again as %q", text, a, b)
		}
		if err := s.Delete(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		var left int
		var term string
		if err := conn.QueryRowContext(ctx, `SELECT count(*), coalesce(min(term), '') FROM temp.terms`).Scan(&left, &term); err != nil {
			t.Fatal(err)
		}
		if left > 0 {
			t.Fatalf("%q deleted, but %d terms are left in the index, such as %q", text, left, term)
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO memories_fts(memories_fts, rank) VALUES ('integrity-check', 0)`); err != nil {
			t.Fatalf("%q deleted: FTS5 integrity check: %v", text, err)
		}
	})
}
