package runtime

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// subagentWorkspace creates a workspace with subagents enabled under cfg.
func subagentWorkspace(t *testing.T, p *Platform, id string, cfg SubagentConfig) *Workspace {
	t.Helper()
	ws, err := p.CreateWorkspace(id, WorkspaceConfig{Subagents: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// TestSubagent: the parent's subagent call runs a child in the same
// workspace with a fresh session linked to the parent's, the role's
// prompt and tools (others denied), and returns its final answer.
func TestSubagent(t *testing.T) {
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "subagent", Input: map[string]string{"task": "what does a.txt say?", "role": "reader"}}}},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{
			{Name: "read", Input: map[string]string{"path": "a.txt"}},
			{Name: "bash", Input: map[string]string{"command": "touch b.txt"}},
		}},
		fakellm.Step{Text: "a.txt says alpha"},
		fakellm.Step{Text: "the file says alpha"},
	)
	defer srv.Close()
	p := newTestPlatform(t)
	ws := subagentWorkspace(t, p, "w", SubagentConfig{Enabled: true, Roles: map[string]SubagentRole{
		"reader": {SystemPrompt: "You only read.", Tools: []string{"read", "ls"}},
	}})
	writeFile(t, filepath.Join(ws.FilesDir(), "a.txt"), "alpha")
	var mu sync.Mutex
	var starts []HookRun
	p.Hooks().BeforeAgentStart(func(_ context.Context, ev AgentStartEvent) (AgentStartVerdict, error) {
		mu.Lock()
		defer mu.Unlock()
		starts = append(starts, ev.HookRun)
		return AgentStartVerdict{}, nil
	})
	req := anthropicRequest(srv, "ask a reader")
	req.SessionID = "parent"
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Response != "the file says alpha" {
		t.Errorf("response %q", res.Response)
	}
	if got := res.ToolCalls[0]; got.Name != "subagent" || got.Output != "a.txt says alpha" || got.IsError {
		t.Errorf("subagent call = %+v", got)
	}
	reqs := srv.Requests()
	if names := reqs[0].ToolNames(); !slices.Contains(names, "subagent") {
		t.Errorf("the parent was not offered subagent: %v", names)
	}
	if names := reqs[1].ToolNames(); !slices.Equal(names, []string{"read", "ls"}) {
		t.Errorf("the reader was offered %v", names)
	}
	if sys := reqs[1].System(); !strings.HasPrefix(sys, "You only read.") {
		t.Errorf("the reader's system prompt %q", sys)
	}
	child := toolResultsOf(reqs[2].Messages())
	if !strings.Contains(child[0].Text, "alpha") || child[1].Text != "denied: tool bash is not available to this subagent" {
		t.Errorf("the child's tool results: %+v", child)
	}
	if fileIn(ws.FilesDir(), "b.txt") {
		t.Error("the denied bash ran")
	}
	infos, err := ws.Sessions().List()
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 {
		t.Fatalf("sessions %+v", infos)
	}
	for _, info := range infos {
		if info.ID != "parent" && info.Parent != "parent" {
			t.Errorf("the child's session %+v is not linked to its parent", info)
		}
	}
	if len(starts) != 2 || starts[1].Depth != 1 || starts[1].ParentRunID != res.RunID || starts[0].Depth != 0 {
		t.Errorf("runs the hooks saw: %+v (parent %s)", starts, res.RunID)
	}
	if res.SubagentUsage.OutputTokens == 0 || res.ModelCalls != 2 {
		t.Errorf("subagent usage %+v, model calls %d", res.SubagentUsage, res.ModelCalls)
	}
}

// fileIn reports whether dir holds name.
func fileIn(dir, name string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, name))
	return len(m) > 0
}

// TestSubagentDepthLimit: a model that always delegates stops at the
// depth limit: the deepest run is not offered the tool.
func TestSubagentDepthLimit(t *testing.T) {
	var offered []bool
	var mu sync.Mutex
	srv := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
		has := slices.Contains(req.ToolNames(), "subagent")
		mu.Lock()
		defer mu.Unlock()
		if len(req.LastToolResults()) > 0 {
			return fakellm.Step{Text: "done"}
		}
		offered = append(offered, has)
		if has {
			return fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "subagent", Input: map[string]string{"task": "go deeper"}}}}
		}
		return fakellm.Step{Text: "bottom"}
	})
	defer srv.Close()
	p := newTestPlatform(t)
	ws := subagentWorkspace(t, p, "w", SubagentConfig{Enabled: true, MaxDepth: 2})
	if _, err := ws.Run(bg, anthropicRequest(srv, "fork")); err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, true, false}; !slices.Equal(offered, want) {
		t.Errorf("subagent offered at depths 0.. = %v, want %v", offered, want)
	}
}

// TestSubagentsCountAgainstLimits: children take run slots without
// waiting (a child that finds none fails its call with ErrBusy's text)
// and share the root's token budget.
func TestSubagentsCountAgainstLimits(t *testing.T) {
	srv := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
		if r := req.LastToolResults(); len(r) > 0 {
			return fakellm.Step{Text: "parent saw: " + r[0].Text}
		}
		if slices.Contains(req.ToolNames(), "subagent") {
			return fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "subagent", Input: map[string]string{"task": "help"}}}}
		}
		return fakellm.Step{Text: "child done"}
	})
	defer srv.Close()
	p := newTestPlatform(t)
	ws, err := p.CreateWorkspace("w", WorkspaceConfig{MaxConcurrentRuns: 1, Subagents: &SubagentConfig{Enabled: true, MaxDepth: 1}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := ws.Run(bg, anthropicRequest(srv, "go"))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.ToolCalls[0].Output; !strings.Contains(got, "busy") || !strings.Contains(got, "workspace w") {
		t.Errorf("a child beyond the workspace's one slot: %q", got)
	}
}

// TestTokenBudget: a run whose model calls reach the token budget runs
// none of the calls of the answer that reached it and finishes with the
// reason that names the budget; the tree shares it with subagents.
func TestTokenBudget(t *testing.T) {
	loop := fakellm.Step{Text: "working", ToolCalls: []fakellm.ToolCall{{Name: "write", Input: map[string]string{"path": "x.txt", "content": "x"}}}}
	srv := fakellm.New(loop, loop, fakellm.Step{Text: "done"})
	defer srv.Close()
	p := newTestPlatform(t)
	ws, err := p.CreateWorkspace("w", WorkspaceConfig{Budgets: Budgets{MaxTokens: 1_000_000}})
	if err != nil {
		t.Fatal(err)
	}
	req := anthropicRequest(srv, "go")
	req.MaxTokens = 1 // tighter than the workspace's: the first answer spends it
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reason != ReasonTokenBudget || res.Response != "working" {
		t.Errorf("reason %q, response %q", res.Reason, res.Response)
	}
	if len(srv.Requests()) != 1 {
		t.Errorf("%d model calls after the budget was spent", len(srv.Requests()))
	}
	if fileIn(ws.FilesDir(), "x.txt") {
		t.Error("a call of the answer that spent the budget ran")
	}
	if got := res.ToolCalls[0].Output; !strings.Contains(got, "token budget (1 tokens) is spent") {
		t.Errorf("the model was told %q", got)
	}
	req.MaxTokens = 2_000_000 // looser than the workspace's: ignored
	if _, err := ws.Run(bg, req); err != nil {
		t.Fatal(err)
	}
}

// TestJailCPUBudget: a run whose jails used up the jail CPU budget starts
// no other tool and finishes with the reason that names it.
func TestJailCPUBudget(t *testing.T) {
	burn := fakellm.Step{ToolCalls: []fakellm.ToolCall{
		{Name: "bash", Input: map[string]string{"command": "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"}},
		{Name: "bash", Input: map[string]string{"command": "touch after.txt"}},
	}}
	srv := fakellm.New(burn, fakellm.Step{Text: "never"})
	defer srv.Close()
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "w")
	req := anthropicRequest(srv, "go")
	req.MaxJailCPU = 10 * time.Millisecond
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reason != ReasonJailCPUBudget {
		t.Errorf("reason %q", res.Reason)
	}
	if res.Jail.Runs != 1 || res.Jail.CPU < 10*time.Millisecond {
		t.Errorf("jail usage %+v", res.Jail)
	}
	if got := res.ToolCalls[1].Output; !strings.HasPrefix(got, "not run: the run's jail CPU budget") || fileIn(ws.FilesDir(), "after.txt") {
		t.Errorf("the second bash: %q", got)
	}
	if len(srv.Requests()) != 1 {
		t.Errorf("the model was called after the budget was spent")
	}
}

// TestRunTimeBudget: the workspace's max run time stops a run with an
// error that names the budget.
func TestRunTimeBudget(t *testing.T) {
	srv := fakellm.New(fakellm.Step{Text: "late", Delay: 5 * time.Second})
	defer srv.Close()
	p := newTestPlatform(t)
	ws, err := p.CreateWorkspace("w", WorkspaceConfig{Budgets: Budgets{MaxRunTime: Duration(200 * time.Millisecond)}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ws.Run(bg, anthropicRequest(srv, "go"))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "max run time") {
		t.Errorf("err = %v", err)
	}
	if _, err := p.CreateWorkspace("bad", WorkspaceConfig{Budgets: Budgets{MaxTokens: -1}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("a negative budget: %v", err)
	}
}

// TestRunParallel: results in input order with their own errors, within
// the concurrency bound; cancelling the context cancels the runs.
func TestRunParallel(t *testing.T) {
	var inFlight, peak atomic.Int32
	srv := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
		msgs := req.Messages()
		return fakellm.Step{Text: "answer to " + msgs[len(msgs)-1].Text()}
	})
	defer srv.Close()
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "w")
	var reqs []RunRequest
	for i := range 6 {
		reqs = append(reqs, anthropicRequest(srv, "task "+string(rune('a'+i))))
	}
	reqs[3].MaxTurns = -1 // invalid: fails alone
	out, err := ws.RunParallel(bg, reqs, ParallelOptions{MaxConcurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if i == 3 {
			if o.Err == nil {
				t.Error("the invalid request succeeded")
			}
			continue
		}
		if o.Err != nil || o.Result.Response != "answer to task "+string(rune('a'+i)) {
			t.Errorf("task %d: %+v", i, o)
		}
	}
	if peak.Load() > 2 {
		t.Errorf("%d runs at once, bound 2", peak.Load())
	}

	slow := fakellm.New(fakellm.Step{Text: "late", Delay: 10 * time.Second}, fakellm.Step{Text: "late", Delay: 10 * time.Second})
	defer slow.Close()
	ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	out, _ = ws.RunParallel(ctx, []RunRequest{anthropicRequest(slow, "a"), anthropicRequest(slow, "b"), anthropicRequest(slow, "c")}, ParallelOptions{MaxConcurrency: 2})
	if time.Since(start) > 8*time.Second {
		t.Error("cancelling the context did not cancel the runs")
	}
	for i, o := range out {
		if o.Err == nil {
			t.Errorf("task %d survived its cancelled parent", i)
		}
	}
	if _, err := ws.RunParallel(bg, reqs, ParallelOptions{MaxConcurrency: -1}); err == nil {
		t.Error("a negative concurrency was accepted")
	}
}
