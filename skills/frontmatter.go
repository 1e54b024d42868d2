package skills

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// Frontmatter limits and defaults.
const (
	// MaxNameLength is the longest skill name, in characters (Agent Skills
	// specification).
	MaxNameLength = 64
	// MaxDescriptionLength is the longest description, in characters
	// (Agent Skills specification).
	MaxDescriptionLength = 1024
	// MaxCompatibilityLength is the longest compatibility note, in
	// characters (Agent Skills specification).
	MaxCompatibilityLength = 500
	// MaxFrontmatterBytes bounds the YAML block between the "---" lines.
	MaxFrontmatterBytes = 64 << 10
	// DefaultTimeout is an executable skill's time limit when its
	// frontmatter names none.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxTimeout is the largest timeout a frontmatter may ask for
	// when ParseOptions.MaxTimeout is zero.
	DefaultMaxTimeout = 10 * time.Minute
)

// WorkspaceAccess is what an executable skill sees of the workspace's files
// (frontmatter key "workspace").
type WorkspaceAccess string

// The values of WorkspaceAccess.
const (
	WorkspaceNone  WorkspaceAccess = "none" // default: no workspace files
	WorkspaceRead  WorkspaceAccess = "read"
	WorkspaceWrite WorkspaceAccess = "write"
)

// Frontmatter is the parsed YAML frontmatter of a SKILL.md: the fields of
// the Agent Skills specification (https://agentskills.io/specification)
// and bulkhead's extensions (credentials, timeout, network, workspace).
type Frontmatter struct {
	// Name is the skill's name and catalog id: 1-64 characters of a-z,
	// 0-9 and single hyphens, not starting or ending with one.
	Name string
	// Description says what the skill does and when to use it: 1 to
	// ParseOptions.MaxDescription characters (default 1024), not blank.
	// The model sees it with the name.
	Description string
	// License is a licence name or the name of a bundled licence file.
	License string
	// Compatibility describes environment requirements: 1-500 characters
	// when present.
	Compatibility string
	// AllowedTools lists the tools the skill expects to use (experimental
	// in the specification): a YAML list, or a string split at spaces and
	// commas outside parentheses ("Bash(git add:*) Read").
	AllowedTools []string
	// Metadata holds the specification's string-to-string map. A value
	// that is not a scalar (some collections nest lists or maps) is kept
	// as its JSON encoding.
	Metadata map[string]string
	// Credentials names the vault entries injected into the skill's
	// process, each a valid id (internal/ids), no repeats.
	Credentials []string
	// Timeout is the skill's time limit: the "timeout" key in whole
	// seconds, positive and at most ParseOptions.MaxTimeout; default
	// DefaultTimeout.
	Timeout time.Duration
	// Network lists the destinations the skill may reach (issue 11),
	// unchecked here: the egress policy validates them.
	Network []string
	// Workspace is what the skill sees of the workspace's files; default
	// WorkspaceNone.
	Workspace WorkspaceAccess
	// Extra holds the keys this package does not know, decoded as YAML
	// (maps, lists, strings, numbers, booleans). They are kept, never an
	// error, so that skills written for other hosts load unchanged.
	Extra map[string]any
}

// ParseOptions tunes Parse.
type ParseOptions struct {
	// MaxTimeout is the largest "timeout" accepted; zero means
	// DefaultMaxTimeout.
	MaxTimeout time.Duration
	// MaxDescription is the longest description accepted, in characters;
	// zero means MaxDescriptionLength, the specification's 1024.
	//
	// Raising it admits skills that exceed the specification; at the time
	// of writing, claude-api in the anthropics/skills repository has a
	// description of 1068 characters.
	MaxDescription int
}

// withDefaults returns o with zero fields set to their defaults.
func (o ParseOptions) withDefaults() ParseOptions {
	if o.MaxTimeout <= 0 {
		o.MaxTimeout = DefaultMaxTimeout
	}
	if o.MaxDescription <= 0 {
		o.MaxDescription = MaxDescriptionLength
	}
	return o
}

var namePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`) })

// ValidateName reports whether name follows the Agent Skills name rule:
// 1-64 characters of a-z, 0-9 and hyphens, no leading, trailing or
// doubled hyphen. Such a name is always a valid catalog id.
func ValidateName(name string) error {
	if len(name) == 0 || len(name) > MaxNameLength || !namePattern().MatchString(name) {
		return fmt.Errorf("skill name %q: want 1-%d characters of a-z, 0-9 and single hyphens, not starting or ending with a hyphen", shorten(name), MaxNameLength)
	}
	return nil
}

// Parse parses the content of a SKILL.md: a frontmatter block between two
// lines of "---" at the very start (after an optional UTF-8 byte order
// mark; lines may end in CRLF), then the Markdown body, returned as is.
// file names the file in errors.
//
// Errors are *FieldError values wrapping ErrInvalid, with the file's line
// number where one is known.
func Parse(file string, data []byte, opts ParseOptions) (*Frontmatter, string, error) {
	block, body, err := split(file, data)
	if err != nil {
		return nil, "", err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(block, &doc); err != nil {
		return nil, "", yamlError(file, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, "", &FieldError{File: file, Line: 1, Reason: "frontmatter is empty; want at least name and description"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, "", &FieldError{File: file, Line: root.Line + 1, Reason: "frontmatter is not a mapping of keys to values"}
	}
	p := parser{file: file, opts: opts.withDefaults()}
	fm, err := p.mapping(root)
	if err != nil {
		return nil, "", err
	}
	return fm, string(body), nil
}

// split separates the frontmatter block from the body.
func split(file string, data []byte) (block, body []byte, err error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	line, rest, _ := cutLine(data)
	if !isFence(line) {
		return nil, nil, &FieldError{File: file, Line: 1, Reason: `does not start with a "---" line opening the YAML frontmatter`}
	}
	start := rest
	for n := 2; ; n++ {
		if len(start)-len(rest) > MaxFrontmatterBytes {
			return nil, nil, &FieldError{File: file, Line: n, Reason: fmt.Sprintf("frontmatter is longer than %d bytes", MaxFrontmatterBytes)}
		}
		if len(rest) == 0 {
			return nil, nil, &FieldError{File: file, Line: n, Reason: `frontmatter is not closed by a "---" line`}
		}
		var more bool
		line, rest, more = cutLine(rest)
		if isFence(line) {
			block = start[:len(start)-len(rest)-len(line)-lineEnd(more)]
			return block, rest, nil
		}
	}
}

// cutLine returns the first line of b without its "\n" and what follows;
// more reports whether a newline ended the line.
func cutLine(b []byte) (line, rest []byte, more bool) {
	line, rest, more = bytes.Cut(b, []byte("\n"))
	return line, rest, more
}

// lineEnd is the length of the newline cutLine removed.
func lineEnd(more bool) int {
	if more {
		return 1
	}
	return 0
}

// isFence reports whether line is "---", ignoring trailing blanks and a CR.
func isFence(line []byte) bool {
	return string(bytes.TrimRight(line, " \t\r")) == "---"
}

var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })

// yamlError turns a YAML syntax error into a *FieldError, its line counted
// from the top of the file (the opening "---" is line 1).
func yamlError(file string, err error) error {
	msg := err.Error()
	if m := yamlLine().FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &FieldError{File: file, Line: n + 1, Reason: "YAML: " + m[2]}
	}
	return &FieldError{File: file, Reason: strings.Replace(msg, "yaml: ", "YAML: ", 1)}
}

// parser decodes the frontmatter mapping field by field, so each error
// names its key and line.
type parser struct {
	file string
	opts ParseOptions
}

func (p parser) fail(n *yaml.Node, field, format string, args ...any) error {
	return &FieldError{File: p.file, Line: n.Line + 1, Field: field, Reason: fmt.Sprintf(format, args...)}
}

func (p parser) mapping(root *yaml.Node) (*Frontmatter, error) {
	fm := &Frontmatter{Timeout: DefaultTimeout, Workspace: WorkspaceNone}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		if prev, dup := seen[key]; dup {
			return nil, p.fail(k, key, "repeated (first on line %d)", prev)
		}
		seen[key] = k.Line + 1
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" && key != "name" && key != "description" {
			continue // "license:" with nothing after it: absent
		}
		var err error
		switch key {
		case "name":
			fm.Name, err = p.str(v, key)
			if err == nil {
				if verr := ValidateName(fm.Name); verr != nil {
					err = p.fail(v, key, "%v", verr)
				}
			}
		case "description":
			fm.Description, err = p.text(v, key, p.opts.MaxDescription)
		case "license":
			fm.License, err = p.str(v, key)
		case "compatibility":
			fm.Compatibility, err = p.text(v, key, MaxCompatibilityLength)
		case "allowed-tools":
			fm.AllowedTools, err = p.tools(v, key)
		case "metadata":
			fm.Metadata, err = p.metadata(v, key)
		case "credentials":
			fm.Credentials, err = p.credentials(v, key)
		case "timeout":
			fm.Timeout, err = p.timeout(v, key)
		case "network":
			fm.Network, err = p.list(v, key)
		case "workspace":
			fm.Workspace, err = p.workspace(v, key)
		default:
			var x any
			if derr := v.Decode(&x); derr != nil {
				return nil, p.fail(v, key, "%v", derr)
			}
			if fm.Extra == nil {
				fm.Extra = map[string]any{}
			}
			fm.Extra[key] = x
		}
		if err != nil {
			return nil, err
		}
	}
	for _, req := range []string{"name", "description"} {
		if _, ok := seen[req]; !ok {
			return nil, &FieldError{File: p.file, Line: root.Line + 1, Field: req, Reason: "missing (required by the Agent Skills specification)"}
		}
	}
	return fm, nil
}

// str returns a scalar's text; YAML numbers and booleans count as their
// spelling.
func (p parser) str(v *yaml.Node, field string) (string, error) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return "", p.fail(v, field, "want a string")
	}
	return v.Value, nil
}

// text is str for a field of 1 to max characters that is not blank.
func (p parser) text(v *yaml.Node, field string, max int) (string, error) {
	s, err := p.str(v, field)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(s) == "" {
		return "", p.fail(v, field, "is empty")
	}
	if !utf8.ValidString(s) {
		return "", p.fail(v, field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", p.fail(v, field, "is %d characters long, want at most %d", n, max)
	}
	return s, nil
}

// list returns a sequence of non-empty scalars.
func (p parser) list(v *yaml.Node, field string) ([]string, error) {
	if v.Kind != yaml.SequenceNode {
		return nil, p.fail(v, field, "want a list of strings")
	}
	out := make([]string, 0, len(v.Content))
	for i, e := range v.Content {
		s, err := p.str(e, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) == "" {
			return nil, p.fail(e, fmt.Sprintf("%s[%d]", field, i), "is empty")
		}
		out = append(out, s)
	}
	return out, nil
}

// tools accepts the two spellings of allowed-tools: a list, or one string.
func (p parser) tools(v *yaml.Node, field string) ([]string, error) {
	if v.Kind == yaml.SequenceNode {
		return p.list(v, field)
	}
	s, err := p.str(v, field)
	if err != nil {
		return nil, err
	}
	return splitTools(s), nil
}

// splitTools splits at blanks and commas that are outside parentheses, so
// "Bash(git add:*), Read" gives "Bash(git add:*)" and "Read".
func splitTools(s string) []string {
	var out []string
	depth, start := 0, -1
	for i, r := range s + " " {
		sep := depth == 0 && (r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r')
		switch {
		case sep && start >= 0:
			out = append(out, s[start:i])
			start = -1
		case !sep && start < 0:
			start = i
		}
		switch r {
		case '(':
			depth++
		case ')':
			depth = max(depth-1, 0)
		}
	}
	return out
}

func (p parser) metadata(v *yaml.Node, field string) (map[string]string, error) {
	if v.Kind != yaml.MappingNode {
		return nil, p.fail(v, field, "want a mapping of keys to strings")
	}
	out := make(map[string]string, len(v.Content)/2)
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, e := v.Content[i], v.Content[i+1]
		name := field + "." + k.Value
		if _, dup := out[k.Value]; dup {
			return nil, p.fail(k, name, "repeated")
		}
		if e.Kind == yaml.ScalarNode {
			out[k.Value] = e.Value
			continue
		}
		var x any
		if err := e.Decode(&x); err != nil {
			return nil, p.fail(e, name, "%v", err)
		}
		j, err := json.Marshal(x)
		if err != nil {
			return nil, p.fail(e, name, "cannot be kept: %v", err)
		}
		out[k.Value] = string(j)
	}
	return out, nil
}

func (p parser) credentials(v *yaml.Node, field string) ([]string, error) {
	names, err := p.list(v, field)
	if err != nil {
		return nil, err
	}
	for i, n := range names {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := ids.Validate("credential", n); err != nil {
			return nil, p.fail(v.Content[i], f, "%v", err)
		}
		for _, m := range names[:i] {
			if m == n {
				return nil, p.fail(v.Content[i], f, "credential %q named twice", n)
			}
		}
	}
	return names, nil
}

func (p parser) timeout(v *yaml.Node, field string) (time.Duration, error) {
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" {
		return 0, p.fail(v, field, "want a whole number of seconds")
	}
	n, err := strconv.ParseInt(v.Value, 0, 64)
	maxSec := int64(p.opts.MaxTimeout / time.Second)
	if err != nil || n <= 0 || n > maxSec {
		return 0, p.fail(v, field, "%s seconds: want 1 to %d", shorten(v.Value), maxSec)
	}
	return time.Duration(n) * time.Second, nil
}

func (p parser) workspace(v *yaml.Node, field string) (WorkspaceAccess, error) {
	s, err := p.str(v, field)
	if err != nil {
		return "", err
	}
	switch a := WorkspaceAccess(s); a {
	case WorkspaceNone, WorkspaceRead, WorkspaceWrite:
		return a, nil
	}
	return "", p.fail(v, field, "%q: want none, read or write", shorten(s))
}
