package builtin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// findInput is the find tool's arguments.
type findInput struct {
	Pattern string `json:"pattern"`
	Path    string `json:"path"`
	Limit   int    `json:"limit"`
}

// find lists the files and directories below path whose path relative to it
// matches the glob pattern (see glob), in walk order, as paths relative to
// /workspace. At most Entries results (or limit, if lower) are listed.
func (c *call) find(input json.RawMessage) (string, error) {
	var in findInput
	if err := decode(input, &in); err != nil {
		return "", err
	}
	if in.Pattern == "" {
		return "", errors.New("find: pattern is required, for example \"**/*.go\"")
	}
	if err := nonNegative("limit", in.Limit); err != nil {
		return "", fmt.Errorf("find: %w", err)
	}
	g, err := compileGlob(in.Pattern)
	if err != nil {
		return "", fmt.Errorf("find: %w", err)
	}
	base, err := resolve(in.Path)
	if err != nil {
		return "", fmt.Errorf("find: %w", err)
	}
	info, err := c.root.Stat(base)
	if err != nil {
		return "", c.fsError("find", base, err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("find %s: not a directory", shown(base))
	}
	limit := capped(in.Limit, c.lim.Entries)
	out := output{max: c.lim.OutputBytes}
	shownN, total := 0, 0
	stop := c.walk(base, func(_ *os.Root, name, rel string, d fs.DirEntry) bool {
		if !g.match(rel) {
			return true
		}
		total++
		if shownN < limit && !out.full && out.line(entryName(name, d)) {
			shownN++
		}
		return true
	})
	notes := stop.notices(c.lim)
	switch {
	case len(notes) > 0:
		notes = append(notes, fmt.Sprintf("[showing %d of the first %d matches]", shownN, total))
	case shownN < total:
		notes = append(notes, fmt.Sprintf("[showing %d of %d matches; narrow path or pattern]", shownN, total))
	case total == 0:
		return fmt.Sprintf("no files match %q in %s", in.Pattern, shown(base)), nil
	}
	return out.text(strings.Join(notes, "\n")), nil
}
