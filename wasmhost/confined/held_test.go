//go:build linux

package confined

import (
	"os"
	"path/filepath"
	"testing"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// TestHeldDirectories: a path below a directory the guest holds open is
// resolved relative to that descriptor, as openat(2) on it would be: it
// follows the directory when it is renamed, stops when it is closed, and
// never leaves the root.
func TestHeldDirectories(t *testing.T) {
	l := newLayout(t)
	must(t, os.MkdirAll(filepath.Join(l.root, "a", "b"), 0o755))
	must(t, os.WriteFile(filepath.Join(l.root, "a", "b", "x"), []byte("x"), 0o644))
	fsys := l.open(t)
	c := fsys.(*rootFS)
	dir, errno := fsys.OpenFile("a/b", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0)
	mustErrno(t, "open a/b", errno)
	if c.held.get("a/b") == nil {
		t.Fatal("a/b is not held")
	}
	// The guest's directory moves; names beneath it follow the descriptor.
	must(t, os.Rename(filepath.Join(l.root, "a"), filepath.Join(l.root, "z")))
	f, errno := fsys.OpenFile("a/b/x", experimentalsys.O_RDONLY, 0)
	mustErrno(t, "open a/b/x through the held directory", errno)
	f.Close()
	if st, errno := fsys.Lstat("a/b/x"); errno != 0 || st.Size != 1 {
		t.Fatalf("Lstat a/b/x = %+v, %v", st, errno)
	}
	// ".." is cleaned lexically before any lookup: it cannot climb out of
	// the held directory, let alone the root.
	if _, errno := fsys.OpenFile("a/b/../../../outside/secret.txt", experimentalsys.O_RDONLY, 0); errno != experimentalsys.EPERM {
		t.Fatalf("escape through a held directory: errno %v, want EPERM", errno)
	}
	// Closed, it is forgotten: the name resolves from the root again.
	mustErrno(t, "close", dir.Close())
	if c.held.get("a/b") != nil {
		t.Fatal("a/b still held after Close")
	}
	if _, errno := fsys.OpenFile("a/b/x", experimentalsys.O_RDONLY, 0); errno != experimentalsys.ENOENT {
		t.Fatalf("open a/b/x after close: errno %v, want ENOENT", errno)
	}
	l.assertSecretIntact(t)
}
