package builtin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
)

// grepInput is the grep tool's arguments.
type grepInput struct {
	Pattern    string `json:"pattern"`
	Path       string `json:"path"`
	Glob       string `json:"glob"`
	IgnoreCase bool   `json:"ignoreCase"`
	Literal    bool   `json:"literal"`
	Context    int    `json:"context"`
	Limit      int    `json:"limit"`
}

// grepRun is the state of one grep call.
type grepRun struct {
	c       *call
	re      *regexp.Regexp
	context int
	limit   int
	out     output
	matches int
	more    bool // a match beyond the limit was seen
	binary  int  // files skipped as binary
	large   int  // files skipped for size
	budget  bool // the time budget ran out inside a file
}

// grep searches file contents line by line for an RE2 regular expression
// (https://github.com/google/re2/wiki/Syntax), or for literal text, in a file
// or in the files below a directory whose path relative to it matches glob.
// Matching lines print as "path:line: text" and context lines as
// "path-line- text", groups separated by "--", as grep(1) does. Binary
// files and files over GrepFileBytes are skipped and counted.
func (c *call) grep(input json.RawMessage) (string, error) {
	var in grepInput
	if err := decode(input, &in); err != nil {
		return "", err
	}
	if in.Pattern == "" {
		return "", errors.New("grep: pattern is required")
	}
	if err := errors.Join(nonNegative("context", in.Context), nonNegative("limit", in.Limit)); err != nil {
		return "", fmt.Errorf("grep: %w", err)
	}
	expr := in.Pattern
	if in.Literal {
		expr = regexp.QuoteMeta(expr)
	}
	if in.IgnoreCase {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return "", fmt.Errorf("grep: invalid regular expression: %w; set literal to true to search for the text as is", err)
	}
	var filter *glob
	if in.Glob != "" {
		if filter, err = compileGlob(in.Glob); err != nil {
			return "", fmt.Errorf("grep: glob: %w", err)
		}
	}
	base, err := resolve(in.Path)
	if err != nil {
		return "", fmt.Errorf("grep: %w", err)
	}
	info, err := c.root.Stat(base)
	if err != nil {
		return "", c.fsError("grep", base, err)
	}
	g := &grepRun{c: c, re: re, context: in.Context, limit: capped(in.Limit, c.lim.Matches), out: output{max: c.lim.OutputBytes}}
	var stop walkStop
	switch {
	case info.Mode().IsRegular():
		if err := g.file(c.root, base, base, info.Size()); err != nil {
			return "", err
		}
		stop.budget = g.budget
	case info.IsDir():
		stop = c.walk(base, func(dir *os.Root, name, rel string, d fs.DirEntry) bool {
			if !d.Type().IsRegular() || filter != nil && !filter.match(rel) {
				return true
			}
			// Lstat through dir, not d.Info, which would resolve the
			// whole path from the workspace root again.
			fi, err := dir.Lstat(d.Name())
			if err != nil {
				return true
			}
			g.file(dir, d.Name(), name, fi.Size())
			return !g.more && !g.out.full && !g.budget
		})
		stop.budget = stop.budget || g.budget
	default:
		return "", fmt.Errorf("grep %s: not a regular file or directory", shown(base))
	}
	return g.result(in.Pattern, base, stop), nil
}

// grepCheckLines is how many lines grep searches between two checks of
// the time budget.
const grepCheckLines = 4096

// file searches one file, opened in dir as base and shown as name, unless
// it is too large or binary; it fails only when the file cannot be read.
func (g *grepRun) file(dir *os.Root, base, name string, size int64) error {
	if size > g.c.lim.GrepFileBytes {
		g.large++
		return nil
	}
	data, err := dir.ReadFile(base)
	if err != nil {
		return g.c.fsError("grep", name, err)
	}
	if isBinary(data[:min(len(data), sniffBytes)]) {
		g.binary++
		return nil
	}
	lines := bytes.Split(data, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	for i := range lines {
		lines[i] = bytes.TrimSuffix(lines[i], []byte("\r"))
	}
	last, after := -1, 0 // index of the last line printed, context lines still due
	for i, line := range lines {
		if i%grepCheckLines == grepCheckLines-1 && g.c.overBudget() {
			g.budget = true
			return nil
		}
		if g.re.Match(line) {
			if g.matches == g.limit {
				g.more = true
				return nil
			}
			start := max(i-g.context, last+1)
			if g.context > 0 && len(g.out.b) > 0 && (last < 0 || start > last+1) {
				g.out.line("--")
			}
			for j := start; j < i; j++ {
				g.print(name, j, '-', lines[j])
			}
			if !g.print(name, i, ':', line) {
				return nil
			}
			g.matches++
			last, after = i, g.context
		} else if after > 0 {
			g.print(name, i, '-', lines[i])
			last, after = i, after-1
		}
		if g.out.full {
			return nil
		}
	}
	return nil
}

// print adds one line of output; sep is ':' for a match, '-' for context.
func (g *grepRun) print(name string, i int, sep byte, line []byte) bool {
	return g.out.line(fmt.Sprintf("%s%c%d%c %s", displayName(name), sep, i+1, sep, cutLine(line, len(line), g.c.lim.LineBytes)))
}

// result formats the collected lines with notices about limits, where the
// walk stopped and skipped files. Skipped binary files are mentioned only
// when nothing matched.
func (g *grepRun) result(pattern, base string, stop walkStop) string {
	var notes []string
	switch {
	case g.more:
		notes = append(notes, fmt.Sprintf("[stopped after %s; narrow the pattern, path or glob]", count(g.matches, "match", "matches")))
	case g.out.full:
		notes = append(notes, fmt.Sprintf("[output limit of %s reached after %s; narrow the pattern, path or glob]", size(int64(g.c.lim.OutputBytes)), count(g.matches, "match", "matches")))
	}
	notes = append(notes, stop.notices(g.c.lim)...)
	if g.large > 0 {
		notes = append(notes, fmt.Sprintf("[skipped %s over %s]", count(g.large, "file", "files"), size(g.c.lim.GrepFileBytes)))
	}
	if g.matches == 0 && g.binary > 0 {
		notes = append(notes, fmt.Sprintf("[skipped %s]", count(g.binary, "binary file", "binary files")))
	}
	notice := strings.Join(notes, "\n")
	if g.matches == 0 {
		return strings.TrimSpace(fmt.Sprintf("no matches for %q in %s\n%s", pattern, shown(base), notice))
	}
	return g.out.text(notice)
}
