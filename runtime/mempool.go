package runtime

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/bulkhead-dev/bulkhead/memory"
)

// DefaultMaxIdleMemories is the default of Options.MaxIdleMemories. An
// open memory store costs about 0.7 MiB (its SQLite connections, each a
// WebAssembly instance; measured with 50 stores), so the default bounds
// idle stores at about 45 MiB.
const DefaultMaxIdleMemories = 64

// openMemory is a memory store the platform holds open: its users (runs
// and Memory callers that have not released it) and, once it has none,
// when it was released last, on the platform's release counter.
type openMemory struct {
	st       *memory.Store
	users    int
	released uint64
}

// Memory returns the workspace's memory store (<dir>/memory/memory.db),
// opening it when the platform does not hold it open, and a release
// function to call when done with it (calling it again does nothing).
// Runs of the workspace share the store. The platform keeps up to
// Options.MaxIdleMemories released stores open for the next use and
// closes the least recently released beyond that; a store in use is
// never closed this way. DeleteWorkspace and Close close a store even in
// use: later calls to it fail with memory.ErrClosed. After a failure the
// next call tries again. Errors: the workspace is being deleted; the
// platform is closed; those of memory.OpenWorkspace.
func (w *Workspace) Memory() (*memory.Store, func(), error) {
	p := w.p
	p.memMu.Lock()
	defer p.memMu.Unlock()
	switch {
	case p.memClosed:
		return nil, nil, fmt.Errorf("memory of workspace %s: the platform is closed", w.id)
	case p.memDeleting[w.id]:
		return nil, nil, fmt.Errorf("memory of workspace %s: the workspace is being deleted", w.id)
	}
	om, ok := p.mem[w.id]
	if !ok {
		st, err := memory.OpenWorkspace(w.dir, w.memoryOptions())
		if err != nil {
			return nil, nil, fmt.Errorf("memory of workspace %s: %w", w.id, err)
		}
		om = &openMemory{st: st}
		p.mem[w.id] = om
	}
	om.users++
	return om.st, sync.OnceFunc(func() { p.releaseMemory(om) }), nil
}

// releaseMemory ends one use of om and closes the idle stores beyond
// the limit.
func (p *Platform) releaseMemory(om *openMemory) {
	p.memMu.Lock()
	om.users--
	p.memReleases++
	om.released = p.memReleases
	var idle []string
	for id, o := range p.mem {
		if o.users == 0 {
			idle = append(idle, id)
		}
	}
	var closing []*memory.Store
	if excess := len(idle) - p.maxIdleMem; excess > 0 {
		slices.SortFunc(idle, func(a, b string) int { return cmp.Compare(p.mem[a].released, p.mem[b].released) })
		for _, id := range idle[:excess] {
			closing = append(closing, p.mem[id].st)
			delete(p.mem, id)
		}
	}
	p.memMu.Unlock()
	// Closed outside the lock: a close checkpoints the write-ahead log,
	// and other workspaces' runs need the lock meanwhile.
	for _, st := range closing {
		if err := st.Close(); err != nil {
			p.log.Warn().Err(err).Str("path", st.Path()).Msg("memory: close idle store")
		}
	}
}

// withMemoryClosed closes the memory store of workspace id, in use or
// not, and runs remove (the workspace's removal) while Memory refuses the
// workspace, so that no store of the removed directory is opened again
// and handed, from the pool, to a workspace created later with the same
// id.
func (p *Platform) withMemoryClosed(id string, remove func() error) error {
	p.memMu.Lock()
	om := p.mem[id]
	delete(p.mem, id)
	p.memDeleting[id] = true
	p.memMu.Unlock()
	defer func() {
		p.memMu.Lock()
		delete(p.memDeleting, id)
		p.memMu.Unlock()
	}()
	if om != nil {
		if err := om.st.Close(); err != nil {
			return fmt.Errorf("close memory: %w", err)
		}
	}
	return remove()
}

// closeMemories closes every open memory store, for Platform.Close; later
// Memory calls fail.
func (p *Platform) closeMemories() []error {
	p.memMu.Lock()
	open := p.mem
	p.mem = map[string]*openMemory{}
	p.memClosed = true
	p.memMu.Unlock()
	var errs []error
	for _, om := range open {
		errs = append(errs, om.st.Close())
	}
	return errs
}
