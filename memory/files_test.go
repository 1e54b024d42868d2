package memory

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func sources(t *testing.T, s *Store) map[string]int {
	t.Helper()
	ms, err := s.List(context.Background(), ListOptions{Source: SourceFilePrefix, Limit: MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, m := range ms {
		out[m.Source]++
		if !m.Evergreen {
			t.Errorf("file memory %d is not evergreen", m.ID)
		}
	}
	return out
}

func TestIndexFiles(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	files := t.TempDir()
	writeFile(t, filepath.Join(files, "MEMORY.md"), "# Project\n\nThe API runs on port 8080.\n\n## People\n\nDana owns billing.\n")
	writeFile(t, filepath.Join(files, "memory", "ops.md"), "Backups run at 02:00.\n")
	writeFile(t, filepath.Join(files, "memory", "notes.txt"), "not markdown, not indexed")
	writeFile(t, filepath.Join(files, "src", "main.go"), "package main")

	st, err := s.IndexFiles(ctx, files)
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 2 || st.Indexed != 2 || st.Chunks != 3 || st.Removed != 0 || st.Skipped != 0 {
		t.Fatalf("first run: %+v", st)
	}
	if got := sources(t, s); got["file:MEMORY.md"] != 2 || got["file:memory/ops.md"] != 1 || len(got) != 2 {
		t.Fatalf("sources %v", got)
	}
	if rs, _ := s.Search(ctx, "who owns billing?", SearchOptions{}); len(rs) == 0 || !strings.Contains(rs[0].Text, "Dana") {
		t.Fatalf("search: %+v", rs)
	}

	st, _ = s.IndexFiles(ctx, files)
	if st.Indexed != 0 || st.Chunks != 0 {
		t.Fatalf("unchanged files re-indexed: %+v", st)
	}

	writeFile(t, filepath.Join(files, "memory", "ops.md"), "Backups run at 03:00 now.\n")
	st, _ = s.IndexFiles(ctx, files)
	if st.Indexed != 1 || st.Chunks != 1 {
		t.Fatalf("changed file: %+v", st)
	}
	if rs, _ := s.Search(ctx, "backups", SearchOptions{}); len(rs) != 1 || !strings.Contains(rs[0].Text, "03:00") {
		t.Fatalf("old chunk kept or new missing: %+v", rs)
	}

	os.Remove(filepath.Join(files, "MEMORY.md"))
	st, _ = s.IndexFiles(ctx, files)
	if st.Removed != 1 {
		t.Fatalf("deleted file: %+v", st)
	}
	if got := sources(t, s); len(got) != 1 || got["file:memory/ops.md"] != 1 {
		t.Fatalf("after delete: %v", got)
	}
	os.RemoveAll(files)
	if st, err := s.IndexFiles(ctx, files); err != nil || st.Removed != 1 {
		t.Fatalf("missing files directory: %+v, %v", st, err)
	}
	if got := sources(t, s); len(got) != 0 {
		t.Fatalf("memories of a removed directory: %v", got)
	}
}

// TestIndexFilesHostile plants what a tenant could: a symlink out of the
// files directory, a FIFO, an oversized file, invalid UTF-8. None is read,
// none blocks, and the valid file is still indexed.
func TestIndexFilesHostile(t *testing.T) {
	s := openTest(t, Options{Limits: Limits{MaxFileBytes: 1024, MaxFiles: 4}})
	ctx := context.Background()
	outside := filepath.Join(t.TempDir(), "secret.md")
	writeFile(t, outside, "host secret: hunter2")
	files := t.TempDir()
	writeFile(t, filepath.Join(files, "memory", "ok.md"), "a legitimate note")
	os.Symlink(outside, filepath.Join(files, "MEMORY.md"))
	os.Symlink("../../"+filepath.Base(filepath.Dir(outside))+"/secret.md", filepath.Join(files, "memory", "rel.md"))
	if err := syscall.Mkfifo(filepath.Join(files, "memory", "fifo.md"), 0o600); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(files, "memory", "big.md"), strings.Repeat("x", 1025))
	writeFile(t, filepath.Join(files, "memory", "bin.md"), "\xff\xfe")
	if err := os.Link(outside, filepath.Join(files, "memory", "hard.md")); err != nil {
		t.Fatal(err)
	}

	done := make(chan struct{})
	var st FileIndexStats
	var err error
	go func() {
		st, err = s.IndexFiles(ctx, files)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("IndexFiles blocked")
	}
	if err != nil {
		t.Fatal(err)
	}
	// Seven files: the limit of 4 leaves out the last three by name
	// (hard.md, ok.md, rel.md) and the first four are refused.
	if st.Files != 7 || st.Skipped != 7 || st.Indexed != 0 {
		t.Fatalf("stats %+v", st)
	}
	s.opts.Limits.MaxFiles = 10
	st, _ = s.IndexFiles(ctx, files)
	if st.Indexed != 1 || st.Skipped != 6 {
		t.Fatalf("stats %+v", st)
	}
	if rs, _ := s.Search(ctx, "host secret hunter2", SearchOptions{}); len(rs) != 0 {
		t.Fatalf("a file outside the workspace was indexed: %+v", rs)
	}
	if got := sources(t, s); len(got) != 1 || got["file:memory/ok.md"] != 1 {
		t.Fatalf("sources %v", got)
	}
}

// TestIndexFilesBadNames: a memory file whose name has a control character
// or is not UTF-8 is skipped, since no file source can name it.
func TestIndexFilesBadNames(t *testing.T) {
	s := openTest(t, Options{})
	files := t.TempDir()
	for _, name := range []string{"ok.md", "a\nb.md", "c\xff.md"} {
		writeFile(t, filepath.Join(files, "memory", name), "a note in "+name)
	}
	st, err := s.IndexFiles(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 3 || st.Indexed != 1 || st.Skipped != 2 {
		t.Fatalf("stats %+v", st)
	}
	if got := sources(t, s); len(got) != 1 || got["file:memory/ok.md"] != 1 {
		t.Fatalf("sources %v", got)
	}
}
