package wasmhost

import (
	"sync/atomic"

	"github.com/tetratelabs/wazero/experimental"
)

// memoryCap is the linear memory allocator of one command run
// (experimental.MemoryAllocator): it refuses to grow a memory beyond limit
// bytes and remembers that it did, which is how RunCommand tells a guest
// out of memory from one that failed otherwise.
type memoryCap struct {
	limit   uint64
	refused atomic.Bool
}

// Allocate implements experimental.MemoryAllocator; cap is the suggested
// initial capacity of the backing slice.
func (m *memoryCap) Allocate(cap, _ uint64) experimental.LinearMemory {
	return &linearMemory{buf: make([]byte, 0, min(cap, m.limit)), owner: m}
}

// linearMemory is one guest memory. Growing it past its capacity copies it
// into a slice of double the capacity, at most the limit, so a guest that
// grows page by page costs amortised constant time per page.
type linearMemory struct {
	buf   []byte
	owner *memoryCap
}

// Reallocate implements experimental.LinearMemory: the memory becomes size
// bytes long, the new bytes zero, or nil is returned when size is over the
// limit (the guest's memory.grow then returns -1).
func (l *linearMemory) Reallocate(size uint64) []byte {
	if size > l.owner.limit {
		l.owner.refused.Store(true)
		return nil
	}
	if size <= uint64(cap(l.buf)) {
		// Wasm memories never shrink, so the bytes between the old length
		// and size were never handed out: still zero.
		l.buf = l.buf[:size]
		return l.buf
	}
	grown := make([]byte, size, max(size, min(2*uint64(cap(l.buf)), l.owner.limit)))
	copy(grown, l.buf)
	l.buf = grown
	return grown
}

// Free implements experimental.LinearMemory.
func (l *linearMemory) Free() { l.buf = nil }
