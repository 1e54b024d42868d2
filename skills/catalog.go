package skills

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"
)

const (
	skillMD      = "SKILL.md"
	catalogPerm  = 0o700
	lockName     = ".lock"
	incomingName = ".incoming-"
	removedName  = ".removed-"
	lockRetry    = 10 * time.Millisecond

	// nonBlock keeps an open(2) of a FIFO from waiting for a writer.
	nonBlock = syscall.O_NONBLOCK | syscall.O_NOCTTY
)

// Options configures a Catalog.
type Options struct {
	// Limits bounds Add, ReadFile and lock waits; zero fields take their
	// defaults.
	Limits Limits
	// Parse is passed to Parse for every SKILL.md read: the platform's
	// maximum skill timeout, and the description length.
	Parse ParseOptions
}

// Catalog is the global skill catalog: one folder per skill id under a
// directory (the runtime's <stateDir>/skills). Its methods are safe for
// concurrent use, also by several processes sharing the directory.
type Catalog struct {
	dir  string
	lim  Limits
	opts ParseOptions
}

// Skill is a skill of the catalog: its parsed SKILL.md and how it runs.
type Skill struct {
	// ID is the folder name, equal to Frontmatter.Name.
	ID string
	// Dir is the skill folder's absolute path, for mounting read-only at
	// /skills/<id> in a jail.
	Dir string
	// Frontmatter is SKILL.md's parsed frontmatter.
	Frontmatter
	// Body is SKILL.md after the frontmatter.
	Body string
	// Kind tells instruction, native and WASM skills apart.
	Kind Kind
	// Entry is the entry point's file name at the top of Dir, empty for
	// an Instruction skill.
	Entry string
}

// Open returns the catalog in dir, creating the directory (mode 0700) if
// it is missing.
func Open(dir string, opts Options) (*Catalog, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("skills catalog %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, catalogPerm); err != nil {
		return nil, fmt.Errorf("skills catalog %s: %w", dir, err)
	}
	return &Catalog{dir: abs, lim: opts.Limits.withDefaults(), opts: opts.Parse.withDefaults()}, nil
}

// Dir returns the catalog directory's absolute path.
func (c *Catalog) Dir() string { return c.dir }

// Get returns the skill id: SKILL.md parsed and checked, its kind. It
// reads SKILL.md and looks for the entry point, nothing more; Show also
// lists and hashes every file.
//
// Errors wrap ErrNotFound for an unknown id, ErrInvalid for a SKILL.md
// that no longer parses or whose name is not id.
func (c *Catalog) Get(id string) (*Skill, error) {
	root, err := c.openSkill(id)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return c.load(id, root, "")
}

// openSkill opens the folder of skill id, refusing ids that are not skill
// names and catalog members that are not plain directories.
func (c *Catalog) openSkill(id string) (*os.Root, error) {
	if err := ValidateName(id); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	p := filepath.Join(c.dir, id)
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("skill %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("skill %q: %w", id, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("skill %q: %w: %s is not a directory", id, ErrInvalid, p)
	}
	root, err := os.OpenRoot(p)
	if err != nil {
		return nil, fmt.Errorf("skill %q: %w", id, err)
	}
	return root, nil
}

// load parses the SKILL.md of the skill folder root and finds its entry
// point. file names SKILL.md in errors; empty means its path in root.
func (c *Catalog) load(id string, root *os.Root, file string) (*Skill, error) {
	if file == "" {
		file = filepath.Join(root.Name(), skillMD)
	}
	data, err := readRegular(root, skillMD, c.lim.MaxSkillMDBytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	fm, body, err := Parse(file, data, c.opts)
	if err != nil {
		return nil, err
	}
	if id != "" && fm.Name != id {
		return nil, &FieldError{File: file, Field: "name", Reason: fmt.Sprintf("%q does not match the skill folder %q", fm.Name, id)}
	}
	kind, entry, err := entryKind(func(name string) bool {
		fi, err := root.Lstat(name)
		return err == nil && fi.Mode().IsRegular()
	})
	if err != nil {
		return nil, fmt.Errorf("skill %q: %w", fm.Name, err)
	}
	return &Skill{ID: fm.Name, Dir: root.Name(), Frontmatter: *fm, Body: body, Kind: kind, Entry: entry}, nil
}

// List returns the catalog's skills sorted by id. A folder that fails to
// load does not hide the others: List returns every skill it could load
// and an error joining one error per folder that failed (nil if none).
// Names starting with "." are the catalog's own (lock, folders being added
// or removed) and are skipped.
func (c *Catalog) List() ([]*Skill, error) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, fmt.Errorf("skills catalog %s: %w", c.dir, err)
	}
	var out []*Skill
	var errs []error
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		s, err := c.Get(e.Name())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Skill) int { return strings.Compare(a.ID, b.ID) })
	return out, errors.Join(errs...)
}

// readRegular reads a regular file of root, at most max bytes; a larger
// file is an error wrapping ErrLimit, anything but a regular file one
// wrapping ErrUnsafe (or ErrNotFound when it does not exist). Errors do
// not repeat name.
func readRegular(root *os.Root, name string, max int64) ([]byte, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|nonBlock, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%w: %v", ErrUnsafe, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: not a regular file", ErrUnsafe)
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrLimit, fi.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrLimit, max)
	}
	return data, nil
}

// lock takes the catalog lock, an exclusive flock(2) on <dir>/.lock, for a
// change. It waits at most LockTimeout, and less if ctx ends first.
func (c *Catalog) lock(ctx context.Context) (*flock.Flock, error) {
	ctx, cancel := context.WithTimeout(ctx, c.lim.LockTimeout)
	defer cancel()
	fl := flock.New(filepath.Join(c.dir, lockName), flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, lockRetry)
	if err == nil && !ok {
		err = ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("skills catalog %s: lock: %w", c.dir, err)
	}
	return fl, nil
}
