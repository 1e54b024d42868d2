package runtime

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bulkhead-dev/bulkhead/egress"
	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/skillrun"
	"github.com/bulkhead-dev/bulkhead/skills"
	"github.com/bulkhead-dev/bulkhead/wasmhost"
	"github.com/rs/zerolog"
)

// Options configure a Platform. The zero value uses DefaultStateDir.
type Options struct {
	// StateDir is the root of all state. Default DefaultStateDir().
	StateDir string
	// Logger receives diagnostics. Default: disabled.
	Logger *zerolog.Logger
	// WasmCacheDir holds the compiled agent module across processes.
	// Default: wasmhost's default ($XDG_CACHE_HOME/bulkhead/wazero).
	WasmCacheDir string
	// HTTPClient is used for provider calls. Default http.DefaultClient.
	HTTPClient *http.Client
	// ProviderIdleTimeout fails a model call's attempt (retried as a
	// network error) when the provider sends no byte for this long; see
	// providers.Config.IdleTimeout. Zero: providers.DefaultIdleTimeout.
	ProviderIdleTimeout time.Duration
	// MaxRuns is how many runs may be in progress at once on the
	// platform, and MaxQueuedRuns how many more may wait for one to end;
	// a run beyond both fails with ErrBusy. Zero: DefaultMaxRuns and
	// DefaultMaxQueuedRuns; a negative MaxQueuedRuns means no queue.
	MaxRuns, MaxQueuedRuns int
	// Egress tunes the egress proxy that serves the network of the jails
	// of workspaces with allowed hosts (WorkspaceConfig.AllowHosts) and of
	// skills with a network: list.
	Egress EgressOptions
	// JailCgroup selects the cgroup hierarchy of every jail (see
	// nsjail.CgroupMode). Empty means nsjail.CgroupAuto; nsjail.CgroupNone
	// runs jails without memory, pids and CPU limits, for an ordinary user
	// on a host without a delegated cgroup v2 subtree (the doctor, bulkhead
	// sandbox check, says when).
	JailCgroup nsjail.CgroupMode
	// CredentialPassphrase unlocks the workspaces' credential vaults
	// (Workspace.Credentials); the platform keeps a copy, zeroed by
	// Close. Empty: credentials are unavailable (ErrNoPassphrase), and
	// runs that need none work as usual.
	CredentialPassphrase []byte
	// MaxIdleMemories is how many workspaces' memory stores the platform
	// keeps open while no run uses them; see Workspace.Memory. Zero or
	// negative: DefaultMaxIdleMemories.
	MaxIdleMemories int
	// HookTimeout bounds one call of a lifecycle hook (see Hooks). Zero:
	// DefaultHookTimeout.
	HookTimeout time.Duration
	// ProviderHealth tunes the cooldowns, probes and dropped keys that
	// every provider call of the platform shares (one providers.Health
	// for all runs and tenants). A dropped key is logged as a warning
	// naming it by fingerprint; Notify, when set, is called after.
	ProviderHealth providers.HealthConfig
	// Prices adds to or replaces entries of providers.DefaultPrices, the
	// table that turns each model call's usage into RunResult.CostUSD.
	Prices providers.Prices
	// ContextWindows adds to or replaces entries of
	// providers.DefaultContextWindows, the models' context windows in
	// tokens, for the context guard (see WorkspaceConfig.ContextWindow)
	// and for fallbacks on context_overflow.
	ContextWindows providers.ContextWindows
}

// Platform is the root of a state directory: it creates, opens, lists and
// deletes workspaces and shares one WebAssembly host among their runs. It
// is safe for concurrent use.
type Platform struct {
	stateDir string
	log      zerolog.Logger
	http     *http.Client
	idle     time.Duration     // Options.ProviderIdleTimeout
	maxRuns  int               // Options.MaxRuns
	maxQueue int               // Options.MaxQueuedRuns
	cgroup   nsjail.CgroupMode // Options.JailCgroup
	cacheDir string

	health  *providers.Health        // shared by every provider call
	prices  providers.Prices         // DefaultPrices with Options.Prices
	windows providers.ContextWindows // DefaultContextWindows with Options.ContextWindows

	hostMu sync.Mutex
	host   *wasmhost.Host // created by the first run

	mem *memoryPool // the workspaces' open memory stores

	vaults *vaults
	runs   runRegistry

	egressOpts   EgressOptions
	egressOnce   sync.Once
	proxy        *egress.Proxy // egressProxy(), made on first use
	proxyErr     error
	egressEvents egressRouter

	skillsOnce sync.Once
	catalog    *skills.Catalog // Skills(), opened on first use
	catalogErr error
	execMu     sync.Mutex
	executor   *skillrun.Executor // skillExecutor(), made on first use
	indexer    indexer

	ext          extensions        // the platform's hooks and tools
	workspaceExt extensionRegistry // each workspace's
	hookTimeout  time.Duration     // Options.HookTimeout
	closeOnce    sync.Once
	closeErr     error
}

// DefaultStateDir returns $BULKHEAD_STATE_DIR, else $XDG_STATE_HOME/bulkhead,
// else ~/.local/state/bulkhead.
func DefaultStateDir() (string, error) {
	if d := os.Getenv("BULKHEAD_STATE_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "bulkhead"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no state directory: set BULKHEAD_STATE_DIR: %w", err)
	}
	return filepath.Join(home, ".local", "state", "bulkhead"), nil
}

// NewPlatform opens (creating if needed) the state directory. The
// WebAssembly host is prepared by the first run (compiling the agent module,
// or loading it from the compilation cache). Close the platform when done.
func NewPlatform(opts Options) (*Platform, error) {
	dir := opts.StateDir
	if dir == "" {
		d, err := DefaultStateDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("state directory %q: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Join(abs, workspacesDirName), 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	p := &Platform{stateDir: abs, log: zerolog.Nop(), http: opts.HTTPClient, idle: opts.ProviderIdleTimeout, cacheDir: opts.WasmCacheDir}
	p.vaults = newVaults(opts.CredentialPassphrase)
	p.cgroup = opts.JailCgroup
	p.hookTimeout = cmp.Or(max(opts.HookTimeout, 0), DefaultHookTimeout)
	p.egressOpts = opts.Egress
	p.maxRuns = cmp.Or(max(opts.MaxRuns, 0), DefaultMaxRuns)
	p.maxQueue = cmp.Or(opts.MaxQueuedRuns, DefaultMaxQueuedRuns)
	if p.maxQueue < 0 {
		p.maxQueue = 0 // no queue: a run beyond MaxRuns fails at once
	}
	if p.cacheDir == "" {
		p.cacheDir = wasmhost.DefaultCacheDir()
	}
	if opts.Logger != nil {
		p.log = *opts.Logger
	}
	p.health = p.newHealth(opts.ProviderHealth)
	p.prices = merged(providers.DefaultPrices, opts.Prices)
	p.windows = merged(providers.DefaultContextWindows, opts.ContextWindows)
	p.mem = newMemoryPool(opts.MaxIdleMemories, p.log)
	if p.http == nil {
		p.http = http.DefaultClient
	}
	p.sweepTransfers() // what killed exports and imports left
	return p, nil
}

// wasmHost returns the shared WebAssembly host, creating it on first use.
func (p *Platform) wasmHost(ctx context.Context) (*wasmhost.Host, error) {
	p.hostMu.Lock()
	defer p.hostMu.Unlock()
	if p.host == nil {
		h, err := wasmhost.New(ctx, wasmhost.Config{CacheDir: p.cacheDir})
		if err != nil {
			return nil, err
		}
		p.host = h
	}
	return p.host, nil
}

// skillExecutor returns the platform's skill executor, sharing the
// WebAssembly host (and its compilation cache) with the agent.
func (p *Platform) skillExecutor(ctx context.Context) (*skillrun.Executor, error) {
	host, err := p.wasmHost(ctx)
	if err != nil {
		return nil, err
	}
	p.execMu.Lock()
	defer p.execMu.Unlock()
	if p.executor == nil {
		p.executor = skillrun.New(skillrun.Options{WASM: host, Logger: p.log})
	}
	return p.executor, nil
}

// StateDir returns the absolute state directory.
func (p *Platform) StateDir() string { return p.stateDir }

// protectedPaths are the host paths of the platform that no jail mount and
// no run's /workspace may expose; see ProtectedPaths.
func (p *Platform) protectedPaths() []string { return ProtectedPaths(p.stateDir, p.cacheDir) }

// ProtectedPaths returns the host paths of a platform with state directory
// stateDir and compilation cache cacheDir ("" for none) that no jail mount
// and no run's /workspace may expose (nsjail.Config.ProtectedPaths): the
// state, holding every tenant, and the cache, holding machine code the host
// runs. Paths are made absolute; `bulkhead sandbox exec` protects the same.
func ProtectedPaths(stateDir, cacheDir string) []string {
	var out []string
	for _, p := range []string{stateDir, cacheDir} {
		if abs, err := filepath.Abs(p); p != "" && err == nil {
			out = append(out, abs)
		}
	}
	return out
}

// Close stops the runs in progress (their errors wrap ErrClosed: guests
// are interrupted, jails killed), waits for them to end, and releases the
// WebAssembly host, the open memory stores and the jail's pre-started init
// stage (nsjail.ReleaseIdle). Later calls of the platform and its
// workspaces fail with ErrClosed. Close is idempotent.
func (p *Platform) Close() error {
	idle := p.runs.close()
	p.runs.cancel(ErrClosed)
	<-idle
	return p.release()
}

// Shutdown stops new runs (they fail with ErrClosed) and waits for the
// runs in progress to finish, then releases the platform as Close does.
// If ctx ends first, the remaining runs are stopped as by Close and
// Shutdown returns ctx's error.
func (p *Platform) Shutdown(ctx context.Context) error {
	idle := p.runs.close()
	var err error
	select {
	case <-idle:
	case <-ctx.Done():
		err = ctx.Err()
		p.runs.cancel(ErrClosed)
		<-idle
	}
	return errors.Join(err, p.release())
}

// release frees what the platform holds, once.
func (p *Platform) release() error {
	p.closeOnce.Do(func() {
		defer nsjail.ReleaseIdle()
		p.indexer.drain()
		p.vaults.close()
		errs := p.mem.close()
		p.execMu.Lock()
		if p.executor != nil {
			errs = append(errs, p.executor.Close(context.Background()))
		}
		p.execMu.Unlock()
		p.hostMu.Lock()
		defer p.hostMu.Unlock()
		if p.host != nil {
			errs = append(errs, p.host.Close(context.Background()))
			p.host = nil
		}
		p.closeErr = errors.Join(errs...)
	})
	return p.closeErr
}

// checkOpen returns ErrClosed once Close or Shutdown began.
func (p *Platform) checkOpen() error {
	if p.runs.isClosed() {
		return ErrClosed
	}
	return nil
}

// ErrWorkspaceNotFound is returned for a workspace id with no directory.
var ErrWorkspaceNotFound = errors.New("workspace not found")

// ErrWorkspaceBusy is returned by DeleteWorkspace while the workspace is
// in use: runs, or other holders of Workspace.Acquire such as the memory
// commands, in this process or another.
var ErrWorkspaceBusy = errors.New("workspace is in use (runs or memory commands in progress)")

// ErrWorkspaceExists is returned by CreateWorkspace for an existing id.
var ErrWorkspaceExists = errors.New("workspace already exists")

// ErrInvalidConfig is returned by CreateWorkspace for a WorkspaceConfig it
// refuses; the message names the field and what it accepts.
var ErrInvalidConfig = errors.New("invalid workspace config")
