package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// scriptLLM answers each request with the next message of a script, in
// process (no HTTP), and notes when each request arrived.
type scriptLLM struct {
	mu      sync.Mutex
	turns   []chat.Message
	arrived []time.Time
	block   chan struct{} // if set, Complete waits for it to close
}

func (s *scriptLLM) Complete(ctx context.Context, _ chat.Request, _ func(string)) (*chat.Response, error) {
	s.mu.Lock()
	s.arrived = append(s.arrived, time.Now())
	m := s.turns[0]
	s.turns = s.turns[1:]
	s.mu.Unlock()
	if s.block != nil {
		select {
		case <-s.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &chat.Response{Message: m, StopReason: chat.StopEndTurn}, nil
}

func textTurn(s string) chat.Message {
	return chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockText, Text: s}}}
}

// percentiles reports the p50 and p99 of samples as benchmark metrics.
func percentiles(b *testing.B, samples []time.Duration, unit string) {
	slices.Sort(samples)
	at := func(q float64) float64 {
		d := samples[min(len(samples)-1, int(q*float64(len(samples))))]
		if unit == "µs" {
			return float64(d.Nanoseconds()) / 1e3
		}
		return float64(d.Nanoseconds()) / 1e6
	}
	b.ReportMetric(at(0.50), "p50-"+unit)
	b.ReportMetric(at(0.99), "p99-"+unit)
}

// BenchmarkRunStart measures, in a warm process, the time from Run being
// called to the first provider request: session lock and load, binding a
// warm guest (or starting one), and the guest's first model request. Runs
// come back to back, or 50 ms apart (idle time not measured), which lets
// the warm pool refill and the previous run's disk and memory-index work
// finish, as in a service whose runs do not all arrive at once.
func BenchmarkRunStart(b *testing.B) {
	for _, gap := range []time.Duration{0, 50 * time.Millisecond} {
		b.Run("gap="+gap.String(), func(b *testing.B) {
			ws := newTestWorkspace(b, newTestPlatform(b), "bench")
			run := func() time.Duration {
				llm := &scriptLLM{turns: []chat.Message{textTurn("ok")}}
				start := time.Now()
				if _, err := ws.Run(bg, RunRequest{Message: "hi", LLM: llm}); err != nil {
					b.Fatal(err)
				}
				return llm.arrived[0].Sub(start)
			}
			run() // compile or load the agent module, fill the pool
			time.Sleep(200 * time.Millisecond)
			samples := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				samples = append(samples, run())
				b.StopTimer()
				time.Sleep(gap)
				b.StartTimer()
			}
			percentiles(b, samples, "ms")
		})
	}
}

// BenchmarkBuiltinRead4K measures a built-in tool call inside the guest:
// read of a 4 KiB file, from the guest's tool_start event to its tool_end.
func BenchmarkBuiltinRead4K(b *testing.B) {
	ws := newTestWorkspace(b, newTestPlatform(b), "bench")
	writeFile(b, filepath.Join(ws.FilesDir(), "f.txt"), strings.Repeat("0123456789abcde\n", 256))
	const calls = 200
	var blocks []chat.Block
	for i := range calls {
		blocks = append(blocks, chat.Block{Type: chat.BlockToolUse, ID: "r" + strconv.Itoa(i), Name: "read", Input: json.RawMessage(`{"path":"f.txt"}`)})
	}
	var samples []time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; done += calls {
		llm := &scriptLLM{turns: []chat.Message{{Role: chat.RoleAssistant, Content: blocks}, textTurn("ok")}}
		starts := map[string]time.Time{}
		_, err := ws.Run(bg, RunRequest{Message: "read", LLM: llm, OnEvent: func(e Event) {
			switch e.Type {
			case EventToolStart:
				starts[e.Tool.ID] = time.Now()
			case EventToolEnd:
				samples = append(samples, time.Since(starts[e.Tool.ID]))
			}
		}})
		if err != nil {
			b.Fatal(err)
		}
	}
	percentiles(b, samples, "µs")
}

// BenchmarkMemoryPerRun reports the memory each in-flight run holds while
// its guest waits on the model: 32 runs are started and blocked in
// llm.complete, and the growth of the Go heap in use (which holds the
// guests' linear memories) and of the process's RSS is divided by 32.
func BenchmarkMemoryPerRun(b *testing.B) {
	const runs = 32
	p := newTestPlatform(b)
	ws := newTestWorkspace(b, p, "bench")
	ws.Run(bg, RunRequest{Message: "warm", LLM: &scriptLLM{turns: []chat.Message{textTurn("ok")}}})
	for range b.N {
		heapBefore, rssBefore := heapInUse(), rss(b)
		release := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		waiting := 0
		allWaiting := make(chan struct{})
		for i := range runs {
			llm := &scriptLLM{turns: []chat.Message{textTurn("ok")}, block: release}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := ws.Run(bg, RunRequest{Message: "hi", SessionID: fmt.Sprintf("m%d", i), LLM: llm, OnEvent: func(e Event) {
					if e.Type == EventRunStart {
						mu.Lock()
						if waiting++; waiting == runs {
							close(allWaiting)
						}
						mu.Unlock()
					}
				}})
				if err != nil {
					b.Error(err)
				}
			}()
		}
		<-allWaiting
		time.Sleep(200 * time.Millisecond) // let every guest reach llm.complete
		heapGrown, rssGrown := heapInUse()-heapBefore, rss(b)-rssBefore
		close(release)
		wg.Wait()
		b.ReportMetric(float64(heapGrown)/runs/(1<<20), "heap-MiB/run")
		b.ReportMetric(float64(rssGrown)/runs/(1<<20), "rss-MiB/run")
	}
}

// heapInUse returns the Go heap in use after a collection.
func heapInUse() int64 {
	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

// rss returns the process's resident set size in bytes (/proc/self/statm).
func rss(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		b.Fatal(err)
	}
	fields := strings.Fields(string(data))
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
