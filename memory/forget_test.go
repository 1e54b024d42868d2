package memory

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/memory/internal/textindex"
)

// leftovers returns which of needles the database at path or its
// write-ahead log still holds, as bytes anywhere in the files.
func leftovers(t *testing.T, path string, needles ...string) []string {
	t.Helper()
	var found []string
	for _, f := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		for _, n := range needles {
			if bytes.Contains(data, []byte(n)) {
				found = append(found, filepath.Base(f)+": "+n)
			}
		}
	}
	return found
}

// TestForgottenTextLeavesTheFile: once Delete or Update returns, neither
// the database nor its write-ahead log holds the old text or its indexed
// words (folded, as the full-text index keeps them), while the store is
// still open and after it closes.
func TestForgottenTextLeavesTheFile(t *testing.T) {
	s := openTest(t, Options{})
	path := s.Path()
	ctx := context.Background()
	for i := range 200 {
		storeTexts(t, s, fmt.Sprintf("filler note %d about cooking pasta", i))
	}
	ids := storeTexts(t, s, "my password is Hunter2Qwxyz and card 4111111111111111", "the vault code is Zebra9Plmk")
	for i := range 50 {
		storeTexts(t, s, fmt.Sprintf("later note %d about gardening", i))
	}
	secrets := []string{"Hunter2Qwxyz", "hunter2qwxyz", "4111111111111111", "Zebra9Plmk", "zebra9plmk"}
	if got := leftovers(t, path, secrets...); len(got) == 0 {
		t.Fatal("the secrets are not in the file to begin with; the test checks nothing")
	}
	if err := s.Delete(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, ids[1], "the vault code was changed"); err != nil {
		t.Fatal(err)
	}
	if got := leftovers(t, path, secrets...); len(got) > 0 {
		t.Errorf("open store, after Delete and Update: %v", got)
	}
	if rs, err := s.Search(ctx, "vault code", SearchOptions{}); err != nil || len(rs) != 1 || rs[0].ID != ids[1] {
		t.Errorf("search after the update: %+v, %v", rs, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := leftovers(t, path, secrets...); len(got) > 0 {
		t.Errorf("closed store: %v", got)
	}
}

// TestDeleteAllOrNone: Delete of several ids deletes them all, or, when
// one is missing, none, naming the missing one; repeated ids count once.
func TestDeleteAllOrNone(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	ids := storeTexts(t, s, "alpha", "beta", "gamma")
	err := s.Delete(ctx, ids[0], ids[1], 999)
	if !errors.Is(err, ErrNotFound) || err.Error() != "memory not found: id 999" {
		t.Fatalf("Delete with a missing id = %v", err)
	}
	if ms, _ := s.List(ctx, ListOptions{}); len(ms) != 3 {
		t.Fatalf("a failed Delete removed memories: %d left", len(ms))
	}
	if err := s.Delete(ctx, ids[1], ids[0], ids[1]); err != nil {
		t.Fatal(err)
	}
	if ms, _ := s.List(ctx, ListOptions{}); len(ms) != 1 || ms[0].ID != ids[2] {
		t.Fatalf("after deleting two: %+v", ms)
	}
	if err := s.Delete(ctx); err != nil {
		t.Errorf("Delete of nothing: %v", err)
	}
}

// TestIndexStaysConsistent: after the corpus is stored in seven languages
// and every other memory deleted or updated, FTS5's integrity check
// passes and each remaining memory is still found by its own text, which
// a 'delete' naming other terms than those indexed would break.
func TestIndexStaysConsistent(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	corpus, _ := loadCorpus(t, s)
	byID := map[int64]string{} // the memories' texts
	i := 0
	for id := range corpus {
		m, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		byID[id] = m.Text
		switch i % 4 {
		case 0:
			if err := s.Delete(ctx, id); err != nil {
				t.Fatal(err)
			}
			delete(byID, id)
		case 1:
			if _, err := s.Update(ctx, id, byID[id]+" (revised)"); err != nil {
				t.Fatal(err)
			}
		}
		i++
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO memories_fts(memories_fts, rank) VALUES ('integrity-check', 0)`); err != nil {
		t.Fatalf("FTS5 integrity check: %v", err)
	}
	missed := 0
	for id, text := range byID {
		rs, err := s.Search(ctx, text, SearchOptions{MaxResults: 20, MinScore: 0})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(rs, func(r Result) bool { return r.ID == id }) {
			missed++
		}
	}
	if missed > 0 {
		t.Errorf("%d of %d remaining memories not found by their own text", missed, len(byID))
	}
}

// holdSnapshot starts a read transaction on a connection of s, as a
// reader in another process would hold one, until end is called.
func holdSnapshot(t *testing.T, s *Store) (end func()) {
	t.Helper()
	tx, err := s.db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM memories`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return func() { tx.Rollback() }
}

// reopen opens another Store on the database at path, closed when the
// test ends.
func reopen(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitNoLeftovers polls, for up to 5 s, until the database and its log
// hold none of needles, and returns what they still hold.
func waitNoLeftovers(t *testing.T, path string, needles ...string) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := leftovers(t, path, needles...)
		if len(got) == 0 || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReindexedFileLeavesTheFile: text removed from MEMORY.md leaves the
// database and its log once IndexFiles has replaced the file's memories.
func TestReindexedFileLeavesTheFile(t *testing.T) {
	files := t.TempDir()
	s := openTest(t, Options{})
	path := s.Path()
	ctx := context.Background()
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(files, MemoryFileName), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := s.IndexFiles(ctx, files); err != nil {
			t.Fatal(err)
		}
	}
	write("# Keys\n\nThe staging token is Fjordsecret77.\n")
	if len(leftovers(t, path, "Fjordsecret77")) == 0 {
		t.Fatal("the token is not in the file to begin with")
	}
	write("# Keys\n\nThe staging token was rotated.\n")
	if got := leftovers(t, path, "Fjordsecret77", "fjordsecret77"); len(got) > 0 {
		t.Errorf("after re-indexing: %v", got)
	}
}

// TestForgetWhileAnotherReads: a Delete while another connection holds a
// read snapshot returns at once, without waiting for it; the text leaves
// the log soon after the reader finishes, with no further call.
func TestForgetWhileAnotherReads(t *testing.T) {
	s := openTest(t, Options{})
	path := s.Path()
	ctx := context.Background()
	id := storeTexts(t, s, "the alarm code is Quokka4411", "unrelated note")[0]
	reader := reopen(t, path)
	endRead := holdSnapshot(t, reader)
	start := time.Now()
	if err := s.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Delete waited %v for the reader", d)
	}
	endRead()
	if got := waitNoLeftovers(t, path, "Quokka4411", "quokka4411"); len(got) > 0 {
		t.Errorf("5 s after the reader finished: %v", got)
	}
}

// TestUpgradeScrubsOldDeletes: text that a build before forgetfulVersion
// deleted, left in free pages, is gone once the database is opened by this
// build, and what was kept is still found; the same when an earlier
// upgrade was killed during its scrub (schema current, scrub recorded as
// pending).
func TestUpgradeScrubsOldDeletes(t *testing.T) {
	for _, interrupted := range []bool{false, true} {
		t.Run(fmt.Sprintf("interrupted=%v", interrupted), func(t *testing.T) { upgradeScrubs(t, interrupted) })
	}
}

func upgradeScrubs(t *testing.T, interrupted bool) {
	s := openTest(t, Options{})
	path := s.Path()
	kept := storeTexts(t, s, "the harbour opens at dawn")[0]
	var filler []string
	for i := range 50 {
		filler = append(filler, fmt.Sprintf("note %d about the old locksmith Wombat8823", i))
	}
	ids := storeTexts(t, s, filler...)
	// Delete as the previous schema did: no secure_delete, a tombstone in a
	// contentless_delete index.
	for _, q := range []string{
		`PRAGMA secure_delete = OFF`,
		`DROP TABLE memories_fts`,
		`CREATE VIRTUAL TABLE memories_fts USING fts5(body, content = '', contentless_delete = 1,
			tokenize = 'unicode61 remove_diacritics 2')`,
		`INSERT INTO memories_fts(rowid, body) SELECT id, text FROM memories`,
		`PRAGMA user_version = 2`,
	} {

		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	conn, err := s.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`PRAGMA secure_delete = OFF`, `DELETE FROM embeddings`} {
		conn.ExecContext(context.Background(), q)
	}
	for _, id := range ids {
		if _, err := conn.ExecContext(context.Background(), `DELETE FROM memories WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(context.Background(), `DELETE FROM memories_fts WHERE rowid = ?`, id); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	if interrupted {
		// What an upgrade killed during its VACUUM leaves: migration 3
		// committed, with the scrub recorded as pending.
		tx, err := s.db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{migrations[2], `PRAGMA user_version = 3`, `INSERT INTO meta(key, value) VALUES ('scrub', 'pending')`} {
			if _, err := tx.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := reindexFTS(context.Background(), tx); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO meta(key, value) VALUES ('analyzer', ?)`, textindex.Version); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	if len(leftovers(t, path, "Wombat8823")) == 0 {
		t.Fatal("the old build's deleted text is not in the file; the test checks nothing")
	}
	s = reopen(t, path)
	if got := leftovers(t, path, "Wombat8823", "wombat8823"); len(got) > 0 {
		t.Errorf("after the upgrade: %v", got)
	}
	rs, err := s.Search(context.Background(), "harbour", SearchOptions{})
	if err != nil || len(rs) != 1 || rs[0].ID != kept {
		t.Errorf("the kept memory after the upgrade: %+v, %v", rs, err)
	}
}

// TestForgetBeforeClosingWhileAnotherReads: a store that deletes while
// another process reads, and closes soon after, as a CLI command does,
// waits at Close for the reader and empties the log: the text is gone once
// Close returns, not left for whoever opens the database next.
func TestForgetBeforeClosingWhileAnotherReads(t *testing.T) {
	server := openTest(t, Options{})
	path := server.Path()
	storeTexts(t, server, "unrelated note")
	cli := reopen(t, path)
	id := storeTexts(t, cli, "the door code is Narwhal5150")[0]
	ctx := context.Background()
	endRead := holdSnapshot(t, server)
	if err := cli.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		endRead()
	}()
	if err := cli.Close(); err != nil {
		t.Fatal(err)
	}
	if got := leftovers(t, path, "Narwhal5150", "narwhal5150"); len(got) > 0 {
		t.Errorf("after the deleting store closed: %v", got)
	}
}

// TestPurgeLeftToAnotherProcess: when the deleting store cannot empty the
// log before it closes (a reader outlasts its busy timeout), another store
// of the same database, still open, does it on a later call.
func TestPurgeLeftToAnotherProcess(t *testing.T) {
	server := openTest(t, Options{})
	path := server.Path()
	storeTexts(t, server, "unrelated note")
	cli, err := Open(path, Options{BusyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	id := storeTexts(t, cli, "the safe code is Axolotl3377")[0]
	ctx := context.Background()
	endRead := holdSnapshot(t, server)
	if err := cli.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := cli.Close(); err != nil { // gives up on the reader
		t.Fatal(err)
	}
	if len(leftovers(t, path, "Axolotl3377")) == 0 {
		t.Fatal("the closing store emptied the log despite the reader; the test checks nothing")
	}
	endRead()
	deadline := time.Now().Add(5 * time.Second)
	for len(leftovers(t, path, "Axolotl3377", "axolotl3377")) > 0 && time.Now().Before(deadline) {
		if _, err := server.List(ctx, ListOptions{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := leftovers(t, path, "Axolotl3377", "axolotl3377"); len(got) > 0 {
		t.Errorf("5 s after the reader finished: %v", got)
	}
}
