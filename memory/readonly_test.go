package memory

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/tmpfs"
)

// readTexts returns the texts of the memories List returns, newest first,
// and of those Search finds for query, failing the test on an error.
func readTexts(t *testing.T, s *Store, query string) (listed, found []string) {
	t.Helper()
	ms, err := s.List(context.Background(), ListOptions{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, m := range ms {
		listed = append(listed, m.Text)
	}
	rs, err := s.Search(context.Background(), query, SearchOptions{})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	for _, r := range rs {
		found = append(found, r.Text)
	}
	return listed, found
}

// copyFiles copies the files named in the directory from to the directory to.
func copyFiles(t *testing.T, from, to string, names ...string) {
	t.Helper()
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(from, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, n), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestOpenReadOnlyFS: on a read-only file system, a workspace's memory
// opens and is read by List and Search, while writes fail: a database
// closed cleanly (no -wal or -shm file, which SQLite could not create
// there), and the image a crash leaves (memory.db, memory.db-wal holding
// the last writes and memory.db-shm), whose write-ahead log is read. A
// write-ahead log without its -shm file cannot be read there: Open fails
// rather than return the database without the log's writes. The modes
// Open would tighten are left as they are there.
func TestOpenReadOnlyFS(t *testing.T) {
	root := tmpfs.New(t, 0)
	clean := newDatabase(t, root, "clean", "the harbour freezes in January")
	// Modes Open would tighten, which it cannot change there.
	if err := os.Chmod(clean, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(clean), 0o755); err != nil {
		t.Fatal(err)
	}
	crashed := filepath.Join(root, "crashed", "memory")
	noShm := filepath.Join(root, "noshm", "memory")
	for _, d := range []string{crashed, noShm} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// The crash image: the files of an open store, copied while it holds
	// writes in its log (synchronous=FULL syncs the log, not the database).
	live := newDatabase(t, root, "live")
	s, err := Open(live, Options{DisableBackfill: true})
	if err != nil {
		t.Fatal(err)
	}
	storeTexts(t, s, "the harbour freezes in January")
	walFi, err := os.Stat(live + "-wal")
	if err != nil || walFi.Size() == 0 {
		t.Fatalf("the open store's log: %v, %v; want a file holding the write", walFi, err)
	}
	copyFiles(t, filepath.Dir(live), crashed, "memory.db", "memory.db-wal", "memory.db-shm")
	copyFiles(t, filepath.Dir(live), noShm, "memory.db", "memory.db-wal")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	tmpfs.ReadOnly(t, root)

	want := []string{"the harbour freezes in January"}
	for _, db := range []string{clean, filepath.Join(crashed, "memory.db")} {
		s, err := Open(db, Options{DisableBackfill: true})
		if err != nil {
			t.Fatalf("Open(%s) on a read-only file system: %v", db, err)
		}
		listed, found := readTexts(t, s, "harbour")
		if !slices.Equal(listed, want) || !slices.Equal(found, want) {
			t.Errorf("%s: List %q, Search %q; want %q", db, listed, found, want)
		}
		if _, err := s.Store(context.Background(), NewMemory{Text: "another"}); err == nil {
			t.Errorf("%s: Store on a read-only file system succeeded", db)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
	if s, err := Open(filepath.Join(noShm, "memory.db"), Options{DisableBackfill: true}); err == nil {
		listed, _ := readTexts(t, s, "harbour")
		s.Close()
		t.Fatalf("a log without its -shm file on a read-only file system opened, listing %q", listed)
	} else if errors.Is(err, ErrDamaged) {
		t.Fatalf("a log without its -shm file: %v, which is not damage", err)
	}
}
