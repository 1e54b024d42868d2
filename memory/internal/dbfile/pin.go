package dbfile

import (
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/vfs"
)

// Pin is the identity (device and inode) of the database file the first of
// a pool's connections opened; every later connection must have opened the
// same file (see Check). The zero Pin is unset. A Pin is safe for
// concurrent use.
type Pin struct {
	mu   sync.Mutex
	file fs.FileInfo
}

// Check records, for the first connection, or compares, for the others, the
// identity of the database file connection c has open, by fstat(2) of its
// descriptor (FCNTL_FILE_POINTER,
// https://sqlite.org/c3ref/c_fcntl_begin_atomic_write.html), not of path,
// which another process may have renamed meanwhile. Errors: ErrReplaced
// when c has another file open than the first connection had.
func (p *Pin) Check(c *sqlite3.Conn, path string) error {
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

// Current reports whether path still names the pinned file (false when
// nothing is pinned yet, or when the path is gone or names another file).
func (p *Pin) Current(path string) bool {
	p.mu.Lock()
	file := p.file
	p.mu.Unlock()
	fi, err := os.Stat(path)
	return err == nil && file != nil && os.SameFile(fi, file)
}
