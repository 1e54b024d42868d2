package builtin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGrep(t *testing.T) {
	files := map[string]string{
		"a.go":       "package a\n\nfunc Hello() {}\nfunc hello() {}\n",
		"b.txt":      "x := a.b(c)\naxb(c)\n",
		"sub/c.go":   "// Hello, 世界\n",
		"ctx.txt":    "1\n2\nmatch\n4\n5\n6\n7\nmatch\nmatch\n10\n",
		"crlf.txt":   "end\r\nend\r\n",
		".git/x.go":  "Hello\n",
		"bin.dat":    "Hello\x00\n",
		"many.txt":   strings.Repeat("hit\n", 7),
		"long.txt":   strings.Repeat("z", 30) + " needle\n",
		"latin1.txt": "caf\xe9 needle and more plain text\n",
	}
	tests := []struct {
		name string
		lim  Limits
		args map[string]any
		want string
	}{
		{"regexp over the tree", Limits{}, map[string]any{"pattern": "func [A-Z]"}, "a.go:3: func Hello() {}"},
		{"ignore case", Limits{}, map[string]any{"pattern": "hello", "ignoreCase": true, "glob": "*.go"},
			"a.go:3: func Hello() {}\na.go:4: func hello() {}\nsub/c.go:1: // Hello, 世界"},
		{"literal with metacharacters", Limits{}, map[string]any{"pattern": "a.b(c)", "literal": true}, "b.txt:1: x := a.b(c)"},
		{"same text as a regexp", Limits{}, map[string]any{"pattern": "a.b\\(c\\)", "path": "b.txt"}, "b.txt:1: x := a.b(c)\nb.txt:2: axb(c)"},
		{"literal ignore case", Limits{}, map[string]any{"pattern": "HELLO,", "literal": true, "ignoreCase": true}, "sub/c.go:1: // Hello, 世界"},
		{"unicode pattern", Limits{}, map[string]any{"pattern": "世.$"}, "sub/c.go:1: // Hello, 世界"},
		{"one file", Limits{}, map[string]any{"pattern": "hello", "path": "/workspace/a.go"}, "a.go:4: func hello() {}"},
		{"glob relative to path", Limits{}, map[string]any{"pattern": "Hello", "path": "sub", "glob": "*.go"}, "sub/c.go:1: // Hello, 世界"},
		{"context", Limits{}, map[string]any{"pattern": "match", "path": "ctx.txt", "context": 1},
			"ctx.txt-2- 2\nctx.txt:3: match\nctx.txt-4- 4\n--\nctx.txt-7- 7\nctx.txt:8: match\nctx.txt:9: match\nctx.txt-10- 10"},
		{"context at the file edges", Limits{}, map[string]any{"pattern": "^(1|10)$", "path": "ctx.txt", "context": 3},
			"ctx.txt:1: 1\nctx.txt-2- 2\nctx.txt-3- match\nctx.txt-4- 4\n--\nctx.txt-7- 7\nctx.txt-8- match\nctx.txt-9- match\nctx.txt:10: 10"},
		{"context groups across files", Limits{}, map[string]any{"pattern": "Hello", "context": 1, "glob": "*.go"},
			"a.go-2- \na.go:3: func Hello() {}\na.go-4- func hello() {}\n--\nsub/c.go:1: // Hello, 世界"},
		{"crlf lines match at the end", Limits{}, map[string]any{"pattern": "end$", "path": "crlf.txt"}, "crlf.txt:1: end\ncrlf.txt:2: end"},
		{"limit", Limits{}, map[string]any{"pattern": "hit", "limit": 2},
			"many.txt:1: hit\nmany.txt:2: hit\n\n[stopped after 2 matches; narrow the pattern, path or glob]"},
		{"matches limit", Limits{Matches: 3}, map[string]any{"pattern": "hit", "limit": 50},
			"many.txt:1: hit\nmany.txt:2: hit\nmany.txt:3: hit\n\n[stopped after 3 matches; narrow the pattern, path or glob]"},
		{"byte limit", Limits{OutputBytes: 30}, map[string]any{"pattern": "hit"},
			"many.txt:1: hit\n\n[output limit of 30 bytes reached after 1 match; narrow the pattern, path or glob]"},
		{"long line cut", Limits{LineBytes: 8}, map[string]any{"pattern": "needle", "path": "long.txt"},
			"long.txt:1: zzzzzzzz… [line cut, 37 bytes in all]"},
		{"binary files skipped and counted", Limits{}, map[string]any{"pattern": "Hello", "glob": "*.dat"},
			"no matches for \"Hello\" in /workspace\n[skipped 1 binary file]"},
		{"large files skipped and counted", Limits{GrepFileBytes: 36}, map[string]any{"pattern": "needle"},
			"latin1.txt:1: caf\xe9 needle and more plain text\n\n[skipped 2 files over 36 bytes]"},
		{"visit limit", Limits{Visit: 1}, map[string]any{"pattern": "Hello"},
			"no matches for \"Hello\" in /workspace\n[search stopped after visiting 1 entries; narrow the path or pattern]"},
		{"no match", Limits{}, map[string]any{"pattern": "absent"}, "no matches for \"absent\" in /workspace\n[skipped 1 binary file]"},
		{"no match in a file", Limits{}, map[string]any{"pattern": "absent", "path": "a.go"}, "no matches for \"absent\" in a.go"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newBox(t, tt.lim, files)
			wantOK(t, run(t, tb, "grep", tt.args), tt.want)
		})
	}
}

func TestGrepErrors(t *testing.T) {
	tb := newBox(t, Limits{}, map[string]string{"f": "x\n"})
	if err := os.Symlink("/etc", filepath.Join(tb.Root, "etc")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"no pattern", map[string]any{}, "pattern is required"},
		{"invalid regexp", map[string]any{"pattern": "a(b"}, "invalid regular expression"},
		{"invalid regexp hint", map[string]any{"pattern": "a(b"}, "set literal to true"},
		{"bad glob", map[string]any{"pattern": "x", "glob": "[x"}, "glob: pattern \"[x\": malformed element"},
		{"negative context", map[string]any{"pattern": "x", "context": -2}, "context must not be negative"},
		{"missing path", map[string]any{"pattern": "x", "path": "nope"}, "grep nope: no such file or directory"},
		{"escape through a symlink", map[string]any{"pattern": "root", "path": "etc"}, "path escapes the workspace through a symbolic link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, run(t, tb, "grep", tt.args), tt.want)
		})
	}
}
