package runtime

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// gateLLM answers every request with "done" once gate closes, and counts
// the requests that arrived on arrived.
type gateLLM struct {
	gate    chan struct{}
	arrived chan struct{}
}

func (g gateLLM) Complete(ctx context.Context, _ chat.Request, _ func(string)) (*chat.Response, error) {
	g.arrived <- struct{}{}
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &chat.Response{Message: textTurn("done"), StopReason: chat.StopEndTurn}, nil
}

// fdTargets returns the process's open descriptors (/proc/self/fd), counted
// by what they name (proc_pid_fd(5)): a path, shortened to "<ws>/…" inside
// a workspace and with a session's id replaced by "<id>", or the kind of a
// socket, pipe or anonymous inode.
func fdTargets(t *testing.T) map[string]int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	ws := regexp.MustCompile(`^.*/workspaces/[^/]+/`)
	session := regexp.MustCompile(`^<ws>/sessions/[^/]+\.`)
	out := map[string]int{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil {
			continue // the descriptor ReadDir used, closed since
		}
		if i := strings.IndexByte(target, ':'); i > 0 && !strings.HasPrefix(target, "/") {
			target = target[:i] // socket:[ino], pipe:[ino], anon_inode:[eventpoll]
		}
		target = session.ReplaceAllString(ws.ReplaceAllString(target, "<ws>/"), "<ws>/sessions/<id>.")
		out[target]++
	}
	return out
}

func total(m map[string]int) (n int) {
	for _, c := range m {
		n += c
	}
	return n
}

// TestWaitingRunsHoldFewDescriptors: runs blocked in the model call hold
// (almost) no descriptor of their own; the process may hold only
// `ulimit -Hn` of them, and ten thousand runs are meant to wait at once
// (issue 14). The runs are spread over a few workspaces; one finished run
// per workspace first opens what a workspace keeps (its pooled memory
// store), which is not a run's.
func TestWaitingRunsHoldFewDescriptors(t *testing.T) {
	const workspaces, perWorkspace = 4, 50
	const n = workspaces * perWorkspace
	p := newTestPlatform(t)
	var wss []*Workspace
	for i := range workspaces {
		name := fmt.Sprintf("fd%d", i)
		ws, err := p.CreateWorkspace(name, WorkspaceConfig{MaxConcurrentRuns: perWorkspace})
		if err != nil {
			t.Fatal(err)
		}
		open := make(chan struct{})
		close(open)
		if _, err := ws.Run(bg, RunRequest{Message: "warm up", LLM: gateLLM{gate: open, arrived: make(chan struct{}, 1)}}); err != nil {
			t.Fatal(err)
		}
		ws.WaitIndexed(bg)
		wss = append(wss, ws)
	}
	before := fdTargets(t)

	llm := gateLLM{gate: make(chan struct{}), arrived: make(chan struct{}, n)}
	errs := make(chan error, n)
	var runs sync.WaitGroup
	for i := range n {
		runs.Go(func() {
			_, err := wss[i%workspaces].Run(bg, RunRequest{Message: "wait", LLM: llm})
			errs <- err
		})
	}
	for range n {
		select {
		case <-llm.arrived:
		case err := <-errs:
			t.Fatalf("a run ended before the model answered: %v", err)
		}
	}
	during := fdTargets(t)
	close(llm.gate)
	runs.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	grown := total(during) - total(before)
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(during)) {
		if d := during[k] - before[k]; d != 0 {
			lines = append(lines, fmt.Sprintf("%+d %s", d, k))
		}
	}
	t.Logf("%d waiting runs: %d descriptors before (%v), %d during (%.3f per run); grown: %s",
		n, total(before), before, total(during), float64(grown)/n, strings.Join(lines, ", "))
	if limit := n/4 + 32; grown >= limit {
		t.Errorf("%d waiting runs opened %d descriptors, want fewer than %d", n, grown, limit)
	}
}
