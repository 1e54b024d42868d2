package sessions

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/tmpfs"
)

// TestOpenReadOnlyFS opens workspaces on a read-only file system: one whose
// sessions directory has mode 0700 already, which Open must not chmod (a
// chmod fails there even when it changes nothing), and one whose directory
// is looser, which cannot be tightened there and which no one can write to
// either.
func TestOpenReadOnlyFS(t *testing.T) {
	root := tmpfs.New(t, 0)
	good, loose := filepath.Join(root, "good"), filepath.Join(root, "loose")
	for _, ws := range []string{good, loose} {
		if err := os.Mkdir(ws, 0o700); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(ws); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(loose, "sessions"), 0o755); err != nil {
		t.Fatal(err)
	}
	tmpfs.ReadOnly(t, root)
	for _, ws := range []string{good, loose} {
		if _, err := Open(ws); err != nil {
			t.Errorf("Open(%s) on a read-only file system: %v", ws, err)
		}
	}
	if _, err := Open(filepath.Join(root, "missing")); err == nil {
		t.Error("Open of a missing workspace on a read-only file system succeeded")
	}
}
