package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
	"golang.org/x/sys/unix"

	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// moveIntoPlace moves the assembled workspace to its id (swapping out an
// existing one with Replace) and opens it, mounting its quota volume. The
// volume is unmounted for the move, so that only a plain directory is
// renamed.
func (im *importer) moveIntoPlace() (*Workspace, error) {
	if im.cfg.DiskQuota > 0 {
		if err := im.volume().Unmount(); err != nil {
			return nil, err
		}
	}
	replaced, err := im.p.putWorkspace(im.wsDir(), im.id, im.opts.Replace)
	if err != nil {
		return nil, err
	}
	im.stats.Replaced = replaced
	w, err := im.p.Workspace(im.id)
	if err != nil {
		return nil, err
	}
	if err := w.ensureData(); err != nil {
		return nil, err
	}
	return w, nil
}

// putWorkspace moves the complete workspace directory src to id's place.
// Without replace an existing id is ErrWorkspaceExists. With it the two
// are swapped (src then holds the old workspace), once no run of id is in
// progress, here or in another process (ErrWorkspaceBusy), and none can
// start until the swap is done; id's memory store, vault and indexing in
// this process are closed first.
func (p *Platform) putWorkspace(src, id string, replace bool) (replaced bool, err error) {
	dir := p.workspaceDir(id)
	if !replace {
		return false, renameNoReplace(src, dir, id)
	}
	release, ok := p.runs.hold(id)
	if !ok {
		return false, fmt.Errorf("%w: %s", ErrWorkspaceBusy, id)
	}
	defer release()
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return false, renameNoReplace(src, dir, id)
	}
	lk := flock.New(filepath.Join(dir, runsLockName))
	if ok, err := lk.TryLock(); err != nil {
		return false, err
	} else if !ok {
		return false, fmt.Errorf("%w: %s", ErrWorkspaceBusy, id)
	}
	defer lk.Unlock()
	p.indexer.stop(id)
	p.vaults.forget(id)
	err = p.mem.withClosed(id, func() error { return swapWorkspace(src, dir, id) })
	return err == nil, err
}

// workspaceBusy reports whether workspace id has runs in progress, in this
// process or (holding its runs lock) another.
func (p *Platform) workspaceBusy(id string) bool {
	release, ok := p.runs.hold(id)
	if !ok {
		return true
	}
	defer release()
	lk := flock.New(filepath.Join(p.workspaceDir(id), runsLockName))
	ok, err := lk.TryLock()
	if ok {
		lk.Unlock()
	}
	return err != nil || !ok
}

// renameNoReplace renames src to dir unless dir exists
// (renameat2(2) RENAME_NOREPLACE; a plain rename where the file system
// lacks it, which fails on a non-empty dir), and syncs the directory.
func renameNoReplace(src, dir, id string) error {
	err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dir, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) {
		err = os.Rename(src, dir)
	}
	if errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOTEMPTY) {
		return fmt.Errorf("%w: %s", ErrWorkspaceExists, id)
	}
	if err != nil {
		return fmt.Errorf("move workspace %s into place: %w", id, err)
	}
	return atomicfile.SyncDir(filepath.Dir(dir))
}

// renameExchange swaps two directories atomically (renameat2(2)
// RENAME_EXCHANGE); a variable for the tests of the fallback.
var renameExchange = func(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
}

// swapWorkspace puts the workspace directory src in dir's place and the
// old one in src's, atomically where the file system has RENAME_EXCHANGE.
// Elsewhere (EINVAL) it renames dir into a locked grave
// (.replaced-*/<id>), src to dir, and the old one to src: a crash between
// the first two renames leaves the grave, which sweepTransfers puts back
// since nothing took its place.
func swapWorkspace(src, dir, id string) error {
	root := filepath.Dir(dir)
	err := renameExchange(src, dir)
	if err == nil {
		return errors.Join(atomicfile.SyncDir(root), atomicfile.SyncDir(filepath.Dir(src)))
	}
	if !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("swap workspace %s: %w", id, err)
	}
	grave, err := newTransferDir(root, replacedPrefix)
	if err != nil {
		return fmt.Errorf("swap workspace %s: %w", id, err)
	}
	defer grave.lock.Close()
	defer os.Remove(grave.path)
	aside := filepath.Join(grave.path, id)
	if err := os.Rename(dir, aside); err != nil {
		return fmt.Errorf("swap workspace %s: %w", id, err)
	}
	if err := atomicfile.SyncDir(root); err != nil {
		return errors.Join(err, os.Rename(aside, dir))
	}
	if err := os.Rename(src, dir); err != nil {
		return errors.Join(fmt.Errorf("swap workspace %s: %w", id, err), os.Rename(aside, dir))
	}
	if err := atomicfile.SyncDir(root); err != nil {
		return err
	}
	return os.Rename(aside, src)
}

// restoreReplaced handles the grave path of an interrupted swap (see
// swapWorkspace): the workspace in it goes back to its id when nothing
// took its place, and is removed otherwise; then the grave goes.
func (p *Platform) restoreReplaced(root, grave string) error {
	entries, err := os.ReadDir(grave)
	if err != nil {
		return err
	}
	for _, e := range entries {
		aside := filepath.Join(grave, e.Name())
		dir := filepath.Join(root, e.Name())
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) && ids.Validate("workspace", e.Name()) == nil {
			if err := os.Rename(aside, dir); err != nil {
				return err
			}
			p.log.Warn().Str("workspace", e.Name()).Msg("import: put back the workspace that an interrupted replacement had moved aside")
			continue
		}
		if err := removeVolume(aside); err != nil {
			return err
		}
		if err := os.RemoveAll(aside); err != nil {
			return err
		}
	}
	if err := atomicfile.SyncDir(root); err != nil {
		return err
	}
	return os.Remove(grave)
}
