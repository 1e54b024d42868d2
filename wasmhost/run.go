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

// AllMethods lists every method of version 1 of the host-call interface.
var AllMethods = []string{
	hostcall.MethodRunStart, hostcall.MethodLLMComplete, hostcall.MethodTranscriptAppend,
	hostcall.MethodToolCall, hostcall.MethodEventEmit, hostcall.MethodRunFinish,
}

// RunSpec describes one guest run.
type RunSpec struct {
	// Workspace is the host directory mounted, confined, at /workspace.
	Workspace string
	// Handler serves the guest's host calls.
	Handler Handler
	// Methods are the host-call methods granted to the guest; nil grants
	// AllMethods. Others answer hostcall.UnknownMethod.
	Methods []string
	// Limits bound the run; zero fields take defaults.
	Limits Limits
	// Stderr receives the guest's standard error (diagnostics). Nil
	// discards it; the last 64 KiB are kept for error messages either way.
	Stderr io.Writer
}

// ErrGuestMemory reports a guest that exhausted its linear memory limit.
var ErrGuestMemory = errors.New("agent guest exhausted its memory limit")

// RunAgent instantiates the agent module and runs it to completion. It
// returns nil when the guest exits with status 0. A guest stopped by its
// deadline or by cancellation returns an error wrapping
// context.DeadlineExceeded or context.Canceled; one out of linear memory
// wraps ErrGuestMemory; any other failure carries the guest's exit code and
// the tail of its standard error.
func (h *Host) RunAgent(ctx context.Context, spec RunSpec) error {
	return h.run(ctx, h.agent, spec, "agent")
}

// run instantiates mod with spec and runs its _start to completion.
func (h *Host) run(ctx context.Context, mod wazero.CompiledModule, spec RunSpec, args ...string) error {
	limits := spec.Limits.withDefaults()
	fs, err := confined.New(spec.Workspace)
	if err != nil {
		return fmt.Errorf("wasmhost: mount workspace: %w", err)
	}
	methods := spec.Methods
	if methods == nil {
		methods = AllMethods
	}
	ctx, cancel := context.WithTimeout(ctx, limits.Timeout)
	defer cancel()
	ctx = context.WithValue(ctx, dispatcherKey{}, newDispatcher(spec.Handler, methods, limits))

	tail := &tailBuffer{max: 64 << 10}
	var stderr io.Writer = tail
	if spec.Stderr != nil {
		stderr = io.MultiWriter(spec.Stderr, tail)
	}
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithArgs(args...).
		WithEnv("PWD", GuestMountPoint).
		WithEnv("HOME", GuestMountPoint).
		WithFSConfig(wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(fs, GuestMountPoint)).
		WithStderr(stderr).
		WithSysWalltime().
		WithSysNanotime().
		WithRandSource(randSource)

	inst, err := h.rt.InstantiateModule(ctx, mod, cfg)
	if inst != nil {
		inst.Close(context.Background())
	}
	return h.exitError(ctx, err, limits, tail.String())
}

// exitError turns the result of running a guest into the error RunAgent
// reports.
func (h *Host) exitError(ctx context.Context, err error, limits Limits, stderr string) error {
	if err == nil {
		return nil
	}
	var exit *sys.ExitError
	if !errors.As(err, &exit) {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("agent guest stopped: %w", ctxErr)
		}
		return fmt.Errorf("agent guest trapped: %w", err)
	}
	switch exit.ExitCode() {
	case 0:
		return nil
	case sys.ExitCodeDeadlineExceeded:
		return fmt.Errorf("agent guest stopped: run exceeded its time limit of %s: %w", limits.Timeout, context.DeadlineExceeded)
	case sys.ExitCodeContextCanceled:
		return fmt.Errorf("agent guest stopped: %w", context.Canceled)
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
