package skills

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
)

// RemoveOptions tunes Remove.
type RemoveOptions struct {
	// EnabledIn returns the workspaces that have skill id enabled; the
	// runtime reads their enabled-skills.json. Nil means none.
	EnabledIn func(id string) ([]string, error)
	// Force removes the skill even while it is enabled. Its id stays in
	// those workspaces' enablement lists, where it is ignored: unknown
	// skills are invisible to the model.
	Force bool
}

// Remove deletes skill id from the catalog. It refuses, with an error
// wrapping ErrInUse that names the workspaces, a skill that EnabledIn
// reports enabled somewhere, unless Force is set. An unknown id is an error
// wrapping ErrNotFound.
//
// # Notes
//
// The folder is first renamed to .removed-* (atomic, fsynced), then
// deleted; a crash in between leaves a dot-folder the next Add or Remove
// deletes. A workspace may enable the skill between the EnabledIn check
// and the rename; its list then names an unknown skill, which is ignored.
func (c *Catalog) Remove(ctx context.Context, id string, opts RemoveOptions) error {
	if err := ValidateName(id); err != nil {
		return fmt.Errorf("remove skill: %w: %w", ErrNotFound, err)
	}
	fl, err := c.lock(ctx)
	if err != nil {
		return fmt.Errorf("remove skill %q: %w", id, err)
	}
	defer fl.Unlock()
	root, err := c.openSkill(id)
	if err != nil {
		return fmt.Errorf("remove skill: %w", err)
	}
	root.Close()
	if err := c.sweep(); err != nil {
		return fmt.Errorf("remove skill %q: %w", id, err)
	}
	if !opts.Force && opts.EnabledIn != nil {
		ws, err := opts.EnabledIn(id)
		if err != nil {
			return fmt.Errorf("remove skill %q: %w", id, err)
		}
		if len(ws) > 0 {
			return fmt.Errorf("remove skill %q: %w in workspaces %s (force removes it anyway)", id, ErrInUse, strings.Join(ws, ", "))
		}
	}
	gone, err := os.MkdirTemp(c.dir, removedName+"*")
	if err != nil {
		return fmt.Errorf("remove skill %q: %w", id, err)
	}
	// rename(2) over the fresh empty folder (os.Rename refuses directory
	// targets): an atomic replace, under a name no one else uses.
	if err := unix.Rename(filepath.Join(c.dir, id), gone); err != nil {
		os.Remove(gone)
		return fmt.Errorf("remove skill %q: %w", id, err)
	}
	if err := atomicfile.SyncDir(c.dir); err != nil {
		return fmt.Errorf("remove skill %q: %w", id, err)
	}
	if err := os.RemoveAll(gone); err != nil {
		return fmt.Errorf("remove skill %q: %w", id, err)
	}
	return nil
}
