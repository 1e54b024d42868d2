package memory

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/vfs"
)

// ErrReplaced is returned when the database file at a Store's path is no
// longer the one the Store opened: its workspace was deleted, and maybe
// created again, by another process. A connection to the new file would
// mix two tenants' memories, so the Store refuses it; open a new Store.
var ErrReplaced = errors.New("memory database was replaced since the store opened it")

// filePin is the identity (device and inode) of the database file a
// Store's first connection opened; every later connection must have opened
// the same file (see check).
type filePin struct {
	mu   sync.Mutex
	file fs.FileInfo
}

// check records, for the first connection, or compares, for the others,
// the identity of the database file connection c has open, by fstat(2) of
// its descriptor (FCNTL_FILE_POINTER, https://sqlite.org/c3ref/c_fcntl_begin_atomic_write.html),
// not of the path, which another process may have renamed meanwhile.
func (p *filePin) check(c *sqlite3.Conn, path string) error {
	f, err := c.FileControl("main", sqlite3.FCNTL_FILE_POINTER)
	if err != nil {
		return fmt.Errorf("identify memory database %s: %w", path, err)
	}
	// The driver wraps the file (a checksum layer); the innermost file is
	// an *os.File's wrapper.
	for {
		w, ok := f.(vfs.FileUnwrap)
		if !ok {
			break
		}
		f = w.Unwrap()
	}
	st, ok := f.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return fmt.Errorf("identify memory database %s: its file layer hides the file", path)
	}
	fi, err := st.Stat()
	if err != nil {
		return fmt.Errorf("identify memory database %s: %w", path, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.file == nil:
		p.file = fi
	case !os.SameFile(p.file, fi):
		return fmt.Errorf("%w: %s", ErrReplaced, path)
	}
	return nil
}

// Current reports whether the database file at the Store's path is still
// the one it opened (false when the path is gone or names another file,
// as after another process deleted and re-created its workspace).
func (s *Store) Current() bool {
	s.pin.mu.Lock()
	file := s.pin.file
	s.pin.mu.Unlock()
	fi, err := os.Stat(s.path)
	return err == nil && file != nil && os.SameFile(fi, file)
}
