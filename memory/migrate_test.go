package memory

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestReopenAndSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m", "memory.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := storeTexts(t, s, "persisted fact")[0]
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var v int
	s.db.QueryRow(`PRAGMA user_version`).Scan(&v)
	if v != len(migrations) {
		t.Errorf("user_version %d, want %d", v, len(migrations))
	}
	var mode string
	s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode %s, want wal", mode)
	}
	if m, err := s.Get(context.Background(), id); err != nil || m.Text != "persisted fact" {
		t.Fatalf("after reopen: %+v, %v", m, err)
	}
	if _, err := s.db.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema = %v, want ErrSchemaTooNew", err)
	}
}

// TestAnalyzerUpgradeReindexes: a database indexed by another analyzer
// version gets its full-text index rebuilt on open.
func TestAnalyzerUpgradeReindexes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for range 1200 { // more than one page of the rebuild
		texts = append(texts, "filler")
	}
	storeTexts(t, s, texts...)
	id := storeTexts(t, s, "東京都の事務所")[0]
	s.db.Exec(`INSERT INTO memories_fts(memories_fts) VALUES ('delete-all')`)
	s.db.Exec(`UPDATE meta SET value = 'old' WHERE key = 'analyzer'`)
	if rs, _ := s.Search(context.Background(), "事務所", SearchOptions{}); len(rs) != 0 {
		t.Fatal("index not cleared")
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rs, err := s.Search(context.Background(), "事務所", SearchOptions{})
	if err != nil || len(rs) != 1 || rs[0].ID != id {
		t.Fatalf("after reindex: %+v, %v", rs, err)
	}
	if rs, _ := s.Search(context.Background(), "filler", SearchOptions{MaxResults: 100}); len(rs) != 100 {
		t.Errorf("filler memories found: %d", len(rs))
	}
}

// TestUpgradeFromVersion1 opens a store as the first release left it (the
// porter tokenizer, analyzer "1") and checks that migration 2 replaces the
// full-text table and the index is rebuilt with the current analysis.
func TestUpgradeFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := storeTexts(t, s, "Deployments happen on Fridays.")[0]
	for _, q := range []string{
		`DROP TABLE memories_fts`,
		`CREATE VIRTUAL TABLE memories_fts USING fts5(body, content = '', contentless_delete = 1,
			tokenize = 'porter unicode61 remove_diacritics 2')`,
		`INSERT INTO memories_fts(rowid, body) SELECT id, text FROM memories`,
		`UPDATE meta SET value = '1' WHERE key = 'analyzer'`,
		`PRAGMA user_version = 1`,
	} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ddl string
	s.db.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'memories_fts'`).Scan(&ddl)
	if strings.Contains(ddl, "porter") {
		t.Errorf("full-text table not migrated: %s", ddl)
	}
	rs, err := s.Search(context.Background(), "when do we deploy?", SearchOptions{})
	if err != nil || len(rs) != 1 || rs[0].ID != id {
		t.Fatalf("after upgrade: %+v, %v", rs, err)
	}
}

func TestOpenOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir with space?#%41&a=b+c", "memory.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	storeTexts(t, s, "odd path")
	s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("database not at the literal path: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", di.Mode().Perm())
	}
}

// TestConcurrentFirstOpen: stores opening a database that does not exist
// yet, all at once, as concurrent CLI commands do, all succeed: the one
// that loses the switch to WAL mode waits instead of failing with
// "database is locked".
func TestConcurrentFirstOpen(t *testing.T) {
	for round := range 40 {
		path := filepath.Join(t.TempDir(), "memory.db")
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for range 6 {
			wg.Go(func() {
				s, err := Open(path, Options{})
				if err == nil {
					_, err = s.Store(context.Background(), NewMemory{Text: "a fact"})
					s.Close()
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}

// TestReplacedDatabaseRefused: when the database file at a Store's path is
// replaced (its workspace deleted and created again by another process),
// Current says so and the Store refuses new connections to the new file
// with ErrReplaced, rather than mix two tenants' memories.
func TestReplacedDatabaseRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ws", "memory", "memory.db")
	if err := os.MkdirAll(filepath.Dir(filepath.Dir(path)), 0o700); err != nil {
		t.Fatal(err)
	}
	old := reopen(t, path)
	storeTexts(t, old, "old tenant secret")
	old.db.SetMaxIdleConns(0) // every call opens a connection
	if !old.Current() {
		t.Fatal("Current is false before any change")
	}
	if err := os.Rename(filepath.Join(dir, "ws"), filepath.Join(dir, "grave")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "ws"), 0o700); err != nil {
		t.Fatal(err)
	}
	fresh := reopen(t, path)
	storeTexts(t, fresh, "new tenant fact")
	if old.Current() {
		t.Error("Current is true after the file was replaced")
	}
	if _, err := old.List(context.Background(), ListOptions{}); !errors.Is(err, ErrReplaced) {
		t.Errorf("List through the old store: %v, want ErrReplaced", err)
	}
	if ms, _ := fresh.List(context.Background(), ListOptions{}); len(ms) != 1 || ms[0].Text != "new tenant fact" {
		t.Errorf("the new store: %+v", ms)
	}
}
