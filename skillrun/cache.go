package skillrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"

	"github.com/bulkhead-dev/bulkhead/skills"
	"github.com/bulkhead-dev/bulkhead/wasmhost"
)

// maxModuleBytes is the largest execute.wasm read: the catalog's largest
// file.
const maxModuleBytes = skills.DefaultMaxFileBytes

// fileKey identifies the content of a file without reading it: the catalog
// never changes a file in place (a new version of a skill is a new folder
// renamed over the old one, so new inodes), and any write to a file changes
// its size or its modification and change times, which only the kernel
// sets.
type fileKey struct {
	dev, ino     uint64
	size         int64
	mtime, ctime syscall.Timespec
}

func keyOf(st *syscall.Stat_t) fileKey {
	return fileKey{dev: st.Dev, ino: st.Ino, size: st.Size, mtime: st.Mtim, ctime: st.Ctim}
}

// moduleCache keeps the compiled execute.wasm of the skills called most
// recently, so a call costs an open and an fstat(2), not a read and a
// compilation. Entries in use are never closed; an evicted one is closed
// when its last user is done.
type moduleCache struct {
	host *wasmhost.Host
	max  int

	mu      sync.Mutex
	entries map[fileKey]*cachedModule
	clock   uint64
}

// cachedModule is one compiled module, or its compilation in progress
// (ready open) or failed (err).
type cachedModule struct {
	ready   chan struct{}
	cmd     *wasmhost.Command
	err     error
	refs    int
	used    uint64
	evicted bool
}

func newModuleCache(host *wasmhost.Host, max int) *moduleCache {
	return &moduleCache{host: host, max: max, entries: map[fileKey]*cachedModule{}}
}

// acquire returns the compiled module of the WASM file at path and the
// function to call when the run is over.
func (c *moduleCache) acquire(ctx context.Context, path string) (*wasmhost.Command, func(), error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrNotExecutable, skills.WASMEntry, err)
	}
	defer f.Close()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return nil, nil, err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, nil, fmt.Errorf("%w: %s is not a regular file", ErrNotExecutable, skills.WASMEntry)
	}
	key := keyOf(&st)

	c.mu.Lock()
	e, found := c.entries[key]
	if !found {
		e = &cachedModule{ready: make(chan struct{})}
		c.entries[key] = e
	}
	c.clock++
	e.used = c.clock
	e.refs++
	c.evict()
	c.mu.Unlock()

	if !found {
		// Not cut short by this caller's context: other callers may be
		// waiting for the same module, and an error is kept for the file.
		e.cmd, e.err = c.compile(context.WithoutCancel(ctx), f, st.Size)
		close(e.ready)
	}
	release := func() { c.release(e) }
	select {
	case <-e.ready:
	case <-ctx.Done():
		release()
		return nil, nil, ctx.Err()
	}
	if e.err != nil {
		release()
		return nil, nil, e.err
	}
	return e.cmd, release, nil
}

// compile reads and compiles the module open as f, size bytes long.
func (c *moduleCache) compile(ctx context.Context, f *os.File, size int64) (*wasmhost.Command, error) {
	if size > maxModuleBytes {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than %d", ErrNotExecutable, skills.WASMEntry, size, maxModuleBytes)
	}
	wasm := make([]byte, size)
	if _, err := io.ReadFull(f, wasm); err != nil {
		return nil, fmt.Errorf("read %s: %w", skills.WASMEntry, err)
	}
	return c.host.CompileCommand(ctx, wasm)
}

// release ends one use of e; an evicted entry is closed by its last user.
func (c *moduleCache) release(e *cachedModule) {
	c.mu.Lock()
	e.refs--
	closeNow := e.evicted && e.refs == 0 && e.cmd != nil
	c.mu.Unlock()
	if closeNow {
		e.cmd.Close(context.Background())
	}
}

// evict drops the least recently used entries beyond max, closing those
// not in use. c.mu is held.
func (c *moduleCache) evict() {
	for len(c.entries) > c.max {
		var oldKey fileKey
		var old *cachedModule
		for k, e := range c.entries {
			if old == nil || e.used < old.used {
				oldKey, old = k, e
			}
		}
		delete(c.entries, oldKey)
		old.evicted = true
		if old.refs == 0 && old.cmd != nil {
			old.cmd.Close(context.Background())
		}
	}
}

// close evicts every entry; those in use are closed by their last user.
func (c *moduleCache) close(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for k, e := range c.entries {
		delete(c.entries, k)
		e.evicted = true
		if e.refs == 0 && e.cmd != nil {
			errs = append(errs, e.cmd.Close(ctx))
		}
	}
	return errors.Join(errs...)
}
