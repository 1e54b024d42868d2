package builtin

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestCachedRootRefusesEscapes makes a first call, which caches the opened
// workspace, then plants links to the outside and checks that every tool
// still refuses them and that nothing outside changes.
func TestCachedRootRefusesEscapes(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "ws")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, "secret.txt"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tb := &Toolbox{Root: root}
	wantOK(t, run(t, tb, "write", map[string]any{"path": "a.txt", "content": "x\n"}), "wrote 2 bytes to a.txt (new file)")
	if tb.ws.cur == nil {
		t.Fatal("the first call did not cache the workspace root")
	}
	for name, target := range map[string]string{"out": "../secret.txt", "up": "..", "abs": parent} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"read", map[string]any{"path": "out"}},
		{"read", map[string]any{"path": "up/secret.txt"}},
		{"read", map[string]any{"path": "abs/secret.txt"}},
		{"read", map[string]any{"path": "../secret.txt"}},
		{"write", map[string]any{"path": "up/new.txt", "content": "pwned"}},
		{"write", map[string]any{"path": "out", "content": "pwned"}},
		{"edit", map[string]any{"path": "out", "edits": []edit{{"oldText": "x", "newText": "pwned"}}}},
		{"ls", map[string]any{"path": "abs"}},
		{"find", map[string]any{"pattern": "*", "path": "up"}},
		{"grep", map[string]any{"pattern": "x", "path": "out"}},
	}
	for _, c := range calls {
		wantErr(t, run(t, tb, c.tool, c.args), "path escapes the workspace")
	}
	if b, _ := os.ReadFile(filepath.Join(parent, "secret.txt")); string(b) != "x\n" {
		t.Fatalf("the file outside the workspace was changed to %q", b)
	}
	if _, err := os.Lstat(filepath.Join(parent, "new.txt")); !os.IsNotExist(err) {
		t.Fatalf("new.txt was created outside the workspace: %v", err)
	}
}

// TestWorkspaceReplaced replaces the workspace directory between calls of
// one Toolbox: later calls must act on the new directory, fail clearly while
// it is missing, and close the roots they no longer use.
func TestWorkspaceReplaced(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "ws")
	mkws := func(content string) {
		t.Helper()
		if err := os.Mkdir(root, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "f"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mkws("old\n")
	tb := &Toolbox{Root: root}
	wantOK(t, run(t, tb, "read", map[string]any{"path": "f"}), "     1\told")
	first := tb.ws.cur.root

	if err := os.Rename(root, filepath.Join(parent, "ws.old")); err != nil {
		t.Fatal(err)
	}
	mkws("new\n")
	wantOK(t, run(t, tb, "read", map[string]any{"path": "f"}), "     1\tnew")
	wantOK(t, run(t, tb, "write", map[string]any{"path": "g", "content": "x"}), "wrote 1 bytes to g (new file)")
	if _, err := os.Stat(filepath.Join(root, "g")); err != nil {
		t.Fatalf("write after the replacement did not reach the new workspace: %v", err)
	}
	if _, err := os.Stat(filepath.Join(parent, "ws.old", "g")); !os.IsNotExist(err) {
		t.Fatalf("write after the replacement reached the old workspace: %v", err)
	}
	if _, err := first.Stat("."); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("the replaced root is still open: Stat = %v", err)
	}
	second := tb.ws.cur.root

	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	wantErr(t, run(t, tb, "read", map[string]any{"path": "f"}), "read: cannot open the workspace")
	if tb.ws.cur != nil {
		t.Fatal("a root is still cached after the workspace disappeared")
	}
	if _, err := second.Stat("."); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("the root of the removed workspace is still open: Stat = %v", err)
	}

	mkws("again\n")
	wantOK(t, run(t, tb, "read", map[string]any{"path": "f"}), "     1\tagain")
}

// TestWorkspaceReplacedConcurrently reads from several goroutines while the
// workspace is replaced again and again. Every call must see one whole
// workspace or fail cleanly; run with -race, it also checks the sharing of
// the cached root.
func TestWorkspaceReplacedConcurrently(t *testing.T) {
	const replacements = 30
	parent := t.TempDir()
	root := filepath.Join(parent, "ws")
	install := func(i int) { // a new workspace whose f holds "v<i>"
		t.Helper()
		dir := filepath.Join(parent, "new"+itoa(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "f"), []byte("v"+itoa(i)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(dir, root); err != nil {
			t.Fatal(err)
		}
	}
	install(0)
	tb := &Toolbox{Root: root}
	var wg sync.WaitGroup
	var reads atomic.Int64
	stop := make(chan struct{})
	bad := make(chan string, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := tb.Call("read", json.RawMessage(`{"path":"f"}`))
				reads.Add(1)
				version, whole := strings.CutPrefix(r.Text, "     1\tv")
				n, err := strconv.Atoi(version)
				ok := whole && err == nil && n <= replacements
				if r.IsError {
					ok = strings.Contains(r.Text, "cannot open the workspace") || strings.Contains(r.Text, "no such file")
				}
				if !ok {
					bad <- r.Text
					return
				}
			}
		}()
	}
	for i := 1; i <= replacements; i++ {
		for start := reads.Load(); reads.Load() < start+4; { // let the readers use this workspace
			runtime.Gosched()
		}
		if err := os.Rename(root, filepath.Join(parent, "old"+itoa(i))); err != nil {
			t.Fatal(err)
		}
		install(i)
	}
	close(stop)
	wg.Wait()
	close(bad)
	for text := range bad {
		t.Errorf("unexpected result during the replacements: %q", text)
	}
	wantOK(t, run(t, tb, "read", map[string]any{"path": "f"}), "     1\tv"+itoa(replacements))
}
