package wasmhost

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bulkhead-dev/bulkhead/tools-wasm/modules"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Config configures a Host. The zero value is valid.
type Config struct {
	// CacheDir holds wazero's compilation cache on disk, so that a second
	// process skips compiling the agent module. Default:
	// $XDG_CACHE_HOME/bulkhead/wazero (os.UserCacheDir). If the directory
	// cannot be created, the cache stays in memory.
	CacheDir string
	// MemoryPages caps every guest's linear memory, in 64 KiB pages.
	// Default 4096 (256 MiB).
	MemoryPages uint32
	// WarmInstances is how many agent instances are kept initialised and
	// waiting for a run, so that a run starts without the guest's own
	// start-up (~10 ms). Each costs about one idle guest's memory. Default
	// DefaultWarmInstances; negative disables the pool.
	WarmInstances int
}

// DefaultWarmInstances is the default size of the warm instance pool.
const DefaultWarmInstances = 2

// DefaultMemoryPages is the default linear memory cap: 4096 pages of 64 KiB,
// 256 MiB.
const DefaultMemoryPages = 4096

// Host runs WebAssembly guests. It holds one wazero runtime with the
// compiled agent module; create one per process and share it: it is safe
// for concurrent use, and each RunAgent gets its own module instance.
type Host struct {
	rt          wazero.Runtime
	cache       wazero.CompilationCache
	agent       wazero.CompiledModule
	memoryPages uint32
	pool        *pool
}

// New creates a Host and compiles the embedded agent module (a few seconds
// the first time on a machine; milliseconds when the on-disk cache is warm).
func New(ctx context.Context, cfg Config) (*Host, error) {
	if cfg.MemoryPages == 0 {
		cfg.MemoryPages = DefaultMemoryPages
	}
	cache := newCache(cfg.CacheDir)
	rtCfg := wazero.NewRuntimeConfigCompiler().
		WithCompilationCache(cache).
		WithMemoryLimitPages(cfg.MemoryPages).
		WithCloseOnContextDone(true)
	rt := wazero.NewRuntimeWithConfig(ctx, rtCfg)
	h := &Host{rt: rt, cache: cache, memoryPages: cfg.MemoryPages}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		h.Close(ctx)
		return nil, fmt.Errorf("wasmhost: instantiate WASI: %w", err)
	}
	if err := instantiateHostModule(ctx, rt); err != nil {
		h.Close(ctx)
		return nil, fmt.Errorf("wasmhost: instantiate %s: %w", "host-call module", err)
	}
	agent, err := rt.CompileModule(ctx, modules.Step)
	if err != nil {
		h.Close(ctx)
		return nil, fmt.Errorf("wasmhost: compile agent module: %w", err)
	}
	h.agent = agent
	warm := cfg.WarmInstances
	if warm == 0 {
		warm = DefaultWarmInstances
	}
	h.pool = newPool(max(warm, 0), func(ctx context.Context, s *slot) {
		s.done <- h.instantiate(context.WithValue(ctx, slotKey{}, s), h.agent, s, "agent")
	})
	return h, nil
}

// DefaultCacheDir returns the default Config.CacheDir,
// $XDG_CACHE_HOME/bulkhead/wazero (see os.UserCacheDir), or "" when no
// user cache directory is known. The cache holds machine code that the
// host runs: callers must keep it out of every jail (package runtime
// protects it).
func DefaultCacheDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "bulkhead", "wazero")
}

// newCache returns a compilation cache in dir (or the default directory),
// falling back to an in-memory cache when the directory is unusable.
func newCache(dir string) wazero.CompilationCache {
	if dir == "" {
		dir = DefaultCacheDir()
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err == nil {
			if c, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
				return c
			}
		}
	}
	return wazero.NewCompilationCache()
}

// Close stops the warm instances and releases the runtime and its compiled
// modules. Runs in progress are closed with it.
func (h *Host) Close(ctx context.Context) error {
	if h.pool != nil {
		h.pool.close()
	}
	err := h.rt.Close(ctx)
	if cerr := h.cache.Close(ctx); err == nil {
		err = cerr
	}
	return err
}

// randSource is the guest's source of random bytes (WASI random_get).
var randSource = rand.Reader
