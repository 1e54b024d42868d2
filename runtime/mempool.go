package runtime

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/bulkhead-dev/bulkhead/memory"
)

// DefaultMaxIdleMemories is the default of Options.MaxIdleMemories. An
// open memory store costs about 0.7 MiB (its SQLite connections, each a
// WebAssembly instance; measured with 50 stores), so the default bounds
// idle stores at about 45 MiB.
const DefaultMaxIdleMemories = 64

// openMemory is a memory store the platform holds for workspace id: its
// users (runs and Memory callers that have not released it) and, once it
// has none, when it was released last, on the platform's release counter.
// While opening is not nil the store is being opened, outside the pool's
// lock, and st is nil; opening is closed then.
type openMemory struct {
	id       string
	st       *memory.Store
	users    int
	released uint64
	opening  chan struct{}
}

// Memory returns the workspace's memory store (<dir>/memory/memory.db),
// opening it when the platform does not hold it open, and a release
// function to call when done with it (calling it again does nothing).
// Runs of the workspace share the store. The platform keeps up to
// Options.MaxIdleMemories released stores open for the next use and
// closes the least recently released beyond that; a store in use is
// never closed this way. Each caller holds the workspace in use (see
// Acquire) until release, so that no process deletes it meanwhile; an
// idle store whose file was replaced anyway (the workspace deleted and
// re-created by another process) is not handed out again (see
// memory.Store.Current). DeleteWorkspace in this process and Close close a
// store even in use: later calls to it fail with memory.ErrClosed. A slow open (an upgrade, a locked database)
// delays only callers of the same workspace. After a failure the next
// call tries again. Errors: the workspace is being deleted; the platform
// is closed; those of Workspace.openStore.
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
	p := w.p
	for {
		p.memMu.Lock()
		switch {
		case p.memClosed:
			p.memMu.Unlock()
			return nil, nil, fmt.Errorf("memory of workspace %s: %w", w.id, ErrClosed)
		case p.memDeleting[w.id]:
			p.memMu.Unlock()
			return nil, nil, fmt.Errorf("memory of workspace %s: the workspace is being deleted", w.id)
		}
		om := p.mem[w.id]
		if om != nil && om.opening != nil {
			wait := om.opening
			p.memMu.Unlock()
			<-wait
			continue
		}
		var stale *memory.Store
		if om != nil && !om.st.Current() {
			delete(p.mem, w.id)
			if om.users == 0 {
				stale = om.st
			} else {
				p.memOrphans[om] = true // the last release, or Close, closes it
			}
			om = nil
		}
		if om != nil {
			om.users++
			p.memMu.Unlock()
			return om.st, sync.OnceFunc(func() { p.releaseMemory(om) }), nil
		}
		om = &openMemory{id: w.id, users: 1, opening: make(chan struct{})}
		p.mem[w.id] = om
		p.memMu.Unlock()
		closeQuietly(p, stale)
		return w.openPooled(om)
	}
}

// openPooled opens the store of om, which Memory has just put in the pool
// with one user, and publishes it, unless the workspace was deleted or the
// platform closed meanwhile.
func (w *Workspace) openPooled(om *openMemory) (*memory.Store, func(), error) {
	p := w.p
	st, err := w.openStore(w.memoryOptions())
	p.memMu.Lock()
	defer p.memMu.Unlock()
	close(om.opening)
	om.opening = nil
	kept := p.mem[w.id] == om
	if err != nil || !kept {
		if kept {
			delete(p.mem, w.id)
		}
		if st != nil {
			st.Close()
		}
		if err == nil {
			err = errors.New("the workspace is being deleted, or the platform closed")
		}
		return nil, nil, fmt.Errorf("memory of workspace %s: %w", w.id, err)
	}
	om.st = st
	return st, sync.OnceFunc(func() { p.releaseMemory(om) }), nil
}

// releaseMemory ends one use of om and closes the idle stores beyond the
// limit, and om itself when it has left the pool and has no users left.
func (p *Platform) releaseMemory(om *openMemory) {
	p.memMu.Lock()
	om.users--
	p.memReleases++
	om.released = p.memReleases
	var closing []*memory.Store
	if p.mem[om.id] != om && om.users == 0 && p.memOrphans[om] {
		delete(p.memOrphans, om)
		closing = append(closing, om.st)
	}
	var idle []string
	for id, o := range p.mem {
		if o.users == 0 {
			idle = append(idle, id)
		}
	}
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
		closeQuietly(p, st)
	}
}

// closeQuietly closes st, if not nil, logging a failure other than a
// close already done (DeleteWorkspace closes stores in use).
func closeQuietly(p *Platform, st *memory.Store) {
	if st == nil {
		return
	}
	if err := st.Close(); err != nil && !errors.Is(err, memory.ErrClosed) {
		p.log.Warn().Err(err).Str("path", st.Path()).Msg("memory: close store")
	}
}

// withMemoryClosed closes the memory store of workspace id, in use or
// not, and runs remove (the workspace's removal) while Memory refuses the
// workspace, so that no store of the removed directory is opened again
// and handed, from the pool, to a workspace created later with the same
// id. A store being opened meanwhile is closed by its opener.
func (p *Platform) withMemoryClosed(id string, remove func() error) error {
	p.memMu.Lock()
	om := p.mem[id]
	delete(p.mem, id)
	p.memDeleting[id] = true
	p.memMu.Unlock()
	// In use or not, it is closed here (and its late releases do nothing).
	defer func() {
		p.memMu.Lock()
		delete(p.memDeleting, id)
		p.memMu.Unlock()
	}()
	if om != nil && om.st != nil {
		if err := om.st.Close(); err != nil && !errors.Is(err, memory.ErrClosed) {
			return fmt.Errorf("close memory: %w", err)
		}
	}
	return remove()
}

// closeMemories closes every open memory store, for Platform.Close; later
// Memory calls fail, and stores being opened are closed by their openers.
func (p *Platform) closeMemories() []error {
	p.memMu.Lock()
	open := slices.Collect(maps.Values(p.mem))
	for om := range p.memOrphans {
		open = append(open, om)
	}
	p.mem, p.memOrphans = map[string]*openMemory{}, map[*openMemory]bool{}
	p.memClosed = true
	p.memMu.Unlock()
	var errs []error
	for _, om := range open {
		if om.st != nil {
			if err := om.st.Close(); err != nil && !errors.Is(err, memory.ErrClosed) {
				errs = append(errs, err)
			}
		}
	}
	return errs
}
