package builtin

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
)

// walkBatch is how many directory entries walk reads at a time.
const walkBatch = 256

// walkStop says why a walk ended early; the zero value means it did not.
type walkStop struct {
	visitLimit bool // Visit entries were visited
	budget     bool // the call's time budget ran out
	deep       int  // directories left unsearched below Depth levels
}

// notices returns the notices for the model about where the walk stopped.
func (s walkStop) notices(lim Limits) []string {
	var out []string
	if s.visitLimit {
		out = append(out, fmt.Sprintf("[search stopped after visiting %d entries; narrow the path or pattern]", lim.Visit))
	}
	if s.budget {
		out = append(out, fmt.Sprintf("[search stopped after %s, the time budget of one tool call; showing what was found so far; narrow the path or pattern]", lim.Budget))
	}
	if s.deep > 0 {
		out = append(out, fmt.Sprintf("[%s deeper than %d levels not searched; search from a deeper path]", count(s.deep, "directory", "directories"), lim.Depth))
	}
	return out
}

// walkFunc is called by walk for each entry: dir is the open directory
// holding it (for *at-style access by d.Name()), name its path relative to
// the workspace, rel its path relative to the walk's base. It returns false
// to stop the walk.
type walkFunc func(dir *os.Root, name, rel string, d fs.DirEntry) bool

// walk visits the entries below the directory base (a resolved name) in
// lexical order, depth first. Every step is relative to the directory
// before it: the walk holds an open directory per level and opens each
// child by its single name, so it costs O(entries) lookups however deep the
// tree, in the guest and in the host's confined file system alike. It does
// not follow symbolic links, skips the contents of directories named
// ".git" and of directories it cannot read, and stops when fn returns
// false, after Visit entries, below Depth levels (counting the skipped
// directories) or when the call's time budget runs out.
func (c *call) walk(base string, fn walkFunc) walkStop {
	var w walker
	w.c, w.fn = c, fn
	r := c.root
	if base != "." {
		sub, err := c.root.OpenRoot(base)
		if err != nil {
			return w.stop
		}
		defer sub.Close()
		r = sub
	}
	w.dir(r, base, "", 1)
	return w.stop
}

// walker is the state of one walk.
type walker struct {
	c       *call
	fn      walkFunc
	visited int
	stop    walkStop
	ended   bool // fn asked to stop, or a limit was reached
}

// dir walks the directory r, named name (relative to the workspace) and rel
// (relative to the base), at the given depth (1 for the base's entries).
func (w *walker) dir(r *os.Root, name, rel string, depth int) {
	entries := w.read(r)
	for _, d := range entries {
		if w.ended {
			return
		}
		if w.visited++; w.visited > w.c.lim.Visit {
			w.stop.visitLimit, w.ended = true, true
			return
		}
		if w.c.overBudget() {
			w.stop.budget, w.ended = true, true
			return
		}
		childName, childRel := join(name, d.Name()), join(rel, d.Name())
		if !w.fn(r, childName, childRel, d) {
			w.ended = true
			return
		}
		if !d.IsDir() || d.Name() == ".git" {
			continue
		}
		if depth >= w.c.lim.Depth {
			w.stop.deep++
			continue
		}
		sub, err := r.OpenRoot(d.Name())
		if err != nil {
			continue
		}
		w.dir(sub, childName, childRel, depth+1)
		sub.Close()
	}
}

// read returns the entries of r sorted by name, reading at most as many as
// the walk may still visit (so a huge directory costs no more than the
// visit limit), or none if r cannot be read.
func (w *walker) read(r *os.Root) []fs.DirEntry {
	entries, err := w.c.readDir(r, w.c.lim.Visit-w.visited)
	if errors.Is(err, errBudget) {
		w.stop.budget, w.ended = true, true
	}
	return entries
}

// errBudget is readDir's error when the call's time budget ran out.
var errBudget = errors.New("time budget exhausted")

// readDir returns the entries of the directory r sorted by name: all of
// them, or somewhat more than max when there are more (read in batches,
// checking the time budget between them). Errors: r cannot be read, or
// errBudget.
func (c *call) readDir(r *os.Root, max int) ([]fs.DirEntry, error) {
	f, err := r.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var entries []fs.DirEntry
	for len(entries) <= max {
		if c.overBudget() {
			return nil, errBudget
		}
		batch, err := f.ReadDir(walkBatch)
		entries = append(entries, batch...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// join appends a name to a relative path; "." and "" are empty paths.
func join(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return dir + "/" + name
}

// overBudget reports whether the call's time budget (Limits.Budget, from
// the call's start) has run out.
func (c *call) overBudget() bool {
	return time.Now().After(c.deadline)
}
