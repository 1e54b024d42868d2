package memory

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/sessions"
)

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWatch follows a workspace whose memory directory and sessions
// directory appear only after Watch started.
func TestWatch(t *testing.T) {
	ws := t.TempDir()
	files := filepath.Join(ws, "files")
	os.MkdirAll(files, 0o700)
	writeFile(t, filepath.Join(files, "MEMORY.md"), "The wiki lives at wiki.internal.")
	s := openTest(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Watch(ctx, WatchOptions{FilesDir: files, SessionsDir: filepath.Join(ws, "sessions"), Debounce: 20 * time.Millisecond})
	}()
	found := func(q, want string) func() bool {
		return func() bool {
			rs, err := s.Search(context.Background(), q, SearchOptions{})
			return err == nil && len(rs) > 0 && strings.Contains(rs[0].Text, want)
		}
	}
	eventually(t, "MEMORY.md indexed at start", found("where is the wiki?", "wiki.internal"))

	writeFile(t, filepath.Join(files, "memory", "oncall.md"), "The on-call rotation changes on Mondays.")
	eventually(t, "new memory directory indexed", found("on-call rotation", "Mondays"))

	writeFile(t, filepath.Join(files, "MEMORY.md"), "The wiki moved to docs.internal.")
	eventually(t, "changed MEMORY.md re-indexed", found("where is the wiki?", "docs.internal"))

	os.Remove(filepath.Join(files, "memory", "oncall.md"))
	eventually(t, "deleted file removed", func() bool {
		rs, _ := s.Search(context.Background(), "on-call rotation", SearchOptions{})
		return len(rs) == 0
	})

	tr, err := sessions.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Append("s1", "m", chat.UserText("What is the VPN address?"), assistant("The VPN is vpn.example.org.")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "session turn indexed", found("VPN address", "vpn.example.org"))

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}
