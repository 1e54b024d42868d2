package builtin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
)

// lsInput is the ls tool's arguments.
type lsInput struct {
	Path  string `json:"path"`
	Limit int    `json:"limit"`
}

// ls lists a directory's entries sorted by name, one a line: directories end
// with '/', symbolic links with '@' (not followed). At most Entries entries
// (or limit, if lower) are listed.
func (c *call) ls(input json.RawMessage) (string, error) {
	var in lsInput
	if err := decode(input, &in); err != nil {
		return "", err
	}
	if err := nonNegative("limit", in.Limit); err != nil {
		return "", fmt.Errorf("ls: %w", err)
	}
	name, err := resolve(in.Path)
	if err != nil {
		return "", fmt.Errorf("ls: %w", err)
	}
	info, err := c.root.Stat(name)
	if err != nil {
		return "", c.fsError("ls", name, err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("ls %s: not a directory; use read to view a file", shown(name))
	}
	dir := c.root
	if name != "." {
		if dir, err = c.root.OpenRoot(name); err != nil {
			return "", c.fsError("ls", name, err)
		}
		defer dir.Close()
	}
	entries, err := c.readDir(dir, c.lim.Visit)
	switch {
	case errors.Is(err, errBudget):
		return "", fmt.Errorf("ls %s: stopped after %s, the time budget of one tool call, while reading the directory; use find with a pattern", shown(name), c.lim.Budget)
	case err != nil:
		return "", c.fsError("ls", name, err)
	case len(entries) == 0:
		return fmt.Sprintf("%s is an empty directory", shown(name)), nil
	}
	limit := capped(in.Limit, c.lim.Entries)
	out := output{max: c.lim.OutputBytes}
	n := 0
	for _, e := range entries {
		if n == limit || !out.line(entryName(e.Name(), e)) {
			break
		}
		n++
	}
	total := fmt.Sprint(len(entries))
	if len(entries) > c.lim.Visit {
		total = fmt.Sprintf("more than %d", c.lim.Visit)
	}
	if n == len(entries) {
		return out.text(""), nil
	}
	return out.text(fmt.Sprintf("[showing %d of %s entries; use find with a pattern to narrow the listing]", n, total)), nil
}

// entryName is how a listing shows an entry: with '/' after a directory
// and '@' after a symbolic link.
func entryName(name string, d fs.DirEntry) string {
	name = displayName(name)
	switch {
	case d.Type()&fs.ModeSymlink != 0:
		return name + "@"
	case d.IsDir():
		return name + "/"
	}
	return name
}
