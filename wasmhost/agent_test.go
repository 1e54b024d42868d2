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

// agentRun is a minimal host for one step of the real agent module: the
// model's answer calls the built-in ls tool, which the step runs before it
// asks for the next model turn.
type agentRun struct {
	mu       sync.Mutex
	lsOutput string
	out      hostcall.StepOutput
	block    bool // step.begin waits for the run's context to end
}

func (a *agentRun) HandleHostCall(ctx context.Context, method string, payload []byte) ([]byte, error) {
	switch method {
	case hostcall.MethodStepBegin:
		if a.block {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return json.Marshal(hostcall.StepInput{MaxTurns: 3, Turn: 1, Messages: []chat.Message{chat.UserText("go")},
			Response: &chat.Response{Message: chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{
				{Type: chat.BlockToolUse, ID: "1", Name: "ls", Input: json.RawMessage(`{}`)},
			}}}})
	case hostcall.MethodEventEmit:
		var ev hostcall.Event
		json.Unmarshal(payload, &ev)
		if ev.Type == hostcall.EventToolEnd {
			a.mu.Lock()
			a.lsOutput = ev.Result.Text
			a.mu.Unlock()
		}
	case hostcall.MethodStepEnd:
		a.mu.Lock()
		json.Unmarshal(payload, &a.out)
		a.mu.Unlock()
	}
	return []byte("{}"), nil
}

// asked reports whether the step ended asking for the next model turn.
func (a *agentRun) asked() bool { return a.out.Action == hostcall.ActionComplete }

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
			if !a.asked() || !strings.Contains(a.lsOutput, marker) || strings.Count(a.lsOutput, "only-in-run-") != 1 {
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
	if err := h.RunAgent(ctx, RunSpec{Workspace: t.TempDir(), Handler: a}); err != nil || !a.asked() {
		t.Fatalf("after: err = %v, output = %+v", err, a.out)
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
	if err := h.RunAgent(ctx, RunSpec{Workspace: t.TempDir(), Handler: a}); err != nil || !a.asked() {
		t.Fatalf("cold run: err = %v, output = %+v", err, a.out)
	}
}
