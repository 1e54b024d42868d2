//go:build unix

package builtin

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestFsErrorExplainsRefusals feeds fsError the EACCES that the host's
// confined file system returns for files it refuses, next to real files of
// each kind, and checks the message names the reason; other errors keep
// their plain description.
func TestFsErrorExplainsRefusals(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"plain": "x", "linked": "y"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link(filepath.Join(dir, "linked"), filepath.Join(dir, "second-name")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	c := &call{root: root}
	denied := func(name string) error { return &fs.PathError{Op: "openat", Path: name, Err: syscall.EACCES} }
	tests := []struct {
		op, name string
		err      error
		want     string
	}{
		{"read", "linked", denied("linked"), "read linked: " + errHardLinks},
		{"write", "second-name", denied("second-name"), "write second-name: " + errHardLinks},
		{"edit", "linked", denied("linked"), "edit linked: " + errHardLinks},
		{"read", "fifo", denied("fifo"), "read fifo: not a regular file (p---------)"},
		{"read", "plain", denied("plain"), "read plain: permission denied"},
		{"read", "missing", denied("missing"), "read missing: permission denied"},
		{"read", "linked", &fs.PathError{Op: "read", Path: "linked", Err: syscall.EIO}, "read linked: input/output error"},
	}
	for _, tt := range tests {
		if got := c.fsError(tt.op, tt.name, tt.err).Error(); got != tt.want {
			t.Errorf("fsError(%s, %s, %v) = %q, want %q", tt.op, tt.name, tt.err, got, tt.want)
		}
	}
}

// TestReadSpecialFile checks read refuses a FIFO without blocking: it opens
// the file before checking it, without waiting for a writer.
func TestReadSpecialFile(t *testing.T) {
	tb := newBox(t, Limits{}, nil)
	if err := syscall.Mkfifo(filepath.Join(tb.Root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan Result, 1)
	go func() { done <- run(t, tb, "read", map[string]any{"path": "fifo"}) }()
	select {
	case r := <-done:
		wantErr(t, r, "read fifo: not a regular file (p---------)")
	case <-time.After(10 * time.Second):
		t.Fatal("read of a FIFO blocked")
	}
}
