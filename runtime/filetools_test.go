package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"golang.org/x/sys/unix"
)

// mkdirChain makes depth nested directories "d" below dir with
// mkdirat(2), each relative to the last (the path outgrows PATH_MAX), and
// a file needle.txt at the bottom.
func mkdirChain(t *testing.T, dir string, depth int) {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range depth {
		if err := unix.Mkdirat(fd, "d", 0o755); err != nil {
			t.Fatal(err)
		}
		next, err := unix.Openat(fd, "d", unix.O_RDONLY|unix.O_DIRECTORY, 0)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd = next
	}
	f, err := unix.Openat(fd, "needle.txt", unix.O_CREAT|unix.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	unix.Write(f, []byte("needle\n"))
	unix.Close(f)
	unix.Close(fd)
}

// TestFileToolsOnHostileTrees: find and grep inside the guest over a tree
// thousands of levels deep and a directory of 100,000 entries each end
// within the workspace's tool budget, with a notice of what they skipped,
// and leave the run healthy. The guest stops at the budget by itself; the
// bound asserted is the host's guarantee, budget plus ToolTimeoutGrace, so
// that a loaded machine's scheduling delays do not fail the test.
func TestFileToolsOnHostileTrees(t *testing.T) {
	p := newTestPlatform(t)
	const budget = 5 * time.Second
	ws, err := p.CreateWorkspace("w", WorkspaceConfig{ToolTimeout: Duration(budget)})
	if err != nil {
		t.Fatal(err)
	}
	mkdirChain(t, filepath.Join(ws.FilesDir()), 3000)
	wide := filepath.Join(ws.FilesDir(), "wide")
	if err := os.Mkdir(wide, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 100_000 {
		f, err := os.Create(filepath.Join(wide, fmt.Sprintf("f%06d", i)))
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	calls := []fakellm.ToolCall{
		{Name: "find", Input: map[string]any{"pattern": "**/needle.txt", "path": "d"}},
		{Name: "grep", Input: map[string]any{"pattern": "needle", "path": "d"}},
		{Name: "find", Input: map[string]any{"pattern": "*9999", "path": "wide"}},
		{Name: "grep", Input: map[string]any{"pattern": "x", "path": "wide"}},
		{Name: "ls", Input: map[string]any{"path": "wide"}},
	}
	var steps []fakellm.Step
	for _, c := range calls {
		steps = append(steps, fakellm.Step{ToolCalls: []fakellm.ToolCall{c}})
	}
	srv := fakellm.New(append(steps, fakellm.Step{Text: "done"})...)
	defer srv.Close()
	started := map[string]time.Time{}
	var took []time.Duration
	req := anthropicRequest(srv, "search")
	req.OnEvent = func(ev Event) {
		switch ev.Type {
		case EventToolStart:
			started[ev.Tool.ID] = time.Now()
		case EventToolEnd:
			took = append(took, time.Since(started[ev.Tool.ID]))
		}
	}
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range took {
		t.Logf("%s %s: %v", calls[i].Name, mustJSON(t, calls[i].Input), d)
		if d > budget+ToolTimeoutGrace {
			t.Errorf("%s took %v, over the budget of %v", calls[i].Name, d, budget)
		}
	}
	// Each either finished or says where it stopped (an ls stopped while
	// reading the directory has nothing to show and is an error result).
	want := [][]string{
		{"deeper than 64 levels not searched"},
		{"deeper than 64 levels not searched"},
		{"wide/f099999", "the time budget of one tool call"},
		{"no matches", "the time budget of one tool call"},
		{"[showing 500 of 100000 entries", "the time budget of one tool call"},
	}
	for i, w := range want {
		got := res.ToolCalls[i].Output
		finished := !res.ToolCalls[i].IsError && strings.Contains(got, w[0])
		if !finished && (len(w) < 2 || !strings.Contains(got, w[1])) {
			t.Errorf("%s: %q lacks %q", calls[i].Name, got, w)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestToolBudgetBackstop: a built-in tool call that the guest does not
// end within its budget and grace stops the run's guest with
// ErrToolTimeout; one that ends in time does not.
func TestToolBudgetBackstop(t *testing.T) {
	ctx, stop := context.WithCancelCause(context.Background())
	defer stop(nil)
	r := &run{toolBudget: 20 * time.Millisecond, toolGrace: 20 * time.Millisecond, stop: stop, pending: map[string]*ToolCall{}, emit: func(Event) {}}
	start := func(id, name string) {
		ev, _ := json.Marshal(hostcall.Event{Type: hostcall.EventToolStart, ID: id, Name: name, Input: json.RawMessage(`{}`)})
		if _, err := r.HandleHostCall(ctx, hostcall.MethodEventEmit, ev); err != nil {
			t.Fatal(err)
		}
	}
	end := func(id, name string) {
		ev, _ := json.Marshal(hostcall.Event{Type: hostcall.EventToolEnd, ID: id, Name: name, Result: &hostcall.ToolResult{Text: "ok"}})
		if _, err := r.HandleHostCall(ctx, hostcall.MethodEventEmit, ev); err != nil {
			t.Fatal(err)
		}
	}
	start("a", "find")
	end("a", "find")
	start("b", "bash") // host tools have limits of their own
	time.Sleep(100 * time.Millisecond)
	if ctx.Err() != nil {
		t.Fatalf("stopped by a call that ended in time or a host tool: %v", context.Cause(ctx))
	}
	start("c", "grep")
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the overrunning call did not stop the run")
	}
	if err := context.Cause(ctx); !errors.Is(err, ErrToolTimeout) || !strings.Contains(err.Error(), "grep") {
		t.Fatalf("cause %v", err)
	}
}
