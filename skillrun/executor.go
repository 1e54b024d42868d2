package skillrun

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/mask"
	"github.com/bulkhead-dev/bulkhead/skills"
	"github.com/bulkhead-dev/bulkhead/wasmhost"
	"github.com/rs/zerolog"
)

// DefaultModuleCache is the default of Options.ModuleCache.
const DefaultModuleCache = 32

// Options configures an Executor. The zero value runs native skills only.
type Options struct {
	// WASM runs WASM skills, sharing its runtime and compilation cache
	// with the agent; nil refuses them with ErrNoWASMHost.
	WASM *wasmhost.Host
	// MaxTimeout is the platform's maximum time limit of a skill call
	// (default skills.DefaultMaxTimeout, 10 minutes); longer timeouts are
	// cut to it.
	MaxTimeout time.Duration
	// ScratchDir is where per-call scratch directories are made (a WASM
	// skill's /tmp, the empty /workspace of a native skill without
	// workspace access); default os.TempDir(). It must accept idmapped
	// mounts (ext4, xfs, btrfs, tmpfs) and lie outside every protected
	// path.
	ScratchDir string
	// Logger receives the log host calls of WASM skills, masked, with the
	// skill's id in the field "skill". The zero value discards them.
	Logger zerolog.Logger
	// ModuleCache is how many compiled WASM skills stay in memory
	// (default DefaultModuleCache); a skill evicted is compiled again (from
	// wazero's compilation cache) on its next call.
	ModuleCache int
}

// Executor runs skill calls. It is safe for concurrent use; create one per
// process and Close it when done.
type Executor struct {
	opts    Options
	modules *moduleCache
	scratch *scratchDirs
}

// New returns an Executor.
func New(opts Options) *Executor {
	if opts.MaxTimeout <= 0 {
		opts.MaxTimeout = skills.DefaultMaxTimeout
	}
	if opts.ScratchDir == "" {
		opts.ScratchDir = os.TempDir()
	}
	if opts.ModuleCache <= 0 {
		opts.ModuleCache = DefaultModuleCache
	}
	return &Executor{opts: opts, modules: newModuleCache(opts.WASM, opts.ModuleCache), scratch: &scratchDirs{base: opts.ScratchDir}}
}

// Close releases the compiled WASM skills (calls in progress finish first
// with theirs) and removes the executor's directories in
// Options.ScratchDir. Call it once no call is in progress. The
// Options.WASM host is the caller's to close.
func (e *Executor) Close(ctx context.Context) error {
	e.scratch.close()
	return e.modules.close(ctx)
}

// Execute runs one skill call and returns how it ended. The skill's output
// in the Result is masked with req.Credentials' values, which Execute
// zeroes before it returns.
//
// A skill that runs and fails (non-zero exit, signal, trap, timeout,
// memory) is a Result whose Succeeded is false. Errors mean the skill did
// not run: the request is invalid (ErrInvalidRequest), the skill has no
// runnable entry point (ErrNotExecutable), its interpreter is missing
// (ErrMissingInterpreter), WASM is not available (ErrNoWASMHost), the
// module does not compile, or a layer of the jail could not be applied
// (*nsjail.SetupError). When ctx ends first, the partial Result comes with
// an error wrapping ctx.Err(). No error holds a credential value.
func (e *Executor) Execute(ctx context.Context, req Request) (*Result, error) {
	start := time.Now()
	defer req.zeroCredentials()
	if req.Skill == nil {
		return nil, fmt.Errorf("%w: Skill is nil", ErrInvalidRequest)
	}
	c, err := e.prepare(&req)
	if err != nil {
		return nil, fmt.Errorf("skill %q: %w", req.Skill.ID, err)
	}
	var res *Result
	switch req.Skill.Kind {
	case skills.Native:
		res, err = e.runNative(ctx, c)
	case skills.WASM:
		res, err = e.runWASM(ctx, c)
	default:
		err = fmt.Errorf("%w: %s skill (no entry point)", ErrNotExecutable, req.Skill.Kind)
	}
	if res != nil {
		res.Kind, res.Timeout, res.Duration = req.Skill.Kind, c.limits.Timeout, time.Since(start)
	}
	if err != nil {
		return res, fmt.Errorf("skill %q: %w", req.Skill.ID, err)
	}
	return res, nil
}

// call is a validated Request with what both kinds of skill need.
type call struct {
	req    *Request
	limits Limits
	params []byte
	mask   *mask.Set
}

// prepare checks the request and compiles the mask.
func (e *Executor) prepare(req *Request) (*call, error) {
	lim, err := req.limits(e.opts.MaxTimeout)
	if err != nil {
		return nil, err
	}
	params, err := req.params()
	if err != nil {
		return nil, err
	}
	if req.Skill.Workspace != skills.WorkspaceNone && req.Skill.Workspace != "" && req.Workspace == "" {
		return nil, fmt.Errorf("%w: the skill asks for workspace: %s but Workspace is empty", ErrInvalidRequest, req.Skill.Workspace)
	}
	for _, s := range req.SkillMounts {
		if s == nil || s.Dir == "" || skills.ValidateName(s.ID) != nil {
			return nil, fmt.Errorf("%w: SkillMounts holds a skill without a valid id and folder", ErrInvalidRequest)
		}
	}
	values := make([][]byte, 0, len(req.Credentials))
	for _, v := range req.Credentials {
		values = append(values, v)
	}
	return &call{req: req, limits: lim, params: params, mask: mask.New(values...)}, nil
}

// workspaceAccess reports whether the skill sees the workspace, and
// read-only.
func workspaceAccess(s *skills.Skill) (mounted, readOnly bool) {
	switch s.Workspace {
	case skills.WorkspaceRead:
		return true, true
	case skills.WorkspaceWrite:
		return true, false
	}
	return false, true
}
