package builtin

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFind(t *testing.T) {
	files := map[string]string{
		"main.go": "", "README.md": "", "src/a.go": "", "src/b.txt": "", "src/x/c.go": "",
		"lib/d.go": "", ".git/config.go": "", "src/.git/e.go": "", "outside/f.go": "",
	}
	tests := []struct {
		name string
		lim  Limits
		args map[string]any
		want string
	}{
		{"basename at any depth", Limits{}, map[string]any{"pattern": "*.go"}, "lib/d.go\nmain.go\noutside/f.go\nsrc/a.go\nsrc/x/c.go"},
		{"double star", Limits{}, map[string]any{"pattern": "src/**/*.go"}, "src/a.go\nsrc/x/c.go"},
		{"one level", Limits{}, map[string]any{"pattern": "src/*"}, "src/.git/\nsrc/a.go\nsrc/b.txt\nsrc/link@\nsrc/x/"},
		{"relative to path", Limits{}, map[string]any{"pattern": "x/*.go", "path": "src"}, "src/x/c.go"},
		{"absolute path", Limits{}, map[string]any{"pattern": "*.go", "path": "/workspace/src/x"}, "src/x/c.go"},
		{"braces", Limits{}, map[string]any{"pattern": "*.{md,txt}"}, "README.md\nsrc/b.txt"},
		{"directories end with slash", Limits{}, map[string]any{"pattern": "x"}, "src/x/"},
		{"symlinks shown, not followed", Limits{}, map[string]any{"pattern": "**/f.go"}, "outside/f.go"},
		{"limit", Limits{}, map[string]any{"pattern": "*.go", "limit": 2}, "lib/d.go\nmain.go\n\n[showing 2 of 5 matches; narrow path or pattern]"},
		{"entries limit", Limits{Entries: 1}, map[string]any{"pattern": "*.go", "limit": 9}, "lib/d.go\n\n[showing 1 of 5 matches; narrow path or pattern]"},
		{"byte limit", Limits{OutputBytes: 12}, map[string]any{"pattern": "*.go"}, "lib/d.go\n\n[showing 1 of 5 matches; narrow path or pattern]"},
		{"visit limit", Limits{Visit: 3}, map[string]any{"pattern": "*"}, ".git/\nREADME.md\nlib/\n\n[search stopped after visiting 3 entries; narrow the path or pattern]\n[showing 3 of the first 3 matches]"},
		{"no match", Limits{}, map[string]any{"pattern": "*.rs"}, "no files match \"*.rs\" in /workspace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newBox(t, tt.lim, files)
			if err := os.Symlink("../outside", filepath.Join(tb.Root, "src", "link")); err != nil {
				t.Fatal(err)
			}
			wantOK(t, run(t, tb, "find", tt.args), tt.want)
		})
	}
}

func TestFindErrors(t *testing.T) {
	tb := newBox(t, Limits{}, map[string]string{"f": ""})
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"no pattern", map[string]any{}, "pattern is required"},
		{"bad pattern", map[string]any{"pattern": "[x"}, "malformed element"},
		{"absolute pattern", map[string]any{"pattern": "/workspace/*.go"}, "pass the directory as path"},
		{"file as path", map[string]any{"pattern": "*", "path": "f"}, "find f: not a directory"},
		{"missing path", map[string]any{"pattern": "*", "path": "nope"}, "find nope: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, run(t, tb, "find", tt.args), tt.want)
		})
	}
}

// TestFindSymlinkLoop checks a symbolic link to an ancestor does not make
// the walk loop.
func TestFindSymlinkLoop(t *testing.T) {
	tb := newBox(t, Limits{}, map[string]string{"a/b/f.go": ""})
	if err := os.Symlink("../..", filepath.Join(tb.Root, "a", "b", "up")); err != nil {
		t.Fatal(err)
	}
	wantOK(t, run(t, tb, "find", map[string]any{"pattern": "**"}), "a/\na/b/\na/b/f.go\na/b/up@")
}
