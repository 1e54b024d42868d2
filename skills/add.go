package skills

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
)

// AddOptions tunes Add.
type AddOptions struct {
	// Replace swaps an existing skill of the same id for the new one, in
	// one atomic step. Without it Add refuses an id that exists.
	Replace bool
}

// Add copies the skill in src into the catalog under the id its SKILL.md
// names, and returns it as Show would. src is a skill folder, a
// gzip-compressed tar archive (.tar.gz, .tgz) or a zip archive, told apart
// by content. An archive whose entries all sit in one top-level folder is
// unwrapped.
//
// Add refuses, naming the entry, before anything reaches the catalog:
// names that are absolute, hold "..", or are not clean; symbolic links,
// hard links in archives, hard links of a folder with names outside it,
// device files, FIFOs and sockets; entries named twice; anything over the
// Limits (entries, bytes per file and in all, depth, expansion ratio); a
// missing SKILL.md, and a SKILL.md that breaks a field rule (Parse).
// Execute bits are kept as 0755 or 0644; setuid, setgid and sticky bits
// are dropped.
//
// Errors wrap ErrExists, ErrUnsafe, ErrLimit or ErrInvalid; entry problems
// are *EntryError values, SKILL.md problems *FieldError values.
//
// # Notes
//
//   - The copy is written into a folder named .incoming-* inside the
//     catalog, every file and directory fsynced, then renamed to its id with
//     renameat2(2): RENAME_NOREPLACE to add, RENAME_EXCHANGE to replace,
//     so readers see the old skill or the new one, never a mix. A crash
//     leaves at most a dot-folder, which the next Add or Remove deletes.
//   - Add holds the catalog lock (see Limits.LockTimeout) from the copy to
//     the rename, so that concurrent Adds, from any process, are
//     serialised; checking the source comes before and needs no lock.
//   - A run that already mounted the old folder of a replaced skill keeps
//     it until the old folder is deleted, right after the swap.
func (c *Catalog) Add(ctx context.Context, src string, opts AddOptions) (*Details, error) {
	s, err := openSource(src, c.lim)
	if err != nil {
		return nil, fmt.Errorf("add skill: %w", err)
	}
	defer s.close()
	p, err := scan(ctx, s, c.lim)
	if err != nil {
		return nil, fmt.Errorf("add skill: %w", err)
	}
	fl, err := c.lock(ctx)
	if err != nil {
		return nil, fmt.Errorf("add skill: %w", err)
	}
	defer fl.Unlock()
	if err := c.sweep(); err != nil {
		return nil, fmt.Errorf("add skill: %w", err)
	}
	d, err := c.install(p, opts)
	if err != nil {
		return nil, fmt.Errorf("add skill: %w", err)
	}
	return d, nil
}

// install copies the planned source into a fresh .incoming-* folder, checks
// SKILL.md there, and renames the folder into place.
func (c *Catalog) install(p *plan, opts AddOptions) (d *Details, err error) {
	tmp, err := os.MkdirTemp(c.dir, incomingName+"*")
	if err != nil {
		return nil, err
	}
	defer func() {
		if rerr := os.RemoveAll(tmp); err == nil && rerr != nil {
			err = rerr
		}
	}()
	if err := os.Chmod(tmp, dirPerm); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(tmp)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if err := p.copyTo(root); err != nil {
		return nil, err
	}
	sk, err := c.load("", root, p.skillMDName())
	if err != nil {
		return nil, err
	}
	d, err = inspect(sk, root)
	if err != nil {
		return nil, err
	}
	final := filepath.Join(c.dir, sk.ID)
	if err := rename(tmp, final, opts.Replace); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("skill %q: %w (use the replace option to swap it)", sk.ID, ErrExists)
		}
		return nil, fmt.Errorf("skill %q: %w", sk.ID, err)
	}
	if err := atomicfile.SyncDir(c.dir); err != nil {
		return nil, err
	}
	d.Dir = final
	return d, nil
}

// rename moves the folder tmp to final: without replace only if final does
// not exist; with replace by exchanging the two atomically, leaving the old
// folder at tmp for the caller to delete.
func rename(tmp, final string, replace bool) error {
	if replace {
		err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, final, unix.RENAME_EXCHANGE)
		if !errors.Is(err, unix.ENOENT) {
			return err
		}
	}
	return unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, final, unix.RENAME_NOREPLACE)
}

// sweep deletes what crashed Adds and Removes left: .incoming-* and
// .removed-* folders. The caller holds the catalog lock, so none is in use.
func (c *Catalog) sweep() error {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, incomingName) || strings.HasPrefix(n, removedName) {
			if err := os.RemoveAll(filepath.Join(c.dir, n)); err != nil {
				return err
			}
		}
	}
	return nil
}
