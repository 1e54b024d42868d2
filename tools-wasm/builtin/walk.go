package builtin

import (
	"io/fs"
	"strings"
)

// walk visits the entries below the directory base (a resolved name) in
// lexical order, calling fn with each entry's name relative to the
// workspace and its name relative to base. It does not follow symbolic
// links, skips the contents of directories named ".git" and of directories
// it cannot read, and stops when fn returns false or after Visit entries;
// it reports whether it stopped for the Visit limit.
func (c *call) walk(base string, fn func(name, rel string, d fs.DirEntry) bool) (visitLimit bool) {
	visited := 0
	fs.WalkDir(c.root.FS(), base, func(name string, d fs.DirEntry, err error) error {
		if err != nil || name == base {
			return nil
		}
		if visited++; visited > c.lim.Visit {
			visitLimit = true
			return fs.SkipAll
		}
		if !fn(name, relTo(base, name), d) {
			return fs.SkipAll
		}
		if d.IsDir() && d.Name() == ".git" {
			return fs.SkipDir
		}
		return nil
	})
	return visitLimit
}

// relTo returns name relative to the directory base; both are resolved
// names.
func relTo(base, name string) string {
	if base == "." {
		return name
	}
	return strings.TrimPrefix(name, base+"/")
}
