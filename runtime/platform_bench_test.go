package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// BenchmarkHookOverhead measures what one no-op before_tool_call hook
// adds to a tool call, for a built-in tool (read of a small file, in the
// guest) and for bash (true, in a jail): each run makes calls calls in one
// turn; the metric is the run's wall time per call, with and without the
// hook, and the difference is the hook's cost.
func BenchmarkHookOverhead(b *testing.B) {
	for _, tc := range []struct {
		tool, input string
		calls       int
	}{
		{"read", `{"path":"f.txt"}`, 200},
		{"bash", `{"command":"true"}`, 10},
	} {
		for _, hooked := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/hook=%v", tc.tool, hooked), func(b *testing.B) {
				p := newTestPlatform(b)
				ws := newTestWorkspace(b, p, "bench")
				writeFile(b, filepath.Join(ws.FilesDir(), "f.txt"), "hello\n")
				if hooked {
					ws.Hooks().BeforeToolCall(func(context.Context, ToolCallEvent) (ToolVerdict, error) { return ToolVerdict{}, nil })
				}
				var blocks []chat.Block
				for i := range tc.calls {
					blocks = append(blocks, chat.Block{Type: chat.BlockToolUse, ID: "c" + strconv.Itoa(i), Name: tc.tool, Input: json.RawMessage(tc.input)})
				}
				run := func() time.Duration {
					llm := &scriptLLM{turns: []chat.Message{{Role: chat.RoleAssistant, Content: blocks}, textTurn("ok")}}
					start := time.Now()
					if _, err := ws.Run(bg, RunRequest{Message: "go", LLM: llm}); err != nil {
						b.Fatal(err)
					}
					return time.Since(start)
				}
				run() // warm the module and the pool
				var total time.Duration
				b.ResetTimer()
				for range b.N {
					total += run()
				}
				b.ReportMetric(float64(total.Microseconds())/float64(b.N*tc.calls), "µs/call")
			})
		}
	}
}

// BenchmarkRunsPerSecond measures the platform's throughput on a short
// scripted task (one built-in tool call, then an answer) across 50
// workspaces, with 50 runs in flight (one per workspace): runs/s.
func BenchmarkRunsPerSecond(b *testing.B) {
	p := newTestPlatform(b)
	const workspaces = 50
	var wss []*Workspace
	for i := range workspaces {
		ws := newTestWorkspace(b, p, "w"+strconv.Itoa(i))
		writeFile(b, filepath.Join(ws.FilesDir(), "f.txt"), "hello\n")
		wss = append(wss, ws)
	}
	task := func(ws *Workspace) {
		llm := &scriptLLM{turns: []chat.Message{
			{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockToolUse, ID: "r", Name: "read", Input: json.RawMessage(`{"path":"f.txt"}`)}}},
			textTurn("done"),
		}}
		if _, err := ws.Run(bg, RunRequest{Message: "read f.txt", LLM: llm}); err != nil {
			b.Error(err)
		}
	}
	task(wss[0]) // warm the module and the pool
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range workspaces {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				task(wss[i])
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "runs/s")
}

// BenchmarkToolHookDecision measures the host's own cost of one no-op
// before_tool_call hook on one tool call (what decide adds when a hook is
// registered, end-to-end noise aside), and of one no-op after_tool_call
// hook on its result.
func BenchmarkToolHookDecision(b *testing.B) {
	var h Hooks
	h.BeforeToolCall(func(context.Context, ToolCallEvent) (ToolVerdict, error) { return ToolVerdict{}, nil })
	h.AfterToolCall(func(_ context.Context, ev ToolResultEvent) (ToolOutput, error) { return ev.Output, nil })
	r := &run{workspaceID: "w", runID: "r", sessionID: "s", hooks: hookChain{sets: []*Hooks{&h}, timeout: DefaultHookTimeout},
		budget: &treeBudget{limits: Budgets{}.tighten(Budgets{})}}
	answer := chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockToolUse, ID: "c1", Name: "read", Input: json.RawMessage(`{"path":"f.txt"}`)}}}
	b.Run("before", func(b *testing.B) {
		for b.Loop() {
			r.decide(bg, answer)
		}
	})
	b.Run("after", func(b *testing.B) {
		ev := ToolResultEvent{CallID: "c1", Tool: "read", Input: json.RawMessage(`{"path":"f.txt"}`), Output: ToolOutput{Text: "hello"}}
		for b.Loop() {
			r.hooks.afterTool(bg, ev)
		}
	})
}
