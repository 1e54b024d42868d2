package wasmhost

import (
	"sync/atomic"

	"github.com/tetratelabs/wazero/experimental"
	"golang.org/x/sys/unix"
)

// memoryCap is the linear memory allocator of one command run
// (experimental.MemoryAllocator): it refuses to grow a memory beyond limit
// bytes and remembers that it did, which is how RunCommand tells a guest
// out of memory from one that failed otherwise.
type memoryCap struct {
	limit   uint64
	refused atomic.Bool
}

// Allocate implements experimental.MemoryAllocator. It reserves the
// largest size the memory may reach (the module's maximum, at most the
// limit) as private anonymous pages (mmap(2) MAP_NORESERVE), which the
// kernel supplies, zeroed, when first touched: growing never copies or
// clears anything, and a page the guest never touches costs nothing.
//
// # Notes
//
//   - A reservation that fails (address space exhausted) yields a memory
//     that cannot grow at all; the guest sees memory.grow fail.
func (m *memoryCap) Allocate(_, max uint64) experimental.LinearMemory {
	size := min(max, m.limit)
	if size == 0 {
		return &linearMemory{owner: m}
	}
	buf, err := unix.Mmap(-1, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return &linearMemory{owner: m}
	}
	return &linearMemory{reserved: buf, owner: m}
}

// linearMemory is one guest memory inside its reservation.
type linearMemory struct {
	reserved []byte
	owner    *memoryCap
}

// Reallocate implements experimental.LinearMemory: the memory becomes size
// bytes long, or nil is returned when size is over the reservation (the
// guest's memory.grow then returns -1). Wasm memories never shrink, so the
// bytes past the old length were never handed out: still zero.
func (l *linearMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(l.reserved)) {
		l.owner.refused.Store(true)
		return nil
	}
	return l.reserved[:size]
}

// Free implements experimental.LinearMemory: it unmaps the reservation.
// wazero calls it when the module instance is closed.
func (l *linearMemory) Free() {
	if l.reserved != nil {
		unix.Munmap(l.reserved)
		l.reserved = nil
	}
}
