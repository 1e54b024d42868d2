package wasmhost

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
)

// agentRun is a minimal host for the real agent module: one model turn that
// calls the built-in ls tool, then a final answer naming what ls saw.
type agentRun struct {
	mu       sync.Mutex
	lsOutput string
	finish   hostcall.Finish
	block    bool // llm.complete waits for the run's context to end
}

func (a *agentRun) HandleHostCall(ctx context.Context, method string, payload []byte) ([]byte, error) {
	switch method {
	case hostcall.MethodRunStart:
		return json.Marshal(hostcall.RunStart{MaxTurns: 3, Messages: []chat.Message{chat.UserText("go")}})
	case hostcall.MethodLLMComplete:
		if a.block {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		var req chat.Request
		json.Unmarshal(payload, &req)
		last := req.Messages[len(req.Messages)-1]
		if last.Role == chat.RoleUser && last.Content[0].Type == chat.BlockToolResult {
			a.mu.Lock()
			a.lsOutput = last.Content[0].Text
			a.mu.Unlock()
			return json.Marshal(chat.Response{Message: chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockText, Text: "seen"}}}})
		}
		return json.Marshal(chat.Response{Message: chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{
			{Type: chat.BlockToolUse, ID: "1", Name: "ls", Input: json.RawMessage(`{}`)},
		}}})
	case hostcall.MethodRunFinish:
		a.mu.Lock()
		json.Unmarshal(payload, &a.finish)
		a.mu.Unlock()
	}
	return []byte("{}"), nil
}

// TestWarmInstancesServeTheirOwnWorkspace runs more concurrent agent runs
// than the pool holds; each must see its own workspace only.
func TestWarmInstancesServeTheirOwnWorkspace(t *testing.T) {
	ctx := context.Background()
	h, err := New(ctx, Config{WarmInstances: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	time.Sleep(200 * time.Millisecond) // let the pool warm up
	const runs = 6
	var wg sync.WaitGroup
	errs := make(chan error, runs)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir := t.TempDir()
			marker := "only-in-run-" + string(rune('a'+i))
			os.WriteFile(filepath.Join(dir, marker), nil, 0o644)
			a := &agentRun{}
			if err := h.RunAgent(ctx, RunSpec{Workspace: dir, Handler: a}); err != nil {
				errs <- err
				return
			}
			if a.finish.Response != "seen" || !strings.Contains(a.lsOutput, marker) || strings.Count(a.lsOutput, "only-in-run-") != 1 {
				errs <- errors.New("run " + marker + " saw " + a.lsOutput)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestWarmInstanceDeadlineAndCancel(t *testing.T) {
	ctx := context.Background()
	h, err := New(ctx, Config{WarmInstances: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	time.Sleep(200 * time.Millisecond)
	err = h.RunAgent(ctx, RunSpec{Workspace: t.TempDir(), Handler: &agentRun{block: true}, Limits: Limits{Timeout: 300 * time.Millisecond}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: err = %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(200*time.Millisecond, cancel)
	err = h.RunAgent(cctx, RunSpec{Workspace: t.TempDir(), Handler: &agentRun{block: true}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: err = %v", err)
	}
	// The pool recovers and serves a normal run.
	a := &agentRun{}
	if err := h.RunAgent(ctx, RunSpec{Workspace: t.TempDir(), Handler: a}); err != nil || a.finish.Response != "seen" {
		t.Fatalf("after: err = %v, finish = %+v", err, a.finish)
	}
}

func TestNoWarmInstances(t *testing.T) {
	ctx := context.Background()
	h, err := New(ctx, Config{WarmInstances: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	if inst := h.pool.take(); inst != nil {
		t.Fatal("pool disabled but an instance was ready")
	}
	a := &agentRun{}
	if err := h.RunAgent(ctx, RunSpec{Workspace: t.TempDir(), Handler: a}); err != nil || a.finish.Response != "seen" {
		t.Fatalf("cold run: err = %v, finish = %+v", err, a.finish)
	}
}
