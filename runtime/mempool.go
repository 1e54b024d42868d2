package runtime

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/bulkhead-dev/bulkhead/memory"
	"github.com/rs/zerolog"
)

// DefaultMaxIdleMemories is the default of Options.MaxIdleMemories. An
// open memory store costs about 0.7 MiB (its SQLite connections, each a
// WebAssembly instance; measured with 50 stores), so the default bounds
// idle stores at about 45 MiB.
const DefaultMaxIdleMemories = 64

// memoryPool holds the memory stores of a platform's workspaces, one per
// workspace, shared by its users and kept open a while after the last
// release. It is safe for concurrent use.
//
// # Notes
//
//   - get hands out a workspace's store, opening it when the pool holds
//     none; release (the func get returns) ends one use. Up to maxIdle
//     stores without users stay open; beyond that the least recently
//     released is closed. A store in use is never closed that way.
//   - A store whose file was replaced (the workspace deleted and created
//     again by another process; see memory.Store.Current) is not handed
//     out again: it is detached from the pool, and its last release
//     closes it.
//   - private opens a store for one user alone (Workspace.OpenMemory),
//     detached from the start: its release closes it.
//   - withClosed closes a workspace's stores, in use or not, while the
//     workspace is removed; close closes every store for good.
//   - A store is opened and closed outside the lock, so that a slow open
//     (an upgrade, a locked database) or close (a checkpoint) delays only
//     the users of the same workspace.
type memoryPool struct {
	log     zerolog.Logger
	maxIdle int // Options.MaxIdleMemories

	mu       sync.Mutex
	open     map[string]*openMemory // by workspace id
	deleting map[string]bool        // workspaces whose removal is under way
	detached map[*openMemory]bool   // stores in use outside open: stale or private
	closed   bool                   // close has closed the stores
	releases uint64                 // releases so far, to order idle stores
}

// openMemory is a memory store the pool holds for workspace id: its users
// (runs and Memory callers that have not released it) and, once it has
// none, when it was released last, on the pool's release counter. While
// opening is not nil the store is being opened, outside the pool's lock,
// and st is nil; opening is closed then.
type openMemory struct {
	id       string
	st       *memory.Store
	users    int
	released uint64
	opening  chan struct{}
}

// newMemoryPool returns an empty pool keeping up to maxIdle stores open
// without users (DefaultMaxIdleMemories when maxIdle is not positive) and
// logging to log the close failures no caller sees.
func newMemoryPool(maxIdle int, log zerolog.Logger) *memoryPool {
	return &memoryPool{
		log:      log,
		maxIdle:  cmp.Or(max(maxIdle, 0), DefaultMaxIdleMemories),
		open:     map[string]*openMemory{},
		deleting: map[string]bool{},
		detached: map[*openMemory]bool{},
	}
}

// get returns workspace id's store, opened with open when the pool holds
// none, and the func that ends this use of it (calling it again does
// nothing). Callers of the same workspace wait for an open under way and
// share its store; after a failed open the next call tries again. Errors:
// the pool is closed (ErrClosed); the workspace is being removed; open's.
func (mp *memoryPool) get(id string, open func() (*memory.Store, error)) (*memory.Store, func(), error) {
	for {
		mp.mu.Lock()
		if err := mp.refusal(id); err != nil {
			mp.mu.Unlock()
			return nil, nil, err
		}
		om := mp.open[id]
		if om != nil && om.opening != nil {
			wait := om.opening
			mp.mu.Unlock()
			<-wait
			continue
		}
		var stale *memory.Store
		if om != nil && !om.st.Current() {
			delete(mp.open, id)
			if om.users == 0 {
				stale = om.st
			} else {
				mp.detached[om] = true // the last release, or close, closes it
			}
			om = nil
		}
		if om != nil {
			om.users++
			mp.mu.Unlock()
			return om.st, sync.OnceFunc(func() { mp.release(om) }), nil
		}
		om = &openMemory{id: id, users: 1, opening: make(chan struct{})}
		mp.open[id] = om
		mp.mu.Unlock()
		mp.closeQuietly(stale)
		return mp.publish(om, open)
	}
}

// refusal returns the error of get and private for workspace id while
// the pool is closed or the workspace being removed, else nil. mp.mu is
// held.
func (mp *memoryPool) refusal(id string) error {
	switch {
	case mp.closed:
		return fmt.Errorf("memory of workspace %s: %w", id, ErrClosed)
	case mp.deleting[id]:
		return fmt.Errorf("memory of workspace %s: the workspace is being deleted", id)
	}
	return nil
}

// private opens a store of workspace id with open for one user alone,
// not shared and not kept: the func it returns closes it (calling it
// again does nothing), and withClosed and close close it as they do the
// shared ones. Errors: those of refusal; open's, as they are.
func (mp *memoryPool) private(id string, open func() (*memory.Store, error)) (*memory.Store, func(), error) {
	mp.mu.Lock()
	if err := mp.refusal(id); err != nil {
		mp.mu.Unlock()
		return nil, nil, err
	}
	om := &openMemory{id: id, users: 1}
	mp.detached[om] = true // st nil: withClosed and close only drop it
	mp.mu.Unlock()
	st, err := open()
	mp.mu.Lock()
	defer mp.mu.Unlock()
	switch {
	case err != nil:
		delete(mp.detached, om)
		return nil, nil, err
	case !mp.detached[om]:
		st.Close()
		return nil, nil, fmt.Errorf("memory of workspace %s: the workspace is being deleted, or the platform closed", id)
	}
	om.st = st
	return st, sync.OnceFunc(func() { mp.release(om) }), nil
}

// publish opens the store of om, which get has just put in the pool with
// one user, and publishes it, unless the workspace was removed or the
// pool closed meanwhile.
func (mp *memoryPool) publish(om *openMemory, open func() (*memory.Store, error)) (*memory.Store, func(), error) {
	st, err := open()
	mp.mu.Lock()
	defer mp.mu.Unlock()
	close(om.opening)
	om.opening = nil
	kept := mp.open[om.id] == om
	if err != nil || !kept {
		if kept {
			delete(mp.open, om.id)
		}
		if st != nil {
			st.Close()
		}
		if err == nil {
			err = errors.New("the workspace is being deleted, or the platform closed")
		}
		return nil, nil, fmt.Errorf("memory of workspace %s: %w", om.id, err)
	}
	om.st = st
	return st, sync.OnceFunc(func() { mp.release(om) }), nil
}

// release ends one use of om and closes the idle stores beyond the limit,
// and om itself when it has left the pool and has no users left.
func (mp *memoryPool) release(om *openMemory) {
	mp.mu.Lock()
	om.users--
	mp.releases++
	om.released = mp.releases
	var closing []*memory.Store
	if om.users == 0 && mp.detached[om] {
		delete(mp.detached, om)
		closing = append(closing, om.st)
	}
	var idle []string
	for id, o := range mp.open {
		if o.users == 0 {
			idle = append(idle, id)
		}
	}
	if excess := len(idle) - mp.maxIdle; excess > 0 {
		slices.SortFunc(idle, func(a, b string) int { return cmp.Compare(mp.open[a].released, mp.open[b].released) })
		for _, id := range idle[:excess] {
			closing = append(closing, mp.open[id].st)
			delete(mp.open, id)
		}
	}
	mp.mu.Unlock()
	// Closed outside the lock: a close checkpoints the write-ahead log,
	// and other workspaces' runs need the lock meanwhile.
	for _, st := range closing {
		mp.closeQuietly(st)
	}
}

// closeQuietly closes st, if not nil, logging a failure other than a
// close already done (withClosed closes stores in use).
func (mp *memoryPool) closeQuietly(st *memory.Store) {
	if st == nil {
		return
	}
	if err := st.Close(); err != nil && !errors.Is(err, memory.ErrClosed) {
		mp.log.Warn().Err(err).Str("path", st.Path()).Msg("memory: close store")
	}
}

// withClosed closes the stores of workspace id, in use or not, and runs
// remove (the workspace's removal) while get and private refuse the
// workspace, so that no store of the removed directory is opened again
// and handed, from the pool, to a workspace created later with the same
// id. A store being opened meanwhile is closed by its opener.
func (mp *memoryPool) withClosed(id string, remove func() error) error {
	mp.mu.Lock()
	var closing []*openMemory
	if om := mp.open[id]; om != nil {
		closing = append(closing, om)
	}
	delete(mp.open, id)
	for om := range mp.detached {
		if om.id == id {
			closing = append(closing, om)
			delete(mp.detached, om)
		}
	}
	mp.deleting[id] = true
	mp.mu.Unlock()
	// In use or not, they are closed here (and their late releases do
	// nothing).
	defer func() {
		mp.mu.Lock()
		delete(mp.deleting, id)
		mp.mu.Unlock()
	}()
	for _, om := range closing {
		if om.st == nil {
			continue
		}
		if err := om.st.Close(); err != nil && !errors.Is(err, memory.ErrClosed) {
			return fmt.Errorf("close memory: %w", err)
		}
	}
	return remove()
}

// close closes every open store, for Platform.Close; later gets fail, and
// stores being opened are closed by their openers.
func (mp *memoryPool) close() []error {
	mp.mu.Lock()
	open := slices.Collect(maps.Values(mp.open))
	for om := range mp.detached {
		open = append(open, om)
	}
	mp.open, mp.detached = map[string]*openMemory{}, map[*openMemory]bool{}
	mp.closed = true
	mp.mu.Unlock()
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
