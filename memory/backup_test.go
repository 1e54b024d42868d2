package memory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ncruces/go-sqlite3"
)

// TestBackupWhileWriting: a backup taken while another goroutine stores
// memories is one self-contained file (no -wal beside it) that passes
// PRAGMA integrity_check, opens as a store and finds what was stored
// before it began; the copy holds a prefix of the writes, never a torn
// one.
func TestBackupWhileWriting(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	for i := range 200 {
		storeTexts(t, s, fmt.Sprintf("fact number %d about the harbour crane", i))
	}
	var stored atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Store(ctx, NewMemory{Text: fmt.Sprintf("concurrent note %d", i)}); err != nil {
				t.Error(err)
				return
			}
			stored.Add(1)
		}
	}()
	dst := filepath.Join(t.TempDir(), "copy.db")
	err := s.Backup(ctx, dst)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dst + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a -wal file beside the copy: %v", err)
	}
	if fi, err := os.Stat(dst); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("copy mode: %v %v", fi, err)
	}
	if got := integrityCheck(t, dst); got != "ok" {
		t.Fatalf("integrity_check = %q", got)
	}
	c, err := Open(dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rs, err := c.Search(ctx, "harbour crane", SearchOptions{MaxResults: 5})
	if err != nil || len(rs) == 0 {
		t.Fatalf("search in the copy: %v %v", rs, err)
	}
	all, err := c.List(ctx, ListOptions{Limit: MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	if n := int64(len(all)); n < 200 || n > 200+stored.Load() {
		t.Errorf("the copy holds %d memories; 200 before, %d stored during", n, stored.Load())
	}
}

// TestBackupRefusals: an existing destination is refused untouched; a
// cancelled context and a closed store fail, leaving no file.
func TestBackupRefusals(t *testing.T) {
	s := openTest(t, Options{})
	storeTexts(t, s, "one", "two")
	dir := t.TempDir()
	existing := filepath.Join(dir, "taken.db")
	os.WriteFile(existing, []byte("mine"), 0o600)
	if err := s.Backup(context.Background(), existing); err == nil {
		t.Error("an existing destination was accepted")
	}
	if b, _ := os.ReadFile(existing); string(b) != "mine" {
		t.Errorf("the existing file became %q", b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dst := filepath.Join(dir, "cancelled.db")
	if err := s.Backup(ctx, dst); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := os.Lstat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cancelled backup left %s: %v", dst, err)
	}
	s.Close()
	if err := s.Backup(context.Background(), filepath.Join(dir, "closed.db")); !errors.Is(err, ErrClosed) {
		t.Errorf("closed store: %v", err)
	}
}

// integrityCheck returns the first row of PRAGMA integrity_check on the
// database at path.
func integrityCheck(t *testing.T, path string) string {
	t.Helper()
	c, err := sqlite3.OpenFlags(path, sqlite3.OPEN_READONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, _, err := c.Prepare(`PRAGMA integrity_check`)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !st.Step() {
		t.Fatal(st.Err())
	}
	return st.ColumnText(0)
}
