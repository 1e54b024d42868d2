package wasmhost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// DefaultOutputLimit is the default of CommandSpec.OutputLimit: bytes kept
// of each of stdout and stderr.
const DefaultOutputLimit int64 = 10 << 20

// wasiModule is the import module of WASI preview 1.
const wasiModule = wasi_snapshot_preview1.ModuleName

// Command is a compiled WASI command module (a WASM skill's execute.wasm):
// compile it once with CompileCommand, run it any number of times, also
// concurrently, with RunCommand, and Close it when no run needs it.
type Command struct {
	mod      wazero.CompiledModule
	minPages uint32
}

// CompileCommand compiles wasm, a WASI preview 1 command module
// (https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md):
// it must export "_start" and its memory as "memory", and may import only
// from wasi_snapshot_preview1 and hostcall.ModuleName. The Host's
// compilation cache (in memory and on disk) serves a module compiled
// before, by this process or an earlier one.
//
// Errors name what is wrong: not WebAssembly, not a command, a foreign
// import.
func (h *Host) CompileCommand(ctx context.Context, wasm []byte) (*Command, error) {
	mod, err := h.rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("wasmhost: compile command: %w", err)
	}
	c, err := checkCommand(mod)
	if err != nil {
		mod.Close(ctx)
		return nil, fmt.Errorf("wasmhost: compile command: %w", err)
	}
	return c, nil
}

// checkCommand checks the exports and imports of a WASI command.
func checkCommand(mod wazero.CompiledModule) (*Command, error) {
	if _, ok := mod.ExportedFunctions()["_start"]; !ok {
		return nil, errors.New(`not a WASI command: no exported function "_start"`)
	}
	mem, ok := mod.ExportedMemories()["memory"]
	if !ok {
		return nil, errors.New(`not a WASI command: no exported memory "memory"`)
	}
	if len(mod.ImportedMemories()) > 0 {
		return nil, errors.New("the module imports its memory; a command defines its own")
	}
	for _, f := range mod.ImportedFunctions() {
		module, name, _ := f.Import()
		if module != wasiModule && module != hostcall.ModuleName {
			return nil, fmt.Errorf("imports %s.%s: only %s and %s are served", module, name, wasiModule, hostcall.ModuleName)
		}
	}
	return &Command{mod: mod, minPages: mem.Min()}, nil
}

// Close releases the compiled code. Runs in progress keep working; no new
// run may start.
func (c *Command) Close(ctx context.Context) error { return c.mod.Close(ctx) }

// Mount is a host directory a command sees as a preopen, confined (package
// confined) to that directory.
type Mount struct {
	// HostDir is the host directory.
	HostDir string
	// GuestPath is where the guest sees it: a clean absolute path such as
	// "/skill".
	GuestPath string
	// ReadOnly refuses every change with EROFS (confined.ReadOnly).
	ReadOnly bool
	// MaxBytes, when positive, bounds the bytes the guest's files under
	// the mount may hold; a write beyond fails with EIO (confined.Quota).
	MaxBytes int64
}

// CommandSpec describes one run of a Command. The zero value runs the
// command with no arguments, no environment, no files, empty stdin,
// discarded output and no host call.
type CommandSpec struct {
	// Args is argv (WASI args_get); by convention Args[0] names the
	// program. No argument may be empty or contain NUL.
	Args []string
	// Env is the guest's whole environment (WASI environ_get), given to
	// it sorted by name. Names are non-empty without "=" or NUL; values
	// hold no NUL.
	Env map[string]string
	// Stdin is the guest's standard input; nil is empty.
	Stdin io.Reader
	// Stdout and Stderr receive the guest's output, at most OutputLimit
	// bytes each; the rest is discarded and counted in the result. Nil
	// discards.
	Stdout, Stderr io.Writer
	// OutputLimit caps each of stdout and stderr in bytes; zero means
	// DefaultOutputLimit.
	OutputLimit int64
	// Mounts are the guest's preopens, at distinct guest paths.
	Mounts []Mount
	// Handler serves the guest's host calls of Methods; the others answer
	// hostcall.UnknownMethod. Nil with no Methods: every call does.
	Handler Handler
	// Methods are the host-call methods granted (hostcall.SkillMethods for
	// a skill).
	Methods []string
	// Limits bound the run: Timeout is its wall-clock deadline, after
	// which the guest is interrupted even in an endless loop; payload,
	// result and rate limits apply to host calls. Zero fields take the
	// defaults of Limits.
	Limits Limits
	// MemoryPages caps the guest's linear memory in 64 KiB pages; zero or
	// more than the Host's Config.MemoryPages means the Host's cap.
	MemoryPages uint32
}

// CommandResult is how a command's run ended.
type CommandResult struct {
	// ExitCode is the status the guest passed to WASI proc_exit, 0 when
	// _start returned, and -1 when the guest did not exit: it trapped
	// (Trap), or was stopped (TimedOut, or the caller's context ended).
	ExitCode int64
	// Trap is the first line of the trap that ended the guest ("wasm
	// error: unreachable", "out of bounds memory access"), empty if none.
	Trap string
	// TimedOut reports that Limits.Timeout expired and the guest was
	// interrupted.
	TimedOut bool
	// OutOfMemory reports that the guest asked for more linear memory
	// than MemoryPages allows and was refused (what it did then — a trap,
	// a fatal error, or nothing — shows in ExitCode and Trap).
	OutOfMemory bool
	// StdoutOmitted and StderrOmitted count the bytes discarded beyond
	// OutputLimit.
	StdoutOmitted, StderrOmitted int64
	// Duration is the wall-clock time of the instantiation and run.
	Duration time.Duration
}

// RunCommand instantiates c with spec and runs its _start to the end. A
// guest that exits non-zero, traps, runs out of memory or out of time is a
// CommandResult, not an error. Errors mean it did not run (an invalid
// spec, a mount that cannot be opened, an initial memory above the cap),
// or that ctx ended first: then the partial result comes with an error
// wrapping ctx.Err().
//
// # Notes
//
//   - Each run is a fresh instance: nothing of one run's memory reaches
//     another.
//   - A guest that sleeps (WASI poll_oneoff on a clock) is woken at the
//     deadline; one that computes is interrupted at its next function call
//     or loop iteration (wazero's WithCloseOnContextDone).
func (h *Host) RunCommand(ctx context.Context, c *Command, spec CommandSpec) (*CommandResult, error) {
	limits := spec.Limits.withDefaults()
	pages := spec.MemoryPages
	if pages == 0 || pages > h.memoryPages {
		pages = h.memoryPages
	}
	if c.minPages > pages {
		return nil, fmt.Errorf("wasmhost: command needs %d pages of memory to start, more than its limit of %d", c.minPages, pages)
	}
	if err := validateSpec(spec); err != nil {
		return nil, err
	}
	fsCfg, closeMounts, err := openMounts(spec.Mounts)
	if err != nil {
		return nil, err
	}
	defer closeMounts()

	runCtx, cancel := context.WithTimeout(ctx, limits.Timeout)
	defer cancel()
	s := newSlot()
	s.bind(&binding{ctx: runCtx, d: newDispatcher(spec.Handler, spec.Methods, limits)})
	mem := &memoryCap{limit: uint64(pages) << 16}
	instCtx := experimental.WithMemoryAllocator(context.WithValue(runCtx, slotKey{}, s), mem)

	outLimit := spec.OutputLimit
	if outLimit <= 0 {
		outLimit = DefaultOutputLimit
	}
	stdout, stderr := &cappedOutput{w: spec.Stdout, left: outLimit}, &cappedOutput{w: spec.Stderr, left: outLimit}
	var stdin io.Reader = strings.NewReader("")
	if spec.Stdin != nil {
		stdin = spec.Stdin
	}
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithArgs(spec.Args...).
		WithStdin(stdin).
		WithStdout(stdout).
		WithStderr(stderr).
		WithFSConfig(fsCfg).
		WithSysWalltime().
		WithSysNanotime().
		WithNanosleep(sleeper(runCtx)).
		WithRandSource(randSource)
	for _, k := range sortedKeys(spec.Env) {
		cfg = cfg.WithEnv(k, spec.Env[k])
	}

	start := time.Now()
	inst, err := h.rt.InstantiateModule(instCtx, c.mod, cfg)
	if inst != nil {
		inst.Close(context.Background())
	}
	res := &CommandResult{
		Duration:      time.Since(start),
		OutOfMemory:   mem.refused.Load(),
		StdoutOmitted: stdout.omitted,
		StderrOmitted: stderr.omitted,
	}
	return res, finishCommand(ctx, runCtx, res, err)
}

// finishCommand fills res from the error InstantiateModule returned.
func finishCommand(ctx, runCtx context.Context, res *CommandResult, err error) error {
	if err == nil {
		return nil
	}
	if runCtx.Err() != nil {
		// Stopped: whatever exit code wazero reports stands for the
		// interruption, not for the guest.
		res.ExitCode = -1
		if ctx.Err() != nil {
			return fmt.Errorf("wasmhost: command canceled: %w", ctx.Err())
		}
		res.TimedOut = true
		return nil
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		res.ExitCode = int64(exit.ExitCode())
		return nil
	}
	res.ExitCode = -1
	res.Trap, _, _ = strings.Cut(err.Error(), "\n")
	return nil
}

// validateSpec checks the arguments, the environment and the mounts'
// guest paths, so that wazero never sees what it would refuse.
func validateSpec(spec CommandSpec) error {
	for i, a := range spec.Args {
		if a == "" || strings.IndexByte(a, 0) >= 0 {
			return fmt.Errorf("wasmhost: Args[%d] is empty or contains NUL", i)
		}
	}
	for k, v := range spec.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return fmt.Errorf("wasmhost: Env: name %q is empty or contains = or NUL", k)
		}
		if strings.IndexByte(v, 0) >= 0 {
			return fmt.Errorf("wasmhost: Env: value of %s contains NUL", k)
		}
	}
	var seen []string
	for i, m := range spec.Mounts {
		if !path.IsAbs(m.GuestPath) || path.Clean(m.GuestPath) != m.GuestPath {
			return fmt.Errorf("wasmhost: Mounts[%d]: guest path %q is not a clean absolute path", i, m.GuestPath)
		}
		if slices.Contains(seen, m.GuestPath) {
			return fmt.Errorf("wasmhost: Mounts[%d]: guest path %q is mounted twice", i, m.GuestPath)
		}
		seen = append(seen, m.GuestPath)
	}
	if len(spec.Methods) > 0 && spec.Handler == nil {
		return errors.New("wasmhost: Methods are granted but Handler is nil")
	}
	return nil
}

// sortedKeys returns m's keys in byte order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sleeper is WASI's sleep (poll_oneoff on a clock) for one run: it returns
// after ns nanoseconds or when ctx ends, whichever is first, so that a
// sleeping guest cannot outlive its deadline.
func sleeper(ctx context.Context) sys.Nanosleep {
	return func(ns int64) {
		t := time.NewTimer(time.Duration(ns))
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
}

// cappedOutput passes the first left bytes written to it on to w (nil
// discards) and counts the rest. A failing w stops the forwarding, never
// the guest.
type cappedOutput struct {
	w       io.Writer
	left    int64
	omitted int64
	failed  bool
}

func (c *cappedOutput) Write(p []byte) (int, error) {
	n := min(c.left, int64(len(p)))
	if n > 0 && c.w != nil && !c.failed {
		if _, err := c.w.Write(p[:n]); err != nil {
			c.failed = true
		}
	}
	c.left -= n
	c.omitted += int64(len(p)) - n
	return len(p), nil
}
