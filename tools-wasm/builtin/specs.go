package builtin

import (
	"encoding/json"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// schema is the subset of JSON Schema (https://json-schema.org/) used to
// describe the tools' parameters.
type schema struct {
	Type        string            `json:"type"`
	Description string            `json:"description,omitempty"`
	Properties  map[string]schema `json:"properties,omitempty"`
	Required    []string          `json:"required,omitempty"`
	Items       *schema           `json:"items,omitempty"`
	Minimum     *int              `json:"minimum,omitempty"`
}

// Specs returns the model-facing definitions of the built-in tools, in the
// order read, write, edit, ls, find, grep: each with its name, a description
// that states the effective limits, and a JSON Schema object for its
// parameters.
func (t *Toolbox) Specs() []chat.Tool {
	l := t.Limits.withDefaults()
	zero, one := 0, 1
	str := func(d string) schema { return schema{Type: "string", Description: d} }
	integer := func(d string, min *int) schema { return schema{Type: "integer", Description: d, Minimum: min} }
	boolean := func(d string) schema { return schema{Type: "boolean", Description: d} }
	obj := func(props map[string]schema, required ...string) schema {
		return schema{Type: "object", Properties: props, Required: required}
	}
	path := str("Path relative to /workspace, or absolute under /workspace.")
	dirPath := str("Directory relative to /workspace, or absolute under it (default: /workspace).")
	tool := func(name, desc string, params schema) chat.Tool {
		raw, err := json.Marshal(params)
		if err != nil {
			panic(err) // the schemas are static values; marshalling cannot fail
		}
		return chat.Tool{Name: name, Description: desc, Parameters: raw}
	}
	return []chat.Tool{
		tool("read", fmt.Sprintf("Read a text file. Lines are numbered (number, tab, text). At most %d lines and %s are returned per call, lines over %d bytes are cut; when output is cut it ends with the offset to continue from. Binary files are not shown.",
			l.ReadLines, size(int64(l.OutputBytes)), l.LineBytes),
			obj(map[string]schema{
				"path":   path,
				"offset": integer("1-based number of the first line to show (default 1).", &one),
				"limit":  integer(fmt.Sprintf("Most lines to show (default and maximum %d).", l.ReadLines), &one),
			}, "path")),
		tool("write", fmt.Sprintf("Create or overwrite a file with the given content (at most %s). Missing parent directories are created.", size(int64(l.WriteBytes))),
			obj(map[string]schema{
				"path":    path,
				"content": str("The complete new content of the file."),
			}, "path", "content")),
		tool("edit", "Replace exact text in an existing file. Each oldText must occur exactly once in the file, matching it exactly, whitespace and indentation included. Edits apply in order, each to the result of the ones before; if any edit fails, nothing is written. Read the file before editing it.",
			obj(map[string]schema{
				"path": path,
				"edits": {Type: "array", Description: "Replacements to apply in order.", Items: &schema{
					Type: "object",
					Properties: map[string]schema{
						"oldText": str("Exact text to replace; must occur exactly once."),
						"newText": str("Text to put in its place."),
					},
					Required: []string{"oldText", "newText"},
				}},
			}, "path", "edits")),
		tool("ls", fmt.Sprintf("List a directory, sorted by name. Directories end with '/', symbolic links with '@'. At most %d entries.", l.Entries),
			obj(map[string]schema{
				"path":  dirPath,
				"limit": integer(fmt.Sprintf("Most entries to list (default and maximum %d).", l.Entries), &one),
			})),
		tool("find", fmt.Sprintf("Find files and directories whose path relative to the search directory matches a glob pattern: '*' and '?' match within one path element, '**' matches any number of directories, '{a,b}' gives alternatives. A pattern without '/' matches names at any depth. Contents of .git directories and symbolic links to directories are not searched. At most %d results, as paths relative to /workspace.", l.Entries),
			obj(map[string]schema{
				"pattern": str("Glob pattern, for example \"*.go\" or \"src/**/*_test.go\"."),
				"path":    dirPath,
				"limit":   integer(fmt.Sprintf("Most results to list (default and maximum %d).", l.Entries), &one),
			}, "pattern")),
		tool("grep", fmt.Sprintf("Search file contents line by line with a regular expression (RE2 syntax) or literal text. Output lines are \"path:line: text\" for matches and \"path-line- text\" for context. Skips binary files, files over %s and .git directories. At most %d matches.", size(l.GrepFileBytes), l.Matches),
			obj(map[string]schema{
				"pattern":    str("Regular expression (RE2 syntax), or literal text when literal is true."),
				"path":       str("File or directory to search, relative to /workspace or absolute under it (default: /workspace)."),
				"glob":       str("When path is a directory, only search files whose path relative to it matches this glob, for example \"*.go\" (same syntax as find)."),
				"ignoreCase": boolean("Match case-insensitively."),
				"literal":    boolean("Treat pattern as plain text, not a regular expression."),
				"context":    integer("Lines of context to show before and after each match (default 0).", &zero),
				"limit":      integer(fmt.Sprintf("Most matches to show (default and maximum %d).", l.Matches), &one),
			}, "pattern")),
	}
}
