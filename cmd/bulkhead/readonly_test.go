package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/tmpfs"
)

// TestMemoryReadOnlyStateDir: with the state directory on a file system
// remounted read-only, memory search and list read the workspace's memory,
// and memory store fails with one line.
func TestMemoryReadOnlyStateDir(t *testing.T) {
	mnt := tmpfs.New(t, 0)
	state := filepath.Join(mnt, "state")
	if r := cli(t, state, nil, "workspace", "create", "w"); r.code != 0 {
		t.Fatalf("workspace create: %s", r.stderr)
	}
	if r := cli(t, state, nil, "memory", "store", "--workspace-id", "w", "the harbour freezes in January"); r.code != 0 {
		t.Fatalf("store: %s", r.stderr)
	}
	tmpfs.ReadOnly(t, mnt)
	for _, args := range [][]string{{"search", "harbour"}, {"list"}} {
		r := cli(t, state, nil, append([]string{"memory", args[0], "--workspace-id", "w"}, args[1:]...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "the harbour freezes in January") {
			t.Errorf("memory %s on a read-only state directory: exit %d, stdout %q, stderr %q", args[0], r.code, r.stdout, r.stderr)
		}
	}
	wantOneLineError(t, cli(t, state, nil, "memory", "store", "--workspace-id", "w", "another"), "readonly database")
}
