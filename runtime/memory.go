package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/bulkhead-dev/bulkhead/memory"
	"github.com/bulkhead-dev/bulkhead/memory/embedding"
)

// Memory returns the workspace's memory store (<dir>/memory/memory.db),
// shared with its runs, and the func that releases it (calling it again
// does nothing). Errors: ErrClosed; the workspace is being deleted; those
// of openStore (ErrWorkspaceNotFound, memory.ErrUnsafePath, memory.Open's).
//
// # Notes
//
//   - The caller holds the workspace in use (see Acquire) until release,
//     so that no process deletes it meanwhile.
//   - The platform keeps up to Options.MaxIdleMemories released stores
//     open for the next use and closes the least recently released beyond
//     that; a store in use is never closed this way.
//   - An idle store whose file was replaced anyway (the workspace deleted
//     and re-created by another process) is not handed out again (see
//     memory.Store.Current).
//   - DeleteWorkspace in this process and Close close a store even in
//     use: later calls to it fail with memory.ErrClosed.
//   - A slow open (an upgrade, a locked database) delays only callers of
//     the same workspace; after a failure the next call tries again.
func (w *Workspace) Memory() (*memory.Store, func(), error) {
	if err := w.p.checkOpen(); err != nil {
		return nil, nil, err
	}
	unlock, err := w.Acquire()
	if err != nil {
		return nil, nil, fmt.Errorf("memory of workspace %s: %w", w.id, err)
	}
	st, release, err := w.pooledMemory()
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return st, sync.OnceFunc(func() { release(); unlock() }), nil
}

// pooledMemory is Memory without the workspace lock.
func (w *Workspace) pooledMemory() (*memory.Store, func(), error) {
	return w.p.mem.get(w.id, func() (*memory.Store, error) { return w.openStore(w.memoryOptions(MemoryOptions{})) })
}

// MemoryOptions tune the store Workspace.OpenMemory opens. The zero value
// opens it as the workspace's runs do.
type MemoryOptions struct {
	// Embedder replaces the workspace's own (see Workspace.Embedder) for
	// this store. Nil: the workspace's, or none.
	Embedder embedding.Embedder
	// DisableBackfill keeps the store from embedding in the background
	// the memories that lack vectors (memory.Options.DisableBackfill),
	// for a caller too short-lived for background work, such as a CLI
	// command.
	DisableBackfill bool
}

// OpenMemory opens a store of the workspace's memory for the caller
// alone, with opts, and returns it with the func that closes it and
// releases the workspace (calling it again does nothing). Errors:
// ErrClosed; the workspace is being deleted; Acquire's; those of
// openStore and memory.Open, as they are.
//
// # Notes
//
//   - Unlike Memory's, the store is neither shared with the workspace's
//     runs nor kept open after it is released; the database file is the
//     same, and SQLite serialises the writers (see memory.Store).
//   - Otherwise it is Memory's: the same path and checks, the same
//     embedder unless opts names one, the workspace held in use until
//     release (DeleteWorkspace fails with ErrWorkspaceBusy meanwhile),
//     and Close closes it even in use.
func (w *Workspace) OpenMemory(opts MemoryOptions) (*memory.Store, func(), error) {
	if err := w.p.checkOpen(); err != nil {
		return nil, nil, err
	}
	unlock, err := w.Acquire()
	if err != nil {
		return nil, nil, err
	}
	st, release, err := w.p.mem.private(w.id, func() (*memory.Store, error) { return w.openStore(w.memoryOptions(opts)) })
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return st, sync.OnceFunc(func() { release(); unlock() }), nil
}

// openStore opens the workspace's memory database, <dir>/memory/memory.db,
// with opts. Errors: ErrWorkspaceNotFound when the workspace's directory
// is gone; memory.ErrUnsafePath when it is a symbolic link (which could
// lead to another workspace's memory) or not a directory: memory.Open
// checks from memory/ down, the runtime the workspace's directory; those
// of memory.Open.
func (w *Workspace) openStore(opts memory.Options) (*memory.Store, error) {
	fi, err := os.Lstat(w.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w: %s", ErrWorkspaceNotFound, w.id)
	case err != nil:
		return nil, err
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%w: %s is a symbolic link", memory.ErrUnsafePath, w.dir)
	case !fi.IsDir():
		return nil, fmt.Errorf("%w: %s is not a directory", memory.ErrUnsafePath, w.dir)
	}
	return memory.Open(w.layout().memoryDB(), opts)
}

// memoryOptions returns the options the workspace's memory stores open
// with: the platform's logger, opts.Embedder or else the workspace's own,
// and opts.DisableBackfill. A broken embedding setup is logged and
// degrades search to keywords; it never fails a run.
func (w *Workspace) memoryOptions(opts MemoryOptions) memory.Options {
	emb := opts.Embedder
	if emb == nil {
		var err error
		if emb, err = w.Embedder(); err != nil {
			w.p.log.Warn().Err(err).Str("workspace", w.id).Msg("memory: embeddings unavailable, keyword-only search")
		}
	}
	return memory.Options{Logger: w.p.log, Embedder: emb, DisableBackfill: opts.DisableBackfill}
}

// Embedder returns the embedding provider the workspace was created with
// (WorkspaceConfig.EmbeddingProvider and EmbeddingModel; its key and base
// URL come from the environment, see embedding.FromEnv), or nil when it has
// none. Errors: an unknown provider or a missing key (embedding.ErrConfig), and
// those of embedding.New; the Embedder is nil then.
func (w *Workspace) Embedder() (embedding.Embedder, error) {
	if w.cfg.EmbeddingProvider == "" {
		return nil, nil
	}
	cfg, err := embedding.FromEnv(w.cfg.EmbeddingProvider, w.cfg.EmbeddingModel, os.Getenv)
	if err != nil {
		return nil, err
	}
	emb, err := embedding.New(cfg)
	if err != nil {
		return nil, err
	}
	return emb, nil
}

// memoryTools adds the memory_store and memory_search tools of the
// workspace, served by its own database st, to tools. The model sees the
// errors it can act on (bad input, an unknown tool); any other, which may
// name host paths, is logged and reported to the model by its kind alone.
func (w *Workspace) memoryTools(st *memory.Store, tools map[string]hostTool) {
	for _, spec := range memory.ToolSpecs() {
		name := spec.Name
		tools[name] = func(ctx context.Context, _ ToolContext, input json.RawMessage) (string, bool) {
			if name == memory.ToolSearch {
				w.WaitIndexed(ctx) // the turns of the runs before this one
			}
			out, err := st.CallTool(ctx, name, input)
			switch {
			case err == nil:
				return out, false
			case errors.Is(err, memory.ErrInvalid), errors.Is(err, memory.ErrUnknownTool):
				return err.Error(), true
			}
			w.p.log.Warn().Err(err).Str("workspace", w.id).Str("tool", name).Msg("memory")
			return "memory is unavailable: " + memoryFault(err), true
		}
	}
}

// memoryFault names, for the model, the kind of a memory error that is not
// the model's own.
func memoryFault(err error) string {
	switch {
	case errors.Is(err, memory.ErrDamaged):
		return "its database is damaged"
	case errors.Is(err, memory.ErrNoSpace):
		return "the disk is full"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "the run was stopped"
	}
	return "an error on the host (logged there)"
}

// indexMemory schedules the update of the workspace's memory after a run,
// in the background (see indexer): the finished turns of its transcripts
// and its memory files (MEMORY.md, memory/*.md) in files/. Each pass holds
// the workspace (Acquire) and its pooled store; a workspace deleted
// meanwhile is skipped. Failures are logged: indexing never fails a run.
func (w *Workspace) indexMemory() {
	w.p.indexer.schedule(w, func(ctx context.Context) error {
		release, err := w.Acquire()
		if err != nil {
			return nil // being deleted: nothing left to index
		}
		defer release()
		st, releaseMem, err := w.pooledMemory()
		if err != nil {
			return err
		}
		defer releaseMem()
		_, serr := st.IndexSessions(ctx, w.layout().transcripts())
		_, ferr := st.IndexFiles(ctx, w.FilesDir())
		return errors.Join(serr, ferr)
	})
}

// WaitIndexed waits until the background indexing of the workspace's
// memory after its runs is done, ctx ends or IndexWaitLimit passes. Runs
// need not call it: their memory_search tool does.
func (w *Workspace) WaitIndexed(ctx context.Context) { w.p.indexer.wait(ctx, w.id) }
