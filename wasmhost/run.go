package wasmhost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/wasmhost/confined"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"
)

// GuestMountPoint is where the workspace appears inside a guest; it is also
// the guest's working directory.
const GuestMountPoint = "/workspace"

// AgentMethods lists the methods of version 1 of the host-call interface
// that a step of an agent guest may call (docs/hostcall.md, "Step-wise
// agent guests"); none of hostcall.SkillMethods.
var AgentMethods = []string{hostcall.MethodStepBegin, hostcall.MethodStepEnd, hostcall.MethodEventEmit}

// RunSpec describes one guest run.
type RunSpec struct {
	// Workspace is the host directory mounted, confined, at /workspace.
	Workspace string
	// Handler serves the guest's host calls.
	Handler Handler
	// Methods are the host-call methods granted to the guest; nil grants
	// AgentMethods. Others answer hostcall.UnknownMethod.
	Methods []string
	// Limits bound the run; zero fields take defaults.
	Limits Limits
	// Stderr receives the guest's standard error (diagnostics). Nil
	// discards it; the last 64 KiB are kept for error messages either way.
	Stderr io.Writer
}

// ErrGuestMemory reports a guest that exhausted its linear memory limit.
var ErrGuestMemory = errors.New("agent guest exhausted its memory limit")

// RunAgent runs the agent module to completion, on a warm instance when
// one is ready (see Config.WarmInstances), else on a new one. It returns nil
// when the guest exits with status 0. A guest stopped by its deadline or by
// cancellation returns an error wrapping context.DeadlineExceeded or
// context.Canceled; one out of linear memory wraps ErrGuestMemory; any
// other failure carries the guest's exit code and the tail of its standard
// error.
func (h *Host) RunAgent(ctx context.Context, spec RunSpec) error {
	if inst := h.pool.take(); inst != nil {
		return h.serve(ctx, spec, func(runCtx context.Context, b *binding) error {
			inst.s.bind(b)
			select {
			case err := <-inst.s.done:
				return err
			case <-runCtx.Done():
				inst.cancel(runCtx.Err())
				return <-inst.s.done
			}
		})
	}
	return h.run(ctx, h.agent, spec, "agent")
}

// run instantiates mod, bound to spec from the start, and runs its _start
// to completion.
func (h *Host) run(ctx context.Context, mod wazero.CompiledModule, spec RunSpec, args ...string) error {
	return h.serve(ctx, spec, func(runCtx context.Context, b *binding) error {
		s := newSlot()
		s.bind(b)
		return h.instantiate(context.WithValue(runCtx, slotKey{}, s), mod, s, args...)
	})
}

// serve prepares the binding of one run (its limits, confined workspace,
// dispatcher and stderr), calls exec to run a guest with it, and turns the
// guest's exit into RunAgent's error.
func (h *Host) serve(ctx context.Context, spec RunSpec, exec func(runCtx context.Context, b *binding) error) error {
	limits := spec.Limits.withDefaults()
	fs, err := confined.New(spec.Workspace)
	if err != nil {
		return fmt.Errorf("wasmhost: mount workspace: %w", err)
	}
	defer fs.(io.Closer).Close()
	methods := spec.Methods
	if methods == nil {
		methods = AgentMethods
	}
	runCtx, cancel := context.WithTimeout(ctx, limits.Timeout)
	defer cancel()
	tail := &tailBuffer{max: 64 << 10}
	var stderr io.Writer = tail
	if spec.Stderr != nil {
		stderr = io.MultiWriter(spec.Stderr, tail)
	}
	b := &binding{ctx: runCtx, d: newDispatcher(spec.Handler, methods, limits), fs: fs, stderr: stderr}
	err = exec(runCtx, b)
	return h.exitError(runCtx, err, limits, tail.String())
}

// instantiate runs mod's _start with s's late-bound mount and stderr; ctx
// must carry s under slotKey. It returns the guest's exit.
func (h *Host) instantiate(ctx context.Context, mod wazero.CompiledModule, s *slot, args ...string) error {
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithArgs(args...).
		WithEnv("PWD", GuestMountPoint).
		WithEnv("HOME", GuestMountPoint).
		WithFSConfig(wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(lateFS{s: s}, GuestMountPoint)).
		WithStderr(slotWriter{s}).
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(randSource)
	inst, err := h.rt.InstantiateModule(ctx, mod, cfg)
	if inst != nil {
		inst.Close(context.Background())
	}
	return err
}

// exitError turns the result of running a guest into the error RunAgent
// reports.
func (h *Host) exitError(runCtx context.Context, err error, limits Limits, stderr string) error {
	if err == nil {
		return nil
	}
	var exit *sys.ExitError
	isExit := errors.As(err, &exit)
	if isExit && exit.ExitCode() == 0 {
		return nil
	}
	switch runCtx.Err() {
	case context.DeadlineExceeded:
		return fmt.Errorf("agent guest stopped: run exceeded its time limit of %s: %w", limits.Timeout, context.DeadlineExceeded)
	case context.Canceled:
		return fmt.Errorf("agent guest stopped: %w", context.Canceled)
	}
	if !isExit {
		return fmt.Errorf("agent guest trapped: %w", err)
	}
	if strings.Contains(stderr, "out of memory") {
		return fmt.Errorf("%w of %d MiB", ErrGuestMemory, h.memoryPages/16)
	}
	return fmt.Errorf("agent guest exited with code %d: %s", exit.ExitCode(), lastLine(stderr))
}

// lastLine returns the last non-empty line of s, or "no message".
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "no message"
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.buf) }
