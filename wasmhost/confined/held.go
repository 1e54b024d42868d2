//go:build linux

package confined

import (
	"os"
	"sync"
)

// heldDirs are the directories the guest holds open, by their name relative
// to the root (as OpenFile received it, cleaned). wazero names a path
// opened beneath a directory descriptor by joining the two (its path_open
// passes "dir/child"), so the file system would resolve every such path
// from the root again: a walk of a tree N levels deep cost O(N²) lookups.
// With the directory held, "dir/child" is resolved by one openat(2)
// relative to the held descriptor, as path_open's POSIX model has it.
//
// # Notes
//
//   - A held directory was opened beneath the root, and a single component
//     without a slash or ".." (what inParent passes to *at calls) cannot
//     leave it, so confinement does not depend on the name still naming
//     that directory: if it was renamed since, the child is looked up in
//     the directory the guest holds, which is what openat(2) would do.
//   - The descriptor is used through (*os.File).SyscallConn, whose
//     reference count keeps a concurrent Close from closing it mid-call.
type heldDirs struct {
	mu sync.Mutex
	m  map[string][]*os.File
}

// add records f, a directory opened as name.
func (h *heldDirs) add(name string, f *os.File) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[string][]*os.File{}
	}
	h.m[name] = append(h.m[name], f)
}

// remove forgets f, opened as name, when it is closed.
func (h *heldDirs) remove(name string, f *os.File) {
	h.mu.Lock()
	defer h.mu.Unlock()
	list := h.m[name]
	for i, g := range list {
		if g == f {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(h.m, name)
	} else {
		h.m[name] = list
	}
}

// get returns the directory most recently opened as name that is still
// open, or nil.
func (h *heldDirs) get(name string) *os.File {
	h.mu.Lock()
	defer h.mu.Unlock()
	if list := h.m[name]; len(list) > 0 {
		return list[len(list)-1]
	}
	return nil
}
