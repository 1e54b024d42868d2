package skills

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/gofrs/flock"

	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
)

// EnabledFile is the name of a workspace's enablement file in its
// directory (the state layout of the architecture document).
const EnabledFile = "enabled-skills.json"

// maxEnabledBytes bounds the enablement file read: 10 000 ids of 64
// characters, quoted, fit in 700 KB.
const maxEnabledBytes = 1 << 20

// Enabled is one workspace's list of enabled skills, stored in a file
// (the runtime's <stateDir>/workspaces/<id>/enabled-skills.json) as a JSON
// array of skill ids in byte order, for example ["docx","pdf"]. A missing
// file is an empty list.
//
// Changes take an exclusive flock(2) on the file's path plus ".lock" and
// rewrite the file atomically (internal/atomicfile), so concurrent changes
// from several processes are neither lost nor torn.
type Enabled struct {
	path string
	cat  *Catalog
}

// OpenEnabled returns the enablement list stored at path, checked against
// cat when skills are enabled. Nothing is read or created until a method
// is called.
func OpenEnabled(path string, cat *Catalog) *Enabled {
	return &Enabled{path: path, cat: cat}
}

// List returns the enabled ids, sorted. An id may name a skill since
// removed from the catalog (Remove with Force): callers show the model
// only the skills Catalog.Get still finds.
func (e *Enabled) List() ([]string, error) {
	data, err := os.ReadFile(e.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("enabled skills: %w", err)
	}
	if len(data) > maxEnabledBytes {
		return nil, fmt.Errorf("enabled skills %s: %w: more than %d bytes", e.path, ErrLimit, maxEnabledBytes)
	}
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("enabled skills %s: %w: not a JSON array of ids: %v", e.path, ErrInvalid, err)
	}
	slices.Sort(list)
	return slices.Compact(list), nil
}

// IsEnabled reports whether id is in the list.
func (e *Enabled) IsEnabled(id string) (bool, error) {
	list, err := e.List()
	if err != nil {
		return false, err
	}
	_, found := slices.BinarySearch(list, id)
	return found, nil
}

// Enable adds id to the list; enabling an enabled skill is no change. The
// skill must load from the catalog (Catalog.Get): an unknown id is an
// error wrapping ErrNotFound.
func (e *Enabled) Enable(ctx context.Context, id string) error {
	if _, err := e.cat.Get(id); err != nil {
		return fmt.Errorf("enable skill: %w", err)
	}
	return e.change(ctx, func(list []string) ([]string, error) {
		i, found := slices.BinarySearch(list, id)
		if found {
			return list, nil
		}
		return slices.Insert(list, i, id), nil
	})
}

// Disable removes id from the list, whether or not the catalog still has
// the skill. An id that is not enabled is an error wrapping ErrNotFound.
func (e *Enabled) Disable(ctx context.Context, id string) error {
	return e.change(ctx, func(list []string) ([]string, error) {
		i, found := slices.BinarySearch(list, id)
		if !found {
			return nil, fmt.Errorf("disable skill %q: %w: not enabled", id, ErrNotFound)
		}
		return slices.Delete(list, i, i+1), nil
	})
}

// change rewrites the list with edit under the file's lock.
func (e *Enabled) change(ctx context.Context, edit func([]string) ([]string, error)) error {
	ctx, cancel := context.WithTimeout(ctx, e.cat.lim.LockTimeout)
	defer cancel()
	fl := flock.New(e.path+".lock", flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, lockRetry)
	if err == nil && !ok {
		err = ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("enabled skills %s: lock: %w", e.path, err)
	}
	defer fl.Unlock()
	list, err := e.List()
	if err != nil {
		return err
	}
	before := slices.Clone(list)
	list, err = edit(list)
	if err != nil {
		return err
	}
	if slices.Equal(before, list) {
		return nil
	}
	if list == nil {
		list = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(list); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(e.path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("enabled skills: %w", err)
	}
	return nil
}
