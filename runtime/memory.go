package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bulkhead-dev/bulkhead/memory"
	"github.com/bulkhead-dev/bulkhead/memory/embed"
)

// Memory returns the workspace's memory store (<dir>/memory/memory.db),
// opening it on first use. The platform keeps it open, shared by the
// workspace's runs, until DeleteWorkspace or Close; after a failure the
// next call tries again. Errors come from memory.OpenWorkspace.
func (w *Workspace) Memory() (*memory.Store, error) {
	w.p.memMu.Lock()
	defer w.p.memMu.Unlock()
	if st, ok := w.p.mem[w.id]; ok {
		return st, nil
	}
	opts := memory.Options{Logger: w.p.log}
	emb, err := w.Embedder()
	if err != nil {
		// A broken embedding setup degrades search to keywords; it never
		// fails a run.
		w.p.log.Warn().Err(err).Str("workspace", w.id).Msg("memory: embeddings unavailable, keyword-only search")
	}
	opts.Embedder = emb
	st, err := memory.OpenWorkspace(w.dir, opts)
	if err != nil {
		return nil, fmt.Errorf("memory of workspace %s: %w", w.id, err)
	}
	w.p.mem[w.id] = st
	return st, nil
}

// Embedder returns the embedding provider the workspace was created with
// (WorkspaceConfig.EmbeddingProvider and EmbeddingModel; its key and base
// URL come from the environment, see embed.FromEnv), or nil when it has
// none. Errors: an unknown provider or a missing key (embed.ErrConfig), and
// those of embed.New; the Embedder is nil then.
func (w *Workspace) Embedder() (embed.Embedder, error) {
	if w.cfg.EmbeddingProvider == "" {
		return nil, nil
	}
	cfg, err := embed.FromEnv(w.cfg.EmbeddingProvider, w.cfg.EmbeddingModel, os.Getenv)
	if err != nil {
		return nil, err
	}
	emb, err := embed.New(cfg)
	if err != nil {
		return nil, err
	}
	return emb, nil
}

// closeMemory closes the memory store of workspace id, if open.
func (p *Platform) closeMemory(id string) error {
	p.memMu.Lock()
	defer p.memMu.Unlock()
	st, ok := p.mem[id]
	if !ok {
		return nil
	}
	delete(p.mem, id)
	return st.Close()
}

// memoryTools adds the memory_store and memory_search tools of the
// workspace, served by its own database st, to tools. The model sees the
// errors it can act on (bad input, an unknown tool); any other, which may
// name host paths, is logged and reported to the model by its kind alone.
func (w *Workspace) memoryTools(st *memory.Store, tools map[string]hostTool) {
	for _, spec := range memory.ToolSpecs() {
		name := spec.Name
		tools[name] = func(ctx context.Context, input json.RawMessage) (string, bool) {
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

// indexMemory brings the workspace's memory st up to date after a run: the
// finished turns of its transcripts and its memory files (MEMORY.md,
// memory/*.md) in files/. Failures are logged: indexing never fails a run.
func (w *Workspace) indexMemory(ctx context.Context, st *memory.Store) {
	if _, err := st.IndexSessions(ctx, filepath.Join(w.dir, "sessions")); err != nil {
		w.p.log.Warn().Err(err).Str("workspace", w.id).Msg("index sessions")
	}
	if _, err := st.IndexFiles(ctx, w.FilesDir()); err != nil {
		w.p.log.Warn().Err(err).Str("workspace", w.id).Msg("index memory files")
	}
}
