//go:build linux

package stepguest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/tools-wasm/modules"
	"github.com/bulkhead-dev/bulkhead/wasmhost/confined"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// stepInput is the payload of step.begin's answer (docs/hostcall.md).
type stepInput struct {
	Model        string                     `json:"model"`
	System       string                     `json:"system"`
	MaxTurns     int                        `json:"max_turns"`
	ToolBudgetMs int64                      `json:"tool_budget_ms,omitempty"`
	HostTools    []chat.Tool                `json:"host_tools"`
	Messages     []chat.Message             `json:"messages"`
	Turn         int                        `json:"turn"`
	Response     *chat.Response             `json:"response"`
	HostResults  []hostResult               `json:"host_results"`
	Decisions    map[string]json.RawMessage `json:"decisions"`
	State        json.RawMessage            `json:"state"`
}

// hostResult answers one host call.
type hostResult struct {
	ToolUseID string `json:"tool_use_id"`
	Text      string `json:"text"`
	IsError   bool   `json:"is_error,omitempty"`
}

// stepOutput is the payload of step.end.
type stepOutput struct {
	Append  []json.RawMessage `json:"append"`
	Action  string            `json:"action"`
	Request *struct {
		Messages []json.RawMessage `json:"messages"`
		Tools    []chat.Tool       `json:"tools"`
	} `json:"request"`
	HostCalls []hostcall.ToolCall `json:"host_calls"`
	Finish    *hostcall.Finish    `json:"finish"`
	State     json.RawMessage     `json:"state"`
}

// stepHost is the host side of one instance: the step's input, what the
// guest answered, and its events.
type stepHost struct {
	input  []byte
	output []byte
	ended  bool
	events []hostcall.Event
	// onEvent, if set, sees each event as it arrives (for timing).
	onEvent func(hostcall.Event, time.Time)
	// emitStatus, if not OK, is the status event.emit answers.
	emitStatus hostcall.Status
	pending    []byte
}

type hostKey struct{}

// handle serves one host call of the guest.
func (h *stepHost) handle(method string, payload []byte) hostcall.Status {
	switch method {
	case "step.begin":
		h.pending = h.input
	case "step.end":
		h.output = append([]byte(nil), payload...)
		h.ended = true
		h.pending = []byte("{}")
	case "event.emit":
		arrived := time.Now()
		var ev hostcall.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			h.pending = []byte("event.emit: " + err.Error())
			return hostcall.BadRequest
		}
		if h.onEvent != nil {
			h.onEvent(ev, arrived)
		}
		h.events = append(h.events, ev)
		if h.emitStatus != hostcall.OK {
			h.pending = []byte("refused by the test")
			return h.emitStatus
		}
		h.pending = []byte("{}")
	default:
		h.pending = []byte("unknown method " + method)
		return hostcall.UnknownMethod
	}
	return hostcall.OK
}

// guest is a compiled module ready to be instantiated.
type guest struct {
	rt  wazero.Runtime
	mod wazero.CompiledModule
}

var shared struct {
	once    sync.Once
	rt      wazero.Runtime
	err     error
	modules sync.Map // file → *compiled
}

// compiled is one module compiled once for the whole test binary.
type compiled struct {
	once sync.Once
	mod  wazero.CompiledModule
	err  error
}

// compile returns the module wasm (named name) compiled on the shared
// runtime, compiling it on first use.
func compile(tb testing.TB, name string, wasm func() ([]byte, error)) guest {
	tb.Helper()
	shared.once.Do(func() {
		ctx := context.Background()
		shared.rt = wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(true))
		wasi_snapshot_preview1.MustInstantiate(ctx, shared.rt)
		shared.err = defineHost(shared.rt)
	})
	if shared.err != nil {
		tb.Fatal(shared.err)
	}
	v, _ := shared.modules.LoadOrStore(name, &compiled{})
	c := v.(*compiled)
	c.once.Do(func() {
		b, err := wasm()
		if err != nil {
			c.err = err
			return
		}
		c.mod, c.err = shared.rt.CompileModule(context.Background(), b)
	})
	if c.err != nil {
		tb.Fatal(c.err)
	}
	return guest{shared.rt, c.mod}
}

func stepGuest(tb testing.TB) guest {
	return compile(tb, "step", func() ([]byte, error) { return modules.Step, nil })
}

func agentGuest(tb testing.TB) guest {
	return compile(tb, "agent", func() ([]byte, error) { return os.ReadFile(oracleWasm) })
}

func probeGuest(tb testing.TB) guest {
	return compile(tb, "probe", func() ([]byte, error) { return os.ReadFile(filepath.Join("testdata", "probe.wasm")) })
}

// defineHost instantiates the bulkhead_v1 host module on rt.
func defineHost(rt wazero.Runtime) error {
	ctx := context.Background()
	i32 := api.ValueTypeI32
	call := func(ctx context.Context, mod api.Module, stack []uint64) {
		h := ctx.Value(hostKey{}).(hostHandler)
		mem := mod.Memory()
		method, ok1 := mem.Read(api.DecodeU32(stack[0]), api.DecodeU32(stack[1]))
		payload, ok2 := mem.Read(api.DecodeU32(stack[2]), api.DecodeU32(stack[3]))
		status := hostcall.BadRequest
		if ok1 && ok2 {
			status = h.handle(string(method), payload)
		}
		mem.WriteUint32Le(api.DecodeU32(stack[4]), uint32(len(*h.pendingAnswer())))
		stack[0] = uint64(status)
	}
	take := func(ctx context.Context, mod api.Module, stack []uint64) {
		h := ctx.Value(hostKey{}).(hostHandler)
		p := h.pendingAnswer()
		n := min(int(api.DecodeU32(stack[1])), len(*p))
		mod.Memory().Write(api.DecodeU32(stack[0]), (*p)[:n])
		*p = nil
		stack[0] = uint64(uint32(n))
	}
	_, err := rt.NewHostModuleBuilder(hostcall.ModuleName).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(call), []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}).Export(hostcall.FuncCall).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(take), []api.ValueType{i32, i32}, []api.ValueType{i32}).Export(hostcall.FuncTake).
		Instantiate(ctx)
	return err
}

// hostHandler is what the shared host module needs of a test host.
type hostHandler interface {
	handle(method string, payload []byte) hostcall.Status
	pendingAnswer() *[]byte
}

func (h *stepHost) pendingAnswer() *[]byte { return &h.pending }

// run instantiates g with dir mounted at /workspace (through the confined
// file system) and h serving its host calls, and runs it to its exit. It
// returns the exit code and what the guest wrote to stderr.
func (g guest) run(tb testing.TB, dir string, h hostHandler) (int, string) {
	tb.Helper()
	var stderr bytes.Buffer
	cfg := wazero.NewModuleConfig().WithName("").WithStderr(&stderr).WithStartFunctions("_start").
		WithSysWalltime().WithSysNanotime() // as the host: real clocks for the tools' time budget
	if dir != "" {
		fsys, err := confined.New(dir)
		if err != nil {
			tb.Fatal(err)
		}
		defer fsys.(io.Closer).Close()
		cfg = cfg.WithFSConfig(wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(fsys, "/workspace"))
	}
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), hostKey{}, h), 2*time.Minute)
	defer cancel()
	mod, err := g.rt.InstantiateModule(ctx, g.mod, cfg)
	if mod != nil {
		mod.Close(ctx)
	}
	var exit *sys.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case errors.As(err, &exit):
		return int(exit.ExitCode()), stderr.String()
	}
	tb.Fatalf("instantiate: %v\nstderr: %s", err, stderr.String())
	return -1, ""
}

// runStep runs one step of the C guest with in as its input and returns
// its output and events; the step must succeed.
func runStep(tb testing.TB, dir string, in stepInput) (stepOutput, []hostcall.Event) {
	tb.Helper()
	return runGuestStep(tb, stepGuest(tb), dir, in)
}

// runGuestStep runs one step of guest step (the C or the Go guest) with in
// as its input and returns its output and events; the step must succeed.
func runGuestStep(tb testing.TB, step guest, dir string, in stepInput) (stepOutput, []hostcall.Event) {
	tb.Helper()
	raw, err := json.Marshal(in)
	if err != nil {
		tb.Fatal(err)
	}
	h := &stepHost{input: raw}
	code, stderr := step.run(tb, dir, h)
	if code != 0 || !h.ended {
		tb.Fatalf("step exited with %d (step.end called: %v): %s", code, h.ended, stderr)
	}
	var out stepOutput
	if err := json.Unmarshal(h.output, &out); err != nil {
		tb.Fatalf("step.end payload: %v\n%s", err, h.output)
	}
	return out, h.events
}
