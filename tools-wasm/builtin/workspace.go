package builtin

import (
	"io/fs"
	"os"
	"sync"
)

// workspace is a Toolbox's open root directory, opened by its first call and
// reused by later ones: inside the guest a Toolbox lives for one agent run,
// and opening the root again for every call would cost more than a small
// read itself.
//
// Each call still starts with a stat(2) of the directory path. When the path
// names another directory than the cached root (the workspace was replaced,
// or renamed and created again), the root is opened again, so a call always
// acts on the directory its path names when it starts, as it did when every
// call opened the root itself. A root that is no longer current is closed
// when the last call using it releases it.
type workspace struct {
	mu  sync.Mutex
	cur *openRoot // nil until the first call and after the path failed
}

// openRoot is one opened root directory and the number of calls using it.
type openRoot struct {
	root  *os.Root
	id    fs.FileInfo // the directory as opened, for os.SameFile
	users int
}

// acquire returns the root for dir, opening it when there is no cached root
// or dir names another directory now; the caller must pass it to release.
// Errors: dir cannot be stat'ed or opened as an os.Root (*fs.PathError).
func (w *workspace) acquire(dir string) (*openRoot, error) {
	info, statErr := os.Stat(dir)
	w.mu.Lock()
	defer w.mu.Unlock()
	if statErr == nil && w.cur != nil && os.SameFile(info, w.cur.id) {
		w.cur.users++
		return w.cur, nil
	}
	w.retire()
	if statErr != nil {
		return nil, statErr
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	id, err := root.Stat(".")
	if err != nil {
		root.Close()
		return nil, err
	}
	w.cur = &openRoot{root: root, id: id, users: 1}
	return w.cur, nil
}

// release ends one call's use of r, closing r if it is no longer current
// and no other call uses it.
func (w *workspace) release(r *openRoot) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if r.users--; r.users == 0 && r != w.cur {
		r.root.Close()
	}
}

// retire drops the current root, closing it now if no call uses it (else
// release closes it). w.mu must be held.
func (w *workspace) retire() {
	if w.cur != nil && w.cur.users == 0 {
		w.cur.root.Close()
	}
	w.cur = nil
}
