//go:build unix

package builtin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// deepTree makes depth nested directories named "d" below root, each
// step with mkdirat(2) relative to the last (the whole path is longer
// than PATH_MAX), with a file "needle.txt" holding "needle" at the bottom
// and at level 3.
func deepTree(t testing.TB, root string, depth int) {
	t.Helper()
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= depth; i++ {
		if err := unix.Mkdirat(fd, "d", 0o755); err != nil {
			t.Fatal(err)
		}
		next, err := unix.Openat(fd, "d", unix.O_RDONLY|unix.O_DIRECTORY, 0)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd = next
		if i == 3 || i == depth {
			f, err := unix.Openat(fd, "needle.txt", unix.O_CREAT|unix.O_WRONLY, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			unix.Write(f, []byte("needle\n"))
			unix.Close(f)
		}
	}
	unix.Close(fd)
}

// TestWalkDepthLimit: find and grep over a tree thousands of levels deep
// return the matches above the depth limit with a notice, and take time
// in proportion to the entries they visit, not to the depth.
func TestWalkDepthLimit(t *testing.T) {
	tb := newBox(t, Limits{Depth: 10}, nil)
	deepTree(t, tb.Root, 3000)
	start := time.Now()
	r := run(t, tb, "find", map[string]any{"pattern": "**/needle.txt"})
	wantOK(t, r, "d/d/d/needle.txt\n\n[1 directory deeper than 10 levels not searched; search from a deeper path]\n[showing 1 of the first 1 matches]")
	r = run(t, tb, "grep", map[string]any{"pattern": "needle"})
	wantOK(t, r, "d/d/d/needle.txt:1: needle\n\n[1 directory deeper than 10 levels not searched; search from a deeper path]")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("two calls over a 3000-level tree took %v", d)
	}
	// The default depth limit applies without Limits.Depth.
	tb.Limits = Limits{}
	if r := run(t, tb, "find", map[string]any{"pattern": "needle.txt"}); !strings.Contains(r.Text, "deeper than 64 levels") {
		t.Errorf("default depth: %q", r.Text)
	}
}

// TestWalkBudget: a walk or a search past the call's time budget stops
// and says so, keeping what it found.
func TestWalkBudget(t *testing.T) {
	files := map[string]string{}
	for i := range 200 {
		files[filepath.Join("dir", "f"+itoa(i)+".txt")] = strings.Repeat("line\n", 10000)
	}
	tb := newBox(t, Limits{Budget: time.Nanosecond}, files)
	for _, tool := range []string{"find", "grep"} {
		args := map[string]any{"pattern": "*.txt"}
		if tool == "grep" {
			args = map[string]any{"pattern": "absent"}
		}
		r := run(t, tb, tool, args)
		if r.IsError || !strings.Contains(r.Text, "[search stopped after 1ns, the time budget of one tool call") {
			t.Errorf("%s: %q", tool, r.Text)
		}
	}
	if r := run(t, tb, "ls", map[string]any{"path": "dir"}); !r.IsError || !strings.Contains(r.Text, "the time budget of one tool call") {
		t.Errorf("ls: %+v", r)
	}
	// A single large file: grep checks the budget between lines.
	big := filepath.Join(tb.Root, "big.txt")
	if err := os.WriteFile(big, []byte(strings.Repeat("line\n", 100000)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, tb, "grep", map[string]any{"pattern": "absent", "path": "big.txt"})
	if !strings.Contains(r.Text, "time budget") {
		t.Errorf("grep of one file: %q", r.Text)
	}
}
