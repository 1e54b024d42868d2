package memory

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/tmpfs"
)

// TestDiskFull: on a file system that fills up, a Store fails with
// ErrNoSpace saying the disk is full, every memory acknowledged before is
// still listed and found, and the database opens again.
func TestDiskFull(t *testing.T) {
	dir := tmpfs.New(t, 600<<10)
	path := filepath.Join(dir, "memory.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	acked := 0
	for ; acked < 1000; acked++ {
		text := fmt.Sprintf("note %d about the harbour: ", acked) + strings.Repeat(fmt.Sprintf("w%dx ", acked), 2000)
		if _, err = s.Store(ctx, NewMemory{Text: text}); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrNoSpace) || !strings.Contains(err.Error(), "free on its file system (disk full?)") || !strings.Contains(err.Error(), path) {
		t.Fatalf("after %d memories: %v, want ErrNoSpace naming %s", acked, err, path)
	}
	if acked == 0 {
		t.Fatal("not one memory fit")
	}
	listed, found := readTexts(t, s, "harbour")
	if len(listed) != acked || len(found) == 0 {
		t.Errorf("after the failed write: %d listed, %d found; want %d listed", len(listed), len(found), acked)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen a full database: %v", err)
	}
	defer s.Close()
	if listed, _ := readTexts(t, s, "harbour"); len(listed) != acked {
		t.Errorf("reopened: %d listed, want %d", len(listed), acked)
	}
}
