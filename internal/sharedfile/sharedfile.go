package sharedfile

import (
	"fmt"
	"io/fs"
	"os"
	"sync"
	"syscall"
)

// Table holds the files its users opened, one open file per file, each
// with a state of type T made when the file is opened. Its methods are
// safe for concurrent use. A Table is meant to be a package-level
// variable: two Tables of one process open a file twice.
type Table[T any] struct {
	flag  int
	perm  fs.FileMode
	setup func(*os.File) (T, error)

	mu    sync.Mutex
	files map[fileID]*entry[T]
}

// fileID names a file: its device and inode numbers (stat(2)).
type fileID struct{ dev, ino uint64 }

// entry is one open file of a Table and the number of its holders.
type entry[T any] struct {
	id    fileID
	f     *os.File
	state T
	users int
}

// New returns a Table whose files are opened with flag (os.O_RDONLY,
// os.O_RDWR..., with os.O_CREATE to create a missing file with mode
// perm); O_CLOEXEC is always set, so no child process inherits them.
// setup is called when a file is opened, before its first user gets it,
// with the Table locked (it must not block): it returns the file's state,
// or an error that makes Open fail and closes the file (a lock the file
// cannot take, say).
func New[T any](flag int, perm fs.FileMode, setup func(*os.File) (T, error)) *Table[T] {
	return &Table[T]{flag: flag, perm: perm, setup: setup, files: map[fileID]*entry[T]{}}
}

// Handle is one user's hold of a file open in a Table.
type Handle[T any] struct {
	t       *Table[T]
	e       *entry[T]
	release sync.Once
}

// File returns the open file, shared by every holder: never close it.
func (h *Handle[T]) File() *os.File { return h.e.f }

// State returns the file's state, made by the Table's setup function and
// shared by every holder.
func (h *Handle[T]) State() T { return h.e.state }

// Open returns a hold of the file at path, opening it unless this process
// holds it open already. Release the hold when done. Errors are those of
// open(2), fstat(2) and the Table's setup function, wrapped with path.
func (t *Table[T]) Open(path string) (*Handle[T], error) {
	if fi, err := os.Stat(path); err == nil {
		t.mu.Lock()
		e := t.files[idOf(fi)]
		if e != nil {
			e.users++
		}
		t.mu.Unlock()
		if e != nil {
			return &Handle[T]{t: t, e: e}, nil
		}
	}
	f, err := os.OpenFile(path, t.flag, t.perm)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	id := idOf(fi)
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.files[id]; e != nil { // another user opened it meanwhile
		f.Close()
		e.users++
		return &Handle[T]{t: t, e: e}, nil
	}
	state, err := t.setup(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	e := &entry[T]{id: id, f: f, state: state, users: 1}
	t.files[id] = e
	return &Handle[T]{t: t, e: e}, nil
}

// Release ends the hold; the last holder's release closes the file,
// which drops the locks taken on it. Calling it again does nothing and
// returns nil.
func (h *Handle[T]) Release() error {
	var err error
	h.release.Do(func() {
		t := h.t
		t.mu.Lock()
		defer t.mu.Unlock()
		if h.e.users--; h.e.users == 0 {
			delete(t.files, h.e.id)
			err = h.e.f.Close()
		}
	})
	return err
}

// idOf returns the device and inode of the file fi describes.
func idOf(fi fs.FileInfo) fileID {
	st := fi.Sys().(*syscall.Stat_t)
	return fileID{dev: st.Dev, ino: st.Ino}
}
