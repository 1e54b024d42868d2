package runtime

import (
	"errors"
	"fmt"
	"github.com/bulkhead-dev/bulkhead/sessions"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// TestHugeBashOutputIsCapped: a command printing megabytes gives the model
// a capped result and the session stays usable.
func TestHugeBashOutputIsCapped(t *testing.T) {
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{
			{Name: "bash", Input: map[string]any{"command": "head -c 9000000 /dev/zero | tr '\\0' a; echo; echo last-line"}},
			{Name: "bash", Input: map[string]any{"command": "true", "timeout": 1e12}},
		}},
		fakellm.Step{Text: "done"},
		fakellm.Step{Text: "still here"},
	)
	defer srv.Close()
	ws := newTestWorkspace(t, newTestPlatform(t), "w")
	req := anthropicRequest(srv, "print a lot")
	req.SessionID = "big"
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	out := res.ToolCalls[0].Output
	if len(out) > DefaultToolResultBytes+1024 || !strings.Contains(out, "bytes omitted") || !strings.Contains(out, "last-line") {
		t.Fatalf("bash result: %d bytes, tail %q", len(out), out[max(0, len(out)-200):])
	}
	if c := res.ToolCalls[1]; c.IsError || !strings.Contains(c.Output, "exit code 0") {
		t.Fatalf("huge timeout: %+v", c)
	}
	req.Message = "and now?"
	if res, err := ws.Run(bg, req); err != nil || res.Response != "still here" {
		t.Fatalf("second run: %+v, %v", res, err)
	}
}

// TestInterruptedToolCallsAreAnswered: a transcript that ends in tool
// calls without results (a crashed or failed run) is closed with error
// results before the next run, so the provider accepts the history.
func TestInterruptedToolCallsAreAnswered(t *testing.T) {
	srv := fakellm.New(fakellm.Step{Text: "recovered"})
	defer srv.Close()
	ws := newTestWorkspace(t, newTestPlatform(t), "w")
	dangling := chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{
		{Type: chat.BlockToolUse, ID: "toolu_a", Name: "bash", Input: []byte(`{"command":"sleep 100"}`)},
		{Type: chat.BlockToolUse, ID: "toolu_b", Name: "ls", Input: []byte(`{}`)},
	}}
	if err := ws.Sessions().Append("s", "m", chat.UserText("start"), dangling); err != nil {
		t.Fatal(err)
	}
	req := anthropicRequest(srv, "go on")
	req.SessionID = "s"
	if res, err := ws.Run(bg, req); err != nil || res.Response != "recovered" {
		t.Fatalf("run: %+v, %v", res, err)
	}
	msgs := srv.Requests()[0].Messages()
	results := msgs[2].Content
	if len(results) != 3 || results[0].ToolUseID != "toolu_a" || !results[0].IsError || results[1].ToolUseID != "toolu_b" || results[2].Text != "go on" {
		t.Fatalf("history sent = %+v", msgs)
	}
	stored, _, _ := ws.Sessions().Load("s")
	if len(stored) != 5 {
		t.Fatalf("transcript has %d messages, want 5", len(stored))
	}
}

// TestEmptiedTranscriptRefused: a session whose transcript was emptied
// while the index counts its messages is not resumed silently as a new
// conversation: the run fails before the model is called.
func TestEmptiedTranscriptRefused(t *testing.T) {
	ws := newTestWorkspace(t, newTestPlatform(t), "w")
	if err := ws.Sessions().Append("s", "m", chat.UserText("remember 42"), chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockText, Text: "ok"}}}); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(ws.Dir(), "sessions", "s.jsonl"), 0); err != nil {
		t.Fatal(err)
	}
	_, err := ws.Run(bg, RunRequest{Message: "what number?", SessionID: "s", LLM: unusedLLM{}})
	if !errors.Is(err, sessions.ErrTruncated) {
		t.Fatalf("run: %v, want ErrTruncated", err)
	}
}

// TestManyToolCallsInOneTurn: more tool calls than the event rate limit
// allows still complete the run.
func TestManyToolCallsInOneTurn(t *testing.T) {
	var calls []fakellm.ToolCall
	for range 600 {
		calls = append(calls, fakellm.ToolCall{Name: "ls"})
	}
	srv := fakellm.New(fakellm.Step{ToolCalls: calls}, fakellm.Step{Text: "listed"})
	defer srv.Close()
	ws := newTestWorkspace(t, newTestPlatform(t), "w")
	res, err := ws.Run(bg, anthropicRequest(srv, "ls a lot"))
	if err != nil || res.Response != "listed" {
		t.Fatalf("run: %v", err)
	}
	if got := len(srv.Requests()[1].LastToolResults()); got != 600 {
		t.Fatalf("%d tool results sent back", got)
	}
}

func TestConcurrentCreateOfOneWorkspace(t *testing.T) {
	p := newTestPlatform(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.OpenOrCreateWorkspace("default", WorkspaceConfig{}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ids, _ := p.Workspaces(); len(ids) != 1 {
		t.Fatalf("workspaces = %v", ids)
	}
}

// TestDeleteStopsRuns: DeleteWorkspace stops this process's runs of the
// workspace (their errors wrap ErrWorkspaceNotFound) and deletes it; runs
// of another process (another Platform on the same state) make it fail
// with ErrWorkspaceBusy; a run of the deleted workspace fails.
func TestDeleteStopsRuns(t *testing.T) {
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "busy")
	blockedRun := func(w *Workspace) (chan error, chan struct{}) {
		release := make(chan struct{})
		llm := &scriptLLM{turns: []chat.Message{textTurn("ok")}, block: release}
		started := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			_, err := w.Run(bg, RunRequest{Message: "hi", LLM: llm, OnEvent: func(e Event) {
				if e.Type == EventRunStart {
					close(started)
				}
			}})
			done <- err
		}()
		<-started
		return done, release
	}
	other, err := NewPlatform(Options{StateDir: p.StateDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ows, err := other.Workspace("busy")
	if err != nil {
		t.Fatal(err)
	}
	odone, orelease := blockedRun(ows)
	if err := p.DeleteWorkspace("busy"); !errors.Is(err, ErrWorkspaceBusy) {
		t.Fatalf("delete during another process's run: %v", err)
	}
	close(orelease)
	if err := <-odone; err != nil {
		t.Fatal(err)
	}
	done, release := blockedRun(ws)
	defer close(release)
	if err := p.DeleteWorkspace("busy"); err != nil {
		t.Fatalf("delete during this process's run: %v", err)
	}
	if err := <-done; !errors.Is(err, ErrWorkspaceNotFound) {
		t.Fatalf("the run's error: %v, want ErrWorkspaceNotFound", err)
	}
	if _, err := ws.Run(bg, RunRequest{Message: "hi", LLM: unusedLLM{}}); err == nil {
		t.Fatal("run on a deleted workspace succeeded")
	}
}

// TestMountDirGuards: a run's /workspace obeys the jail's rules before the
// model is called (unusedLLM fails the test if it is), with the state
// directory and compilation cache given by Options protected, not taken
// from the environment.
func TestMountDirGuards(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "cache", "wazero")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BULKHEAD_STATE_DIR", "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	p, err := NewPlatform(Options{StateDir: t.TempDir(), WasmCacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ws := newTestWorkspace(t, p, "w")
	other := newTestWorkspace(t, p, "other")
	cases := []struct {
		dir  string
		want string
	}{
		{"/", "host root"},
		{"/etc", "protected path /etc/shadow"},
		{"/etc/ssl", "system directory /etc"},
		{"/proc", "lies under /proc"},
		{"/proc/self", "lies under /proc"},
		{"/sys", "lies under /sys"},
		{"/root", "protected path /root"},
		{"/usr/lib", "system directory /usr"},
		{p.StateDir(), "protected path " + p.StateDir()},
		{filepath.Dir(p.StateDir()), "protected path " + p.StateDir()},
		{filepath.Dir(filepath.Dir(cache)), "protected path " + cache},
		{other.FilesDir(), "overlaps the state directory"},
		{filepath.Join(ws.Dir(), "sessions"), "overlaps the state directory"},
	}
	for _, c := range cases {
		_, err := ws.Run(bg, RunRequest{Message: "x", WorkspaceDir: c.dir, LLM: unusedLLM{}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("mount %s: %v, want %q", c.dir, err, c.want)
		}
	}
	if _, err := ws.mountDir(""); err != nil {
		t.Errorf("own files dir refused: %v", err)
	}
	if _, err := ws.Run(bg, RunRequest{Message: "x", MaxTurns: -3, LLM: unusedLLM{}}); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("negative max turns: %v", err)
	}
}

// TestRunsOfDifferentSessionsInParallel runs several sessions of one
// workspace at once: each gets its own guest, transcript and answer.
func TestRunsOfDifferentSessionsInParallel(t *testing.T) {
	ws := newTestWorkspace(t, newTestPlatform(t), "w")
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("answer %d", i)
			res, err := ws.Run(bg, RunRequest{Message: "hi", SessionID: fmt.Sprintf("p%d", i), LLM: &scriptLLM{turns: []chat.Message{textTurn(want)}}, Timeout: time.Minute})
			if err != nil || res.Response != want {
				t.Errorf("session %d: %+v, %v", i, res, err)
			}
		}()
	}
	wg.Wait()
	if infos, _ := ws.Sessions().List(); len(infos) != 6 {
		t.Fatalf("%d sessions", len(infos))
	}
}
