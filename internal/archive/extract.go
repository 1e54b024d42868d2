package archive

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Extractor creates a Reader's entries in a directory, through an
// os.Root, so that no name or link resolves outside it.
type Extractor struct {
	root *os.Root
	buf  []byte
	dirs []dirEntry // made so far: their modes and times are set by Finish
}

// dirEntry is a directory Extract made.
type dirEntry struct {
	name  string
	perm  fs.FileMode
	mtime time.Time
}

// NewExtractor returns an Extractor writing in root.
func NewExtractor(root *os.Root) *Extractor {
	return &Extractor{root: root, buf: make([]byte, 256<<10)}
}

// Extract creates entry e, the current entry of r, at name in the root:
// a directory (mode 0700 until Finish), a file with e's mode, time and
// content (verified by r as it is copied; a mismatch is r's error), or a
// symbolic link. It never replaces anything: a name that exists is an
// error, and the parent must exist.
//
// # Notes
//
//   - Files are not synced: the caller syncs the file system once
//     (syncfs(2)) when the whole archive is in.
func (x *Extractor) Extract(r *Reader, e *Entry, mtime time.Time, name string) error {
	switch e.Type {
	case TypeDir:
		if err := x.root.Mkdir(name, 0o700); err != nil {
			return fmt.Errorf("extract %q: %w", e.Path, err)
		}
		x.dirs = append(x.dirs, dirEntry{name, fs.FileMode(e.Mode), mtime})
		return nil
	case TypeSymlink:
		if err := x.root.Symlink(e.Target, name); err != nil {
			return fmt.Errorf("extract %q: %w", e.Path, err)
		}
		return nil
	}
	f, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("extract %q: %w", e.Path, err)
	}
	_, err = io.CopyBuffer(struct{ io.Writer }{f}, struct{ io.Reader }{r}, x.buf) // plain, to use buf
	if err == nil {
		err = f.Chmod(fs.FileMode(e.Mode))
	}
	if err == nil { // by descriptor: no second walk of the name
		tv := unix.NsecToTimeval(mtime.UnixNano())
		err = unix.Futimes(int(f.Fd()), []unix.Timeval{tv, tv})
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, ErrCorrupt) || errors.Is(err, ErrLimit) || errors.Is(err, ErrUnsafe) {
			return err // names the entry already
		}
		return fmt.Errorf("extract %q: %w", e.Path, err)
	}
	return nil
}

// Finish sets the modes and times of the directories made, deepest first
// (a directory's time changes when an entry is made in it).
func (x *Extractor) Finish() error {
	for _, d := range slices.Backward(x.dirs) {
		if err := x.root.Chmod(d.name, d.perm); err != nil {
			return fmt.Errorf("extract: %w", err)
		}
		if err := x.root.Chtimes(d.name, d.mtime, d.mtime); err != nil {
			return fmt.Errorf("extract: %w", err)
		}
	}
	return nil
}
