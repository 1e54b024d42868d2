package runtime

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// startBlocked starts a run of w whose model waits for release, and
// returns its outcome channel once it has started (or failed to).
func startBlocked(t *testing.T, w *Workspace, release chan struct{}, onEvent func(Event)) chan error {
	t.Helper()
	started := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		_, err := w.Run(bg, RunRequest{Message: "hi", LLM: &scriptLLM{turns: []chat.Message{textTurn("ok")}, block: release}, OnEvent: func(e Event) {
			if onEvent != nil {
				onEvent(e)
			}
			if e.Type == EventRunStart || e.Type == EventQueued {
				once.Do(func() { close(started) })
			}
		}})
		once.Do(func() { close(started) })
		done <- err
	}()
	<-started
	return done
}

// TestWorkspaceConcurrencyLimit: beyond MaxConcurrentRuns, runs queue (a
// queued event says so) up to MaxQueuedRuns; one more fails at once with
// ErrBusy naming the workspace; queued runs start when a slot frees.
func TestWorkspaceConcurrencyLimit(t *testing.T) {
	p := newTestPlatform(t)
	ws, err := p.CreateWorkspace("w", WorkspaceConfig{MaxConcurrentRuns: 1, MaxQueuedRuns: 1})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	first := startBlocked(t, ws, release, nil)
	var queued sync.Once
	sawQueued := make(chan struct{})
	second := startBlocked(t, ws, release, func(e Event) {
		if e.Type == EventQueued && strings.Contains(e.Text, "run slot") {
			queued.Do(func() { close(sawQueued) })
		}
	})
	<-sawQueued
	start := time.Now()
	_, err = ws.Run(bg, RunRequest{Message: "hi", LLM: unusedLLM{}})
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "workspace w") {
		t.Fatalf("third run: %v, want ErrBusy naming the workspace", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("ErrBusy took %v", d)
	}
	// Another workspace is not held up.
	other := newTestWorkspace(t, p, "other")
	if _, err := other.Run(bg, RunRequest{Message: "hi", LLM: &scriptLLM{turns: []chat.Message{textTurn("ok")}}}); err != nil {
		t.Fatalf("another workspace: %v", err)
	}
	close(release)
	for _, done := range []chan error{first, second} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	none, err := NewPlatform(Options{StateDir: t.TempDir(), MaxRuns: 1, MaxQueuedRuns: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer none.Close()
	hold := make(chan struct{})
	defer close(hold)
	startBlocked(t, newTestWorkspace(t, none, "a"), hold, nil)
	if _, err := newTestWorkspace(t, none, "b").Run(bg, RunRequest{Message: "hi", LLM: unusedLLM{}}); !errors.Is(err, ErrBusy) {
		t.Fatalf("without a queue: %v, want ErrBusy at once", err)
	}
}

// TestPlatformConcurrencyLimit: Options.MaxRuns and MaxQueuedRuns bound
// runs across workspaces; the error names the platform.
func TestPlatformConcurrencyLimit(t *testing.T) {
	p, err := NewPlatform(Options{StateDir: t.TempDir(), MaxRuns: 1, MaxQueuedRuns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	release := make(chan struct{})
	first := startBlocked(t, newTestWorkspace(t, p, "a"), release, nil)
	second := startBlocked(t, newTestWorkspace(t, p, "b"), release, nil)
	_, err = newTestWorkspace(t, p, "c").Run(bg, RunRequest{Message: "hi", LLM: unusedLLM{}})
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "platform") {
		t.Fatalf("third run: %v, want ErrBusy naming the platform", err)
	}
	close(release)
	for _, done := range []chan error{first, second} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
