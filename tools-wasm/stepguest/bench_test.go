//go:build linux

package stepguest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/wasmhost/confined"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"
)

// Benchmarks of the step guest against the Go guest, both run as the host
// runs guests (WithCloseOnContextDone, real clocks, the workspace through
// wasmhost/confined). Reported in docs/benchmarks.md, "C step guest
// (issue 14)":
//
//	go test -run '^$' -bench . -benchmem ./tools-wasm/stepguest

// percentiles reports the p50 and p99 of samples as metrics in µs.
func percentiles(b *testing.B, samples []time.Duration) {
	slices.Sort(samples)
	at := func(q float64) float64 {
		return float64(samples[min(len(samples)-1, int(q*float64(len(samples))))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// BenchmarkInstantiate measures a new instance of each module, without
// running it: wazero's instantiation (memory, data, globals, imports) of
// the compiled module, then its close.
func BenchmarkInstantiate(b *testing.B) {
	step, agent := stepGuest(b), agentGuest(b)
	for _, g := range []struct {
		name string
		g    guest
	}{{"step.wasm", step}, {"agent.wasm", agent}} {
		b.Run(g.name, func(b *testing.B) {
			ctx := context.Background()
			cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions()
			b.ReportAllocs()
			for b.Loop() {
				mod, err := g.g.rt.InstantiateModule(ctx, g.g.mod, cfg)
				if err != nil {
					b.Fatal(err)
				}
				mod.Close(ctx)
			}
		})
	}
}

// stepRunner runs steps of the C guest over one workspace as fast as the
// harness allows: the confined file system is opened once.
type stepRunner struct {
	g   guest
	cfg wazero.ModuleConfig
}

func newStepRunner(b *testing.B, dir string) *stepRunner {
	step := stepGuest(b)
	fsys, err := confined.New(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fsys.(io.Closer).Close() })
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions("_start").WithSysWalltime().WithSysNanotime().
		WithFSConfig(wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(fsys, "/workspace"))
	return &stepRunner{step, cfg}
}

func (r *stepRunner) run(b *testing.B, h *stepHost) {
	ctx := context.WithValue(context.Background(), hostKey{}, h)
	mod, err := r.g.rt.InstantiateModule(ctx, r.g.mod, r.cfg)
	if mod != nil {
		mod.Close(ctx)
	}
	if !h.ended {
		b.Fatalf("step did not end: %v", err)
	}
}

// BenchmarkStepNoop measures a whole first step: instantiate, step.begin,
// build the request (a short conversation, the specs), step.end, exit.
func BenchmarkStepNoop(b *testing.B) {
	r := newStepRunner(b, b.TempDir())
	in, _ := json.Marshal(stepInput{Model: "m", MaxTurns: 50, Messages: []chat.Message{chat.UserText("hello")}})
	b.ReportAllocs()
	for b.Loop() {
		r.run(b, &stepHost{input: in})
	}
}

// BenchmarkStepConversation measures a step that follows a model turn
// without tool calls late in a long run: 200 messages of about 2 KiB
// (400 KiB of conversation) parsed, the answer appended, the run finished;
// and a step that asks for the next turn with the same conversation.
func BenchmarkStepConversation(b *testing.B) {
	r := newStepRunner(b, b.TempDir())
	var msgs []chat.Message
	for i := range 200 {
		text := strings.Repeat(fmt.Sprintf("message %d says: lorem ipsum dolor sit amet.\n", i), 45)
		if i%2 == 0 {
			msgs = append(msgs, chat.UserText(text))
		} else {
			msgs = append(msgs, assistant(chat.Block{Type: chat.BlockText, Text: text}))
		}
	}
	finish, _ := json.Marshal(stepInput{MaxTurns: 500, Turn: 100, Messages: msgs, Response: answer(assistant(chat.Block{Type: chat.BlockText, Text: "done"}))})
	next, _ := json.Marshal(stepInput{MaxTurns: 500, Turn: 100, Messages: msgs, HostTools: []chat.Tool{{Name: "bash", Parameters: json.RawMessage(`{}`)}}})
	for _, c := range []struct {
		name string
		in   []byte
	}{{"finish", finish}, {"request", next}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.in)))
			b.ReportAllocs()
			for b.Loop() {
				r.run(b, &stepHost{input: c.in})
			}
		})
	}
}

// timeTools returns an event hook that records each tool's time from its
// tool_start to its tool_end: from the arrival of one event at the host to
// the arrival of the other, before the host decodes them.
func timeTools(samples *[]time.Duration) func(hostcall.Event, time.Time) {
	var start time.Time
	return func(ev hostcall.Event, arrived time.Time) {
		if ev.Type == hostcall.EventToolStart {
			start = arrived
		} else {
			*samples = append(*samples, arrived.Sub(start))
		}
	}
}

// BenchmarkRead4K measures the built-in read of a 4 KiB file from the
// guest's tool_start to its tool_end: one call per step for the C guest
// (a step as the host will run it), 200 calls per run for the Go guest.
func BenchmarkRead4K(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte(strings.Repeat("0123456789abcde\n", 256)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Run("step.wasm", func(b *testing.B) {
		r := newStepRunner(b, dir)
		in, _ := json.Marshal(stepInput{MaxTurns: 50, Turn: 1, Messages: []chat.Message{chat.UserText("read")},
			Response: answer(assistant(toolUse("r", "read", `{"path":"f.txt"}`)))})
		var samples []time.Duration
		for b.Loop() {
			r.run(b, &stepHost{input: in, onEvent: timeTools(&samples)})
		}
		percentiles(b, samples)
	})
	b.Run("agent.wasm", func(b *testing.B) {
		// All b.N calls in one run (one model turn), so that the run's
		// start is paid once.
		calls := make([]toolCall, b.N)
		for i := range calls {
			calls[i] = toolCall{"read", `{"path":"f.txt"}`}
		}
		var samples []time.Duration
		runGo(b, dir, calls, timeTools(&samples))
		percentiles(b, samples)
	})
}

// runGo runs the calls in one step of the Go guest with an event hook.
func runGo(b *testing.B, dir string, calls []toolCall, hook func(hostcall.Event, time.Time)) {
	in, err := json.Marshal(toolStep(calls, 0))
	if err != nil {
		b.Fatal(err)
	}
	h := &stepHost{input: in, onEvent: hook}
	if code, stderr := agentGuest(b).run(b, dir, h); code != 0 || len(h.events) != 2*len(calls) {
		b.Fatalf("Go guest: exit %d, %d events, want %d: %s", code, len(h.events), 2*len(calls), stderr)
	}
}

// tree10k writes 10,000 files in 100 directories of 100 (a few lines of
// text each, one "needle" per directory) and returns the root.
func tree10k(b *testing.B) string {
	dir := b.TempDir()
	for d := range 100 {
		sub := filepath.Join(dir, fmt.Sprintf("pkg%02d", d))
		if err := os.Mkdir(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := range 100 {
			text := fmt.Sprintf("package pkg%02d\n\n// File %d of the benchmark tree.\nfunc F%d() int { return %d }\n", d, f, f, f*d)
			if f == 42 {
				text += "// needle\n"
			}
			ext := ".go"
			if f%4 == 0 {
				ext = ".txt"
			}
			if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%03d%s", f, ext)), []byte(text), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	return dir
}

// BenchmarkTree10k measures find and grep over 10,000 files, from
// tool_start to tool_end, in each guest.
func BenchmarkTree10k(b *testing.B) {
	dir := tree10k(b)
	for _, c := range []toolCall{
		{"find", `{"pattern":"**/f04*.go"}`},
		{"grep", `{"pattern":"needle"}`},
		{"grep", `{"pattern":"func F\\d+\\(\\) int","limit":5}`},
		{"grep", `{"pattern":"NEEDLE","ignoreCase":true,"glob":"*.go"}`},
	} {
		name := c.Tool + " " + c.Input
		b.Run("step.wasm/"+name, func(b *testing.B) {
			r := newStepRunner(b, dir)
			in, _ := json.Marshal(stepInput{MaxTurns: 50, Turn: 1, Messages: []chat.Message{chat.UserText("go")},
				Response: answer(callsMessage([]toolCall{c}))})
			var samples []time.Duration
			for b.Loop() {
				r.run(b, &stepHost{input: in, onEvent: timeTools(&samples)})
			}
			percentiles(b, samples)
		})
		b.Run("agent.wasm/"+name, func(b *testing.B) {
			var samples []time.Duration
			for b.Loop() {
				runGo(b, dir, []toolCall{c}, timeTools(&samples))
			}
			percentiles(b, samples)
		})
	}
}
