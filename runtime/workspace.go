package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/bulkhead-dev/bulkhead/egress"
	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/quota"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
	"github.com/bulkhead-dev/bulkhead/memory/embedding"
	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/sessions"
	"github.com/gofrs/flock"
)

// WorkspaceConfig is a workspace's config.json: run defaults, never
// secrets. Zero fields fall back to the run request or built-in defaults.
type WorkspaceConfig struct {
	Provider     string `json:"provider,omitempty"`
	Model        string `json:"model,omitempty"`
	SystemPrompt string `json:"system_prompt,omitempty"`
	MaxTurns     int    `json:"max_turns,omitempty"`
	// Fallbacks is the fallback chain of the workspace's runs:
	// "provider/model" entries (providers.ParseRoute), e.g.
	// "openai/gpt-4.1", that continue a turn in order when the model
	// before them fails in a way another may not (see providers.Fallback).
	// Their keys and base URLs come from the host's environment. A run
	// request's Fallbacks replace them.
	Fallbacks []string `json:"fallbacks,omitempty"`
	// RequestSettings are the defaults of each model call of the
	// workspace's runs: output cap, temperature, thinking budget, stop
	// sequences.
	RequestSettings
	// ContextWindow is the context window, in tokens, the context guard
	// assumes for the workspace's model (see ContextGuardPercent). Zero:
	// the platform's table (Options.ContextWindows over
	// providers.DefaultContextWindows).
	ContextWindow int `json:"context_window,omitempty"`
	// EmbeddingProvider enables vector search in the workspace's memory
	// (openai, gemini, voyage, mistral, ollama; see package memory/embedding),
	// with EmbeddingModel or the provider's default. Its key and base URL
	// come from the host's environment, never from this file. Empty:
	// keyword-only memory search.
	EmbeddingProvider string `json:"embedding_provider,omitempty"`
	EmbeddingModel    string `json:"embedding_model,omitempty"`
	// MaxConcurrentRuns is how many runs of the workspace may be in
	// progress at once, and MaxQueuedRuns how many more may wait for one
	// to end; a run beyond both fails with ErrBusy naming the workspace.
	// Zero: DefaultWorkspaceRuns and DefaultWorkspaceQueue.
	MaxConcurrentRuns int `json:"max_concurrent_runs,omitempty"`
	MaxQueuedRuns     int `json:"max_queued_runs,omitempty"`
	// ToolTimeout is the wall-clock budget of one built-in file tool call
	// (read, write, edit, ls, find, grep), which runs in the guest on the
	// host's CPU: a walk or search that reaches it returns what it found
	// with a notice, and a guest whose call overruns it by
	// ToolTimeoutGrace is stopped, failing the run. Zero:
	// DefaultToolTimeout.
	ToolTimeout Duration `json:"tool_timeout,omitempty"`
	// JailLimits are the limits of the jails of the workspace's runs
	// (bash, native skills): memory, pids, CPU, the cap on the model's
	// bash timeout, the /tmp size. Zero fields take nsjail's defaults.
	JailLimits
	// Budgets bound each run of the workspace (tokens, wall time, jail
	// CPU time), its subagents included.
	Budgets
	// Subagents enables the subagent tool, with its depth limit and
	// roles. Nil: no subagents.
	Subagents *SubagentConfig `json:"subagents,omitempty"`
	// DiskQuota, in bytes, bounds what the workspace's files, home and
	// jails' /tmp hold, enforced by the kernel (package quota: a
	// loop-mounted ext4 image per workspace; a write past it fails with
	// ENOSPC inside the jail). Zero: none. A quota is set when the
	// workspace is created, and may be resized, not added or removed.
	DiskQuota int64 `json:"disk_quota,omitempty"`
	// AllowHosts are the destinations the agent's bash may reach through
	// the egress proxy (package egress): "host", "*.domain", with an
	// optional ":port" (default 443 and 80), IP literals and CIDRs. Names
	// are resolved by the host and checked against internal/netguard.
	// Empty: no network but the jail's own loopback.
	AllowHosts []string `json:"allow_hosts,omitempty"`
	// Mounts are host paths every jail of the workspace sees (toolchains,
	// shared caches), validated as nsjail.Config.Binds are.
	Mounts  []Mount   `json:"mounts,omitempty"`
	Created time.Time `json:"created"`
}

// Defaults of WorkspaceConfig.
const (
	// DefaultToolTimeout is the default WorkspaceConfig.ToolTimeout.
	DefaultToolTimeout = 30 * time.Second
	// ToolTimeoutGrace is how long past its ToolTimeout a built-in tool
	// call may run before the host stops the guest.
	ToolTimeoutGrace = 5 * time.Second
)

// validate returns an ErrInvalidConfig error naming the first field it
// refuses: a Provider that providers.Names does not list, a negative
// MaxTurns or ToolTimeout, an EmbeddingProvider that embedding.Providers does
// not list, an EmbeddingModel without a provider, a fallback that is not
// "provider/model", request settings out of range, or a context window
// below MinContextWindow.
func (c WorkspaceConfig) validate() error {
	switch {
	case c.Provider != "" && !slices.Contains(providers.Names(), c.Provider):
		return fmt.Errorf("%w: provider %q: want one of %s", ErrInvalidConfig, c.Provider, strings.Join(providers.Names(), ", "))
	case c.MaxTurns < 0:
		return fmt.Errorf("%w: max turns %d must not be negative", ErrInvalidConfig, c.MaxTurns)
	case c.EmbeddingProvider != "" && !slices.Contains(embedding.Providers(), c.EmbeddingProvider):
		return fmt.Errorf("%w: embedding provider %q: want one of %s", ErrInvalidConfig, c.EmbeddingProvider, strings.Join(embedding.Providers(), ", "))
	case c.EmbeddingModel != "" && c.EmbeddingProvider == "":
		return fmt.Errorf("%w: embedding model %q needs an embedding provider", ErrInvalidConfig, c.EmbeddingModel)
	case c.MaxConcurrentRuns < 0:
		return fmt.Errorf("%w: max concurrent runs %d must not be negative", ErrInvalidConfig, c.MaxConcurrentRuns)
	case c.MaxQueuedRuns < 0:
		return fmt.Errorf("%w: max queued runs %d must not be negative", ErrInvalidConfig, c.MaxQueuedRuns)
	case c.ToolTimeout < 0:
		return fmt.Errorf("%w: tool timeout %s must not be negative", ErrInvalidConfig, time.Duration(c.ToolTimeout))
	case c.DiskQuota != 0 && (c.DiskQuota < quota.MinLimit || c.DiskQuota > quota.MaxLimit):
		return fmt.Errorf("%w: disk quota %d bytes: want %d MiB to %d TiB", ErrInvalidConfig, c.DiskQuota, quota.MinLimit>>20, quota.MaxLimit>>40)
	case len(c.AllowHosts) > 0 && policyErr(c.AllowHosts) != nil:
		return fmt.Errorf("%w: allowed hosts: %w", ErrInvalidConfig, policyErr(c.AllowHosts))
	case len(c.Mounts) > nsjail.MaxBinds:
		return fmt.Errorf("%w: %d mounts, more than %d", ErrInvalidConfig, len(c.Mounts), nsjail.MaxBinds)
	case c.ContextWindow < 0 || (c.ContextWindow > 0 && c.ContextWindow < MinContextWindow):
		return fmt.Errorf("%w: context window %d: want 0 (the model's) or at least %d tokens", ErrInvalidConfig, c.ContextWindow, MinContextWindow)
	}
	if err := checkFallbacks(c.Fallbacks); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if err := c.RequestSettings.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if err := c.Budgets.validate(); err != nil {
		return err
	}
	if err := c.Subagents.validate(); err != nil {
		return err
	}
	return c.JailLimits.validate()
}

// Workspace is one tenant: its own directory of config, sessions and files.
type Workspace struct {
	p        *Platform
	id       string
	dir      string
	cfg      WorkspaceConfig
	sessions *sessions.Store
}

// ID returns the workspace id.
func (w *Workspace) ID() string { return w.id }

// Dir returns the workspace's state directory.
func (w *Workspace) Dir() string { return w.dir }

// FilesDir returns the directory mounted at /workspace when a run names no
// other: <dir>/files, or <dir>/disk/files with a disk quota.
func (w *Workspace) FilesDir() string { return w.data().files() }

// Config returns the workspace's configuration.
func (w *Workspace) Config() WorkspaceConfig { return w.cfg }

// Sessions returns the workspace's session store.
func (w *Workspace) Sessions() *sessions.Store { return w.sessions }

// CreateWorkspace creates workspace id with cfg (its Created time is set
// now). It returns ErrWorkspaceExists if the id is taken, ErrInvalidConfig
// for an embedding provider package memory/embedding does not know or an
// embedding model without a provider, and an error for an invalid id. The workspace is assembled in a temporary directory and
// renamed into place, so other processes see it whole or not at all.
func (p *Platform) CreateWorkspace(id string, cfg WorkspaceConfig) (*Workspace, error) {
	if err := p.checkOpen(); err != nil {
		return nil, err
	}
	if err := ids.Validate("workspace", id); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("create workspace %s: %w", id, err)
	}
	dir := p.workspaceDir(id)
	if _, err := os.Lstat(dir); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrWorkspaceExists, id)
	}
	root := p.workspacesDir()
	tmp, err := os.MkdirTemp(root, creatingPrefix)
	if err != nil {
		return nil, fmt.Errorf("create workspace %s: %w", id, err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	// Outside a quota's volume, which makeVolume adds once in place.
	data := layout{tmp}.data(false)
	for _, d := range []string{data.files(), data.home()} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, fmt.Errorf("create workspace %s: %w", id, err)
		}
	}
	if err := p.checkMounts(cfg, data); err != nil {
		return nil, fmt.Errorf("create workspace %s: %w", id, err)
	}
	cfg.Created = time.Now().UTC()
	if err := writeConfig(layout{tmp}.config(), cfg); err != nil {
		return nil, fmt.Errorf("create workspace %s: %w", id, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST) {
			return nil, fmt.Errorf("%w: %s", ErrWorkspaceExists, id)
		}
		return nil, fmt.Errorf("create workspace %s: %w", id, err)
	}
	if err := atomicfile.SyncDir(root); err != nil {
		return nil, err
	}
	w, err := p.Workspace(id)
	if err == nil && cfg.DiskQuota > 0 {
		if err = w.makeVolume(context.Background()); err != nil {
			return nil, errors.Join(err, p.DeleteWorkspace(id))
		}
	}
	return w, err
}

// checkMounts validates cfg's Mounts as nsjail would for a workspace whose
// files/ and home/ are in data, before anything depends on them, so that a
// bad mount fails when the config is written, not at the first bash call.
func (p *Platform) checkMounts(cfg WorkspaceConfig, data dataLayout) error {
	if len(cfg.Mounts) == 0 {
		return nil
	}
	jc := nsjail.Config{Workspace: data.files(), Home: data.home(), Binds: binds(cfg.Mounts), ProtectedPaths: p.protectedPaths()}
	if err := jc.Validate(); err != nil {
		return fmt.Errorf("%w: mounts: %w", ErrInvalidConfig, err)
	}
	return nil
}

// Workspace opens an existing workspace. It returns ErrWorkspaceNotFound
// if there is none with that id.
func (p *Platform) Workspace(id string) (*Workspace, error) {
	if err := p.checkOpen(); err != nil {
		return nil, err
	}
	if err := ids.Validate("workspace", id); err != nil {
		return nil, err
	}
	dir := p.workspaceDir(id)
	data, err := os.ReadFile(layout{dir}.config())
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrWorkspaceNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("open workspace %s: %w", id, err)
	}
	var cfg WorkspaceConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("open workspace %s: config.json: %w", id, err)
	}
	st, err := sessions.Open(dir)
	if errors.Is(err, os.ErrNotExist) { // deleted since config.json was read
		return nil, fmt.Errorf("%w: %s", ErrWorkspaceNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("open workspace %s: %w", id, err)
	}
	return &Workspace{p: p, id: id, dir: dir, cfg: cfg, sessions: st}, nil
}

// SetConfig validates cfg and replaces the workspace's config.json with it
// atomically (Created is kept). Errors: ErrInvalidConfig naming the field;
// ErrClosed; a write failure, which leaves the old config in place.
func (w *Workspace) SetConfig(cfg WorkspaceConfig) error {
	if err := w.p.checkOpen(); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("workspace %s: %w", w.id, err)
	}
	if err := w.p.checkMounts(cfg, w.data()); err != nil {
		return fmt.Errorf("workspace %s: %w", w.id, err)
	}
	if err := w.resizeQuota(cfg.DiskQuota); err != nil {
		return err
	}
	cfg.Created = w.cfg.Created
	if err := writeConfig(w.layout().config(), cfg); err != nil {
		return fmt.Errorf("workspace %s: %w", w.id, err)
	}
	w.cfg = cfg
	return nil
}

// writeConfig writes cfg as the config file at path, atomically, mode 0600.
func writeConfig(path string, cfg WorkspaceConfig) error {
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o600)
}

// OpenOrCreateWorkspace opens workspace id, creating it with cfg if missing.
func (p *Platform) OpenOrCreateWorkspace(id string, cfg WorkspaceConfig) (*Workspace, error) {
	w, err := p.Workspace(id)
	if errors.Is(err, ErrWorkspaceNotFound) {
		w, err = p.CreateWorkspace(id, cfg)
		if errors.Is(err, ErrWorkspaceExists) {
			return p.Workspace(id)
		}
	}
	return w, err
}

// Workspaces returns the ids of all workspaces, sorted.
func (p *Platform) Workspaces() ([]string, error) {
	if err := p.checkOpen(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(p.workspacesDir())
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && ids.Validate("workspace", e.Name()) == nil {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// DeleteWorkspace removes workspace id and everything in it: config,
// sessions, memory (its database is closed first), credentials, skills
// enabled, home and files.
//
// # Notes
//
//   - Runs of the workspace in this process are stopped first (their
//     guests and jails end; their errors wrap ErrWorkspaceNotFound), and a
//     run that starts meanwhile fails with ErrWorkspaceNotFound: a run
//     either finishes before the delete or fails, never half.
//   - Runs or memory commands of another process holding the workspace
//     make it fail with ErrWorkspaceBusy.
//   - The directory is first renamed out of the namespace of ids
//     (atomically), so a crash midway leaves no half-deleted workspace
//     visible; the leftovers are removed by the next DeleteWorkspace.
func (p *Platform) DeleteWorkspace(id string) error {
	if err := p.checkOpen(); err != nil {
		return err
	}
	if err := ids.Validate("workspace", id); err != nil {
		return err
	}
	dir := p.workspaceDir(id)
	// A directory without config.json is deleted too: creation renames a
	// complete workspace into place, so such a directory is debris.
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrWorkspaceNotFound, id)
	}
	// This process's runs of the workspace are stopped (their errors
	// wrap ErrWorkspaceNotFound) and no new one starts until the delete
	// is over; another process's runs make it fail with ErrWorkspaceBusy.
	resume := p.runs.stopWorkspace(id, fmt.Errorf("%w: %s was deleted", ErrWorkspaceNotFound, id))
	defer resume()
	p.indexer.stop(id) // indexing a workspace about to go is wasted
	p.vaults.forget(id)
	if err := removeVolume(dir); err != nil {
		return fmt.Errorf("delete workspace %s: %w", id, err)
	}
	// Its own open file: this process's holders share another one
	// (runsLocks), whose shared lock excludes this exclusive one as
	// another process's would.
	runs := flock.New(layout{dir}.runsLock())
	if ok, err := runs.TryLock(); err != nil {
		return fmt.Errorf("delete workspace %s: %w", id, err)
	} else if !ok {
		return fmt.Errorf("%w: %s", ErrWorkspaceBusy, id)
	}
	defer runs.Unlock()
	root := p.workspacesDir()
	err := p.mem.withClosed(id, func() error {
		grave, err := os.MkdirTemp(root, deletedPrefix)
		if err != nil {
			return err
		}
		if err := os.Rename(dir, filepath.Join(grave, id)); err != nil {
			os.Remove(grave)
			return err
		}
		return atomicfile.SyncDir(root)
	})
	if err != nil {
		return fmt.Errorf("delete workspace %s: %w", id, err)
	}
	p.workspaceExt.drop(id)
	p.removeGraves(root)
	return nil
}

// graveAttempts is how many times removeGraves tries to remove one
// renamed-away workspace before leaving it to the next delete.
const graveAttempts = 5

// removeGraves removes every renamed-away workspace under root, and
// workspaces whose creation a crash interrupted more than an hour ago.
//
// # Notes
//
//   - The workspace is deleted once it is renamed away; this is clean-up.
//     A system call that resolved the old path just before the rename
//     (a sessions.Open making sessions/, say) can still create an entry
//     in the moved directory while it is being removed, so RemoveAll may
//     find it not empty: it is tried again, since no new lookup can reach
//     the grave, and what still remains is logged and left to the next
//     DeleteWorkspace.
func (p *Platform) removeGraves(root string) {
	graves, _ := filepath.Glob(filepath.Join(root, deletedPrefix+"*"))
	creating, _ := filepath.Glob(filepath.Join(root, creatingPrefix+"*"))
	for _, c := range creating {
		if fi, err := os.Stat(c); err == nil && time.Since(fi.ModTime()) > time.Hour {
			graves = append(graves, c)
		}
	}
	for _, g := range graves {
		var err error
		for attempt := range graveAttempts {
			if err = os.RemoveAll(g); err == nil {
				break
			}
			time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
		}
		if err != nil {
			p.log.Warn().Err(err).Str("path", g).Msg("delete workspace: debris left for the next delete")
		}
	}
}

// policyErr is the error of parsing hosts as an egress policy, or nil.
func policyErr(hosts []string) error {
	_, err := egress.ParsePolicy(hosts)
	return err
}
