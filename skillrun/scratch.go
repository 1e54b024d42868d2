package skillrun

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
)

// maxPooledScratch is how many empty scratch directories wait for reuse.
const maxPooledScratch = 16

// scratchPrefix begins the name of every directory the executor makes in
// Options.ScratchDir.
const scratchPrefix = "bulkhead-skill-"

// scratchDirs hands out the host directories of a call: a private,
// writable scratch directory per WASM call, and one shared empty directory
// that native skills without workspace access see, read-only, as
// /workspace.
//
// Making and removing a directory costs a journal transaction on most disk
// file systems (a quarter of a millisecond at the median on ext4, several
// at the tail under load), more than the rest of a WASM call. So a scratch
// directory the skill left empty, with its mode unchanged, goes back to a
// small pool instead of being removed; anything else is removed. The
// empty directory is made once: jails mount it read-only, so it stays
// empty.
type scratchDirs struct {
	base string

	mu    sync.Mutex
	free  []string
	empty string
}

// get returns a new or pooled empty scratch directory, mode 0700.
func (s *scratchDirs) get() (string, error) {
	s.mu.Lock()
	if n := len(s.free); n > 0 {
		d := s.free[n-1]
		s.free = s.free[:n-1]
		s.mu.Unlock()
		return d, nil
	}
	s.mu.Unlock()
	d, err := os.MkdirTemp(s.base, scratchPrefix)
	if err != nil {
		return "", fmt.Errorf("scratch directory: %w", err)
	}
	return d, nil
}

// put takes back a scratch directory after its call: pooled when it is
// still an empty directory of mode 0700 and the pool has room, removed
// otherwise.
func (s *scratchDirs) put(d string) {
	if isEmptyDir(d) {
		s.mu.Lock()
		if len(s.free) < maxPooledScratch {
			s.free = append(s.free, d)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
	os.RemoveAll(d)
}

// isEmptyDir reports whether d is a directory of mode 0700 with no entry.
func isEmptyDir(d string) bool {
	fi, err := os.Lstat(d)
	if err != nil || !fi.IsDir() || fi.Mode() != fs.ModeDir|0o700 {
		return false
	}
	f, err := os.Open(d)
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	return errors.Is(err, io.EOF)
}

// emptyDir returns the shared empty directory, making it (mode 0555) on
// first use or when something removed it.
func (s *scratchDirs) emptyDir() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.empty != "" {
		if fi, err := os.Lstat(s.empty); err == nil && fi.IsDir() {
			return s.empty, nil
		}
	}
	d, err := os.MkdirTemp(s.base, scratchPrefix+"empty-")
	if err == nil {
		err = os.Chmod(d, 0o555)
	}
	if err != nil {
		return "", fmt.Errorf("empty workspace directory: %w", err)
	}
	s.empty = d
	return d, nil
}

// close removes the pooled and the empty directories.
func (s *scratchDirs) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.free {
		os.RemoveAll(d)
	}
	s.free = nil
	if s.empty != "" {
		os.Remove(s.empty)
		s.empty = ""
	}
}
